"""Benchmark: parsing 50 MB of mixed pasted output (issue 5 target: < 5 s).

The paste is built from the real samples under tests/data/outputs/ (every kind), each preceded by a
prompt line or chatter, with the names and numbers varied, repeated until the size is reached. Prints
MB, seconds, MB/s, blocks found per kind and peak RSS of this process.

    python bench/parse.py [--mb 50]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medic.evidence.outputs.registry import parse_lines  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "outputs"
CHATTER = [
    "ok so this is what I see after the reboot:",
    "then I ran this one",
    "昨日からこの状態です。",
    "重启以后还是这样",
    "재시작 후에도 같은 상태입니다",
    "",
    "2026-11-20T03:00:00Z INFO nothing to see here",
]


def build(mb: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    samples = [p.read_text(encoding="utf-8", errors="replace").splitlines() for p in sorted(SAMPLES.rglob("*.txt"))]
    samples = [s for s in samples if s]
    if not samples:
        sys.exit("no samples under tests/data/outputs")
    lines: list[str] = []
    size = 0
    target = mb * 1024 * 1024
    n = 0
    while size < target:
        n += 1
        block = rng.choice(samples)
        chatter = rng.choice(CHATTER)
        prompt = f"[root@node{n % 97} ~]# {rng.choice(['kubectl get pods -A', 'df -h', 'drbdadm status', 'cat'])}"
        lines += [chatter, prompt]
        size += len(chatter.encode()) + len(prompt) + 3
        for line in block:
            varied = line.replace("node1", f"node{n % 97}").replace("default", f"ns-{n % 13}")
            lines.append(varied)
            size += len(varied.encode()) + 1
        lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=50)
    args = ap.parse_args()
    lines = build(args.mb)
    mb = sum(len(x.encode()) + 1 for x in lines) / 2**20
    t = time.perf_counter()
    result = parse_lines(lines)
    dt = time.perf_counter() - t
    kinds = Counter(b.kind for b in result.blocks)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"parsed {mb:.1f} MB ({len(lines):,} lines) in {dt:.2f} s = {mb / dt:.1f} MB/s, peak RSS {rss} MB")
    print(f"blocks: {sum(kinds.values()):,} {dict(sorted(kinds.items()))}; plain lines {len(result.plain):,}")
    print(f"target < 5 s: {'OK' if dt < 5 else 'MISS'}")


if __name__ == "__main__":
    main()
