"""`medic collect` and `medic diagnose` as processes against the emulated API server: bundle out, findings in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

from tests.collect.conftest import Live


def medic(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY")}
    env.update({"MEDIC_DB": str(tmp / "kb.db"), "HOME": str(tmp / "home"), "NO_PROXY": "127.0.0.1,localhost"})
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_collect_then_diagnose_the_bundle(make_live: Callable[..., Live], tmp_path: Path) -> None:
    live = make_live(prepare=lambda c: c.status.update({"leases": 403}))
    bundle = tmp_path / "cluster.tar.gz"
    res = medic("collect", "--kubeconfig", str(live.kubeconfig), "-o", str(bundle), "--timeout", "5", tmp=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "wrote" in res.stderr and bundle.exists()
    with tarfile.open(bundle) as tar:
        fh = tar.extractfile("manifest.json")
        assert fh is not None
        manifest = json.loads(fh.read())
        blob = b"".join(f.read() for m in tar if m.isfile() and (f := tar.extractfile(m)) is not None)
    assert manifest["format"] == "medic-bundle" and manifest["context"] == "emulator"
    assert manifest["files"]["pods"]["count"] > 0
    leaked = [v[:12] + "…" for v in live.material.values() if v.encode() in blob]
    assert leaked == [], "secret values reached the bundle"
    assert {"kind": "leases", "status": 403} in [{k: s.get(k) for k in ("kind", "status")} for s in manifest["skipped"]]
    diag = medic("diagnose", "--bundle", str(bundle), "-o", "json", tmp=tmp_path)
    assert diag.returncode == 0, diag.stderr
    report = json.loads(diag.stdout)
    assert report["cluster"]["context"] == "emulator"
    assert report["findings"], "the emulated cluster has broken pods"


def test_live_diagnose_reads_the_cluster_directly(live: Live, tmp_path: Path) -> None:
    res = medic("diagnose", "--kubeconfig", str(live.kubeconfig), "-o", "json", "--fail-on", "error", tmp=tmp_path)
    assert res.returncode in (0, 1), res.stderr
    findings = json.loads(res.stdout)["findings"]
    assert findings and (res.returncode == 1) == any(f["severity"] == "error" for f in findings)
    assert {m for m, _p, _q in live.cluster.requests} == {"GET"}  # read-only


def test_unreachable_cluster_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    res = medic("collect", "--kubeconfig", str(config), "-o", str(tmp_path / "b.tar.gz"), tmp=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "cannot reach" in res.stderr
    assert not (tmp_path / "b.tar.gz").exists()


def test_collect_posts_the_bundle_to_a_server(make_live: Callable[..., Live], tmp_path: Path) -> None:
    """`medic collect --post URL` sends the bundle it wrote to POST URL/api/v1/diagnose with the token; a
    refusal is one line and a non-zero exit (the bundle stays on disk)."""
    import http.server
    import threading

    seen: list[tuple[str, str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            seen.append((self.path, self.headers["authorization"], body))
            ok = self.headers["authorization"] == "Bearer good-token-good-token"
            reply = {"id": 7, "counts": {"error": 1}} if ok else {"error": "this token does not allow write"}
            data = json.dumps(reply).encode()
            self.send_response(201 if ok else 403)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    live = make_live()
    bundle = tmp_path / "b.tar.gz"
    token = tmp_path / "token"
    try:
        token.write_text("# for the cron job\nwrite: good-token-good-token\n")
        args = ["collect", "--kubeconfig", str(live.kubeconfig), "-o", str(bundle), "--post", url]
        res = medic(*args, "--token-file", str(token), tmp=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "posted to" in res.stderr and "diagnosis 7" in res.stderr
        assert seen[0][:2] == ("/api/v1/diagnose", "Bearer good-token-good-token")
        assert seen[0][2] == bundle.read_bytes()
        token.write_text("bad-token-bad-token\n")
        res = medic(*args, "--token-file", str(token), tmp=tmp_path)
        assert res.returncode != 0 and bundle.exists()
        assert res.stderr.strip().splitlines()[-1].endswith("HTTP 403 this token does not allow write")
        res = medic(*args, tmp=tmp_path)  # no token at all: refused before the cluster walk
        assert res.returncode == 2 and "MEDIC_TOKEN" in res.stderr
    finally:
        server.shutdown()
