"""A realistic large cluster as a Medic bundle, for `bench/diagnose.py`.

Objects are shaped like what the API server returns, at their real size: a pod is 5-9 KB of JSON
(``managedFields`` of two managers, an init container and two or three containers with env, ports,
resources, three probes, mounts and security context, five volumes, affinity, tolerations, topology
spread, conditions with timestamps, container statuses), a node 15-25 KB (its ``status.images`` list of
40-70 images, addresses, capacity, node info, managed fields). 1 % of the pods are unhealthy in varied
ways: crash loops (with previous logs and BackOff events), OOM kills, image pulls, pending on resources,
a missing ConfigMap or Secret, failing readiness, evictions and crash-looping init containers. Every
100th node is NotReady. Deployments, ReplicaSets, Services, EndpointSlices, Namespaces and the Warning
events of the sick pods complete the picture.

    python bench/bundlegen.py OUT.tar.gz [--pods 150000] [--nodes 5000]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

NOW = "2026-11-20T03:00:00Z"
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated name suffixes
SICK = ("crash", "oom", "pull", "pending", "config", "unready", "evicted", "init")


def _suffix(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def _uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _fields_of(value: Any, depth: int = 5) -> Any:
    """The ``fieldsV1`` shape of a value, as server-side apply records it (a key per field, ``{}`` leaves;
    cut at ``depth`` levels, as a real manager's set stops at the fields it owns)."""
    if depth == 0:
        return {}
    if isinstance(value, dict):
        return {f"f:{k}": _fields_of(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for item in value:
            if isinstance(item, dict) and "name" in item:
                out[f'k:{{"name":"{item["name"]}"}}'] = {".": {}, **_fields_of(item, depth - 1)}
            elif isinstance(item, dict) and "type" in item:
                out[f'k:{{"type":"{item["type"]}"}}'] = {".": {}, **_fields_of(item, depth - 1)}
            else:
                out[f"v:{json.dumps(item, separators=(',', ':'))[:60]}"] = {}
        return out
    return {}


def _probe(kind: str, port: int, path: str, period: int) -> dict[str, Any]:
    action = (
        {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}} if kind == "http" else {"tcpSocket": {"port": port}}
    )
    return {
        **action,
        "initialDelaySeconds": 5,
        "timeoutSeconds": 2,
        "periodSeconds": period,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def _container(name: str, image: str, app: str, ns: str, port: int, rng: random.Random, big: bool) -> dict[str, Any]:
    env = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
        {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
        {"name": "LOG_LEVEL", "value": rng.choice(("info", "warn", "debug"))},
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.observability.svc:4317"},
        {"name": "OTEL_SERVICE_NAME", "value": app},
    ]
    if big:
        env += [
            {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "url"}}},
        ]
    if not big:  # a sidecar: a few variables, one probe, two mounts
        env = env[:3]
    c: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["--config=/etc/app/config.yaml", f"--listen=:{port}"],
        "env": env,
        "envFrom": [{"configMapRef": {"name": f"{app}-env"}}] if big else [],
        "ports": [
            {"name": "http", "containerPort": port, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9102, "protocol": "TCP"},
        ],
        "resources": {
            "requests": {"cpu": f"{rng.choice((50, 100, 250))}m", "memory": f"{rng.choice((64, 128, 256))}Mi"},
            "limits": {"cpu": "1", "memory": f"{rng.choice((256, 512, 1024))}Mi"},
        },
        "livenessProbe": _probe("http", port, "/livez", 10),
        "readinessProbe": _probe("http", port, "/readyz", 5),
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app", "readOnly": True},
            {"name": "tls", "mountPath": "/etc/tls", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
            {
                "name": "kube-api-access",  # renamed to the pod's token volume in pod()
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True,
            },
        ],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "capabilities": {"drop": ["ALL"]},
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    if not big:
        del c["envFrom"], c["livenessProbe"], c["args"]
        c["volumeMounts"] = c["volumeMounts"][2:]
    return c


def _status(
    c: dict[str, Any],
    rng: random.Random,
    state: dict[str, Any],
    ready: bool,
    restarts: int = 0,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "name": c["name"],
        "image": c["image"],
        "imageID": f"{c['image'].split(':')[0]}@sha256:{_sha(rng)}",
        "containerID": f"containerd://{_sha(rng)}",
        "ready": ready,
        "restartCount": restarts,
        "started": "running" in state,
        "state": state,
        "lastState": last or {},
    }
    return s


def pod(i: int, ns: str, app: str, rs: str, node: str, rng: random.Random, sick: str | None) -> dict[str, Any]:
    name = f"{rs}-{_suffix(rng, 5)}"
    tpl = random.Random(rs)  # what comes from the pod template: the same in every pod of the ReplicaSet
    version = f"1.{tpl.randrange(40)}.{tpl.randrange(7)}"
    image = f"registry.example.com/{ns}/{app}:{version}"
    main = _container(app, image, app, ns, 8080, tpl, big=True)
    sidecars = []
    if tpl.random() < 0.5:
        sidecars.append(_container("envoy", "docker.io/envoyproxy/envoy:v1.31.2", app, ns, 15000, tpl, big=False))
    if tpl.random() < 0.2:
        sidecars.append(
            _container("log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", app, ns, 2020, tpl, big=False)
        )
    checksum, owner_uid = _sha(tpl), _uid(tpl)
    token = "kube-api-access-" + _suffix(rng, 5)  # each pod's own token volume
    for c in (main, *sidecars):
        c["volumeMounts"] = [*c["volumeMounts"][:-1], {**c["volumeMounts"][-1], "name": token}]
    init = {
        "name": "migrate",
        "image": image,
        "command": ["/app/migrate", "--wait"],
        "imagePullPolicy": "IfNotPresent",
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    containers = [main, *sidecars]
    # each pod started at its own time (a rollout takes minutes): timestamps are distinct strings, as in a real dump
    minute = f"2026-11-{18 - i // 36000:02d}T{i // 1500 % 24:02d}:{i // 25 % 60:02d}:"

    def at(k: int) -> str:  # a second of this pod's start, 5 pods a minute share none
        return f"{minute}{i % 5 * 10 + k:02d}Z"

    started = at(9)
    running = {"running": {"startedAt": started}}
    phase, ready, scheduled = "Running", True, True
    statuses = [_status(c, rng, running, True) for c in containers]
    init_status = [
        _status(
            init,
            rng,
            {
                "terminated": {
                    "exitCode": 0,
                    "reason": "Completed",
                    "startedAt": started,
                    "finishedAt": started,
                    "containerID": f"containerd://{_sha(rng)}",
                }
            },
            False,
        )
    ]
    extra: dict[str, Any] = {}
    if sick == "crash":
        statuses[0] = _status(
            main,
            rng,
            {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off 5m0s restarting failed container={app} pod={name}",
                }
            },
            False,
            rng.randint(5, 80),
            {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-20T02:50:00Z"}},
        )
        ready = False
    elif sick == "oom":
        statuses[0] = _status(
            main,
            rng,
            {"waiting": {"reason": "CrashLoopBackOff"}},
            False,
            rng.randint(3, 30),
            {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
        )
        ready = False
    elif sick == "pull":
        statuses[0] = _status(
            main,
            rng,
            {"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}},
            False,
        )
        statuses[0]["started"] = False
        ready = False
    elif sick == "config":
        statuses[0] = _status(
            main,
            rng,
            {"waiting": {"reason": "CreateContainerConfigError", "message": f'configmap "{app}-env" not found'}},
            False,
        )
        ready = False
    elif sick == "unready":
        statuses[0]["ready"] = False
        ready = False
    elif sick == "init":
        phase, ready = "Pending", False
        init_status = [
            _status(
                init,
                rng,
                {"waiting": {"reason": "CrashLoopBackOff"}},
                False,
                rng.randint(5, 40),
                {"terminated": {"reason": "Error", "exitCode": 2}},
            )
        ]
        statuses = [_status(c, rng, {"waiting": {"reason": "PodInitializing"}}, False) for c in containers]
    elif sick == "evicted":
        phase, ready = "Failed", False
        extra = {
            "reason": "Evicted",
            "message": "The node was low on resource: memory. Threshold quantity: 100Mi, "
            f"available: 91Mi. Container {app} was using 1412Mi, request is 256Mi.",
        }
        statuses = [
            _status(c, rng, {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown"}}, False)
            for c in containers
        ]
    elif sick == "pending":
        phase, ready, scheduled = "Pending", False, False
    conditions = [
        {
            "type": "PodReadyToStartContainers",
            "status": "True" if scheduled else "False",
            "lastProbeTime": None,
            "lastTransitionTime": at(3),
        },
        {
            "type": "Initialized",
            "status": "False" if sick == "init" else "True",
            "lastProbeTime": None,
            "lastTransitionTime": at(5),
        },
        {
            "type": "Ready",
            "status": "True" if ready else "False",
            "lastProbeTime": None,
            "lastTransitionTime": at(9),
        },
        {
            "type": "ContainersReady",
            "status": "True" if ready else "False",
            "lastProbeTime": None,
            "lastTransitionTime": at(9),
        },
        {
            "type": "PodScheduled",
            "status": "True" if scheduled else "False",
            "lastProbeTime": None,
            "lastTransitionTime": at(0),
        },
    ]
    if not ready:
        for cond in conditions[2:4]:
            cond.update(reason="ContainersNotReady", message=f"containers with unready status: [{app}]")
    if not scheduled:
        conditions[4].update(
            reason="Unschedulable",
            message="0/5000 nodes are available: 5000 Insufficient memory. "
            "preemption: 0/5000 nodes are available: 5000 No preemption victims found for incoming pod.",
        )
    spec: dict[str, Any] = {
        "initContainers": [init],
        "containers": containers,
        "volumes": [
            {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
            {"name": "tls", "secret": {"secretName": f"{app}-tls", "defaultMode": 256}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
            {
                "name": token,
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {
                            "downwardAPI": {
                                "items": [
                                    {
                                        "path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    }
                                ]
                            }
                        },
                    ],
                },
            },
        ],
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": {"app": app}},
                            "topologyKey": "kubernetes.io/hostname",
                        },
                    }
                ]
            }
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app": app}},
            }
        ],
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": False,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "serviceAccount": app,
        "serviceAccountName": app,
        "terminationGracePeriodSeconds": 30,
    }
    if scheduled:
        spec["nodeName"] = node
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conditions,
        "qosClass": "Burstable",
        "startTime": at(0),
        **extra,
    }
    if scheduled:
        host = f"10.240.{i % 250}.{i % 200}"
        status.update(
            hostIP=host,
            hostIPs=[{"ip": host}],
            podIP=f"10.244.{i % 250}.{i % 240}",
            podIPs=[{"ip": f"10.244.{i % 250}.{i % 240}"}],
            initContainerStatuses=init_status,
            containerStatuses=statuses,
        )
    metadata: dict[str, Any] = {
        "name": name,
        "generateName": rs + "-",
        "namespace": ns,
        "uid": _uid(rng),
        "resourceVersion": str(1000000 + i),
        "creationTimestamp": at(0),
        "labels": {
            "app": app,
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/part-of": ns,
            "pod-template-hash": rs.rsplit("-", 1)[-1],
            "team": f"team-{tpl.randrange(30)}",
            "version": version,
        },
        "annotations": {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "9102",
            "checksum/config": checksum,
            "kubectl.kubernetes.io/restartedAt": "2026-11-18T09:59:00Z",
        },
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": rs,
                "uid": owner_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    metadata["managedFields"] = [
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2026-11-18T09:59:58Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": _fields_of(
                    {k: metadata[k] for k in ("generateName", "labels", "annotations", "ownerReferences")}
                ),
                "f:spec": _fields_of({k: v for k, v in spec.items() if k != "nodeName"}, 3),
            },
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2026-11-20T02:50:00Z",
            "fieldsType": "FieldsV1",
            "subresource": "status",
            "fieldsV1": {
                "f:status": _fields_of(
                    {k: v for k, v in status.items() if k not in ("containerStatuses", "initContainerStatuses")}, 3
                )
            },
        },
    ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def node(n: int, name: str, rng: random.Random, images: list[str]) -> dict[str, Any]:
    ready = n % 100 != 50
    hb = "2026-11-20T02:59:40Z"
    conds = [
        {
            "type": t,
            "status": "False",
            "reason": f"KubeletHas{r}",
            "message": f"kubelet has {m}",
            "lastHeartbeatTime": hb,
            "lastTransitionTime": "2026-11-01T08:00:00Z",
        }
        for t, r, m in (
            ("MemoryPressure", "SufficientMemory", "sufficient memory available"),
            ("DiskPressure", "NoDiskPressure", "no disk pressure"),
            ("PIDPressure", "SufficientPID", "sufficient PID available"),
        )
    ] + [
        {
            "type": "Ready",
            "status": "True" if ready else "Unknown",
            "reason": "KubeletReady" if ready else "NodeStatusUnknown",
            "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
            "lastHeartbeatTime": hb,
            "lastTransitionTime": "2026-11-01T08:00:00Z",
        }
    ]
    own = rng.sample(images, rng.randint(40, 70))
    status = {
        "addresses": [
            {"type": "InternalIP", "address": f"10.240.{n % 250}.{n % 200}"},
            {"type": "Hostname", "address": name},
        ],
        "allocatable": {
            "cpu": "3860m",
            "ephemeral-storage": "119703055367",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "12698500Ki",
            "pods": "110",
        },
        "capacity": {
            "cpu": "4",
            "ephemeral-storage": "129886128Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "16393092Ki",
            "pods": "110",
        },
        "conditions": conds,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "images": [
            {"names": [f"{img.split(':')[0]}@sha256:{_sha(rng)}", img], "sizeBytes": rng.randint(10**6, 10**9)}
            for img in own
        ],
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": _uid(rng),
            "containerRuntimeVersion": "containerd://1.7.22",
            "kernelVersion": "5.15.0-1073-azure",
            "kubeProxyVersion": "v1.29.9",
            "kubeletVersion": "v1.29.9",
            "machineID": f"{rng.getrandbits(128):032x}",
            "operatingSystem": "linux",
            "osImage": "Ubuntu 22.04.5 LTS",
            "systemUUID": _uid(rng),
        },
    }
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "Standard_D4s_v5",
        "topology.kubernetes.io/zone": f"eastus-{n % 3 + 1}",
        "agentpool": f"pool{n % 8}",
    }
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": _uid(rng),
            "resourceVersion": str(5000000 + n),
            "creationTimestamp": "2026-11-01T08:00:00Z",
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "managedFields": [
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": hb,
                    "fieldsType": "FieldsV1",
                    "subresource": "status",
                    "fieldsV1": {"f:status": _fields_of({k: v for k, v in status.items() if k != "images"})},
                }
            ],
        },
        "spec": {"podCIDR": f"10.244.{n % 250}.0/24", "providerID": f"azure:///subscriptions/x/vmss/{name}"},
        "status": status,
    }
    if not ready:
        obj["spec"]["taints"] = [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]
    return obj


