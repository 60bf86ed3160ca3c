"""Ranking: what each kind of evidence says for a candidate entry, and the fitted model that weighs it.

Triage gathers, per candidate entry, its signals (``medic.triage.TriageMatch``): signature hits, the search score
of the error lines and alert fields and of the user's own words, rare-word links, the search score of the head of
the evidence, the best sentence-vector cosine of its lines, how much of the entry's title the evidence names, what
a check's finding on pasted output added. ``features`` turns them into one vector, partly relative to the other
candidates of the same evidence (the best candidate of a weak paste is still weak; the first of a strong one
stands out). ``scripts/fit_ranking.py`` fits a logistic regression on real public evidence (bench/triage_train,
never the evaluation sets) and writes ``rank_model.json``: the weights, a Platt scaling that makes the
probability a calibrated confidence, the confidence from which a match is printed, and the twin threshold.

``rank`` orders the candidates: each gets the model's confidence; a built-in entry lends its confidence to its
twin in the user's runbooks (``medic.knowledge.twins``: the same problem, linked from the two texts, not from the
evidence); the user's runbooks come first when about as likely as the best built-in entry.

Every number that turns signals into an order or a confidence is here: the fitted model, the order rule, and the
combined score's weights (a feature, and the scale still used where no model applies: the signature-only scan of
container logs in diagnose and the lift a check's finding gives).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from medic.knowledge.document import is_overview

if TYPE_CHECKING:
    from medic.knowledge.store import Store
    from medic.triage import TriageMatch

FEATURES = (
    "signature",  # log(1 + sum of the weights of the signatures that matched)
    "signatures",  # log(1 + distinct signatures that matched)
    "search",  # search score of the error lines and alert fields
    "note",  # search score of what the user wrote in words
    "link",  # share of the evidence's rare words the entry holds
    "finding",  # log(1 + what a check's finding on pasted output added)
    "recall",  # search score of the head of the evidence as one query
    "vector",  # best cosine of an evidence line with the entry's vectors, above VECTOR_FLOOR
    "title",  # share of the entry title's words (CJK bigrams) the evidence holds
    "overview",  # 1 for an overview page (README, _index): it names every problem
    "rel_score",  # the combined score over the best candidate's
    "rel_signature",  # the signature score over the best candidate's
    "rel_recall",  # the head's search score over the best candidate's
    "rel_vector",  # the cosine minus the best candidate's (-1 without one)
    "rel_link",  # the rare-word share over the best candidate's
    "rel_search",  # the error lines' search score over the best candidate's
    "first_recall",  # 1 for the candidate the head's search ranks first
    "first_vector",  # 1 for the candidate nearest by vectors
    "first_score",  # 1 for the candidate with the best combined score
    "title_full",  # 1 when the evidence holds every word of the title
    "quiet",  # 1 when the evidence has no error line, alert field or note: nothing in it reports a problem
    "quiet_link",  # the rare-word share in such evidence (a healthy status names the same components)
    "line",  # best search score of one error line alone
    "rel_line",  # that score over the best candidate's
    "title_name",  # 1 when the evidence holds whole a name the title gives (an alert, a reason: not a plain word)
)
VECTOR_FLOOR = 0.3  # cosines of unrelated sentences of this encoder reach ~0.3: below, a vector says nothing

# -- the combined score: signature weights + search + links (a feature, and the scale where no model applies) ----
SEARCH_WEIGHT = 2.0  # a search score of 1 (the best hit, every term) weighs as a specific signature (~2)
LINK_WEIGHT = 2.0  # so does holding all of the evidence's rarest words
NOTE_SHARE = 1.0  # the search score of the user's notes, next to that of the error lines
SCORE_SCALE = 2.2  # score → 0..1: a specific signature (weight ≈ 2-4) alone gives 0.6-0.8
SCORE_CONFIDENT = 0.6  # on that scale, from where a signature-only log match is reported (diagnose)
# What a check's finding adds to the entry that explains it, on the same scale: alone, a weak candidate (0.55);
# with the evidence's own words or signatures pointing the same way, a confident one.
FINDING_SCORE = -SCORE_SCALE * math.log(1 - 0.55)

# -- the order rule ------------------------------------------------------------------------------------------------
# the user's runbooks come first when they explain the evidence about as well (this share of the confidence) as
# the best built-in entry: the team's own steps beat the generic ones for the same problem
USER_FIRST_RATIO = 0.75
WEAK = 0.1  # with --all, candidates from this confidence on are listed too (one chance in ten)


def signature_weight(weight: float, lines: int) -> float:
    """What a signature that matched ``lines`` distinct evidence lines adds: repeated lines count a little more
    (a quarter of the weight per factor e of lines), never as much as another signature."""
    return weight * (1 + 0.25 * math.log(lines))


def combined(signature: float, search: float, link: float, has_error_lines: bool) -> float:
    """The combined score of a candidate. Shared rare words alone, in evidence without a single error line (a
    healthy status listing the same components as a runbook), are weak evidence: half the link weight."""
    return signature + SEARCH_WEIGHT * search + (LINK_WEIGHT if has_error_lines else LINK_WEIGHT / 2) * link


def score_confidence(score: float) -> float:
    """A combined score → 0..1 on the hand-set scale (see SCORE_SCALE)."""
    return 1.0 - math.exp(-max(score, 0.0) / SCORE_SCALE)


@dataclass(frozen=True)
class Context:
    """The best value of each signal among the candidates of one evidence."""

    score: float
    signature: float
    recall: float
    vector: float
    link: float
    search: float
    line: float
    quiet: bool  # no line of the evidence reports a problem (no error line, alert field or note)

    @classmethod
    def of(cls, candidates: Sequence[TriageMatch], quiet: bool = False) -> Context:
        def best(values: list[float]) -> float:
            return max(values, default=0.0)

        return cls(
            score=best([m.score for m in candidates]),
            signature=best([m.signature_score for m in candidates]),
            recall=best([m.recall_score for m in candidates]),
            vector=best([m.vector_score for m in candidates]),
            link=best([m.link_score for m in candidates]),
            search=best([m.search_score for m in candidates]),
            line=best([m.line_score for m in candidates]),
            quiet=quiet,
        )


def _share(value: float, best: float) -> float:
    return value / best if best > 0 else 0.0


def features(m: TriageMatch, ctx: Context) -> list[float]:
    """The model's inputs for one candidate (in the order of FEATURES).

    Whether the entry is built-in is not an input: the training answers are runbook sections, so the model would
    learn that the catalog is never right and stay silent for a user without runbooks. The catalog reaches the
    user's runbooks through twins instead (``rank``)."""
    return [
        math.log1p(max(m.signature_score, 0.0)),
        math.log1p(m.signatures),
        max(m.search_score - m.note_score, 0.0),
        m.note_score,
        m.link_score,
        math.log1p(max(m.finding_score, 0.0)),
        m.recall_score,
        max(m.vector_score - VECTOR_FLOOR, 0.0),
        m.title_score,
        1.0 if is_overview(m.entry.source) else 0.0,
        _share(m.score, ctx.score),
        _share(m.signature_score, ctx.signature),
        _share(m.recall_score, ctx.recall),
        m.vector_score - ctx.vector if m.vector_score > 0 else -1.0,
        _share(m.link_score, ctx.link),
        _share(m.search_score, ctx.search),
        1.0 if m.recall_score > 0 and m.recall_score >= ctx.recall else 0.0,
        1.0 if m.vector_score > 0 and m.vector_score >= ctx.vector else 0.0,
        1.0 if m.score >= ctx.score else 0.0,
        1.0 if m.title_score >= 0.999 else 0.0,
        1.0 if ctx.quiet else 0.0,
        m.link_score if ctx.quiet else 0.0,
        m.line_score,
        _share(m.line_score, ctx.line),
        1.0 if m.title_name else 0.0,
    ]


