"""Recognition by shape (issue #12): prompts, describes without ``Name:`` at column 0, fragments of objects,
rows without header, and the assemble step (ages, unnamed objects and events, duplicates). The texts are
written for Medic in the layouts kubectl prints; the real samples are under tests/data/outputs."""

from __future__ import annotations

from typing import Any

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.assemble import UNNAMED
from medic.evidence.outputs.fragments import close_json, kind_of_status
from medic.evidence.outputs.registry import ParseResult, parse_text
from medic.evidence.prompt import prompt_command
from medic.model import Snapshot


def kinds(result: ParseResult) -> list[str]:
    return [b.kind for b in result.blocks]


def names(snap: Snapshot, resource: str) -> list[tuple[str, str]]:
    out = []
    for o in snap.items(resource):
        md = o.get("metadata") or {}
        out.append((str(md.get("namespace") or ""), str(md.get("name") or "")))
    return out


def codes(snap: Snapshot) -> set[str]:
    return {f.code for f in run_checks(snap, all_checks())}


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("$ kubectl get pods", "kubectl get pods"),
        ("[root@master-1 ~]# kubectl get nodes", "kubectl get nodes"),
        ("[root@master-1 ~]#kubectl get nodes", "kubectl get nodes"),
        ("#kubectl get nodes", "kubectl get nodes"),
        ("kc get nodes", "kc get nodes"),
        ("k describe pod web-0", "k describe pod web-0"),
        ("$>kubectl get cert", "kubectl get cert"),
        ("bash-4.2$ kubectl get deploy", "kubectl get deploy"),
        ("(base) [ops@box dir]$ kubectl get po", "kubectl get po"),
        ("➜  ~ k get pod", "k get pod"),
        ("> > kubectl get nodes", "kubectl get nodes"),
        ("`kubectl get sts`", "kubectl get sts"),
        ("kubectl get pods -n shop", "kubectl get pods -n shop"),
        ("Every 2.0s: kubectl get pods          Mon Mar  4 10:00:00 2019", "kubectl get pods"),
        ("k is for kubernetes", None),
        ("## Logs", None),
        ("helm                                    [OK]", None),
        ("NAME   READY   STATUS", None),
    ],
)
def test_any_line_starting_with_a_known_cli_is_a_command(line: str, command: str | None) -> None:
    assert prompt_command(line) == command


def test_indented_tab_separated_describe_with_a_damaged_first_label() -> None:
    text = (
        "the pod:\n\n"
        "    ame:\t\tweb-1\n"
        "    Namespace:\tshop\n"
        "    Status:\t\tRunning\n"
        "    Containers:\n"
        "      web:\n"
        "        State:\t\tWaiting\n"
        "          Reason:\tCrashLoopBackOff\n"
        "        Last State:\tTerminated\n"
        "          Reason:\tOOMKilled\n"
        "          Exit Code:\t137\n"
        "        Ready:\t\tFalse\n"
        "        Restart Count:\t9\n"
    )
    result = parse_text(text)
    assert kinds(result) == ["kubectl-describe"]
    snap = result.snapshot()
    assert names(snap, "pods") == [("shop", "web-1")]
    assert "POD102" in codes(snap)  # (the OOM kill explains the crash loop)


def test_one_label_is_not_a_describe() -> None:
    assert kinds(parse_text("Status: all good\n")) == []


def test_headerless_describe_event_rows_attach_to_the_scheduled_pod() -> None:
    text = (
        "  Normal   Scheduled  5m                 default-scheduler  Successfully assigned shop/web-2 to node-1\n"
        "  Warning  BackOff    2m (x9 over 4m)    kubelet            Back-off restarting failed container\n"
    )
    snap = parse_text(text).snapshot()
    involved = {(e["involvedObject"]["kind"], e["involvedObject"]["name"]) for e in snap.items("events")}
    assert involved == {("Pod", "web-2")}