def _event(kind: str, ns: str, name: str, reason: str, message: str, count: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.{count:x}", "namespace": ns},
        "involvedObject": {"kind": kind, "namespace": ns, "name": name},
        "type": "Warning",
        "reason": reason,
        "message": message,
        "count": count,
        "firstTimestamp": "2026-11-20T01:58:00Z",
        "lastTimestamp": "2026-11-20T02:58:00Z",
        "source": {"component": "kubelet"},
    }


SICK_EVENTS = {
    "crash": ("BackOff", "Back-off restarting failed container {app} in pod {pod}"),
    "oom": ("BackOff", "Back-off restarting failed container {app} in pod {pod}"),
    "pull": (
        "Failed",
        'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image: not found',
    ),
    "pending": ("FailedScheduling", "0/5000 nodes are available: 5000 Insufficient memory."),
    "config": ("Failed", 'Error: configmap "{app}-env" not found'),
    "unready": ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
    "init": ("BackOff", "Back-off restarting failed container migrate in pod {pod}"),
}


def generate(path: Path, pods: int, nodes: int, seed: int = 7) -> dict[str, Any]:
    """Write the bundle; returns what it holds (counts, unhealthy pods by kind, JSON bytes per pod)."""
    rng = random.Random(seed)
    node_names = [f"aks-pool{n % 8}-{31718369 + n // 8}-vmss{n:06d}" for n in range(nodes)]
    namespaces = [f"team-{n:03d}" for n in range(max(1, pods // 1500))]
    images = [f"registry.example.com/team-{n % 100:03d}/svc-{n:05d}:1.{n % 40}.{n % 7}" for n in range(600)]
    files: dict[str, list[bytes]] = {
        k: []
        for k in ("pods", "events", "deployments", "replicasets", "services", "endpointslices", "nodes", "namespaces")
    }
    logs: dict[str, list[str]] = {}
    files["nodes"] = [orjson.dumps(node(n, name, rng, images)) for n, name in enumerate(node_names)]
    files["namespaces"] = [orjson.dumps({"metadata": {"name": ns}, "status": {"phase": "Active"}}) for ns in namespaces]
    per_app = 30
    sick_counts: dict[str, int] = {}
    pod_bytes = 0
    for a in range(0, pods, per_app):
        ns = namespaces[(a // per_app) % len(namespaces)]
        app = f"svc-{a // per_app:05d}"
        rs = f"{app}-{_suffix(rng, 10)}"
        labels = {"app": app}
        unhealthy = 0
        for i in range(a, min(a + per_app, pods)):
            sick = SICK[i % len(SICK)] if rng.random() < 0.01 else None
            p = pod(i, ns, app, rs, node_names[i % nodes], rng, sick)
            line = orjson.dumps(p)
            pod_bytes += len(line)
            files["pods"].append(line)
            if not sick:
                continue
            unhealthy += 1
            sick_counts[sick] = sick_counts.get(sick, 0) + 1
            pname = p["metadata"]["name"]
            if sick in SICK_EVENTS:
                reason, message = SICK_EVENTS[sick]
                image = p["spec"]["containers"][0]["image"]
                files["events"].append(
                    orjson.dumps(_event("Pod", ns, pname, reason, message.format(app=app, pod=pname, image=image), 40))
                )
            if sick == "crash":
                logs[f"{ns}/{pname}/{app}/previous"] = [
                    f"2026-11-20T02:49:{s:02d}Z INFO starting {app}" for s in range(20)
                ] + [
                    'Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "svc"'
                ]
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
            _add(tar, f"objects/{kind}.jsonl", _joined(lines))
        for key, lines_ in logs.items():
            ns, pname, container, *_ = key.split("/")
            _add(tar, f"logs/{ns}/{pname}/{container}.previous.log", ("\n".join(lines_) + "\n").encode())
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return {
        "pods": pods,
        "nodes": nodes,
        "events": len(files["events"]),
        "logs": len(logs),
        "unhealthy": sum(sick_counts.values()),
        "by_kind": sick_counts,
        "pod_json_kb": round(pod_bytes / max(1, pods) / 1024, 1),
        "node_json_kb": round(sum(map(len, files["nodes"])) / max(1, nodes) / 1024, 1),
    }


def _joined(lines: list[bytes]) -> Iterator[bytes]:
    for line in lines:
        yield line
        yield b"\n"


def _add(tar: tarfile.TarFile, name: str, chunks: Iterator[bytes] | bytes) -> None:
    data = chunks if isinstance(chunks, bytes) else b"".join(chunks)
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--pods", type=int, default=150_000)
    ap.add_argument("--nodes", type=int, default=5_000)
    args = ap.parse_args()
    t = time.perf_counter()
    stats = generate(args.out, args.pods, args.nodes)
    print(f"wrote {args.out} in {time.perf_counter() - t:.1f} s: {stats}")


if __name__ == "__main__":
    main()
