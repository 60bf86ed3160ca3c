"""Shared fixtures: the seed runbooks and public corpus are read from ../shared, never copied."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medic.knowledge.ingest import ensure_builtin, index_paths
from medic.knowledge.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MEDIC_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"


REQUIRE_SHARED = os.environ.get("MEDIC_REQUIRE_SHARED") == "1"  # CI (.ci/run) sets it: missing is a failure


def need_shared(path: Path, what: str = "seed runbooks") -> Path:
    """``path`` under ../shared, or the test skipped with the reason (failed when MEDIC_REQUIRE_SHARED=1):
    a checkout without the shared material runs every other test."""
    if not path.exists():
        reason = f"{what} not found at {path} (set MEDIC_SHARED)"
        if REQUIRE_SHARED:
            pytest.fail(reason + "; MEDIC_REQUIRE_SHARED=1 requires them")
        pytest.skip(reason)
    return path


def seed(prefix: str) -> Path:
    return next(need_shared(SEEDS).glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return need_shared(SEEDS)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[Store]:
    """Seeds + built-in catalog, indexed once for the session."""
    store = Store(tmp_path_factory.mktemp("seeded") / "medic.db")
    ensure_builtin(store)
    report = index_paths(store, [str(seeds_dir)])
    assert report.ok, report.failed
    yield store
    store.close()


@pytest.fixture(scope="session")
def builtin_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The built-in catalog alone: what a user has before indexing any runbook."""
    store = Store(tmp_path_factory.mktemp("builtin") / "medic.db")
    ensure_builtin(store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[Store]:
    """Public corpus + seeds + built-in catalog."""
    need_shared(CORPUS, "public corpus")
    store = Store(tmp_path_factory.mktemp("corpus") / "medic.db")
    ensure_builtin(store)
    report = index_paths(store, [str(CORPUS), str(seeds_dir)])
    assert report.ok, report.failed
    yield store
    store.close()


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "medic.db")
    yield s
    s.close()
