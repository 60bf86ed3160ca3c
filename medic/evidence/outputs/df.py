"""``df`` output (``df -h``, ``df -k``, ``df -P``, ``df -T``, ``df -i``) → file systems and their use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser, split_columns
from medic.model import Snapshot

_HEADER = re.compile(
    r"^\s*Filesystem\s+(?:Type\s+)?(?:Size|\d+[KMG]?-blocks|1K-blocks|Inodes)\s+(?:Used|IUsed)\b", re.I
)
_PCT = re.compile(r"^(\d{1,3})%$")

_PCT_MOUNT = re.compile(r"\d+%\s+/")


class DfParser(OutputParser):
    kind = "df"
    start = _HEADER

    def continues(self, line: str, first: str) -> bool:
        # rows are "device size used avail use% mount"; a long device name may wrap onto its own line
        return bool(line.strip()) and (bool(_PCT_MOUNT.search(line)) or len(line.split()) == 1)

    def parse(self, lines: Sequence[str]) -> Any:
        # words, not columns: device names and mount points may be wider than their header
        names = [c for c, _ in split_columns(lines[0])]
        header = lines[0].lower().split()
        inodes = "inodes" in header or "iused" in header  # df -i: the percentages are of inodes
        rows: list[dict[str, Any]] = []
        carry = ""
        for raw in lines[1:]:
            if len(raw.split()) == 1:  # a wrapped device name: the numbers follow on the next line
                carry = raw.strip()
                continue
            words = (carry + " " + raw).split() if carry else raw.split()
            carry = ""
            pct_at = next((i for i, w in enumerate(words) if _PCT.match(w)), None)
            if pct_at is None or pct_at + 1 >= len(words):
                continue
            pct = int(words[pct_at].rstrip("%"))
            row: dict[str, Any] = {
                "filesystem": words[0],
                "use_percent": pct,
                "mount": " ".join(words[pct_at + 1 :]),
            }
            numbers = words[1:pct_at]
            if "Type" in names and numbers:
                row["type"] = numbers.pop(0)
            for key, value in zip(("size", "used", "avail"), numbers, strict=False):
                row[key] = value
            if inodes:
                row["inodes"] = True
            rows.append(row)
        return {"filesystems": rows} if rows else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("filesystems", []).extend(facts["filesystems"])


PARSERS: list[OutputParser] = [DfParser()]
