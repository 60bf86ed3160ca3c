"""`medic serve` as a real process on loopback, driven over HTTP with the senders' payload shapes."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from medic.knowledge.store import Store
from tests.serve.helpers import (
    MEDIC,
    SECRET,
    TOKEN,
    ZABBIX_TOKEN,
    Server,
    drain_entry,
    dry_run,
    free_port,
    start,
    wait_triaged,
)

DATA = Path(__file__).parent / "data"


def am(name: str = "alertmanager-firing.json", **changes: Any) -> dict[str, Any]:
    p = json.loads((DATA / name).read_text())
    for a in p["alerts"]:
        a.update(changes)
    return p


def signed(body: bytes) -> dict[str, str]:
    return {"x-grafana-alerting-signature": hmac.new(SECRET, body, hashlib.sha256).hexdigest()}


def test_intake_needs_a_token_with_the_right_scope(server: Server) -> None:
    assert server.call("POST", "/api/v1/alerts/alertmanager", am(), token=None)[0] == 401
    assert server.call("POST", "/api/v1/alerts/alertmanager", am(), token="wrong-token-wrong-token")[0] == 403
    assert server.call("POST", "/api/v1/alerts/alertmanager", am(), token=ZABBIX_TOKEN)[0] == 403
    # reads are open on loopback by default; writes never
    assert server.call("GET", "/api/v1/incidents", token=None)[0] == 200
    assert server.call("POST", "/api/v1/triage", b"x", token=None)[0] == 401


def test_alertmanager_duplicates_collapse_and_resolved_closes(server: Server) -> None:
    body = am(fingerprint="aaaa0000bbbb1111", startsAt="2026-12-02T01:00:00Z")
    body["alerts"] = body["alerts"][:1]
    status, first = server.call("POST", "/api/v1/alerts/alertmanager", body)
    assert status == 202 and (first["accepted"], first["duplicates"]) == (1, 0)
    _, again = server.call("POST", "/api/v1/alerts/alertmanager", body)
    assert (again["accepted"], again["duplicates"]) == (0, 1) and again["incidents"] == first["incidents"]
    body["alerts"][0].update(status="resolved", endsAt="2026-12-02T02:00:00Z")
    server.call("POST", "/api/v1/alerts/alertmanager", body)
    _, incident = server.call("GET", f"/api/v1/incidents/{first['incidents'][0]}")
    assert (incident["status"], incident["count"]) == ("resolved", 1)


def test_ha_pair_delivering_at_once_makes_one_incident(server: Server) -> None:
    body = am(fingerprint="ha00ha00ha00ha00", startsAt="2026-12-02T03:00:00Z")
    body["alerts"] = body["alerts"][:1]
    answers: list[Any] = []
    threads = [
        threading.Thread(target=lambda: answers.append(server.call("POST", "/api/v1/alerts/alertmanager", body)[1]))
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(a["accepted"] for a in answers) == 1
    assert len({a["incidents"][0] for a in answers}) == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "not JSON"),
        (json.dumps({"alerts": []}).encode(), 400, "no 'version' field"),
        (json.dumps({"version": "4", "alerts": [{"status": "firing", "labels": 3}]}).encode(), 400, "labels"),
    ],
)
def test_malformed_and_oversize_bodies_are_refused(server: Server, body: bytes, status: int, message: str) -> None:
    got, doc = server.call("POST", "/api/v1/alerts/alertmanager", body)
    assert got == status and message in doc["error"]


def test_oversize_body_is_refused_before_it_is_read(server: Server) -> None:
    """A declared length over the limit is answered at once (the body is never read)."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("POST", "/api/v1/alerts/alertmanager")
    conn.putheader("authorization", f"Bearer {TOKEN}")
    conn.putheader("content-type", "application/json")
    conn.putheader("content-length", str(64 * 1024 * 1024))
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413 and "larger than" in json.loads(resp.read())["error"]
    conn.close()


