"""Ranking signals: what each kind of evidence says for one candidate entry, as the inputs of a fitted model.

Triage gathers, per entry, signature hits, the search score of the error lines and alert fields, of the user's
own words, rare-word links, what a built-in entry on the same problem lent and what a check's finding added
(``TriageMatch``). ``features`` turns them into one vector; ``scripts/fit_ranking.py`` fits a logistic
regression on real public evidence (bench/triage_train) and reports cross-validated figures against the
combined score triage ranks by today. No fitted model ranks yet: the training answers are all user runbooks,
so a fit learns that the built-in catalog is never right (see the script's notes); built-in twins are the
missing labels.
"""

from __future__ import annotations

import math
from typing import Protocol

FEATURES = (
    "signature",  # log(1 + sum of the weights of the signatures that matched)
    "signatures",  # log(1 + distinct signatures that matched)
    "search",  # search score of the error lines and alert fields
    "note",  # search score of what the user wrote in words
    "link",  # share of the evidence's rare words the entry holds
    "lent",  # log(1 + score lent by the built-in entry on the same problem)
    "finding",  # log(1 + what a check's finding on pasted output added)
    "overview",  # 1 for an overview page (README, _index): it names every problem
    "relative",  # the candidate's combined score over the best candidate's
    "first",  # 1 for the candidate with the best combined score
)
_OVERVIEW_NAMES = ("readme", "_index", "index")


class Candidate(Protocol):
    """What triage knows of one candidate entry (medic.triage.TriageMatch)."""

    score: float
    signatures: int
    search_score: float
    note_score: float
    link_score: float
    signature_score: float
    lent_score: float
    finding_score: float

    @property
    def entry(self) -> _EntryLike: ...


class _EntryLike(Protocol):
    builtin: bool
    source: str


def is_overview(source: str) -> bool:
    stem = source.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return stem in _OVERVIEW_NAMES


def features(m: Candidate, best: float) -> list[float]:
    """The model's inputs for one candidate; ``best`` is the highest combined score among the candidates.

    Whether the entry is built-in is not an input: the training set's answers are all user runbooks, so the
    model would learn that the catalog is never right, which is true of that set and of nobody's use."""
    return [
        math.log1p(max(m.signature_score, 0.0)),
        math.log1p(m.signatures),
        max(m.search_score - m.note_score, 0.0),
        m.note_score,
        m.link_score,
        math.log1p(max(m.lent_score, 0.0)),
        math.log1p(max(m.finding_score, 0.0)),
        1.0 if is_overview(m.entry.source) else 0.0,
        m.score / best if best > 0 else 0.0,
        1.0 if best > 0 and m.score >= best else 0.0,
    ]
