"""Check outcomes: failed, passed, not evaluated (missing or forbidden kinds, a check that stopped on malformed
input) and skipped (deselected, out of scope), each with its reason, computed by the real registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from medic.checks.registry import REGISTRY, Check, Hit, all_checks, evaluate, kind_gap, needs, run_checks
from medic.diagnose import DiagnoseResult, diagnose, require_namespaces, require_something
from medic.errors import InputError
from medic.model import CheckResult, ObjectRef, Outcome, Severity, Snapshot

CHECKS = {c.code: c for c in all_checks()}


def crashing_pod(name: str = "api-0", ns: str = "shop") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "api", "image": "x"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 7,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
                }
            ],
        },
    }


def cluster(**objects: list[dict[str, Any]]) -> Snapshot:
    base: dict[str, list[dict[str, Any]]] = {"pods": [crashing_pod()], "events": [], "namespaces": []}
    base.update(objects)
    return Snapshot(objects=base, meta={"collected_at": "2026-11-20T03:00:00Z", "namespaces": "all", "skipped": []})


def picky(snap: Snapshot) -> Iterator[Hit]:
    """Yields a hit for each pod, and raises on a pod whose labels are not a mapping (a malformed object)."""
    for pod in snap.items("pods"):
        meta = pod["metadata"]
        yield Hit(ObjectRef("Pod", meta["namespace"], meta["name"]))
        meta.get("labels", {}).items()


PICKY = Check(
    code="TST901",
    severity=Severity.WARNING,
    title="test check that raises on a malformed pod",
    message="pod seen",
    looks_at=("pods",),
    links=(),
    doc="test",
    area="test",
    run=picky,
)


def test_a_check_that_raises_is_not_evaluated_and_the_others_go_on() -> None:
    bad = crashing_pod("bad-0")
    bad["metadata"]["labels"] = ["not", "a", "mapping"]
    snap = cluster(pods=[crashing_pod("api-0"), bad, crashing_pod("late-0")])
    run = evaluate(snap, [PICKY, CHECKS["POD101"]])
    picky_result = run.results["TST901"]
    # the hits made before it stopped are kept, and it is a failure that also says it stopped
    assert picky_result.outcome is Outcome.FAILED and picky_result.findings == 2
    assert picky_result.reason == "stopped on malformed input: AttributeError: 'list' object has no attribute 'items'"
    assert run.results["POD101"] == CheckResult("POD101", Outcome.FAILED, "", 3)
    only_bad = evaluate(cluster(pods=[bad]), [PICKY])
    # no namespace filter: the one hit made before the raise is kept; a filter that drops it leaves no failure
    only_filtered = evaluate(cluster(pods=[bad]), [PICKY], namespaces=["elsewhere"])
    assert only_bad.results["TST901"].outcome is Outcome.FAILED
    assert only_filtered.results["TST901"].outcome is Outcome.NOT_EVALUATED
    assert only_filtered.results["TST901"].reason.startswith("stopped on malformed input: AttributeError")


def test_run_checks_still_reports_a_stopped_check_as_medic001() -> None:
    bad = crashing_pod()
    bad["metadata"]["labels"] = 5
    findings = run_checks(cluster(pods=[bad]), [PICKY])
    assert [f.code for f in findings] == ["TST901", "MEDIC001"]
    assert findings[1].message.startswith("check TST901 could not run on this snapshot: stopped on malformed input")


def test_forbidden_and_missing_kinds_make_a_check_not_evaluated() -> None:
    snap = cluster()
    snap.meta["skipped"] = [{"kind": "secrets", "status": 403, "reason": "forbidden"}]
    run = evaluate(snap, [CHECKS["CP352"], CHECKS["PV201"], CHECKS["POD101"], CHECKS["QTA251"]])
    assert run.results["CP352"] == CheckResult("CP352", Outcome.NOT_EVALUATED, "403 on secrets", 0)
    assert run.results["PV201"] == CheckResult(
        "PV201",
        Outcome.NOT_EVALUATED,
        "no persistentvolumes in the snapshot; no persistentvolumeclaims in the snapshot",
        0,
    )
    assert run.results["POD101"].outcome is Outcome.FAILED
    assert run.results["QTA251"] == CheckResult("QTA251", Outcome.PASSED, "", 0)  # events collected, none bad


def test_a_kind_forbidden_in_one_namespace_names_it() -> None:
    snap = cluster(secrets=[])
    snap.meta["skipped"] = [{"kind": "secrets", "status": 403, "reason": "forbidden", "namespace": "kube-system"}]
    assert kind_gap(snap, "secrets") == "403 on secrets in namespace kube-system"
    assert kind_gap(snap, "secrets", ["kube-system", "shop"]) == "403 on secrets in namespace kube-system"
    assert kind_gap(snap, "secrets", ["shop"]) is None  # a namespace filter asks nothing of kube-system
    assert kind_gap(snap, "pods") is None


def test_supporting_alternative_and_optional_kinds() -> None:
    # events and logs only add evidence: a pod check runs without them
    assert needs(CHECKS["POD101"]) == [frozenset({"pods"})]
    # QTA251 reads nothing but events: then they are required
    assert needs(CHECKS["QTA251"]) == [frozenset({"events"})]
    # Endpoints stand in for EndpointSlices where discovery.k8s.io is not served; DataVolumes are an add-on
    assert frozenset({"endpointslices", "endpoints"}) in needs(CHECKS["NET401"])
    assert all("datavolumes" not in g for g in needs(CHECKS["PVC206"]))
    snap = cluster(services=[], endpoints=[])
    snap.meta["skipped"] = [{"kind": "endpointslices", "status": 404, "reason": "not served; endpoints instead"}]
    assert evaluate(snap, [CHECKS["NET401"]]).results["NET401"].outcome is Outcome.PASSED
    del snap.objects["endpoints"]
    assert evaluate(snap, [CHECKS["NET401"]]).results["NET401"].reason == (
        "no endpoints in the snapshot and 404 on endpointslices"
    )


def test_skipped_checks_say_why() -> None:
    snap = cluster(nodes=[])
    run = evaluate(
        snap,
        [CHECKS["POD101"], CHECKS["NODE305"], CHECKS["HOST601"]],
        selected=[CHECKS["POD101"], CHECKS["NODE305"], CHECKS["HOST601"]],
        namespaces=["shop"],
    )
    assert run.results["HOST601"] == CheckResult("HOST601", Outcome.SKIPPED, "no host facts in this snapshot", 0)
    assert run.results["NODE305"] == CheckResult(
        "NODE305", Outcome.SKIPPED, "about cluster-scoped nodes, outside the namespace filter", 0
    )
    assert run.results["POD101"].outcome is Outcome.FAILED
    deselected = evaluate(snap, [CHECKS["POD101"], CHECKS["NODE305"]], selected=[CHECKS["NODE305"]])
    assert deselected.results["POD101"] == CheckResult("POD101", Outcome.SKIPPED, "not selected by --checks", 0)
    host_only = Snapshot(host={"drbd": []})
    assert evaluate(host_only, [CHECKS["POD101"]]).results["POD101"].reason == "no Kubernetes objects in this snapshot"


def test_logs_of_a_collected_cluster_count_as_read() -> None:
    snap = cluster()
    assert kind_gap(snap, "logs") is None  # collected: no unhealthy container had logs to read
    pasted = Snapshot(objects={"pods": []}, meta={"partial": True, "collected_at": "2026-11-20T03:00:00Z"})
    assert kind_gap(pasted, "logs") == "no container logs in the snapshot"
    snap.meta["skipped"] = [{"kind": "logs", "status": 403, "reason": "3 log requests failed"}]
    assert kind_gap(snap, "logs") == "logs: 3 log requests failed"


def test_diagnose_result_summary_and_counts() -> None:
    snap = cluster()
    snap.meta["skipped"] = [{"kind": "secrets", "status": 403, "reason": "forbidden"}]
    result = diagnose(snap, None, codes=["POD", "CP35", "HOST601"])
    counts = result.outcomes()
    assert sum(counts.values()) == len(result.results) == len(REGISTRY)
    assert counts["failed"] == 1  # POD101
    assert {r.code for r in result.with_outcome(Outcome.NOT_EVALUATED)} >= {"CP352", "CP353"}
    summary = result.summary()
    assert summary.startswith(f"{len(REGISTRY)} checks: 1 failed, ")
    assert "not evaluated (" in summary and "403 on secrets" in summary
    assert f"{counts['skipped']} skipped (not selected by --checks" in summary


def test_nothing_to_check_and_unknown_namespaces_are_errors() -> None:
    empty = Snapshot(objects={"pods": [], "nodes": []}, meta={"skipped": [{"kind": "pods", "status": 404}]})
    want = r"^nothing to check: the bundle holds no objects \(1 listing\(s\) refused: 404\)$"
    with pytest.raises(InputError, match=want):
        require_something(empty)
    require_something(Snapshot(host={"drbd": [{"name": "r0"}]}))  # host facts are something to check
    snap = cluster(namespaces=[{"metadata": {"name": n}} for n in ("a", "b", "shop")])
    require_namespaces(snap, ["shop", "a"])
    with pytest.raises(InputError, match=r"^namespace nosuchns not found in the snapshot \(namespaces: a, b, shop\)$"):
        require_namespaces(snap, ["shop", "nosuchns"])
    with pytest.raises(InputError, match=r"it holds no namespaced objects"):
        require_namespaces(Snapshot(host={"drbd": [{}]}), ["x"])


def test_every_known_check_has_exactly_one_result() -> None:
    result: DiagnoseResult = diagnose(cluster(), None)
    assert [c.code for c in result.known] == sorted(result.results) == sorted(REGISTRY)
