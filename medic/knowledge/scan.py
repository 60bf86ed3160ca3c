"""The evidence scan: every distinct regex once, hits fanned out to signatures after the scan.

A knowledge base repeats itself: a generic fragment ("failed to mount volume") is a signature of every entry
that quotes it, and a near-miss line of a dense log would report it once per copy. Here each distinct regex is
one pattern of one database (the salience marks of triage are patterns of the same database, but for the error
words, which a dense log carries on many lines: see ``Scanner``), so a line reports each pattern at most once;
regexes that differ only in a trailing ``\\W*`` (a template and the same message cut after its last word) match
the same lines and are one pattern too. The match handler does nothing but append ``pattern, end`` to an array.
Chunks are scanned on two threads (the scan releases the GIL), and each chunk's events are reduced where they
were scanned (``Scanner.scan``'s ``prepare``: with numpy, the first ``LINES_PER_PATTERN`` lines of each pattern,
the marks' quotas), so the reading thread gets a few thousand rows per chunk however dense the log is, and caps
them over the whole input in input order (``capped``): the Python work and the memory kept grow with the
distinct matches, not with the hit density.
"""

from __future__ import annotations

import re
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from medic.knowledge.matcher import Engine, SigInfo, make_engine, signature_infos
from medic.knowledge.prefilter import PREFILTER_FROM, SAMPLE_BYTES, SAMPLE_WINDOWS, Prefilter
from medic.knowledge.store import Store

# Evidence lines kept per pattern (the first ones; a signature's score counts distinct lines up to this many,
# and a pattern that matched this often says what it can: more lines only cost memory).
LINES_PER_PATTERN = 50
SCAN_THREADS = 2
# chunks submitted ahead of the one being read: both threads scan while the reader handles a chunk, and memory
# stays at a few chunks
IN_FLIGHT = SCAN_THREADS + 1
# The dense mark's windows: 16 of them (a chunk's quota spread over its length, not bunched), a sixteenth of the
# chunk in all: when they hold the quota the chunk has 16x that many marked lines, far more than are looked at
# (triage asks 500 lines of an 8 MB chunk: windows of 512 KB, ~5,000 lines, hold them when one line in ~10 is marked)
MARK_WINDOWS = 16
MARK_SHARE = 16
MARK_WINDOW_MIN = 4096  # bytes: a smaller chunk (a paste) is read whole, windows of a few lines would be noise
_TRAILING_NON_WORD = re.compile(r"(?<!\\)((?:\\\\)*)(?:\\W\*)+$")
Prepared = TypeVar("Prepared")


def canonical(regex: str) -> str:
    """The regex without a trailing ``\\W*`` (not an escaped backslash followed by ``W*``): both forms match
    the same lines (the optional tail matches nothing), and the shorter one cannot run on into the next line."""
    return _TRAILING_NON_WORD.sub(r"\1", regex) or regex


@dataclass(frozen=True)
class Patterns:
    """Distinct regexes: ``regexes[p]`` is pattern ``p``; ``of_signature[s]`` the pattern of signature ``s``;
    ``signatures[p]`` the signatures of pattern ``p``; marks are patterns ``len(regexes) + k``."""

    regexes: list[str]
    of_signature: list[int]
    signatures: list[list[int]]

    @classmethod
    def of(cls, signature_regexes: Sequence[str]) -> Patterns:
        index: dict[str, int] = {}
        of_signature: list[int] = []
        signatures: list[list[int]] = []
        for s, regex in enumerate(signature_regexes):
            p = index.setdefault(canonical(regex), len(index))
            if p == len(signatures):
                signatures.append([])
            signatures[p].append(s)
            of_signature.append(p)
        return cls(regexes=list(index), of_signature=of_signature, signatures=signatures)


