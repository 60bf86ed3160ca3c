"""All signatures compiled into one multi-pattern database: Hyperscan, with RE2 sets as the fallback.

Each signature regex is wrapped as ``(?:regex)[^\\n]*$`` in multi-line mode, so a pattern reports a
line at most once (at its end) however often it matches inside it. The compiled Hyperscan database is
cached in the store, keyed by the patterns' digest, so a triage run does not pay the compile again.
Evidence is scanned as raw bytes in large chunks: no per-line Python work for lines that match nothing.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from medic.knowledge.signatures import FRAGMENT, STATUS, is_generic
from medic.knowledge.store import Store

ENGINE_CACHE_PREFIX = "hsdb:"
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

    def scan(self, chunk: bytes, on_match: Callable[[int, int], None]) -> None:
        """Call ``on_match(pattern index, end offset)`` for every line a pattern matches."""


def _wrap(regex: str) -> bytes:
    return f"(?:{regex})[^\\n]*$".encode()


class HyperscanEngine:
    name = "hyperscan"

    def __init__(self, patterns: list[str], store: Store | None = None) -> None:
        import hyperscan as hs

        self._hs = hs
        digest = hashlib.sha256("\n".join(patterns).encode()).hexdigest()
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
            flags = hs.HS_FLAG_MULTILINE | hs.HS_FLAG_CASELESS | hs.HS_FLAG_UTF8
            db.compile(
                expressions=[_wrap(p) for p in patterns],
                ids=list(range(len(patterns))),
                elements=len(patterns),
                flags=[flags] * len(patterns),
            )
            if store is not None:
                store.cache_put(key, hs.dumpb(db), ENGINE_CACHE_PREFIX)
        self._db = db
        self._local = threading.local()  # Hyperscan scratch space is per thread

    def scan(self, chunk: bytes, on_match: Callable[[int, int], None]) -> None:
        """Scan a chunk; safe to call from several threads at once (the scan itself releases the GIL)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)

        def handler(pattern: int, start: int, end: int, flags: int, context: object) -> None:
            on_match(pattern, end)

        self._db.scan(chunk, match_event_handler=handler, scratch=scratch)


RE2_MAX_MEM = 192 << 20


class Re2Engine:
    """RE2 set per line: slower than Hyperscan, same answers, for hosts where Hyperscan cannot load."""

    name = "re2"

    def __init__(self, patterns: list[str]) -> None:
        import re2

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

    def scan(self, chunk: bytes, on_match: Callable[[int, int], None]) -> None:
        pos = 0
        for line in chunk.split(b"\n"):
            end = pos + len(line)
            hits = self._set.Match(line)
            for pattern in hits or ():
                on_match(pattern, end)
            pos = end + 1


def make_engine(patterns: list[str], store: Store | None = None, prefer: str = "hyperscan") -> Engine:
    if prefer == "hyperscan":
        try:
            return HyperscanEngine(patterns, store)
        except ImportError:
            pass
    return Re2Engine(patterns)


@dataclass
class SignatureSet:
    """The knowledge base's signatures with their weights, and the engine that finds them."""

    sigs: list[SigInfo]
    engine: Engine | None

    @classmethod
    def load(cls, store: Store, prefer: str = "hyperscan") -> SignatureSet:
        rows = store.signature_rows()
        if not rows:
            return cls(sigs=[], engine=None)
        # specificity: a template shared by many entries says little (IDF over entries), a short
        # template little more (literal letters), a table-row state less than a message
        entries_per_template: dict[str, set[int]] = {}
        for _, entry_rowid, template, *_ in rows:
            entries_per_template.setdefault(template.lower(), set()).add(entry_rowid)
        n_entries = len({r[1] for r in rows})
        sigs: list[SigInfo] = []
        patterns: list[str] = []
        for sid, entry_rowid, template, regex, line, line_no, letters, kind in rows:
            df = len(entries_per_template[template.lower()])
            idf = math.log(1 + n_entries / df)
            length = min(1.0, 0.35 + letters / 60)
            weight = idf * length * KIND_FACTOR.get(kind, 1.0) * (GENERIC_FACTOR if is_generic(template) else 1.0)
            sigs.append(SigInfo(sid, entry_rowid, template, line, line_no, weight))
            patterns.append(regex)
        return cls(sigs=sigs, engine=make_engine(patterns, store, prefer))


def newline_index(chunk: bytes) -> np.ndarray:
    """Offsets of the newlines of a chunk (to turn match offsets into line numbers)."""
    return np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
