"""Calibration of triage's printed confidence on real evidence: a reliability table.

Every case of a cases.jsonl (default: the evaluation set ../shared/evidence-set, which the model never saw) goes
through the path `medic triage` takes, in one process, on the knowledge base the evaluation scorer indexes
(../shared/seeds and ../shared/corpus with the built-in catalog). For the first match printed per case, grouped
by confidence, it prints how many there are and the share that is right (an expected section, the scorer's
rule); a negative's printed match is wrong. Then the figure the issue asks for: among printed first matches
with confidence ≥ 0.8, the share that is right (target ≥ 85 %), and the evaluation figures of the same run.

    python bench/calibration.py [--cases FILE] [--db KB.db]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHARED = ROOT.parent / "shared"

from triage_real import is_hit  # noqa: E402

BINS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))
CONFIDENT = 0.8


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=str(SHARED / "evidence-set" / "cases.jsonl"))
    ap.add_argument("--db", help="knowledge base to build or reuse (default: a temporary one)")
    args = ap.parse_args()

    from medic import rank
    from medic.knowledge.ingest import ensure_builtin, index_paths
    from medic.knowledge.store import Store
    from medic.pasted import triage_pasted

    store = Store(Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "kb.db")
    ensure_builtin(store)
    index_paths(store, [str(SHARED / "seeds"), str(SHARED / "corpus")])
    cases = [json.loads(line) for line in Path(args.cases).read_text(encoding="utf-8").splitlines() if line.strip()]
    firsts: list[tuple[float, bool]] = []
    h1 = pos = neg_ok = neg = 0
    for case in cases:
        matches = triage_pasted(store, io.BytesIO(case["evidence"].encode("utf-8"))).triage.matches
        expected = case.get("expected") or []
        right = bool(matches) and any(is_hit(matches[0].to_dict(), e["doc"], e["section"]) for e in expected)
        if matches:
            firsts.append((matches[0].confidence, right))
        if expected:
            pos += 1
            h1 += right
        else:
            neg += 1
            neg_ok += not matches
    print(f"printing threshold (fitted): {rank.printed_from()}")
    print("confidence bin   first matches printed   share right")
    for lo, hi in BINS:
        sel = [r for c, r in firsts if lo <= c < hi]
        if sel:
            print(f"  [{lo:.1f}, {min(hi, 1.0):.1f})   {len(sel):5d}                 {sum(sel) / len(sel):.2f}")
    sure = [r for c, r in firsts if c >= CONFIDENT]
    share = sum(sure) / len(sure) if sure else 0.0
    print(f"confidence >= {CONFIDENT}: {sum(sure)}/{len(sure)} right ({share:.0%}; target >= 85%)")
    print(f"hit@1 {h1}/{pos} neg {neg_ok}/{neg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