@dataclass(frozen=True)
class Model:
    """A fitted ranking model: the candidates' logistic regression (the order), the answer model that turns the
    order into a calibrated confidence, the printing threshold and the twin score from which a built-in entry and a
    user entry are taken for the same problem."""

    weights: tuple[float, ...]
    bias: float
    # confidence = sigmoid(a · logit + l · lead + q · quiet + b): the candidate's logit, its lead over the next
    # candidate on another problem, and whether nothing in the evidence reports a problem; fitted on the first match
    # of each training case (right or wrong), so a printed confidence is the share of such matches that are right
    answer: tuple[float, float, float, float]
    threshold: float  # confidence from which a match is printed
    twin_min: float  # medic.knowledge.twins score from which each other's best match are twins
    twin_sure: float  # the score from which a pair are twins even when either has a better match
    # whether an entry a check's finding on the pasted output links to is printed at the threshold at least (the
    # check saw the state the entry is about); chosen by the fit, like the threshold
    finding_floor: bool = True
    # the answer model of a knowledge base of the built-in catalog alone (Medic as installed, before a team
    # indexes its runbooks): fitted on the same cases triaged against the catalog, a built-in entry right when it
    # is the twin of an expected section; None: the answer model above
    answer_catalog: tuple[float, float, float, float] | None = None
    fitted: dict[str, Any] = field(default_factory=dict, compare=False)  # how it was fitted, its figures

    def logit(self, f: list[float]) -> float:
        return sum(w * x for w, x in zip(self.weights, f, strict=True)) + self.bias

    def probability(self, f: list[float]) -> float:
        return _sigmoid(self.logit(f))

    def confidence(self, logit: float, lead: float, quiet: bool) -> float:
        return answer_confidence(self.answer, logit, lead, quiet)

    def answer_of(self, catalog_only: bool) -> tuple[float, float, float, float]:
        """The answer model for a knowledge base of the catalog alone, or for one with the user's runbooks."""
        return self.answer_catalog if catalog_only and self.answer_catalog is not None else self.answer

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "answer": [round(v, 6) for v in self.answer],
            "threshold": self.threshold,
            "twin_min": self.twin_min,
            "twin_sure": self.twin_sure,
            "finding_floor": self.finding_floor,
            "answer_catalog": None if self.answer_catalog is None else [round(v, 6) for v in self.answer_catalog],
            "fitted": self.fitted,
        }


