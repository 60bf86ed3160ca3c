"""SQLite store: entries as JSON, an FTS5 index with CJK bigrams, float16 sentence vectors.

Only *searchable* entries (problems and procedures, not their role parts) have an FTS row and a
vector; their indexed text folds in the text of their parts, so a query that hits a "Solution"
sub-section finds the issue it belongs to.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import ChainMap
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from medic.errors import KnowledgeError, StoreError
from medic.knowledge import embed
from medic.knowledge.lexicon import english_of
from medic.knowledge.lexicon import fingerprint as lexicon_fingerprint
from medic.knowledge.signatures import mine
from medic.knowledge.text import expand_glossary, glossary_terms, segment, split_camel
from medic.knowledge.vindex import VectorIndex
from medic.model import CodeBlock, CodeKind, Entry, PartRef, Role

SCHEMA_VERSION = "7"  # 6: a vector of the output a section quotes; 7: English words of CJK terms (lexicon)
# what the stored index was built with: the tables' layout and the lexicon whose English words it holds (a new
# lexicon is an upgrade: the files are indexed again, as after a change of layout)
INDEX_FORMAT = f"{SCHEMA_VERSION}/{lexicon_fingerprint()}"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    fmt TEXT NOT NULL,
    lang TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    entries INTEGER NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    lang TEXT NOT NULL,
    searchable INTEGER NOT NULL,
    builtin INTEGER NOT NULL,
    tags TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_source ON entries(source);
CREATE TABLE IF NOT EXISTS entry_tags (tag TEXT NOT NULL, rowid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entry_tags_tag ON entry_tags(tag);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    title, heading, body, tags, code, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    entry_rowid INTEGER NOT NULL,
    template TEXT NOT NULL,
    regex TEXT NOT NULL,
    line TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    letters INTEGER NOT NULL,
    kind INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS signatures_entry ON signatures(entry_rowid);
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_vocab USING fts5vocab(entries_fts, 'row');
CREATE TABLE IF NOT EXISTS vectors (
    rowid INTEGER NOT NULL, kind INTEGER NOT NULL, ehash TEXT NOT NULL, vec BLOB NOT NULL,
    PRIMARY KEY (rowid, kind)
);
CREATE TABLE IF NOT EXISTS twins (
    builtin_rowid INTEGER NOT NULL, user_rowid INTEGER NOT NULL, score REAL NOT NULL, cos REAL NOT NULL,
    link REAL NOT NULL, shared INTEGER NOT NULL, how TEXT NOT NULL, PRIMARY KEY (builtin_rowid, user_rowid)
);
"""
BOUNDED_SCAN = 2000
# bm25 column weights: title, heading path, body (with parts), tags, code
BM25_WEIGHTS = (10.0, 3.0, 1.0, 6.0, 0.4)


# SQLite's primary result codes for a database that cannot be written: SQLITE_PERM, SQLITE_BUSY and
# SQLITE_LOCKED (another process holds it past the 30 s timeout), SQLITE_READONLY, SQLITE_IOERR (its
# journal or shared-memory file cannot be made), SQLITE_FULL, SQLITE_CANTOPEN
_UNWRITABLE = {
    3: "permission denied",
    5: "busy",
    6: "locked",
    8: "read-only",
    10: "disk I/O error",
    13: "disk full",
    14: "cannot open",
}


class ReadOnlyStore(StoreError):
    """The knowledge database (or its folder) cannot be written: a 0444 file, a read-only folder or
    file system, a full disk."""


class _Connection(sqlite3.Connection):
    """A connection whose write failures are one ``ReadOnlyStore`` error naming the database, not a
    ``sqlite3.OperationalError`` traceback. Other errors (an FTS query SQLite cannot parse) stay as they are."""

    path = ""

    def _unwritable(self, exc: sqlite3.OperationalError) -> sqlite3.OperationalError | ReadOnlyStore:
        reason = _UNWRITABLE.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF)
        if reason is None:
            return exc
        return ReadOnlyStore(
            f"{self.path}: cannot write the knowledge database ({reason}: {exc}); "
            "check its permissions, or give a writable --db"
        )

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise self._unwritable(exc) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise self._unwritable(exc) from None

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        try:
            return super().executescript(sql_script)
        except sqlite3.OperationalError as exc:
            raise self._unwritable(exc) from None


