"""API answers and controller event lines quoted in a paste (``api-error``): recognised anywhere in their line,
turned into the events and objects the checks read; exact findings on real samples (SOURCES-kube.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.api_errors import parse_line
from medic.evidence.outputs.registry import parse_text

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs" / "api-error"


def findings(text: str) -> set[tuple[str, str]]:
    snap = parse_text(text).snapshot()
    return {(f.code, str(f.object)) for f in run_checks(snap, all_checks()) if f.code != "MEDIC001"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # two webhooks refused at apply time, each on the Service its URL names
        (
            "capi-6115-webhook-no-endpoints.txt",
            {
                ("NET410", "Service/capi-system/capi-webhook-service"),
                ("NET410", "Service/capa-system/capa-webhook-service"),
            },
        ),
        ("jobset-67-webhook-one-line.txt", {("NET410", "Service/jobset-system/jobset-webhook-service")}),
        ("sealos-1741-failed-quota.txt", {("QTA251", "Pod/static-web")}),
        # the 1.2 API server's capitalised "Failed quota:" (it wrote "Exceeded quota:" too, until 1.9)
        ("svt-8-failed-quota-v12.txt", {("QTA251", "Pod/hellopods0")}),
        ("dmake-475-rollout-deadline.txt", {("WKL502", "Deployment/xxx")}),
        # 2016 scheduler log lines (Event(api.ObjectReference{...})): two pods never scheduled
        (
            "rancher-6926-klog-failedscheduling.txt",
            {
                ("SCH101", "Pod/vgcomputers/letsencrypt-client-4161631106-0gndm"),
                ("SCH101", "Pod/vgcomputers/storefront-4094408285-zawhq"),
            },
        ),
        # a job controller's Normal SuccessfulCreate line: recognised, nothing to report
        ("k8s-67859-klog-job-created.txt", set()),
    ],
)
def test_samples_give_exactly_these_findings(name: str, expected: set[tuple[str, str]]) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert [b.kind for b in parse_text(text).blocks] == ["api-error"]
    assert findings(text) == expected


def test_prefixes_before_the_answer_are_dropped() -> None:
    line = (DATA / "jobset-67-webhook-one-line.txt").read_text(encoding="utf-8").strip()
    item = parse_line("02:19:14        Error:    " + line)
    assert item is not None and item["message"].startswith("Error from server (InternalError)")
    bullet = parse_line("* " + line.split(": ", 2)[2])
    assert bullet is not None and bullet["message"].startswith("Internal error occurred: failed calling webhook")


def test_namespace_of_a_refused_object_comes_from_the_command() -> None:
    text = "$ kubectl apply -f test_pod.yaml -n shop\n" + (DATA / "sealos-1741-failed-quota.txt").read_text("utf-8")
    assert findings(text) == {("QTA251", "Pod/shop/static-web")}


def test_an_admission_denial_is_not_a_failed_call() -> None:
    # a webhook that answered "denied" worked: no block, no finding (uoe-eidf-cluster-users/eidf-epcc-cluster#26)
    text = (
        'Error from server (Forbidden): error when creating "test_NBody.yml": admission webhook '
        '"validation.gatekeeper.sh" denied the request: [userpodlimits] container <cudasample> has no cpu limit\n'
    )
    assert parse_text(text).blocks == [] and findings(text) == set()


def test_structured_klog_event_line() -> None:
    item = parse_line(
        'I0101 00:00:00.000000 1 event.go:291] "Event occurred" object="batch-ns/nightly" kind="Job" '
        'apiVersion="batch/v1" type="Warning" reason="DeadlineExceeded" message="Job was active longer than '
        'specified deadline"'
    )
    assert item == {
        "type": "event",
        "object": {"kind": "Job", "namespace": "batch-ns", "name": "nightly"},
        "event_type": "Warning",
        "reason": "DeadlineExceeded",
        "message": "Job was active longer than specified deadline",
    }


def test_a_json_document_quoting_a_refusal_is_not_an_answer() -> None:
    # the ReplicaFailure message of a Deployment's status, as a JSON member (the refusal is the condition's)
    line = (DATA / "sealos-1741-failed-quota.txt").read_text("utf-8").strip()
    member = '{"type": "ReplicaFailure", "status": "True", "message": ' + json.dumps(line) + "}"
    assert [b.kind for b in parse_text(member).blocks] != ["api-error"]
