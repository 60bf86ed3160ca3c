"""The audit log's hash chain, anchor, permissions, identity and upgrade, tampered with through real SQLite."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
import stat
from pathlib import Path

import pytest

from medic.act.audit import GENESIS, AuditLog, chain_hash, identity
from medic.errors import StoreError

OLD_SCHEMA = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, at REAL NOT NULL, type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX events_run ON events(run_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def filled(path: Path, n: int = 6) -> AuditLog:
    log = AuditLog(path)
    log.append("aaaaaaaaaaaa", "run_started", {"who": "x", "entry_id": "e", "digest": "d", "parameters": {}})
    for i in range(n - 2):
        log.append("aaaaaaaaaaaa", "step_finished", {"phase": "steps", "step": i + 1, "status": "ok"})
    log.append("aaaaaaaaaaaa", "run_finished", {"status": "completed", "message": ""})
    return log


def tamper(path: Path, *sql: str) -> None:
    """What someone with the sqlite3 shell does: drop the triggers, change rows."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("DROP TRIGGER IF EXISTS events_no_update")
    db.execute("DROP TRIGGER IF EXISTS events_no_delete")
    for s in sql:
        db.execute(s)
    db.close()


def test_intact_chain_verifies(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.db")
    result = log.verify()
    assert result.ok and result.rows == 6 and result.last_seq == 6 and result.problems == []
    rows = log.db.execute("SELECT seq, prev_hash, hash FROM events ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0][1] == GENESIS and all(rows[i][1] == rows[i - 1][2] for i in range(1, 6))
    anchor = json.loads((tmp_path / "audit.anchor").read_text())
    assert anchor == {"seq": 6, "hash": rows[-1][2]}
    log.close()


def test_triggers_still_refuse_update_and_delete(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log.db.execute("DELETE FROM events WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log.db.execute("UPDATE events SET data = '{}' WHERE seq = 3")
    log.close()


def test_update_is_detected(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    tamper(tmp_path / "audit.db", """UPDATE events SET data = '{"status": "failed"}' WHERE seq = 4""")
    result = AuditLog(tmp_path / "audit.db", write=False).verify()
    assert not result.ok and result.rows == 3
    assert "the append-only triggers are missing: events_no_update, events_no_delete" in result.problems
    assert "row 4: its content does not match its hash (changed after it was written)" in result.problems


def test_delete_in_the_middle_is_detected(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    tamper(tmp_path / "audit.db", "DELETE FROM events WHERE seq = 3")
    result = AuditLog(tmp_path / "audit.db", write=False).verify()
    assert result.rows == 2
    assert result.problems[-1] == "row 4: does not follow the row before it (rows missing or inserted after row 2)"


def test_forged_row_in_the_middle_is_detected(tmp_path: Path) -> None:
    """A row squeezed in between with a hash that follows its predecessor still breaks the next row."""
    log = filled(tmp_path / "audit.db")
    prev = log.db.execute("SELECT hash FROM events WHERE seq = 2").fetchone()[0]
    log.close()
    # renumber 3.. upward to make room (what a forger must do: seq is the primary key)
    data = '{"phase": "steps", "step": 9, "status": "ok"}'
    h = chain_hash(prev, 3, "aaaaaaaaaaaa", 1.0, "step_finished", data)
    tamper(
        tmp_path / "audit.db",
        "UPDATE events SET seq = seq + 100 WHERE seq >= 3",
        f"INSERT INTO events VALUES (3, 'aaaaaaaaaaaa', 1.0, 'step_finished', '{data}', '{prev}', '{h}')",
    )
    result = AuditLog(tmp_path / "audit.db", write=False).verify()
    assert result.rows == 3  # 1, 2 and the forged 3 chain; the next one does not
    assert result.problems[-1] == "row 103: does not follow the row before it (rows missing or inserted after row 3)"


def test_forged_row_at_the_end_is_detected_by_the_anchor(tmp_path: Path) -> None:
    """Even with a correct hash, a row appended behind Medic's back is not in the anchor."""
    log = filled(tmp_path / "audit.db")
    prev = log.db.execute("SELECT hash FROM events WHERE seq = 6").fetchone()[0]
    log.close()
    data = '{"status": "completed"}'
    h = chain_hash(prev, 7, "aaaaaaaaaaaa", 2.0, "run_finished", data)
    tamper(
        tmp_path / "audit.db",
        f"INSERT INTO events VALUES (7, 'aaaaaaaaaaaa', 2.0, 'run_finished', '{data}', '{prev}', '{h}')",
    )
    result = AuditLog(tmp_path / "audit.db", write=False).verify()
    assert result.rows == 7
    assert result.problems[-1] == "rows 7..7 were added without updating the anchor"


def test_truncated_tail_is_detected(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    tamper(tmp_path / "audit.db", "DELETE FROM events WHERE seq >= 5")
    result = AuditLog(tmp_path / "audit.db", write=False).verify()
    assert result.rows == 4
    assert result.problems[-1] == "the log ends at row 4 but the anchor records row 6: rows were removed from the end"


def test_missing_anchor_is_detected(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    (tmp_path / "audit.anchor").unlink()
    result = AuditLog(tmp_path / "audit.db", write=False).verify()
    assert result.problems == ["the anchor file audit.anchor is missing"]


def test_dropped_triggers_are_restored_and_remembered(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    tamper(tmp_path / "audit.db")  # triggers only, no row changed
    log = AuditLog(tmp_path / "audit.db")
    assert log.warnings and "append-only triggers were missing" in log.warnings[0]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log.db.execute("DELETE FROM events")
    result = log.verify()
    assert result.rows == 7  # the chain itself is intact...
    assert result.problems == ["row 7: the append-only triggers had been dropped before this row"]  # ...but says it
    log.close()


def test_old_layout_is_upgraded_once_with_a_marker(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    db = sqlite3.connect(str(path), isolation_level=None)
    db.executescript(OLD_SCHEMA)
    for i, kind in enumerate(("run_started", "command", "run_finished")):
        db.execute(
            "INSERT INTO events(run_id, at, type, data) VALUES (?, ?, ?, ?)",
            ("bbbbbbbbbbbb", 100.0 + i, kind, json.dumps({"entry_id": "e", "digest": "d", "status": "completed"})),
        )
    db.close()
    read_only = AuditLog(path, write=False)
    assert read_only.verify().problems == [
        "the audit log has the first layout (no hash chain); `medic run` upgrades it"
    ]
    assert read_only.summary("bbbbbbbbbbbb").status == "completed"
    read_only.close()
    log = AuditLog(path)
    assert any("upgraded to a hash-chained audit log (3 earlier rows)" in w for w in log.warnings)
    marker = log.db.execute("SELECT seq, run_id, type, data FROM events WHERE seq = 4").fetchone()
    assert marker[:3] == (4, "", "audit_migrated") and json.loads(marker[3])["rows"] == 3
    log.append("cccccccccccc", "run_started", {"entry_id": "e", "digest": "d"})
    assert log.verify().ok and log.verify().rows == 5
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log.db.execute("UPDATE events SET data = '{}'")
    log.close()
    again = AuditLog(path)  # opening again migrates nothing more
    assert again.warnings == [] and again.db.execute("SELECT count(*) FROM events").fetchone()[0] == 5
    again.close()


def test_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "medic"
    log = filled(folder / "audit.db")
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert mode["audit.db"] == 0o600 and mode["audit.anchor"] == 0o600 and mode["audit.locks"] == 0o700
    log.close()


def test_world_readable_log_is_tightened(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    for name in ("audit.db", "audit.anchor"):
        (tmp_path / name).chmod(0o644)
    log = AuditLog(tmp_path / "audit.db")
    assert stat.S_IMODE((tmp_path / "audit.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "audit.anchor").stat().st_mode) == 0o600
    assert log.warnings == []
    log.close()


def test_who_is_the_real_uid_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.delenv("SUDO_UID", raising=False)
    real = pwd.getpwuid(os.getuid()).pw_name
    assert identity() == {"who": real, "uid": os.getuid()}
    monkeypatch.setenv("SUDO_USER", "alice")
    monkeypatch.setenv("SUDO_UID", "1001")
    assert identity() == {"who": real, "uid": os.getuid(), "sudo_user": "alice", "sudo_uid": 1001}


def test_corrupt_log_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "audit.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open the audit log"):
        AuditLog(tmp_path / "audit.db")
    with pytest.raises(StoreError, match="cannot open the audit log"):
        AuditLog(tmp_path / "audit.db", write=False)
    assert (tmp_path / "audit.db").read_bytes() == b"this is not sqlite at all" * 100  # left as it was


def test_read_only_open_creates_nothing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db", write=False)
    assert log.runs() == [] and log.verify().ok
    with pytest.raises(StoreError, match="opened read-only"):
        log.append("aaaaaaaaaaaa", "x", {})
    log.close()
    assert list(tmp_path.iterdir()) == []


def test_run_lock_is_exclusive_and_shows_running(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.db")
    log.append("dddddddddddd", "run_started", {"entry_id": "e", "digest": "d"})
    assert log.summary("dddddddddddd").status == "interrupted"  # no process holds it: not running
    held = log.lock("dddddddddddd")
    assert log.summary("dddddddddddd").status == "running"
    other = AuditLog(tmp_path / "audit.db")
    with pytest.raises(Exception, match=rf"run dddddddddddd is running in another process \(pid {os.getpid()}\)"):
        other.lock("dddddddddddd")
    held.release()
    assert log.summary("dddddddddddd").status == "interrupted"
    other.lock("dddddddddddd").release()
    with pytest.raises(StoreError, match="malformed run id"):
        log.lock("../../etc/x")
    log.close()
    other.close()


def test_a_deleted_log_is_remembered_by_the_anchor(tmp_path: Path) -> None:
    filled(tmp_path / "audit.db").close()
    (tmp_path / "audit.db").unlink()
    assert AuditLog(tmp_path / "audit.db", write=False).verify().problems == [
        "the log ends at row 0 but the anchor records row 6: rows were removed from the end"
    ]
    log = AuditLog(tmp_path / "audit.db")
    assert log.warnings == [
        f"{tmp_path / 'audit.db'}: the audit log is new but its anchor recorded 6 row(s): the old log was "
        "removed or replaced"
    ]
    for _ in range(8):  # growing past the old length does not make it look intact again
        log.append("eeeeeeeeeeee", "step_finished", {"phase": "steps", "step": 1, "status": "ok"})
    result = log.verify()
    assert result.rows == 9 and result.problems == ["row 1: the log before this row was removed or replaced"]
    log.close()
