"""Regexes compiled into one multi-pattern database: Hyperscan, with RE2 sets as the fallback.

Each regex is wrapped as ``(?:regex)[^\\n]*$`` in multi-line mode, so a pattern reports a line at most once
(at its end) however often it matches inside it. The compiled Hyperscan database is cached in the store,
keyed by the patterns' digest, so a triage run does not pay the compile again. Evidence is scanned as raw
bytes in large chunks: no per-line Python work for lines that match nothing.

Hyperscan matches bytes: its UTF-8 mode makes every negated class (``\\W+``, ``\\S+``, ``[^\\n]*``, in every
signature) decode code points and scans about five times slower. The signatures' classes are ASCII either
way (no UCP) and every one is repeated (``\\W+``, ``\\S+``...), so on UTF-8 text the byte-wise and the code
point-wise matches are the same lines; only a regex that names code points (``\\x{3040}``) is compiled in
UTF-8 mode.
"""

from __future__ import annotations

import hashlib
import math
import threading
from array import array
from dataclasses import dataclass
from typing import Any, Protocol

from medic.knowledge.signatures import FRAGMENT, STATUS, is_generic
from medic.knowledge.store import Store

ENGINE_CACHE_PREFIX = "hsdb:"
DATABASE_FORMAT = "bytes-1"  # part of the cache key: how patterns are compiled (flags, wrapping)
KIND_FACTOR = {STATUS: 0.5, FRAGMENT: 0.6}
GENERIC_FACTOR = 0.35  # a table row's state words, a piece of a message: less than a whole line


@dataclass(frozen=True)
class SigInfo:
    id: int
    entry_rowid: int
    template: str
    line: str
    line_no: int
    weight: float


class Engine(Protocol):
    name: str

    def scan(self, chunk: bytes | memoryview, out: array[int], base: int = 0) -> None:
        """Append ``pattern id, base + end offset`` to ``out`` for every line a pattern matches (once per line)."""


def _wrap(regex: str) -> bytes:
    return f"(?:{regex})[^\\n]*$".encode()


def _needs_utf8(regex: str) -> bool:
    return "\\x{" in regex


class HyperscanEngine:
    name = "hyperscan"

    def __init__(self, patterns: list[str], store: Store | None = None, ids: list[int] | None = None) -> None:
        import hyperscan as hs

        self._hs = hs
        ids = list(range(len(patterns))) if ids is None else ids
        digest = hashlib.sha256("\n".join([DATABASE_FORMAT, *patterns, repr(ids)]).encode()).hexdigest()
        key = ENGINE_CACHE_PREFIX + digest
        blob = store.cache_get(key) if store is not None else None
        db: Any = None
        if blob is not None:
            try:
                db = hs.loadb(blob, hs.HS_MODE_BLOCK)
            except Exception:  # a database from another Hyperscan build: compile again
                db = None
        if db is None:
            db = hs.Database(mode=hs.HS_MODE_BLOCK)
            flags = hs.HS_FLAG_MULTILINE | hs.HS_FLAG_CASELESS
            db.compile(
                expressions=[_wrap(p) for p in patterns],
                ids=ids,
                elements=len(patterns),
                flags=[flags | (hs.HS_FLAG_UTF8 if _needs_utf8(p) else 0) for p in patterns],
            )
            if store is not None:
                store.cache_put(key, hs.dumpb(db), ENGINE_CACHE_PREFIX)
        self._db = db
        self._local = threading.local()  # Hyperscan scratch space is per thread

    def scan(self, chunk: bytes | memoryview, out: array[int], base: int = 0) -> None:
        """Scan a chunk; safe to call from several threads at once (the scan itself releases the GIL)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        append = out.append

        def handler(pattern: int, start: int, end: int, flags: int, context: object) -> None:
            append(pattern)
            append(base + end)

        self._db.scan(chunk, match_event_handler=handler, scratch=scratch)


RE2_MAX_MEM = 192 << 20


class Re2Engine:
    """RE2 set per line: slower than Hyperscan, same answers, for hosts where Hyperscan cannot load."""

    name = "re2"

    def __init__(self, patterns: list[str], ids: list[int] | None = None) -> None:
        import re2

        self._ids = list(range(len(patterns))) if ids is None else ids

        options = re2.Options()
        options.case_sensitive = False
        # RE2's default program budget (8 MiB) is spent by a few hundred loose signatures compiled as one set;
        # the budget is an upper bound RE2 allocates into as it needs, sized for the few thousand signatures
        # of a large knowledge base within triage's memory target
        options.max_mem = RE2_MAX_MEM
        self._set = re2.Set.SearchSet(options)
        for p in patterns:
            self._set.Add(p)
        self._set.Compile()

    def scan(self, chunk: bytes | memoryview, out: array[int], base: int = 0) -> None:
        pos = base
        ids = self._ids
        for line in bytes(chunk).split(b"\n"):
            end = pos + len(line)
            for pattern in self._set.Match(line) or ():
                out.append(ids[pattern])
                out.append(end)
            pos = end + 1


def make_engine(
    patterns: list[str], store: Store | None = None, prefer: str = "hyperscan", ids: list[int] | None = None
) -> Engine:
    """One database of ``patterns``, reported as ``ids`` (their indexes by default); cached in ``store``."""
    if prefer == "hyperscan":
        try:
            return HyperscanEngine(patterns, store, ids)
        except ImportError:
            pass
    return Re2Engine(patterns, ids)


def signature_infos(rows: list[tuple[int, int, str, str, str, int, int, int]]) -> list[SigInfo]:
    """The store's signature rows with their weights.

    Specificity: a template shared by many entries says little (IDF over entries), a short template little
    more (literal letters), a table-row state less than a message."""
    entries_per_template: dict[str, set[int]] = {}
    for _, entry_rowid, template, *_ in rows:
        entries_per_template.setdefault(template.lower(), set()).add(entry_rowid)
    n_entries = len({r[1] for r in rows})
    sigs: list[SigInfo] = []
    for sid, entry_rowid, template, _regex, line, line_no, letters, kind in rows:
        df = len(entries_per_template[template.lower()])
        idf = math.log(1 + n_entries / df)
        length = min(1.0, 0.35 + letters / 60)
        weight = idf * length * KIND_FACTOR.get(kind, 1.0) * (GENERIC_FACTOR if is_generic(template) else 1.0)
        sigs.append(SigInfo(sid, entry_rowid, template, line, line_no, weight))
    return sigs
