"""The literal prefilter of a long input: each pattern is looked for by a piece of text it cannot match without.

Hyperscan scans a database of some two thousand case-blind regexes at ~250 MB/s per core (each frequent word
that starts a pattern costs a confirmation inside it); a database of plain words runs at ~1 GB/s. So past the
first ``PREFILTER_FROM`` bytes of an input (``medic.knowledge.scan.Scanner.scan``) every pattern is given an
*anchor*: a literal it requires (``required_literals``: a run of literal characters, or one per alternative of a
required alternation). The anchors are one literal database; a line holding an anchor is a *candidate*, and the
candidate lines alone (a few per cent of a log) are scanned by the full database, which says which patterns
really match them. A pattern whose every anchor is frequent in the input (``DIRECT_PER_MB``), or that has no
anchor, is *direct*: its regex is in the literal database itself, and its matches need no second look.

Which anchor a pattern gets is decided by the input, not by guesses about logs: the candidate literals of all
patterns are counted in a sample of the input's first bytes (``SAMPLE_BYTES``, windows spread over them), and each
pattern takes its rarest one there, then a long one, then the one fewest patterns share, then the longest. A
pattern that has found all the lines it may keep (``retired``) leaves the database when it is rebuilt
(``Prefilter.without``): a generic fragment that a dense log repeats on every eighth line costs nothing once it
has its lines.

With the prefilter a match is looked for within a line: a regex whose ``\\W+`` would run across a line break
matches it in the first ``PREFILTER_FROM`` bytes (and in any paste shorter than that) but not further on. Every
other match is the same: an anchor is required, so a line without one cannot match, and the candidate lines are
scanned by the same database as the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# re's own parser (the stdlib module behind re.compile): signatures are written in the syntax Python and
# Hyperscan share, and one that Python cannot parse (Hyperscan's \x{...}) is direct
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import numpy as np

from medic.knowledge.matcher import Engine
from medic.knowledge.store import Store

# Input bytes scanned by the full database before the prefilter takes over: building it (counting the candidate
# literals in the sample, compiling the literal database: ~0.1 s) costs what the full database takes for ~25 MB,
# so a paste or a short log never pays for it; 16 MB are read while it is built.
PREFILTER_FROM = 16 << 20
SAMPLE_BYTES = 1 << 20  # of the input, spread over the bytes before PREFILTER_FROM, to count the literals in
SAMPLE_WINDOWS = 16
# An anchor found this often per MB of the sample makes its pattern direct. A candidate line costs ~1 us (the match
# callback, finding its line, ~100 bytes of the full database); a direct regex adds ~0.05 ns a byte to the literal
# database's scan (measured: one wrapped regex of a frequent word took 684 MB/s to ~655 MB/s), ~50 us per MB.
DIRECT_PER_MB = 50
MIN_LITERAL = 3  # bytes of an anchor, spaces not counted: shorter ones are in nearly every line
# Among literals the sample does not tell apart (none there, say), one of this many bytes or more comes first: short
# words ("for", "pod") are common in any log even when a small sample happens to lack them
LONG_LITERAL = 6
# A line-free separator between candidate lines in the buffer the full database scans: sixteen words, so no
# signature can run from the end of one candidate line into the next one (its wildcards would have to take all of
# them); a match that ends in a separator is dropped.
SEPARATOR = b"_ " * 16 + b"\n"
# A rebuild without retired patterns costs ~80 ms (choosing, compiling, while the GIL is held); a candidate line
# it spares costs ~1 us. It is made when what it spares over the input still to come, taken to be as long as what
# was read (the input's length is not known), is worth that.
REBUILD_SECONDS = 0.08
CANDIDATE_SECONDS = 1e-6
MAX_REBUILDS = 8  # however much the rebuilds seem to spare
CACHE_PREFIX = "prelit:"  # the patterns' required literals, kept in the store as the compiled databases are
Needs = dict[int, list[tuple[bytes, ...]]]
# syntax both read without an error but differently: a POSIX class inside a bracket expression
_POSIX_CLASS = re.compile(r"(?<!\\)\[[^\]]*\[:")


def required_literals(regex: str) -> list[tuple[bytes, ...]]:
    """What a match of ``regex`` must contain, lower-cased: each item a tuple of literals one of which is in every
    match (one literal for a plain run, one per branch for an alternation all of whose branches have one); empty
    when the regex cannot be read (another syntax) or holds no literal of ``MIN_LITERAL`` bytes."""
    if _POSIX_CLASS.search(regex):  # [[:alpha:]]: Python reads a class and then a literal "]"
        return []
    try:
        tree = sre_parse.parse(regex)
    except (re.error, OverflowError, RecursionError):
        return []
    found: list[tuple[bytes, ...]] = []
    for run in _runs(tree):
        found.append((run,))
    for branch in _branches(tree):
        found.append(branch)
    return [alts for alts in found if all(_long_enough(a) for a in alts)]


def _long_enough(literal: bytes) -> bool:
    return len(literal.replace(b" ", b"")) >= MIN_LITERAL


def _runs(items: Any) -> list[bytes]:
    """The runs of literal characters of a sequence, descending into groups that must match once."""
    out: list[bytes] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            out.append("".join(current).encode("utf-8").lower())
            current.clear()

    def walk(seq: Any) -> None:
        for op, av in seq:
            if op is sre_constants.LITERAL:
                current.append(chr(av))
            elif op is sre_constants.SUBPATTERN:
                walk(av[-1])
            else:
                flush()

    walk(items)
    flush()
    return out


def _branches(items: Any) -> list[tuple[bytes, ...]]:
    """For each alternation of the sequence (or of a group in it that must match once): the longest literal run of
    each branch, when every branch has one."""
    out: list[tuple[bytes, ...]] = []
    for op, av in items:
        if op is sre_constants.SUBPATTERN:
            out.extend(_branches(av[-1]))
        elif op is sre_constants.BRANCH:
            best = [max((r for r in _runs(branch) if _long_enough(r)), key=len, default=b"") for branch in av[1]]
            if all(best):
                out.append(tuple(best))
    return out


def literal_needs(regexes: dict[int, str], store: Store | None = None) -> Needs:
    """``required_literals`` of each pattern (pattern id → regex), kept in ``store`` (parsing two thousand regexes
    takes ~0.1 s)."""
    digest = hashlib.sha256(json.dumps(sorted(regexes.items())).encode()).hexdigest()
    key = CACHE_PREFIX + digest
    blob = store.cache_get(key) if store is not None else None
    if blob is not None:
        stored = json.loads(blob)
        return {
            int(p): [tuple(a.encode("utf-8", "surrogateescape") for a in alts) for alts in reqs] for p, reqs in stored
        }
    needs = {pid: required_literals(regex) for pid, regex in regexes.items()}
    if store is not None:
        text = [
            [p, [[a.decode("utf-8", "surrogateescape") for a in alts] for alts in reqs]] for p, reqs in needs.items()
        ]
        store.cache_put(key, json.dumps(text).encode(), CACHE_PREFIX)
    return needs


def literal_expression(literal: bytes) -> bytes:
    """A literal as a Hyperscan expression: every byte but letters and digits hex-escaped."""
    return b"".join(
        bytes([b]) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else b"\\x%02x" % b for b in literal
    )


def wrapped(regex: str) -> bytes:
    """A pattern of a line database: the regex, then the rest of its line (so a line is reported once)."""
    return f"(?:{regex})[^\\n]*$".encode()


def count_literals(literals: Sequence[bytes], sample: bytes) -> np.ndarray:
    """How often each literal occurs in ``sample`` (case-blind)."""
    import hyperscan as hs

    counts = np.zeros(len(literals), dtype=np.int64)
    if not literals or not sample:
        return counts
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(
        expressions=[literal_expression(lit) for lit in literals],
        ids=list(range(len(literals))),
        elements=len(literals),
        flags=[hs.HS_FLAG_CASELESS] * len(literals),
    )
    hits: array[int] = array("q")
    append = hits.append

    def handler(literal: int, start: int, end: int, flags: int, context: object) -> None:
        append(literal)

    db.scan(sample, match_event_handler=handler, scratch=hs.Scratch(db))
    if hits:
        counts += np.bincount(np.frombuffer(hits, dtype=np.int64), minlength=len(literals))
    return counts


@dataclass(frozen=True)
class Choice:
    """What the literal database looks for: ``anchors[k]`` the literal ``k``; ``direct`` the patterns (ids) whose
    regex is in it."""

    anchors: list[bytes]
    direct: list[int]
    anchored: dict[int, tuple[bytes, ...]]  # pattern id → its anchors
    found: dict[int, int]  # pattern id → how often its best requirement is in the sample (direct without one: -1)


def direct_limit(sample_bytes: int) -> float:
    """How often in a sample of ``sample_bytes`` a pattern's best literal may be found before it is direct."""
    return DIRECT_PER_MB * max(sample_bytes, 1) / (1 << 20)


