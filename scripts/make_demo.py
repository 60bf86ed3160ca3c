"""Build the demo bundle shipped in medic/samples/demo/ (run: python scripts/make_demo.py).

A small AKS-like cluster, written for Medic, with several failures of the kinds our runbooks describe:
an identity server that cannot log in to its database, a metrics agent without RBAC to list pods, a
Released volume holding data to be reused, a VM-image import stuck on quota and a CDI webhook without
endpoints, a quota that requires limits in a namespace without a LimitRange, a NotReady node, a TLS
certificate close to expiry, a failed Helm release, a namespace stuck Terminating and leftover CRDs.
tests/diagnose/test_demo.py rebuilds it and checks that the shipped copy is up to date.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from medic.evidence.bundle import write_bundle_dir
from medic.model import Snapshot

NOW = "2026-11-20T03:00:00Z"
OUT = Path(__file__).resolve().parent.parent / "medic" / "samples" / "demo"


def md(name: str, ns: str = "", labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"name": name, "creationTimestamp": "2026-09-01T08:00:00Z", "uid": f"uid-{ns}-{name}"}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    m.update(extra)
    return m


def node(name: str, ready: bool = True, version: str = "v1.29.9") -> dict[str, Any]:
    ready_cond = (
        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
        if ready
        else {
            "type": "Ready",
            "status": "Unknown",
            "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.",
            "lastTransitionTime": "2026-11-20T02:41:07Z",
        }
    )
    pressure = [
        {"type": t, "status": "Unknown" if not ready else "False", "reason": "KubeletHasSufficient" + t[:-8]}
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    return {
        "metadata": md(name, labels={"kubernetes.io/hostname": name, "agentpool": "nodepool1"}),
        "spec": {"podCIDR": "10.244.0.0/24"}
        | ({"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]} if not ready else {}),
        "status": {
            "conditions": [*pressure, ready_cond],
            "nodeInfo": {"kubeletVersion": version, "containerRuntimeVersion": "containerd://1.7.22-1"},
            "allocatable": {"cpu": "3860m", "memory": "12698500Ki", "pods": "110"},
            "capacity": {"cpu": "4", "memory": "16393220Ki", "pods": "110"},
        },
    }


def container_status(
    name: str,
    image: str,
    ready: bool = True,
    restarts: int = 0,
    waiting: dict[str, Any] | None = None,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {"waiting": waiting} if waiting else {"running": {"startedAt": "2026-11-19T10:00:00Z"}}
    cs: dict[str, Any] = {
        "name": name,
        "image": image,
        "imageID": "",
        "ready": ready,
        "restartCount": restarts,
        "started": ready,
        "state": state,
    }
    if last:
        cs["lastState"] = {"terminated": last}
    return cs


def pod(
    name: str,
    ns: str,
    containers: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    node_name: str | None = "aks-nodepool1-31718369-vmss000000",
    phase: str = "Running",
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    volumes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    meta = md(name, ns, labels)
    if owner:
        meta["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": f"uid-{owner[1]}", "controller": True}
        ]
    spec: dict[str, Any] = {"containers": containers, "serviceAccountName": "default", "restartPolicy": "Always"}
    if node_name:
        spec["nodeName"] = node_name
    if volumes:
        spec["volumes"] = volumes
    ready = all(s.get("ready") for s in statuses) and phase == "Running"
    conds = conditions or [
        {"type": "PodScheduled", "status": "True"},
        {"type": "Initialized", "status": "True"},
        {"type": "ContainersReady", "status": "True" if ready else "False"},
        {"type": "Ready", "status": "True" if ready else "False"},
    ]
    status: dict[str, Any] = {"phase": phase, "conditions": conds, "startTime": "2026-11-19T10:00:00Z"}
    if statuses:
        status["containerStatuses"] = statuses
    return {"metadata": meta, "spec": spec, "status": status}


def event(
    kind: str, ns: str, name: str, reason: str, message: str, count: int = 1, type_: str = "Warning"
) -> dict[str, Any]:
    return {
        "metadata": md(f"{name}.{hashlib.sha256((reason + message).encode()).hexdigest()[:12]}", ns),
        "involvedObject": {"kind": kind, "namespace": ns, "name": name},
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": "2026-11-20T01:10:00Z",
        "lastTimestamp": "2026-11-20T02:58:30Z",
        "source": {"component": "kubelet"},
    }


def deployment(name: str, ns: str, replicas: int, ready: int, labels: dict[str, str]) -> dict[str, Any]:
    available = ready
    conds = [
        {
            "type": "Available",
            "status": "True" if available >= replicas else "False",
            "reason": "MinimumReplicasAvailable" if available >= replicas else "MinimumReplicasUnavailable",
            "message": "Deployment has minimum availability."
            if available >= replicas
            else "Deployment does not have minimum availability.",
        },
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
    ]
    return {
        "metadata": md(name, ns, labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": name, "image": "x"}]}},
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": available,
            "updatedReplicas": replicas,
            "unavailableReplicas": replicas - available,
            "conditions": conds,
            "observedGeneration": 3,
        },
    }


def service(name: str, ns: str, selector: dict[str, str], port: int = 443) -> dict[str, Any]:
    return {
        "metadata": md(name, ns),
        "spec": {
            "selector": selector,
            "ports": [{"port": port, "targetPort": port, "protocol": "TCP"}],
            "type": "ClusterIP",
        },
    }


def slice_for(service_name: str, ns: str, ready_ips: list[str], not_ready_ips: tuple[str, ...] = ()) -> dict[str, Any]:
    eps = [{"addresses": [ip], "conditions": {"ready": True}} for ip in ready_ips]
    eps += [{"addresses": [ip], "conditions": {"ready": False}} for ip in not_ready_ips]
    return {
        "metadata": md(f"{service_name}-abcde", ns, {"kubernetes.io/service-name": service_name}),
        "addressType": "IPv4",
        "endpoints": eps,
        "ports": [{"port": 8443, "protocol": "TCP"}],
    }


def build() -> Snapshot:
    nodes = [
        node("aks-nodepool1-31718369-vmss000000"),
        node("aks-nodepool1-31718369-vmss000001"),
        node("aks-nodepool1-31718369-vmss000002", ready=False),
    ]
    namespaces = [
        {"metadata": md(n), "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
        for n in ("default", "kube-system", "vantiq", "monitoring", "vm-images", "cdi")
    ]
    namespaces.append(
        {
            "metadata": md("cdi-old", deletionTimestamp="2026-11-18T09:12:44Z"),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {
                "phase": "Terminating",
                "conditions": [
                    {
                        "type": "NamespaceContentRemaining",
                        "status": "True",
                        "reason": "SomeResourcesRemain",
                        "message": "Some resources are remaining: datavolumes.cdi.kubevirt.io has 2 resource instances",
                    },
                    {
                        "type": "NamespaceFinalizersRemaining",
                        "status": "True",
                        "reason": "SomeFinalizersRemain",
                        "message": "Some content in the namespace has finalizers remaining: "
                        "cdi.kubevirt.io/dataVolumeFinalizer in 2 resource instances",
                    },
                ],
            },
        }
    )

    kc_labels = {"app": "keycloak"}
    telegraf_labels = {"app": "telegraf"}
    pods = [
        pod(
            "keycloak-0",
            "vantiq",
            [
                {
                    "name": "keycloak",
                    "image": "quay.io/keycloak/keycloak:21.1.2",
                    "env": [
                        {
                            "name": "KC_DB_PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": "keycloak-db", "key": "password"}},
                        }
                    ],
                    "resources": {"limits": {"memory": "2Gi"}},
                }
            ],
            [
                container_status(
                    "keycloak",
                    "quay.io/keycloak/keycloak:21.1.2",
                    ready=False,
                    restarts=23,
                    waiting={
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 5m0s restarting failed container=keycloak pod=keycloak-0_vantiq(7c1e)",
                    },
                    last={"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-20T02:55:41Z"},
                )
            ],
            labels=kc_labels,
            owner=("StatefulSet", "keycloak"),
        ),
        pod(
            "telegraf-ds-7xkqp",
            "monitoring",
            [{"name": "telegraf", "image": "telegraf:1.28"}],
            [container_status("telegraf", "telegraf:1.28")],
            labels=telegraf_labels,
            owner=("DaemonSet", "telegraf-ds"),
        ),
        pod(
            "grafana-5d8f9c7b6d-qm2vz",
            "monitoring",
            [{"name": "grafana", "image": "grafana/grafana:10.4.3"}],
            [container_status("grafana", "grafana/grafana:10.4.3")],
            labels={"app": "grafana"},
            owner=("ReplicaSet", "grafana-5d8f9c7b6d"),
        ),
        pod(
            "importer-win2022-disk",
            "vm-images",
            [{"name": "importer", "image": "quay.io/kubevirt/cdi-importer:v1.58.1"}],
            [],
            node_name=None,
            phase="Pending",
            conditions=[
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/"
                    "unreachable: }, 2 node(s) had unbound immediate PersistentVolumeClaims. preemption: "
                    "0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
                }
            ],
        ),
        pod(
            "cdi-apiserver-6b9c5d6f7-8wqzn",
            "cdi",
            [{"name": "cdi-apiserver", "image": "quay.io/kubevirt/cdi-apiserver:v1.58.1"}],
            [
                container_status(
                    "cdi-apiserver",
                    "quay.io/kubevirt/cdi-apiserver:v1.58.1",
                    ready=False,
                    restarts=0,
                    waiting={
                        "reason": "ImagePullBackOff",
                        "message": 'Back-off pulling image "quay.io/kubevirt/cdi-apiserver:v1.58.1"',
                    },
                )
            ],
            node_name="aks-nodepool1-31718369-vmss000001",
            labels={"cdi.kubevirt.io": "cdi-apiserver"},
            owner=("ReplicaSet", "cdi-apiserver-6b9c5d6f7"),
        ),
        pod(
            "coredns-7c9b6f5d8-2lq9x",
            "kube-system",
            [{"name": "coredns", "image": "mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3"}],
            [container_status("coredns", "mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3")],
            labels={"k8s-app": "kube-dns"},
            owner=("ReplicaSet", "coredns-7c9b6f5d8"),
        ),
    ]

    events = [
        event(
            "Pod",
            "vantiq",
            "keycloak-0",
            "BackOff",
            "Back-off restarting failed container keycloak in pod keycloak-0_vantiq(7c1e)",
            87,
        ),
        event(
            "Pod",
            "cdi",
            "cdi-apiserver-6b9c5d6f7-8wqzn",
            "Failed",
            'Failed to pull image "quay.io/kubevirt/cdi-apiserver:v1.58.1": failed to pull and unpack image '
            '"quay.io/kubevirt/cdi-apiserver:v1.58.1": failed to resolve reference: failed to do request: Head '
            '"https://quay.io/v2/kubevirt/cdi-apiserver/manifests/v1.58.1": dial tcp 44.209.2.18:443: i/o timeout',
            12,
        ),
        event(
            "Pod",
            "vm-images",
            "importer-win2022-disk",
            "FailedScheduling",
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
            "2 node(s) had unbound immediate PersistentVolumeClaims.",
            9,
        ),
        event(
            "PersistentVolumeClaim",
            "vm-images",
            "win2022-disk-scratch",
            "ProvisioningFailed",
            'persistentvolumeclaims "win2022-disk-scratch" is forbidden: exceeded quota: vm-images-quota, '
            "requested: requests.storage=60Gi, used: requests.storage=60Gi, limited: requests.storage=100Gi",
            5,
        ),
        event(
            "ReplicaSet",
            "vm-images",
            "uploadproxy-5f7d9c8b4",
            "FailedCreate",
            'Error creating: pods "uploadproxy-5f7d9c8b4-k2x7w" is forbidden: failed quota: vm-images-quota: '
            "must specify limits.cpu for: uploadproxy; limits.memory for: uploadproxy",
            14,
        ),
        event(
            "Node",
            "",
            "aks-nodepool1-31718369-vmss000002",
            "NodeNotReady",
            "Node aks-nodepool1-31718369-vmss000002 status is now: NodeNotReady",
            1,
            "Normal",
        ),
    ]

    pvs = [
        {
            "metadata": md("pvc-4f1b2c3d-9e8f-4a7b-8c6d-5e4f3a2b1c0d", labels={"app": "mongodb"}),
            "spec": {
                "capacity": {"storage": "100Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "managed-premium-retain",
                "claimRef": {
                    "kind": "PersistentVolumeClaim",
                    "namespace": "vantiq",
                    "name": "datadir-mongodb-0",
                    "uid": "uid-old",
                },
                "csi": {
                    "driver": "disk.csi.azure.com",
                    "volumeHandle": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/disks/mongo",
                },
            },
            "status": {"phase": "Released"},
        }
    ]
    pvcs = [
        {
            "metadata": md(
                "win2022-disk-scratch", "vm-images", annotations={"cdi.kubevirt.io/storage.import.source": "registry"}
            ),
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "60Gi"}},
                "storageClassName": "managed-csi",
            },
            "status": {"phase": "Pending"},
        },
        {
            "metadata": md(
                "win2022-disk", "vm-images", annotations={"cdi.kubevirt.io/storage.import.source": "registry"}
            ),
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "60Gi"}},
                "storageClassName": "managed-csi",
            },
            "status": {"phase": "Bound", "capacity": {"storage": "60Gi"}},
        },
    ]
    storageclasses = [
        {
            "metadata": md("managed-csi", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
            "provisioner": "disk.csi.azure.com",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
        {
            "metadata": md("managed-premium-retain"),
            "provisioner": "disk.csi.azure.com",
            "reclaimPolicy": "Retain",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    ]
    quotas = [
        {
            "metadata": md("vm-images-quota", "vm-images"),
            "spec": {"hard": {"requests.storage": "100Gi", "limits.cpu": "8", "limits.memory": "16Gi"}},
            "status": {
                "hard": {"requests.storage": "100Gi", "limits.cpu": "8", "limits.memory": "16Gi"},
                "used": {"requests.storage": "60Gi", "limits.cpu": "0", "limits.memory": "0"},
            },
        }
    ]
    deployments = [
        deployment("grafana", "monitoring", 1, 1, {"app": "grafana"}),
        deployment("cdi-apiserver", "cdi", 1, 0, {"cdi.kubevirt.io": "cdi-apiserver"}),
        deployment("coredns", "kube-system", 1, 1, {"k8s-app": "kube-dns"}),
        deployment("uploadproxy", "vm-images", 1, 0, {"app": "uploadproxy"}),
    ]
    statefulsets = [
        {
            "metadata": md("keycloak", "vantiq", kc_labels),
            "spec": {"replicas": 1, "serviceName": "keycloak-headless", "selector": {"matchLabels": kc_labels}},
            "status": {"replicas": 1, "readyReplicas": 0, "currentReplicas": 1, "availableReplicas": 0},
        }
    ]
    daemonsets = [
        {
            "metadata": md("telegraf-ds", "monitoring", telegraf_labels),
            "spec": {"selector": {"matchLabels": telegraf_labels}},
            "status": {
                "desiredNumberScheduled": 3,
                "currentNumberScheduled": 3,
                "numberReady": 2,
                "numberAvailable": 2,
                "numberUnavailable": 1,
                "updatedNumberScheduled": 3,
            },
        }
    ]
    services = [
        service("keycloak-headless", "vantiq", kc_labels, 8080),
        service("grafana", "monitoring", {"app": "grafana"}, 3000),
        service("cdi-api", "cdi", {"cdi.kubevirt.io": "cdi-apiserver"}, 443),
        service("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, 53),
    ]
    slices = [
        slice_for("keycloak-headless", "vantiq", [], ("10.244.0.31",)),
        slice_for("grafana", "monitoring", ["10.244.1.12"]),
        slice_for("cdi-api", "cdi", [], ("10.244.1.40",)),
        slice_for("kube-dns", "kube-system", ["10.244.0.5"]),
    ]
    webhooks = [
        {
            "metadata": md("cdi-api-datavolume-validate"),
            "webhooks": [
                {
                    "name": "datavolume-validate.cdi.kubevirt.io",
                    "clientConfig": {
                        "service": {"namespace": "cdi", "name": "cdi-api", "path": "/datavolume-validate", "port": 443}
                    },
                    "failurePolicy": "Fail",
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                    "rules": [
                        {
                            "apiGroups": ["cdi.kubevirt.io"],
                            "apiVersions": ["v1beta1"],
                            "operations": ["CREATE", "UPDATE"],
                            "resources": ["datavolumes"],
                        }
                    ],
                }
            ],
        }
    ]
    secrets = [
        {
            "metadata": md("vantiq-tls", "vantiq"),
            "type": "kubernetes.io/tls",
            "keys": ["tls.crt", "tls.key"],
            "certificate": {
                "subject": "CN=vantiq.example.internal",
                "issuer": "CN=Example Internal CA",
                "not_before": "2025-12-01T00:00:00Z",
                "not_after": "2026-11-29T23:59:59Z",
                "dns_names": ["vantiq.example.internal"],
            },
        },
        {"metadata": md("keycloak-db", "vantiq"), "type": "Opaque", "keys": ["password", "username"]},
    ]
    helmreleases = [
        {
            "metadata": md("traefik", "kubeaddons"),
            "chart": "traefik-10.30.1",
            "revision": 4,
            "status": "failed",
            "app_version": "2.9.10",
            "updated": "2026-11-19T22:14:05Z",
        },
        {
            "metadata": md("grafana", "monitoring"),
            "chart": "grafana-7.3.11",
            "revision": 2,
            "status": "deployed",
            "app_version": "10.4.3",
            "updated": "2026-10-02T12:00:00Z",
        },
    ]
    crds = [
        {
            "metadata": md("datavolumes.cdi.kubevirt.io", labels={"operator.cdi.kubevirt.io": ""}),
            "spec": {
                "group": "cdi.kubevirt.io",
                "names": {"kind": "DataVolume", "plural": "datavolumes"},
                "scope": "Namespaced",
                "versions": [{"name": "v1beta1", "served": True, "storage": True}],
            },
            "status": {"conditions": [{"type": "Established", "status": "True"}]},
        }
    ]
    logs = {
        "vantiq/keycloak-0/keycloak/previous": [
            "2026-11-20 02:55:38,114 INFO  [io.quarkus] (main) Keycloak 21.1.2 on JVM started in 9.1s",
            "2026-11-20 02:55:40,907 WARN  [io.agroal.pool] (agroal-11) Datasource '<default>': FATAL: password "
            'authentication failed for user "kcadmin"',
            "2026-11-20 02:55:40,911 ERROR [org.keycloak.quarkus.runtime.cli.ExecutionExceptionHandler] (main) "
            "ERROR: Failed to obtain JDBC connection",
            'Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "kcadmin"',
        ],
        "monitoring/telegraf-ds-7xkqp/telegraf": [
            "2026-11-20T02:58:00Z I! Starting Telegraf 1.28.5",
            "2026-11-20T02:58:10Z E! [inputs.kube_inventory] Error in plugin: pods is forbidden: User "
            '"system:serviceaccount:monitoring:telegraf" cannot list resource "pods" in API group "" at the '
            "cluster scope",
            "2026-11-20T02:58:20Z E! [inputs.kube_inventory] Error in plugin: pods is forbidden: User "
            '"system:serviceaccount:monitoring:telegraf" cannot list resource "pods" in API group "" at the '
            "cluster scope",
        ],
    }
    return Snapshot(
        objects={
            "namespaces": namespaces,
            "nodes": nodes,
            "pods": pods,
            "events": events,
            "persistentvolumes": pvs,
            "persistentvolumeclaims": pvcs,
            "storageclasses": storageclasses,
            "resourcequotas": quotas,
            "limitranges": [],
            "deployments": deployments,
            "statefulsets": statefulsets,
            "daemonsets": daemonsets,
            "replicasets": [],
            "jobs": [],
            "cronjobs": [],
            "services": services,
            "endpointslices": slices,
            "ingresses": [],
            "mutatingwebhookconfigurations": [],
            "validatingwebhookconfigurations": webhooks,
            "customresourcedefinitions": crds,
            "apiservices": [],
            "poddisruptionbudgets": [],
            "horizontalpodautoscalers": [],
            "leases": [],
            "secrets": secrets,
            "configmaps": [],
            "helmreleases": helmreleases,
        },
        logs=logs,
        meta={
            "collected_at": NOW,
            "context": "demo-aks",
            "cluster_version": "v1.29.9",
            "server": "https://demo-aks-dns-4f2a.hcp.japaneast.azmk8s.io:443",
            "namespaces": "all",
            "skipped": [],
            "redacted": {"env values": 0, "annotations": 0, "log secrets": 0},
            "demo": True,
        },
    )


def main(out: Path = OUT) -> None:
    import shutil

    if out.exists():
        shutil.rmtree(out)
    write_bundle_dir(build(), out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
