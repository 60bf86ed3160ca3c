# ruff: noqa: E501  (pasted tables are kept verbatim, wider than the line limit)
"""Kubernetes-side output parsers on real pasted outputs (tests/data/outputs/<kind>/, sources in
SOURCES-kube.md): the blocks found, their facts, the partial snapshot they build and the checks that fire."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.base import OutputParser
from medic.evidence.outputs.registry import ParseResult, parse_lines, parse_text, parsers
from medic.model import Snapshot
from tests.conftest import seed

DATA = Path(__file__).resolve().parent.parent / "data" / "outputs"
KUBE_KINDS = (
    "kubectl-get",
    "kubectl-json",
    "kubectl-describe",
    "kubectl-events",
    "kubectl-top",
    "helm-list",
    "etcdctl-member-list",
    "etcdctl-endpoint",
    "api-error",
    "go-dump",
    "console-events",
    "event-messages",
)


def sample(kind: str, name: str) -> str:
    return (DATA / kind / name).read_text(encoding="utf-8")


def parse(text: str) -> ParseResult:
    return parse_text(text)


def kinds(result: ParseResult) -> list[str]:
    return [b.kind for b in result.blocks]


def codes(snap: Snapshot) -> set[str]:
    return {f.code for f in run_checks(snap, all_checks())}


def block(result: ParseResult, kind: str, index: int = 0) -> Any:
    found = [b for b in result.blocks if b.kind == kind]
    assert len(found) > index, f"no {kind} block #{index} in {kinds(result)}"
    return found[index]


# --- every stored sample: recognised, and the findings it should give ---------------------------------

EXPECTED: dict[tuple[str, str], tuple[list[str], set[str]]] = {
    # (kind folder, file) → (block kinds in order, check codes that must fire)
    ("kubectl-get", "k8s-48554-pv-v16.txt"): (["kubectl-get"], set()),
    ("kubectl-get", "vsphere-409-pv-released-headerless.txt"): (["kubectl-get"], set()),
    ("kubectl-get", "csi-nfs-257-pv-released-retain.txt"): (["kubectl-get"], {"PV201"}),
    ("kubectl-get", "k8s-17460-pods-crashloop-2015.txt"): (["kubectl-get"], {"POD101"}),
    ("kubectl-get", "bitnami-7190-get-all-multi.txt"): (["kubectl-get"] * 3, {"WKL503"}),
    ("kubectl-get", "koti-restarts-ago-reflowed.txt"): (["kubectl-get"], {"POD101"}),
    ("kubectl-get", "vsphere-csi-4116-pvc-vac.txt"): (["kubectl-get"], set()),
    ("kubectl-get", "k8s-67063-helm-status-resources.txt"): (["kubectl-get"], set()),
    ("kubectl-get", "deepops-355-nodes-notready.txt"): (["kubectl-get"], {"NODE301"}),
    ("kubectl-get", "k8s-86451-nodes-notready.txt"): (["kubectl-get"], {"NODE301"}),
    ("kubectl-get", "ansible-k8s-6-nodes-v17-no-roles.txt"): (["kubectl-get"], {"NODE301"}),
    ("kubectl-get", "k8s-docs-memory-oomkilled.txt"): (["kubectl-get", "kubectl-get"], {"POD102"}),
    ("kubectl-describe", "portainer-5314-pod-crashloop.txt"): (["kubectl-describe"], {"POD101"}),
    ("kubectl-describe", "kubeblocks-2151-pod-pending.txt"): (["kubectl-describe"], {"SCH101"}),
    ("kubectl-describe", "keyvault-68-events-failedmount-2019.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "k8s-42004-events-old-format.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "deepops-355-node-v110.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "k8s-10861-legacy-tabs-2015.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "deis-charts-29-svc-empty-endpoints.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "k8s-96630-job-describe.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "intellij-kubernetes-778-events-failedscheduling.txt"): (["kubectl-describe"], {"SCH101"}),
    ("kubectl-describe", "tarantool-88-events-backoff.txt"): (["kubectl-describe"], {"POD101"}),
    ("kubectl-describe", "kubestr-66-events-imagepull-rows.txt"): (["kubectl-describe"], {"POD103"}),
    ("kubectl-describe", "k8s-60735-job-events-backofflimit.txt"): (["kubectl-describe"], {"WKL508"}),
    ("kubectl-describe", "hardway-349-provisioningfailed-row.txt"): (["kubectl-describe"], {"PVC201"}),
    ("kubectl-describe", "radondb-524-events-scheduled-after-failure.txt"): (["kubectl-describe"], set()),
    ("kubectl-get", "k8s-docs-custom-columns.txt"): (["kubectl-custom-columns"], set()),
    ("kubectl-get", "cert-manager-2376-get-cert-not-ready.txt"): (["kubectl-get"], {"CP357"}),
    ("kubectl-get", "cert-manager-1886-get-certificate-staging.txt"): (["kubectl-get"], {"CP357"}),
    ("kubectl-get", "devopsboys-get-endpoints-none.txt"): (["kubectl-get"], {"NET401"}),
    ("kubectl-describe", "k8s-64500-describe-sts-v110.txt"): (["kubectl-describe"], set()),
    ("go-dump", "k8s-docs-go-template-laststate.txt"): (["go-dump"], {"POD102"}),
    ("console-events", "openshiftio-2187-console-quota.txt"): (["console-events"], {"QTA251"}),
    ("event-messages", "mittwald-65-probe-messages.txt"): (["event-messages"], {"POD107", "POD108"}),
    ("event-messages", "dashboard-5054-liveness-in-prose.txt"): (["event-messages"], {"POD108"}),
    ("event-messages", "helm-charts-12409-liveness-line.txt"): (["event-messages"], {"POD108"}),
    ("api-error", "capi-6115-webhook-no-endpoints.txt"): (["api-error"], {"NET410"}),
    ("api-error", "jobset-67-webhook-one-line.txt"): (["api-error"], {"NET410"}),
    ("api-error", "sealos-1741-failed-quota.txt"): (["api-error"], {"QTA251"}),
    ("api-error", "svt-8-failed-quota-v12.txt"): (["api-error"], {"QTA251"}),
    ("api-error", "dmake-475-rollout-deadline.txt"): (["api-error"], {"WKL502"}),
    ("api-error", "rancher-6926-klog-failedscheduling.txt"): (["api-error"], {"SCH101"}),
    ("api-error", "k8s-67859-klog-job-created.txt"): (["api-error"], set()),
    ("kubectl-json", "k8s-10324-status-member-2015.txt"): (["kubectl-describe", "kubectl-json"], set()),
    ("kubectl-json", "k8s-92245-job-status-yaml-fragment.txt"): (["kubectl-json"], {"WKL508"}),
    ("kubectl-json", "k8s-93559-jq-status-stream.txt"): (["kubectl-json"] * 3, {"WKL508"}),
    ("kubectl-events", "coderslingo-events-reflowed.txt"): (["kubectl-events"], set()),
    ("kubectl-events", "devto-events-aligned.txt"): (["kubectl-events"], set()),
    ("kubectl-events", "k8s-9207-events-old-v14.txt"): (["kubectl-events"], set()),
    ("kubectl-top", "metrics-server-193-nodes.txt"): (["kubectl-top", "kubectl-top"], set()),
    ("kubectl-top", "k8s-86499-nodes-over-100.txt"): (["kubectl-top"], set()),
    ("kubectl-top", "k8s-28844-pods-all-namespaces-2016.txt"): (["kubectl-top"], set()),
    ("kubectl-json", "metrics-server-343-nodemetrics-json.txt"): (["kubectl-json"], set()),
    ("kubectl-json", "csi-nfs-257-pv-pvc-yaml.txt"): (["kubectl-json"], set()),
    ("kubectl-json", "k8s-docs-debug-running-pod-yaml.txt"): (["kubectl-json"], set()),
    ("helm-list", "home-ops-8-pending-upgrade-v3.txt"): (["helm-list"], {"HYG704"}),
    ("helm-list", "helm-5513-failed-headerless-v3.txt"): (["helm-list", "helm-list"], {"HYG703"}),
    ("helm-list", "helm-2681-pending-upgrade-v2.txt"): (["helm-list"], {"HYG704"}),
    ("helm-list", "helm-2940-tabs-v2.txt"): (["helm-list"], set()),
    ("etcdctl-member-list", "etcd-15787-unstarted-plain.txt"): (["etcdctl-member-list"], set()),
    ("etcdctl-member-list", "etcd-13153-unstarted-table.txt"): (["etcdctl-member-list"], set()),
    ("etcdctl-member-list", "etcd-2711-table-v34.txt"): (["etcdctl-member-list"], set()),
    ("etcdctl-member-list", "etcd-2422-v2-unstarted.txt"): (["etcdctl-member-list"], set()),
    ("etcdctl-endpoint", "etcd-10897-status-health-v33.txt"): (["etcdctl-endpoint", "etcdctl-endpoint"], set()),
    ("etcdctl-endpoint", "etcd-12036-health-v34.txt"): (["etcdctl-member-list", "etcdctl-endpoint"], set()),
    ("etcdctl-endpoint", "opsnull-196-cluster-health-v2.txt"): (["etcdctl-endpoint"] * 3, set()),
    ("kubectl-describe", "k8s-77981-node-unreachable-cut.txt"): (["kubectl-describe"], {"NODE302"}),
    ("kubectl-describe", "cluster-monitoring-21-events-secret-not-found.txt"): (["kubectl-describe"], {"POD104"}),
    ("kubectl-describe", "k8s-122256-container-last-state.txt"): (["kubectl-describe"], set()),
    ("kubectl-describe", "k8s-93826-describe-flattened.txt"): (["kubectl-describe"] * 3, {"POD109"}),
    ("kubectl-events", "duyet-charts-241-wide-rows.txt"): (["kubectl-events"], {"POD107"}),
    ("kubectl-events", "origin-7824-failedsync-crashloop-v12.txt"): (["kubectl-events"] * 2, {"POD101"}),
}


@pytest.mark.parametrize(("folder", "name"), sorted(EXPECTED))
def test_sample_blocks_and_findings(folder: str, name: str) -> None:
    expected_kinds, expected_codes = EXPECTED[(folder, name)]
    result = parse(sample(folder, name))
    assert kinds(result) == expected_kinds
    assert expected_codes <= codes(result.snapshot())


def test_every_sample_is_listed_with_its_source() -> None:
    sources = (DATA / "SOURCES-kube.md").read_text(encoding="utf-8")
    stored = {(p.parent.name, p.name) for k in KUBE_KINDS for p in (DATA / k).glob("*.txt")}
    assert stored == set(EXPECTED)
    for folder, name in stored:
        assert f"| {folder}/{name} | http" in sources, f"{folder}/{name} has no source line"
    for kind in KUBE_KINDS:
        count = len([1 for f, _ in stored if f == kind])
        # (one real paste of each found so far for the go-template and console layouts)
        assert count >= (1 if kind in ("go-dump", "console-events") else 3), kind


# --- kubectl get ---------------------------------------------------------------------------------------


def test_get_pv_without_header_after_prompt_reads_columns_by_meaning() -> None:
    result = parse(sample("kubectl-get", "vsphere-409-pv-released-headerless.txt"))
    b = block(result, "kubectl-get")
    assert (b.start_line, b.end_line) == (4, 9)
    assert b.facts["resource"] == "persistentvolumes" and b.facts["headers"] is False
    row = b.facts["rows"][0]
    assert row["STATUS"] == "Released" and row["RECLAIM POLICY"] == "Delete"
    assert row["CLAIM"] == "nokia-imshss/datadir-buphssnew5-etcd-0" and row["STORAGECLASS"] == "vsphere"
    pv = result.snapshot().items("persistentvolumes")[0]
    assert pv["spec"]["claimRef"] == {
        "kind": "PersistentVolumeClaim",
        "namespace": "nokia-imshss",
        "name": "datadir-buphssnew5-etcd-0",
    }
    assert pv["status"]["phase"] == "Released" and pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert "PV201" not in codes(result.snapshot())  # Delete, not Retain


def test_get_pv_old_headers_rows_not_aligned() -> None:
    b = block(parse(sample("kubectl-get", "k8s-48554-pv-v16.txt")), "kubectl-get")
    assert b.facts["columns"][:4] == ["NAME", "CAPACITY", "ACCESSMODES", "RECLAIMPOLICY"]
    assert [r["CLAIM"] for r in b.facts["rows"]] == ["default/pvc1", "default/pvc2", "default/pvc3"]
    assert [r["STORAGECLASS"] for r in b.facts["rows"]] == ["anything"] * 3
    assert [r["AGE"] for r in b.facts["rows"]] == ["6d", "1h", "1h"]


def test_seed_000_released_pv_gives_pv201() -> None:
    text = seed("000").read_text(encoding="utf-8")
    start = text.index("$ kubectl get pv")
    excerpt = text[start : text.index("```", start)]
    result = parse(excerpt)
    b = block(result, "kubectl-get")
    assert [r["STATUS"] for r in b.facts["rows"]] == ["Bound", "Released"]
    findings = [f for f in run_checks(result.snapshot(), all_checks()) if f.code == "PV201"]
    assert [f.object.name for f in findings] == ["pvc-ec37c469-782a-473f-a6f9-aaaaaaaaaaaa"]
    assert "shared/grafana" in findings[0].message


def test_get_pods_restarts_with_last_restart_age() -> None:
    result = parse(sample("kubectl-get", "koti-restarts-ago-reflowed.txt"))
    row = block(result, "kubectl-get").facts["rows"][0]
    assert row["RESTARTS"] == "5 (12s ago)" and row["AGE"] == "2m"
    pod = result.snapshot().items("pods")[0]
    cs = pod["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 5 and cs["state"] == {"waiting": {"reason": "CrashLoopBackOff"}}
    assert cs["lastState"]["terminated"]["finishedAt"].endswith("Z")
    assert pod["status"]["phase"] == "Running"


def test_get_all_namespaces_wide_and_multi_kind() -> None:
    text = """$ kubectl get pods,svc -A -o wide
