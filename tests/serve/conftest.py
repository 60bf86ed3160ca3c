"""A real PostgreSQL for the service tests: a throw-away cluster on loopback (tests/pgcluster.py), started
once per session. `.ci/run` installs Debian's package when it is missing; without it the PostgreSQL cases
are skipped on a developer's machine and fail in CI."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator

import pytest

from medic.knowledge.store import Store
from tests import pgcluster
from tests.serve.helpers import SECRET, TOKEN, ZABBIX_TOKEN, Server, free_port, start


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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seeded_store: Store) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    (tmp / "tokens").write_text(f"admin: {TOKEN}\nzabbix: {ZABBIX_TOKEN}\n")
    (tmp / "grafana-secret").write_bytes(SECRET + b"\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        sys.executable,
        "-m",
        "medic.cli",
        "--db",
        str(seeded_store.path),
        "serve",
        "--port",
        str(port),
        "--state",
        str(tmp / "serve.db"),
        "--token-file",
        str(tmp / "tokens"),
        "--grafana-secret-file",
        str(tmp / "grafana-secret"),
    ]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "xdg")}
    env.pop("MEDIC_SERVE_TOKEN", None)
    proc = start(args, env, url)
    yield Server(url, proc, args, env)
    proc.terminate()
    proc.wait(10)
