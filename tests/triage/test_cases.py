"""Triage on realistic evidence (tests/triage/data, written for Medic): the right entry comes first.

Each case is what an operator would paste for one problem section of a seed runbook, with other names,
addresses, versions and noise lines. With the seeds indexed, that section must come first; with only the
built-in catalog, the matching built-in entry must. Unrelated logs must produce no confident match.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from medic.knowledge.store import Store
from medic.pasted import triage_pasted

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
NEGATIVES = sorted((DATA / "negatives").glob("*.txt"))


def run(store: Store, path: Path, **kw: Any) -> list[Any]:
    return triage_pasted(store, io.BytesIO(path.read_bytes()), **kw).triage.matches  # the path `medic triage` takes


# Measured accuracy, raised as triage improves and never lowered without a reason written here: a drop fails the
# suite. The ranking is a model fitted on real public evidence (bench/triage_train, scripts/fit_ranking.py, its
# thresholds chosen over a large and a seeds-only knowledge base); these cases were written for Medic and had been
# matched by hand-set weights tuned on them (37/39 seeded, 35 built-in only). The fitted ranking takes 34 seeded,
# 37 built-in only, and 31 with the public corpus indexed as well (hand-set weights took ~30 there), while real
# evidence went from hit@1 53 to 84 of 216 (training set, cross-validated, at more negatives kept silent).
# Lowered in session 7 (34 → 33 seeded, 37 → 35 built-in only): the model refitted on 351 real cases (78
# negatives instead of 43) prints from 0.40 instead of 0.35 and without the finding floor (training: negatives
# silent 62/78, hit@1 105/273); an entry a check's finding links to is shown with the finding instead.
MIN_SEEDED = 33
MIN_BUILTIN = 35
MIN_WITH_CORPUS = 31
# Healthy outputs that no parser recognises and that share rare words with a runbook: the fitted model gives the
# closest runbook a printed confidence (a known miss of the model; recognised healthy output is silent). Session 8:
# the refit on 430 real cases prints from 0.35 (training CV hit@1 138/334, negatives silent 79/96) and a Spring
# start-up log naming PostgreSQL and Keycloak's libraries reaches the Keycloak sections at 0.43.
KNOWN_NOISY_NEGATIVES = {"helm-upgrade-success.txt", "nginx-access-200.txt", "java-spring-startup.txt"}


def first_is_seed_section(store: Store, case: dict[str, Any]) -> bool:
    matches = run(store, DATA / case["file"])
    if not matches:
        return False
    top = matches[0]
    return (
        f"/{case['seed']}_" in top.entry.source
        and top.entry.title in [case["title"], *case.get("also_ok", [])]
        and bool(top.evidence)
    )


def first_is_builtin(store: Store, case: dict[str, Any]) -> bool:
    matches = run(store, DATA / case["file"])
    return bool(matches) and matches[0].entry.title == case["builtin"] and bool(matches[0].evidence)


def test_seed_sections_come_first(seeded_store: Store) -> None:
    misses = [c["file"] for c in CASES if not first_is_seed_section(seeded_store, c)]
    assert len(CASES) - len(misses) >= MIN_SEEDED, f"{len(misses)} misses: {misses}"


def test_seed_sections_come_first_with_the_public_corpus_indexed(corpus_store: Store) -> None:
    misses = [c["file"] for c in CASES if not first_is_seed_section(corpus_store, c)]
    assert len(CASES) - len(misses) >= MIN_WITH_CORPUS, f"{len(misses)} misses: {misses}"


def test_builtin_entries_come_first_without_user_runbooks(builtin_store: Store) -> None:
    cases = [c for c in CASES if c.get("builtin")]
    misses = [c["file"] for c in cases if not first_is_builtin(builtin_store, c)]
    assert len(cases) - len(misses) >= MIN_BUILTIN, f"{len(misses)} misses: {misses}"


@pytest.mark.parametrize(
    "name",
    [
        "000-keycloak-postgres.txt",
        "003-cdi-limits-quota.txt",
        "004-drbd-all-outdated.txt",
        "004-swarm-service-restarting.txt",
        "002-ssh-too-many-auth.txt",
    ],
)
def test_key_cases_always_work(seeded_store: Store, name: str) -> None:
    case = next(c for c in CASES if c["file"].endswith(name))
    assert first_is_seed_section(seeded_store, case)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="known miss of the fitted model"))
        if p.name in KNOWN_NOISY_NEGATIVES
        else p
        for p in NEGATIVES
    ],
    ids=[p.name for p in NEGATIVES],
)
def test_unrelated_logs_have_no_confident_match(seeded_store: Store, path: Path) -> None:
    matches = run(seeded_store, path)
    assert matches == [], [(m.entry.title, round(m.confidence, 2)) for m in matches]


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 20 and len(NEGATIVES) >= 12