NAMESPACE   NAME                      READY   STATUS             RESTARTS      AGE   IP           NODE     NOMINATED NODE   READINESS GATES
shop        pod/api-5d8f7c6b9-x2x4q   0/1     CrashLoopBackOff   7 (2m ago)    31m   10.1.2.3     node-1   <none>           <none>
shop        pod/web-0                 1/1     Running            0             31m   10.1.2.4     node-2   <none>           <none>

NAMESPACE   NAME          TYPE           CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE   SELECTOR
shop        service/web   LoadBalancer   10.0.0.10     <pending>     80:31380/TCP   31m   app=web
"""
    result = parse(text)
    assert kinds(result) == ["kubectl-get", "kubectl-get"]
    snap = result.snapshot()
    pods = {p["metadata"]["name"]: p for p in snap.items("pods")}
    assert pods["api-5d8f7c6b9-x2x4q"]["metadata"]["namespace"] == "shop"
    assert pods["api-5d8f7c6b9-x2x4q"]["spec"]["nodeName"] == "node-1"
    assert pods["api-5d8f7c6b9-x2x4q"]["status"]["podIP"] == "10.1.2.3"
    svc = snap.items("services")[0]
    assert svc["spec"]["type"] == "LoadBalancer" and svc["spec"]["ports"][0]["nodePort"] == 31380
    assert svc["spec"]["selector"] == {"app": "web"}
    assert "POD101" in codes(snap)


def test_get_pods_no_headers_after_prompt_with_namespace_flag() -> None:
    text = "$ kubectl get pods -n shop --no-headers\napi-1   0/1   ImagePullBackOff   0   5m\nNo resources\n"
    result = parse(text)
    b = block(result, "kubectl-get")
    assert b.facts["headers"] is False and b.facts["namespace"] == "shop"
    assert [r["NAME"] for r in b.facts["rows"]] == ["api-1"]
    pod = result.snapshot().items("pods")[0]
    assert pod["metadata"]["namespace"] == "shop" and pod["status"]["phase"] == "Pending"
    assert "POD103" in codes(result.snapshot())


def test_get_no_resources_found_is_plain() -> None:
    result = parse("$ kubectl get pods\nNo resources found in default namespace.\n")
    assert result.blocks == []
    assert [n for n, _ in result.plain] == [1, 2]


def test_get_deployment_and_statefulset_not_ready() -> None:
    seed_text = seed("002").read_text(encoding="utf-8")
    start = seed_text.index("kubectl -n kubeaddons get deployment traefik-kubeaddons")
    result = parse(seed_text[start : seed_text.index("```", start)])
    dep = result.snapshot().items("deployments")[0]
    # the command line has no prompt: it is still the command, so its namespace reaches the object
    assert dep["metadata"] == {
        "name": "traefik-kubeaddons",
        "namespace": "kubeaddons",
        "creationTimestamp": dep["metadata"]["creationTimestamp"],
    }
    assert dep["spec"]["replicas"] == 2 and dep["status"]["availableReplicas"] == 0
    assert "WKL501" in codes(result.snapshot())


def test_get_nodes_cordoned_and_roles() -> None:
    text = "NAME     STATUS                     ROLES           AGE   VERSION\nnode-1   Ready,SchedulingDisabled   control-plane   10d   v1.29.2\n"
    snap = parse(text).snapshot()
    node = snap.items("nodes")[0]
    assert node["spec"]["unschedulable"] is True
    assert node["metadata"]["labels"] == {"node-role.kubernetes.io/control-plane": ""}
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.29.2"
    assert "NODE305" in codes(snap) and "NODE301" not in codes(snap)


def test_helm_table_is_not_a_kubectl_table() -> None:
    result = parse(sample("helm-list", "home-ops-8-pending-upgrade-v3.txt"))
    assert kinds(result) == ["helm-list"]


# --- kubectl describe ----------------------------------------------------------------------------------


def test_describe_pod_containers_and_states() -> None:
    result = parse(sample("kubectl-describe", "portainer-5314-pod-crashloop.txt"))
    b = block(result, "kubectl-describe")
    assert (b.start_line, b.end_line) == (1, 34)
    assert b.facts["resource"] == "pods" and b.facts["namespace"] == "default"
    c = b.facts["containers"][0]
    assert c["name"] == "centos-new" and c["Restart Count"] == "6"
    assert c["State"] == {"state": "Waiting", "Reason": "CrashLoopBackOff"}
    assert c["Last State"]["Exit Code"] == "0"
    pod = result.snapshot().items("pods")[0]
    assert pod["spec"]["nodeName"] == "k-master"
    assert pod["metadata"]["ownerReferences"] == [
        {"kind": "ReplicaSet", "name": "centos-new-6846f658db", "controller": True}
    ]
    assert pod["metadata"]["labels"]["pod-template-hash"] == "6846f658db"
    cs = pod["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 6 and cs["ready"] is False
    assert cs["lastState"] == {
        "terminated": {
            "reason": "Completed",
            "exitCode": 0,
            "startedAt": "2021-07-14T19:52:22Z",
            "finishedAt": "2021-07-14T19:52:22Z",
        }
    }


def test_describe_pending_pod_unschedulable() -> None:
    result = parse(sample("kubectl-describe", "kubeblocks-2151-pod-pending.txt"))
    pod = result.snapshot().items("pods")[0]
    assert pod["metadata"]["namespace"] == "kb-system"
    assert pod["status"]["phase"] == "Pending" and "nodeName" not in pod["spec"]
    assert pod["status"]["conditions"][0]["type"] == "PodScheduled"


def test_describe_events_table_current_and_old_layouts() -> None:
    new = block(parse(sample("kubectl-describe", "keyvault-68-events-failedmount-2019.txt")), "kubectl-describe")
    assert [e["reason"] for e in new.facts["events"]][:2] == ["Scheduled", "FailedMount"]
    assert new.facts["events"][1]["source"] == "kubelet, aks-agentpool-11854310-5"
    assert new.facts["events"][1]["message"].startswith('MountVolume.SetUp failed for volume "test"')
    old = block(parse(sample("kubectl-describe", "k8s-42004-events-old-format.txt")), "kubectl-describe")
    assert [(e["reason"], e.get("count")) for e in old.facts["events"]] == [
        ("Scheduled", 1),
        ("FailedMount", 5),
        ("FailedSync", 5),
    ]


def test_seed_000_describe_events_after_ellipsis() -> None:
    text = seed("000").read_text(encoding="utf-8")
    start = text.index("$ kubectl describe pod -n shared grafana")
    excerpt = text[start : text.index("```", start)]
    result = parse(excerpt)
    b = block(result, "kubectl-describe")
    assert b.facts["name"] == "grafana-7fcf76474b-wxhqf" and b.facts["namespace"] == "shared"
    reasons = [e["reason"] for e in b.facts["events"]]
    assert reasons[-2:] == ["Unhealthy", "BackOff"]
    unhealthy = b.facts["events"][-2]
    assert unhealthy["count"] == 14 and unhealthy["age"] == "8m57s" and unhealthy["first_age"] == "10m"
    events = result.snapshot().items("events")
    assert {e["involvedObject"]["name"] for e in events} == {"grafana-7fcf76474b-wxhqf"}
    assert all(e["involvedObject"]["kind"] == "Pod" and e["metadata"]["namespace"] == "shared" for e in events)


def test_describe_pod_with_events_fires_readiness_and_volume_checks() -> None:
    text = """$ kubectl describe pod -n shop api-0
