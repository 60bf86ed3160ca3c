"""Search: FTS5 (BM25 over Latin words and CJK bigrams) fused with multilingual sentence vectors.

    score = W_LEX · bm25 / best bm25  +  W_SEM · (cosine − floor) / (1 − floor)

then multiplied by a source prior (built-in catalog 0.9, overview pages such as README.md 0.7). The
user's own runbooks describe their platform: those that match well (score ≥ USER_FIRST) are listed
before the built-in catalog, which fills in the rest. ``!tag`` queries look up the runbooks' search tags.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

from medic.errors import InputError
from medic.knowledge import embed
from medic.knowledge.document import is_overview
from medic.knowledge.lexicon import english_of
from medic.knowledge.sections import parse_tag_line
from medic.knowledge.store import Store
from medic.knowledge.text import (
    cjk_bigrams,
    expand_glossary,
    glossary_terms,
    is_cjk,
    query_pieces,
    split_camel,
    tokens,
)
from medic.model import Entry, SearchHit

W_LEX = 0.55
W_SEM = 0.45
SEM_FLOOR = 0.25
BUILTIN_PRIOR = 0.9
USER_FIRST = 0.3  # an entry of the user's own runbooks scoring at least this comes before built-in ones
OVERVIEW_PRIOR = 0.7  # README.md, _index.md...: tables of contents that mention every topic once
CANDIDATES = 200
COVERAGE_CANDIDATES = 40  # lexical hits beyond these are too weak to matter
MAX_TEXT_WORDS = 3000
COMMON_SHARE = 0.05  # a word in more than 5 % of the entries is left out of the lexical lookup
_STEMMER = snowballstemmer.stemmer("porter")  # the same Porter stemmer as FTS5's tokenizer

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "without",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "as",
        "into",
        "how",
        "what",
        "why",
        "when",
        "where",
        "which",
        "who",
        "can",
        "cannot",
        "can't",
        "do",
        "does",
        "did",
        "not",
        "no",
        "my",
        "our",
        "your",
        "their",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "them",
        "there",
        "here",
        "then",
        "than",
        "so",
        "if",
        "else",
        "all",
        "any",
        "some",
        "after",
        "before",
        "about",
        "over",
        "under",
        "up",
        "down",
        "out",
        "off",
        "again",
        "once",
        "only",
        "own",
        "same",
        "too",
        "very",
        "s",
        "t",
        "just",
        "don",
        "should",
        "now",
        "get",
        "got",
    ]
)


@dataclass(frozen=True)
class Query:
    text: str
    words: list[str]  # Latin words, lower case, stopwords removed
    cjk: list[str]  # CJK runs
    tags: list[str]


def parse_query(text: str) -> Query:
    text = text.strip()
    if not text:
        raise InputError("empty query")
    tags: list[str] = []
    rest = text
    if text.startswith("!"):
        tags = parse_tag_line(text)
        rest = " ".join(tags)
    words: list[str] = []
    cjk: list[str] = []
    expanded = f"{rest} {glossary_terms(rest)} {english_of(rest)}"
    for tok in tokens(expanded):
        if is_cjk(tok):
            cjk.extend(query_pieces(tok))
        elif tok.lower() not in STOPWORDS or len(tokens(expanded)) == 1:
            words.append(tok.lower())
    return Query(text=text, words=words, cjk=cjk, tags=tags)


def fts_terms(q: Query) -> list[str]:
    """The query's terms as FTS5 strings: quoted words, and CJK runs as phrases of bigrams."""
    return [expr for expr, _ in _terms_with_keys(q)]


def _terms_with_keys(q: Query) -> list[tuple[str, list[str]]]:
    """(FTS5 expression, index terms it needs) for every query term."""
    out: list[tuple[str, list[str]]] = []
    for w in dict.fromkeys(q.words):
        out.append((f'"{w}"', [_STEMMER.stemWord(w)]))
    for run in dict.fromkeys(q.cjk):
        grams = cjk_bigrams(run)
        out.append(('"' + " ".join(grams) + '"' + ("*" if len(run) == 1 else ""), [] if len(run) == 1 else grams))
    return out


def selective_terms(store: Store, q: Query) -> tuple[list[str], bool]:
    """Query terms worth a lexical lookup, and whether even those are too common to rank in full.

    A term found in more than COMMON_SHARE of the entries says little about which one is meant, and
    ranking its long posting list costs the most; such terms are left out as long as a rarer one remains.
    """
    pairs = _terms_with_keys(q)
    total = store.searchable_count()
    if total < 2000:
        return [expr for expr, _ in pairs], False
    df = store.doc_freq(k for _, keys in pairs for k in keys)

    def freq(keys: list[str]) -> int:
        return min((df.get(k, 0) for k in keys), default=0)

    kept = [expr for expr, keys in pairs if not keys or freq(keys) <= COMMON_SHARE * total]
    if not kept and pairs:
        kept = [min(pairs, key=lambda p: freq(p[1]))[0]]
    biggest = max((freq(keys) for expr, keys in pairs if expr in kept), default=0)
    return kept, biggest > COMMON_SHARE * total


