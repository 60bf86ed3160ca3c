"""Benchmark: `medic diagnose --bundle` on a large generated cluster.

Generates a bundle of N pods on M nodes (default 150,000 / 5,000) with 1 % of the pods unhealthy in
realistic ways (crash loops with logs, image pulls, pending on resources, OOM kills), plus the
Deployments/ReplicaSets/Services/EndpointSlices/events such a cluster has, then times
`medic diagnose --bundle B -o json` end to end in a child process and prints seconds and peak RSS
(wait4, that child alone). Targets (issue 4): < 20 s, < 2 GB.

    python bench/diagnose.py [--pods 150000] [--nodes 5000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-20T03:00:00Z"


ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated name suffixes


def _suffix(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def _pod(i: int, ns: str, app: str, rs: str, node: str, rng: random.Random, sick: str | None) -> dict[str, Any]:
    name = f"{rs}-{_suffix(rng, 5)}"
    image = f"registry.example.com/{ns}/{app}:1.{i % 40}.{i % 7}"
    running = {"running": {"startedAt": "2026-11-18T10:00:00Z"}}
    cs: dict[str, Any] = {
        "name": app,
        "image": image,
        "imageID": f"{image}@sha256:{rng.getrandbits(128):032x}",
        "containerID": f"containerd://{rng.getrandbits(128):032x}",
        "ready": True,
        "restartCount": 0,
        "started": True,
        "state": running,
    }
    phase = "Running"
    conds_ready = "True"
    extra_status: dict[str, Any] = {}
    if sick == "crash":
        cs.update(
            ready=False,
            restartCount=rng.randint(5, 80),
            state={
                "waiting": {"reason": "CrashLoopBackOff", "message": f"back-off 5m0s restarting failed container={app}"}
            },
            lastState={"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-20T02:50:00Z"}},
        )
        conds_ready = "False"
    elif sick == "oom":
        cs.update(
            ready=False,
            restartCount=rng.randint(3, 30),
            state={"waiting": {"reason": "CrashLoopBackOff"}},
            lastState={"terminated": {"reason": "OOMKilled", "exitCode": 137}},
        )
        conds_ready = "False"
    elif sick == "pull":
        cs.update(
            ready=False,
            started=False,
            state={"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}},
        )
        conds_ready = "False"
    elif sick == "pending":
        phase = "Pending"
        conds_ready = "False"
    pod: dict[str, Any] = {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"{rng.getrandbits(128):032x}",
            "resourceVersion": str(1000000 + i),
            "creationTimestamp": "2026-11-18T09:59:00Z",
            "labels": {"app": app, "pod-template-hash": rs.rsplit("-", 1)[-1], "team": f"team-{i % 30}"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": "u", "controller": True}
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": app,
                    "image": image,
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"}],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": "500m", "memory": "512Mi"},
                    },
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                    "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io"}],
                }
            ],
            "nodeName": None if sick == "pending" else node,
            "restartPolicy": "Always",
            "serviceAccountName": "default",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            ],
            "volumes": [
                {"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
            ],
        },
        "status": {
            "phase": phase,
            "hostIP": f"10.240.{i % 250}.{i % 200}",
            "podIP": f"10.244.{i % 250}.{i % 240}",
            "qosClass": "Burstable",
            "startTime": "2026-11-18T10:00:00Z",
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": conds_ready},
                {"type": "ContainersReady", "status": conds_ready},
                {"type": "PodScheduled", "status": "False" if sick == "pending" else "True"}
                | (
                    {
                        "reason": "Unschedulable",
                        "message": f"0/{5000} nodes are available: 5000 Insufficient memory. preemption: 0/5000 "
                        "nodes are available: 5000 No preemption victims found for incoming pod.",
                    }
                    if sick == "pending"
                    else {}
                ),
            ],
            **extra_status,
        },
    }
    if sick != "pending":
        pod["status"]["containerStatuses"] = [cs]
    if pod["spec"]["nodeName"] is None:
        del pod["spec"]["nodeName"]
    return pod


def _event(kind: str, ns: str, name: str, reason: str, message: str, count: int) -> dict[str, Any]:
    return {
        "metadata": {"name": f"{name}.{count:x}", "namespace": ns},
        "involvedObject": {"kind": kind, "namespace": ns, "name": name},
        "type": "Warning",
        "reason": reason,
        "message": message,
        "count": count,
        "lastTimestamp": "2026-11-20T02:58:00Z",
    }


def generate(path: Path, pods: int, nodes: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    node_names = [f"aks-pool{n % 8}-{31718369 + n // 8}-vmss{n:06d}" for n in range(nodes)]
    namespaces = [f"team-{n:03d}" for n in range(max(1, pods // 1500))]
    files: dict[str, list[bytes]] = {
        k: []
        for k in ("pods", "events", "deployments", "replicasets", "services", "endpointslices", "nodes", "namespaces")
    }
    logs: dict[str, list[str]] = {}
    for n, name in enumerate(node_names):
        files["nodes"].append(
            orjson.dumps(
                {
                    "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                    "spec": {"podCIDR": f"10.244.{n % 250}.0/24"},
                    "status": {
                        "conditions": [
                            {"type": t, "status": "False"} for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
                        ]
                        + [{"type": "Ready", "status": "True" if n % 500 else "False", "reason": "KubeletReady"}],
                        "nodeInfo": {"kubeletVersion": "v1.29.9"},
                        "allocatable": {"cpu": "3860m", "memory": "12698500Ki", "pods": "110"},
                    },
                }
            )
        )
    for ns in namespaces:
        files["namespaces"].append(orjson.dumps({"metadata": {"name": ns}, "status": {"phase": "Active"}}))
    per_app = 30
    sick_kinds = ["crash", "oom", "pull", "pending"]
    counts = {"unhealthy": 0}
    for a in range(0, pods, per_app):
        ns = namespaces[(a // per_app) % len(namespaces)]
        app = f"svc-{a // per_app:05d}"
        rs = f"{app}-{_suffix(rng, 10)}"
        labels = {"app": app}
        unhealthy = 0
        for i in range(a, min(a + per_app, pods)):
            sick = sick_kinds[i % 4] if rng.random() < 0.01 else None
            pod = _pod(i, ns, app, rs, node_names[i % nodes], rng, sick)
            files["pods"].append(orjson.dumps(pod))
            if sick:
                unhealthy += 1
                counts["unhealthy"] += 1
                pname = pod["metadata"]["name"]
                if sick == "crash":
                    files["events"].append(
                        orjson.dumps(
                            _event(
                                "Pod",
                                ns,
                                pname,
                                "BackOff",
                                f"Back-off restarting failed container {app} in pod {pname}",
                                40,
                            )
                        )
                    )
                    logs[f"{ns}/{pname}/{app}/previous"] = [
                        f"2026-11-20T02:49:{s:02d}Z INFO starting {app}" for s in range(20)
                    ] + [
                        "Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed"
                        ' for user "svc"'
                    ]
                elif sick == "pull":
                    files["events"].append(
                        orjson.dumps(
                            _event(
                                "Pod",
                                ns,
                                pname,
                                "Failed",
                                f'Failed to pull image "registry.example.com/{ns}/{app}:1.0.0": rpc error: code = '
                                "NotFound desc = failed to pull and unpack image: not found",
                                7,
                            )
                        )
                    )
                elif sick == "pending":
                    files["events"].append(
                        orjson.dumps(
                            _event(
                                "Pod",
                                ns,
                                pname,
                                "FailedScheduling",
                                "0/5000 nodes are available: 5000 Insufficient memory.",
                                12,
                            )
                        )
                    )
        n = min(per_app, pods - a)
        files["replicasets"].append(
            orjson.dumps(
                {
                    "metadata": {
                        "name": rs,
                        "namespace": ns,
                        "labels": labels,
                        "ownerReferences": [{"kind": "Deployment", "name": app, "controller": True}],
                    },
                    "spec": {"replicas": n, "selector": {"matchLabels": labels}},
                    "status": {"replicas": n, "readyReplicas": n - unhealthy, "availableReplicas": n - unhealthy},
                }
            )
        )
        files["deployments"].append(
            orjson.dumps(
                {
                    "metadata": {"name": app, "namespace": ns, "labels": labels, "generation": 2},
                    "spec": {
                        "replicas": n,
                        "selector": {"matchLabels": labels},
                        "template": {"metadata": {"labels": labels}},
                    },
                    "status": {
                        "observedGeneration": 2,
                        "replicas": n,
                        "updatedReplicas": n,
                        "readyReplicas": n - unhealthy,
                        "availableReplicas": n - unhealthy,
                        "conditions": [{"type": "Available", "status": "True" if not unhealthy else "False"}],
                    },
                }
            )
        )
        files["services"].append(
            orjson.dumps(
                {"metadata": {"name": app, "namespace": ns}, "spec": {"selector": labels, "ports": [{"port": 80}]}}
            )
        )
        files["endpointslices"].append(
            orjson.dumps(
                {
                    "metadata": {"name": f"{app}-x1", "namespace": ns, "labels": {"kubernetes.io/service-name": app}},
                    "endpoints": [
                        {"addresses": [f"10.244.0.{k}"], "conditions": {"ready": True}} for k in range(min(n, 5))
                    ],
                }
            )
        )
    manifest = {
        "format": "medic-bundle",
        "version": 1,
        "collected_at": NOW,
        "context": "bench",
        "cluster_version": "v1.29.9",
        "namespaces": "all",
        "skipped": [],
    }
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for kind, lines in files.items():
            data = b"\n".join(lines) + b"\n"
            info = tarfile.TarInfo(f"objects/{kind}.jsonl")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for key, lines_ in logs.items():
            ns, pod, container, *_ = key.split("/")
            data = ("\n".join(lines_) + "\n").encode()
            info = tarfile.TarInfo(f"logs/{ns}/{pod}/{container}.previous.log")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return {"pods": pods, "nodes": nodes, "events": len(files["events"]), "logs": len(logs), **counts}


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, bytes]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        if code != 0:
            sys.exit(f"{cmd} failed ({code}): {err.read().decode()[-2000:]}")
        out.seek(0)
        return dt, usage.ru_maxrss // 1024, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=150_000)
    ap.add_argument("--nodes", type=int, default=5_000)
    ap.add_argument("--keep", type=Path, help="keep the bundle and knowledge base in this folder")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="medic-bench-diag-"))
    work.mkdir(parents=True, exist_ok=True)
    bundle = work / "bundle.tar.gz"
    t = time.perf_counter()
    stats = generate(bundle, args.pods, args.nodes)
    print(f"generated {bundle} in {time.perf_counter() - t:.1f}s: {stats}, {bundle.stat().st_size / 2**20:.0f} MiB")
    env = {**os.environ, "MEDIC_DB": str(work / "kb.db")}
    medic = [sys.executable, "-m", "medic.cli"]
    run([*medic, "sources"], env)  # the built-in catalog is indexed once, outside the timing
    dt, rss, out = run([*medic, "diagnose", "--bundle", str(bundle), "-o", "json"], env)
    report = json.loads(out)
    print(f"diagnose: {dt:.1f} s, peak RSS {rss} MB, {len(report['findings'])} findings {report['counts']}")
    print(f"targets: < 20 s ({'OK' if dt < 20 else 'MISS'}), < 2048 MB ({'OK' if rss < 2048 else 'MISS'})")


if __name__ == "__main__":
    main()
