"""LOG802: container log lines that match a runbook signature (filled in by diagnose, which owns the matcher)."""

from __future__ import annotations

from collections.abc import Iterator

from medic.checks.kube import KINDS
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot


@check(
    "LOG802",
    Severity.WARNING,
    "Container log lines match a runbook entry",
    'log of {container}{previous} matches "{title}" ({lines} line(s))',
    looks_at=("logs",),
)
def log_matches_runbook(snap: Snapshot) -> Iterator[Hit]:
    """Lines in the collected container logs match the symptom signatures of a runbook entry (built-in or
    yours) confidently. Diagnose scans every collected log (the last lines of unhealthy pods) with the
    knowledge base's multi-pattern matcher before the checks run; this check turns each confident entry
    into a finding on the pod, with the matched log lines as evidence. Without a knowledge base (plain
    check runs) it reports nothing."""
    matches = snap.cache.get("log_matches") or {}
    for key, found in sorted(matches.items()):
        parts = key.split("/")
        if len(parts) < 3:
            continue
        ns, pod, container = parts[:3]
        previous = " (previous container)" if len(parts) > 3 and parts[3] == "previous" else ""
        if not found:
            continue
        best = found[0]  # the most confident entry names the finding; diagnose links the others
        lines = list(dict.fromkeys(line for m in found for line in m["lines"]))
        yield Hit(
            ObjectRef(KINDS["pods"], ns, pod),
            {"container": container, "previous": previous, "title": best["entry"].title, "lines": len(lines)},
            lines,
        )
