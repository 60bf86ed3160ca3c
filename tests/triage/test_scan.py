"""The evidence scan: distinct regexes once, hits fanned out to signatures, lines per pattern capped."""

from __future__ import annotations

import numpy as np
import pytest

from medic.knowledge.scan import LineFinder, Patterns, Scanner, capped, evenly

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
    finder = LineFinder(TEXT)
    lines = sorted((p, finder.at(end)[0] + 1) for p, end in sorted(events, key=lambda e: e[1]))
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


def test_line_finder_gives_the_line_of_each_end() -> None:
    text = b"alpha\nbeta gamma\n\ndelta"
    finder = LineFinder(text)
    assert finder.at(5) == (0, b"alpha")
    assert finder.at(6) == (0, b"alpha")  # an end just after the newline belongs to the line before
    assert finder.at(16) == (1, b"beta gamma")
    assert finder.at(len(text)) == (3, b"delta")
    assert finder.at(3) == (0, b"alpha")  # out of order: counted again from the start
    assert finder.total() == 3


def test_evenly_spreads_a_quota_over_the_chunk() -> None:
    assert evenly(3, 5).tolist() == [0, 1, 2]
    picked = evenly(1000, 4).tolist()
    assert picked[0] == 0 and picked[-1] == 999 and len(picked) == 4
