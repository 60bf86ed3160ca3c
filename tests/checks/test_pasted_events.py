"""Checks on pasted events alone: a describe's Events table (or headerless event rows) cut from its object.

The events' subject kind comes from their reason or reporting component (``kinds.event_subject_kind``); the
checks that read pods, jobs and claims then run on the events of an object the paste does not show. Each
sample is a real paste (sources in tests/data/outputs/SOURCES-kube.md); each test asserts the exact findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.kinds import event_subject_kind
from medic.evidence.outputs.registry import parse_text

DESCRIBE = Path(__file__).resolve().parents[1] / "data" / "outputs" / "kubectl-describe"


def findings(name: str) -> set[tuple[str, str]]:
    snap = parse_text((DESCRIBE / name).read_text(encoding="utf-8")).snapshot()
    return {(f.code, str(f.object)) for f in run_checks(snap, all_checks()) if f.code != "MEDIC001"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # FailedScheduling rows, the latest 35 s old, the first 18 h: unschedulable
        ("intellij-kubernetes-778-events-failedscheduling.txt", {("SCH101", "Pod/(unnamed)")}),
        # headerless kubelet rows: ErrImagePull then ImagePullBackOff, nothing pulled since
        ("kubestr-66-events-imagepull-rows.txt", {("POD103", "Pod/(unnamed)")}),
        # describe job: the job controller's BackoffLimitExceeded
        ("k8s-60735-job-events-backofflimit.txt", {("WKL508", "Job/(unnamed)")}),
        # one ProvisioningFailed row of a claim (x9 over 8m)
        ("hardway-349-provisioningfailed-row.txt", {("PVC201", "PersistentVolumeClaim/(unnamed)")}),
        # 1.5-era FailedMount rows, no container started
        ("k8s-42004-events-old-format.txt", {("POD105", "Pod/glusterfs-bb-pod1")}),
        # the kubelet holding a crashed container back (x157 over 38m), the events cut after "..."
        ("tarantool-88-events-backoff.txt", {("POD101", "Pod/(unnamed)")}),
    ],
)
def test_events_alone_name_the_problem(name: str, expected: set[tuple[str, str]]) -> None:
    assert findings(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "radondb-524-events-scheduled-after-failure.txt",  # FailedScheduling, then Scheduled and started
        "keyvault-68-events-failedmount-2019.txt",  # FailedMount, then the container was created and started
    ],
)
def test_events_resolved_later_are_silent(name: str) -> None:
    assert findings(name) == set()


def test_crash_loop_from_events_names_the_one_container_started() -> None:
    snap = parse_text((DESCRIBE / "tarantool-88-events-backoff.txt").read_text(encoding="utf-8")).snapshot()
    (finding,) = [f for f in run_checks(snap, all_checks()) if f.code == "POD101"]
    assert finding.message == "container pim-storage is in CrashLoopBackOff (157 back-offs)"


def test_scheduling_failure_younger_than_a_minute_is_not_reported() -> None:
    text = (DESCRIBE / "intellij-kubernetes-778-events-failedscheduling.txt").read_text(encoding="utf-8")
    young = "\n".join(line for line in text.splitlines() if "x108" not in line)  # only the 35 s old row
    snap = parse_text(young).snapshot()
    assert [f.code for f in run_checks(snap, all_checks())] == []


def test_events_of_an_object_the_paste_shows_are_left_to_that_object() -> None:
    text = (DESCRIBE / "intellij-kubernetes-778-events-failedscheduling.txt").read_text(encoding="utf-8")
    # the same events under a Running pod's describe: the pod was scheduled since, nothing to report
    pod = "Name:         web-0\nNamespace:    default\nNode:         node-1/10.0.0.1\nStatus:       Running\n"
    snap = parse_text(pod + text).snapshot()
    assert {f.code for f in run_checks(snap, all_checks())} == set()


@pytest.mark.parametrize(
    ("reason", "component", "kind"),
    [
        ("FailedScheduling", "default-scheduler", "Pod"),
        ("Failed", "kubelet, node-1", "Pod"),
        ("NodeNotReady", "node-controller", "Node"),
        ("Starting", "kubelet, node-1", "Node"),
        ("BackoffLimitExceeded", "job-controller", "Job"),
        ("SuccessfulCreate", "replicaset-controller", "ReplicaSet"),
        ("SuccessfulCreate", "statefulset-controller", "StatefulSet"),
        ("FailedBinding", "persistentvolume-controller", "PersistentVolumeClaim"),
        ("Issuing", "cert-manager", "Certificate"),
        ("Custom", "my-operator", ""),
    ],
)
def test_event_subject_kind(reason: str, component: str, kind: str) -> None:
    assert event_subject_kind(reason, component) == kind


def test_a_pod_shown_without_its_state_leaves_the_decision_to_its_events() -> None:
    # the tail of a describe pod: its Node-Selectors/Tolerations lines above the real events table build a
    # pod without status; the FailedMount rows still decide
    text = (DESCRIBE / "k8s-42004-events-old-format.txt").read_text(encoding="utf-8")
    tail = "Node-Selectors:  <none>\nTolerations:     <none>\n" + text[text.index("Events:") :]
    snap = parse_text(tail).snapshot()
    assert [p.get("status") for p in snap.objects["pods"]] == [{}]
    assert {f.code for f in run_checks(snap, all_checks())} == {"POD105"}