def answer_confidence(answer: tuple[float, float, float, float], z: float, lead: float, quiet: bool) -> float:
    """The answer model: a candidate's logit, its lead and the quiet flag → its printed confidence."""
    a, lw, q, b = answer
    return _sigmoid(a * z + lw * lead + q * (1.0 if quiet else 0.0) + b)


def answer_confidences(
    answer: tuple[float, float, float, float], scored: list[tuple[float, float]], quiet: bool
) -> list[float]:
    """The printed confidences of a ranked top from its (probability, lead) pairs, each never higher than the
    confidence of a candidate ranked above (``calibrate``, and the fitting script's cross-validation)."""
    values = [answer_confidence(answer, logit(p), ld, quiet) for p, ld in scored]
    return [min(values[: i + 1]) for i in range(len(values))]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


MODEL_FILE = "rank_model.json"


def _answer(values: list[Any]) -> tuple[float, float, float, float]:
    a, lw, q, b = (float(v) for v in values)
    return (a, lw, q, b)


def model_from_dict(data: dict[str, Any]) -> Model:
    if data.get("features") != list(FEATURES):
        raise ValueError(f"{MODEL_FILE}: fitted on features {data.get('features')}, this Medic computes {FEATURES}")
    return Model(
        weights=tuple(float(w) for w in data["weights"]),
        bias=float(data["bias"]),
        answer=_answer(data["answer"]),
        threshold=float(data["threshold"]),
        twin_min=float(data["twin_min"]),
        twin_sure=float(data["twin_sure"]),
        finding_floor=bool(data.get("finding_floor", True)),
        answer_catalog=_answer(data["answer_catalog"]) if data.get("answer_catalog") else None,
        fitted=dict(data.get("fitted") or {}),
    )


_override: list[Model] = []