def test_legacy_events_without_type_column_are_read() -> None:
    text = (
        "Name:\t\tweb-3\nStatus:\t\tPending\nNode:\t\t/\nEvents:\n"
        "  FirstSeen\t\t\t\tLastSeen\t\t\tCount\tFrom\t\tSubobjectPath\tReason\t\t\tMessage\n"
        "  Thu, 09 Jul 2015 23:56:21 -0700\tFri, 10 Jul 2015 00:01:30 -0700\t21\t{scheduler }\t\t\t"
        "failedScheduling\tFailed for reason PodFitsResources and possibly others\n"
    )
    result = parse_text(text)
    snap = result.snapshot()
    (ev,) = snap.items("events")
    assert (ev["type"], ev["reason"], ev["count"]) == ("Warning", "FailedScheduling", 21)
    assert ev["lastTimestamp"] == "2015-07-10T07:01:30Z"
    assert snap.meta["collected_at"] == "2015-07-10T07:01:30Z"  # ages count from the paste's own time
    assert "SCH101" in codes(snap)


def test_service_describe_builds_its_empty_endpoints() -> None:
    text = (
        "Name:              api\nNamespace:         shop\nSelector:          app=api\nType:              ClusterIP\n"
        "IP:                10.0.0.7\nPort:              http  80/TCP\nEndpoints:         <none>\n"
        "Session Affinity:  None\n"
    )
    snap = parse_text(text).snapshot()
    assert snap.items("services")[0]["spec"]["selector"] == {"app": "api"}
    assert snap.items("endpoints") == [{"metadata": {"name": "api", "namespace": "shop"}, "subsets": []}]


@pytest.mark.parametrize(
    ("text", "resource", "field", "value"),
    [
        ("Name:         gone\nLabels:       <none>\nStatus:       Terminating\n", "namespaces", "phase", "Terminating"),
        (
            "Name:                   api\nNamespace:              shop\n"
            "Replicas:               3 desired | 3 updated | 3 total | 0 available | 3 unavailable\n"
            "StrategyType:           RollingUpdate\nConditions:\n  Type           Status  Reason\n"
            "  ----           ------  ------\n  Available      False   MinimumReplicasUnavailable\n"
            "  Progressing    False   ProgressDeadlineExceeded\n",
            "deployments",
            "availableReplicas",
            0,
        ),
    ],
)
def test_describe_builds_every_kind(text: str, resource: str, field: str, value: Any) -> None:
    (obj,) = parse_text(text).snapshot().items(resource)
    assert obj["status"][field] == value


def test_custom_resource_describe_keeps_its_status_tree() -> None:
    text = (
        "Name:         site\nNamespace:    web\nAPI Version:  cert-manager.io/v1\nKind:         Certificate\n"
        "Spec:\n  Dns Names:\n    a.example.org\n  Secret Name:  site-tls\nStatus:\n  Conditions:\n"
        "    Last Transition Time:  2021-03-01T10:00:00Z\n    Message:               Issuing certificate\n"
        "    Reason:                DoesNotExist\n    Status:                False\n    Type:                  Ready\n"
    )
    (cert,) = parse_text(text).snapshot().items("certificates")
    assert cert["spec"] == {"dnsNames": ["a.example.org"], "secretName": "site-tls"}
    assert [(c["type"], c["status"], c["reason"]) for c in cert["status"]["conditions"]] == [
        ("Ready", "False", "DoesNotExist")
    ]


def test_bare_status_yaml_is_a_pod_fragment_named_by_its_command() -> None:
    text = (
        "$ kubectl get pod web-4 -n shop -o yaml | grep -A20 status\n"
        'status:\n  phase: Pending\n  conditions:\n  - type: PodScheduled\n    status: "False"\n'
        "    reason: Unschedulable\n    message: '0/3 nodes are available: 3 Insufficient memory.'\n"
    )
    snap = parse_text(text).snapshot()
    assert names(snap, "pods") == [("shop", "web-4")]
    assert "SCH101" in codes(snap)


def test_node_conditions_array_from_the_api_is_named_by_its_path() -> None:
    text = (
        "$ curl -s http://127.0.0.1:8001/api/v1/nodes/worker-9 | jq .status.conditions\n[\n"
        '  {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG is not healthy"}\n]\n'
    )
    snap = parse_text(text).snapshot()
    assert names(snap, "nodes") == [("", "worker-9")]
    assert "NODE301" in codes(snap)


def test_json_member_cut_short_is_closed() -> None:
    text = (
        '        "containerStatuses": [\n            {\n                "name": "app",\n'
        '                "restartCount": 3,\n'
        '                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},\n'
        '                "imageID": "docker-pullable://app@sha256:1"\n'
    )
    result = parse_text(text)
    assert kinds(result) == ["kubectl-json"]
    assert result.blocks[0].facts["repaired"]
    (pod,) = result.snapshot().items("pods")
    assert pod["metadata"]["name"] == UNNAMED
    assert pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"] == "OOMKilled"


