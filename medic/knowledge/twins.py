"""Built-in twins: the section of the user's runbooks that is about the same problem as a built-in catalog entry.

The catalog's English entries carry rich signatures; a team's runbook in Japanese or Korean may describe the same
failure with little error text. Triage lets what the evidence says for a catalog entry count for its twin in the
user's runbooks (``medic.rank``), and for nothing else: the link is made once, when the knowledge base changes,
from the two entries' own texts, never from the evidence.

For every searchable built-in entry the user entries are compared on three things:

- ``cos``: the best cosine between the two entries' sentence vectors (title, lead), any language;
- ``link``: the share of the built-in entry's rare words (error names, identifiers, commands) the user entry holds,
  the measure triage uses for evidence (``search.linked_entries``);
- ``shared``: signature templates the two share (the same error line quoted in both), counting templates that
  at most ``SHARED_ENTRIES`` user entries hold (a line every page quotes is boilerplate).

``score = cos + link + SHARED_WEIGHT · min(shared, SHARED_CAP)``; the best ``KEPT`` user entries are stored with
their score, and ``medic.rank`` decides from which score a pair counts as twins (a threshold fitted with the
ranking model). A runbook author settles a pair with a tag line in the section: ``!same-as <builtin-id>`` makes the
entry the twin of that built-in entry whatever the scores, ``!not <builtin-id>`` forbids the pair.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from medic.errors import KnowledgeError
from medic.knowledge.document import is_overview, is_reference
from medic.knowledge.store import Store
from medic.model import Entry

NEAR = 8  # user entries nearest by vectors looked at per built-in entry
RARE_WORDS = 16  # rare words of the built-in entry's text linked (as for evidence)
SHARED_ENTRIES = 5  # a signature template quoted by more user entries than this is not a shared error line
SHARED_WEIGHT = 0.5  # one shared error line counts as half a perfect vector match ...
SHARED_CAP = 2  # ... and two or more as a whole one: more lines of the same message add nothing
KEPT = 3  # candidates stored per built-in entry, best first
AUTHOR_SCORE = 10.0  # a pair the runbook's author declared: above any computed score
SAME_AS = "same-as "
NOT = "not "


@dataclass(frozen=True)
class Twin:
    """A built-in entry and a user entry on (maybe) the same problem, with the evidence for it."""

    builtin: int  # rowids
    user: int
    score: float
    cos: float
    link: float
    shared: int
    how: str  # "found" (computed) or "author" (a !same-as tag)


def closest_entries(store: Store, rowid: int, builtin: bool, k: int = 3) -> list[tuple[int, float]]:
    """Entries nearest to an entry by sentence vectors (any language), user or built-in ones: (rowid, cosine)."""
    rowids, index = store.vectors()
    best: dict[int, float] = {}
    for vec in store.vectors_of(rowid):
        rows, sims = index.search(vec, 60)
        for i, sim in zip(rows.tolist(), sims.tolist(), strict=True):
            r = int(rowids[i])
            if r != rowid:
                best[r] = max(best.get(r, -1.0), sim)
    meta = store.entry_meta(best)
    kept = [(r, s) for r, s in best.items() if bool(meta.get(r, ("", 1, ""))[1]) == builtin]
    return sorted(kept, key=lambda t: -t[1])[:k]


def is_contents(store: Store, entry: Entry) -> bool:
    """A table of contents: most lines of the body name other sections of the same runbook."""
    lines = [ln.strip().lstrip("-*+0123456789. ").strip() for ln in entry.body.split("\n") if ln.strip()]
    if len(lines) < 3:
        return False
    titles = {e.title.strip().rstrip("。.").lower() for e in store.source_entries(entry.source) if e.id != entry.id}
    named = sum(ln.rstrip("。.").lower() in titles for ln in lines)
    return named >= 3 and named * 2 >= len(lines)


def _shared_templates(store: Store, users: set[int], builtins: set[int]) -> dict[int, Counter[int]]:
    """builtin rowid → user rowid → signature templates the two entries share."""
    holders: dict[str, set[int]] = defaultdict(set)
    for rowid, template in store.db.execute("SELECT entry_rowid, template FROM signatures"):
        holders[template].add(int(rowid))
    out: dict[int, Counter[int]] = defaultdict(Counter)
    for rowids in holders.values():
        mine = [r for r in rowids if r in users]
        if not mine or len(mine) > SHARED_ENTRIES:
            continue
        for b in (r for r in rowids if r in builtins):
            for u in mine:
                out[b][u] += 1
    return out


def _author_pairs(store: Store, users: set[int]) -> tuple[dict[int, set[int]], set[tuple[int, int]]]:
    """From the users' tags: builtin rowid → user rowids declared the same, and (builtin, user) pairs forbidden."""
    same: dict[int, set[int]] = defaultdict(set)
    forbidden: set[tuple[int, int]] = set()
    rows = store.db.execute(
        "SELECT tag, rowid FROM entry_tags WHERE tag LIKE ? OR tag LIKE ?", (SAME_AS + "%", NOT + "%")
    ).fetchall()
    for tag, rowid in rows:
        if int(rowid) not in users:
            continue
        same_as = tag.startswith(SAME_AS)
        ref = tag[len(SAME_AS if same_as else NOT) :].strip()
        try:
            target = store.get(ref)
        except KnowledgeError:
            continue  # a tag naming no entry links nothing (medic show says which tags it honoured)
        found = store.entries_with_rowids([target.id])
        for b, entry in found.items():
            if not entry.builtin:
                continue
            if same_as:
                same[b].add(int(rowid))
            else:
                forbidden.add((b, int(rowid)))
    return same, forbidden


