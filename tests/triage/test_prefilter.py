"""The literal prefilter of long inputs: anchors a regex requires, chosen on a sample, and the same lines found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import medic.knowledge.scan as scan_module
from medic.knowledge.prefilter import (
    CACHE_PREFIX,
    DIRECT_PER_MB,
    SEPARATOR,
    Prefilter,
    choose,
    count_literals,
    literal_needs,
    required_literals,
)
from medic.knowledge.scan import Scanner, newlines
from medic.knowledge.store import Store

pytest.importorskip("hyperscan")


@pytest.mark.parametrize(
    ("regex", "literals"),
    [
        (r"failed\W+to\W+mount\W+volume", [(b"failed",), (b"mount",), (b"volume",)]),  # "to" is too short
        (r"Ready.*Unknown", [(b"ready",), (b"unknown",)]),
        (r"(?:optional)?\s*Needed here", [(b"needed here",)]),  # an optional group is not required
        (r"x\d+(?:\.\d+)*\W*Certificate", [(b"certificate",)]),
        (r"\b(?:alertname|summary)[\"']?\s*[:=]", [(b"alertname", b"summary")]),  # one of the branches
        (r"(?:error|ok)\W+disk\W+gone", [(b"disk",), (b"gone",)]),  # a branch without a long literal: not one
        (r"[\x{3040}-\x{30ff}]{4}", []),  # Hyperscan's syntax, not Python's: no literal, the pattern is direct
        (r"\d+\W+\S+", []),
        (r"[[:alpha:]]+ failed", []),  # a POSIX class: Python would read a literal "]" there
        (r"\[:alpha:]+ failed", [(b"[:alpha:",), (b" failed",)]),  # an escaped bracket is not one
    ],
)
def test_required_literals(regex: str, literals: list[tuple[bytes, ...]]) -> None:
    assert required_literals(regex) == literals


def test_each_pattern_takes_its_rarest_literal_in_the_sample_and_frequent_ones_are_direct() -> None:
    needs = {
        0: required_literals(r"failed\W+to\W+pull\W+image"),  # every word frequent in the sample: direct
        1: required_literals(r"quota\W+exceeded\W+for\W+kavernet"),  # "kavernet" never seen: its anchor
        2: required_literals(r"\d+\W+\S+"),  # no literal: direct
        3: required_literals(r"disk\W+zorblat\W+kavernet"),  # a tie on the sample: the literal fewer patterns share
    }
    sample = b"failed to mount volume; pulled image; quota exceeded; disk pressure\n" * 1000
    literals = sorted({lit for reqs in needs.values() for alts in reqs for lit in alts})
    counted = count_literals(literals, sample)
    counts = {lit: int(n) for lit, n in zip(literals, counted.tolist(), strict=True) if n}
    assert counts[b"failed"] == 1000 and b"kavernet" not in counts
    assert counts[b"pull"] == 1000  # inside "pulled", case-blind
    choice = choose(needs, counts, len(sample))
    assert choice.direct == [0, 2]
    assert choice.anchored == {1: (b"kavernet",), 3: (b"zorblat",)}
    assert choice.found[0] == 1000 > DIRECT_PER_MB * len(sample) / (1 << 20)


REGEXES = [
    r"failed\W+to\W+mount\W+volume\W+pvc",  # generic: on every noise line below
    r"quota\W+exceeded\W+for\W+kavernet",
    r"x\d+(?:\.\d+)*\W*certificate\W+signed\W+by\W+unknown\W+authority",
    r"Back\W+off\W+restarting\W+failed\W+container\W+\S+\W+in\W+pod",
    r"alpha\W+beta",  # would run from one candidate line into another one if they were scanned as one text
]
MARKS = [r"\b(?:alertname|summary)[\"']?\s*[:=]"]


def log(lines: int) -> bytes:
    rows = []
    for i in range(lines):
        if i % 997 == 5:
            rows.append(f"E{i} QUOTA exceeded for KaVerNet in ns/{i}")
        elif i % 991 == 7:
            rows.append(f"E{i} x509: certificate signed by unknown authority (ca {i})")
        elif i % 983 == 3:
            rows.append(f"W{i} back-off restarting failed container web-{i} in pod ns/web")
        elif i % 701 == 1:
            rows.append(f"I{i} kavernet quota fine; alpha")  # anchors without a match (near-misses)
        elif i % 701 == 9:
            rows.append(f"I{i} beta certificate rotated")
        elif i % 1013 == 0:
            rows.append(f'I{i} summary: "disk filling up"')
        else:
            rows.append(f"I{i} failed to mount volume pvc-{i}: not ready yet, retrying")
    return ("\n".join(rows) + "\n").encode()


def line_chunks(text: bytes, size: int) -> list[bytes]:
    """Chunks of whole lines of about ``size`` bytes, as the evidence reader makes them."""
    chunks = []
    pos = 0
    while pos < len(text):
        end = text.find(b"\n", pos + size)
        end = len(text) if end < 0 else end + 1
        chunks.append(text[pos:end])
        pos = end
    return chunks


def test_the_prefilter_finds_the_lines_the_full_database_finds() -> None:
    scanner = Scanner(REGEXES, MARKS, prefer="hyperscan")
    text = log(20_000)
    prefilter = scanner.prefilter(text[:200_000])
    assert prefilter is not None
    assert prefilter.choice.direct == [0]  # the generic fragment is on most lines of the sample
    full = scanner.events(text)
    filtered = scanner.events(text, prefilter=prefilter, breaks=newlines(text))
    assert filtered.tolist() == full.tolist()
    assert {p for p, _ in full.tolist()} == {0, 1, 2, 3, scanner.first_mark}


def test_candidate_lines_do_not_run_into_each_other() -> None:
    scanner = Scanner([r"alpha\W+\S+\W+beta"], prefer="hyperscan")
    text = b"x alpha\nnothing here\n- beta y\nalpha - beta\n"
    prefilter = scanner.prefilter(b"")
    assert prefilter is not None
    events = scanner.events(text, prefilter=prefilter, breaks=newlines(text))
    assert events.tolist() == scanner.events(text).tolist() == [[0, len(text) - 1]]
    assert SEPARATOR.endswith(b"\n") and SEPARATOR.count(b"_") >= 8


def test_retired_patterns_leave_the_database_when_that_is_worth_a_rebuild() -> None:
    scanner = Scanner(REGEXES, MARKS, prefer="hyperscan")
    prefilter = scanner.prefilter(log(20_000)[:200_000])
    assert prefilter is not None
    assert prefilter.without([1], 1 << 30) is None  # a rare anchor: not worth a rebuild
    assert prefilter.without([0, 1], 1 << 20) is None  # not worth it for a short input
    rebuilt = prefilter.without([0, 1], 1 << 30)  # the direct generic fragment
    assert rebuilt is not None and 0 not in rebuilt.regexes and 0 not in rebuilt.choice.direct
    text = log(5_000)
    events = rebuilt.events(text, newlines(text))
    full = scanner.events(text)
    kept = full[(full[:, 0] != 0) & (full[:, 0] != 1)]
    assert events[events[:, 0] != 1].tolist() == kept.tolist()


def test_the_scan_uses_the_prefilter_past_its_start_and_finds_the_same_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chunks = line_chunks(log(30_000), 40_000)

    def run() -> list[list[list[int]]]:
        scanner = Scanner(REGEXES, MARKS, prefer="hyperscan")
        built: list[Prefilter | None] = []
        original = scanner.prefilter

        def spy(sample: bytes) -> Prefilter | None:
            built.append(original(sample))
            return built[-1]

        scanner.prefilter = spy  # type: ignore[method-assign]
        out = [events.tolist() for _, events in scanner.scan(iter(chunks), lambda events, chunk, breaks: events)]
        return out if not built else [*out, [[len(built), -1]]]

    whole = run()
    monkeypatch.setattr(scan_module, "PREFILTER_FROM", 100_000)
    filtered = run()
    assert filtered[-1] == [[1, -1]]  # the prefilter was built once
    assert filtered[:-1] == whole
    assert sum(len(e) for e in whole) > 0 and np.all([len(c) for c in chunks])


def test_required_literals_are_kept_in_the_store(tmp_path: Path) -> None:
    regexes = {0: r"failed\W+to\W+mount\W+volume", 1: r"\b(?:alertname|summary)\s*[:=]", 2: r"エラー\W+発生"}
    store = Store(tmp_path / "kb.db")
    first = literal_needs(regexes, store)
    assert first[2] == [("エラー".encode(),), ("発生".encode(),)]
    keys = [k for (k,) in store.db.execute("SELECT key FROM cache WHERE key LIKE ?", (CACHE_PREFIX + "%",))]
    assert len(keys) == 1
    assert literal_needs(regexes, store) == first == {p: required_literals(r) for p, r in regexes.items()}


def test_the_scan_rebuilds_without_the_patterns_it_is_told_are_retired(monkeypatch: pytest.MonkeyPatch) -> None:
    import medic.knowledge.prefilter as prefilter_module

    chunks = line_chunks(log(30_000), 40_000)
    monkeypatch.setattr(scan_module, "PREFILTER_FROM", 100_000)
    monkeypatch.setattr(prefilter_module, "REBUILD_SECONDS", 0.0)  # any saving is worth a rebuild
    scanner = Scanner(REGEXES, MARKS, prefer="hyperscan")
    whole = [e.tolist() for _, e in scanner.scan(iter(chunks), lambda events, chunk, breaks: events)]
    used: list[Prefilter] = []
    original = scanner.events

    def spy(
        chunk: bytes,
        mark_quota: int = 0,
        dense_mark: bool = True,
        prefilter: Prefilter | None = None,
        breaks: np.ndarray | None = None,
    ) -> np.ndarray:
        if prefilter is not None and all(p is not prefilter for p in used):  # called from two threads
            used.append(prefilter)
        return original(chunk, mark_quota, dense_mark, prefilter, breaks)

    scanner.events = spy  # type: ignore[method-assign]
    retired = np.array([0])  # the generic fragment has all its lines
    filtered = [
        e.tolist() for _, e in scanner.scan(iter(chunks), lambda events, chunk, breaks: events, retired=lambda: retired)
    ]
    assert len(used) == 2 and sorted(0 in p.regexes for p in used) == [False, True]
    assert [[row for row in rows if row[0] != 0] for rows in filtered] == [
        [row for row in rows if row[0] != 0] for rows in whole
    ]
    assert not any(row[0] == 0 for row in filtered[-1]) and any(row[0] == 0 for row in whole[-1])


def test_on_real_evidence_past_its_start_the_prefilter_misses_only_messages_wrapped_over_lines(
    monkeypatch: pytest.MonkeyPatch, seeded_store: Store
) -> None:
    """The training set's real pastes (bench/triage_train) repeated to 6 MB, scanned by the knowledge base's
    signatures with and without the prefilter: every line the full database finds on its own is found."""
    import json
    import random

    from medic.triage import signature_set

    cases = Path(__file__).resolve().parents[2] / "bench" / "triage_train" / "cases.jsonl"
    texts = [json.loads(line)["evidence"] for line in cases.read_text(encoding="utf-8").splitlines() if line]
    rng = random.Random(3)
    parts: list[bytes] = []
    while sum(map(len, parts)) < 6 << 20:
        parts.append(rng.choice(texts).encode() + b"\n")
    chunks = line_chunks(b"".join(parts), 1 << 20)
    scanner = signature_set(seeded_store).scanner
    assert scanner is not None

    def scan() -> list[set[tuple[int, int]]]:
        return [set(map(tuple, e.tolist())) for _, e in scanner.scan(iter(chunks), lambda e, c, b: e)]

    whole = scan()
    monkeypatch.setattr(scan_module, "PREFILTER_FROM", 2 << 20)
    filtered = scan()
    assert sum(map(len, whole)) > 1000
    for chunk, full, found in zip(chunks, whole, filtered, strict=True):
        assert found <= full
        for pattern, end in full - found:  # only a match that runs over a line break: none in its line alone
            line = chunk[chunk.rfind(b"\n", 0, end) + 1 : end] + b"\n"
            assert pattern not in scanner.events(line)[:, 0].tolist()
