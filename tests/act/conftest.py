"""Stand-in ``kubectl``, ``docker`` and ``drbdadm`` executables that record their argv, and a catalog store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medic.knowledge.ingest import ensure_builtin, index_paths
from medic.knowledge.store import Store

TOOLS = ("kubectl", "docker", "drbdadm", "xfs_repair", "git")
# POSIX sh (starts in a millisecond): one record per call, arguments separated by \037, records by \036
_STAND_IN = r"""#!/bin/sh
name=$(basename "$0")
{
  printf '%s' "$name"
  for a in "$@"; do printf '\037%s' "$a"; done
  printf '\036'
} >> "$MEDIC_TEST_ARGV_LOG"
line="$name $*"
if [ -n "$MEDIC_TEST_FAIL" ]; then
  case "$line" in *"$MEDIC_TEST_FAIL"*) echo "error: stand-in failure for $*"; exit 3 ;; esac
fi
if [ -n "$MEDIC_TEST_HANG" ]; then
  case "$line" in *"$MEDIC_TEST_HANG"*) exec sleep 30 ;; esac
fi
echo "$name ok: $*"
"""


@dataclass
class Tools:
    """A folder of stand-in executables put first on PATH, and the log of every call."""

    bin: Path
    log: Path
    env: dict[str, str]

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        records = self.log.read_text(encoding="utf-8").split("\x1e")
        return [r.split("\x1f") for r in records if r]


@pytest.fixture()
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tools:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in TOOLS:
        exe = bin_dir / name
        exe.write_text(_STAND_IN, encoding="utf-8")
        exe.chmod(0o755)
    log = tmp_path / "argv.log"
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("MEDIC_TEST_ARGV_LOG", str(log))
    monkeypatch.delenv("MEDIC_TEST_FAIL", raising=False)
    monkeypatch.delenv("MEDIC_TEST_HANG", raising=False)
    env = {**os.environ, "PATH": path, "MEDIC_TEST_ARGV_LOG": str(log)}
    return Tools(bin=bin_dir, log=log, env=env)


@pytest.fixture(scope="session")
def act_store(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[Store]:
    """Built-in catalog + the five seeds, indexed without sentence vectors (plans do not need them: fast)."""
    before = os.environ.get("MEDIC_SEMANTIC")
    os.environ["MEDIC_SEMANTIC"] = "0"
    try:
        store = Store(tmp_path_factory.mktemp("act") / "medic.db")
        ensure_builtin(store)
        report = index_paths(store, [str(seeds_dir)])
        assert report.ok, report.failed
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        if before is None:
            del os.environ["MEDIC_SEMANTIC"]
        else:
            os.environ["MEDIC_SEMANTIC"] = before
    yield store
    store.close()


@pytest.fixture()
def catalog_db(act_store: Store, tmp_path: Path) -> Path:
    """A private copy of that knowledge base (so each test has its own audit log beside it)."""
    target = tmp_path / "data" / "medic.db"
    target.parent.mkdir()
    shutil.copy(act_store.path, target)
    return target


def entry_by_title(store: Store, title: str) -> str:
    for e in store.all_entries(searchable_only=True):
        if e.title == title:
            return e.id
    raise AssertionError(f"no entry titled {title!r}")
