"""Event lists copied from the OpenShift / OKD web console: one event a row, cells joined by `` | `` (the copy
of an HTML table, often turned into a markdown table with a ``-- | -- | --`` separator row).

Rows: ``8:06:42 AM | jenkins | Deployment Config | Warning | Failed Create | Error creating ...`` (time, the
object's name and kind, type, reason in words, message) or, on a page about one object, ``9:57:11 AM |
Warning | Failed Mount | MountVolume.SetUp failed ... 9 times in the last 3 minutes`` (no name or kind).
The reason's words are joined as the API spells it (``FailedMount``); a trailing ``N times in the last ...``
is the event's count. Facts: ``{"events": [{"time", "name", "kind", "type", "reason", "message", "count"}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.kinds import kind_word
from medic.evidence.outputs.base import OutputParser
from medic.model import Snapshot

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?\s*[AP]M"
_ROW = re.compile(rf"^\s*\|?\s*{_TIME}\s*\|")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")
# the console appends the count to the message, sometimes without a space: a count never starts with 0, so
# in "limited: pods=016 times" the 0 is the message's
_COUNT = re.compile(r"\s*([1-9]\d*) times in the last\b.*$")


def parse_row(line: str) -> dict[str, Any] | None:
    cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
    types = [i for i, c in enumerate(cells) if c in ("Normal", "Warning")]
    if not types or types[0] + 1 >= len(cells):
        return None  # no type cell, or no reason after it
    t = types[0]
    before, after = cells[1:t], cells[t + 1 :]
    reason = "".join(w[:1].upper() + w[1:] for w in after[0].split())
    message = " | ".join(after[1:]).strip()
    row: dict[str, Any] = {"time": cells[0], "type": cells[t], "reason": reason, "message": message}
    m = _COUNT.search(message)
    if m:
        row["count"] = int(m.group(1))
        row["message"] = message[: m.start()].rstrip()
    if len(before) >= 2:
        row["name"], row["kind"] = before[0], kind_word(before[1].replace(" ", ""))
    elif len(before) == 1:
        row["name"] = before[0]
    return row


class ConsoleEventsParser(OutputParser):
    kind = "console-events"
    start = _ROW

    def continues(self, line: str, first: str) -> bool:
        return bool(_ROW.match(line) or _SEPARATOR.match(line))

    def parse(self, lines: Sequence[str]) -> Any:
        rows = [r for r in (parse_row(ln) for ln in lines if _ROW.match(ln)) if r is not None]
        return {"events": rows} if rows else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        events = snap.objects.setdefault("events", [])
        for i, row in enumerate(facts["events"]):
            inv = {k: row[k] for k in ("kind", "name") if row.get(k)}
            ev: dict[str, Any] = {
                "metadata": {"name": f".console{i}"},
                "involvedObject": inv,
                "type": row["type"],
                "reason": row["reason"],
                "message": row["message"],
            }
            if row.get("count"):
                ev["count"] = row["count"]
            events.append(ev)


PARSERS: list[OutputParser] = [ConsoleEventsParser()]
