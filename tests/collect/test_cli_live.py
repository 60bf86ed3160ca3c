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