def use(m: Model | None) -> None:
    """Rank with ``m`` instead of the shipped model (None: the shipped one again): the fitting script evaluates
    the models it fits through triage's own ranking this way."""
    _override[:] = [m] if m is not None else []


def model() -> Model:
    """The model triage ranks with: the one shipped in the package (written by scripts/fit_ranking.py)."""
    return _override[0] if _override else shipped()


@cache
def shipped() -> Model:
    text = (resources.files("medic") / MODEL_FILE).read_text(encoding="utf-8")
    return model_from_dict(json.loads(text))


def printed_from() -> float:
    """The confidence from which a match is printed (the fitted threshold)."""
    return model().threshold


_TWINS: dict[str, tuple[str, dict[str, list[tuple[str, float]]], dict[str, str]]] = {}


def twins(store: Store) -> tuple[dict[str, list[tuple[str, float]]], dict[str, str]]:
    """(built-in entry id → [(user entry id, twin score)] best first, user entry id → the built-in entry it
    matches best), cached per knowledge-base generation."""
    key = str(store.path)
    gen = store.generation()
    cached = _TWINS.get(key)
    if cached is None or cached[0] != gen:
        table: dict[str, list[tuple[str, float]]] = {}
        best: dict[str, tuple[float, str]] = {}
        for b, u, score, _how in store.twin_rows():
            table.setdefault(b, []).append((u, score))
            if score > best.get(u, (-1.0, ""))[0]:
                best[u] = (score, b)
        _TWINS.clear()
        _TWINS[key] = (gen, table, {u: b for u, (_, b) in best.items()})
        cached = _TWINS[key]
    return cached[1], cached[2]


_CATALOG_ONLY: dict[str, tuple[str, bool]] = {}


def catalog_only(store: Store) -> bool:
    """Whether the knowledge base holds the built-in catalog alone (no runbook of the user's indexed yet), cached
    per knowledge-base generation."""
    key = str(store.path)
    gen = store.generation()
    cached = _CATALOG_ONLY.get(key)
    if cached is None or cached[0] != gen:
        counts = store.count()
        cached = (gen, counts["entries"] == counts["builtin"])
        _CATALOG_ONLY[key] = cached
    return cached[1]


def twin_targets(store: Store, builtin_id: str, mdl: Model) -> list[str]:
    """The user entries taken for the same problem as a built-in entry: a user entry and a built-in entry that are
    each other's best match from ``twin_min`` on, or any pair from ``twin_sure`` on (a problem may have a section
    in several of the user's runbooks). Scores of a small knowledge base run lower than those of a large one
    (fewer words are rare in both); being each other's best match does not depend on the size.

    Measured and left: taking a built-in entry's best match without asking that it be mutual (a runbook section
    that treats several problems could then be the twin of each) gained 3 of 216 on the training set's
    cross-validation and lost a right answer and a silent negative on the evaluation set: not taken."""
    table, best_builtin = twins(store)
    return [
        u
        for u, s in table.get(builtin_id, [])
        if s >= mdl.twin_sure
        or (s >= mdl.twin_min and best_builtin.get(u) == builtin_id and table[builtin_id][0][0] == u)
    ]


def twins_of(store: Store, entry_id: str) -> list[tuple[str, float]]:
    """The entries on the same problem as an entry, as ``rank`` takes them: for a built-in entry its twins in the
    user's runbooks, for a user entry the built-in entries it is the twin of; (entry id, twin score)."""
    table, _ = twins(store)
    mdl = model()
    if entry_id in table:
        targets = set(twin_targets(store, entry_id, mdl))
        return [(u, s) for u, s in table[entry_id] if u in targets]
    return [
        (b, s) for b, pairs in table.items() for u, s in pairs if u == entry_id and u in twin_targets(store, b, mdl)
    ]


