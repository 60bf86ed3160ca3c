"""Triage accuracy on the evidence texts of tests/triage/data: how often the right entry comes first.

For every case of ``cases.json`` (one realistic paste per problem section of the seed runbooks):

- *seeded*: with the seeds and the built-in catalog indexed, the seed section named by the case (or one of
  its ``also_ok`` titles) must rank first with confidence >= 0.6;
- *built-in*: with only the built-in catalog, the catalog entry named by the case must rank first with
  confidence >= 0.6 (cases whose ``builtin`` is null are left out of this figure);

and for every unrelated log of ``negatives/``, no confident match at all (a false positive otherwise).

    python bench/triage_accuracy.py [-v] [--seeds ../shared/seeds] [--db-dir DIR]

``-v`` prints the top three candidates of every case, not only of the misses. The stores are built in a
temporary folder unless ``--db-dir`` names one to keep (re-runs then index only what changed).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medic import rank  # noqa: E402
from medic.knowledge.ingest import ensure_builtin, index_paths  # noqa: E402
from medic.knowledge.store import Store  # noqa: E402
from medic.pasted import triage_pasted  # noqa: E402
from medic.triage import TriageMatch  # noqa: E402

DATA = ROOT / "tests" / "triage" / "data"
SEEDS = ROOT.parent / "shared" / "seeds"


def open_store(path: Path, seeds: Path | None) -> Store:
    store = Store(path)
    ensure_builtin(store)
    if seeds is not None:
        report = index_paths(store, [str(seeds)])
        if not report.ok:
            sys.exit(f"cannot index {seeds}: {report.failed}")
    return store


def run(store: Store, path: Path, **kw: Any) -> list[TriageMatch]:
    return triage_pasted(store, io.BytesIO(path.read_bytes()), **kw).triage.matches  # the path `medic triage` takes


def show(label: str, file: str, expected: str, matches: list[TriageMatch]) -> None:
    print(f"{label:4} {file} -> {expected[:60]}")
    for m in matches:
        where = "built-in" if m.entry.builtin else Path(m.entry.source).name[:3]
        print(
            f"     {m.confidence:.2f} sig={m.signatures} srch={m.search_score:.2f} link={m.link_score:.2f}"
            f" [{where}] {m.entry.title[:70]}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case, not only the misses")
    ap.add_argument("--seeds", type=Path, default=SEEDS, help="folder of seed runbooks (default: %(default)s)")
    ap.add_argument("--db-dir", type=Path, help="keep the two stores in this folder")
    args = ap.parse_args()
    if not args.seeds.is_dir():
        sys.exit(f"seed runbooks not found at {args.seeds}")

    cases: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
    negatives = sorted((DATA / "negatives").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.db_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        seeded = open_store(folder / "seeded.db", args.seeds)
        builtin = open_store(folder / "builtin.db", None)

        ok_seeded = ok_builtin = n_builtin = 0
        for c in cases:
            path = DATA / c["file"]
            ms = run(seeded, path, include_weak=True, top=3)
            good = (
                bool(ms)
                and f"/{c['seed']}_" in ms[0].entry.source
                and ms[0].entry.title in [c["title"], *c.get("also_ok", [])]
                and ms[0].confidence >= rank.printed_from()
            )
            ok_seeded += good
            if not good or args.verbose:
                show("OK" if good else "BAD", c["file"], c["title"], ms)
            if c.get("builtin") is None:
                continue
            n_builtin += 1
            mb = run(builtin, path, include_weak=True, top=3)
            good_b = bool(mb) and mb[0].entry.title == c["builtin"] and mb[0].confidence >= rank.printed_from()
            ok_builtin += good_b
            if not good_b or args.verbose:
                show("OKB" if good_b else "BADB", c["file"], c["builtin"], mb)

        false_positives = 0
        for n in negatives:
            ms = run(seeded, n)
            if ms:
                false_positives += 1
                print("FP", n.name, [(m.entry.title[:40], round(m.confidence, 2)) for m in ms])
        seeded.close()
        builtin.close()

    print(f"seeded:    {ok_seeded}/{len(cases)} first (confidence >= {rank.printed_from()})")
    print(f"built-in:  {ok_builtin}/{n_builtin} first (catalog only)")
    print(f"negatives: {false_positives}/{len(negatives)} with a confident match")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
