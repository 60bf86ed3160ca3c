"""`medic plan`, `medic run` and `medic audit` as a user runs them: real processes, no terminal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from medic.knowledge.store import Store
from tests.act.conftest import Tools, entry_by_title

DRAIN = "Procedure: drain a node for maintenance"


def medic(db: Path, tools: Tools, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**tools.env, "MEDIC_DB": str(db), "MEDIC_SEMANTIC": "0", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=str(cwd or db.parent),
        timeout=60,
    )


def run_id(output: str) -> str:
    m = re.search(r"^run ([0-9a-f]{12}): ", output, re.M)
    assert m, output
    return m.group(1)


@pytest.fixture()
def drain_id(act_store: Store) -> str:
    return entry_by_title(act_store, DRAIN)


def test_plan_json_and_text(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    r = medic(catalog_db, tools, "audit")
    assert r.returncode == 0 and "no runs recorded" in r.stdout
    r = medic(catalog_db, tools, "plan", drain_id, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["missing"] == ["node"]
    assert [s["kind"] for s in data["steps"]] == ["mutating", "mutating", "read-only"]
    assert data["rollback"][0]["commands"][0]["template"] == "kubectl uncordon <node>"
    r = medic(catalog_db, tools, "plan", drain_id[:6], "--set", "node=worker-3")
    assert r.returncode == 0, r.stderr
    assert "kubectl drain worker-3 --ignore-daemonsets --delete-emptydir-data --timeout=10m" in r.stdout
    r = medic(catalog_db, tools, "plan", drain_id, "--set", "nodes=x")
    assert r.returncode == 2 and r.stderr.strip().startswith("medic: --set nodes: not a parameter")
    assert tools.calls() == []


def test_dry_run_then_hostile_execute(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1")
    assert r.returncode == 0 and "dry run" in r.stdout and tools.calls() == []
    r = medic(catalog_db, tools, "run", drain_id, "--execute", "--yes", "--allow-mutating")
    assert r.returncode == 2 and "missing parameters: node" in r.stderr
    hostile = "x; touch pwned $(touch pwned2) `touch pwned3`"
    r = medic(catalog_db, tools, "run", drain_id, "--set", f"node={hostile}", "--execute", "--yes", "--allow-mutating")
    # typed parameters: a node value that is no RFC 1123 name is refused in one line before anything runs
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "RFC 1123" in r.stderr, r.stdout + r.stderr
    assert tools.calls() == []
    assert not any((catalog_db.parent / f).exists() for f in ("pwned", "pwned2", "pwned3"))


def test_unattended_pause_resume_and_audit(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes")
    assert r.returncode == 3 and "needs a person" in r.stdout and tools.calls() == []
    rid = run_id(r.stdout)
    r = medic(catalog_db, tools, "run", "--resume", rid[:6], "--yes", "--allow-mutating")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"run {rid}: completed" in r.stdout
    assert [c[1] for c in tools.calls()] == ["cordon", "drain", "get"]
    r = medic(catalog_db, tools, "run", "--resume", rid, "--yes", "--allow-mutating")
    assert r.returncode == 2 and "completed: nothing to resume" in r.stderr
    runs = json.loads(medic(catalog_db, tools, "audit", "--json").stdout)["runs"]
    assert runs[0]["run_id"] == rid and runs[0]["status"] == "completed" and runs[0]["commands"] == 3
    assert runs[0]["parameters"] == {"node": "n1"} and runs[0]["who"] and runs[0]["host"]
    detail = json.loads(medic(catalog_db, tools, "audit", rid, "--json").stdout)
    commands = [e for e in detail["events"] if e["type"] == "command"]
    assert [c["command"] for c in commands][1] == (
        "kubectl drain n1 --ignore-daemonsets --delete-emptydir-data --timeout=10m"
    )
    assert all(c["exit_code"] == 0 and c["output_digest"].startswith("sha256:") for c in commands)
    assert (catalog_db.parent / "audit.db").exists()
    text = medic(catalog_db, tools, "audit", rid).stdout
    assert "kubectl cordon n1" in text and "exit 0" in text


def test_failure_unattended_then_rollback_only(
    catalog_db: Path, tools: Tools, drain_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools.env["MEDIC_TEST_FAIL"] = "kubectl drain"
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating")
    assert r.returncode == 1 and "step 2 failed" in r.stdout and "--rollback" in r.stdout
    assert [c[1] for c in tools.calls()] == ["cordon", "drain"]
    r = medic(
        catalog_db, tools, "run", drain_id, "--set", "node=n1", "--rollback", "--execute", "--yes", "--allow-mutating"
    )
    assert r.returncode == 0, r.stdout
    assert tools.calls()[-1] == ["kubectl", "uncordon", "n1"]
    r = medic(catalog_db, tools, "run", drain_id, "--allow-mutating")
    assert r.returncode == 2 and "--allow-mutating goes with --yes" in r.stderr
