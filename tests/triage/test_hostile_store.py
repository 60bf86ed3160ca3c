"""A knowledge database that cannot be written (a 0444 file, a read-only folder): ``medic search`` and
``medic triage`` still read it or fail in one line, ``medic index`` fails once in one line with exit 2, and
nothing stored changes. Run as an unprivileged user (root writes 0444 files)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534


def unprivileged() -> list[str]:
    """The command prefix that drops root (nothing when we are not root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be shown to root")
    return [setpriv, "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups"]


def medic(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(db.parent.parent), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*unprivileged(), sys.executable, "-m", "medic.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=db.parent.parent,
    )


def give_away(path: Path) -> None:
    """Make a path the unprivileged user's (when we are root), as if that user had made it."""
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)


@pytest.fixture(scope="module")
def place() -> Iterator[Path]:
    """A world-readable folder (pytest's own tmp folders are private to root)."""
    top = Path(tempfile.mkdtemp(prefix="medic-ro-"))
    top.chmod(0o755)
    give_away(top)
    yield top
    for p in top.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(top)


@pytest.fixture(scope="module")
def built(place: Path) -> Path:
    """A database with the built-in catalog, made by the unprivileged user in a folder of its own."""
    folder = place / "made"
    folder.mkdir()
    give_away(folder)
    db = folder / "kb.db"
    res = medic(db, "search", "crashloop")
    assert res.returncode == 0, res.stderr
    return db


def digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def runbook(place: Path) -> Path:
    folder = place / "runbooks"
    if not folder.exists():
        folder.mkdir()
        (folder / "disk.md").write_text("# Disk full\n\n## Symptom\n\nno space left on device\n", encoding="utf-8")
        for p in (folder, *folder.iterdir()):
            p.chmod(0o755 if p.is_dir() else 0o644)
    return folder


def evidence(place: Path) -> Path:
    path = place / "evidence.txt"
    path.write_text("Back-off restarting failed container api in pod web-0\n", encoding="utf-8")
    path.chmod(0o644)
    return path


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_0444_database_is_read_and_never_written(built: Path, place: Path) -> None:
    folder = place / "ro-file"
    folder.mkdir()
    give_away(folder)
    db = folder / "kb.db"
    shutil.copyfile(built, db)
    give_away(db)
    db.chmod(0o444)
    before = digest(db)

    res = medic(db, "search", "crashloop")
    assert res.returncode == 0, res.stderr
    assert "CrashLoopBackOff" in res.stdout

    res = medic(db, "triage", str(evidence(place)))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr

    res = medic(db, "index", str(runbook(place)))
    assert res.returncode == 2
    assert one_line(res.stderr) == (
        f"medic: {db}: cannot write the knowledge database (read-only: attempt to write a readonly database); "
        "check its permissions, or give a writable --db"
    )
    assert digest(db) == before
    assert stat.S_IMODE(db.stat().st_mode) == 0o444


def test_a_database_in_a_read_only_folder_fails_in_one_line(built: Path, place: Path) -> None:
    folder = place / "ro-folder"
    folder.mkdir()
    db = folder / "kb.db"
    shutil.copyfile(built, db)
    db.chmod(0o644)  # the file is not the user's, and its folder takes no journal: nothing can be written
    folder.chmod(0o555)
    before = digest(db)
    for args in (("search", "crashloop"), ("triage", str(evidence(place))), ("index", str(runbook(place)))):
        res = medic(db, *args)
        assert res.returncode == 2, (args, res.stderr)
        assert one_line(res.stderr).startswith(f"medic: {db}: cannot write the knowledge database ("), args
    assert digest(db) == before
