"""The audit log: every run of a plan, appended to ``audit.db`` beside the knowledge database.

One SQLite table of events (``run_started``, ``command``, ``step_finished``, ``run_finished``...), each
with the run id, the time and a JSON body. Triggers refuse UPDATE and DELETE: the log only grows. What a
run did, and where a resumed run goes on, is read back by folding its events.

Everything written is redacted first: the values of secret parameters (``storage-key``, ``password``...)
are replaced, then :func:`medic.evidence.redact.redact_text` removes tokens, keys and passwords from
commands and output. Output is kept as a SHA-256 digest of all of it plus its first and last lines.
"""

from __future__ import annotations

import getpass
import json
import socket
import sqlite3
import time
from collections import deque
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from medic.errors import StoreError
from medic.evidence.redact import REDACTED, redact_text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    at REAL NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
HEAD_LINES = 20
TAIL_LINES = 20
LINE_CHARS = 400


def audit_path(db_path: Path) -> Path:
    """The audit database beside the knowledge database (``.../medic/medic.db`` → ``.../medic/audit.db``)."""
    return db_path.with_name("audit.db")


def who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Redactor:
    """Secret parameter values and secret-looking text out of everything written."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets = sorted({s for s in secrets or [] if len(s) >= 3}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, REDACTED)
        return redact_text(text)[0]


class Capture:
    """Output of one command: digest of all of it, first and last lines, size."""

    def __init__(self) -> None:
        self._hash = sha256()
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.lines = 0
        self.bytes = 0

    def add(self, line: str) -> None:
        data = line.encode("utf-8", "replace")
        self._hash.update(data)
        self.bytes += len(data)
        self.lines += 1
        text = line.rstrip("\n")[:LINE_CHARS]
        if len(self.head) < HEAD_LINES:
            self.head.append(text)
        else:
            self.tail.append(text)

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def text(self) -> str:
        return "\n".join([*self.head, *self.tail])


@dataclass
class RunSummary:
    run_id: str
    started: float
    who: str
    host: str
    entry_id: str
    title: str
    mode: str
    status: str
    commands: int
    failed: int
    parameters: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
            "who": self.who,
            "host": self.host,
            "entry": {"id": self.entry_id, "title": self.title},
            "mode": self.mode,
            "status": self.status,
            "commands": self.commands,
            "failed": self.failed,
            "parameters": self.parameters,
        }


@dataclass
class RunState:
    """What a run did so far, folded from its events (for ``--resume``)."""

    run_id: str
    entry_id: str
    digest: str
    parameters: dict[str, str]
    secret_names: list[str]
    status: str
    done: dict[tuple[str, int], str]
    mode: str = "execute"
    rollback_only: bool = False


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"{path}: cannot open the audit log ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def append(self, run_id: str, kind: str, data: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO events(run_id, at, type, data) VALUES (?, ?, ?, ?)",
            (run_id, time.time(), kind, json.dumps(data, ensure_ascii=False)),
        )

    def events(self, run_id: str) -> list[tuple[float, str, dict[str, Any]]]:
        rows = self.db.execute("SELECT at, type, data FROM events WHERE run_id = ? ORDER BY seq", (run_id,))
        return [(at, kind, json.loads(data)) for at, kind, data in rows]

    def find_run(self, prefix: str) -> str:
        from medic.errors import InputError

        rows = self.db.execute(
            "SELECT DISTINCT run_id FROM events WHERE run_id LIKE ? LIMIT 2",
            (prefix.replace("%", "").replace("_", "") + "%",),
        ).fetchall()
        if not rows:
            raise InputError(f"no run with id {prefix!r} in the audit log (`medic audit` lists them)")
        if len(rows) > 1:
            raise InputError(f"run id prefix {prefix!r} is ambiguous; give more characters")
        return str(rows[0][0])

    def runs(self, limit: int = 50) -> list[RunSummary]:
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT run_id FROM events WHERE type = 'run_started' ORDER BY seq DESC LIMIT ?", (limit,)
            )
        ]
        return [self.summary(i) for i in ids]

    def summary(self, run_id: str) -> RunSummary:
        events = self.events(run_id)
        start = next((e for e in events if e[1] == "run_started"), None)
        if start is None:
            raise StoreError(f"run {run_id} has no start event")
        data = start[2]
        status = "running"
        for _at, kind, body in events:
            if kind in ("run_finished", "run_resumed"):
                status = body.get("status", status) if kind == "run_finished" else "running"
        commands = [e for e in events if e[1] == "command"]
        return RunSummary(
            run_id=run_id,
            started=start[0],
            who=str(data.get("who", "")),
            host=str(data.get("host", "")),
            entry_id=str(data.get("entry_id", "")),
            title=str(data.get("title", "")),
            mode=str(data.get("mode", "")),
            status=status,
            commands=len(commands),
            failed=sum(1 for c in commands if c[2].get("exit_code") != 0),
            parameters=dict(data.get("parameters") or {}),
        )

    def state(self, run_id: str) -> RunState:
        events = self.events(run_id)
        start = next((e[2] for e in events if e[1] == "run_started"), None)
        if start is None:
            raise StoreError(f"run {run_id} has no start event")
        done: dict[tuple[str, int], str] = {}
        status = "interrupted"
        for _at, kind, body in events:
            if kind == "step_finished":
                done[(str(body["phase"]), int(body["step"]))] = str(body["status"])
            elif kind == "run_finished":
                status = str(body["status"])
            elif kind == "run_resumed":
                status = "interrupted"
        return RunState(
            run_id=run_id,
            entry_id=str(start["entry_id"]),
            digest=str(start["digest"]),
            parameters=dict(start.get("parameters") or {}),
            secret_names=list(start.get("secret_parameters") or []),
            status=status,
            done=done,
            mode=str(start.get("mode", "execute")),
            rollback_only=bool(start.get("rollback_only")),
        )


def host() -> str:
    return socket.gethostname()
