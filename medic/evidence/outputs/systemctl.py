"""``systemctl --failed`` / ``systemctl list-units [--state=failed]`` → ``host["units"]``.

Rows may carry the ``●`` (or ``*`` on a non-UTF-8 terminal) marker of a failed unit; the table may come
with or without its header (``--no-legend``), and with the legend lines of older (``LOAD   = ...``) or newer
(``Legend: LOAD → ...``) systemd, which belong to the block but are not units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser
from medic.model import Snapshot

_HEADER = re.compile(r"^\s*(?:●\s+)?UNIT\s+LOAD\s+ACTIVE\s+SUB\s+(?:JOB\s+)?DESCRIPTION\b")
_UNIT_TYPES = r"(?:service|socket|target|device|mount|automount|swap|timer|path|slice|scope)"
_ROW = re.compile(
    rf"^\s*(?P<mark>[●*×]\s*)?(?P<unit>\S+\.{_UNIT_TYPES})\s+"
    r"(?P<load>loaded|not-found|masked|error|bad-setting|stub|merged)\s+"
    r"(?P<active>active|failed|inactive|activating|deactivating|reloading|maintenance|refreshing)\s+"
    r"(?P<sub>[\w-]+)(?:\s+(?P<description>.*?))?\s*$"
)
_LEGEND = re.compile(
    r"^\s*(?:(?:Legend:\s*)?(?:LOAD|ACTIVE|SUB|JOB)\s*(?:=|→|->)|\d+ (?:loaded )?units? listed\b"
    r"|To show all installed unit|Pass --all to see)"
)


def _keeps(lines: Sequence[str], i: int, limit: int) -> bool:
    if lines[i].strip():
        return bool(_ROW.match(lines[i]) or _LEGEND.match(lines[i]))
    return i + 1 < limit and bool(_LEGEND.match(lines[i + 1]))


class SystemctlFailedParser(OutputParser):
    kind = "systemctl-failed"
    start = _HEADER
    command = re.compile(r"\bsystemctl\b.*(?:--failed|--state[= ]\S*failed|list-units)")

    def starts(self, line: str, command: str | None) -> bool:
        return bool(_HEADER.match(line) or _ROW.match(line))

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        while end < limit and _keeps(lines, end, limit):
            end += 1
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        units: list[dict[str, Any]] = []
        for raw in lines:
            m = _ROW.match(raw)
            if not m:
                continue
            units.append(
                {
                    "unit": m.group("unit"),
                    "load": m.group("load"),
                    "active": m.group("active"),
                    "sub": m.group("sub"),
                    "description": (m.group("description") or "").strip(),
                    "line": raw.strip(),
                }
            )
        if not units and not _HEADER.match(lines[0]):
            return None
        return {"units": units}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("units", []).extend(facts["units"])


PARSERS: list[OutputParser] = [SystemctlFailedParser()]
