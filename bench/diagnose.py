"""Benchmark: `medic diagnose --bundle` on large generated clusters of realistic objects.

The bundles come from `bench/bundlegen.py`: pods of 8-11 KB of JSON (managed fields, init and sidecar
containers, env, probes, volumes, conditions), nodes with their image lists, 1 % of the pods unhealthy in
eight ways. For each size (default 15,000, 50,000 and 150,000 pods, one node per 30 pods) it times
`medic diagnose --bundle B -o json` end to end in a child process and prints seconds, CPU seconds and
peak RSS (wait4, that child alone), so the growth of the cost with the cluster shows (on a shared machine
the CPU seconds move less than the wall-clock ones). Targets (issue 13), at
150,000 pods / 5,000 nodes: < 20 s, < 2 GB.

    python bench/diagnose.py [--sizes 15000,50000,150000] [--keep DIR] [--repeat N]

``--repeat N`` runs each size N times and prints the median run (by wall-clock time), the spread and the load
average: on a shared machine one run says little.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes]:
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
        return dt, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="15000,50000,150000", help="pod counts, comma-separated")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the bundles and knowledge base in this folder")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each size (the median one is printed)")
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
            # in a process of its own: the generator holds the whole bundle, and a child's peak RSS counts
            # the peak of the process it was started from (the memory it was forked with)
            gen = [sys.executable, str(HERE / "bundlegen.py"), str(bundle), "--pods", str(pods), "--nodes", str(nodes)]
            print(subprocess.run(gen, check=True, capture_output=True, text=True).stdout.strip())
        runs = sorted(
            run([*medic, "diagnose", "--bundle", str(bundle), "-o", "json"], env) for _ in range(max(1, args.repeat))
        )
        dt, cpu, rss, out = runs[len(runs) // 2]
        report = json.loads(out)
        spread = ""
        if len(runs) > 1:
            walls = [r[0] for r in runs]
            spread = (
                f" [median of {len(runs)}: {min(walls):.1f}-{max(walls):.1f} s, "
                f"CPU {statistics.median(r[1] for r in runs):.1f} s, load {os.getloadavg()[0]:.1f}]"
            )
        verdict = ""
        if pods >= 150_000:
            verdict = f"  targets: < 20 s [{'ok' if dt < 20 else 'MISS'}], < 2048 MB [{'ok' if rss < 2048 else 'MISS'}]"
        print(
            f"{pods:>7} pods / {nodes:>5} nodes: diagnose {dt:5.1f} s (CPU {cpu:5.1f} s), peak RSS {rss:5d} MB, "
            f"{len(report['findings'])} findings{verdict}{spread}"
        )


if __name__ == "__main__":
    main()