def test_close_json_closes_what_is_open() -> None:
    assert close_json('{"a": [1, {"b": 2},') == '{"a": [1, {"b": 2}]}'
    assert close_json('{"a": 1}') == '{"a": 1}'


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ({"conditions": [{"type": "MemoryPressure", "status": "True"}]}, "nodes"),
        ({"conditions": [{"type": "Progressing", "status": "False"}]}, "deployments"),
        # a Deployment that timed out rolling out is not a Job past its deadline
        (
            {"conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]},
            "deployments",
        ),
        ({"conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]}, "jobs"),
        ({"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}, "jobs"),
        ({"failed": 3, "startTime": "2020-01-01T00:00:00Z"}, "jobs"),
        ({"phase": "Terminating"}, "namespaces"),
        ({"phase": "Failed", "reason": "Evicted"}, "pods"),
    ],
)
def test_kind_of_a_status_from_its_fields(status: dict[str, Any], kind: str) -> None:
    assert kind_of_status(status) == kind


def test_rows_without_header_or_command_by_their_columns() -> None:
    text = (
        "web-ns   Terminating   12d\n\n"
        "kube-system   coredns-1   0/1   CrashLoopBackOff   7 (2m ago)   19m\n"
        "default       web-2       1/1   Running            0            3d\n\n"
        "NAME      STATUS     AGE\nnode-a    Ready      20d\nnode-b    NotReady   20d\n"
    )
    snap = parse_text(text).snapshot()
    assert names(snap, "namespaces") == [("", "web-ns")]
    assert names(snap, "pods") == [("kube-system", "coredns-1"), ("default", "web-2")]
    assert names(snap, "nodes") == [("", "node-a"), ("", "node-b")]
    assert {"POD101", "NODE301", "HYG701"} <= codes(snap)


def test_event_rows_without_header() -> None:
    text = "5m   Warning   Unhealthy   pod/web-5   Readiness probe failed: HTTP probe failed with statuscode: 503\n"
    result = parse_text(text)
    assert kinds(result) == ["kubectl-events"]
    (ev,) = result.snapshot().items("events")
    assert ev["involvedObject"] == {"kind": "Pod", "name": "web-5"}


def test_get_row_and_describe_of_one_pod_are_one_object() -> None:
    text = (
        "$ kubectl get pods\nNAME    READY   STATUS             RESTARTS   AGE\n"
        "web-6   0/1     CrashLoopBackOff   4          10m\n\n"
        "$ kubectl describe pod web-6\nName:         web-6\nNamespace:    default\nStatus:       Running\n"
        "Containers:\n  web:\n    State:          Waiting\n      Reason:       CrashLoopBackOff\n"
        "    Restart Count:  4\n"
    )
    snap = parse_text(text).snapshot()
    assert names(snap, "pods") == [("default", "web-6")]
    findings = [f for f in run_checks(snap, all_checks()) if f.code == "POD101"]
    assert len(findings) == 1


def test_condition_rows_without_header_are_a_node_fragment() -> None:
    text = (
        "  MemoryPressure   True    Mon, 01 Feb 2021 10:00:00 +0000   Wed, 20 Jan 2021 10:00:00 +0000   "
        "KubeletHasInsufficientMemory   kubelet has insufficient memory available\n"
        "  DiskPressure     False   Mon, 01 Feb 2021 10:00:00 +0000   Wed, 20 Jan 2021 10:00:00 +0000   "
        "KubeletHasNoDiskPressure       kubelet has no disk pressure\n"
    )
    snap = parse_text(text).snapshot()
    assert names(snap, "nodes") == [("", UNNAMED)]
    assert codes(snap) == {"NODE303"}


def test_one_container_of_a_describe_is_a_pod_fragment() -> None:
    text = (
        "    State:          Waiting\n      Reason:       CrashLoopBackOff\n"
        "    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n"
        "    Ready:          False\n    Restart Count:  12\n"
    )
    (pod,) = parse_text(text).snapshot().items("pods")
    (cs,) = pod["status"]["containerStatuses"]
    assert (cs["state"], cs["restartCount"]) == ({"waiting": {"reason": "CrashLoopBackOff"}}, 12)
