"""A `medic serve` process on loopback for the service tests: start it, call it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medic.knowledge.store import Store
from tests.pgcluster import free_port as free_port  # re-exported for the service tests

DATA = Path(__file__).parent / "data"
TOKEN = "t0ken-for-the-tests-admin-000000"
ZABBIX_TOKEN = "t0ken-for-zabbix-only-0000000000"
SECRET = b"grafana-hmac-secret"


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    args: list[str]
    env: dict[str, str]

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = TOKEN, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode()


def start(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server exited")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not become ready")


def wait_triaged(server: Server, incident: int) -> dict[str, Any]:
    deadline = time.time() + 60
    while time.time() < deadline:
        _, doc = server.call("GET", f"/api/v1/incidents/{incident}")
        if doc["triage"] is not None:
            return doc  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"incident {incident} was not triaged")


MEDIC = str(Path(sys.executable).with_name("medic"))  # the installed command, as an operator runs it


def drain_entry(store: Store) -> str:
    """The built-in procedure with a parameter, mutating and read-only steps, and a rollback."""
    return next(
        e.id
        for e in store.all_entries(searchable_only=True)
        if e.builtin and e.title.startswith("Procedure: drain a node")
    )


def dry_run(server: Server, db: Path, entry_id: str, node: str) -> None:
    """`medic run` at a terminal (a dry run: nothing is executed), audited beside the knowledge base ``db``."""
    subprocess.run(
        [MEDIC, "--db", str(db), "run", entry_id, "--set", f"node={node}"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
        env=server.env,
    )
