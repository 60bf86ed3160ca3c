#!/usr/bin/env python3
"""Check that no thread of the paste training set is a thread of an evaluation set or of another training set.

Reads every GitHub issue/PR reference (owner/repo#number, from a URL or written out) and every other URL in
`SOURCES.md` and `cases.jsonl` here, and in `../shared/objects-set/SOURCES*.md`, `../shared/evidence-set/SOURCES.md`,
`bench/triage_train/SOURCES.md` and `tests/data/outputs/SOURCES-*.md`; prints each overlap and exits 1 if there is
one. Comparison is case-insensitive; issues and pull requests of one repository share their numbers, so
`/issues/N` and `/pull/N` are the same thread.

    python bench/paste_train/check_sources.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SHARED = ROOT.parent / "shared"
THREAD = re.compile(r"github\.com/([\w.-]+/[\w.-]+)/(?:issues|pull)/(\d+)", re.I)
SHORT = re.compile(r"(?<![\w/.-])([\w.-]+/[\w.-]+)#(\d+)\b")
URL = re.compile(r"https?://[^\s<>|)\]`]+")


def refs(text: str) -> set[str]:
    """Thread keys ('owner/repo#n', lower-case) and plain URLs (without a trailing slash) named in a text."""
    keys = {f"{r}#{n}".lower() for r, n in THREAD.findall(text)}
    keys |= {f"{r}#{n}".lower() for r, n in SHORT.findall(text)}
    keys |= {u.rstrip("/.,").lower() for u in URL.findall(text) if not THREAD.search(u)}
    return keys


def excluded_files() -> list[Path]:
    files = sorted((SHARED / "objects-set").glob("SOURCES*.md"))
    files += [SHARED / "evidence-set" / "SOURCES.md", ROOT / "bench" / "triage_train" / "SOURCES.md"]
    files += sorted((ROOT / "tests" / "data" / "outputs").glob("SOURCES-*.md"))
    return files


def main() -> int:
    missing = [f for f in excluded_files() if not f.is_file()]
    if missing:
        print("missing source lists: " + ", ".join(str(f) for f in missing), file=sys.stderr)
        return 2
    taken: dict[str, str] = {}
    for f in excluded_files():
        for key in refs(f.read_text(encoding="utf-8")):
            taken.setdefault(key, f.name)
    ours = [HERE / "SOURCES.md", HERE / "cases.jsonl", *sorted((HERE / "outputs").glob("SOURCES*.md"))]
    mine: set[str] = set()
    for f in ours:
        if f.is_file():
            mine |= refs(f.read_text(encoding="utf-8"))
    clash = sorted(k for k in mine if k in taken)
    for k in clash:
        print(f"{k} is already used by {taken[k]}")
    print(f"{len(mine)} references checked against {len(taken)}: {len(clash)} overlap(s)")
    return 1 if clash else 0


if __name__ == "__main__":
    sys.exit(main())
