"""`medic parse` as a process: blocks with kind and line range, facts, plain lines, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs"


def medic(*args: str, tmp: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDIC_DB": str(tmp / "kb.db")}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_mixed_paste_json(tmp_path: Path) -> None:
    df = (DATA / "df" / "cmc-csci143-688-root-full.txt").read_text(encoding="utf-8")
    paste = f"this is what the bastion shows\n$ df -h\n{df}\nand that's all\n"
    res = medic("parse", "-", "--json", tmp=tmp_path, stdin=paste)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [(b["kind"], b["start_line"], b["end_line"]) for b in doc["blocks"]] == [("df", 3, 12)]
    assert doc["blocks"][0]["facts"]["filesystems"][2]["use_percent"] == 100
    assert doc["plain_lines"] == 4


def test_text_view_and_nothing_recognised(tmp_path: Path) -> None:
    res = medic("parse", "-", tmp=tmp_path, stdin="just words\nnothing else\n")
    assert res.returncode == 0 and "no command output recognised (2 plain lines)" in res.stdout
    missing = medic("parse", str(tmp_path / "nope.txt"), tmp=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