@dataclass(frozen=True)
class SourceInfo:
    path: str
    sha256: str
    fmt: str
    lang: str
    builtin: bool
    entries: int
    indexed_at: float


def entry_from_json(data: str) -> Entry:
    raw: dict[str, Any] = json.loads(data)
    raw["role"] = Role(raw["role"])
    raw["code_blocks"] = [CodeBlock.from_dict(b) for b in raw["code_blocks"]]
    raw["parts"] = [PartRef(id=p["id"], role=Role(p["role"]), title=p["title"]) for p in raw["parts"]]
    return Entry(**raw)


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def _entry_json(entry: Entry) -> str:
    """``json.dumps(entry.to_dict())``, without ``asdict``'s deep copy of every field (a tenth of a millisecond an
    entry): the same keys in the same order, nested values as ``to_dict`` gives them."""
    data = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
    data["role"] = str(entry.role)
    data["code_blocks"] = [b.to_dict() for b in entry.code_blocks]
    data["parts"] = [{"id": p.id, "role": str(p.role), "title": p.title} for p in entry.parts]
    return json.dumps(data, ensure_ascii=False)


def _descendants(entry: Entry, children: dict[str, list[Entry]]) -> Iterator[Entry]:
    for child in children.get(entry.id, []):
        yield child
        yield from _descendants(child, children)


@dataclass
class IndexDoc:
    """The text a searchable entry is found by."""

    title: str
    heading: str
    body: str
    tags: str
    code: str
    embed_texts: list[str]  # [title with its parent, lead of the symptom or body]


def index_doc(entry: Entry, children: dict[str, list[Entry]]) -> IndexDoc:
    """Own text plus the text of the entry's parts (and what lies under them)."""
    bodies = [entry.body]
    codes = [b.text for b in entry.code_blocks]
    tags = list(entry.tags)
    symptom = ""
    for part_ref in entry.parts:
        part = next((c for c in children.get(entry.id, []) if c.id == part_ref.id), None)
        if part is None:
            continue
        for e in (part, *_descendants(part, children)):
            bodies.append(f"{e.title}\n{e.body}")
            codes.extend(b.text for b in e.code_blocks)
            tags.extend(e.tags)
        if part.role is Role.SYMPTOM and not symptom:
            symptom = part.body
    body = "\n".join(b for b in bodies if b)
    lead = (symptom or entry.body).strip().replace("\n", " ")
    parent = entry.heading_path[-2] if len(entry.heading_path) > 1 else ""
    embed_texts = [f"{entry.title} ({parent})" if parent else entry.title]
    if lead:
        embed_texts.append(lead[:200])
    # the output the runbook quotes (an error, a log, a status): in any language of the prose, it is in the words
    # of the evidence, and its vector meets the evidence's lines
    quoted = next((b.text for b in entry.code_blocks if b.kind is CodeKind.OUTPUT and b.text.strip()), "")
    if quoted:
        embed_texts.append(" ".join(quoted.split())[:200])
    extra = " ".join(x for x in (glossary_terms(f"{entry.title}\n{body}"), english_of(f"{entry.title}\n{body}")) if x)
    camel = split_camel(entry.title)
    title_extra = " ".join(
        x for x in (camel if camel != entry.title else "", glossary_terms(entry.title), english_of(entry.title)) if x
    )
    return IndexDoc(
        title=f"{entry.title} {title_extra}".strip(),
        heading=" / ".join(entry.heading_path[:-1]),
        body=f"{body}\n{extra}" if extra else body,
        tags=" ".join(tags),
        code="\n".join(codes),
        embed_texts=[expand_glossary(split_camel(t)) for t in embed_texts],
    )


