"""Bounded samples of the evidence that do not depend on where in the input a thing stands.

A long log cannot be read word by word, nor can every error template of it be kept; what is kept must
not be "the beginning" either, or a lone error at the end of a 2 GB log would count for less than the same
line at its start. Both samples here are taken per chunk (the same quota for every chunk) and bounded by
hashing (a deterministic CRC, never Python's salted ``hash``): which word or template is kept depends on
the word, not on its position.
"""

from __future__ import annotations

import heapq
import re
import zlib
from collections import Counter
from collections.abc import Callable

# Word tokens read per chunk, in windows spread over the chunk: the cost of counting words (~17 ms per MB) stays
# a small share of a chunk's scan (~20 ms for 4 MB), and a paste smaller than this is read whole.
WORD_SAMPLE_BYTES = 64 * 1024
WORD_WINDOWS = 16
# Distinct tokens kept (words seen twice or more first, then a hash sample of the others): the link step looks
# at a few thousand words at most.
WORD_TABLE = 20_000
_TOKEN = re.compile(rb"[A-Za-z][A-Za-z0-9_.-]{2,40}")


def _crc(data: bytes) -> int:
    return zlib.crc32(data)


def windows(chunk: bytes, budget: int = WORD_SAMPLE_BYTES, parts: int = WORD_WINDOWS) -> list[bytes]:
    """The whole chunk when it is within ``budget``, else ``parts`` windows of whole lines spread evenly from
    its first line to its last."""
    if len(chunk) <= budget:
        return [chunk]
    size = budget // parts
    step = (len(chunk) - size) // (parts - 1)
    out = []
    for i in range(parts):
        start = chunk.rfind(b"\n", 0, i * step) + 1
        stop = chunk.find(b"\n", start + size) if i < parts - 1 else -1
        out.append(chunk[start : stop + 1 if stop >= 0 else len(chunk)])
    return out


class WordSample:
    """Word tokens of the evidence, counted in every chunk's sample, in a table of bounded size."""

    def __init__(self, table: int = WORD_TABLE, budget: int = WORD_SAMPLE_BYTES) -> None:
        self.table = table
        self.budget = budget
        self.counts: Counter[bytes] = Counter()
        self.threshold = 1 << 32  # once-seen tokens are kept when their CRC is below this

    def add(self, chunk: bytes) -> None:
        for window in windows(chunk, self.budget):
            self.counts.update(_TOKEN.findall(window))
        if len(self.counts) > 2 * self.table:
            self._prune()

    def _prune(self) -> None:
        repeated = [t for t, n in self.counts.items() if n >= 2]
        if len(repeated) >= self.table:
            repeated.sort(key=lambda t: (-self.counts[t], _crc(t)))
            keep = set(repeated[: self.table])
            self.threshold = 0
        else:
            once = [(c, t) for t in self.counts if self.counts[t] == 1 and (c := _crc(t)) < self.threshold]
            while len(repeated) + len(once) > self.table:
                self.threshold //= 2
                once = [(c, t) for c, t in once if c < self.threshold]
            keep = set(repeated) | {t for _, t in once}
        self.counts = Counter({t: n for t, n in self.counts.items() if t in keep})

    def words(self, words_of: Callable[[bytes], list[str]]) -> Counter[str]:
        """Word → count, the words of each token as ``words_of`` splits them; among equal counts the order is
        that of the words' hashes (a reader that takes "the first ones" takes a sample, not the beginning)."""
        if len(self.counts) > self.table:
            self._prune()
        out: Counter[str] = Counter()
        for token, n in self.counts.items():
            for word in words_of(token):
                out[word] += n
        ordered = sorted(out.items(), key=lambda kv: (-kv[1], _crc(kv[0].encode())))
        return Counter(dict(ordered))


class TemplateSample:
    """Error-line templates with their counts and first line, at most ``size`` of them: the ones with the
    smallest hashes (a bottom-k sample), so a template kept was kept from its first line on and its count is
    exact, and which templates are kept does not depend on where they stand."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.counts: Counter[str] = Counter()
        self.first: dict[str, tuple[int, str]] = {}
        self._heap: list[tuple[int, str]] = []  # (-hash, template): the largest hash on top

    def add(self, template: str, line_no: int, text: str) -> None:
        if template in self.counts:
            self.counts[template] += 1
            return
        h = _crc(template.encode("utf-8", "replace"))
        if len(self.counts) >= self.size:
            if not self._heap or h >= -self._heap[0][0]:
                return
            _, dropped = heapq.heappop(self._heap)
            del self.counts[dropped]
            del self.first[dropped]
        heapq.heappush(self._heap, (-h, template))
        self.counts[template] = 1
        self.first[template] = (line_no, text)
