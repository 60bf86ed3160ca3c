"""The evidence scan: distinct regexes once, hits fanned out to signatures, lines per pattern capped."""

from __future__ import annotations

import itertools
from array import array

import numpy as np
import pytest

from medic.knowledge.matcher import make_engine
from medic.knowledge.scan import (
    MARK_SHARE,
    MARK_WINDOWS,
    Patterns,
    Scanner,
    canonical,
    capped,
    evenly,
    first_lines,
    line_spans,
    newlines,
    spread,
)


def line_of(text: bytes, end: int) -> tuple[int, bytes]:
    """(line index, line) of a match end, the slow way (an end just after a newline belongs to the line before)."""
    if end and text[end - 1 : end] == b"\n":
        end -= 1
    return text.count(b"\n", 0, end), text.split(b"\n")[text.count(b"\n", 0, end)]


GENERIC = r"failed\W+to\W+mount\W+volume"
REGEXES = [GENERIC, r"quota\W+exceeded", GENERIC, GENERIC]  # one fragment quoted by three entries
TEXT = (
    b"I1 failed to mount volume pvc-1: not ready yet, failed to mount volume again\n"
    b"I2 all good\n"
    b"E3 create pod: quota exceeded\n"
    b"I4 failed to mount volume pvc-2: not ready yet\n"
)


def test_identical_regexes_are_one_pattern() -> None:
    patterns = Patterns.of(REGEXES)
    assert patterns.regexes == [GENERIC, r"quota\W+exceeded"]
    assert patterns.of_signature == [0, 1, 0, 0]
    assert patterns.signatures == [[0, 2, 3], [1]]


@pytest.mark.parametrize("prefer", ["hyperscan", "re2"])
def test_each_pattern_reports_a_line_once_and_marks_follow_the_signatures(prefer: str) -> None:
    scanner = Scanner(REGEXES, [r"\bnot ready\b"], prefer=prefer)
    events = scanner.events(TEXT).tolist()
    lines = sorted((p, line_of(TEXT, end)[0] + 1) for p, end in events)
    # the generic fragment: lines 1 and 4 once each although three signatures have it and line 1 has it twice
    assert lines == [(0, 1), (0, 4), (1, 3), (2, 1), (2, 4)]
    assert scanner.first_mark == 2


def test_hits_fan_out_to_every_signature_of_a_pattern(tmp_path: object) -> None:
    from medic.knowledge.scan import SignatureSet

    scanner = Scanner(REGEXES, [], prefer="hyperscan")
    sigset = SignatureSet(sigs=[], scanner=scanner)
    assert sigset.fan_out({0: {1: b"a"}, 1: {3: b"b"}}) == {0: {1: b"a"}, 2: {1: b"a"}, 3: {1: b"a"}, 1: {3: b"b"}}


def test_lines_per_pattern_are_capped_over_all_chunks() -> None:
    counts = np.zeros(3, dtype=np.int64)
    first = np.array([[0, 10], [1, 11], [0, 20], [0, 30], [2, 31]], dtype=np.int64)
    assert capped(first, counts, 2).tolist() == [[0, 10], [1, 11], [0, 20], [2, 31]]
    second = np.array([[0, 5], [1, 6], [1, 7], [1, 8]], dtype=np.int64)
    assert capped(second, counts, 2).tolist() == [[1, 6]]  # pattern 0 is full; pattern 1 has room for one
    assert counts.tolist() == [2, 2, 1]
    assert capped(np.empty((0, 2), dtype=np.int64), counts, 2).shape == (0, 2)


def test_line_spans_give_the_line_of_each_end() -> None:
    text = b"alpha\nbeta gamma\n\ndelta"
    ends = np.array([5, 6, 16, len(text), 3])
    index, starts, stops = line_spans(text, newlines(text), ends)
    lines = [(i, text[a:b]) for i, a, b in zip(index.tolist(), starts.tolist(), stops.tolist(), strict=True)]
    # an end just after the newline belongs to the line before; ends in any order
    assert lines == [(0, b"alpha"), (0, b"alpha"), (1, b"beta gamma"), (3, b"delta"), (0, b"alpha")]
    assert len(newlines(text)) == 3