def index_docs(entries: list[Entry], searchable_ids: set[str]) -> dict[str, IndexDoc]:
    """The indexed text of each searchable entry of one source, by entry id."""
    children: dict[str, list[Entry]] = {}
    for e in entries:
        if e.parent_id:
            children.setdefault(e.parent_id, []).append(e)
    return {e.id: index_doc(e, children) for e in entries if e.id in searchable_ids}


def embed_texts(docs: dict[str, IndexDoc]) -> dict[str, str]:
    """The texts ``replace_source`` gives sentence vectors (``docs``: see ``index_docs``), by text hash (the key
    of its ``vectors``)."""
    return {_hash(t): t for doc in docs.values() for t in doc.embed_texts}


class Store:
    """The knowledge database. One writer at a time; readers see committed data only."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        """Open (and create, or upgrade) the database at ``path``. ``read_only``: open an existing database
        for reading only (no schema script, no journal-mode change; see ``needs_write``); the caller falls
        back to a normal open when that fails or the database needs a write first."""
        self.path = path
        self.read_only = False
        self._vec_cache: tuple[str, np.ndarray, VectorIndex] | None = None
        self._count_cache: tuple[str, int] | None = None
        self._df_cache: tuple[str, dict[str, int]] = ("", {})
        if read_only:
            self._open_read_only(path)
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None, factory=_Connection)
            self.db.path = str(path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            # index pages are read through the OS page cache (mmap) and a larger page cache: a query
            # touches posting lists across the whole file
            self.db.execute("PRAGMA mmap_size=536870912")
            self.db.execute("PRAGMA cache_size=-65536")
            self.db.executescript(_SCHEMA)
            version = self.meta("schema_version")
            if version is None:
                self.set_meta("schema_version", INDEX_FORMAT)
            elif version != INDEX_FORMAT:
                self._rebuild_schema()
        except ReadOnlyStore:
            raise  # already one line naming the database
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the knowledge database ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the data directory ({exc.strerror})") from None

    def _open_read_only(self, path: Path) -> None:
        try:
            uri = f"file:{quote(str(path.resolve()))}?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None, factory=_Connection)
            self.db.path = str(path)
            self.db.execute("PRAGMA mmap_size=536870912")
            self.db.execute("PRAGMA cache_size=-65536")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the knowledge database ({exc})") from None
        self.read_only = True

    def needs_write(self) -> bool:
        """True when the database must be written before it can be read (created, of an older schema, or
        files waiting to be indexed again after an upgrade)."""
        try:
            return self.meta("schema_version") != INDEX_FORMAT or bool(self.meta("reindex_paths"))
        except sqlite3.DatabaseError:  # no meta table yet: a new or foreign file
            return True

    def _rebuild_schema(self) -> None:
        """An older layout: keep the list of indexed files, recreate the tables; they are indexed again."""
        paths = [r[0] for r in self.db.execute("SELECT path FROM sources WHERE builtin = 0")]
        tables = [
            r[0]
            for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'entries_fts_%'"
            )
        ]
        for name in ("entries_vocab", "entries_fts", *tables):
            self.db.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.db.executescript(_SCHEMA)
        self.set_meta("schema_version", INDEX_FORMAT)
        self.set_meta("reindex_paths", json.dumps(paths))

    def pending_reindex(self) -> list[str]:
        """Files indexed before a schema upgrade, to be indexed again (and forgotten once asked for)."""
        raw = self.meta("reindex_paths")
        if not raw:
            return []
        self.db.execute("DELETE FROM meta WHERE key = 'reindex_paths'")
        return list(json.loads(raw))

    def close(self) -> None:
        self.db.close()

    def require_writable(self) -> None:
        """Raise ``ReadOnlyStore`` unless the database can be written (probed by a write that is rolled
        back: SQLite opens a file it cannot write read-only, and only a write tells)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('write_probe', '')")
        finally:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")

    # -- meta -------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> str:
        return self.meta("generation") or "0"

    def _bump_generation(self) -> None:
        self.set_meta("generation", str(int(self.generation()) + 1))

    @contextmanager
    def transaction(self, new_generation: bool = True) -> Iterator[None]:
        """One write transaction; ``new_generation``: what readers cache (vectors, counts, signatures) changed."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield
            if new_generation:
                self._bump_generation()
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # not when BEGIN itself failed (the database cannot be locked)
                self.db.execute("ROLLBACK")
            raise

    # -- sources ----------------------------------------------------------------------------
    def source(self, path: str) -> SourceInfo | None:
        row = self.db.execute(
            "SELECT path, sha256, fmt, lang, builtin, entries, indexed_at FROM sources WHERE path = ?", (path,)
        ).fetchone()
        return _source_info(row) if row else None

    def sources(self, builtin: bool | None = None) -> list[SourceInfo]:
        sql = "SELECT path, sha256, fmt, lang, builtin, entries, indexed_at FROM sources"
        args: tuple[Any, ...] = ()
        if builtin is not None:
            sql += " WHERE builtin = ?"
            args = (int(builtin),)
        return [_source_info(r) for r in self.db.execute(sql + " ORDER BY path", args)]

    def _delete_source_rows(self, path: str) -> dict[str, bytes]:
        """Remove a source's entries; return its vectors by text hash so unchanged texts are reused."""
        rowids = [r[0] for r in self.db.execute("SELECT rowid FROM entries WHERE source = ?", (path,))]
        kept: dict[str, bytes] = {}
        for chunk in _chunks(rowids, 500):
            marks = ",".join("?" * len(chunk))
            for ehash, vec in self.db.execute(f"SELECT ehash, vec FROM vectors WHERE rowid IN ({marks})", chunk):
                kept[ehash] = vec
            self.db.execute(f"DELETE FROM entries_fts WHERE rowid IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM vectors WHERE rowid IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM entry_tags WHERE rowid IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM signatures WHERE entry_rowid IN ({marks})", chunk)
        self.db.execute("DELETE FROM entries WHERE source = ?", (path,))
        self.db.execute("DELETE FROM sources WHERE path = ?", (path,))
        return kept

    def remove_source(self, path: str) -> None:
        with self.transaction():
            self._delete_source_rows(path)

    def replace_source(
        self,
        info: SourceInfo,
        entries: list[Entry],
        searchable_ids: set[str],
        vectors: dict[str, bytes] | None = None,
        docs: dict[str, IndexDoc] | None = None,
    ) -> None:
        """Store a source's entries in place of what it had, in one transaction. ``vectors``: blobs already
        encoded (by text hash, see ``embed_texts``), e.g. for many files at once; ``docs``: the entries'
        ``index_docs`` when the caller has them already."""
        if docs is None:
            docs = index_docs(entries, searchable_ids)
        with self.transaction():
            old_vectors = self._delete_source_rows(info.path)
            reuse: Mapping[str, bytes] = ChainMap(old_vectors, vectors) if vectors else old_vectors
            pending: list[tuple[int, int, str, str]] = []
            rowid_of: dict[str, int] = {}
            for e in entries:
                cur = self.db.execute(
                    "INSERT INTO entries(id, source, title, lang, searchable, builtin, tags, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        e.id,
                        e.source,
                        e.title,
                        e.lang,
                        int(e.id in docs),
                        int(e.builtin),
                        "\n".join(t.lower() for t in e.tags),
                        _entry_json(e),
                    ),
                )
                rowid = int(cur.lastrowid or 0)
                rowid_of[e.id] = rowid
                doc = docs.get(e.id)
                if doc is None:
                    continue
                self.db.executemany(
                    "INSERT INTO entry_tags(tag, rowid) VALUES (?, ?)",
                    [(t, rowid) for t in dict.fromkeys(t.lower() for t in e.tags)],
                )
                self.db.execute(
                    "INSERT INTO entries_fts(rowid, title, heading, body, tags, code) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        segment(doc.title),
                        segment(doc.heading),
                        segment(doc.body),
                        segment(doc.tags),
                        segment(doc.code),
                    ),
                )
                for kind, text in enumerate(doc.embed_texts):
                    pending.append((rowid, kind, _hash(text), text))
            self._store_vectors(pending, reuse)
            self._store_signatures(entries, docs.keys(), rowid_of)
            self.db.execute(
                "INSERT INTO sources(path, sha256, fmt, lang, builtin, entries, indexed_at) VALUES (?,?,?,?,?,?,?)",
                (info.path, info.sha256, info.fmt, info.lang, int(info.builtin), len(entries), info.indexed_at),
            )

    def _store_signatures(self, entries: list[Entry], searchable_ids: Iterable[str], rowid_of: dict[str, int]) -> None:
        """Mine every entry's symptom lines; a part's signatures belong to the entry it is part of."""
        found = set(searchable_ids)
        by_id = {e.id: e for e in entries}
        rows = []
        for e in entries:
            owner: Entry | None = e
            while owner is not None and owner.id not in found:
                owner = by_id.get(owner.parent_id) if owner.parent_id else None
            if owner is None:
                continue
            for sig in mine(e, owner_id=owner.id):
                rows.append(
                    (
                        rowid_of[owner.id],
                        sig.template,
                        sig.regex,
                        sig.line,
                        sig.line_no,
                        sig.literal_chars,
                        sig.kind,
                    )
                )
        self.db.executemany(
            "INSERT INTO signatures(entry_rowid, template, regex, line, line_no, letters, kind) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def signature_rows(self) -> list[tuple[int, int, str, str, str, int, int, int]]:
        """(id, entry rowid, template, regex, line, line no, letters, kind) of every signature."""
        return self.db.execute(
            "SELECT id, entry_rowid, template, regex, line, line_no, letters, kind FROM signatures ORDER BY id"
        ).fetchall()

    def cache_get(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def cache_put(self, key: str, value: bytes, prefix: str) -> None:
        """Store a derived blob, dropping older ones of the same kind (``prefix``). A database that cannot
        be written keeps its old blobs: they are derived data, made again on the next run that needs them."""
        try:
            self.db.execute("DELETE FROM cache WHERE key LIKE ?", (prefix + "%",))
            self.db.execute("INSERT OR REPLACE INTO cache(key, value) VALUES (?, ?)", (key, value))
        except ReadOnlyStore:
            return

    def _store_vectors(self, pending: list[tuple[int, int, str, str]], reuse: Mapping[str, bytes]) -> None:
        if embed.disabled_reason() is not None:
            return
        todo = {ehash: text for _, _, ehash, text in pending if ehash not in reuse}
        fresh: dict[str, bytes] = {}
        if todo and embed.available():
            vecs = embed.encode(list(todo.values()))
            fresh = {ehash: embed.to_blob(v) for ehash, v in zip(todo, vecs, strict=True)}
        rows = [
            (rowid, kind, ehash, reuse.get(ehash) or fresh[ehash])
            for rowid, kind, ehash, _ in pending
            if ehash in reuse or ehash in fresh
        ]
        self.db.executemany("INSERT INTO vectors(rowid, kind, ehash, vec) VALUES (?, ?, ?, ?)", rows)

    # -- entries ----------------------------------------------------------------------------
    def entry_document(self, entry: Entry) -> dict[str, Any]:
        """An entry with its parts in full (``medic show --json``, the API's entries)."""
        data = entry.to_dict()
        parts = self.entries(r.id for r in entry.parts)
        data["parts"] = [parts[r.id].to_dict() for r in entry.parts if r.id in parts]
        return data

    def get(self, entry_id: str) -> Entry:
        """An entry by id, or by a unique id prefix of at least 4 characters."""
        row = self.db.execute("SELECT data FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None and len(entry_id) >= 4:
            rows = self.db.execute(
                "SELECT data FROM entries WHERE id LIKE ? LIMIT 2", (entry_id.replace("%", "").replace("_", "") + "%",)
            ).fetchall()
            if len(rows) > 1:
                raise KnowledgeError(f"entry id prefix {entry_id!r} is ambiguous; give more characters")
            row = rows[0] if rows else None
        if row is None:
            raise KnowledgeError(f"no entry with id {entry_id!r} (ids are listed by `medic search`)")
        return entry_from_json(row[0])

    def entries(self, ids: Iterable[str]) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for (data,) in self.db.execute(f"SELECT data FROM entries WHERE id IN ({marks})", chunk):
                e = entry_from_json(data)
                out[e.id] = e
        return out

    def entries_by_rowid(self, rowids: Iterable[int]) -> dict[int, Entry]:
        out: dict[int, Entry] = {}
        for chunk in _chunks(list(rowids), 500):
            marks = ",".join("?" * len(chunk))
            for rowid, data in self.db.execute(f"SELECT rowid, data FROM entries WHERE rowid IN ({marks})", chunk):
                out[rowid] = entry_from_json(data)
        return out

    def entries_with_rowids(self, ids: Iterable[str]) -> dict[int, Entry]:
        """rowid → entry for entry ids."""
        out: dict[int, Entry] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for rowid, data in self.db.execute(f"SELECT rowid, data FROM entries WHERE id IN ({marks})", chunk):
                out[rowid] = entry_from_json(data)
        return out

    def source_entries(self, source: str) -> list[Entry]:
        """Every entry of one source, in document order."""
        rows = self.db.execute("SELECT data FROM entries WHERE source = ? ORDER BY rowid", (source,)).fetchall()
        return [entry_from_json(data) for (data,) in rows]

    def all_entries(self, searchable_only: bool = False) -> Iterator[Entry]:
        sql = "SELECT data FROM entries" + (" WHERE searchable = 1" if searchable_only else "") + " ORDER BY rowid"
        for (data,) in self.db.execute(sql):
            yield entry_from_json(data)

    def count(self) -> dict[str, int]:
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(searchable), 0), COALESCE(SUM(builtin), 0) FROM entries"
        ).fetchone()
        sources = self.db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
        return {"entries": row[0], "searchable": row[1], "builtin": row[2], "sources": sources}

    def tagged(self, tags: list[str]) -> dict[int, int]:
        """rowid → number of the given tags (exact, case-insensitive) a searchable entry carries."""
        wanted = sorted({t.lower() for t in tags})
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT rowid, COUNT(*) FROM entry_tags WHERE tag IN ({marks}) GROUP BY rowid", wanted
        ).fetchall()
        return {int(r): int(n) for r, n in rows}

    # -- search primitives --------------------------------------------------------------------
    def lexical(self, fts_query: str, limit: int, bounded: bool = False) -> list[tuple[int, float]]:
        """(rowid, bm25 score ≥ 0, higher is better) for an FTS5 MATCH expression.

        ``bounded``: the terms are so common that ranking every posting would cost more than it tells;
        BM25 is then computed for the first ``BOUNDED_SCAN`` matches only."""
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        try:
            if bounded:
                rows = self.db.execute(
                    f"SELECT rowid, bm25(entries_fts, {weights}) FROM entries_fts WHERE entries_fts MATCH ? LIMIT ?",
                    (fts_query, BOUNDED_SCAN),
                ).fetchall()
                rows = sorted(rows, key=lambda r: r[1])[:limit]
            else:
                rows = self.db.execute(
                    f"SELECT rowid, bm25(entries_fts, {weights}) AS r FROM entries_fts WHERE entries_fts MATCH ? "
                    "ORDER BY r LIMIT ?",
                    (fts_query, limit),
                ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(int(rowid), -float(r)) for rowid, r in rows]

    def searchable_count(self) -> int:
        gen = self.generation()
        if self._count_cache is None or self._count_cache[0] != gen:
            n = int(self.db.execute("SELECT COUNT(*) FROM entries WHERE searchable = 1").fetchone()[0])
            self._count_cache = (gen, n)
        return self._count_cache[1]

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """Documents per index term (terms as the index stores them: porter stems, CJK bigrams)."""
        asked = set(terms)
        gen = self.generation()
        if self._df_cache[0] != gen:
            self._df_cache = (gen, {})
        cache = self._df_cache[1]
        wanted = sorted(asked - cache.keys())
        if wanted:
            marks = ",".join("?" * len(wanted))
            rows = self.db.execute(f"SELECT term, doc FROM entries_vocab WHERE term IN ({marks})", wanted)
            found = {str(t): int(d) for t, d in rows}
            for t in wanted:
                cache[t] = found.get(t, 0)
            if len(cache) > 100_000:
                self._df_cache = (gen, {})
        return {t: cache.get(t, 0) for t in asked}

    def vectors_of(self, rowid: int) -> np.ndarray:
        """The stored vectors (title, lead) of one entry."""
        rows = self.db.execute("SELECT vec FROM vectors WHERE rowid = ? ORDER BY kind", (rowid,)).fetchall()
        return embed.from_blobs([r[0] for r in rows])

    def coverage(self, terms: list[str], rowids: list[int]) -> dict[int, int]:
        """rowid → how many of the FTS terms each candidate contains."""
        out: dict[int, int] = dict.fromkeys(rowids, 0)
        marks = ",".join("?" * len(rowids))
        for term in terms:
            try:
                rows = self.db.execute(
                    f"SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? AND rowid IN ({marks})",
                    (term, *rowids),
                ).fetchall()
            except sqlite3.OperationalError:
                continue
            for (rowid,) in rows:
                out[rowid] += 1
        return out

    def vectors(self) -> tuple[np.ndarray, VectorIndex]:
        """(rowids, nearest-neighbour index) of all stored vectors, cached until the store changes."""
        gen = self.generation()
        if self._vec_cache is None or self._vec_cache[0] != gen:
            rows = self.db.execute("SELECT rowid, vec FROM vectors ORDER BY rowid").fetchall()
            rowids = np.array([r[0] for r in rows], dtype=np.int64)
            matrix = embed.from_blobs([r[1] for r in rows])
            self._vec_cache = (gen, rowids, VectorIndex.build(matrix))
        return self._vec_cache[1], self._vec_cache[2]

    # -- built-in twins (medic.knowledge.twins): derived from the entries, stored apart -----------------
    def twins_generation(self) -> str | None:
        """The generation of the knowledge base the stored twins were computed for."""
        return self.meta("twins_generation")

    def replace_twins(self, rows: list[tuple[int, int, float, float, float, int, str]], method: str) -> None:
        """Store the twins (builtin rowid, user rowid, score, cos, link, shared, how) of this generation, found by
        ``method`` (the finder's version). Derived data: written in its own transaction, without a new generation
        (nothing a search reads changed)."""
        with self.transaction(new_generation=False):
            self.db.execute("DELETE FROM twins")
            self.db.executemany("INSERT OR REPLACE INTO twins VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self.set_meta("twins_generation", self.generation())
            self.set_meta("twins_method", method)

    def twin_rows(self) -> list[tuple[str, str, float, str]]:
        """(builtin entry id, user entry id, score, how) of the stored twins, best first per built-in entry; none
        when they were computed for another generation of the knowledge base (rowids may have moved since)."""
        if self.twins_generation() != self.generation():
            return []
        try:
            rows = self.db.execute(
                "SELECT b.id, u.id, t.score, t.how FROM twins t JOIN entries b ON b.rowid = t.builtin_rowid "
                "JOIN entries u ON u.rowid = t.user_rowid ORDER BY b.id, t.score DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # a database opened read-only before the table existed
            return []
        return [(str(b), str(u), float(sc), str(how)) for b, u, sc, how in rows]

    def entry_meta(self, rowids: Iterable[int]) -> dict[int, tuple[str, int, str]]:
        """rowid → (lang, builtin, source) for filtering and priors."""
        out: dict[int, tuple[str, int, str]] = {}
        for chunk in _chunks(list(rowids), 500):
            marks = ",".join("?" * len(chunk))
            for rowid, lang, builtin, source in self.db.execute(
                f"SELECT rowid, lang, builtin, source FROM entries WHERE rowid IN ({marks})", chunk
            ):
                out[rowid] = (lang, builtin, source)
        return out


def _source_info(row: tuple[Any, ...]) -> SourceInfo:
    return SourceInfo(
        path=row[0], sha256=row[1], fmt=row[2], lang=row[3], builtin=bool(row[4]), entries=row[5], indexed_at=row[6]
    )


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def now() -> float:
    return time.time()
