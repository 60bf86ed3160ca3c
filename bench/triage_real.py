"""Triage accuracy on real evidence: a cases.jsonl of public pastes (the training set under
bench/triage_train/, or the evaluation set ../shared/evidence-set/) scored in one process.

The knowledge base is what the evaluation scorer indexes (../shared/seeds and ../shared/corpus, with the
built-in catalog); each case goes through the path `medic triage` takes (parsers, checks, triage). A positive
case is a hit when a printed match's source ends with an expected doc and one of its headings (or its title)
starts with the expected section; a negative passes when nothing is printed. Same rule as
../shared/evidence-set/score.py, without a process per case.

    python bench/triage_real.py [--cases FILE] [--db KB.db] [--all] [--recall] [-v]

The last line is 'hit@1 X/Y hit@3 X/Y neg X/Y cross-lingual hit@1 X/Y'. ``--recall`` measures candidate
generation rather than ranking: how many positives have an expected entry among triage's candidates at all,
and among the 10 and 50 best by today's combined score (no ranking can pick an entry that is not there); it
prints the line 'recall cands X/Y top10 X/Y top50 X/Y' before the last one, and with -v the positives whose
answer is no candidate.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def norm(s: str) -> str:
    s = re.sub(r"<[^>]+>", "", s or "")
    s = unicodedata.normalize("NFKC", s).lower()
    return re.sub(r"[\W_]+", "", s)


def is_hit(match: dict[str, Any], doc: str, section: str) -> bool:
    if not str(match.get("source", "")).replace("\\", "/").endswith(doc):
        return False
    want = norm(section)
    heads = [h for h in (match.get("heading_path") or []) if h] + [match.get("title", "")]
    return any(norm(h).startswith(want) for h in heads if h)


def answer_rank(candidates: list[Any], expected: list[dict[str, str]]) -> int | None:
    """Rank (0-based, by the combined score) of the first candidate that is an expected answer, or None."""
    ranked = sorted(candidates, key=lambda m: (-m.score, m.entry.id))
    for i, m in enumerate(ranked):
        d = m.to_dict()
        if any(is_hit(d, e["doc"], e["section"]) for e in expected):
            return i
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=str(ROOT / "bench" / "triage_train" / "cases.jsonl"))
    ap.add_argument("--db", help="knowledge base to build or reuse (default: a temporary one)")
    ap.add_argument("--all", action="store_true", help="weak candidates too")
    ap.add_argument("--recall", action="store_true", help="candidate recall: answer among the candidates, top 10, 50")
    ap.add_argument("-v", action="store_true", help="print every case, not only the misses")
    args = ap.parse_args()

    import tempfile

    from medic.knowledge.ingest import ensure_builtin, index_paths
    from medic.knowledge.store import Store
    from medic.pasted import triage_pasted

    db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "kb.db"
    store = Store(db)
    ensure_builtin(store)
    started = time.perf_counter()
    index_paths(store, [str(SHARED / "seeds"), str(SHARED / "corpus")])
    print(f"knowledge base ready in {time.perf_counter() - started:.1f} s ({db})", file=sys.stderr)
    cases = [json.loads(line) for line in Path(args.cases).read_text(encoding="utf-8").splitlines() if line.strip()]
    h1 = h3 = pos = neg_ok = neg = cross = cross_h1 = 0
    in_cands = in_top10 = in_top50 = 0
    took: list[float] = []
    for case in cases:
        t = time.perf_counter()
        result = triage_pasted(store, io.BytesIO(case["evidence"].encode("utf-8")), top=5, include_weak=args.all)
        took.append(time.perf_counter() - t)
        matches = [m.to_dict() for m in result.triage.matches]
        expected = case.get("expected") or []
        if not expected:
            neg += 1
            ok = not matches
            neg_ok += ok
            tag = "ok  " if ok else "MISS"
        else:
            pos += 1
            hits = [any(is_hit(m, e["doc"], e["section"]) for e in expected) for m in matches]
            first = bool(hits[:1] and hits[0])
            h1 += first
            h3 += any(hits[:3])
            if case.get("lang_of_evidence") != case.get("lang_of_expected"):
                cross += 1
                cross_h1 += first
            tag = "ok  " if first else "ok3 " if any(hits[:3]) else "MISS"
            if args.recall:
                rank = answer_rank(result.triage.candidates, expected)
                in_cands += rank is not None
                in_top10 += rank is not None and rank < 10
                in_top50 += rank is not None and rank < 50
                if args.v and rank is None:
                    print(f"NOCAND {case['id']}")
        if args.v or tag != "ok  ":
            top = matches[0]["title"][:60] if matches else "(nothing printed)"
            print(f"{tag} {case['id']:45} {top}")
    took.sort()
    print(f"median {took[len(took) // 2] * 1000:.0f} ms per case", file=sys.stderr)
    if args.recall:
        print(f"recall cands {in_cands}/{pos} top10 {in_top10}/{pos} top50 {in_top50}/{pos}")
    print(f"hit@1 {h1}/{pos} hit@3 {h3}/{pos} neg {neg_ok}/{neg} cross-lingual hit@1 {cross_h1}/{cross}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
