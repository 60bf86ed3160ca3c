"""The service's own database: a durable inbox of received alerts and the incidents they make.

SQLite in WAL mode (``synchronous=NORMAL``: a committed alert survives the process being killed). One
connection per thread. Every write is one short transaction; incidents are upserted with
``INSERT ... ON CONFLICT`` (never read-then-write), so two requests carrying the same alert cannot make two
incidents, and an alert delivered twice (HA senders) is stored once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from medic.errors import MedicError
from medic.evidence.redact import redact_json
from medic.serve.alerts import RESOLVED, AlertEvent

SCHEMA_VERSION = 1
MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    received_at REAL NOT NULL,
    event TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    claimed_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at REAL,
    error TEXT
);
CREATE INDEX inbox_todo ON inbox (done_at, id);
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    status_at TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    count INTEGER NOT NULL,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    links TEXT NOT NULL,
    evidence TEXT NOT NULL,
    triage TEXT,
    triaged_at REAL,
    verdict TEXT,
    verdict_entry TEXT,
    verdict_at REAL,
    UNIQUE (source, fingerprint)
);
CREATE INDEX incidents_recent ON incidents (last_seen);
""",
}
# a claimed inbox row whose worker vanished (killed mid-triage) is taken again after this long: longer than
# any one triage of an alert's few lines, short enough that a restart picks the work up at once
CLAIM_LEASE_S = 60.0
MAX_ATTEMPTS = 3  # an alert whose processing fails three times is marked done with its error, not retried forever
VERDICTS = ("right", "wrong", "none")


class StateError(MedicError):
    pass


@dataclass
class Accepted:
    accepted: int  # new events stored
    duplicates: int  # events already stored (the same alert in the same state)
    incidents: list[int]


@dataclass
class Claimed:
    inbox_id: int
    incident_id: int
    event: AlertEvent
    triaged: bool  # the incident already has its triage


def _redacted(e: AlertEvent) -> AlertEvent:
    """What is stored of an event: its text, labels and payload without credentials (an annotation can
    carry a connection string); its identity (source, fingerprint, status, time) as sent."""
    return replace(
        e,
        title=redact_json(e.title)[0],
        labels=redact_json(e.labels)[0],
        annotations=redact_json(e.annotations)[0],
        links=redact_json(e.links)[0],
        raw=redact_json(e.raw)[0],
    )


def _event_from_json(text: str) -> AlertEvent:
    data = json.loads(text)
    return AlertEvent(**data)