def test_grafana_signature_is_verified(server: Server) -> None:
    body = json.dumps(am("grafana-firing.json")).encode()
    assert server.call("POST", "/api/v1/alerts/grafana", body)[0] == 401
    assert server.call("POST", "/api/v1/alerts/grafana", body, headers={"x-grafana-alerting-signature": "00"})[0] == 401
    status, doc = server.call("PUT", "/api/v1/alerts/grafana", body, headers=signed(body))
    assert status == 202 and doc["accepted"] == 1


def test_grafana_test_button_is_acknowledged_without_an_incident(server: Server) -> None:
    payload = am("grafana-firing.json", labels={"alertname": "TestAlert", "instance": "Grafana"})
    body = json.dumps(payload).encode()
    status, doc = server.call("POST", "/api/v1/alerts/grafana", body, headers=signed(body))
    assert status == 202 and doc == {"received": 0, "accepted": 0, "duplicates": 0, "incidents": []}


def test_zabbix_answer_carries_tags_and_recovery_closes(server: Server) -> None:
    problem = {"event_id": "880001", "event_value": "1", "event_name": "Disk space is low", "host": "web-1"}
    status, doc = server.call("POST", "/api/v1/alerts/zabbix", problem, token=ZABBIX_TOKEN)
    assert status == 202
    incident = doc["incidents"][0]
    assert doc["tags"] == {"medic_incident": str(incident), "medic_url": f"{server.url}/api/v1/incidents/{incident}"}
    server.call("POST", "/api/v1/alerts/zabbix", {**problem, "event_value": "0"}, token=ZABBIX_TOKEN)
    assert server.call("GET", f"/api/v1/incidents/{incident}")[1]["status"] == "resolved"


def test_alert_is_triaged_like_the_cli_does(server: Server, seeded_store: Store) -> None:
    text = "Problem: API server unreachable\nx509: certificate has expired or is not yet valid"
    status, doc = server.call("POST", "/api/v1/alerts/text", text.encode(), headers={"content-type": "text/plain"})
    assert status == 202
    incident = wait_triaged(server, doc["incidents"][0])
    assert incident["triage"]["matches"], "an expired-certificate alert explains nothing"
    cli = subprocess.run(
        [sys.executable, "-m", "medic.cli", "--db", str(seeded_store.path), "triage", "--json", "-"],
        input=incident["evidence"].encode(),
        capture_output=True,
        check=True,
        env=server.env,
    )
    assert json.loads(cli.stdout) == incident["triage"]
    _, direct = server.call("POST", "/api/v1/triage", {"text": incident["evidence"]})
    assert direct == incident["triage"]


def test_verdict_search_entries_metrics_openapi(server: Server) -> None:
    _, listing = server.call("GET", "/api/v1/incidents?limit=1")
    incident = listing["incidents"][0]["id"]
    assert server.call("POST", f"/api/v1/incidents/{incident}/verdict", {"verdict": "none"})[0] == 200
    assert server.call("POST", f"/api/v1/incidents/{incident}/verdict", {"verdict": "perhaps"})[0] == 400
    assert server.call("POST", "/api/v1/incidents/999999/verdict", {"verdict": "none"})[0] == 404
    status, doc = server.call("GET", f"/api/v1/incidents/{2**64}")
    assert status == 422 and doc["error"].startswith("path.incident_id:")
    _, hits = server.call("GET", "/api/v1/search?q=certificate%20expired")
    assert hits["results"]
    entry_id = hits["results"][0]["id"]
    status, entry = server.call("GET", f"/api/v1/entries/{entry_id}")
    assert status == 200 and entry["id"] == entry_id
    assert server.call("GET", "/api/v1/entries/nope-nope")[0] == 404
    status, text = server.call("GET", "/metrics", token=None)
    assert status == 200 and 'medic_alerts_received_total{source="alertmanager"}' in text
    status, spec = server.call("GET", "/api/v1/openapi.json", token=None)
    assert status == 200 and "/api/v1/alerts/alertmanager" in spec["paths"]


def cli_json(server: Server, db: Path, *args: str, stdin: str | None = None) -> Any:
    """What the CLI prints with --json for the server's knowledge base (a real process)."""
    r = subprocess.run(
        [MEDIC, "--db", str(db), *args],
        input=(stdin or "").encode(),
        capture_output=True,
        check=True,
        env=server.env,
    )
    return json.loads(r.stdout)


