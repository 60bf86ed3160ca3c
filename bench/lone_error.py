"""Benchmark: one error line in a long normal log is found the same wherever it stands.

Writes a log of ``--lines`` INFO lines (1,000,000 by default, ~150 MB) whose ids are unique per line, as in
a real access log, with one error line at line 1 and, in a second file, after the last INFO line. Runs
``medic triage FILE --json`` on each (the built-in catalog as knowledge base) and prints seconds, peak RSS
and the matches; the two must name the same entries with the same confidence (issue 13: no silent caps on
the evidence).

    python bench/lone_error.py [--lines 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ERROR = (
    "2024-12-03 10:00:00 ERROR keycloak startup: org.postgresql.util.PSQLException: FATAL: password authentication "
    'failed for user "keycloak"'
)


def write_log(path: Path, lines: int, error_at: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        block = []
        for i in range(lines + 1):
            if i == error_at:
                block.append(ERROR)
                continue
            n = i if i < error_at else i - 1
            block.append(
                f"I1203 10:00:{n % 60:02d}.{n % 1000000:06d} 1234 server.go:{n % 500}] request "
                f"id=req{n:08x}z{n * 7919:x} user=u{n % 977} path=/api/items/{n * 31:x} took {n % 97}ms"
            )
            if len(block) >= 10_000:
                fh.write("\n".join(block) + "\n")
                block.clear()
        if block:
            fh.write("\n".join(block) + "\n")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, dict[str, object]]:
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            sys.exit(f"{cmd} failed")
        out.seek(0)
        return dt, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, json.loads(out.read() or b"{}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="medic-bench-lone-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MEDIC_DB": str(work / "kb.db")}
    medic = [sys.executable, "-m", "medic.cli"]
    subprocess.run([*medic, "sources"], env=env, check=True, capture_output=True)
    answers = []
    try:
        for label, at in (("line 1", 0), (f"line {args.lines + 1:,}", args.lines)):
            log = work / f"lone-{at}.log"
            if not log.exists():
                write_log(log, args.lines, at)
            dt, cpu, rss, out = run([*medic, "triage", str(log), "--json"], env)
            matches = out.get("matches") or []
            shown = [(m.get("id"), m.get("confidence")) for m in matches if isinstance(m, dict)]  # type: ignore[union-attr]
            answers.append(shown)
            size = log.stat().st_size / 1048576
            print(
                f"error at {label:<14} {size:5.0f} MB: {dt:5.2f} s (CPU {cpu:5.2f} s), peak RSS {rss} MB, "
                f"matches {shown}"
            )
        same = answers[0] == answers[1] and bool(answers[0])
        print(f"same matches and confidences at line 1 and at the end: {'ok' if same else 'MISS'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
