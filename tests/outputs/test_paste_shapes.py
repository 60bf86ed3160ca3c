"""Shapes of real pastes that used to lose their object: custom-resource tables with a READY column, ``get
endpoints`` rows, a StatefulSet describe told by its replica wording, a describe cut above its kind labels
(its events say the kind), author elisions and inline-code backticks inside a describe, and a describe's
cut Conditions table beside a ``get`` row of the same node. Sources: tests/data/outputs/SOURCES-kube.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.registry import parse_text

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs"


def sample(path: str) -> str:
    return (DATA / path).read_text(encoding="utf-8")


def findings(text: str) -> set[tuple[str, str]]:
    snap = parse_text(text).snapshot()
    return {(f.code, str(f.object)) for f in run_checks(snap, all_checks()) if f.code != "MEDIC001"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("kubectl-get/cert-manager-2376-get-cert-not-ready.txt", {("CP357", "Certificate/example.domain.com")}),
        ("kubectl-get/cert-manager-1886-get-certificate-staging.txt", {("CP357", "Certificate/letsencrypt-staging")}),
        ("kubectl-get/devopsboys-get-endpoints-none.txt", {("NET401", "Service/empty-svc")}),
        ("kubectl-describe/k8s-64500-describe-sts-v110.txt", set()),  # 3 desired, 3 running: healthy
    ],
)
def test_samples_give_exactly_these_findings(path: str, expected: set[tuple[str, str]]) -> None:
    assert findings(sample(path)) == expected


def test_certificate_table_row_is_its_ready_condition() -> None:
    snap = parse_text(sample("kubectl-get/cert-manager-1886-get-certificate-staging.txt")).snapshot()
    (cert,) = snap.objects["certificates"]
    assert cert["status"]["conditions"] == [{"type": "Ready", "status": "False"}]
    assert cert["metadata"]["name"] == "letsencrypt-staging" and cert["metadata"]["creationTimestamp"]


def test_endpoints_rows_keep_their_addresses() -> None:
    snap = parse_text(sample("kubectl-get/devopsboys-get-endpoints-none.txt")).snapshot()
    by_name = {e["metadata"]["name"]: e["subsets"] for e in snap.objects["endpoints"]}
    assert by_name["empty-svc"] == []
    assert [a["ip"] for a in by_name["my-app"][0]["addresses"]] == ["10.244.1.5", "10.244.2.3"]


def test_statefulset_told_by_its_replica_wording() -> None:
    snap = parse_text(sample("kubectl-describe/k8s-64500-describe-sts-v110.txt")).snapshot()
    assert list(snap.objects) == ["statefulsets"]
    assert snap.objects["statefulsets"][0]["spec"]["replicas"] == 3


def test_describe_cut_above_its_kind_labels_takes_the_kind_of_its_events() -> None:
    text = sample("kubectl-describe/k8s-96630-job-describe.txt")
    cut = text[text.index("Pod Template:") :]  # what is left when the paste starts at the pod template
    snap = parse_text(cut).snapshot()
    assert "jobs" in snap.objects
    assert {e["involvedObject"]["kind"] for e in snap.objects["events"]} == {"Job"}


def test_author_elisions_do_not_split_a_describe() -> None:
    lines = sample("kubectl-describe/k8s-64500-describe-sts-v110.txt").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Annotations:"))
    elided = "\n".join([*lines[:at], ".", ".", *lines[at:]])  # the author cut the annotations out
    assert [(b.kind, b.start_line, b.end_line) for b in parse_text(elided).blocks] == [("kubectl-describe", 2, 17)]


def test_inline_code_backtick_glued_to_the_first_label() -> None:
    lines = sample("kubectl-describe/k8s-64500-describe-sts-v110.txt").splitlines()[1:11]
    quoted = "`" + "\n".join(lines) + "\n`"
    snap = parse_text(quoted).snapshot()
    sts = snap.objects["statefulsets"][0]
    assert sts["metadata"]["name"] == "staging-neo4j" and sts["spec"]["replicas"] == 3


def test_a_cut_conditions_table_keeps_the_get_rows_ready_condition() -> None:
    nodes = sample("kubectl-get/deepops-355-nodes-notready.txt")
    # the head of a Conditions table of kubernetes/kubernetes#68542 (a node going NotReady), cut as pasted
    conditions = (
        "Conditions:\n"
        "  Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason"
        "                       Message\n"
        "  ----             ------  -----------------                 ------------------                ------"
        "                       -------\n"
        "  OutOfDisk        False   Wed, 12 Sep 2018 02:48:33 -0400   Wed, 12 Sep 2018 02:22:29 -0400   "
        "KubeletHasSufficientDisk     kubelet has sufficient disk space available\n"
        "  MemoryPressure   False   Wed, 12 Sep 2018 02:48:33 -0400   Wed, 12 Sep 2018 02:22:29 -0400   "
        "KubeletHasSufficientMemory   kubelet has sufficient memory available\n"
    )
    snap = parse_text(nodes + "\n" + conditions).snapshot()
    first = snap.objects["nodes"][0]
    types = [c["type"] for c in first["status"]["conditions"]]
    assert "Ready" in types and "MemoryPressure" in types
    assert ("NODE301", f"Node/{first['metadata']['name']}") in findings(nodes + "\n" + conditions)


@pytest.mark.parametrize(
    "path",
    ["kubectl-get/csi-nfs-257-pv-released-retain.txt", "kubectl-get/cert-manager-1886-get-certificate-staging.txt"],
)
def test_table_indented_as_a_markdown_code_block(path: str) -> None:
    text = sample(path)
    indented = "\n".join("    " + ln for ln in text.splitlines())
    assert [b.kind for b in parse_text(indented).blocks] == ["kubectl-get"]
    assert findings(indented) == findings(text) != set()


def test_custom_columns_put_each_cell_at_its_field() -> None:
    result = parse_text(sample("kubectl-get/k8s-docs-custom-columns.txt"))
    assert [b.kind for b in result.blocks] == ["kubectl-custom-columns"]
    assert result.snapshot().objects["pods"] == [
        {"metadata": {"name": "submit-queue", "resourceVersion": 610995}},
    ]


def test_custom_columns_field_selector_holds_for_every_row() -> None:
    # the docs' table under a command selecting by phase: every row is a Pending pod
    text = sample("kubectl-get/k8s-docs-custom-columns.txt").replace(
        "resourceVersion", "resourceVersion --field-selector status.phase=Pending", 1
    )
    (pod,) = parse_text(text).snapshot().objects["pods"]
    assert pod["status"] == {"phase": "Pending"} and pod["metadata"]["name"] == "submit-queue"


def test_events_in_custom_columns_get_their_kind_from_the_reason() -> None:
    # kubernetes/kubernetes#96630's and #60735's job events, re-printed as `get events -o custom-columns` prints
    # them for one object: the object's name from the field selector, its kind from the reason where the
    # reason tells it (SuccessfulCreate alone does not: ReplicaSets, Jobs, StatefulSets... send it)
    text = (
        "$ kubectl get events --field-selector involvedObject.name=test-job "
        "-o custom-columns=REASON:.reason,MESSAGE:.message\n"
        "REASON             MESSAGE\n"
        "SuccessfulCreate   Created pod: test-job-r5s6b\n"
        "BackoffLimitExceeded   Job has reached the specified backoff limit\n"
    )
    snap = parse_text(text).snapshot()
    assert [(e["involvedObject"].get("kind"), e["involvedObject"]["name"]) for e in snap.objects["events"]] == [
        (None, "test-job"),
        ("Job", "test-job"),
    ]
    assert findings(text) == {("WKL508", "Job/test-job")}


def test_event_row_whose_message_wrapped_onto_the_next_line() -> None:
    # the coderslingo rows without their header, each MESSAGE pushed onto its own line as a narrow
    # terminal (or a paste into a narrow box) wraps it
    rows = sample("kubectl-events/coderslingo-events-reflowed.txt").splitlines()[2:]
    cells = [row.split(" ", 4) for row in rows]
    wrapped = "\n".join(line for c in cells for line in (" ".join(c[:4]), c[4]))
    result = parse_text(wrapped)
    assert [b.kind for b in result.blocks] == ["kubectl-events"]
    assert [r["message"] for r in result.blocks[0].facts["events"]] == [c[4] for c in cells]
    assert findings(wrapped) == {("POD103", "Pod/api-server-7d9b4c6f8-xk2p9")}  # no -n: namespace not shown


def test_quoted_reply_and_html_entities_read_as_the_terminal_showed_them() -> None:
    # a reply quoting the paste (every line behind "> "), and the same table copied from a web page that
    # kept its entities (&lt;none&gt;, &nbsp;)
    text = sample("kubectl-get/k8s-86451-nodes-notready.txt")
    quoted = "\n".join("> " + ln for ln in text.splitlines())
    escaped = text.replace("<none>", "&lt;none&gt;").replace("   ", " &nbsp;&nbsp;")
    assert findings(quoted) == findings(escaped) == findings(text) != set()


def test_a_single_line_starting_with_a_quote_marker_is_left_alone() -> None:
    from medic.evidence.outputs.registry import unquote

    assert unquote(["> kubectl get pods", "NAME   READY"]) == ["> kubectl get pods", "NAME   READY"]
    assert unquote(["> a", "> > b", "c"]) == ["a", "b", "c"]
