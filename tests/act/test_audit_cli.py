"""`medic audit verify`, audit errors as one line, secrets asked again on resume, identity and hygiene of the
audit output: real `medic` processes over a copy of the catalog."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from medic.knowledge.store import Store
from tests.act.conftest import Tools, entry_by_title

DRAIN = "Procedure: drain a node for maintenance"
INFLUX = "Grafana cannot add the InfluxDB data source: wrong service URL or missing credentials"
# root passes every permission check; without CAP_DAC_OVERRIDE it meets the mode bits like anyone else
_NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def medic(
    db: Path, tools: Tools, *args: str, env: dict[str, str] | None = None, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**tools.env, "MEDIC_DB": str(db), "MEDIC_SEMANTIC": "0", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "medic.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        stdin=subprocess.DEVNULL,
        cwd=str(db.parent),
        timeout=60,
    )


def as_plain_user() -> list[str]:
    if os.getuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be made to matter")
    return _NO_OVERRIDE


@pytest.fixture()
def drain_id(act_store: Store) -> str:
    return entry_by_title(act_store, DRAIN)


def completed_run(db: Path, tools: Tools, drain_id: str) -> str:
    r = medic(db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating")
    assert r.returncode == 0, r.stdout + r.stderr
    return str(json.loads(medic(db, tools, "audit", "--json").stdout)["runs"][0]["run_id"])


def test_verify_intact_then_tampered(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    r = medic(catalog_db, tools, "audit", "verify")
    assert r.returncode == 0 and r.stdout.strip() == "audit log intact: 0 row(s) verified, the chain ends at row 0"
    completed_run(catalog_db, tools, drain_id)
    r = medic(catalog_db, tools, "audit", "verify")
    # run_started, 3 × (command, step_finished), run_finished
    assert r.returncode == 0 and r.stdout.strip() == "audit log intact: 8 row(s) verified, the chain ends at row 8"
    db = sqlite3.connect(str(catalog_db.parent / "audit.db"), isolation_level=None)
    db.execute("DROP TRIGGER events_no_update")
    db.execute("UPDATE events SET data = replace(data, 'n1', 'n2') WHERE seq = 4")
    db.close()
    r = medic(catalog_db, tools, "audit", "verify")
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "audit log broken: the append-only triggers are missing: events_no_update",
        "audit log broken: row 4: its content does not match its hash (changed after it was written)",
        f"3 row(s) verified before the first break ({catalog_db.parent / 'audit.db'})",
    ]
    data = json.loads(medic(catalog_db, tools, "audit", "verify", "--json").stdout)
    assert data["ok"] is False and data["rows_verified"] == 3 and len(data["problems"]) == 2


def test_corrupt_audit_log_is_one_line_and_runs_nothing(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    junk = b"SQLite format 2\x00" + b"\xff" * 4000
    (catalog_db.parent / "audit.db").write_bytes(junk)
    for args in (("run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating"), ("audit",)):
        r = medic(catalog_db, tools, *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert r.stderr.startswith(f"medic: {catalog_db.parent / 'audit.db'}: cannot open the audit log")
    assert tools.calls() == [] and (catalog_db.parent / "audit.db").read_bytes() == junk


def test_read_only_audit_log_refuses_to_run_but_can_be_read(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    prefix = as_plain_user()
    rid = completed_run(catalog_db, tools, drain_id)
    path = catalog_db.parent / "audit.db"
    before = path.read_bytes()
    path.chmod(0o444)
    r = medic(
        catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating", prefix=prefix
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip() == f"medic: {path}: the audit log is read-only; medic will not run unaudited"
    assert len(tools.calls()) == 3 and path.read_bytes() == before  # the first run's 3 calls, nothing more
    r = medic(catalog_db, tools, "audit", "--json", prefix=prefix)
    assert r.returncode == 0 and json.loads(r.stdout)["runs"][0]["run_id"] == rid
    r = medic(catalog_db, tools, "audit", "verify", prefix=prefix)
    assert r.returncode == 0 and "8 row(s) verified" in r.stdout


def test_audit_folder_not_writable(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    prefix = as_plain_user()
    completed_run(catalog_db, tools, drain_id)
    folder = catalog_db.parent
    folder.chmod(0o555)
    try:
        r = medic(
            catalog_db,
            tools,
            "run",
            drain_id,
            "--set",
            "node=n1",
            "--execute",
            "--yes",
            "--allow-mutating",
            prefix=prefix,
        )
    finally:
        folder.chmod(0o755)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"medic: {folder}: the audit folder is not writable; medic will not run unaudited"
    assert len(tools.calls()) == 3


def test_world_readable_log_is_tightened_by_any_command(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    completed_run(catalog_db, tools, drain_id)
    path = catalog_db.parent / "audit.db"
    path.chmod(0o666)
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1")  # a dry run writes too
    assert r.returncode == 0 and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_who_comes_from_the_uid_and_sudo_is_recorded_apart(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    import pwd

    env = {"USER": "mallory", "LOGNAME": "mallory", "SUDO_USER": "alice", "SUDO_UID": "1001"}
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1", env=env)
    assert r.returncode == 0
    run = json.loads(medic(catalog_db, tools, "audit", "--json").stdout)["runs"][0]
    assert run["who"] == pwd.getpwuid(os.getuid()).pw_name != "mallory"
    assert run["sudo_user"] == "alice"
    detail = json.loads(medic(catalog_db, tools, "audit", run["run_id"], "--json").stdout)
    start = detail["events"][0]
    assert start["uid"] == os.getuid() and start["sudo_uid"] == 1001
    assert "(sudo from alice)" in medic(catalog_db, tools, "audit").stdout


def test_control_characters_are_shown_not_obeyed(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    (tools.bin / "kubectl").write_text(
        "#!/bin/sh\nprintf 'pod \\033]0;owned\\007 \\033[2J \\233m done\\n'\n", encoding="utf-8"
    )
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating")
    assert r.returncode == 0
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "pod \\x1b]0;owned\\x07 \\x1b[2J" in r.stdout
    rid = json.loads(medic(catalog_db, tools, "audit", "--json").stdout)["runs"][0]["run_id"]
    text = medic(catalog_db, tools, "audit", rid).stdout
    assert "\x1b" not in text and "\x07" not in text and "pod \\x1b]0;owned\\x07 \\x1b[2J" in text
    raw = medic(catalog_db, tools, "audit", rid, "--json").stdout
    assert "\x1b" not in raw and "\x9b" not in raw
    heads = [e["output_head"] for e in json.loads(raw)["events"] if e["type"] == "command"]
    assert heads[0][0].startswith("pod \x1b]0;owned\x07")  # the JSON still holds the exact text, escaped


def secret_param(db: Path, tools: Tools, entry: str) -> str:
    plan = json.loads(medic(db, tools, "plan", entry, "--json").stdout)
    names = [p["name"] for p in plan["parameters"] if "password" in p["name"]]
    assert len(names) == 1, plan["parameters"]
    return str(names[0])


def test_resume_asks_again_for_secret_values(catalog_db: Path, tools: Tools, act_store: Store) -> None:
    entry = entry_by_title(act_store, INFLUX)
    secret = secret_param(catalog_db, tools, entry)
    plan = json.loads(medic(catalog_db, tools, "plan", entry, "--json").stdout)
    sets = [x for p in plan["parameters"] if p["name"] != secret for x in ("--set", f"{p['name']}=v1")]
    r = medic(catalog_db, tools, "run", entry, *sets, "--set", f"{secret}=S3cret-Value!", "--execute", "--yes")
    assert r.returncode == 3 and "needs a person" in r.stdout, r.stdout + r.stderr  # a manual step first
    rid = json.loads(medic(catalog_db, tools, "audit", "--json").stdout)["runs"][0]["run_id"]
    raw = (catalog_db.parent / "audit.db").read_bytes()
    assert b"S3cret-Value!" not in raw
    r = medic(catalog_db, tools, "run", "--resume", rid, "--yes")
    assert r.returncode == 2 and tools.calls() == []
    assert r.stderr.strip() == (
        f"medic: run {rid} used the secret parameter(s) {secret}: the audit log keeps no secret, give them "
        f"again (--set {secret}=...); nothing was run"
    )
    r = medic(catalog_db, tools, "run", "--resume", rid, "--yes", "--set", f"{secret}=another")
    assert r.returncode == 2 and tools.calls() == []
    assert r.stderr.strip() == (
        f"medic: --set {secret}: not the value run {rid} started with; start a new run to use another value"
    )
    r = medic(catalog_db, tools, "run", "--resume", rid, "--yes", "--set", f"{secret}=S3cret-Value!")
    assert r.returncode == 3 and f"run {rid}: paused" in r.stdout, r.stdout + r.stderr  # accepted; still manual
    events = json.loads(medic(catalog_db, tools, "audit", rid, "--json").stdout)["events"]
    assert [e["type"] for e in events].count("run_resumed") == 1  # the refused resumes wrote nothing
    start = events[0]
    assert start["parameters"][secret] == "<redacted>" and set(start["secret_digests"][secret]) == {"salt", "sha256"}
    assert b"S3cret-Value!" not in (catalog_db.parent / "audit.db").read_bytes()
