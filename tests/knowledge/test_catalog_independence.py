"""The built-in catalog is written in our own words, never shaped after evaluation evidence.

No line of the catalog may reproduce a line of ../shared/evidence-set (40 characters or more, compared after
masking numbers, ids, addresses and quoted names, and folding case and spacing): a catalog line that copies an
evaluation case scores on that case and says nothing about the held-out cases like it. A software's own message
that the runbooks in ../shared/seeds or ../shared/corpus also show (the knowledge the catalog restates) is not a
copy of the evidence: such lines are allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import SHARED, need_shared

CATALOG = Path(__file__).resolve().parents[2] / "medic" / "knowledge" / "catalog"
CASES = SHARED / "evidence-set" / "cases.jsonl"
MIN_CHARS = 40

_MASKS = [
    (re.compile(r"\"[^\"\n]*\"|'[^'\n]*'|`[^`\n]*`|「[^」\n]*」"), '""'),  # quoted names and values
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-z]*\d)[0-9a-z]{6,}\b", re.I), "<id>"),  # hashes, pod suffixes, ids with digits
    (re.compile(r"\d+"), "0"),
    (re.compile(r"\s+"), " "),
]


def masked(line: str) -> str:
    text = line.strip().lower()
    for rx, repl in _MASKS:
        text = rx.sub(repl, text)
    return text.strip(" -*>#|")


def evidence_lines() -> list[str]:
    need_shared(CASES, "evaluation set")
    out: set[str] = set()
    for raw in CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        for line in str(case["evidence"]).splitlines():
            m = masked(line)
            if len(m) >= MIN_CHARS:
                out.add(m)
    return sorted(out)


def runbook_text() -> str:
    parts = []
    for folder in (SHARED / "seeds", SHARED / "corpus"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".md", ".rst"):
                parts.append(
                    "\n".join(masked(ln) for ln in path.read_text(encoding="utf-8", errors="replace").splitlines())
                )
    return "\n".join(parts)


def catalog_lines() -> list[tuple[str, int, str]]:
    out = []
    for path in sorted(CATALOG.glob("*.md")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = masked(line)
            if len(m) >= MIN_CHARS:
                out.append((path.name, n, m))
    return out


def test_masking_keeps_the_words_and_drops_the_names() -> None:
    a = masked('Error: pod "web-7d9c8b6f5-x2x9q" in ns 12 failed at 10.1.2.3 (id 3f2a9c1b2d4e)')
    b = masked("error:  pod 'api-0' in ns 7 failed at 192.168.0.1 (id 9abc12def345)")
    assert a == b


def test_no_catalog_line_reproduces_an_evaluation_evidence_line() -> None:
    evidence = evidence_lines()
    assert len(evidence) > 100
    runbooks = runbook_text()
    copied = []
    for name, n, line in catalog_lines():
        for ev in evidence:
            shared = ev if ev in line else line if line in ev else ""
            if shared and shared not in runbooks:
                copied.append(f"{name}:{n}: {line[:100]}")
                break
    assert copied == []