Name:         api-0
Namespace:    shop
Node:         node-1/10.0.0.5
Status:       Running
Containers:
  api:
    Image:          shop/api:1.2
    State:          Running
      Started:      Mon, 01 Jan 2024 10:00:00 +0000
    Ready:          False
    Restart Count:  0
Conditions:
  Type              Status
  Ready             False
Events:
  Type     Reason     Age                From     Message
  ----     ------     ----               ----     -------
  Warning  Unhealthy  2m (x30 over 20m)  kubelet  Readiness probe failed: Get "http://10.1.2.3:8080/ready": dial tcp 10.1.2.3:8080: connect: connection refused

Name:         db-0
Namespace:    shop
Node:         node-2/10.0.0.6
Status:       Pending
Containers:
  db:
    Image:          postgres:16
    State:          Waiting
      Reason:       ContainerCreating
    Ready:          False
    Restart Count:  0
Events:
  Type     Reason       Age                 From     Message
  ----     ------       ----                ----     -------
  Warning  FailedMount  1m (x12 over 25m)   kubelet  MountVolume.SetUp failed for volume "data" : rpc error: code = Internal desc = mount failed: exit status 32
"""
    result = parse(text)
    assert kinds(result) == ["kubectl-describe", "kubectl-describe"]
    assert codes(result.snapshot()) >= {"POD107", "POD105"}


def test_describe_node_conditions_and_taints() -> None:
    text = """Name:               worker-0.example.com
