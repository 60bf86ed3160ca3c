"""The README's runnable examples (a ```sh block after ``<!-- runnable -->``) run as written, in order, as a
new user runs them: in a temporary home (no config, no data), from a folder holding ``examples/``.

Two ways: with the installed ``medic`` and a knowledge base that starts as a copy of the built-in catalog's
(fast, always), and in a fresh virtualenv where this checkout is pip-installed, from a blank home where the
first command builds the catalog (a minute or two: CI runs it, ``MEDIC_FRESH_VENV=1`` in ``.ci/run``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def run_blocks(work: Path, env: dict[str, str]) -> None:
    (work / "examples").symlink_to(ROOT / "examples")
    for block in runnable_blocks():
        proc = subprocess.run(
            ["bash", "-e", "-c", block], cwd=work, env=env, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == 0, f"{block}\n--- stderr:\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr and proc.stdout.strip(), block
    assert (work / "medic-junit.xml").read_text(encoding="utf-8").startswith("<?xml")


def test_runnable_blocks_work_as_written(tmp_path: Path, catalog_db: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(tmp_path, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("MEDIC_DB")  # as a new user: the default place, under the temporary home
    data = tmp_path / "data" / "medic"
    data.mkdir(parents=True)
    shutil.copy(catalog_db, data / "medic.db")
    run_blocks(work, env)
    assert not list((tmp_path / "home").glob("**/medic.db"))  # nothing written outside the temporary XDG dirs


@pytest.mark.skipif(
    os.environ.get("MEDIC_FRESH_VENV") != "1",
    reason="a virtualenv and a pip install take a minute or two: CI runs it (MEDIC_FRESH_VENV=1 in .ci/run)",
)
def test_runnable_blocks_work_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(ROOT)], capture_output=True, text=True, timeout=1200
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(tmp_path, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("MEDIC_DB")
    env.pop("MEDIC_CACHE")  # the encoder's load-fast form too is written by the first use, as for a new user
    run_blocks(work, env)
    assert (tmp_path / "data" / "medic" / "medic.db").is_file()
