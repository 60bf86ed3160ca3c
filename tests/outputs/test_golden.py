"""Every parser sample has a golden file, and parsing it gives exactly that (see tests/outputs/golden.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.outputs.golden import DATA, golden_of, render, samples

UPDATE = os.environ.get("MEDIC_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("sample", samples(), ids=lambda p: str(p.relative_to(DATA)))
def test_sample_matches_its_golden_file(sample: Path) -> None:
    golden = golden_of(sample)
    got = render(sample)
    if UPDATE:
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"no golden file for {sample.name}: run python -m tests.outputs.golden"
    assert got == golden.read_text(encoding="utf-8")


def test_no_golden_file_without_its_sample() -> None:
    orphans = [p for p in DATA.rglob("*.json") if not p.with_suffix(".txt").exists()]
    assert orphans == []