def shared_rare_terms(store: Store, words: Counter[str]) -> list[tuple[str, float]]:
    """The rarest words of an entry's text that some other entry holds too (a word only the entry itself has
    links nothing, and in a small knowledge base such words would take every place)."""
    from medic.knowledge.search import rare_terms, stem

    terms = rare_terms(store, words, limit=RARE_WORDS * 4)
    df = store.doc_freq(stem(w) for w, _ in terms)
    return [(w, idf) for w, idf in terms if df.get(stem(w), 0) >= 2][:RARE_WORDS]


# the version of find_twins: stored twins of another version are found again (2: no overview pages; 3: no licence,
# change log or sources file)
METHOD = "3"


def find_twins(store: Store) -> list[Twin]:
    """The twin candidates of every searchable built-in entry (``KEPT`` each, best first) and the authors' pairs."""
    from medic.knowledge import embed
    from medic.knowledge.search import linked_entries
    from medic.knowledge.text import evidence_words

    meta = store.db.execute("SELECT rowid, builtin, searchable FROM entries").fetchall()
    users = {int(r) for r, b, s in meta if not b and s}
    builtins = {int(r) for r, b, s in meta if b and s}
    if not users or not builtins:
        return []
    shared = _shared_templates(store, users, builtins)
    same, forbidden = _author_pairs(store, users)
    vectors = embed.available()
    contents: dict[int, bool] = {}
    out: list[Twin] = []
    for b, entry in store.entries_by_rowid(sorted(builtins)).items():
        text = "\n".join([entry.title, entry.body, *(c.text for c in entry.code_blocks)])
        words = Counter(evidence_words(text.encode("utf-8", "replace")))
        link = linked_entries(store, shared_rare_terms(store, words), among=users)
        near = dict(closest_entries(store, b, builtin=False, k=NEAR)) if vectors else {}
        scored = []
        for u in set(near) | set(link) | set(shared.get(b, {})):
            if (b, u) in forbidden or u in same.get(b, ()):
                continue
            n = shared.get(b, Counter())[u]
            cos, share = max(near.get(u, 0.0), 0.0), link.get(u, 0.0)
            score = cos + share + SHARED_WEIGHT * min(n, SHARED_CAP)
            scored.append(Twin(b, u, score, cos, share, n, "found"))
        scored.sort(key=lambda t: (-t.score, t.user))
        kept: list[Twin] = []
        for t in scored:
            if t.user not in contents:  # an overview, a table of contents, a change log: never a twin
                user = store.entries_by_rowid([t.user])[t.user]
                contents[t.user] = is_overview(user.source) or is_reference(user.source) or is_contents(store, user)
            if not contents[t.user]:
                kept.append(t)
            if len(kept) >= KEPT:
                break
        out.extend(Twin(b, u, AUTHOR_SCORE, 0.0, 0.0, 0, "author") for u in sorted(same.get(b, ())))
        out.extend(kept)
    return out


def refresh_twins(store: Store) -> int:
    """Compute the twins again when the knowledge base changed since they were stored, or they were found by
    another version of this module (METHOD); the number stored."""
    if store.twins_generation() == store.generation() and store.meta("twins_method") == METHOD:
        return len(store.twin_rows())
    twins = find_twins(store)
    store.replace_twins([(t.builtin, t.user, t.score, t.cos, t.link, t.shared, t.how) for t in twins], METHOD)
    return len(twins)
