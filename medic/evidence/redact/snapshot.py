"""Redaction of a whole Snapshot (objects, logs, host facts, meta), and of lines read together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from medic.evidence.redact.structure import redact_object_counts, redact_value
from medic.evidence.redact.text import may_hold_secrets, redact_text_counts
from medic.model import Snapshot


def redact_lines_counts(lines: Iterable[str]) -> tuple[list[str], Counter[str]]:
    """Lines redacted together (a PEM key spans lines), and what was removed. The number of lines can change
    only when a redacted value spanned lines (a key block becomes one line)."""
    lines = list(lines)
    text = "\n".join(lines)
    if not may_hold_secrets(text):
        return lines, Counter()
    out, counts = redact_text_counts(text)
    return (out.split("\n") if counts else lines), counts


def redact_lines(lines: Iterable[str]) -> tuple[list[str], int]:
    """Evidence or log lines with their secrets redacted (read together, so a key across lines goes whole)."""
    out, counts = redact_lines_counts(lines)
    return out, sum(counts.values())


def redact_snapshot(snapshot: Snapshot) -> Counter[str]:
    """Redact a Snapshot in place, whatever made it (pasted output, a hand-made bundle); what was removed."""
    counts: Counter[str] = Counter()
    for kind, items in snapshot.objects.items():
        for obj in items:
            if isinstance(obj, dict):
                counts.update(redact_object_counts(kind, obj))
    for kind, items in snapshot.host.items():
        for obj in items:
            if isinstance(obj, dict):
                counts.update(redact_object_counts("host:" + kind, obj, deep=True))
    for key, lines in snapshot.logs.items():
        out, c = redact_lines_counts(lines)
        if c:
            snapshot.logs[key] = out
            counts.update(c)
    redact_value(snapshot.meta, counts)
    return counts
