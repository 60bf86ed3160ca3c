"""The audit log: every run of a plan, appended to ``audit.db`` beside the knowledge database.

One SQLite table of events (``run_started``, ``command``, ``step_finished``, ``run_finished``...), each
with the run id, the time and a JSON body. What a run did, and where a resumed run goes on, is read back
by folding its events.

What makes the log trustworthy, and where that stops:

- **Append-only, chained.** Triggers refuse UPDATE and DELETE. Each row also stores ``prev_hash`` and
  ``hash = sha256(prev_hash || canonical JSON of [seq, run_id, at, type, data])``; the last ``(seq, hash)``
  is copied to a small anchor file (``audit.anchor``) after each write. :meth:`AuditLog.verify`
  (``medic audit verify``) recomputes the chain: a changed row, a row deleted in the middle, a forged row,
  a truncated tail or dropped triggers are reported with the first row where the chain breaks. The chain
  has no secret key: someone who can write both the database and the anchor (root, the owner) can rewrite
  the whole history consistently. It catches casual tampering and damage, not a determined administrator.
- **Private.** The database, its journal files and the anchor are created 0600 (the folder 0700 when
  Medic creates it); an existing world-readable file is tightened, or a one-line warning says why not.
- **Who.** ``who`` is the account name of the real uid (never ``$USER``); ``SUDO_USER``/``SUDO_UID`` are
  recorded separately as ``sudo_user``/``sudo_uid``, as claims, not as the identity.
- **One process per run.** A run holds an exclusive ``flock`` on ``audit.locks/<run id>.lock`` while it
  runs; a second ``--resume`` of the same run is refused, and a run whose process died (lock free, no
  ``run_finished``) reads as ``interrupted``, not ``running``.
- **Redacted.** Everything written passes through :class:`Redactor`: the values of secret parameters are
  replaced, then :func:`medic.evidence.redact.redact_text` removes tokens, keys and passwords. Secret
  values are kept only as a salted SHA-256 (so a resume can check the value given again). Output is kept
  as a digest of all of it plus its first and last lines.

A database of the first layout (no hash columns) is upgraded in place: its rows are chained once, at the
upgrade, and an ``audit_migrated`` event says so: rows written before it were not protected when written.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import re
import secrets
import socket
import sqlite3
import stat
import time
from collections import deque
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from medic.errors import InputError, MedicError, StoreError
from medic.evidence.redact import REDACTED, redact_text

_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    at REAL NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT,
    hash TEXT
)"""
_INDEX = "CREATE INDEX IF NOT EXISTS events_run ON events(run_id)"
_TRIGGERS = {
    "events_no_update": "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "events_no_delete": "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
}
SCHEMA_VERSION = 2  # 1: no hash chain (before issue #10); 2: prev_hash/hash columns and the anchor file
GENESIS = "0" * 64  # prev_hash of the first row
PRIVATE = 0o600
ANCHOR_SETTLE = 0.5  # seconds; a commit-to-anchor gap is a few ms, so a lag longer than this is not a race
HEAD_LINES = 20
TAIL_LINES = 20
LINE_CHARS = 400
_RUN_ID = re.compile(r"[0-9a-f]{1,64}")


def audit_path(db_path: Path) -> Path:
    """The audit database beside the knowledge database (``.../medic/medic.db`` → ``.../medic/audit.db``)."""
    return db_path.with_name("audit.db")


def anchor_path(path: Path) -> Path:
    return path.with_name(path.stem + ".anchor")


def lock_dir(path: Path) -> Path:
    return path.with_name(path.stem + ".locks")


