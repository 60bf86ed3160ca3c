"""Benchmark: alert intake under load, with the server killed (-9) and restarted half-way.

    python bench/alerts_load.py [--rate 500] [--seconds 60] [--senders 16] [--no-kill]
                                [--postgres [--replicas 2] | --state postgresql://...]

Starts `medic serve` on loopback (a temporary state database, the built-in knowledge base), sends
Alertmanager webhook payloads at ``--rate`` alerts per second for ``--seconds``: 20 alert kinds, a realistic
mix of new alerts (60 %), repeated notifications of firing ones (30 %: duplicates) and resolutions (10 %),
one to five alerts a request. Half-way the server gets SIGKILL and is started again; senders retry a request
that got no answer, as Alertmanager does. At the end it waits for the inbox to drain and checks, through the
API, that every accepted alert has its incident in its last state, that no fingerprint has two incidents, and
prints accept latency percentiles (requests answered 202).

With ``--postgres`` the servers share a throw-away PostgreSQL cluster (Debian's binaries) and ``--replicas``
of them take the load side by side (senders spread over them; replica 1 is the one killed).

Targets (issue 14): 0 accepted alerts lost, 0 duplicated incidents, p99 accept latency < 200 ms on SQLite;
then two replicas on one PostgreSQL at the same rate with the same guarantees.
Stops by itself; everything it writes is under a temporary folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-bench-token-bench-000"
KINDS = [
    ("KubePodCrashLooping", "Pod is crash looping.", "Back-off restarting failed container {i}"),
    ("KubePodNotReady", "Pod has been in a non-ready state for more than 15 minutes.", "pod-{i} not ready"),
    ("KubeNodeNotReady", "Node is not ready.", "node-{i} has been unready for more than 15 minutes"),
    ("KubeDeploymentReplicasMismatch", "Deployment has not matched the expected number of replicas.", "d-{i}"),
    ("KubePersistentVolumeFillingUp", "PersistentVolume is filling up.", "pvc-{i} is 97% full"),
    ("KubeContainerWaiting", "Pod container waiting longer than 1 hour", "container {i} waiting"),
    ("KubeJobFailed", "Job failed to complete.", "job-{i} failed"),
    ("KubeCPUOvercommit", "Cluster has overcommitted CPU resource requests.", "overcommit {i}"),
    ("KubeMemoryOvercommit", "Cluster has overcommitted memory resource requests.", "overcommit {i}"),
    ("KubeAPIErrorBudgetBurn", "The API server is burning too much error budget.", "burn {i}"),
    ("KubeClientCertificateExpiration", "Client certificate is about to expire.", "x509: certificate expires {i}"),
    ("etcdNoLeader", "etcd cluster has no leader.", "etcdserver: no leader {i}"),
    ("etcdHighFsyncDurations", "etcd cluster 99th percentile fsync durations are too high.", "fsync {i}"),
    ("NodeFilesystemSpaceFillingUp", "Filesystem is predicted to run out of space.", "no space left {i}"),
    ("NodeClockNotSynchronising", "Clock not synchronising.", "clock {i}"),
    ("TargetDown", "One or more targets are unreachable.", "target {i} down"),
    ("KubeletDown", "Target disappeared from Prometheus target discovery.", "kubelet {i}"),
    ("CPUThrottlingHigh", "Processes experience elevated CPU throttling.", "throttled {i}"),
    ("KubeHpaMaxedOut", "HPA is running at max replicas", "hpa-{i}"),
    ("AlertmanagerFailedToSendAlerts", "An Alertmanager instance failed to send notifications.", "am {i}"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Alert:
    fingerprint: str
    kind: int
    starts: str
    status: str = "firing"
    ends: str = "0001-01-01T00:00:00Z"

    def payload(self) -> dict[str, Any]:
        name, summary, desc = KINDS[self.kind]
        return {
            "status": self.status,
            "labels": {"alertname": name, "instance": self.fingerprint, "severity": "warning"},
            "annotations": {"summary": summary, "description": desc.format(i=self.fingerprint)},
            "startsAt": self.starts,
            "endsAt": self.ends,
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": self.fingerprint,
        }


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    accepted_alerts: int = 0
    duplicates: int = 0
    retries: int = 0
    refused: int = 0
    last_state: dict[str, str] = field(default_factory=dict)  # fingerprint → status of the last accepted send


class Schedule:
    """The stream of alert notifications: new, repeated and resolved, drawn with a fixed seed."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.firing: list[Alert] = []
        self.n = 0
        self.lock = threading.Lock()
        self.base = time.time()

    def _stamp(self) -> str:
        t = self.base + self.n / 1000
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"

    def next_group(self) -> list[Alert]:
        with self.lock:
            out = []
            for _ in range(self.rng.randint(1, 5)):
                self.n += 1
                r = self.rng.random()
                if r < 0.6 or len(self.firing) < 10:
                    a = Alert(f"fp{self.n:010d}", self.rng.randrange(len(KINDS)), self._stamp())
                    self.firing.append(a)
                    out.append(a)
                elif r < 0.9:
                    out.append(self.rng.choice(self.firing))  # the same notification again: a duplicate
                else:
                    a = self.firing.pop(self.rng.randrange(len(self.firing)))
                    out.append(Alert(a.fingerprint, a.kind, a.starts, "resolved", self._stamp()))
            return out


