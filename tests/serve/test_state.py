"""The inbox and incidents database: real SQLite files, real threads."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from medic.serve.alerts import alertmanager_events, zabbix_events
from medic.serve.state import CLAIM_LEASE_S, STALE_AFTER_S, State, StateError

DATA = Path(__file__).parent / "data"


def payload(status: str = "firing", ends: str = "0001-01-01T00:00:00Z") -> dict:
    p = json.loads((DATA / "alertmanager-firing.json").read_text())
    for a in p["alerts"]:
        a["status"] = status
        a["endsAt"] = ends
    return p


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each case runs on both backends: a SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    return str(request.getfixturevalue("pg_url"))


def test_same_alert_twice_is_stored_once(where: str) -> None:
    state = State(where)
    first = state.accept(alertmanager_events(payload()))
    again = state.accept(alertmanager_events(payload()))
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (0, 2)
    assert first.incidents == again.incidents
    assert [(i["count"], i["status"]) for i in state.incidents()] == [(1, "firing"), (1, "firing")]
    assert state.depth() == 2


def test_resolved_closes_and_a_late_firing_does_not_reopen(where: str) -> None:
    state = State(where)
    state.accept(alertmanager_events(payload()))
    state.accept(alertmanager_events(payload("resolved", "2026-12-01T05:00:00Z")))
    assert {i["status"] for i in state.incidents()} == {"resolved"}
    # an older firing notification delivered late (out of order) does not undo the resolution
    old = payload()
    for a in old["alerts"]:
        a["startsAt"] = "2026-12-01T02:00:00Z"
    state.accept(alertmanager_events(old))
    assert {i["status"] for i in state.incidents()} == {"resolved"}
    # a new firing after the resolution reopens it and counts a second occurrence
    new = payload()
    for a in new["alerts"]:
        a["startsAt"] = "2026-12-01T06:00:00Z"
    state.accept(alertmanager_events(new))
    assert {(i["status"], i["count"]) for i in state.incidents()} == {("firing", 3)}


def test_zabbix_retry_is_a_duplicate_and_recovery_resolves(where: str) -> None:
    state = State(where)
    problem = {"event_id": "99", "event_value": "1", "event_name": "Zabbix agent is not available", "host": "h"}
    a = state.accept(zabbix_events(problem))
    b = state.accept(zabbix_events(problem))
    c = state.accept(zabbix_events({**problem, "event_value": "0"}))
    assert (a.accepted, b.duplicates, c.accepted) == (1, 1, 1)
    assert a.incidents == b.incidents == c.incidents
    (incident,) = state.incidents()
    assert incident["status"] == "resolved"


def test_concurrent_deliveries_make_one_incident_per_alert(where: str) -> None:
    state = State(where)
    results = []

    def deliver() -> None:
        results.append(state.accept(alertmanager_events(payload())))

    threads = [threading.Thread(target=deliver) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.accepted for r in results) == 2
    assert sum(r.duplicates for r in results) == 30
    assert len(state.incidents()) == 2


def test_claim_finish_and_a_lapsed_claim_is_taken_again(where: str) -> None:
    state = State(where)
    state.accept(alertmanager_events(payload()))
    claimed = state.claim()
    assert len(claimed) == 2 and state.claim() == []
    state.finish(claimed[0], {"matches": []})
    # the second worker "died": its claim lapses and the row is taken again
    state._q("UPDATE inbox SET claimed_at = claimed_at - ?", (CLAIM_LEASE_S + 1,))
    again = state.claim()
    assert [c.inbox_id for c in again] == [claimed[1].inbox_id]
    assert state.incident(claimed[0].incident_id)["triage"] == {"matches": []}


def test_failing_row_gives_up_after_three_attempts(where: str) -> None:
    state = State(where)
    state.accept(zabbix_events({"event_id": "5", "event_value": "1", "event_name": "x"}))
    for _ in range(3):
        (c,) = state.claim()
        state.finish(c, None, error="boom")
    assert state.claim() == [] and state.depth() == 0


def test_secrets_in_annotations_are_not_stored(tmp_path: Path) -> None:
    state = State(tmp_path / "s.db")
    p = payload()
    p["alerts"][0]["annotations"]["description"] = "connect failed: postgres://app:hunter2secret@db:5432/x"
    state.accept(alertmanager_events(p))
    raw = (tmp_path / "s.db").read_bytes() + (tmp_path / "s.db-wal").read_bytes()
    assert b"hunter2secret" not in raw


def test_verdicts(where: str) -> None:
    state = State(where)
    (i,) = state.accept(zabbix_events({"event_id": "5", "event_value": "1", "event_name": "x"})).incidents
    assert state.set_verdict(i, "wrong", "abc123")
    assert state.incident(i)["verdict"] == "wrong"
    assert not state.set_verdict(i + 100, "right", None)
    with pytest.raises(StateError, match="verdict must be"):
        state.set_verdict(i, "maybe", None)


def test_newer_schema_is_refused(where: str) -> None:
    state = State(where)
    with state._write() as w:
        state.backend.set_version(w, 99)
    with pytest.raises(StateError, match="newer Medic"):
        State(where)


def test_two_replicas_claim_disjoint_rows(where: str) -> None:
    """Two processes' workers on one database never take the same alert."""
    one, two = State(where), State(where)
    for n in range(40):
        one.accept(zabbix_events({"event_id": str(n), "event_value": "1", "event_name": "x"}))
    taken: list[list[int]] = [[], []]

    def work(state: State, k: int) -> None:
        while claimed := state.claim(limit=3):
            taken[k] += [c.inbox_id for c in claimed]
            for c in claimed:
                state.finish(c, None)

    threads = [threading.Thread(target=work, args=(s, k)) for k, s in enumerate((one, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken[0] + taken[1]) == sorted(set(taken[0] + taken[1]))
    assert len(taken[0] + taken[1]) == 40


def test_a_firing_alert_never_repeated_turns_stale(where: str) -> None:
    state = State(where)
    (i,) = state.accept(zabbix_events({"event_id": "7", "event_value": "1", "event_name": "x"})).incidents
    (j,) = state.accept(zabbix_events({"event_id": "8", "event_value": "1", "event_name": "y"})).incidents
    state._q("UPDATE incidents SET last_seen = last_seen - ? WHERE id = ?", (STALE_AFTER_S + 60, i))
    assert state.incident(i)["status"] == "stale" and state.incident(j)["status"] == "firing"
    assert [x["id"] for x in state.incidents("stale")] == [i]
    assert [x["id"] for x in state.incidents("firing")] == [j]
    assert state.counts() == {"stale": 1, "firing": 1}


def test_diagnoses_are_kept(where: str) -> None:
    state = State(where)
    report = {"cluster": {"context": "prod"}, "counts": {"error": 2}, "findings": [{"code": "POD101"}]}
    n = state.add_diagnosis(report)
    assert state.diagnosis(n) == report
    assert [(d["id"], d["cluster"], d["summary"]["counts"]) for d in state.diagnoses()] == [(n, "prod", {"error": 2})]


def test_triage_results_are_kept_for_their_permalinks(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import medic.serve.state as state_module

    monkeypatch.setattr(state_module, "KEPT_TRIAGES", 3)
    state = State(where)
    ids = [state.add_triage({"matches": [], "findings": [], "outputs": [], "n": n}) for n in range(5)]
    kept = state.triage_result(ids[-1])
    assert kept is not None and kept["doc"]["n"] == 4 and kept["created_at"] > 0
    # the newest three are kept, older ones dropped
    assert [state.triage_result(i) is not None for i in ids] == [False, False, True, True, True]
    assert state.triage_result(10**9) is None


def test_claims_of_a_dead_process_are_released_at_start_on_sqlite(tmp_path: Path) -> None:
    state = State(tmp_path / "s.db")
    state.accept(zabbix_events({"event_id": "1", "event_value": "1", "event_name": "x"}))
    assert len(state.claim()) == 1 and state.claim() == []  # the worker that claimed it is killed here
    assert State(tmp_path / "s.db").release_claims_of_the_dead() == 1
    assert len(state.claim()) == 1