def test_evenly_spreads_a_quota_over_the_chunk() -> None:
    assert evenly(3, 5).tolist() == [0, 1, 2]
    picked = evenly(1000, 4).tolist()
    assert picked[0] == 0 and picked[-1] == 999 and len(picked) == 4


def test_a_trailing_optional_non_word_run_is_the_same_pattern() -> None:
    assert canonical(r"restarting\W+failed\W+container\W+web\W*") == r"restarting\W+failed\W+container\W+web"
    assert canonical(r"web\W*\W*") == "web"
    assert canonical(r"path\\W*") == r"path\\W*"  # an escaped backslash followed by "W*" is text, kept
    assert canonical(r"path\\\W*") == r"path\\"
    assert canonical(r"\W*") == r"\W*"  # nothing would be left
    patterns = Patterns.of([r"pod\W+web\W*", r"pod\W+web", r"pod\W+web\W+\S+"])
    assert patterns.regexes == [r"pod\W+web", r"pod\W+web\W+\S+"]
    assert patterns.signatures == [[0, 1], [2]]


@pytest.mark.parametrize("prefer", ["hyperscan", "re2"])
def test_a_trailing_non_word_run_does_not_report_the_next_line(prefer: str) -> None:
    # "web\W*" could match on through the newline and end with the next line: it is "web", the line it is on
    scanner = Scanner([r"pod\W+web\W*"], prefer=prefer)
    text = b"restart pod web\nnext line\n"
    ends = [end for _, end in scanner.events(text).tolist()]
    assert [line_of(text, end)[0] for end in ends] == [0]


def test_a_chunk_capped_where_it_was_scanned_keeps_what_the_whole_input_keeps() -> None:
    rng = np.random.default_rng(5)
    patterns, cap = 7, 4
    counts_direct = np.zeros(patterns, dtype=np.int64)
    counts_reduced = np.zeros(patterns, dtype=np.int64)
    for _ in range(20):  # chunks in input order, each with its own events in order of end offset
        n = int(rng.integers(0, 40))
        events = np.stack([rng.integers(0, patterns, n), np.sort(rng.integers(0, 10_000, n))], axis=1)
        reduced = first_lines(events, patterns, cap)
        assert all(np.bincount(reduced[:, 0], minlength=patterns) <= cap)
        direct = capped(events, counts_direct, cap)
        assert capped(reduced, counts_reduced, cap).tolist() == direct.tolist()
    assert counts_direct.tolist() == counts_reduced.tolist() == [cap] * patterns


def test_chunks_come_back_in_input_order_with_their_prepared_events() -> None:
    scanner = Scanner([r"quota\W+exceeded"], prefer="hyperscan")
    chunks = [f"chunk {i}: quota exceeded\n".encode() * (i % 3) + b"ok\n" for i in range(12)]
    out = list(scanner.scan(iter(chunks), lambda events, chunk, breaks: (len(events), len(chunk))))
    assert [chunk for chunk, _ in out] == chunks
    assert [n for _, n in out] == [(i % 3, len(chunks[i])) for i in range(12)]


def test_windows_are_whole_lines_spread_over_the_chunk() -> None:
    chunk = b"".join(f"line {i:05d}\n".encode() for i in range(20_000))
    windows = spread(chunk, 16, 8)
    assert len(windows) == 16
    assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(windows))
    assert all(chunk[a - 1 : a] in (b"", b"\n") and chunk[b - 1 : b] == b"\n" for a, b in windows)
    covered = sum(b - a for a, b in windows)
    assert len(chunk) / 8 <= covered < len(chunk) / 8 + 16 * 11
    assert windows[0][0] == 0 and windows[-1][0] > len(chunk) * 15 // 16 - 11


