"""The JSON document of a triage (``medic triage --json`` and the service's answers): one shape, made here.

The user's evidence lines echoed back (why a match fits, a finding's lines) lose their credentials first:
triage output is pasted into tickets and chats, and stored with incidents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medic.evidence.redact import redact_text

if TYPE_CHECKING:
    from medic.pasted import PastedResult


def redact_pasted(pasted: PastedResult) -> None:
    """Remove credentials from the evidence a triage result quotes (in place; idempotent)."""
    for m in pasted.triage.matches:
        for h in m.evidence:
            h.text = redact_text(h.text)[0]
    for f in pasted.findings:
        f.message = redact_text(f.message)[0]
        f.evidence = [redact_text(line)[0] for line in f.evidence]


def triage_document(pasted: PastedResult) -> dict[str, Any]:
    """Matches, findings and the outputs recognised, redacted."""
    redact_pasted(pasted)
    return {
        "matches": [m.to_dict() for m in pasted.triage.matches],
        "findings": [f.to_dict() for f in pasted.findings],
        "outputs": [{k: v for k, v in b.to_dict().items() if k != "facts"} for b in pasted.parsed.blocks],
    }
