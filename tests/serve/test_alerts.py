"""Sender payloads → alert events (pure functions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medic.serve.alerts import (
    FIRING,
    RESOLVED,
    PayloadError,
    alertmanager_events,
    grafana_events,
    text_events,
    zabbix_events,
)

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_alertmanager_group_gives_one_event_per_alert() -> None:
    events = alertmanager_events(load("alertmanager-firing.json"))
    assert [(e.fingerprint, e.status, e.title) for e in events] == [
        ("5d0e2b4c9a1f3e77", FIRING, "KubeNodeNotReady"),
        ("9c3f00aa12b84d61", FIRING, "KubeNodeNotReady"),
    ]
    # one spelling per moment, whatever the sender wrote (fraction, offset)
    assert [e.at for e in events] == ["2026-12-01T03:12:45.101000Z", "2026-12-01T03:13:15.000000Z"]
    assert events[0].links == {
        "generatorURL": "http://prometheus.monitoring:9090/graph?g0.expr=kube_node_status_condition"
    }
    assert events[0].evidence() == (
        "alertname: KubeNodeNotReady\nsummary: Node is not ready.\n"
        "description: worker-1 has been unready for more than 15 minutes.\n"
    )


def test_alertmanager_resolved_takes_its_end_time() -> None:
    payload = load("alertmanager-firing.json")
    alert = payload["alerts"][0]
    alert["status"] = "resolved"
    alert["endsAt"] = "2026-12-01T04:00:00Z"
    e = alertmanager_events(payload)[0]
    assert (e.status, e.at) == (RESOLVED, "2026-12-01T04:00:00.000000Z")


def test_alertmanager_without_fingerprint_uses_the_labels() -> None:
    payload = load("alertmanager-firing.json")
    for a in payload["alerts"]:
        del a["fingerprint"]
    one, two = alertmanager_events(payload)
    assert one.fingerprint != two.fingerprint
    assert one.fingerprint == alertmanager_events(payload)[0].fingerprint


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("version"), "no 'version' field"),
        (lambda p: p.update(version="3"), "version '3' is not supported"),
        (lambda p: p.update(alerts={}), "'alerts' must be a list"),
        (lambda p: p["alerts"][0].update(status="pending"), "must be 'firing' or 'resolved'"),
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), "not an RFC 3339 time"),
        (lambda p: p["alerts"][0].update(labels=["a"]), "labels must be an object"),
        (lambda p: p["alerts"][0]["annotations"].update(summary={"x": 1}), "must be a string"),
        (lambda p: p["alerts"][0]["annotations"].update(summary="x" * 20000), "longer than"),
    ],
)
def test_alertmanager_malformed_is_one_clear_error(mutate: Any, message: str) -> None:
    payload = load("alertmanager-firing.json")
    mutate(payload)
    with pytest.raises(PayloadError, match=message):
        alertmanager_events(payload)


def test_grafana_alert_with_links_and_values() -> None:
    (e,) = grafana_events(load("grafana-firing.json"))
    assert (e.source, e.fingerprint, e.title, e.at) == (
        "grafana",
        "c6eadffa33fcdf37",
        "DiskFull",
        "2026-12-01T02:20:00.000000Z",
    )
    assert set(e.links) == {"generatorURL", "dashboardURL", "panelURL", "silenceURL"}


def test_grafana_test_button_makes_no_event() -> None:
    payload = load("grafana-firing.json")
    payload["alerts"][0]["labels"] = {"alertname": "TestAlert", "instance": "Grafana"}
    assert grafana_events(payload) == []


def test_zabbix_problem_and_recovery_share_the_incident() -> None:
    problem = {
        "event_id": "4711",
        "event_value": "1",
        "event_name": "Disk space is low",
        "host": "web-1",
        "severity": "High",
        "message": "Free space on /var is 3%",
    }
    (p,) = zabbix_events(problem)
    (r,) = zabbix_events({**problem, "event_value": "0"})
    assert (p.fingerprint, p.status) == ("4711", FIRING)
    assert (r.fingerprint, r.status) == ("4711", RESOLVED)
    assert p.key == "zabbix:4711:firing" != r.key
    assert p.labels == {"host": "web-1", "severity": "High"}
    assert "summary: Disk space is low" in p.evidence()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"event_value": "1"}, "missing event_id"),
        ({"event_id": "{EVENT.ID}", "event_value": "1"}, "event_id must be a number"),
        ({"event_id": "1", "event_value": "2"}, "event_value must be 1"),
        ([], "must be a JSON object"),
    ],
)
def test_zabbix_malformed(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        zabbix_events(payload)


@pytest.mark.parametrize(
    ("text", "status", "title"),
    [
        ("Problem: Disk space is low on web-1\nFree: 3%", FIRING, "Disk space is low on web-1"),
        ("Resolved: Disk space is low on web-1", RESOLVED, "Disk space is low on web-1"),
        ("Resolved in 5m 3s: Disk space is low on web-1", RESOLVED, "Disk space is low on web-1"),
        ("etcdserver: request timed out", FIRING, "etcdserver: request timed out"),
    ],
)
def test_text_alerts(text: str, status: str, title: str) -> None:
    (e,) = text_events(text)
    assert (e.status, e.title) == (status, title)


def test_text_problem_and_resolution_are_one_alert() -> None:
    (p,) = text_events("Problem: Disk space is low on web-1")
    (r,) = text_events("Resolved in 2h: Disk space is low on web-1")
    assert p.fingerprint == r.fingerprint


def test_empty_text_is_refused() -> None:
    with pytest.raises(PayloadError, match="empty"):
        text_events(" \n ")