def choose(needs: Needs, counts: dict[bytes, int], sample_bytes: int) -> Choice:
    """The anchors of the patterns whose ``required_literals`` are ``needs`` (pattern id → requirements) given
    the literals' ``counts`` in a sample of ``sample_bytes``: each pattern's rarest requirement there, then one of
    ``LONG_LITERAL`` bytes, then the one fewest patterns share, then the longest; direct when it has none or its
    best is found more than ``DIRECT_PER_MB`` times a MB."""
    shared: dict[bytes, int] = {}
    for reqs in needs.values():
        for lit in {lit for alts in reqs for lit in alts}:
            shared[lit] = shared.get(lit, 0) + 1
    limit = direct_limit(sample_bytes)
    direct: list[int] = []
    anchored: dict[int, tuple[bytes, ...]] = {}
    found: dict[int, int] = {}
    for pid, reqs in needs.items():
        if not reqs:
            direct.append(pid)
            found[pid] = -1
            continue
        best = min(
            reqs,
            key=lambda alts: (
                sum(counts.get(a, 0) for a in alts),
                -min(min(len(a) for a in alts), LONG_LITERAL),
                sum(shared[a] for a in alts),
                -min(len(a) for a in alts),
            ),
        )
        found[pid] = sum(counts.get(a, 0) for a in best)
        if found[pid] > limit:
            direct.append(pid)
        else:
            anchored[pid] = best
    anchors = sorted({lit for alts in anchored.values() for lit in alts})
    return Choice(anchors=anchors, direct=sorted(direct), anchored=anchored, found=found)


