"""Pasted objects and command outputs, scored in one process: the paste training set (bench/paste_train/).

Each case of ``cases.jsonl`` goes through the path ``medic triage --json`` takes (``triage_pasted``, then
``triage_document``) against the built-in catalog. The pass rule is ../shared/objects-set/score.py's: a problem
case passes when the code, title or message of an error or warning finding matches its problem's pattern; a
healthy case passes when some output was recognised and no error or warning finding fired. Each sample under
``outputs/<kind>/`` passes when a block of that kind is recognised in it.

    python bench/paste_real.py [--db KB.db] [--ids a,b] [-v]

The last line is 'objects X/Y (healthy H/Z) outputs R/S'.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "paste_train"

# the same patterns as ../shared/objects-set/score.py (the pass rule must be the scorer's)
PROBLEM = {
    "crashloop": r"crash ?loop|back-?off restart",
    "oomkilled": r"oom",
    "imagepull": r"image ?pull|errimage|pull",
    "unschedulable": r"unschedul|schedul",
    "readiness_probe": r"readiness",
    "liveness_probe": r"liveness",
    "pvc_pending": r"(pvc|claim).*(pending|provision)|provision",
    "pv_released": r"released",
    "node_not_ready": r"not ?ready|ready.{0,20}unknown|unknown.{0,20}ready",
    "node_pressure": r"pressure",
    "no_endpoints": r"endpoint",
    "webhook_no_endpoints": r"webhook",
    "quota_exceeded": r"quota",
    "ns_terminating": r"terminat|finalizer",
    "evicted": r"evict",
    "create_container_config_error": r"createcontainerconfig|config ?error|configmap|secret",
    "failed_mount": r"mount",
    "job_backoff_limit": r"backoff ?limit|job.*fail",
    "progress_deadline": r"progress ?deadline|progressing",
    "sts_not_ready": r"statefulset|replicas",
    "cert_expired": r"expir|certificate",
}


def judge(case: dict[str, Any], doc: dict[str, Any]) -> tuple[bool, list[dict[str, Any]]]:
    found = [f for f in doc.get("findings", []) if str(f.get("severity", "")).lower() in ("error", "warning")]
    if case["expected_problem"] == "healthy":
        return bool(doc.get("outputs")) and not found, found
    text = " ".join(f"{f.get('code', '')} {f.get('title', '')} {f.get('message', '')}" for f in found).lower()
    return bool(re.search(PROBLEM[case["expected_problem"]], text)), found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="knowledge base to build or reuse (default: a temporary one)")
    ap.add_argument("--ids", default="", help="only these case ids (comma-separated)")
    ap.add_argument("-v", action="store_true", help="print every case and sample, not only the misses")
    args = ap.parse_args()

    from medic.evidence.outputs.registry import parse_text
    from medic.knowledge.ingest import ensure_builtin
    from medic.knowledge.store import Store
    from medic.pasted import triage_pasted
    from medic.report.triage_doc import triage_document

    store = Store(Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "kb.db")
    ensure_builtin(store)
    cases = [json.loads(ln) for ln in (DATA / "cases.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    if args.ids:
        cases = [c for c in cases if c["id"] in set(args.ids.split(","))]
    ok = n = hok = hn = 0
    for case in cases:
        raw = (DATA / "cases" / case["file"]).read_bytes()
        doc = triage_document(triage_pasted(store, io.BytesIO(raw)))
        good, found = judge(case, doc)
        if case["expected_problem"] == "healthy":
            hn += 1
            hok += good
        else:
            n += 1
            ok += good
        if args.v or not good:
            kinds = [o.get("kind") for o in doc.get("outputs", [])]
            codes = [f.get("code") for f in found][:4]
            print(f"{'ok  ' if good else 'MISS'} {case['id']:40} {case['expected_problem']:28} {codes} {kinds[:3]}")
    r = s = 0
    for sample in sorted((DATA / "outputs").glob("*/*.txt")) if not args.ids else []:
        kind = sample.parent.name
        kinds = [b.kind for b in parse_text(sample.read_text(encoding="utf-8")).blocks]
        s += 1
        r += kind in kinds
        if args.v or kind not in kinds:
            print(f"{'ok  ' if kind in kinds else 'MISS'} {kind}/{sample.name:50} {kinds[:4]}")
    print(f"objects {ok}/{n} (healthy {hok}/{hn}) outputs {r}/{s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