# recognised as `kubectl get pods` output; one pod in a crash loop (written for this test)
PODS = """$ kubectl get pods -n shop
NAME                      READY   STATUS             RESTARTS   AGE
cart-7d9f8b6c5-x2x9k      0/1     CrashLoopBackOff   12         40m
web-5c6d7f8b9-abcde       1/1     Running            0          2d
"""


def test_parse_answers_what_the_cli_prints(server: Server, seeded_store: Store) -> None:
    status, doc = server.call("POST", "/api/v1/parse", PODS.encode(), headers={"content-type": "text/plain"})
    assert status == 200 and [b["kind"] for b in doc["blocks"]] == ["kubectl-get"]
    assert doc == cli_json(server, seeded_store.path, "parse", "--json", "-", stdin=PODS)
    assert server.call("POST", "/api/v1/parse", {"text": PODS})[1] == doc
    status, err = server.call("POST", "/api/v1/parse", {"text": "  \n"})
    assert status == 400 and "empty" in err["error"]
    assert server.call("POST", "/api/v1/parse", {"text": PODS}, token=None)[0] == 401


def test_plan_and_audit_answer_what_the_cli_prints(server: Server, seeded_store: Store) -> None:
    drain = drain_entry(seeded_store)
    status, plan = server.call("GET", f"/api/v1/entries/{drain}/plan?set=node=n1")
    assert status == 200 and plan["parameters"] and any(s["commands"] for s in plan["steps"])
    assert plan == cli_json(server, seeded_store.path, "plan", drain, "--set", "node=n1", "--json")
    status, err = server.call("GET", f"/api/v1/entries/{drain}/plan?set=nosuch=1")
    assert status == 400 and "nosuch" in err["error"] and "not a parameter" in err["error"]
    assert server.call("GET", "/api/v1/entries/nope-nope/plan")[0] == 404
    # a dry run at a terminal is audited beside the knowledge base; the API lists it as `medic audit` does
    dry_run(server, seeded_store.path, drain, "n1")
    status, runs = server.call("GET", "/api/v1/audit")
    assert status == 200 and runs == cli_json(server, seeded_store.path, "audit", "--json")
    run_id = runs["runs"][0]["run_id"]
    assert runs["runs"][0]["mode"] == "dry-run" and runs["runs"][0]["entry"]["id"] == drain
    status, one = server.call("GET", f"/api/v1/audit/{run_id[:8]}")
    assert status == 200 and one == cli_json(server, seeded_store.path, "audit", run_id, "--json")
    assert one["events"][0]["type"] == "run_started"
    assert server.call("GET", "/api/v1/audit/ffffffffffff")[0] == 404


def test_diagnose_an_uploaded_bundle(server: Server, tmp_path: Path) -> None:
    from medic.cli import demo_bundle_path
    from medic.evidence.bundle import read_bundle, write_bundle

    bundle = tmp_path / "demo.tar.gz"
    write_bundle(read_bundle(demo_bundle_path()), bundle)
    status, report = server.call("POST", "/api/v1/diagnose", bundle.read_bytes())
    assert status == 201, report
    cli = subprocess.run(
        [*server.args[: server.args.index("serve")], "diagnose", "--bundle", str(bundle), "-o", "json"],
        capture_output=True,
        env=server.env,
        check=True,
    )
    assert {k: v for k, v in report.items() if k != "id"} == json.loads(cli.stdout)
    _, listing = server.call("GET", "/api/v1/diagnoses")
    assert listing["diagnoses"][0]["id"] == report["id"]
    assert server.call("GET", f"/api/v1/diagnoses/{report['id']}")[1]["counts"] == report["counts"]
    _, metrics = server.call("GET", "/metrics", token=None)
    by_code = Counter((f["code"], f["severity"]) for f in report["findings"])
    assert by_code and all(
        f'medic_findings_total{{code="{code}",severity="{sev}"}} {float(n)}' in metrics
        for (code, sev), n in by_code.items()
    )
    status, doc = server.call("POST", "/api/v1/diagnose", b"this is not a bundle")
    assert status == 400 and "\n" not in doc["error"]
    assert server.call("POST", "/api/v1/diagnose", b"")[0] == 400
    assert server.call("POST", "/api/v1/diagnose", bundle.read_bytes(), token=ZABBIX_TOKEN)[0] == 403