def post(port: int, body: bytes, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            "/api/v1/alerts/alertmanager",
            body,
            {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        )
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def start_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("medic serve did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=500.0, help="alerts per second")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--senders", type=int, default=16)
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL cluster as the state")
    ap.add_argument("--state", help="a postgresql:// URL to use as the state (an empty database)")
    ap.add_argument("--replicas", type=int, default=1)
    opts = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="medic-alerts-load-"))
    (tmp / "tokens").write_text(f"admin: {TOKEN}\n")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "xdg")}
    env.pop("MEDIC_SERVE_TOKEN", None)
    cluster = None
    state = opts.state or str(tmp / "serve.db")
    if opts.postgres:
        sys.path.insert(0, str(ROOT))
        from tests import pgcluster

        bin_dir = pgcluster.bindir()
        if bin_dir is None:
            raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql)")
        cluster = pgcluster.start(bin_dir)
        state = pgcluster.create_database(cluster.url, "medic_bench")
    if opts.replicas > 1 and not state.startswith("postgresql://"):
        raise SystemExit("--replicas needs a shared PostgreSQL (--postgres or --state postgresql://...)")
    # the knowledge base is built once, before the clock starts (each replica reads it)
    subprocess.run(
        [sys.executable, "-m", "medic.cli", "--db", str(tmp / "kb.db"), "search", "warmup"],
        env=env,
        check=True,
        capture_output=True,
    )
    ports = [free_port() for _ in range(opts.replicas)]

    def server_args(port: int) -> list[str]:
        args = [sys.executable, "-m", "medic.cli", "--db", str(tmp / "kb.db"), "serve", "--port", str(port)]
        return [*args, "--state", state, "--token-file", str(tmp / "tokens")]

    procs = [start_server(server_args(p), env, p) for p in ports]
    print(f"{len(procs)} server(s) on 127.0.0.1:{','.join(map(str, ports))}, state {state}", flush=True)
    port = ports[0]

    schedule, tally = Schedule(), Tally()
    stop_at = time.time() + opts.seconds
    interval = opts.senders * 3.0 / opts.rate  # each request carries 3 alerts on average

    def sender(k: int) -> None:
        port = ports[k % len(ports)]
        next_t = time.time() + k * interval / opts.senders
        while time.time() < stop_at:
            group = schedule.next_group()
            body = json.dumps(
                {
                    "version": "4",
                    "status": "firing",
                    "receiver": "medic",
                    "groupKey": "{}:{}",
                    "groupLabels": {},
                    "commonLabels": {},
                    "commonAnnotations": {},
                    "externalURL": "http://am:9093",
                    "alerts": [a.payload() for a in group],
                }
            ).encode()
            while True:  # an unanswered request is sent again, as Alertmanager does
                t0 = time.perf_counter()
                try:
                    status, doc = post(port, body)
                except OSError:
                    with tally.lock:
                        tally.retries += 1
                    time.sleep(0.2)
                    continue
                if status == 202:
                    with tally.lock:
                        tally.latencies.append(time.perf_counter() - t0)
                        tally.accepted_alerts += doc["accepted"]
                        tally.duplicates += doc["duplicates"]
                        for a in group:  # resolved is final: no alert of the schedule fires again
                            if tally.last_state.get(a.fingerprint) != "resolved":
                                tally.last_state[a.fingerprint] = a.status
                    break
                with tally.lock:
                    tally.refused += 1
                time.sleep(0.2)
            next_t += interval
            time.sleep(max(0.0, next_t - time.time()))

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(opts.senders)]
    started = time.time()
    for t in threads:
        t.start()
    if not opts.no_kill:
        time.sleep(opts.seconds / 2)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        print(f"killed -9 replica 1 at {time.time() - started:.1f}s; restarting", flush=True)
        procs[0] = start_server(server_args(ports[0]), env, ports[0])
        print(f"restarted at {time.time() - started:.1f}s", flush=True)
    for t in threads:
        t.join()
    elapsed = time.time() - started

    # drain: every stored alert processed
    deadline = time.time() + 300
    depth = -1.0
    while time.time() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
            for line in resp.read().decode().splitlines():
                if line.startswith("medic_inbox_depth "):
                    depth = float(line.split()[1])
        if depth == 0:
            break
        time.sleep(0.5)
    incidents: list[dict[str, Any]] = []
    offset = 0
    while True:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/incidents?limit=1000&offset={offset}")
        req.add_header("authorization", f"Bearer {TOKEN}")
        with urllib.request.urlopen(req, timeout=60) as resp:
            page = json.loads(resp.read())["incidents"]
        incidents += page
        offset += len(page)
        if len(page) < 1000:
            break
    for proc in procs:
        proc.terminate()
        proc.wait(10)
    if cluster is not None:
        cluster.stop()

    by_fp: dict[str, list[dict[str, Any]]] = {}
    for i in incidents:
        by_fp.setdefault(i["fingerprint"], []).append(i)
    lost = [fp for fp in tally.last_state if fp not in by_fp]
    wrong_state = [fp for fp, st in tally.last_state.items() if fp in by_fp and by_fp[fp][0]["status"] != st]
    duplicated = [fp for fp, rows in by_fp.items() if len(rows) > 1]
    untriaged = [i["id"] for i in incidents if i["triage"] is None]
    lat = sorted(tally.latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    sent = tally.accepted_alerts + tally.duplicates
    print(f"sent {sent} alerts in {len(lat)} accepted requests over {elapsed:.1f}s = {sent / elapsed:.0f} alerts/s")
    print(
        f"accepted {tally.accepted_alerts} new, {tally.duplicates} duplicates; retries {tally.retries}, "
        f"refused {tally.refused}"
    )
    print(f"accept latency p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.1f} ms")
    print(
        f"incidents {len(incidents)}; lost {len(lost)}; wrong final state {len(wrong_state)}; "
        f"duplicated {len(duplicated)}; not triaged {len(untriaged)}; inbox depth at the end {depth:.0f}"
    )
    ok = not lost and not duplicated and not wrong_state and pct(0.99) < 200
    print("targets: " + ("met" if ok else "MISSED"))


if __name__ == "__main__":
    main()