Roles:              <none>
CreationTimestamp:  Thu, 09 Mar 2023 13:47:15 +0000
Taints:             node.kubernetes.io/not-ready:NoSchedule
Unschedulable:      false
Conditions:
  Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason                       Message
  ----             ------  -----------------                 ------------------                ------                       -------
  MemoryPressure   False   Mon, 13 Mar 2023 11:27:19 +0000   Thu, 09 Mar 2023 13:47:15 +0000   KubeletHasSufficientMemory   kubelet has sufficient memory available
  Ready            False   Mon, 13 Mar 2023 11:27:19 +0000   Thu, 09 Mar 2023 13:47:15 +0000   KubeletNotReady              container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized
"""
    result = parse(text)
    node = result.snapshot().items("nodes")[0]
    assert node["spec"]["taints"] == [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert ready["reason"] == "KubeletNotReady" and ready["message"].startswith("container runtime network not ready")
    assert ready["lastTransitionTime"] == "2023-03-09T13:47:15Z"
    assert "NODE301" in codes(result.snapshot())


# --- kubectl get events ---------------------------------------------------------------------------------


def test_events_table_involved_objects_and_namespace_from_command() -> None:
    result = parse(sample("kubectl-events", "coderslingo-events-reflowed.txt"))
    b = block(result, "kubectl-events")
    assert (b.start_line, b.end_line) == (2, 8)
    first = b.facts["events"][2]
    assert first["type"] == "Warning" and first["reason"] == "Failed" and first["kind"] == "Pod"
    assert first["namespace"] == "production" and "401 Unauthorized" in first["message"]
    ev = result.snapshot().items("events")[0]
    assert ev["involvedObject"] == {"kind": "Pod", "name": "api-server-7d9b4c6f8-xk2p9", "namespace": "production"}


def test_events_old_layout() -> None:
    b = block(parse(sample("kubectl-events", "k8s-9207-events-old-v14.txt")), "kubectl-events")
    e = b.facts["events"][0]
    assert (e["age"], e["first_age"], e["count"], e["kind"], e["name"], e["reason"]) == (
        "1s",
        "16h",
        26052,
        "Pod",
        "kube-dns-2247936740-j6pq1",
        "FailedSync",
    )
    assert e["namespace"] == "kube-system"


def test_events_all_namespaces_with_pod_gives_sch101() -> None:
    text = """$ kubectl get pods -A
