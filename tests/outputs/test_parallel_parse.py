"""A large paste is parsed in two processes split at a prompt line: the answer is the same as in one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from medic.evidence.outputs.registry import parse_lines

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "outputs"


def _paste() -> list[str]:
    lines: list[str] = []
    for n, path in enumerate(sorted(DATA.rglob("*.txt")) * 3):
        lines += ["some words about it", f"[root@node{n} ~]# cat {path.name}"]
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines


def test_two_processes_give_the_same_blocks_and_lines() -> None:
    """Run in a fresh interpreter: the two-process path only applies where no other thread runs (forking
    threads is unsafe), and a test session has helper threads of its own."""
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.outputs.test_parallel_parse import _paste
from medic.evidence.outputs import registry
lines = _paste()
one = registry.parse_lines(lines)
registry.PARALLEL_LINES = 100
text = [ln.rstrip("\\r\\n") for ln in lines]
two = registry._parse_in_two(text, registry.prompt_commands(text), None)
assert two is not None, "the two-process path did not apply"
assert one.blocks and [b.to_dict() for b in two.blocks] == [b.to_dict() for b in one.blocks]
assert two.plain == one.plain
print("same", len(one.blocks))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("same ")


def test_a_block_stops_at_the_next_prompt_line() -> None:
    lines = [
        "$ df -h",
        "Filesystem      Size  Used Avail Use% Mounted on",
        "/dev/sda1        50G   47G  3.0G  94% /",
        "$ uptime",
        " 03:10:01 up 41 days,  2:03,  1 user,  load average: 0.10, 0.20, 0.30",
    ]
    result = parse_lines(lines)
    assert [(b.kind, b.start_line, b.end_line) for b in result.blocks] == [("df", 2, 3)]
    assert [n for n, _ in result.plain] == [1, 4, 5]
