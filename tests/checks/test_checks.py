"""Every registered check has a positive and a negative case under ``cases/<area>/<CODE>.json``.

A case file holds ``positive`` and ``negative`` lists; each item has a ``snapshot`` (the JSON form of a
Snapshot) and, for positives, ``expect``: the objects (``Kind/namespace/name``) and message fragments the
check must report (with ``"exact": true``, exactly those findings, one per expected object). Only the check
under test runs on its case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from medic.checks.registry import all_checks, catalog_anchors, evaluate
from medic.diagnose import diagnose
from medic.knowledge.ingest import ensure_builtin
from medic.knowledge.store import Store
from medic.model import CheckResult, Finding, Outcome, Snapshot

CASES = Path(__file__).parent / "cases"
CHECKS = {c.code: c for c in all_checks()}


@pytest.fixture(scope="module")
def builtin_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("kb") / "kb.db")
    ensure_builtin(store)
    return store


def _run(
    code: str, case: dict[str, Any], knowledge: bool, request: pytest.FixtureRequest
) -> tuple[list[Finding], CheckResult]:
    """Only the check under test; through diagnose with the built-in catalog for knowledge-backed checks.
    Its findings and its outcome."""
    snap = Snapshot.from_dict(case["snapshot"])
    if knowledge:
        result = diagnose(snap, request.getfixturevalue("builtin_store"), codes=[code])
        return result.findings, result.results[code]
    run = evaluate(snap, [CHECKS[code]])
    return run.findings, run.results[code]


def _case_files() -> dict[str, Path]:
    return {p.stem: p for p in CASES.rglob("*.json")}


def _cases(kind: str) -> list[Any]:
    params = []
    for code, path in sorted(_case_files().items()):
        data = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data.get(kind, [])):
            params.append(pytest.param(code, case, bool(data.get("knowledge")), id=f"{code}-{kind}-{i}"))
    return params


def test_every_check_has_a_positive_and_a_negative_case() -> None:
    files = _case_files()
    missing = [code for code in CHECKS if code not in files]
    assert not missing, f"checks without a case file: {missing}"
    for code, path in files.items():
        assert code in CHECKS, f"{path} names no registered check"
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data.get("positive") and data.get("negative"), f"{path}: needs positive and negative cases"


def test_codes_severities_and_messages_are_well_formed() -> None:
    assert len(CHECKS) == len({c.code for c in all_checks()})
    for c in CHECKS.values():
        assert re.fullmatch(r"[A-Z]{2,5}[0-9]{3}", c.code), c.code
        assert c.title and c.message and c.doc and c.looks_at, c.code
        assert "\n" not in c.message


def test_links_name_existing_catalog_entries() -> None:
    anchors = catalog_anchors()
    for c in CHECKS.values():
        for link in c.links:
            assert link in anchors, f"{c.code} links to {link}, which is not a built-in catalog entry"


@pytest.mark.parametrize(("code", "case", "knowledge"), _cases("positive"))
def test_positive(code: str, case: dict[str, Any], knowledge: bool, request: pytest.FixtureRequest) -> None:
    findings, result = _run(code, case, knowledge, request)
    assert result.outcome is Outcome.FAILED and not result.reason.startswith("stopped"), result
    mine = [f for f in findings if f.code == code]
    assert mine, f"{code} found nothing"
    for want in case.get("expect", []):
        hits = [f for f in mine if str(f.object) == want["object"]]
        assert hits, f"{code}: no finding on {want['object']}: {[str(f.object) for f in mine]}"
        if "message" in want:
            assert any(want["message"] in f.message for f in hits), [f.message for f in hits]
    for f in mine:
        assert f.severity == CHECKS[code].severity
    if case.get("exact"):
        assert sorted(str(f.object) for f in mine) == sorted(w["object"] for w in case["expect"]), [
            f"{f.object}: {f.message}" for f in mine
        ]


@pytest.mark.parametrize(("code", "case", "knowledge"), _cases("negative"))
def test_negative(code: str, case: dict[str, Any], knowledge: bool, request: pytest.FixtureRequest) -> None:
    findings, result = _run(code, case, knowledge, request)
    # a negative case passes, or says what it could not see (a case snapshot holds only the kinds it needs)
    assert result.outcome in (Outcome.PASSED, Outcome.NOT_EVALUATED), result
    assert not result.reason.startswith("stopped on malformed input"), result
    assert not [f for f in findings if f.code == code], [f.message for f in findings]