def who() -> str:
    """The account name of the real uid (``$USER`` and ``$LOGNAME`` are whatever the caller set)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def identity() -> dict[str, Any]:
    """``who`` and ``uid``; plus ``sudo_user``/``sudo_uid`` when sudo says who called it (a claim only)."""
    out: dict[str, Any] = {"who": who(), "uid": os.getuid()}
    sudo_user = os.environ.get("SUDO_USER", "")
    if sudo_user:
        out["sudo_user"] = sudo_user[:64]
        sudo_uid = os.environ.get("SUDO_UID", "")
        if sudo_uid.isdigit():
            out["sudo_uid"] = int(sudo_uid)
    return out


def host() -> str:
    return socket.gethostname()


def chain_hash(prev: str, seq: int, run_id: str, at: float, kind: str, data: str) -> str:
    """sha256(prev_hash || canonical JSON of the row); ``data`` is the JSON text exactly as stored."""
    canonical = json.dumps([seq, run_id, at, kind, data], ensure_ascii=False, separators=(",", ":"))
    return sha256((prev + canonical).encode("utf-8")).hexdigest()


def secret_digest(value: str, salt: str) -> str:
    return sha256((salt + value).encode("utf-8")).hexdigest()


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
    sudo_user: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
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
        if self.sudo_user:
            out["sudo_user"] = self.sudo_user
        return out


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
    secret_digests: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Verification:
    """The result of :meth:`AuditLog.verify`: rows checked, and the first problem (if any)."""

    rows: int
    last_seq: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows_verified": self.rows, "last_seq": self.last_seq, "problems": self.problems}


class RunLock:
    """An exclusive ``flock`` on one run's lock file, held while the run goes on."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self, remove: bool = False) -> None:
        """Unlock; ``remove`` (a finished run) unlinks the file first, while it is still held."""
        if self._fd is not None:
            if remove:
                self.path.unlink(missing_ok=True)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.fullmatch(run_id):
        raise StoreError(f"the audit log holds a malformed run id {run_id[:40]!r}")
    return run_id


