"""Checks on a partial snapshot (pasted output): what reasons from missing objects never runs there, and
ages are measured from the moment the paste shows, not from today."""

from __future__ import annotations

from typing import Any

from medic.checks.kube import snapshot_time, too_recent
from medic.checks.registry import all_checks, evaluate
from medic.model import Outcome, Snapshot

CHECKS = {c.code: c for c in all_checks()}

# a Pending pod row of `kubectl get pods` (no events pasted with it), 3 days old
PENDING_ROW: dict[str, Any] = {
    "metadata": {"name": "mysql-0", "namespace": "db", "creationTimestamp": "2019-12-01T10:00:00Z"},
    "spec": {},
    "status": {"phase": "Pending"},
}


def _snap(partial: bool, **objects: list[dict[str, Any]]) -> Snapshot:
    meta: dict[str, Any] = {"collected_at": "2019-12-04T10:00:00Z"}
    if partial:
        meta["partial"] = True
    return Snapshot(objects=dict(objects), meta=meta)


def test_absence_checks_are_declared() -> None:
    declared = {c.code for c in CHECKS.values() if c.absent}
    assert {"SCH103", "SCH104", "SCH105", "NET408"} <= declared


def test_no_scheduling_attempt_is_not_claimed_from_a_paste() -> None:
    checks = [CHECKS["SCH104"]]
    full = evaluate(_snap(False, pods=[PENDING_ROW], events=[]), checks)
    assert [f.code for f in full.findings] == ["SCH104"]  # a complete listing: no event is evidence
    pasted = evaluate(_snap(True, pods=[PENDING_ROW]), checks)
    assert pasted.findings == []
    assert pasted.results["SCH104"].outcome is Outcome.SKIPPED
    assert "partial snapshot" in pasted.results["SCH104"].reason


def test_events_listing_skipped_in_the_namespace_proves_nothing() -> None:
    snap = _snap(False, pods=[PENDING_ROW], events=[])
    snap.meta["skipped"] = [{"kind": "events", "namespace": "db", "status": 403}]
    assert evaluate(snap, [CHECKS["SCH104"]]).findings == []


def test_every_absence_check_is_skipped_on_a_paste() -> None:
    snap = _snap(True, pods=[PENDING_ROW], nodes=[{"metadata": {"name": "n1"}}], events=[])
    run = evaluate(snap, [c for c in CHECKS.values() if c.absent])
    assert run.findings == []
    assert {r.outcome for r in run.results.values()} == {Outcome.SKIPPED}


def test_a_paste_is_measured_from_its_newest_time() -> None:
    snap = Snapshot(
        objects={
            "events": [{"metadata": {"name": "e"}, "lastTimestamp": "2019-12-04T09:00:00Z"}],
            "pods": [{"metadata": {"name": "p", "creationTimestamp": "2019-12-01T09:00:00Z"}}],
        },
        meta={"partial": True},
    )
    assert snapshot_time(snap).isoformat() == "2019-12-04T09:00:00+00:00"


def test_a_pasted_reference_time_wins_and_a_full_snapshot_keeps_its_collection_time() -> None:
    pasted = Snapshot(meta={"partial": True, "reference_time": "2020-01-01T00:00:00Z"})
    assert snapshot_time(pasted).isoformat() == "2020-01-01T00:00:00+00:00"
    full = Snapshot(
        objects={"events": [{"metadata": {"name": "e"}, "lastTimestamp": "2031-01-01T00:00:00Z"}]},
        meta={"collected_at": "2030-01-01T00:00:00Z"},
    )
    assert snapshot_time(full).isoformat() == "2030-01-01T00:00:00+00:00"


def test_grace_periods_apply_only_where_the_paste_anchors_its_time() -> None:
    assert too_recent(Snapshot(meta={"collected_at": "2020-01-01T00:00:00Z"}), 30, 60)
    assert too_recent(Snapshot(meta={"partial": True, "collected_at": "2020-01-01T00:00:00Z"}), 30, 60)
    assert not too_recent(Snapshot(meta={"partial": True}), 30, 60)  # its own newest time: proves nothing
    assert not too_recent(Snapshot(meta={}), 90, 60)
    assert not too_recent(Snapshot(meta={}), None, 60)
