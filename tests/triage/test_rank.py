"""The ranking model: the shipped fit, its inputs, and how a built-in entry's confidence reaches its twin."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from medic import rank
from medic.knowledge.store import Store
from medic.triage import EvidenceHit, TriageMatch

# cross-validated on the training set by scripts/fit_ranking.py (259 public cases): a refit must not fall below
# (measured 107 / 28, objective 163, after the lexicon; the fit trades negatives for right answers at NEG_COST)
MIN_CV_HIT1 = 100
MIN_CV_NEG = 25
MIN_CV_OBJECTIVE = 160  # hit@1 + NEG_COST (2) x silent negatives, what the fit maximises


def test_the_shipped_model_is_a_fit_with_its_figures() -> None:
    data = json.loads((resources.files("medic") / rank.MODEL_FILE).read_text(encoding="utf-8"))
    m = rank.model_from_dict(data)
    assert len(m.weights) == len(rank.FEATURES)
    fitted = data["fitted"]
    assert fitted["by"] == "scripts/fit_ranking.py" and fitted["cases"] == "bench/triage_train/cases.jsonl"
    cv = fitted["cross_validated"]
    assert cv["hit1"] >= MIN_CV_HIT1 and cv["neg_ok"] >= MIN_CV_NEG
    assert cv["hit1"] + fitted["neg_cost"] * cv["neg_ok"] >= MIN_CV_OBJECTIVE
    assert 0.0 < m.threshold < 1.0 and m.twin_min <= m.twin_sure


def test_a_model_fitted_on_other_features_is_refused() -> None:
    data = json.loads((resources.files("medic") / rank.MODEL_FILE).read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="fitted on features"):
        rank.model_from_dict(data)


# what a paste of the error the entry quotes gives it: signatures, the error line's search, the head's search, a
# close sentence vector, most of the title's words
SIGNALS = {
    "score": 9.0,
    "signatures": 3,
    "signature_score": 7.0,
    "search_score": 0.5,
    "link_score": 1.0,
    "recall_score": 0.3,
    "vector_score": 0.6,
    "title_score": 0.5,
}


def entry(store: Store, builtin: bool, title_start: str):  # type: ignore[no-untyped-def]
    return next(
        e for e in store.all_entries(searchable_only=True) if e.builtin == builtin and e.title.startswith(title_start)
    )


def test_a_confident_builtin_entry_lends_its_confidence_to_its_twin_only(seeded_store: Store) -> None:
    b = entry(seeded_store, True, "Keycloak pods crash: PostgreSQL password authentication failed")
    other = entry(seeded_store, False, "Grafana でメトリクスが表示されない")
    line = EvidenceHit(line_no=3, text='FATAL: password authentication failed for user "keycloak"', matched="x")
    strong = TriageMatch(entry=b, confidence=0.0, evidence=[line], **SIGNALS)  # type: ignore[arg-type]
    weak = TriageMatch(entry=other, score=0.1, confidence=0.0, link_score=0.05)
    ranked = rank.rank(seeded_store, [strong, weak])
    first = ranked[0]
    assert first.entry.title == "Keycloak pod が起動しない" and not first.entry.builtin
    assert first.confidence == pytest.approx(strong.confidence) and first.twin_of == b.title
    assert [h.text for h in first.evidence] == [line.text] and "same problem as built-in entry" in first.evidence[
        0
    ].matched
    assert [m.entry.id for m in ranked] == [first.entry.id, b.id, other.id]
    assert weak.twin_of == "" and weak.confidence < strong.confidence


def test_without_twins_the_catalog_entry_ranks_by_its_own_confidence(builtin_store: Store) -> None:
    b = entry(builtin_store, True, "Keycloak pods crash: PostgreSQL password authentication failed")
    strong = TriageMatch(entry=b, confidence=0.0, **SIGNALS)  # type: ignore[arg-type]
    ranked = rank.rank(builtin_store, [strong])
    assert [m.entry.id for m in ranked] == [b.id] and ranked[0].confidence >= rank.printed_from()


def test_a_check_finding_prints_its_entry_at_the_bar_when_the_model_says_so(builtin_store: Store) -> None:
    import dataclasses

    b = entry(builtin_store, True, "Keycloak pods crash: PostgreSQL password authentication failed")
    for floor in (True, False):
        found = TriageMatch(entry=b, score=0.1, confidence=0.0, finding_score=1.0, link_score=0.01)
        rank.use(dataclasses.replace(rank.shipped(), finding_floor=floor))
        try:
            (m,) = rank.rank(builtin_store, [found])
        finally:
            rank.use(None)
        assert (m.confidence >= rank.shipped().threshold) is floor
