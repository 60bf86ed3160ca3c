"""Mechanisms a class of real pastes needed (issue 12, measured on bench/paste_train/): each test reads a real
paste and asserts the exact findings the partial snapshot gives.

Samples under tests/data/outputs/ (sources in SOURCES-kube.md), and, where no second thread of the shape was
found, the paste training set itself (bench/paste_train/cases/, sources in its SOURCES.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.registry import ParseResult, parse_text

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "outputs"
TRAIN = ROOT / "bench" / "paste_train" / "cases"


def parsed(path: Path) -> ParseResult:
    return parse_text(path.read_text(encoding="utf-8"))


def findings(path: Path) -> set[tuple[str, str]]:
    snap = parsed(path).snapshot()
    return {(f.code, str(f.object)) for f in run_checks(snap, all_checks()) if f.code != "MEDIC001"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # a node describe whose Conditions table was cut after its first row: the unreachable taint and the
        # NodeStatusUnknown the node controller wrote on every condition say what the missing Ready row said
        (DATA / "kubectl-describe" / "k8s-77981-node-unreachable-cut.txt", {("NODE302", "Node/k8s-worker2")}),
        (TRAIN / "notready_rancher_29997.txt", {("NODE302", "Node/(node-2-ip)")}),  # cut above Conditions
        (TRAIN / "notready_k8s_32522.txt", {("NODE302", "Node/gke-cluster-1-default-pool-777adf16-w20k")}),
        # a stale OutOfDisk Unknown row beside Ready True: nothing
        (TRAIN / "healthy_k8s_73397.txt", set()),
        # a describe's Events block alone: the kubelet's CreateContainerConfigError message
        (
            DATA / "kubectl-describe" / "cluster-monitoring-21-events-secret-not-found.txt",
            {("POD104", "Pod/(unnamed)")},
        ),
        # headerless ``get events -o wide`` rows: the MESSAGE column split from SUBOBJECT, SOURCE and the tail
        (
            DATA / "kubectl-events" / "duyet-charts-241-wide-rows.txt",
            {("POD107", "Pod/uptime-kuma-6in4allybz-594c865d76-cb5bh")},
        ),
        # 1.5-era FailedSync rows that wrap the kubelet's crash-loop back-off
        (DATA / "kubectl-events" / "origin-7824-failedsync-crashloop-v12.txt", {("POD101", "Pod/postgresql-1-t199e")}),
        # a container's part of a describe: Last State Error 137 with one restart, ready now: nothing
        (DATA / "kubectl-describe" / "k8s-122256-container-last-state.txt", set()),
        # a bare ``Last State:`` block: how the container last ended
        (TRAIN / "oomkilled_gimlet_649.txt", {("POD102", "Pod/(unnamed)")}),
        # a described Event object whose Reason line was cut: the scheduler's message names the reason
        (TRAIN / "unsched_sapcc_548.txt", {("SCH101", "Pod/default/resource-test-bdfcd9f5-g8jq5")}),
        # one tab-separated 1.7 describe event row without its header
        (TRAIN / "unsched_k8s_53465.txt", {("SCH101", "Pod/(unnamed)")}),
        # the 1.7 FirstSeen/LastSeen table without its "Events:" line, its dashed rule and rows
        (
            TRAIN / "mount_ubiquity_56.txt",
            {("POD105", "Pod/default-nginx-with-ubiquity-nginx-with-ubiquity-4248045469xxt70")},
        ),
        # an event row set in markdown bold by its author
        (TRAIN / "readiness_crunchy_2736.txt", {("POD107", "Pod/(unnamed)")}),
        # custom-columns rows without header: the eviction manager's message in the MESSAGE cell
        (TRAIN / "evicted_operate_first_1352.txt", {("SCH102", "Pod/(unnamed)")}),
        # a kubelet Evicted row beside a node's Capacity: the row is about a pod, not the node
        (TRAIN / "evicted_k8s_91600.txt", {("SCH102", "Pod/(unnamed)")}),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_paste_shape_gives_exact_findings(path: Path, expected: set[tuple[str, str]]) -> None:
    assert findings(path) == expected


def test_last_state_fragment_builds_the_last_termination_only() -> None:
    snap = parsed(TRAIN / "oomkilled_gimlet_649.txt").snapshot()
    (pod,) = snap.objects["pods"]
    (cs,) = pod["status"]["containerStatuses"]
    assert cs["state"] == {} and cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert "containers" not in pod["spec"]  # an unnamed fragment says nothing of the spec (no limit known)


def test_flattened_describe_keeps_the_states_fields() -> None:
    """A describe whose indentation was lost: a state's Reason, Exit Code, Started and Finished follow it."""
    snap = parsed(DATA / "kubectl-describe" / "k8s-93826-describe-flattened.txt").snapshot()
    (pod,) = snap.objects["pods"]
    (cs,) = pod["status"]["containerStatuses"]
    assert cs["state"] == {"running": {"startedAt": "2020-08-09T06:47:29Z"}}
    assert cs["lastState"]["terminated"] == {
        "reason": "Error",
        "exitCode": 1,
        "startedAt": "2020-08-09T06:42:19Z",
        "finishedAt": "2020-08-09T06:46:06Z",
    }
    assert (cs["restartCount"], cs["ready"]) == (19, True)


