"""`medic serve --workers N`: several server processes on one port and one state database, as an operator runs
them (a real process tree on loopback): every accepted alert has one incident, metrics add up over the workers,
a worker killed with -9 is replaced and nothing accepted is lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.serve.helpers import DATA, MEDIC, Server, free_port, start

WORKERS = 2


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (uvicorn's workers, and multiprocessing's resource tracker)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.add(int(stat.parent.name))
    return found


def workers_of(pid: int) -> set[int]:
    return {c for c in children(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()}


def wait_for(what: str, ready: Any, timeout: float = 90.0) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def alert(fingerprint: str) -> dict[str, Any]:
    body = json.loads((DATA / "alertmanager-firing.json").read_text())
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0].update(fingerprint=fingerprint, startsAt="2026-12-04T00:00:00Z")
    return body


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


def test_workers_share_the_state_and_add_up_their_metrics(server: Server, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [*server.args, "--workers", str(WORKERS)]
    args[args.index("--port") + 1] = str(port)
    args[args.index("--state") + 1] = str(tmp_path / "serve.db")
    proc = start(args, server.env, url)
    many = Server(url, proc, args, server.env)
    try:
        first = wait_for("the workers", lambda: len(workers_of(proc.pid)) == WORKERS and workers_of(proc.pid))
        incidents = set()
        for n in range(30):
            if n == 15:  # a worker dies mid-stream: the other answers, uvicorn starts a new one
                os.kill(min(first), signal.SIGKILL)
            status, doc = many.call("POST", "/api/v1/alerts/alertmanager", alert(f"workers{n:08d}"))
            assert status == 202, doc
            incidents.update(doc["incidents"])
        assert len(incidents) == 30
        again = wait_for("a new worker", lambda: len(workers_of(proc.pid) - first) == 1 and workers_of(proc.pid))
        assert len(again) == WORKERS
        # every accepted alert is stored once, whichever worker took it; the workers triage all of them
        _, listing = many.call("GET", "/api/v1/incidents?limit=1000")
        assert {i["id"] for i in listing["incidents"]} == incidents

        def all_triaged() -> bool:
            _, doc = many.call("GET", "/api/v1/incidents?limit=1000")
            return all(i["triage"] is not None for i in doc["incidents"])

        wait_for("every incident triaged", all_triaged)
        # the counters are the sum over the processes, the dead one's included, whichever worker answers
        for _ in range(6):
            _, text = many.call("GET", "/metrics")
            assert metric(text, "medic_alerts_received_total") == 30
            assert metric(text, "medic_alerts_processed_total") == 30
            assert metric(text, "medic_inbox_depth") == 0
    finally:
        proc.terminate()
        proc.wait(30)
    assert not workers_of(proc.pid)


def test_workers_out_of_range_is_one_line(tmp_path: Path) -> None:
    for bad in ("0", "33"):
        done = subprocess.run(
            [MEDIC, "serve", "--workers", bad, "--state", str(tmp_path / "s.db")],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().count("\n") == 0 and "--workers must be 1-32" in done.stderr
        assert "Traceback" not in done.stderr
