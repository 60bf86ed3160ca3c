"""Golden files of the parser samples: ``<sample>.json`` next to each ``tests/data/outputs/<kind>/<sample>.txt``
holds what Medic reads from it (the blocks and their facts, and the objects of the partial snapshot).

Regenerate them after a deliberate change and review the diff::

    .venv/bin/python -m tests.outputs.golden            # rewrite every golden file
    MEDIC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/outputs/test_golden.py   # the same, from the test

A paste without a time of its own is read as if pasted at ``FIXED_NOW`` so the files do not change daily.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from medic.evidence.outputs.registry import parse_text

DATA = Path(__file__).resolve().parent.parent / "data" / "outputs"
FIXED_NOW = "2024-01-01T00:00:00Z"


def samples() -> list[Path]:
    return sorted(DATA.rglob("*.txt"))


def golden_of(sample: Path) -> Path:
    return sample.with_suffix(".json")


def read(sample: Path) -> dict[str, Any]:
    """What Medic reads from one sample, JSON-able and stable."""
    result = parse_text(sample.read_text(encoding="utf-8"))
    if result.newest is None:
        result.newest = FIXED_NOW
    snap = result.snapshot()
    return {
        "blocks": [b.to_dict() for b in result.blocks],
        "objects": snap.objects,
        "host": snap.host,
    }


def render(sample: Path) -> str:
    return json.dumps(read(sample), indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def update() -> int:
    for sample in samples():
        golden_of(sample).write_text(render(sample), encoding="utf-8")
    return len(samples())


if __name__ == "__main__":
    print(f"{update()} golden files written under {DATA}", file=sys.stderr)
