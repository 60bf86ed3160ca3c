"""The service's own database: a durable inbox of received alerts and the incidents they make.

SQLite in WAL mode (``synchronous=NORMAL``: a committed alert survives the process being killed), or a
team's PostgreSQL (psycopg 3) shared by several ``medic serve`` replicas: the same schema and statements, a
backend says how to connect, begin a write and claim work (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). One
connection per thread. Every write is one short transaction; incidents are upserted with
``INSERT ... ON CONFLICT`` (never read-then-write), so two requests carrying the same alert cannot make two
incidents, and an alert delivered twice (HA senders) is stored once. A transaction touches incidents and inbox
rows in key order, so two concurrent ones never wait on each other in a cycle.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from medic.errors import MedicError
from medic.evidence.redact import redact_json
from medic.serve.alerts import RESOLVED, AlertEvent

SCHEMA_VERSION = 3
MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE inbox (
    id {id},
    key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    received_at {real} NOT NULL,
    event TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    claimed_at {real},
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at {real},
    error TEXT
);
CREATE INDEX inbox_todo ON inbox (done_at, id);
CREATE TABLE incidents (
    id {id},
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    status_at TEXT NOT NULL,
    first_seen {real} NOT NULL,
    last_seen {real} NOT NULL,
    count INTEGER NOT NULL,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    links TEXT NOT NULL,
    evidence TEXT NOT NULL,
    triage TEXT,
    triaged_at {real},
    verdict TEXT,
    verdict_entry TEXT,
    verdict_at {real},
    UNIQUE (source, fingerprint)
);
CREATE INDEX incidents_recent ON incidents (last_seen);
""",
    2: """
CREATE TABLE diagnoses (
    id {id},
    received_at {real} NOT NULL,
    cluster TEXT NOT NULL,
    summary TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX diagnoses_recent ON diagnoses (received_at);
""",
    3: """
CREATE TABLE triages (
    id {id},
    created_at {real} NOT NULL,
    doc TEXT NOT NULL
);
""",
}
# a claimed inbox row whose worker vanished (killed mid-triage) is taken again after this long: longer than
# any one triage of an alert's few lines, short enough that a restart picks the work up at once
CLAIM_LEASE_S = 60.0
MAX_ATTEMPTS = 3  # an alert whose processing fails three times is marked done with its error, not retried forever
VERDICTS = ("right", "wrong", "none")
# A firing alert nobody has repeated for this long is shown as stale: Alertmanager re-sends a firing alert every
# repeat_interval (4 h by default) and Grafana every repeat interval too, so silence for 1.5 times that means
# the sender lost it (a restart without persistence, a deleted rule) and will never send its resolution.
STALE_AFTER_S = 6 * 3600.0
STATUSES = ("firing", "resolved", "stale")
KEPT_TRIAGES = 1000  # pasted triage results kept for their permalinks: the newest this many, older ones dropped


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


class Backend:
    """SQLite: a file, WAL, a write transaction taken at once (``BEGIN IMMEDIATE``)."""

    name = "sqlite"
    begin = "BEGIN IMMEDIATE"
    skip_locked = ""
    types: ClassVar[dict[str, str]] = {"id": "INTEGER PRIMARY KEY", "real": "REAL"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def connect(self) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.row_factory = sqlite3.Row
        return conn

    def sql(self, statement: str) -> str:
        return statement

    def version(self, db: Any) -> int:
        return int(db.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, db: Any, version: int) -> None:
        db.execute(f"PRAGMA user_version={int(version)}")

    def lock_migrations(self, db: Any) -> None:
        """BEGIN IMMEDIATE already holds the only write lock."""


class PostgresBackend(Backend):
    """A team's PostgreSQL: several replicas share inbox and incidents; workers claim with SKIP LOCKED."""

    name = "postgresql"
    begin = "BEGIN"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    types: ClassVar[dict[str, str]] = {
        "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "real": "DOUBLE PRECISION",
    }
    MIGRATION_LOCK = 0x6D65646963  # "medic": one replica migrates, the others wait

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = _without_password(url)

    def connect(self) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        conn.execute("CREATE TABLE IF NOT EXISTS medic_schema (version INTEGER NOT NULL)")
        return conn

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def version(self, db: Any) -> int:
        row = db.execute("SELECT max(version) AS v FROM medic_schema").fetchone()
        return int(row["v"] or 0)

    def set_version(self, db: Any, version: int) -> None:
        db.execute("INSERT INTO medic_schema (version) VALUES (%s)", (version,))

    def lock_migrations(self, db: Any) -> None:
        db.execute("SELECT pg_advisory_xact_lock(%s)", (self.MIGRATION_LOCK,))


def _without_password(url: str) -> str:
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def backend_for(where: str | Path) -> Backend:
    """``postgresql://...`` (or ``postgres://``), ``sqlite:PATH``, or a plain path (SQLite)."""
    text = str(where)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(text)
    return Backend(Path(text.removeprefix("sqlite:")).expanduser())


DB_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)