NAMESPACE   NAME        READY   STATUS    RESTARTS   AGE
shop        worker-0    0/1     Pending   0          12m
$ kubectl get events -A
NAMESPACE   LAST SEEN   TYPE      REASON             OBJECT         MESSAGE
shop        2m          Warning   FailedScheduling   pod/worker-0   0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.
"""
    result = parse(text)
    assert kinds(result) == ["kubectl-get", "kubectl-events"]
    assert block(result, "kubectl-events").facts["events"][0]["namespace"] == "shop"


# --- kubectl top, -o json / -o yaml ---------------------------------------------------------------------


def test_top_nodes_and_pods() -> None:
    nodes = block(parse(sample("kubectl-top", "k8s-86499-nodes-over-100.txt")), "kubectl-top").facts
    assert nodes["resource"] == "nodes" and nodes["rows"][1]["memory_percent"] == 101
    result = parse(sample("kubectl-top", "k8s-28844-pods-all-namespaces-2016.txt"))
    pods = block(result, "kubectl-top").facts
    assert pods["resource"] == "pods" and pods["rows"][1] == {
        "name": "etcd-server-kubernetes-master",
        "cpu": "4m",
        "memory": "116Mi",
        "namespace": "kube-system",
    }
    pm = result.snapshot().items("podmetrics")[1]
    assert pm["metadata"] == {"name": "etcd-server-kubernetes-master", "namespace": "kube-system"}


def test_json_list_and_yaml_documents() -> None:
    result = parse(sample("kubectl-json", "metrics-server-343-nodemetrics-json.txt"))
    assert result.snapshot().items("nodemetrics")[0]["usage"] == {"cpu": "104118227n", "memory": "3741516Ki"}
    result = parse(sample("kubectl-json", "csi-nfs-257-pv-pvc-yaml.txt"))
    snap = result.snapshot()
    assert snap.items("persistentvolumes")[0]["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert "kind" not in snap.items("persistentvolumes")[0]
    assert snap.items("persistentvolumeclaims")[0]["spec"]["volumeName"] == "test-pv"
    result = parse(sample("kubectl-json", "k8s-docs-debug-running-pod-yaml.txt"))
    assert block(result, "kubectl-json").start_line == 2
    assert result.plain == [(1, "kubectl get pod nginx-deployment-1006230814-6winp -o yaml")]
    pod = result.snapshot().items("pods")[0]
    assert pod["metadata"]["name"] == "nginx-deployment-67d4bdd6f5-w6kd7" and pod["metadata"]["namespace"] == "default"
    assert pod["spec"]["nodeName"] == "kube-worker-1" and pod["status"]["phase"] == "Running"
    assert pod["status"]["containerStatuses"][0]["ready"] is True


def test_json_pod_list_fires_crash_loop() -> None:
    text = """$ kubectl get pods -n shop -o json
{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "api-1", "namespace": "shop"},
            "status": {
                "phase": "Running",
                "containerStatuses": [
                    {"name": "api", "ready": false, "restartCount": 12,
                     "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                     "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}
                ]
            }
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
after the json
"""
    result = parse(text)
    b = block(result, "kubectl-json")
    assert (b.start_line, b.end_line) == (2, 21)
    assert result.plain[-1] == (22, "after the json")
    assert "POD101" in codes(result.snapshot())


def test_broken_json_stays_plain() -> None:
    result = parse('{\n  "kind": "Pod",\n  "metadata": {"name": "x"\n')
    assert result.blocks == [] and len(result.plain) == 3


# --- helm list -------------------------------------------------------------------------------------------


def test_helm_v3_failed_release_shape() -> None:
    result = parse(sample("helm-list", "helm-5513-failed-headerless-v3.txt"))
    rel = result.snapshot().items("helmreleases")[0]
    assert rel == {
        "metadata": {"name": "test", "namespace": "default"},
        "chart": "upgrade-test-0.0.1",
        "revision": 1,
        "status": "failed",
        "app_version": "",
        "updated": "2020-08-19T00:50:09Z",
    }


def test_helm_v2_columns() -> None:
    rels = block(parse(sample("helm-list", "helm-2940-tabs-v2.txt")), "helm-list").facts["releases"]
    assert [(r["name"], r["revision"], r["status"], r["namespace"]) for r in rels] == [
        ("customer", 25, "deployed", "kube-system"),
        ("service", 26, "deployed", "kube-system"),
    ]
    v2 = block(parse(sample("helm-list", "helm-2681-pending-upgrade-v2.txt")), "helm-list").facts["releases"]
    assert [r["status"] for r in v2] == ["deployed", "pending-upgrade"]


# --- etcdctl ---------------------------------------------------------------------------------------------


def test_etcd_members_shape() -> None:
    result = parse(sample("etcdctl-member-list", "etcd-15787-unstarted-plain.txt"))
    members = result.snapshot().host["etcd_members"]
    assert members[0] == {
        "id": "10ff1e8664a58dc8",
        "status": "unstarted",
        "name": "",
        "peer_urls": ["https://etcd-0.etcd-peer.ztissan.svc.cluster.local:2380"],
        "client_urls": [],
        "is_learner": False,
    }
    table = parse(sample("etcdctl-member-list", "etcd-13153-unstarted-table.txt")).snapshot().host["etcd_members"]
    assert [(m["status"], m["name"]) for m in table] == [("started", "etcd-tstsdb21"), ("unstarted", "")]
    v2 = parse(sample("etcdctl-member-list", "etcd-2422-v2-unstarted.txt")).snapshot().host["etcd_members"]
    assert [m["status"] for m in v2] == ["started", "started", "unstarted", "started"]


def test_seed_002_member_list_plain() -> None:
    text = seed("002").read_text(encoding="utf-8")
    start = text.index("1d021ffdd096a804, started")
    result = parse(text[start : text.index("```", start)])
    members = result.snapshot().host["etcd_members"]
    assert [m["name"] for m in members] == [
        "konvoy-example-cluster-control-plane-1",
        "konvoy-example-cluster-control-plane-0",
        "konvoy-example-cluster-control-plane-2",
    ]


def test_etcd_endpoints_shape() -> None:
    result = parse(sample("etcdctl-endpoint", "etcd-10897-status-health-v33.txt"))
    endpoints = result.snapshot().host["etcd_endpoints"]
    status = endpoints[1]
    assert (status["endpoint"], status["version"], status["db_size"], status["is_leader"], status["raft_term"]) == (
        "192.168.195.129:2379",
        "3.3.11",
        "20 kB",
        False,
        109,
    )
    health = {e["endpoint"]: e for e in endpoints[3:]}
    assert health["http://192.168.195.128:2379"]["healthy"] is False
    assert health["http://192.168.195.128:2379"]["error"] == "failed to commit proposal: context deadline exceeded"
    assert health["192.168.195.130:2379"] == {
        "endpoint": "192.168.195.130:2379",
        "healthy": True,
        "took": "3.189286ms",
        "error": "",
        "version": "",
        "db_size": "",
        "is_leader": None,
        "raft_term": None,
    }
    for e in endpoints:
        assert set(e) >= {"endpoint", "healthy", "took", "error", "version", "db_size", "is_leader", "raft_term"}


def test_etcd_endpoint_status_table() -> None:
    text = """+------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
