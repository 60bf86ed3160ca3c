"""A bridge between languages for the lexical index: operations terms in Japanese, Chinese and Korean with their
English words (lexicon.tsv, shipped with Medic).

A runbook section in one of these languages is also indexed by the English words of the terms it uses, and a
query in one of them also searches those words; an English error pasted by an operator then shares words with a
Japanese runbook about the same problem, where before only the quoted commands and messages did. The sentence
vectors bridge languages too, but by meaning of whole lines; this bridge is by the words a person searches.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources

LANGUAGES = ("ja", "zh", "ko")  # the columns after the English one, in this order
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@cache
def _text() -> str:
    return (resources.files("medic.knowledge") / "lexicon.tsv").read_text(encoding="utf-8")


def fingerprint() -> str:
    """A short hash of the lexicon: the stored index holds its English words (store.INDEX_FORMAT)."""
    return hashlib.sha256(_text().encode("utf-8")).hexdigest()[:12]


@cache
def _table() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """(one pattern of every term, longest first; term → its English words)."""
    english: dict[str, str] = {}
    for n, line in enumerate(_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 1 + len(LANGUAGES):
            raise ValueError(f"lexicon.tsv line {n}: {len(cols)} columns, expected {1 + len(LANGUAGES)}")
        words = cols[0].strip()
        for col in cols[1:]:
            for term in (t.strip() for t in col.split(",")):
                if term and term != "-":  # a term of two concepts (or two languages) has the words of both
                    english[term] = " ".join(dict.fromkeys(f"{english.get(term, '')} {words}".split()))
    if not english:
        return None, {}
    alternation = "|".join(re.escape(t) for t in sorted(english, key=len, reverse=True))
    return re.compile(alternation), english


def english_of(text: str) -> str:
    """The English words of the lexicon's terms found in ``text`` (each once, in order of appearance); empty when
    the text has no CJK character."""
    if not _CJK.search(text):
        return ""
    pattern, english = _table()
    if pattern is None:
        return ""
    found = dict.fromkeys(w for m in pattern.finditer(text) for w in english[m.group(0)].split())
    return " ".join(found)