def test_kill_9_loses_no_accepted_alert(server: Server, tmp_path: Path) -> None:
    """Accepted means stored: a server killed right after answering still has every alert, and a restarted
    one triages those it had not processed."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [*server.args]
    args[args.index("--port") + 1] = str(port)
    args[args.index("--state") + 1] = str(tmp_path / "serve.db")
    proc = start(args, server.env, url)
    other = Server(url, proc, args, server.env)
    incidents = set()
    for n in range(40):
        body = am(fingerprint=f"kill{n:012d}", startsAt="2026-12-03T00:00:00Z")
        body["alerts"] = body["alerts"][:1]
        status, doc = other.call("POST", "/api/v1/alerts/alertmanager", body)
        assert status == 202
        incidents.update(doc["incidents"])
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc = start(args, server.env, url)
    try:
        _, listing = other.call("GET", "/api/v1/incidents?limit=1000")
        assert {i["id"] for i in listing["incidents"]} == incidents
        for i in sorted(incidents)[-3:]:
            wait_triaged(other, i)
    finally:
        proc.terminate()
        proc.wait(10)


def test_two_replicas_share_one_postgresql(server: Server, pg_url: str) -> None:
    """Two `medic serve` processes on one PostgreSQL: an HA Alertmanager pair posting the same alerts to
    both makes one incident per alert, and the incidents are triaged by whichever replica claims them."""
    procs, replicas = [], []
    try:
        for _ in range(2):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            args = [*server.args]
            args[args.index("--port") + 1] = str(port)
            args[args.index("--state") + 1] = pg_url
            procs.append(start(args, server.env, url))
            replicas.append(Server(url, procs[-1], args, server.env))
        body = am(startsAt="2026-12-03T01:00:00Z")
        answers: list[Any] = []
        threads = [
            threading.Thread(target=lambda r=r: answers.append(r.call("POST", "/api/v1/alerts/alertmanager", body)[1]))
            for r in replicas * 4
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(a["accepted"] for a in answers) == 2
        _, listing = replicas[1].call("GET", "/api/v1/incidents")
        assert sorted(i["fingerprint"] for i in listing["incidents"]) == ["5d0e2b4c9a1f3e77", "9c3f00aa12b84d61"]
        for i in listing["incidents"]:
            wait_triaged(replicas[0], i["id"])
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


def test_no_request_makes_the_api_fail(server: Server) -> None:
    """Requests generated from the OpenAPI document (schemathesis) for every operation: refusals are 4xx,
    never 5xx."""
    import schemathesis

    schema = schemathesis.openapi.from_url(server.url + "/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @hypothesis.settings(max_examples=15, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
        @hypothesis.given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(headers={"authorization": f"Bearer {TOKEN}"}, timeout=60)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])

        call()


def test_incidents_page_filters_by_namespace_or_host(server: Server) -> None:
    for name, namespace in (("WhereAlphaAlert", "team-alpha"), ("WhereBetaAlert", "team-beta")):
        body = am(fingerprint=f"where-{namespace}", startsAt="2026-12-04T02:00:00Z")
        body["alerts"] = body["alerts"][:1]
        body["alerts"][0]["labels"].update(alertname=name, namespace=namespace)
        assert server.call("POST", "/api/v1/alerts/alertmanager", body)[0] == 202
    for path in ("/ui/incidents?where=ALPHA", "/ui/incidents/table?where=alpha"):
        status, html = server.call("GET", path, token=TOKEN)
        assert status == 200 and "WhereAlphaAlert" in html and "WhereBetaAlert" not in html, path
    _, html = server.call("GET", "/ui/incidents", token=TOKEN)
    assert "WhereAlphaAlert" in html and "WhereBetaAlert" in html
    _, html = server.call("GET", "/ui/incidents?where=team-gamma", token=TOKEN)
    assert "WhereAlphaAlert" not in html and "WhereBetaAlert" not in html