|        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |
+------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
| https://10.0.0.11:2379 | 8e9e05c52164694d |  3.5.9  |  25 MB  |      true |      false |         4 |      10240 |              10240 |        |
+------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
"""
    result = parse(text)
    assert kinds(result) == ["etcdctl-endpoint"]
    e = result.snapshot().host["etcd_endpoints"][0]
    assert (e["healthy"], e["is_leader"], e["raft_term"], e["db_size"]) == (True, True, 4, "25 MB")


# --- mixed pastes ------------------------------------------------------------------------------------------


MIXED = """Hi team, the grafana pod keeps restarting since the upgrade. Here is what I see:

$ kubectl get pv
NAME                                       CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS     CLAIM            STORAGECLASS   REASON   AGE
pvc-ec37c469-782a-473f-a6f9-aaaaaaaaaaaa   5Gi        RWO            Retain           Released   shared/grafana   vantiq-sc               247d
and the pods:
NAME                       READY   STATUS             RESTARTS       AGE
grafana-7fcf76474b-wxhqf   0/1     CrashLoopBackOff   24 (52s ago)   11m
helm says:
NAME   	NAMESPACE	REVISION	UPDATED                                	STATUS	CHART        	APP VERSION
grafana	shared   	7       	2024-05-02 10:11:12.123456 +0000 UTC   	failed	grafana-6.1.0	8.1.8
etcd:
1d021ffdd096a804, unstarted, , https://172.17.0.6:2380, , false
40fd14fa28910cab, started, cp-0, https://172.17.0.4:2380, https://172.17.0.4:2379, false
https://172.17.0.6:2379 is unhealthy: failed to commit proposal: context deadline exceeded
thanks!
"""


def test_mixed_paste_with_chatter() -> None:
    result = parse(MIXED)
    assert kinds(result) == [
        "kubectl-get",
        "kubectl-get",
        "helm-list",
        "etcdctl-member-list",
        "etcdctl-endpoint",
    ]
    assert [(b.start_line, b.end_line) for b in result.blocks] == [(4, 5), (7, 8), (10, 11), (13, 14), (15, 15)]
    plain = dict(result.plain)
    assert plain[1].startswith("Hi team") and plain[6] == "and the pods:" and plain[16] == "thanks!"
    snap = result.snapshot()
    assert {"PV201", "POD101", "HYG703"} <= codes(snap)
    assert len(snap.host["etcd_members"]) == 2 and snap.host["etcd_endpoints"][0]["healthy"] is False


def test_mixed_paste_without_prompts_equals_with_prompts() -> None:
    with_prompts = "\n".join(
        [
            "$ kubectl get nodes",
            sample("kubectl-get", "k8s-86451-nodes-notready.txt").split("\n", 1)[1].rstrip("\n"),
            "$ kubectl top nodes",
            sample("kubectl-top", "k8s-86499-nodes-over-100.txt").split("\n", 1)[1].rstrip("\n"),
        ]
    )
    without = "\n".join(ln for ln in with_prompts.splitlines() if not ln.startswith("$ "))
    a, b = parse(with_prompts), parse(without)
    assert kinds(a) == kinds(b) == ["kubectl-get", "kubectl-top"]
    assert [x.facts for x in a.blocks] == [x.facts for x in b.blocks]


def test_all_samples_concatenated() -> None:
    texts = [sample(k, n) for k, n in sorted(EXPECTED)]
    result = parse("\n\nnext paste:\n".join(texts))
    expected = [kind for key in sorted(EXPECTED) for kind in EXPECTED[key][0]]
    assert kinds(result) == expected


# --- robustness ----------------------------------------------------------------------------------------------


def kube_parsers() -> list[OutputParser]:
    return [p for p in parsers() if p.kind in KUBE_KINDS]


LINES = st.lists(
    st.one_of(
        st.text(max_size=120),
        st.sampled_from(
            [
                "NAME   READY   STATUS   RESTARTS   AGE",
                "NAME STATUS ROLES AGE VERSION",
                "LAST SEEN   TYPE   REASON   OBJECT   MESSAGE",
                "Name:   x",
                "Events:",
                "  Type    Reason  Age  From  Message",
                "  Warning  Failed  1m (x2 over",
                "Containers:",
                "  c:",
                "    State:  Waiting",
                "+----+----+",
                "| ID | STATUS | NAME |",
                "abc, started, ",
                "{",
                '{"kind": "List", "items": [',
                "apiVersion: v1",
                "kind: Pod",
                "---",
                "NAME NAMESPACE REVISION UPDATED STATUS CHART",
                "x\tdefault\t1\t2020\tfailed",
                "$ kubectl get pv",
                "$ kubectl describe pod a",
                "$ helm list",
                "pv1 1Gi RWO Retain Released",
                "名前   準備   状態",
                "x" * 5000,
            ]
        ),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_parsers_never_raise(lines: list[str]) -> None:
    text = [ln.replace("\n", " ").replace("\r", " ") for ln in lines]
    for p in kube_parsers():
        for i, line in enumerate(text):
            if p.starts(line, "kubectl get pods"):
                end = p.block_end(text, i)
                facts = p.parse(text[i:end]) if end > i else None
                if facts is not None:
                    p.apply(facts, Snapshot(meta={"partial": True}))
    result = parse_lines(text, kinds=KUBE_KINDS)
    assert sorted(
        {n for n, _ in result.plain} | {n for b in result.blocks for n in range(b.start_line, b.end_line + 1)}
    ) == list(range(1, len(text) + 1))
    run_checks(result.snapshot(), all_checks())


def test_truncated_samples_never_raise() -> None:
    for key in sorted(EXPECTED):
        lines = sample(*key).splitlines()
        for cut in range(len(lines)):
            part = [*lines[:cut], lines[cut][: len(lines[cut]) // 2]]
            result = parse_lines(part, kinds=KUBE_KINDS)
            result.snapshot()


def test_cjk_names_and_long_lines() -> None:
    text = (
        "NAME        READY   STATUS             RESTARTS   AGE\n"
        "データベース-0   0/1     CrashLoopBackOff   3          1h\n"
        + "NAME   READY   STATUS   RESTARTS   AGE   "
        + "X" * 5000
        + "\n"
    )
    result = parse(text)
    pods = result.snapshot().items("pods")
    assert pods and pods[0]["metadata"]["name"] == "データベース-0"
    assert re.match(r"^NAME", result.plain[-1][1])