ERRORS = [r"\berror\b", r"\bwarn\b"]  # marks: 0 is dense in a dense log, 1 is rare


def dense_chunk(lines: int, lone_at: int) -> bytes:
    return b"".join(
        b"W lone warn here\n" if i == lone_at else f"E{i:06d} error in step {i}\n".encode() for i in range(lines)
    )


def test_a_dense_mark_is_read_in_windows_that_hold_its_quota() -> None:
    chunk = dense_chunk(60_000, lone_at=59_000)
    scanner = Scanner([r"quota\W+exceeded"], ERRORS, prefer="hyperscan", dense_mark=0)
    first = scanner.first_mark
    dense = scanner.events(chunk, mark_quota=500)
    errors = dense[dense[:, 0] == first][:, 1]
    windows = spread(chunk, MARK_WINDOWS, MARK_SHARE)
    assert 500 <= len(errors) < 60_000 / MARK_SHARE + 100
    assert all(any(a < end <= b for a, b in windows) for end in errors.tolist())
    assert all(line_of(chunk, end)[1].startswith(b"E") for end in errors.tolist())  # error lines' ends
    # the other marks are read in the whole chunk: the lone line outside the windows is found
    assert dense[dense[:, 0] == first + 1][:, 1].tolist() == [chunk.index(b"W lone warn here\n") + 16]
    assert np.all(np.diff(dense[:, 1]) >= 0)
    whole = scanner.events(chunk)  # no quota: every line
    assert int(np.sum(whole[:, 0] == first)) == 59_999
    assert not np.any(scanner.events(chunk, dense_mark=False)[:, 0] == first)


def test_a_dense_mark_whose_windows_miss_the_quota_is_read_whole() -> None:
    chunk = dense_chunk(60_000, lone_at=-1).replace(b" error ", b" fine  ")
    chunk += b"E error at the very end\n"
    scanner = Scanner([r"quota\W+exceeded"], ERRORS, prefer="hyperscan", dense_mark=0)
    events = scanner.events(chunk, mark_quota=500)
    assert events.tolist() == [[scanner.first_mark, len(chunk) - 1]]


@pytest.mark.parametrize("text", [b"alpha\nbeta gamma\n\ndelta", b"one line\n", b"\n\nx\n", b"no newline"])
def test_line_spans_of_all_ends_at_once_are_the_lines_of_each_end(text: bytes) -> None:
    breaks = newlines(text)
    assert breaks.tolist() == [i for i, c in enumerate(text) if c == 10]
    ends = np.arange(len(text) + 1)
    index, starts, stops = line_spans(text, breaks, ends)
    for end, i, a, b in zip(ends.tolist(), index.tolist(), starts.tolist(), stops.tolist(), strict=True):
        assert (i, text[a:b]) == line_of(text, end)


def test_newlines_are_found_across_the_slices_compared_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import medic.knowledge.scan as scan

    monkeypatch.setattr(scan, "NEWLINE_SLICE", 7)
    text = b"".join(f"line {i}\n".encode() for i in range(50))
    assert newlines(text).tolist() == [i for i, c in enumerate(text) if c == 10]
    assert newlines(b"").tolist() == []


@pytest.mark.parametrize("prefer", ["hyperscan", "re2"])
def test_engines_report_the_ids_they_are_given_at_offsets_from_a_base(prefer: str) -> None:
    engine = make_engine([r"quota\W+exceeded", r"not\W+ready"], None, prefer, [7, 3])
    text = b"x\nquota exceeded\nnot ready\n"
    out: array[int] = array("q")
    engine.scan(memoryview(text)[2:], out, 2)  # a window of the chunk, offsets in the chunk
    assert list(zip(out[::2], out[1::2], strict=True)) == [(7, text.index(b"\nnot")), (3, len(text) - 1)]
