"""The JSON document of ``medic parse --json`` and ``POST /api/v1/parse``: the command outputs recognised in a
paste, each with the facts read from it, and how many lines were plain text. One shape, made here."""

from __future__ import annotations

import json
from typing import Any

from medic.report.safe import dumps


def parse_document(text: str) -> dict[str, Any]:
    """Parse ``text`` and return its document; facts that are not JSON types (times) are written as strings."""
    from medic.evidence.outputs.registry import parse_lines

    result = parse_lines(text.splitlines())
    doc = {"blocks": [b.to_dict() for b in result.blocks], "plain_lines": len(result.plain)}
    parsed: dict[str, Any] = json.loads(dumps(doc, default=str))
    return parsed