def test_wide_event_row_columns() -> None:
    (block,) = parsed(DATA / "kubectl-events" / "duyet-charts-241-wide-rows.txt").blocks
    row = block.facts["events"][1]
    assert row["field_path"] == "spec.containers{uptime-kuma}"
    assert row["source"] == "kubelet, chart-testing-control-plane"
    assert row["message"].startswith("Readiness probe failed: Get ") and row["message"].endswith("connection refused")
    assert (row["first_age"], row["count"]) == ("6s", 1)


def test_described_event_object() -> None:
    snap = parsed(TRAIN / "unsched_sapcc_548.txt").snapshot()
    (ev,) = snap.objects["events"]
    assert ev["involvedObject"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "name": "resource-test-bdfcd9f5-g8jq5",
        "namespace": "default",
        "resourceVersion": "158624276",
        "uid": "10dafd77-230b-11e9-8472-22d09ddc4668",
    }
    assert (ev["reason"], ev["type"], ev["count"]) == ("FailedScheduling", "Warning", 12)
    assert ev["lastTimestamp"] == "2019-01-28T14:45:34Z"


def test_get_events_rows_are_not_describe_rows() -> None:
    """Old ``get events`` rows (NAME and KIND between the count and the type) stay ``get events`` rows."""
    result = parsed(DATA / "kubectl-events" / "origin-7824-failedsync-crashloop-v12.txt")
    assert [b.kind for b in result.blocks] == ["kubectl-events", "kubectl-events"]
    assert result.blocks[0].facts["events"][0]["source"] == "{kubelet node238.localnet.net}"


def test_bold_markers_are_not_output() -> None:
    assert [b.kind for b in parse_text("**Warning  Unhealthy  2m  kubelet  Readiness probe failed: x**").blocks] == [
        "kubectl-describe"
    ]
    # a line with bold words inside stays as it is
    assert parse_text("**Note** the pod **restarted**").blocks == []


