"""``du -sh`` / ``du -h --max-depth=1`` / ``du -shc`` (``size<TAB>path`` lines) → ``host["du"]``.

Sizes keep their printed form (``4.0K``, ``1.2G``, ``512``) and get ``bytes`` (``-h`` units are powers of
1024; a bare number is in KiB, as ``du`` prints by default). A pasted table whose tabs became spaces needs
at least two rows, so a lone "12 /tmp" in a sentence stays text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser
from medic.model import Snapshot

_ROW = re.compile(
    r"^\s*(?P<size>\d+(?:[.,]\d+)?[KMGTPE]?)(?P<sep>\t|\s+)(?P<path>(?:/|\.|~|[A-Za-z]:\\)\S.*|total|\.|/)\s*$"
)
_UNITS = {"": 1024, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5, "E": 1024**6}

_SIZE = re.compile(r"(\d+(?:[.,]\d+)?)([KMGTPE]?)")


def size_bytes(size: str) -> int:
    """Bytes of a ``du`` size (``1.5G`` → 1610612736; a bare number is KiB)."""
    m = _SIZE.fullmatch(size.strip())
    if not m:
        return 0
    value = float(m.group(1).replace(",", ".")) * _UNITS[m.group(2)]
    return int(value) if math.isfinite(value) else 0  # 400 digits make inf: unreadable, like no match


class DuParser(OutputParser):
    kind = "du"
    start = _ROW
    command = re.compile(r"\bdu\b")

    def starts(self, line: str, command: str | None) -> bool:
        return bool(_ROW.match(line))

    def continues(self, line: str, first: str) -> bool:
        return bool(_ROW.match(line))

    def parse(self, lines: Sequence[str]) -> Any:
        rows: list[dict[str, Any]] = []
        tabs = False
        for raw in lines:
            m = _ROW.match(raw)
            if not m:
                continue
            tabs = tabs or m.group("sep") == "\t"
            rows.append(
                {
                    "size": m.group("size"),
                    "path": m.group("path").strip(),
                    "bytes": size_bytes(m.group("size")),
                    "line": raw.strip(),
                }
            )
        if not rows or (not tabs and len(rows) < 2):
            return None
        return {"du": rows}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("du", []).extend(facts["du"])


PARSERS: list[OutputParser] = [DuParser()]