class State:
    """The inbox and incidents database at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{path}: cannot open the service database: {exc}") from None

    @property
    def db(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{self.path}: written by a newer Medic (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        for v in range(version + 1, SCHEMA_VERSION + 1):
            with self._write() as w:
                for statement in MIGRATIONS[v].split(";"):
                    if statement.strip():
                        w.execute(statement)
                w.execute(f"PRAGMA user_version={v}")

    # -- intake ---------------------------------------------------------------------------------------------

    def accept(self, events: list[AlertEvent]) -> Accepted:
        """Store the events and open or update their incidents, in one transaction. An event whose key is
        stored already is counted as a duplicate and changes nothing."""
        now = time.time()
        new, dups, incident_ids = 0, 0, []
        with self._write() as w:
            for e in events:
                safe = _redacted(e)
                incident_id = self._upsert_incident(w, safe, now, count=False)
                row = w.execute(
                    "INSERT INTO inbox (key, source, received_at, event, incident_id) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING RETURNING id",
                    (e.key, e.source, now, json.dumps(safe.to_dict()), incident_id),
                ).fetchone()
                if row is None:
                    dups += 1
                else:
                    new += 1
                    self._apply(w, safe, incident_id, now)
                incident_ids.append(incident_id)
        return Accepted(new, dups, incident_ids)

    @staticmethod
    def _upsert_incident(w: sqlite3.Connection, e: AlertEvent, now: float, count: bool) -> int:
        row = w.execute(
            "INSERT INTO incidents (source, fingerprint, title, status, status_at, first_seen, last_seen, count,"
            " labels, annotations, links, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"
            " ON CONFLICT (source, fingerprint) DO UPDATE SET last_seen = excluded.last_seen"
            " RETURNING id",
            (
                e.source,
                e.fingerprint,
                e.title,
                e.status,
                "",
                now,
                now,
                json.dumps(e.labels),
                json.dumps(e.annotations),
                json.dumps(e.links),
                e.evidence(),
            ),
        ).fetchone()
        return int(row[0])

    @staticmethod
    def _apply(w: sqlite3.Connection, e: AlertEvent, incident_id: int, now: float) -> None:
        """A new event moves its incident to the event's state unless a later state is known already
        (notifications can arrive out of order); a firing event counts one more occurrence."""
        w.execute(
            "UPDATE incidents SET"
            " status = CASE WHEN ? >= status_at THEN ? ELSE status END,"
            " status_at = CASE WHEN ? >= status_at THEN ? ELSE status_at END,"
            " count = count + ?,"
            " title = ?, labels = ?, annotations = ?, links = ?, evidence = ?, last_seen = ?"
            " WHERE id = ?",
            (
                e.at,
                e.status,
                e.at,
                e.at,
                0 if e.status == RESOLVED else 1,
                e.title,
                json.dumps(e.labels),
                json.dumps(e.annotations),
                json.dumps(e.links),
                e.evidence(),
                now,
                incident_id,
            ),
        )

    # -- processing -----------------------------------------------------------------------------------------

    def claim(self, limit: int = 32) -> list[Claimed]:
        """Take up to ``limit`` unprocessed inbox rows (and rows whose claim has lapsed)."""
        now = time.time()
        with self._write() as w:
            rows = w.execute(
                "UPDATE inbox SET claimed_at = ?, attempts = attempts + 1 WHERE id IN ("
                " SELECT id FROM inbox WHERE done_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?)"
                " ORDER BY id LIMIT ?) RETURNING id, incident_id, event",
                (now, now - CLAIM_LEASE_S, limit),
            ).fetchall()
            out = []
            for r in rows:
                triaged = w.execute("SELECT triaged_at FROM incidents WHERE id = ?", (r["incident_id"],)).fetchone()
                out.append(Claimed(r["id"], r["incident_id"], _event_from_json(r["event"]), triaged[0] is not None))
        return sorted(out, key=lambda c: c.inbox_id)

    def finish(self, claimed: Claimed, triage: dict[str, Any] | None, error: str | None = None) -> None:
        now = time.time()
        with self._write() as w:
            if triage is not None:
                w.execute(
                    "UPDATE incidents SET triage = ?, triaged_at = ? WHERE id = ?",
                    (json.dumps(triage), now, claimed.incident_id),
                )
            if error is None:
                w.execute("UPDATE inbox SET done_at = ?, error = NULL WHERE id = ?", (now, claimed.inbox_id))
            else:
                w.execute(
                    "UPDATE inbox SET error = ?, claimed_at = NULL,"
                    " done_at = CASE WHEN attempts >= ? THEN ? ELSE NULL END WHERE id = ?",
                    (error[:1000], MAX_ATTEMPTS, now, claimed.inbox_id),
                )

    def depth(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0])

    # -- reading --------------------------------------------------------------------------------------------

    def incidents(self, status: str | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        sql = "SELECT * FROM incidents"
        args: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?"
        args += [limit, offset]
        return [_incident(r) for r in self.db.execute(sql, args).fetchall()]

    def incident(self, incident_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return _incident(row) if row else None

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, count(*) FROM incidents GROUP BY status").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def set_verdict(self, incident_id: int, verdict: str, entry: str | None) -> bool:
        if verdict not in VERDICTS:
            raise StateError(f"verdict must be one of {', '.join(VERDICTS)}")
        with self._write() as w:
            cur = w.execute(
                "UPDATE incidents SET verdict = ?, verdict_entry = ?, verdict_at = ? WHERE id = ?",
                (verdict, entry, time.time(), incident_id),
            )
        return cur.rowcount > 0


def _incident(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    for k in ("labels", "annotations", "links"):
        d[k] = json.loads(d[k])
    d["triage"] = json.loads(d["triage"]) if d["triage"] else None
    return d