OUTPUTS = ROOT / "bench" / "paste_train" / "outputs"  # real outputs, sources in its SOURCES.md


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # a kubelet message quoted in a sentence (inline code, italics) or after its reason word, as a UI row shows
        ("event-messages/k8s-93563-mount-timeout-inline.txt", {("POD105", "Pod/(unnamed)")}),
        ("event-messages/cd-on-k8s-82-failedsync-italic.txt", {("POD101", "Pod/(unnamed)")}),
        ("event-messages/scheduler-1-failedsync-line.txt", {("POD101", "Pod/(unnamed)")}),
        # 1.2 ``get events --all-namespaces`` rows: NAMESPACE first
        (
            "kubectl-events/k8s-25149-events-ns-first-v12.txt",
            {("POD107", "Pod/rkoubsky/basic-sti-1-p7jnr"), ("POD108", "Pod/rkoubsky/basic-sti-1-p7jnr")},
        ),
        # etcd 2 cluster-health that could not list the members: every endpoint it tried is down
        (
            "etcdctl-endpoint/etcd-10521-cluster-health-v2-failed.txt",
            {("HOST640", "EtcdMember/http://127.0.0.1:2379"), ("HOST640", "EtcdMember/127.0.0.1:4001")},
        ),
        # the API's answer quoted in a JSON string (escaped quotes), once even when a log repeats it
        ("api-error/kserve-3102-http-response-body.txt", {("NET410", "Service/kserve/kserve-webhook-server-service")}),
        ("api-error/kubeblocks-1795-controller-log-webhook.txt", {("NET410", "Service/kb-system/kubeblocks")}),
        # 1.5-1.13 ``get events`` rows name the event (object.hex): the pod is the object
        ("kubectl-events/openshift-ansible-10203-old-rows.txt", {("SCH101", "Pod/httpd-1-ldnzz")}),
        # an RBAC refusal and a top table behind a frame glyph are recognised and are no finding
        ("api-error/keel-290-helm-init-forbidden.txt", set()),
        ("kubectl-top/mcp-server-420-top-swap-framed.txt", set()),
    ],
)
def test_output_shape_gives_exact_findings(name: str, expected: set[tuple[str, str]]) -> None:
    path = OUTPUTS / name
    assert path.parent.name in [b.kind for b in parsed(path).blocks]
    assert findings(path) == expected


def test_message_quoted_in_prose_is_cut_at_its_closing_marker() -> None:
    (block,) = parsed(OUTPUTS / "event-messages" / "cd-on-k8s-82-failedsync-italic.txt").blocks
    (ev,) = block.facts["events"]
    assert ev["reason"] == "FailedSync" and ev["message"].endswith('(a4b07e8b-4c5d-11e7-836a-42010a8000a5)"')


def test_prose_naming_no_kubelet_message_is_no_event() -> None:
    for text in ("run `kubectl get pods` and look for _errors_", "the `Readiness probe` is set to /healthz"):
        assert "event-messages" not in [b.kind for b in parse_text(text).blocks], text


def test_old_event_rows_keep_their_namespace() -> None:
    blocks = parsed(OUTPUTS / "kubectl-events" / "k8s-25149-events-ns-first-v12.txt").blocks
    rows = [r for b in blocks for r in b.facts["events"]]
    assert {(r["namespace"], r["name"], r["source"]) for r in rows} == {
        ("rkoubsky", "basic-sti-1-p7jnr", "{kubelet ip-XXXX}")
    }


def test_rbac_refusal_item() -> None:
    (block,) = parsed(OUTPUTS / "api-error" / "keel-290-helm-init-forbidden.txt").blocks
    (item,) = block.facts["items"]
    assert (item["type"], item["status"], item["object"]["kind"]) == ("refusal", "Forbidden", "ConfigMap")


def test_framed_top_rows() -> None:
    (block,) = parsed(OUTPUTS / "kubectl-top" / "mcp-server-420-top-swap-framed.txt").blocks
    assert [(r["name"], r["cpu_percent"]) for r in block.facts["rows"]] == [
        ("ip-10-0-10-197.ec2.internal", 15),
        ("ip-10-0-151-28.ec2.internal", 10),
    ]


def test_webhook_name_read_from_an_escaped_answer() -> None:
    (block,) = parsed(OUTPUTS / "api-error" / "kserve-3102-http-response-body.txt").blocks
    (item,) = block.facts["items"]
    assert 'failed calling webhook "inferenceservice.kserve-webhook-server.defaulter"' in item["message"]
