"""Mechanical checks of the triage training set (bench/triage_train/cases.jsonl).

Run from the repository root (needs ``../shared`` next to it, or ``--shared``):

    .venv/bin/python bench/triage_train/check.py            # all checks, LCS report for every case
    .venv/bin/python bench/triage_train/check.py --from 259  # LCS report only for lines 260..

Checks (exit status 1 if any fails):
- schema: required keys, category in seed|corpus|negative, negatives have ``expected: []``,
  positives have at least one expected section, ``lang_of_expected`` given for positives;
- every ``doc`` exists under ``shared/seeds`` or ``shared/corpus`` and every ``section`` is a heading of
  it (Markdown ATX/setext or reStructuredText underline, anchors stripped) or its front-matter ``title``;
- ids and source threads are unique;
- no source thread (``owner/repo#number`` or URL) appears in the evaluation SOURCES files;
- every case appears in SOURCES.md.
Report (never fails): the longest substring each case's evidence shares with any evaluation evidence
(``evidence-set/cases.jsonl`` and ``objects-set/cases/*``), so a reviewer can confirm only generic
strings are shared.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIRED = ("id", "evidence", "source", "expected", "lang_of_evidence", "lang_of_expected", "category", "notes")
ANCHOR = re.compile(r"\s*(\{#[^}]*\}|<a\s+id=[^>]*>\s*(</a>)?)\s*$")
RST_UNDERLINE = re.compile(r"^([=\-^~\"'`#*+_.:])\1{2,}\s*$")
SETEXT = re.compile(r"^(=+|-+)\s*$")
THREAD = re.compile(r"github\.com/([\w.-]+/[\w.-]+)/(?:issues|pull|discussions)/(\d+)|\b([\w.-]+/[\w.-]+)#(\d+)")


def clean(title: str) -> str:
    return ANCHOR.sub("", title.strip().strip("#").strip()).strip()


def headings(path: Path) -> set[str]:
    """Heading texts and front-matter title of one runbook file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    found: set[str] = set()
    body_start = 0
    if lines and lines[0].strip() == "---":
        for n, line in enumerate(lines[1:], 1):
            if line.strip() == "---":
                body_start = n + 1
                break
            m = re.match(r"^title:\s*(.*)$", line)
            if m:
                found.add(m.group(1).strip().strip("'\""))
    fence = False
    for i, line in enumerate(lines):
        if i < body_start:
            continue
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        if line.startswith("#"):
            found.add(clean(line))
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and (RST_UNDERLINE.match(nxt) or SETEXT.match(nxt)) and not RST_UNDERLINE.match(line):
            found.add(clean(line))
    return found


def threads(text: str) -> set[str]:
    out: set[str] = set()
    for m in THREAD.finditer(text):
        repo, num = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out.add(f"{repo.lower()}#{num}")
    return out


def urls(text: str) -> set[str]:
    return {u.rstrip("/").lower() for u in re.findall(r"https?://[^\s)|>\]]+", text)}


def eval_evidence(shared: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in (shared / "evidence-set" / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append((d["id"], d["evidence"]))
    for p in sorted((shared / "objects-set" / "cases").iterdir()):
        if p.is_file():
            out.append((p.name, p.read_text(encoding="utf-8", errors="replace")))
    return out


def longest_shared(a: str, b: str) -> str:
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[m.a : m.a + m.size]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=HERE.parent.parent.parent / "shared")
    ap.add_argument("--cases", type=Path, default=HERE / "cases.jsonl")
    ap.add_argument("--from", dest="start", type=int, default=0, help="LCS report from this 0-based line")
    ap.add_argument("--show", type=int, default=60, help="report cases sharing at least this many characters")
    args = ap.parse_args()
    shared: Path = args.shared
    if not (shared / "seeds").is_dir():
        print(f"error: {shared} has no seeds/ (use --shared)", file=sys.stderr)
        return 2
    errors: list[str] = []
    cases = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    cache: dict[str, set[str] | None] = {}
    ids: set[str] = set()
    sources: set[str] = set()
    eval_src = ""
    for name in ("evidence-set/SOURCES.md", "objects-set/SOURCES.md"):
        eval_src += (shared / name).read_text(encoding="utf-8")
    for extra in sorted((shared / "objects-set").glob("SOURCES*.md")):
        eval_src += extra.read_text(encoding="utf-8")
    eval_threads, eval_urls = threads(eval_src), urls(eval_src)
    train_sources = (HERE / "SOURCES.md").read_text(encoding="utf-8")
    for n, c in enumerate(cases, 1):
        where = f"line {n} ({c.get('id')})"
        missing = [k for k in REQUIRED if k not in c]
        if missing:
            errors.append(f"{where}: missing {missing}")
            continue
        if c["id"] in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(c["id"])
        src = c["source"].strip()
        key = next(iter(threads(src)), src.rstrip("/").lower())
        if key in sources:
            errors.append(f"{where}: duplicate source thread {key}")
        sources.add(key)
        if key in eval_threads or src.rstrip("/").lower() in eval_urls:
            errors.append(f"{where}: source {src} is in the evaluation SOURCES")
        if f"| {c['id']} |" not in train_sources:
            errors.append(f"{where}: id not in SOURCES.md")
        if c["category"] not in ("seed", "corpus", "negative"):
            errors.append(f"{where}: bad category {c['category']}")
        if (c["category"] == "negative") != (c["expected"] == []):
            errors.append(f"{where}: negatives (and only negatives) have expected []")
        if not c["evidence"].strip():
            errors.append(f"{where}: empty evidence")
        for e in c["expected"]:
            doc = e["doc"]
            path = shared / "seeds" / doc if re.match(r"^00\d_", doc) else shared / "corpus" / doc
            if c["category"] == "seed" and not doc.startswith("00") and e is c["expected"][0]:
                errors.append(f"{where}: seed case whose first answer is not a seed")
            if doc not in cache:
                cache[doc] = headings(path) if path.is_file() else None
            heads = cache[doc]
            if heads is None:
                errors.append(f"{where}: doc not found: {doc}")
            elif e["section"] not in heads:
                errors.append(f"{where}: section {e['section']!r} not a heading of {doc}")
    print(f"{len(cases)} cases, {len(errors)} errors")
    for e in errors:
        print("ERROR", e)
    evals = eval_evidence(shared)
    worst = 0
    print(f"longest strings shared with evaluation evidence (cases from line {args.start + 1}, >= {args.show} chars):")
    for c in cases[args.start :]:
        best, best_id = "", ""
        for eid, ev in evals:
            s = longest_shared(c["evidence"], ev)
            if len(s) > len(best):
                best, best_id = s, eid
        worst = max(worst, len(best))
        if len(best) >= args.show:
            print(f"  {c['id']}: {len(best)} chars with {best_id}: {best.strip()[:160]!r}")
    print(f"max shared: {worst} chars")
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head
        sys.stderr.close()
        sys.exit(0)
