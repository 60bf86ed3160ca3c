"""Benchmark: `medic triage` end-to-end against ripgrep on the same signature patterns.

Builds a knowledge base with >= 2,000 signatures (synthetic runbooks with error lines), writes a
kubelet-style log (200 MB by default, ~1 % error lines), then times

    medic triage LOG --json            (Hyperscan, one pass, flat memory)
    rg -i -c -f PATTERNS LOG           (the same regexes, ripgrep; installed from Debian if missing)

and prints MB/s for both, the ratio, and peak RSS of the triage process; then peak RSS on a 2 GB log.

    python bench/triage.py [--mb 200] [--error-lines 800] [--big-gb 2] [--keep DIR]

Targets (issue 3): >= 5x ripgrep end-to-end, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = "volume-manager pod-workers kuberuntime cni-plugin image-gc eviction-manager csi-attacher cadvisor".split()
VERBS = "sync attach mount pull evict probe reconcile schedule resize unmount detach provision".split()
OBJECTS = "pod volume image secret configmap lease endpoint node claim snapshot".split()
REASONS = (
    "context deadline exceeded|connection refused|permission denied|no space left on device|"
    "certificate has expired|quota exceeded|not found|timed out waiting for the condition|"
    "invalid argument|too many open files|i/o timeout|resource busy"
).split("|")


def word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 9)))


def error_line(rng: random.Random, i: int) -> str:
    return (
        f"{rng.choice(COMPONENTS)} failed to {rng.choice(VERBS)} {rng.choice(OBJECTS)} {word(rng)} "
        f"for controller {word(rng)}-{i}: {rng.choice(REASONS)} on path {word(rng)}"
    )


def write_runbooks(root: Path, n: int, rng: random.Random) -> list[str]:
    lines = []
    for f in range(n // 50 + 1):
        body = []
        for k in range(50):
            i = f * 50 + k
            line = error_line(rng, i)
            lines.append(line)
            body.append(
                f"## Failure {i}: {word(rng)} {word(rng)}\n\nSymptom seen in kubelet logs.\n\n"
                f"```log\nE1122 03:11:02.123456    2231 kubelet.go:{1000 + k}] {line}\n```\n\n"
                f"### Fix\n\n1. Restart the {word(rng)} component.\n"
            )
        (root / f"synthetic-{f:03d}.md").write_text("\n".join(body), encoding="utf-8")
    return lines


def write_log(path: Path, mb: int, errors: list[str], rng: random.Random) -> None:
    target = mb * 1024 * 1024
    normal = [
        'I1122 {t} {pid} kubelet.go:2145] "SyncLoop (PLEG): event for pod" pod="{ns}/{pod}" '
        "event={{ID:{id} Type:ContainerStarted}}",
        'I1122 {t} {pid} prober.go:107] "Probe succeeded" probeType="Readiness" pod="{ns}/{pod}" containerName="app"',
        'I1122 {t} {pid} kubelet_node_status.go:71] "Attempting to register node" node="worker-{n}"',
        'I1122 {t} {pid} reconciler.go:224] "operationExecutor.VerifyControllerAttachedVolume started" '
        'volume="pvc-{id}"',
    ]
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        block: list[str] = []
        while written < target:
            for _ in range(5000):
                t = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
                t += f".{rng.randint(0, 999999):06d}"
                if rng.random() < 0.01:
                    block.append(f"E1122 {t}    2231 kubelet.go:1999] {rng.choice(errors)}")
                else:
                    block.append(
                        rng.choice(normal).format(
                            t=t,
                            pid=rng.randint(1000, 9999),
                            ns=word(rng),
                            pod=word(rng),
                            id=rng.getrandbits(64),
                            n=rng.randint(1, 99),
                        )
                    )
            text = "\n".join(block) + "\n"
            fh.write(text)
            written += len(text)
            block.clear()


def ensure_rg() -> str:
    rg = shutil.which("rg")
    if rg:
        return rg
    print("installing ripgrep from Debian...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "ripgrep"], check=True, capture_output=True)
    return shutil.which("rg") or "rg"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of one child process, measured with wait4 for that child alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{cmd[0]} failed: {err.read().decode(errors='replace').strip()[:500]}")
    return dt, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--error-lines", type=int, default=800, help="runbook error lines (each gives ~3 signatures)")
    ap.add_argument("--big-gb", type=float, default=2.0, help="size of the RSS-only run (0 to skip)")
    ap.add_argument("--keep", help="work in this folder and keep it")
    args = ap.parse_args()
    rng = random.Random(11)
    work = Path(args.keep or tempfile.mkdtemp(prefix="medic-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MEDIC_DB": str(work / "kb.db")}
    medic = [sys.executable, "-m", "medic.cli"]
    try:
        books = work / "runbooks"
        books.mkdir(exist_ok=True)
        errors = write_runbooks(books, args.error_lines, rng)
        subprocess.run([*medic, "index", str(books)], env=env, check=True, capture_output=True)
        sys.path.insert(0, str(ROOT))
        from medic.knowledge.store import Store

        store = Store(work / "kb.db")
        patterns = [r[3] for r in store.signature_rows()]
        store.close()
        # the same regexes for ripgrep, with ASCII classes as Hyperscan uses them ((?-u): \\W is not Unicode)
        (work / "patterns.txt").write_text("\n".join(f"(?-u){p}" for p in patterns) + "\n", encoding="utf-8")
        print(f"knowledge base: {len(patterns)} signatures")
        log = work / "kubelet.log"
        write_log(log, args.mb, errors, rng)
        size_mb = log.stat().st_size / 1048576
        # warm the page cache and the compiled-database cache once
        subprocess.run([*medic, "triage", str(log), "--json"], env=env, capture_output=True)
        dt_m, rss_m = timed([*medic, "triage", str(log), "--json"], env)
        rg = ensure_rg()
        rg_cmd = [
            rg,
            "-i",
            "-c",
            "--regex-size-limit",
            "2G",
            "--dfa-size-limit",
            "2G",
            "-f",
            str(work / "patterns.txt"),
            str(log),
        ]
        dt_r, _ = timed(rg_cmd, env)
        print(f"medic triage: {size_mb:.0f} MB in {dt_m:.2f} s = {size_mb / dt_m:.0f} MB/s, peak RSS {rss_m} MB")
        print(f"ripgrep -f:   {size_mb:.0f} MB in {dt_r:.2f} s = {size_mb / dt_r:.0f} MB/s")
        print(f"ratio: medic is {dt_r / dt_m:.1f}x ripgrep  [target >= 5x: {'ok' if dt_r / dt_m >= 5 else 'MISS'}]")
        print(f"peak RSS {rss_m} MB  [target < 300 MB: {'ok' if rss_m < 300 else 'MISS'}]")
        if args.big_gb > 0:
            big = work / "big.log"
            with big.open("wb") as fh:
                data = log.read_bytes()
                total = int(args.big_gb * 1024**3)
                while fh.tell() < total:
                    fh.write(data[: total - fh.tell()])
            dt_b, rss_b = timed([*medic, "triage", str(big), "--json"], env)
            gb = big.stat().st_size / 1024**3
            print(
                f"medic triage on {gb:.1f} GB: {dt_b:.1f} s, peak RSS {rss_b} MB "
                f"[target < 300 MB: {'ok' if rss_b < 300 else 'MISS'}]"
            )
            big.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
