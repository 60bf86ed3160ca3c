"""Triage of pasted text that holds command output: outputs → facts → findings → matches, one path.

The head of the evidence (pasted output is small; a 2 GB log is still streamed whole by triage) is split
into recognised command outputs; their facts make a partial Snapshot, the checks run on it, and each
finding's runbook entries join triage's matches with the finding as evidence: a pasted `kubectl get pv`
with a Released volume names the PV-reuse entry even when no line of it is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from medic import rank
from medic.diagnose import diagnose
from medic.evidence.outputs.base import Block
from medic.evidence.outputs.registry import ParseResult, parse_lines
from medic.evidence.text import decode_text
from medic.knowledge.store import Store
from medic.model import Finding
from medic.triage import EvidenceHit, TriageMatch, TriageResult, choose, summarize, triage

PARSE_HEAD = 1024 * 1024  # bytes of the evidence looked at for command output (a paste, not a 2 GB log)


# A paste that is mostly recognised command output (three lines in four: the rest is a prompt, a heading, the user's
# words), in which the checks find nothing wrong and no line reports a problem, is a healthy status: triage prints
# no runbook for it (a healthy `drbdadm status` names the same resources as the DRBD runbooks).
HEALTHY_COVER = 0.75


def covered(parsed: ParseResult, lines: list[str]) -> float:
    """The share of the non-blank lines that recognised command output covers."""
    total = sum(1 for ln in lines if ln.strip())
    inside = {i for b in parsed.blocks for i in range(b.start_line, b.end_line + 1)}
    return sum(1 for i, ln in enumerate(lines, 1) if ln.strip() and i in inside) / total if total else 0.0


class HeadThenRest:
    """A read-only stream that replays the bytes already read, then the rest of the original stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = head
        self.pos = 0
        self.rest = rest

    def read(self, n: int = -1) -> bytes:
        if self.pos < len(self.head):
            take = len(self.head) - self.pos if n < 0 else min(n, len(self.head) - self.pos)
            out = self.head[self.pos : self.pos + take]
            self.pos += take
            if n < 0:
                out += self.rest.read()
            return out
        return self.rest.read(n)


@dataclass
class PastedResult:
    triage: TriageResult
    parsed: ParseResult
    findings: list[Finding] = field(default_factory=list)


def _block_of(blocks: list[tuple[Block, str]], f: Finding) -> Block | None:
    """The block a finding's object came from (first block whose facts, as text, name it), else the first."""
    for b, facts in blocks:
        if f.object.name and f.object.name in facts:
            return b
    return blocks[0][0] if blocks else None


def triage_pasted(
    store: Store,
    stream: BinaryIO,
    top: int = 5,
    include_weak: bool = False,
    engine: str = "hyperscan",
    progress: Callable[[int], None] | None = None,
) -> PastedResult:
    head = stream.read(PARSE_HEAD)
    text = decode_text(head)
    lines = text.splitlines()
    if len(head) == PARSE_HEAD and lines and not text.endswith("\n"):
        lines.pop()  # cut mid-line
    parsed = parse_lines(lines)
    findings: list[Finding] = []
    if parsed.blocks:
        findings = diagnose(parsed.snapshot(), store).findings
    result = triage(
        store,
        HeadThenRest(head, stream),  # type: ignore[arg-type]
        top=0,  # nothing chosen (nor summarised) there: every candidate is ranked once, below, with the findings
        engine=engine,
        progress=progress,
    )
    matches = {m.entry.id: m for m in result.candidates}
    blocks = [(b, str(b.facts)) for b in parsed.blocks] if findings else []
    for f in findings:
        if not f.entries:
            continue
        block = _block_of(blocks, f)
        hit = EvidenceHit(
            line_no=block.start_line if block else 0,
            text=f"{f.code} {f.object}: {f.message}"[:400],
            matched=f"check {f.code}"
            + (f" on {block.kind} output, lines {block.start_line}-{block.end_line}" if block else ""),
        )
        # the check says what state it saw; the words around it say which of its entries: the boost goes
        # to the linked entry the evidence's own text supports best (the check's first one when none is)
        _, link = max(
            enumerate(f.entries[:4]),
            key=lambda ie: (matches[ie[1].id].score if ie[1].id in matches else 0.0, -ie[0]),
        )
        m = matches.get(link.id)
        if m is None:
            m = TriageMatch(entry=store.get(link.id), score=0.0, confidence=0.0)
            matches[link.id] = m
        # fills a gap: never reorders what the text alone matched confidently (by the combined score: the
        # final ranking, which may be the fitted model's, is made once, below)
        lift = rank.FINDING_SCORE * (link.confidence if link.via == "triage" else 1.0)
        m.finding_score += lift
        if rank.score_confidence(m.score) < rank.SCORE_CONFIDENT:
            m.score += lift
        m.evidence.insert(0, hit)
    # with --all the user asks for the weak candidates too: a healthy-looking paste shows them as well
    healthy = result.quiet and not findings and not include_weak and covered(parsed, lines) >= HEALTHY_COVER
    chosen = [] if healthy else choose(store, list(matches.values()), top, include_weak, result.quiet)
    for m in chosen:
        if not m.tests and not m.fixes:
            m.tests, m.fixes = summarize(store, m.entry)
        m.evidence = m.evidence[:8]
    result.matches = chosen
    result.candidates = list(matches.values())
    return PastedResult(triage=result, parsed=parsed, findings=findings)