class Prefilter:
    """The literal database of a scan (anchors, then the direct patterns' regexes), and the second look at its
    candidate lines by the full database ``confirm``."""

    def __init__(
        self,
        regexes: dict[int, str],
        needs: Needs,
        confirm: Engine,
        counts: dict[bytes, int],
        sample_bytes: int,
        rebuilds: int = 0,
        choice: Choice | None = None,
    ) -> None:
        import hyperscan as hs

        self._hs = hs
        self.regexes = regexes
        self.needs = needs
        self.confirm = confirm
        self.counts = counts
        self.sample_bytes = sample_bytes
        self.rebuilds = rebuilds
        self.choice = choice = choose(needs, counts, sample_bytes) if choice is None else choice
        self.n_anchors = n = len(choice.anchors)
        expressions = [literal_expression(lit) for lit in choice.anchors] + [wrapped(regexes[p]) for p in choice.direct]
        flags = [hs.HS_FLAG_CASELESS] * n + [
            hs.HS_FLAG_MULTILINE | hs.HS_FLAG_CASELESS | (hs.HS_FLAG_UTF8 if "\\x{" in regexes[p] else 0)
            for p in choice.direct
        ]
        self._db: Any = None
        if expressions:
            self._db = hs.Database(mode=hs.HS_MODE_BLOCK)
            self._db.compile(
                expressions=expressions,
                ids=list(range(n)) + [n + p for p in choice.direct],
                elements=len(expressions),
                flags=flags,
            )
        # the full database's answers on candidate lines that the literal database gives itself, or that no one
        # asked for (patterns not in ``regexes``: retired ones, marks read elsewhere)
        top = max([*regexes, -1]) + 1
        self.confirmed = np.zeros(top, dtype=bool)
        self.confirmed[list(choice.anchored)] = True
        self.users: dict[bytes, set[int]] = {}  # anchor → the patterns it is the anchor of
        for pid, alts in choice.anchored.items():
            for lit in alts:
                self.users.setdefault(lit, set()).add(pid)
        self._local = threading.local()

    @classmethod
    def build(cls, regexes: dict[int, str], confirm: Engine, sample: bytes, store: Store | None = None) -> Prefilter:
        """Anchors chosen by their counts in ``sample`` (the patterns' literals kept in ``store``)."""
        needs = literal_needs(regexes, store)
        literals = sorted({lit for reqs in needs.values() for alts in reqs for lit in alts})
        counted = count_literals(literals, sample)
        counts = {lit: int(n) for lit, n in zip(literals, counted.tolist(), strict=True) if n}
        return cls(regexes, needs, confirm, counts, len(sample))

    def without(self, retired: Iterable[int], read: int) -> Prefilter | None:
        """The prefilter rebuilt without the ``retired`` patterns when the candidate lines it would spare over
        as many bytes again as were ``read`` are worth a rebuild (``REBUILD_SECONDS``; a direct pattern without a
        literal counts as ``DIRECT_PER_MB`` a MB); None when they are not, or after ``MAX_REBUILDS`` rebuilds."""
        gone = {p for p in retired if p in self.regexes}
        if not gone or self.rebuilds >= MAX_REBUILDS:
            return None
        anchored = self.choice.anchored
        dropped = {lit for p in gone if p in anchored for lit in anchored[p] if self.users[lit] <= gone}
        limit = direct_limit(self.sample_bytes)
        saved = float(sum(self.counts.get(lit, 0) for lit in dropped))
        for p in gone & set(self.choice.direct):
            saved += limit if self.choice.found[p] < 0 else self.choice.found[p]
        spared = saved / max(self.sample_bytes, 1) * read * CANDIDATE_SECONDS
        if spared < REBUILD_SECONDS:
            return None
        # the kept patterns keep their anchors (the counts they were chosen on are the same)
        kept = {p: r for p, r in self.regexes.items() if p not in gone}
        needs = {p: self.needs[p] for p in kept}
        choice = Choice(
            anchors=sorted(set(self.choice.anchors) - dropped),
            direct=[p for p in self.choice.direct if p in kept],
            anchored={p: alts for p, alts in anchored.items() if p in kept},
            found={p: n for p, n in self.choice.found.items() if p in kept},
        )
        return Prefilter(kept, needs, self.confirm, self.counts, self.sample_bytes, self.rebuilds + 1, choice)

    def events(self, chunk: bytes, breaks: np.ndarray) -> np.ndarray:
        """(pattern, end offset) rows of a chunk whose newline offsets are ``breaks``, in order of end offset."""
        if self._db is None:
            return np.empty((0, 2), dtype=np.int64)
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        anchors: array[int] = array("q")
        direct: array[int] = array("q")
        n = self.n_anchors
        add_anchor, add = anchors.append, direct.append

        def handler(expression: int, start: int, end: int, flags: int, context: object) -> None:
            if expression < n:
                add_anchor(end)
            else:
                add(expression - n)
                add(end)

        self._db.scan(chunk, match_event_handler=handler, scratch=scratch)
        rows = [np.frombuffer(direct, dtype=np.int64).reshape(-1, 2)] if direct else []
        if anchors:
            rows.append(self._second_look(chunk, breaks, np.frombuffer(anchors, dtype=np.int64)))
        if not rows:
            return np.empty((0, 2), dtype=np.int64)
        out = np.concatenate(rows) if len(rows) > 1 else rows[0]
        ordered: np.ndarray = out[np.argsort(out[:, 1], kind="stable")]
        return ordered

    def _second_look(self, chunk: bytes, breaks: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The full database's rows on the lines that hold an anchor (``ends``: the anchors' end offsets)."""
        lines = np.unique(np.searchsorted(breaks, ends - 1, side="left"))
        starts = np.concatenate([[0], breaks + 1])[lines]
        stops = np.minimum(np.append(breaks + 1, len(chunk))[lines], len(chunk))
        # consecutive candidate lines are one run of the buffer
        new_run = np.ones(len(lines), dtype=bool)
        new_run[1:] = lines[1:] != lines[:-1] + 1
        first = np.flatnonzero(new_run)
        run_starts = starts[first]
        run_stops = stops[np.append(first[1:] - 1, len(lines) - 1)]
        # slices made and joined in C (no Python frame per run: a dense log has thousands of runs a chunk)
        buffer = SEPARATOR.join(map(chunk.__getitem__, map(slice, run_starts.tolist(), run_stops.tolist())))
        found: array[int] = array("q")
        self.confirm.scan(buffer, found)
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        rows = np.frombuffer(found, dtype=np.int64).reshape(-1, 2).copy()
        # a buffer offset back to the chunk: the run it lies in (runs follow each other with a separator between)
        lengths = run_stops - run_starts
        buffer_starts = np.concatenate([[0], np.cumsum(lengths + len(SEPARATOR))[:-1]])
        run = np.searchsorted(buffer_starts, rows[:, 1], side="right") - 1
        inside = rows[:, 1] - buffer_starts[run]
        pattern = rows[:, 0]
        asked = np.zeros(len(rows), dtype=bool)
        known = pattern < len(self.confirmed)
        asked[known] = self.confirmed[pattern[known]]
        keep = asked & (inside < lengths[run])
        rows[:, 1] = run_starts[run] + inside
        kept: np.ndarray = rows[keep]
        return kept