def rank(store: Store, candidates: list[TriageMatch], quiet: bool = False) -> list[TriageMatch]:
    """Every candidate with its confidence, best first; twins of confident built-in entries join the list.

    A built-in entry's confidence counts for its twin in the user's runbooks (the same problem): the twin gets
    the larger of the two, and the built-in entry's evidence lines when it has none of its own. The user's
    entries come first when about as likely as the best built-in entry (USER_FIRST_RATIO)."""
    from medic.triage import EvidenceHit, TriageMatch

    mdl = model()
    ctx = Context.of(candidates, quiet)
    for m in candidates:  # the ranking model's probability first; the printed confidence at the end
        m.confidence = mdl.probability(features(m, ctx))
        m.twin_of = ""
    own = {m.entry.id: m.confidence for m in candidates}
    by_id = {m.entry.id: m for m in candidates}
    lent: dict[str, TriageMatch] = {}
    for b in sorted((m for m in candidates if m.entry.builtin), key=lambda m: -m.confidence):
        if b.confidence < WEAK:
            continue
        for uid in twin_targets(store, b.entry.id, mdl):
            twin = by_id.get(uid)
            if twin is None:
                found = store.entries([uid])
                if uid not in found:
                    continue
                twin = TriageMatch(entry=found[uid], score=0.0, confidence=0.0)
                by_id[uid] = twin
            if b.confidence > twin.confidence:
                twin.confidence = b.confidence
                twin.twin_of = b.entry.title
                lent[twin.entry.id] = b
    for uid, b in lent.items():
        m = by_id[uid]
        if not m.evidence:
            via = f"(same problem as built-in entry: {b.entry.title})"
            m.evidence = [EvidenceHit(line_no=h.line_no, text=h.text, matched=via) for h in b.evidence[:3]]
    ranked = list(by_id.values())
    best_builtin = max((m.confidence for m in ranked if m.entry.builtin), default=0.0)

    def user_first(m: TriageMatch) -> bool:
        return not m.entry.builtin and m.confidence >= USER_FIRST_RATIO * best_builtin

    # among equals (twins that took the same built-in confidence) the entry the evidence supports best first
    ranked.sort(key=lambda m: (not user_first(m), -m.confidence, -own.get(m.entry.id, 0.0), m.entry.id))
    calibrate(ranked, mdl, quiet, catalog_only(store))
    return ranked


LEAD_OF = 5  # the printed top: the lead of a candidate is measured over the candidates ranked below it among these


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))


def same_problem(a: TriageMatch, b: TriageMatch) -> bool:
    """Two candidates that hold one confidence because one lent it to the other (or both took it from one)."""
    return bool(
        (a.twin_of and (a.twin_of == b.twin_of or a.twin_of == b.entry.title))
        or (b.twin_of and b.twin_of == a.entry.title)
    )


def lead(ranked: list[TriageMatch], i: int) -> float:
    """How far the i-th candidate's logit is above the best one ranked below it on another problem."""
    below = [m.confidence for m in ranked[i + 1 :] if not same_problem(ranked[i], m)]
    return logit(ranked[i].confidence) - logit(max(below, default=0.0))


def calibrate(ranked: list[TriageMatch], mdl: Model, quiet: bool, catalog: bool = False) -> None:
    """Turn the ranking probabilities of the top into printed confidences (the answer model; ``catalog``: that of
    a knowledge base of the catalog alone), never higher than the confidence of a candidate ranked above; the rest
    keep a probability that is never printed as confident."""
    top = ranked[:LEAD_OF]
    scored = [(m.confidence, lead(top, i)) for i, m in enumerate(top)]
    for m, conf in zip(top, answer_confidences(mdl.answer_of(catalog), scored, quiet), strict=True):
        m.confidence = conf
    ceiling = top[-1].confidence if top else 1.0
    for m in ranked[LEAD_OF:]:
        m.confidence = min(m.confidence, ceiling)
    # a check's finding on the pasted output proved the state the entry is about (a pod in CrashLoopBackOff, a
    # Released volume): the entry it names is printed, at the bar when the text says no more (when the fit found
    # that this prints more right answers than wrong ones: Model.finding_floor)
    if mdl.finding_floor:
        for m in ranked:
            if m.finding_score > 0:
                m.confidence = max(m.confidence, mdl.threshold)
    ranked.sort(key=lambda m: -m.confidence)  # stable: equals keep the order above
