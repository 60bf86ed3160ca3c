"""A real PostgreSQL for the service tests: a throw-away cluster on loopback (tests/pgcluster.py), started
once per session. `.ci/run` installs Debian's package when it is missing; without it the PostgreSQL cases
are skipped on a developer's machine and fail in CI."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from tests import pgcluster


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    bin_dir = pgcluster.bindir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (.ci/run installs Debian's postgresql package)")
        pytest.skip("PostgreSQL is not installed")
    cluster = pgcluster.start(bin_dir)
    yield cluster.url
    cluster.stop()


_names = itertools.count()


@pytest.fixture()
def pg_url(pg_server: str) -> str:
    """A new empty database on the session's server."""
    return pgcluster.create_database(pg_server, f"medic_test_{os.getpid()}_{next(_names)}")
