"""The README's runnable examples (a ```sh block after ``<!-- runnable -->``) run as written, in order, as a
new user runs them: in a temporary home (no config, no data), from a folder holding ``examples/``, with the
installed ``medic`` on PATH.

Not a fresh virtualenv per run (too slow for CI): the installed package is used, with clean HOME/XDG dirs. The
knowledge base starts as a copy of the built-in catalog's (the first-use indexing is tested elsewhere)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- runnable -->\n```sh\n(.*?)\n```", re.S)


def runnable_blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_runnable_blocks() -> None:
    blocks = runnable_blocks()
    assert len(blocks) >= 4
    commands = " ".join(blocks)
    for needed in ("medic index examples/runbooks", "medic triage", "medic show", "--fail-on"):
        assert needed in commands


def test_runnable_blocks_work_as_written(tmp_path: Path, catalog_db: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")
    env = clean_env(tmp_path, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("MEDIC_DB")  # as a new user: the default place, under the temporary home
    data = tmp_path / "data" / "medic"
    data.mkdir(parents=True)
    shutil.copy(catalog_db, data / "medic.db")
    for block in runnable_blocks():
        proc = subprocess.run(
            ["bash", "-e", "-c", block], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, f"{block}\n--- stderr:\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr and proc.stdout.strip(), block
    assert (work / "medic-junit.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert not list((tmp_path / "home").glob("**/medic.db"))  # nothing written outside the temporary XDG dirs