class Scanner:
    """One database of the distinct signature regexes followed by the mark regexes (salience).

    A mark that a dense log carries on a large share of its lines (``dense_mark``: the error words) has a
    database of its own: of a chunk it is asked ``mark_quota`` lines of, it is first scanned in ``MARK_WINDOWS``
    windows of whole lines spread evenly over the chunk, together 1/``MARK_SHARE`` of it; when the windows hold
    the quota, those are the chunk's marks (the quota is then spread over the windows' marks, as it would be over
    the chunk's: every line has the same chance), else the whole chunk is scanned. A dense log's error lines
    then cost 1/``MARK_SHARE`` of their match calls, and a lone error line is found wherever it is."""

    def __init__(
        self,
        signature_regexes: Sequence[str],
        marks: Sequence[str] = (),
        store: Store | None = None,
        prefer: str = "hyperscan",
        dense_mark: int | None = None,
    ) -> None:
        self.patterns = Patterns.of(signature_regexes)
        self.marks = len(marks)
        self.first_mark = first = len(self.patterns.regexes)
        kept = [k for k in range(len(marks)) if k != dense_mark]
        self.engine: Engine = make_engine(
            [*self.patterns.regexes, *(marks[k] for k in kept)],
            store,
            prefer,
            [*range(first), *(first + k for k in kept)],
        )
        # one regex: compiled in milliseconds, not cached (the store keeps one compiled database)
        self.mark_engine: Engine | None = (
            make_engine([marks[dense_mark]], None, prefer, [first + dense_mark]) if dense_mark is not None else None
        )
        self.name = self.engine.name
        self.store = store
        # what the literal prefilter looks for: the signature patterns and the marks of the main database
        self.prefiltered = {p: r for p, r in enumerate(self.patterns.regexes)}
        self.prefiltered.update({first + k: marks[k] for k in kept})

    def events(
        self,
        chunk: bytes,
        mark_quota: int = 0,
        dense_mark: bool = True,
        prefilter: Prefilter | None = None,
        breaks: np.ndarray | None = None,
    ) -> np.ndarray:
        """(pattern, end offset) rows of one chunk, each (pattern, line) once, in order of end offset. The dense
        mark: in windows when they hold ``mark_quota`` lines (> 0), else in the whole chunk; not at all without
        ``dense_mark``. With a ``prefilter``, the main database reads only its candidate lines (``breaks``: the
        chunk's newline offsets, computed when not given)."""
        parts: list[np.ndarray] = []
        if prefilter is None:
            out: array[int] = array("q")
            self.engine.scan(chunk, out)
            parts.append(_rows(out))
        else:
            parts.append(prefilter.events(chunk, newlines(chunk) if breaks is None else breaks))
        if self.mark_engine is not None and dense_mark:
            parts.append(_rows(self._dense_marks(chunk, self.mark_engine, mark_quota)))
        if len(parts) == 1:
            return parts[0]
        rows = np.concatenate(parts)
        ordered: np.ndarray = rows[np.argsort(rows[:, 1], kind="stable")]
        return ordered

    def prefilter(self, sample: bytes) -> Prefilter | None:
        """The literal prefilter of this scanner's patterns, anchors chosen on ``sample`` (Hyperscan only)."""
        if self.name != "hyperscan" or not self.prefiltered:
            return None
        return Prefilter.build(self.prefiltered, self.engine, sample, self.store)

    @staticmethod
    def _dense_marks(chunk: bytes, engine: Engine, quota: int) -> array[int]:
        if quota > 0 and len(chunk) >= MARK_WINDOWS * MARK_SHARE * MARK_WINDOW_MIN:
            sample: array[int] = array("q")
            view = memoryview(chunk)
            for start, stop in spread(chunk, MARK_WINDOWS, MARK_SHARE):
                engine.scan(view[start:stop], sample, start)
            if len(sample) // 2 >= quota:
                return sample
        whole: array[int] = array("q")
        engine.scan(chunk, whole)
        return whole

    def scan(
        self,
        chunks: Iterator[bytes],
        prepare: Callable[[np.ndarray, bytes, np.ndarray], Prepared],
        mark_quota: int = 0,
        retired: Callable[[], np.ndarray] | None = None,
    ) -> Iterator[tuple[bytes, Prepared]]:
        """(chunk, ``prepare(events, chunk, newline offsets)``) in input order: chunks scanned on two threads,
        each chunk's events reduced by ``prepare`` on the thread that scanned it. Past ``PREFILTER_FROM`` bytes the
        chunks go through the literal prefilter (``medic.knowledge.prefilter``), rebuilt without the patterns
        ``retired()`` names (those that have all the lines they may keep)."""

        def job(chunk: bytes, prefilter: Prefilter | None) -> tuple[bytes, Prepared]:
            breaks = newlines(chunk)
            return chunk, prepare(self.events(chunk, mark_quota, prefilter=prefilter, breaks=breaks), chunk, breaks)

        offset = 0
        share = max(1, PREFILTER_FROM // SAMPLE_BYTES)  # of each chunk before PREFILTER_FROM, taken as the sample
        sample: list[bytes] = []
        prefilter: Prefilter | None = None
        gone = 0
        with ThreadPoolExecutor(SCAN_THREADS) as pool:
            pending: deque[Future[tuple[bytes, Prepared]]] = deque()
            for chunk in chunks:
                if offset < PREFILTER_FROM:
                    view = memoryview(chunk)
                    sample.extend(bytes(view[a:b]) for a, b in spread(chunk, SAMPLE_WINDOWS, share))
                elif prefilter is None and sample:
                    prefilter = self.prefilter(b"".join(sample))
                    sample.clear()
                elif prefilter is not None and retired is not None:
                    done = retired()
                    if len(done) > gone:
                        gone = len(done)
                        prefilter = prefilter.without(done.tolist(), offset) or prefilter
                pending.append(pool.submit(job, chunk, prefilter if offset >= PREFILTER_FROM else None))
                offset += len(chunk)
                if len(pending) >= IN_FLIGHT:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def _rows(out: array[int]) -> np.ndarray:
    return np.frombuffer(out, dtype=np.int64).reshape(-1, 2) if out else np.empty((0, 2), dtype=np.int64)


def capped(events: np.ndarray, counts: np.ndarray, cap: int) -> np.ndarray:
    """The events of a chunk whose pattern has not reached ``cap`` lines yet (the first ones of each pattern
    in the chunk); ``counts`` (lines kept per pattern so far) is updated."""
    if not len(events):
        return events
    ids = events[:, 0]
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    uniq, first, n = np.unique(sorted_ids, return_index=True, return_counts=True)
    rank = np.arange(len(sorted_ids)) - np.repeat(first, n)
    keep = order[rank < (cap - counts[sorted_ids])]
    counts[uniq] += np.minimum(n, np.maximum(cap - counts[uniq], 0))  # uniq: distinct, no np.add.at needed
    kept: np.ndarray = events[np.sort(keep)]
    return kept


def spread(chunk: bytes, parts: int, share: int) -> list[tuple[int, int]]:
    """(start, stop) of ``parts`` windows of whole lines spread evenly over the chunk, in order and apart,
    together about 1/``share`` of it."""
    step = len(chunk) // parts
    size = max(1, len(chunk) // (parts * share))
    out: list[tuple[int, int]] = []
    stop = 0
    for i in range(parts):
        start = max(stop, chunk.rfind(b"\n", 0, i * step) + 1)
        end = chunk.find(b"\n", start + size - 1)
        stop = len(chunk) if end < 0 else end + 1
        if start < stop:
            out.append((start, stop))
    return out


def first_lines(events: np.ndarray, patterns: int, cap: int) -> np.ndarray:
    """The events of one chunk with at most ``cap`` per pattern (the first ones), in their order: what ``capped``
    can keep of the chunk, whatever the counts before it."""
    return capped(events, np.zeros(patterns, dtype=np.int64), cap)


NEWLINE_SLICE = 4 << 20  # bytes compared at once: the comparison's temporary array stays small


def newlines(chunk: bytes) -> np.ndarray:
    """Offsets of the newlines of a chunk (numpy: C speed, without the GIL, on the thread that scanned it)."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    parts = [
        np.flatnonzero(data[start : start + NEWLINE_SLICE] == 10) + start
        for start in range(0, len(data), NEWLINE_SLICE)
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def line_spans(chunk: bytes, breaks: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(line index in the chunk, start, stop) of the line each match end lies on (an end just after a newline
    belongs to the line before it), from the chunk's newline offsets ``breaks``: all ends at once."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    after_newline = (ends > 0) & (data[np.maximum(ends - 1, 0)] == 10) if len(data) else ends < 0
    ends = ends - after_newline
    index = np.searchsorted(breaks, ends, side="left")
    padded = np.concatenate([[-1], breaks, [len(chunk)]])
    return index, padded[index] + 1, padded[index + 1]


def evenly(n: int, k: int) -> np.ndarray:
    """``min(n, k)`` indices spread evenly over ``range(n)``, in order (all of them when ``n <= k``)."""
    if n <= k:
        return np.arange(n)
    picked: np.ndarray = np.unique(np.linspace(0, n - 1, k).astype(np.int64))
    return picked


@dataclass
class SignatureSet:
    """The knowledge base's signatures with their weights, and the scanner that finds them (and the marks)."""

    sigs: list[SigInfo]
    scanner: Scanner | None

    @classmethod
    def load(
        cls, store: Store, prefer: str = "hyperscan", marks: Sequence[str] = (), dense_mark: int | None = None
    ) -> SignatureSet:
        rows = store.signature_rows()
        if not rows and not marks:
            return cls(sigs=[], scanner=None)
        scanner = Scanner([r[3] for r in rows], marks, store, prefer, dense_mark)
        return cls(sigs=signature_infos(rows), scanner=scanner)

    @property
    def engine(self) -> SignatureEngine | None:
        """Matches by signature index (for callers that scan a small text themselves); None without signatures."""
        return SignatureEngine(self.scanner) if self.scanner is not None and self.sigs else None

    def fan_out(self, per_pattern: dict[int, dict[int, bytes]]) -> dict[int, dict[int, bytes]]:
        """Signature index → evidence line number → line, from the lines found per pattern."""
        if self.scanner is None:
            return {}
        signatures = self.scanner.patterns.signatures
        return {s: lines for p, lines in per_pattern.items() for s in signatures[p]}


class SignatureEngine:
    """A scanner seen as one pattern per signature: ``on_match(signature index, end)``."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.name = scanner.name

    def scan(self, chunk: bytes, on_match: Callable[[int, int], None]) -> None:
        signatures = self.scanner.patterns.signatures
        first_mark = self.scanner.first_mark
        for pattern, end in self.scanner.events(chunk, dense_mark=False).tolist():
            if pattern < first_mark:
                for s in signatures[pattern]:
                    on_match(s, end)