class AuditLog:
    """The audit database. ``write=False`` opens it read-only (``medic audit``): nothing is created."""

    def __init__(self, path: Path, write: bool = True) -> None:
        self.path = path
        self.anchor = anchor_path(path)
        self.locks = lock_dir(path)
        self.write = write
        self.warnings: list[str] = []
        self.legacy = False  # read-only open of a first-layout database (no hash chain)
        try:
            self.db = self._connect_write() if write else self._connect_read()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the audit log ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the audit log ({exc.strerror or exc})") from None

    # -- opening --------------------------------------------------------------------------------
    def _connect_read(self) -> sqlite3.Connection:
        if not self.path.exists():
            db = sqlite3.connect(":memory:", isolation_level=None)
            db.execute(_TABLE)
            return db
        db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # "file is not a database" here
        columns = {r[1] for r in db.execute("PRAGMA table_info(events)")}
        if not columns:
            db.execute(_TABLE.replace("CREATE TABLE", "CREATE TEMP TABLE"))
        self.legacy = bool(columns) and "hash" not in columns
        return db

    def _connect_write(self) -> sqlite3.Connection:
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(f"{folder}: the audit folder is not writable; medic will not run unaudited")
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise StoreError(f"{self.path}: the audit log is read-only; medic will not run unaudited")
        old = os.umask(0o077)
        try:
            db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            columns = {r[1] for r in db.execute("PRAGMA table_info(events)")}
            if columns and "hash" not in columns:
                self._migrate(db)
            else:
                db.execute(_TABLE)
                db.execute(_INDEX)
                missing = self._missing_triggers(db) if columns else []
                for sql in _TRIGGERS.values():
                    db.execute(sql)
                self._check_replaced(db)
                if missing:
                    self.warnings.append(
                        f"{self.path}: the append-only triggers were missing ({', '.join(missing)}); "
                        "restored: run `medic audit verify`"
                    )
                    self._append(db, "", "audit_triggers_restored", {"missing": missing})
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            os.umask(old)
        self._tighten()
        return db

    def _check_replaced(self, db: sqlite3.Connection) -> None:
        """An empty log beside an anchor that recorded rows: the file was deleted or swapped. Say so in the
        new chain (verify reports it for ever after) and restart the anchor from the new log."""
        anchor = self.read_anchor()
        if anchor is None or anchor[0] == 0 or db.execute("SELECT 1 FROM events LIMIT 1").fetchone():
            return
        self.warnings.append(
            f"{self.path}: the audit log is new but its anchor recorded {anchor[0]} row(s): the old log was "
            "removed or replaced"
        )
        self._append(db, "", "audit_log_replaced", {"anchor_seq": anchor[0], "anchor_hash": anchor[1]}, force=True)

    @staticmethod
    def _missing_triggers(db: sqlite3.Connection) -> list[str]:
        have = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return [name for name in _TRIGGERS if name not in have]

    def _migrate(self, db: sqlite3.Connection) -> None:
        """First layout → chained: add the columns, chain the old rows once, say so in a marker event."""
        db.execute("BEGIN IMMEDIATE")
        try:
            for name in _TRIGGERS:
                db.execute(f"DROP TRIGGER IF EXISTS {name}")
            db.execute("ALTER TABLE events ADD COLUMN prev_hash TEXT")
            db.execute("ALTER TABLE events ADD COLUMN hash TEXT")
            prev = GENESIS
            rows = db.execute("SELECT seq, run_id, at, type, data FROM events ORDER BY seq").fetchall()
            for seq, run_id, at, kind, data in rows:
                h = chain_hash(prev, int(seq), str(run_id), float(at), str(kind), str(data))
                db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
                prev = h
            db.execute(_INDEX)
            for sql in _TRIGGERS.values():
                db.execute(sql)
            note = "rows before this event were written without a hash chain and chained only now"
            seq, h = self._insert(db, "", "audit_migrated", {"rows": len(rows), "from_version": 1, "note": note})
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._write_anchor(seq, h)
        self.warnings.append(f"{self.path}: upgraded to a hash-chained audit log ({len(rows)} earlier rows)")

    def _tighten(self) -> None:
        suffixes = ("", "-journal", "-wal", "-shm")
        for p in [Path(str(self.path) + s) for s in suffixes] + [self.anchor]:
            try:
                mode = p.stat().st_mode
            except FileNotFoundError:
                continue
            if stat.S_IMODE(mode) & 0o077:
                try:
                    p.chmod(PRIVATE)
                except OSError as exc:
                    warning = f"{p}: readable by others and cannot be made private ({exc.strerror})"
                    if warning not in self.warnings:
                        self.warnings.append(warning)

    def close(self) -> None:
        self.db.close()

    # -- writing --------------------------------------------------------------------------------
    def append(self, run_id: str, kind: str, data: dict[str, Any]) -> None:
        if not self.write:
            raise StoreError(f"{self.path}: opened read-only")
        try:
            self._append(self.db, run_id, kind, data)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the audit log ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{self.anchor}: cannot write the audit anchor ({exc.strerror or exc})") from None
        self._tighten()

    def _append(
        self, db: sqlite3.Connection, run_id: str, kind: str, data: dict[str, Any], force: bool = False
    ) -> None:
        db.execute("BEGIN IMMEDIATE")  # one writer at a time: seq and prev_hash are read, then written
        try:
            seq, h = self._insert(db, run_id, kind, data)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._write_anchor(seq, h, force)

    @staticmethod
    def _insert(db: sqlite3.Connection, run_id: str, kind: str, data: dict[str, Any]) -> tuple[int, str]:
        last = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq = int(last[0]) + 1 if last else 1
        prev = str(last[1] or "") if last else GENESIS
        at = time.time()
        text = json.dumps(data, ensure_ascii=False)
        h = chain_hash(prev, seq, run_id, at, kind, text)
        db.execute(
            "INSERT INTO events(seq, run_id, at, type, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, run_id, at, kind, text, prev, h),
        )
        return seq, h

    def _write_anchor(self, seq: int, h: str, force: bool = False) -> None:
        """Record the newest (seq, hash); under a lock and only forward, so concurrent writers agree."""
        self.locks.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.locks / "anchor.lock", os.O_RDWR | os.O_CREAT, PRIVATE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = self.read_anchor()
            if current is not None and current[0] >= seq and not force:
                return
            tmp = self.anchor.with_name(f"{self.anchor.name}.{os.getpid()}.tmp")
            wfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
            with os.fdopen(wfd, "w", encoding="utf-8") as f:
                f.write(json.dumps({"seq": seq, "hash": h}) + "\n")
            os.replace(tmp, self.anchor)
        finally:
            os.close(fd)

    def read_anchor(self) -> tuple[int, str] | None:
        try:
            data = json.loads(self.anchor.read_text(encoding="utf-8"))
            return int(data["seq"]), str(data["hash"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, OSError):
            return (-1, "")

    # -- run locks ------------------------------------------------------------------------------
    def lock(self, run_id: str) -> RunLock:
        """Hold ``run_id`` for this process, or refuse (one line, exit 2) when another process holds it."""
        check_run_id(run_id)
        try:
            self.locks.mkdir(mode=0o700, exist_ok=True)
            path = self.locks / f"{run_id}.lock"
            fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE)
        except OSError as exc:
            raise StoreError(f"{self.locks}: cannot create the run lock ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise MedicError(f"run {run_id} is running in another process (pid {holder}); wait for it") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return RunLock(path, fd)

    def is_running(self, run_id: str) -> bool:
        """A run is running while some process holds its lock (not merely because it never finished)."""
        path = self.locks / f"{run_id}.lock"
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the shared lock if it was taken
        return False

    # -- reading --------------------------------------------------------------------------------
    def events(self, run_id: str) -> list[tuple[float, str, dict[str, Any]]]:
        try:
            rows = self.db.execute(
                "SELECT at, type, data FROM events WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
            return [(float(at), str(kind), _body(data)) for at, kind, data in rows]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log ({exc})") from None

    def find_run(self, prefix: str) -> str:
        try:
            rows = self.db.execute(
                "SELECT DISTINCT run_id FROM events WHERE type = 'run_started' AND run_id LIKE ? LIMIT 2",
                (prefix.replace("%", "").replace("_", "") + "%",),
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log ({exc})") from None
        if not rows or not prefix:
            raise InputError(f"no run with id {prefix!r} in the audit log (`medic audit` lists them)")
        if len(rows) > 1:
            raise InputError(f"run id prefix {prefix!r} is ambiguous; give more characters")
        return check_run_id(str(rows[0][0]))

    def runs(self, limit: int = 50) -> list[RunSummary]:
        try:
            ids = [
                str(r[0])
                for r in self.db.execute(
                    "SELECT run_id FROM events WHERE type = 'run_started' ORDER BY seq DESC LIMIT ?", (limit,)
                )
            ]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log ({exc})") from None
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
                status = str(body.get("status", status)) if kind == "run_finished" else "running"
        if status == "running" and not self.is_running(run_id):
            status = "interrupted"  # its process ended without saying so (killed, power lost)
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
            parameters={str(k): str(v) for k, v in dict(data.get("parameters") or {}).items()},
            sudo_user=str(data.get("sudo_user", "")),
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
        digests = start.get("secret_digests") or {}
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
            secret_digests={str(k): dict(v) for k, v in digests.items() if isinstance(v, dict)},
        )

    # -- verification ---------------------------------------------------------------------------
    def verify(self) -> Verification:
        """Recompute the chain from the first row; stop at the first row that does not follow."""
        if self.legacy:
            return Verification(0, 0, ["the audit log has the first layout (no hash chain); `medic run` upgrades it"])
        try:
            return self._verify()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log ({exc})") from None

    def _verify(self) -> Verification:
        result = Verification(0, 0)
        exists = self.path.exists()
        if exists:
            missing = self._missing_triggers(self.db)
            if missing:
                result.problems.append(f"the append-only triggers are missing: {', '.join(missing)}")
        prev, prev_seq = GENESIS, 0
        rows = self.db.execute("SELECT seq, run_id, at, type, data, prev_hash, hash FROM events ORDER BY seq")
        for seq, run_id, at, kind, data, prev_hash, h in rows:
            if prev_hash != prev:
                where = f"after row {prev_seq}" if prev_seq else "at the start"
                result.problems.append(
                    f"row {seq}: does not follow the row before it (rows missing or inserted {where})"
                )
                return result
            if h != chain_hash(str(prev_hash), int(seq), str(run_id), float(at), str(kind), str(data)):
                result.problems.append(f"row {seq}: its content does not match its hash (changed after it was written)")
                return result
            if kind == "audit_triggers_restored":
                result.problems.append(f"row {seq}: the append-only triggers had been dropped before this row")
            elif kind == "audit_log_replaced":
                result.problems.append(f"row {seq}: the log before this row was removed or replaced")
            prev, prev_seq = str(h), int(seq)
            result.rows += 1
        result.last_seq = prev_seq
        anchor = self.read_anchor()
        if anchor is not None and 0 <= anchor[0] < prev_seq:
            # a writer updates the anchor just after its commit: give one in progress time to finish
            time.sleep(ANCHOR_SETTLE)
            anchor = self.read_anchor()
        if anchor is None:
            if prev_seq:
                result.problems.append(f"the anchor file {self.anchor.name} is missing")
        elif anchor[0] < 0:
            result.problems.append(f"the anchor file {self.anchor.name} is unreadable")
        elif anchor[0] > prev_seq:
            result.problems.append(
                f"the log ends at row {prev_seq} but the anchor records row {anchor[0]}: rows were removed from the end"
            )
        elif anchor[0] < prev_seq:
            result.problems.append(f"rows {anchor[0] + 1}..{prev_seq} were added without updating the anchor")
        elif anchor[1] != prev:
            result.problems.append(f"row {prev_seq}: its hash differs from the one recorded in the anchor")
        return result


def _body(data: str) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except (TypeError, ValueError):
        return {"unreadable": True}
    return body if isinstance(body, dict) else {"unreadable": True}


def new_salt() -> str:
    return secrets.token_hex(16)


def check_resume_secrets(state: RunState, supplied: dict[str, str]) -> None:
    """A resumed run needs its secret values given again (the log keeps only a salted digest of each).

    A missing value stops the resume before anything runs; a value whose digest differs from the one
    recorded at the start is refused (a new run is the way to use another value).
    """
    needed = [n for n in state.secret_names if n in state.parameters]
    missing = [n for n in needed if not supplied.get(n)]
    if missing:
        sets = " ".join(f"--set {n}=..." for n in missing)
        raise InputError(
            f"run {state.run_id} used the secret parameter(s) {', '.join(missing)}: the audit log keeps no "
            f"secret, give them again ({sets}); nothing was run"
        )
    for name in needed:
        recorded = state.secret_digests.get(name) or {}
        salt, digest = recorded.get("salt"), recorded.get("sha256")
        if salt and digest and secret_digest(supplied[name], salt) != digest:
            raise InputError(
                f"--set {name}: not the value run {state.run_id} started with; start a new run to use another value"
            )


def run_document(audit: AuditLog, run_id: str) -> dict[str, Any]:
    """One run (an id or a unique prefix) with its events, oldest first: what ``medic audit RUN --json`` prints and
    ``GET /api/v1/audit/RUN`` serves."""
    rid = audit.find_run(run_id)
    return {
        **audit.summary(rid).to_dict(),
        "events": [
            {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(at)), "type": kind, **body}
            for at, kind, body in audit.events(rid)
        ],
    }