def fts_expression(q: Query) -> str:
    """OR of the query's terms."""
    return " OR ".join(fts_terms(q))


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The index's form of a Latin word (FTS5's Porter stemmer)."""
    return str(_STEMMER.stemWord(word.lower()))


def rare_terms(
    store: Store, words: dict[str, int], limit: int = 16, first: Iterable[str] = ()
) -> list[tuple[str, float]]:
    """Words of a text that the knowledge base has but few of its entries: (word, idf), rarest first.

    ``words`` maps a word to how often the text uses it; ``first`` are words always looked at (those of the
    lines that report a problem, wherever they are in the text). A word no entry has, or one in more than
    COMMON_SHARE of them, links nothing."""
    total = max(store.searchable_count(), 1)
    # a long log has endless ids; the words that occur more than once, and the first others, are enough
    chosen = list(dict.fromkeys(first))[:MAX_TEXT_WORDS]
    taken = set(chosen)
    chosen += [w for w in sorted(words, key=lambda w: -words[w]) if w not in taken][: MAX_TEXT_WORDS - len(chosen)]
    stems = {w: stem(w) for w in chosen}
    df = store.doc_freq(stems.values())
    scored: list[tuple[float, str]] = []
    for w, st in stems.items():
        n = df.get(st, 0)
        if n == 0 or n > max(3, COMMON_SHARE * total):
            continue
        scored.append((math.log(1 + total / n), w))
    scored.sort(key=lambda t: (-t[0], -len(t[1]), t[1]))
    best: dict[str, tuple[str, float]] = {}
    for idf, w in scored:  # one word per stem
        best.setdefault(stems[w], (w, idf))
    return list(best.values())[:limit]


def linked_entries(
    store: Store, terms: list[tuple[str, float]], top_share: int = 6, among: set[int] | None = None
) -> dict[int, float]:
    """rowid → share (0..1) of the rare terms' weight an entry contains, for entries with at least two
    of them (only entries ``among`` these rowids, when given). The reference weight is that of the
    ``top_share`` rarest terms."""
    if not terms:
        return {}
    exprs = [f'"{w}"' for w, _ in terms]
    hits = store.lexical(" OR ".join(exprs), CANDIDATES * (2 if among is not None else 1))
    if among is not None:
        hits = [(r, sc) for r, sc in hits if r in among]
    if not hits:
        return {}
    rowids = [r for r, _ in hits[:COVERAGE_CANDIDATES]]
    weights = [idf for _, idf in terms]
    reference = sum(sorted(weights, reverse=True)[:top_share]) or 1.0
    matched: dict[int, float] = dict.fromkeys(rowids, 0.0)
    counts: dict[int, int] = dict.fromkeys(rowids, 0)
    for expr, idf in zip(exprs, weights, strict=True):
        for rowid, n in store.coverage([expr], rowids).items():
            if n:
                matched[rowid] += idf
                counts[rowid] += 1
    return {r: min(1.0, w / reference) for r, w in matched.items() if counts[r] >= 2}


TITLED = 20  # entries brought in by a rare word of their title: an alert or a reason is named by few titles


def titled_entries(store: Store, terms: list[tuple[str, float]], limit: int = TITLED) -> list[int]:
    """Entries whose title holds one of the evidence's rare words (an alert, a reason, an error code named in a
    title), whatever else the evidence says: in a long paste the lexical search of all its words ranks an entry
    sharing one rare word far below entries sharing many common ones, and the rare-word links need two."""
    if not terms:
        return []
    expr = "title : (" + " OR ".join(f'"{w}"' for w, _ in terms) + ")"
    return [rowid for rowid, _ in store.lexical(expr, limit)]


def lexical_with_coverage(store: Store, terms: list[str], common: bool) -> tuple[dict[int, float], dict[int, int]]:
    """BM25 of an OR of the terms and how many of the terms each entry contains, from one ranked lookup per
    term: BM25 adds up over the terms of an OR query, so the per-term scores sum to the OR score."""
    lex: dict[int, float] = {}
    cover: dict[int, int] = {}
    if len(terms) == 1:
        for rowid, score in store.lexical(terms[0], CANDIDATES, bounded=common):
            lex[rowid] = score
            cover[rowid] = 1
        return lex, cover
    for term in terms:
        for rowid, score in store.lexical(term, CANDIDATES, bounded=common):
            lex[rowid] = lex.get(rowid, 0.0) + score
            cover[rowid] = cover.get(rowid, 0) + 1
    return lex, cover


def search(
    store: Store,
    text: str,
    lang: str | None = None,
    limit: int = 10,
    include_builtin: bool = True,
    semantic: bool = True,
    snippets: bool = True,
) -> list[SearchHit]:
    """The entries that answer ``text``, best first; ``snippets``: a window of each entry's text around the first
    query term (triage, which reads only ids and scores, goes without)."""
    if limit < 1:
        raise InputError("--limit must be at least 1")
    q = parse_query(text)
    scores: dict[int, float] = {}
    tag_hits = store.tagged(q.tags) if q.tags else {}

    terms, common = selective_terms(store, q)
    lex, cover = lexical_with_coverage(store, terms, common)
    if lex:
        # BM25 relative to the best hit, scaled by the share of query terms the entry contains: one
        # shared word out of four is weak evidence however rare the word is
        best = max(lex.values()) or 1.0
        for rowid, s in lex.items():
            scores[rowid] = W_LEX * (s / best) * (cover[rowid] / len(terms))

    if semantic and embed.available():
        rowids, index = store.vectors()
        if len(rowids):
            qv = embed.encode([expand_glossary(split_camel(q.text.lstrip("!")))])[0]
            rows, sims = index.search(qv, CANDIDATES * 2)
            best_sim: dict[int, float] = {}
            for i, sim in zip(rows.tolist(), sims.tolist(), strict=True):
                # an entry has a title vector and a lead vector: the closer one counts
                rid = int(rowids[i])
                best_sim[rid] = max(best_sim.get(rid, -1.0), sim)
            for rid, sim in best_sim.items():
                if sim > SEM_FLOOR:
                    scores[rid] = scores.get(rid, 0.0) + W_SEM * (sim - SEM_FLOOR) / (1 - SEM_FLOOR)

    if q.tags:
        # a tag query ranks the entries carrying the tags first, then by the rest of the score
        top_tags = max(tag_hits.values()) if tag_hits else 0
        for rowid, n in tag_hits.items():
            scores[rowid] = scores.get(rowid, 0.0) + 1.0 + n / max(top_tags, 1)

    # priors and filters apply to the strongest candidates only
    pool = sorted(scores, key=lambda r: -scores[r])[: max(CANDIDATES, limit * 4)]
    meta = store.entry_meta(pool)
    ranked: list[tuple[float, int]] = []
    for rowid in pool:
        e_lang, builtin, source = meta.get(rowid, ("", 0, ""))
        if lang and e_lang != lang:
            continue
        if builtin and not include_builtin:
            continue
        prior = BUILTIN_PRIOR if builtin else 1.0
        if is_overview(source):
            prior *= OVERVIEW_PRIOR
        ranked.append((scores[rowid] * prior, rowid))
    first = {r for s_, r in ranked if s_ >= USER_FIRST and not meta[r][1]}
    ranked.sort(key=lambda t: (t[1] not in first, -t[0], t[1]))
    ranked = ranked[:limit]
    by_rowid = store.entries_by_rowid(r for _, r in ranked)
    hits: list[SearchHit] = []
    for score, rowid in ranked:
        entry = by_rowid[rowid]
        hits.append(
            SearchHit(
                id=entry.id,
                source=entry.source,
                heading_path=entry.heading_path,
                title=entry.title,
                lang=entry.lang,
                score=score,
                snippet=snippet(store, entry, q) if snippets else "",
                line_start=entry.line_start,
                builtin=entry.builtin,
            )
        )
    return hits


def _entry_text(store: Store, entry: Entry) -> str:
    parts = [entry.body]
    if entry.parts:
        part_entries = store.entries(p.id for p in entry.parts)
        for ref in entry.parts:
            part = part_entries.get(ref.id)
            if part is not None:
                parts.append(f"{part.title}: {part.body}")
    text = "\n".join(p for p in parts if p)
    if not text.strip():
        text = "\n".join(b.text for b in entry.code_blocks[:2])
    return text


def snippet(store: Store, entry: Entry, q: Query, width: int = 160) -> str:
    """A window of the entry's text around the first query term, terms marked with ``**``."""
    text = re.sub(r"\s+", " ", _entry_text(store, entry)).strip()
    terms = sorted({*q.words, *q.cjk, *(t.lower() for t in q.tags)}, key=len, reverse=True)
    terms = [t for t in terms if len(t) >= 2 or is_cjk(t)]
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.I) if terms else None
    start = 0
    if pattern:
        m = pattern.search(text)
        if m:
            start = max(0, m.start() - width // 3)
    window = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    if pattern:
        window = pattern.sub(lambda m: f"**{m.group(0)}**", window)
    return f"{prefix}{window}{suffix}"


__all__ = ["Query", "fts_expression", "parse_query", "search", "snippet"]
