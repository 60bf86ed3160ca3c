"""Benchmark: `medic diagnose --bundle` on large generated clusters of realistic objects.

The bundles come from `bench/bundlegen.py`: pods of 8-11 KB of JSON (managed fields, init and sidecar
containers, env, probes, volumes, conditions), nodes with their image lists, 1 % of the pods unhealthy in
eight ways. For each size (default 15,000, 50,000 and 150,000 pods, one node per 30 pods) it times
`medic diagnose --bundle B -o json` end to end in a child process and prints seconds and peak RSS
(wait4, that child alone), so the growth of the cost with the cluster shows. Targets (issue 13), at
150,000 pods / 5,000 nodes: < 20 s, < 2 GB.

    python bench/diagnose.py [--sizes 15000,50000,150000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundlegen import generate

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, bytes]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        if code != 0:
            sys.exit(f"{cmd} failed ({code}): {err.read().decode()[-2000:]}")
        out.seek(0)
        return dt, usage.ru_maxrss // 1024, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="15000,50000,150000", help="pod counts, comma-separated")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the bundles and knowledge base in this folder")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="medic-bench-diag-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MEDIC_DB": str(work / "kb.db")}
    medic = [sys.executable, "-m", "medic.cli"]
    run([*medic, "sources"], env)  # the built-in catalog is indexed once, outside the timing
    for pods in (int(x) for x in args.sizes.split(",")):
        nodes = max(1, pods // 30)
        bundle = work / f"bundle-{pods}.tar.gz"
        if not bundle.exists():
            t = time.perf_counter()
            stats = generate(bundle, pods, nodes)
            print(
                f"generated {bundle} in {time.perf_counter() - t:.1f}s: {stats}, "
                f"{bundle.stat().st_size / 2**20:.0f} MiB"
            )
        dt, rss, out = run([*medic, "diagnose", "--bundle", str(bundle), "-o", "json"], env)
        report = json.loads(out)
        verdict = ""
        if pods >= 150_000:
            verdict = f"  targets: < 20 s [{'ok' if dt < 20 else 'MISS'}], < 2048 MB [{'ok' if rss < 2048 else 'MISS'}]"
        print(
            f"{pods:>7} pods / {nodes:>5} nodes: diagnose {dt:5.1f} s, peak RSS {rss:5d} MB, "
            f"{len(report['findings'])} findings{verdict}"
        )


if __name__ == "__main__":
    main()