def db_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a store can raise (psycopg's only when it is installed)."""
    try:
        import psycopg
    except ImportError:
        return DB_ERRORS
    return (*DB_ERRORS, psycopg.Error)


class State:
    """The inbox and incidents database: a SQLite path, ``sqlite:PATH`` or a ``postgresql://`` URL."""

    def __init__(self, where: str | Path) -> None:
        self.backend = backend_for(where)
        self.path = where
        self._local = threading.local()
        try:
            self._migrate()
        except db_errors() as exc:
            raise StateError(f"{self.backend.where}: cannot open the service database: {exc}") from None

    @property
    def db(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.backend.connect()
            self._local.conn = conn
        return conn

    def _q(self, statement: str, args: tuple[Any, ...] | list[Any] = ()) -> Any:
        return self.db.execute(self.backend.sql(statement), args)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        db = self.db
        db.execute(self.backend.begin)
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as w:
            self.backend.lock_migrations(w)
            version = self.backend.version(w)
            if version > SCHEMA_VERSION:
                raise StateError(
                    f"{self.backend.where}: written by a newer Medic (schema {version}, this one knows "
                    f"{SCHEMA_VERSION})"
                )
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[v].format(**self.backend.types).split(";"):
                    if statement.strip():
                        w.execute(statement)
                self.backend.set_version(w, v)

    # -- intake ---------------------------------------------------------------------------------------------

    def accept(self, events: list[AlertEvent]) -> Accepted:
        """Store the events and open or update their incidents, in one transaction. An event whose key is
        stored already is counted as a duplicate and changes nothing."""
        now = time.time()
        new, dups = 0, 0
        incident_of: dict[int, int] = {}
        with self._write():
            # key order: concurrent transactions lock incidents and inbox rows in the same order
            for n, e in sorted(enumerate(events), key=lambda ne: ne[1].key):
                safe = _redacted(e)
                incident_id = self._upsert_incident(safe, now)
                row = self._q(
                    "INSERT INTO inbox (key, source, received_at, event, incident_id) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING RETURNING id",
                    (e.key, e.source, now, json.dumps(safe.to_dict()), incident_id),
                ).fetchone()
                if row is None:
                    dups += 1
                else:
                    new += 1
                    self._apply(safe, incident_id, now)
                incident_of[n] = incident_id
        return Accepted(new, dups, [incident_of[n] for n in range(len(events))])

    def _upsert_incident(self, e: AlertEvent, now: float) -> int:
        row = self._q(
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
        return int(row["id"])

    def _apply(self, e: AlertEvent, incident_id: int, now: float) -> None:
        """A new event moves its incident to the event's state unless a later state is known already
        (notifications can arrive out of order); a firing event counts one more occurrence."""
        self._q(
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
        """Take up to ``limit`` unprocessed inbox rows (and rows whose claim has lapsed); on PostgreSQL rows
        another replica holds are skipped, not waited for."""
        now = time.time()
        with self._write():
            rows = self._q(
                "UPDATE inbox SET claimed_at = ?, attempts = attempts + 1 WHERE id IN ("
                " SELECT id FROM inbox WHERE done_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?)"
                " ORDER BY id LIMIT ?" + self.backend.skip_locked + ") RETURNING id, incident_id, event",
                (now, now - CLAIM_LEASE_S, limit),
            ).fetchall()
            out = []
            for r in rows:
                triaged = self._q("SELECT triaged_at FROM incidents WHERE id = ?", (r["incident_id"],)).fetchone()
                out.append(
                    Claimed(r["id"], r["incident_id"], _event_from_json(r["event"]), triaged["triaged_at"] is not None)
                )
        return sorted(out, key=lambda c: c.inbox_id)

    def release_claims_of_the_dead(self) -> int:
        """At a worker's start on SQLite: claims held then belong to a process that died (one process serves a
        SQLite state file), so they are released at once instead of after the lease. On PostgreSQL other
        replicas' claims are live; the lease decides there."""
        if self.backend.name != "sqlite":
            return 0
        with self._write():
            cur = self._q("UPDATE inbox SET claimed_at = NULL WHERE done_at IS NULL AND claimed_at IS NOT NULL")
        return int(cur.rowcount or 0)

    def finish(self, claimed: Claimed, triage: dict[str, Any] | None, error: str | None = None) -> None:
        now = time.time()
        with self._write():
            if triage is not None:
                self._q(
                    "UPDATE incidents SET triage = ?, triaged_at = ? WHERE id = ?",
                    (json.dumps(triage), now, claimed.incident_id),
                )
            if error is None:
                self._q("UPDATE inbox SET done_at = ?, error = NULL WHERE id = ?", (now, claimed.inbox_id))
            else:
                self._q(
                    "UPDATE inbox SET error = ?, claimed_at = NULL,"
                    " done_at = CASE WHEN attempts >= ? THEN ? ELSE NULL END WHERE id = ?",
                    (error[:1000], MAX_ATTEMPTS, now, claimed.inbox_id),
                )

    def depth(self) -> int:
        return int(self._q("SELECT count(*) AS n FROM inbox WHERE done_at IS NULL").fetchone()["n"])

    # -- reading --------------------------------------------------------------------------------------------

    def incidents(self, status: str | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        sql = "SELECT * FROM incidents"
        args: list[Any] = []
        cutoff = time.time() - STALE_AFTER_S
        if status == "resolved":
            sql += " WHERE status = 'resolved'"
        elif status == "firing":
            sql += " WHERE status = 'firing' AND last_seen >= ?"
            args.append(cutoff)
        elif status == "stale":
            sql += " WHERE status = 'firing' AND last_seen < ?"
            args.append(cutoff)
        sql += " ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?"
        args += [limit, offset]
        return [_incident(r) for r in self._q(sql, args).fetchall()]

    def incident(self, incident_id: int) -> dict[str, Any] | None:
        row = self._q("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return _incident(row) if row else None

    def change_mark(self) -> tuple[Any, ...]:
        """Changes whenever an incident is added, updated, triaged or judged (for live pages)."""
        row = self._q(
            "SELECT count(*) AS n, max(last_seen) AS seen, max(triaged_at) AS triaged, max(verdict_at) AS judged"
            " FROM incidents"
        ).fetchone()
        return (row["n"], row["seen"], row["triaged"], row["judged"])

    def counts(self) -> dict[str, int]:
        rows = self._q(
            "SELECT CASE WHEN status = 'firing' AND last_seen < ? THEN 'stale' ELSE status END AS s, count(*) AS n"
            " FROM incidents GROUP BY 1",
            (time.time() - STALE_AFTER_S,),
        ).fetchall()
        return {r["s"]: int(r["n"]) for r in rows}

    def add_diagnosis(self, report: dict[str, Any]) -> int:
        """Keep a diagnosis (a periodic job posts one per run)."""
        raw = report.get("cluster")
        about: dict[str, Any] = raw if isinstance(raw, dict) else {}
        cluster = str(about.get("context") or "")
        summary = {"cluster": about, "counts": report.get("counts", {})}
        with self._write():
            row = self._q(
                "INSERT INTO diagnoses (received_at, cluster, summary, report) VALUES (?, ?, ?, ?) RETURNING id",
                (time.time(), cluster, json.dumps(summary), json.dumps(report)),
            ).fetchone()
        return int(row["id"])

    def diagnoses(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._q(
            "SELECT id, received_at, cluster, summary FROM diagnoses ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [{**dict(r), "summary": json.loads(r["summary"])} for r in rows]

    def diagnosis(self, diagnosis_id: int) -> dict[str, Any] | None:
        row = self._q("SELECT report FROM diagnoses WHERE id = ?", (diagnosis_id,)).fetchone()
        return json.loads(row["report"]) if row else None

    def add_triage(self, doc: dict[str, Any]) -> int:
        """Keep a pasted triage's result (the redacted document, never the paste) for its permalink."""
        with self._write():
            row = self._q(
                "INSERT INTO triages (created_at, doc) VALUES (?, ?) RETURNING id", (time.time(), json.dumps(doc))
            ).fetchone()
            self._q("DELETE FROM triages WHERE id <= ?", (int(row["id"]) - KEPT_TRIAGES,))
        return int(row["id"])

    def triage_result(self, triage_id: int) -> dict[str, Any] | None:
        row = self._q("SELECT created_at, doc FROM triages WHERE id = ?", (triage_id,)).fetchone()
        return {"created_at": row["created_at"], "doc": json.loads(row["doc"])} if row else None

    def set_verdict(self, incident_id: int, verdict: str, entry: str | None) -> bool:
        if verdict not in VERDICTS:
            raise StateError(f"verdict must be one of {', '.join(VERDICTS)}")
        with self._write():
            cur = self._q(
                "UPDATE incidents SET verdict = ?, verdict_entry = ?, verdict_at = ? WHERE id = ?",
                (verdict, entry, time.time(), incident_id),
            )
        return bool(cur.rowcount > 0)


def _incident(row: Any) -> dict[str, Any]:
    d = dict(row)
    if d["status"] == "firing" and d["last_seen"] < time.time() - STALE_AFTER_S:
        d["status"] = "stale"
    for k in ("labels", "annotations", "links"):
        d[k] = json.loads(d[k])
    d["triage"] = json.loads(d["triage"]) if d["triage"] else None
    return d
