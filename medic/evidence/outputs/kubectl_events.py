"""``kubectl get events`` / ``kubectl events`` tables → rows, and core/v1 Events with their involvedObject.

Layouts: ``LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`` (1.14+, ``kubectl events`` from 1.26 with
``2m (x4 over 10m)`` ages), with ``NAMESPACE`` first for ``-A``, and the older
``LAST SEEN  FIRST SEEN  COUNT  NAME  KIND  SUBOBJECT  TYPE  REASON  SOURCE  MESSAGE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, KIND_OF, kind_word
from medic.evidence.outputs.base import OutputParser, prompt_command, split_columns
from medic.evidence.outputs.kubectl_describe import event_object
from medic.evidence.outputs.kubectl_get import cells, command_namespace, command_parts
from medic.model import Snapshot

_HEADER = re.compile(r"^\s*(?:NAMESPACE\s+)?LAST ?SEEN\s+(?:TYPE\s+REASON\s+(?:OBJECT|KIND)|FIRST ?SEEN\s+COUNT)\b")
_ROW = re.compile(
    r"^(?:(?P<ns>\S+)\s+)?(?P<age>\S+(?: \(x(?P<count>\d+) over (?P<over>\S+)\))?)\s+"
    r"(?P<type>Normal|Warning)\s+(?P<reason>\S+)\s+(?P<object>\S+/\S+)(?:\s+(?P<message>.*))?$"
)
_CLUSTER_KINDS = {KIND_OF[r] for r in CLUSTER_SCOPED if r in KIND_OF}


# rows pasted without their header: the current layout (OBJECT is kind/name) and the pre-1.14 one
_OLD_ROW = re.compile(
    r"^(?:(?P<ns>[a-z0-9][-a-z0-9]*)\s+)?(?P<last>\S+)\s+(?P<first>\S+)\s+(?P<count>\d+)\s+(?P<name>\S+)\s+"
    r"(?P<kind>[A-Z][A-Za-z]+)\s+"
    r"(?:(?P<sub>\S+)\s+)?(?P<type>Normal|Warning)\s+(?P<reason>[A-Za-z]+)\s+(?P<source>\{[^}]*\}|\S+(?:,\s?\S+)?)\s+"
    r"(?P<message>\S.*)$"
)
_ROW_START = re.compile(
    r"^\s*(?:\S+\s+){1,2}(?:Normal|Warning)\s+[A-Za-z]+\s+[a-z][\w.]*/\S|^\s*(?:\S+\s+)?\S+\s+\S+\s+\d+\s+\S+\s+[A-Z][A-Za-z]+\s+"
)


def _wide(row: dict[str, Any]) -> None:
    """A ``get events -o wide`` row (``... OBJECT  SUBOBJECT  SOURCE  MESSAGE  FIRST SEEN  COUNT  NAME``)
    read with the narrow layout, whose MESSAGE then holds the other columns too: split them out (cells are
    separated by two or more spaces; the row ends with the event's own name, ``<object>.<hex>``)."""
    cells = [c for c in re.split(r"\s{2,}", str(row["message"])) if c]
    name = str(row.get("name") or "")
    if len(cells) < 5 or not cells[-2].isdigit() or not name or not cells[-1].startswith(name + "."):
        return
    front = cells[:-3]
    if front[0].startswith(("spec.", "{")):
        if front[0].startswith("spec."):
            row["field_path"] = front[0]
        front = front[1:]
    if len(front) < 2:
        return
    row["source"] = front[0]
    row["message"] = "  ".join(front[1:])
    row["first_age"] = cells[-3]
    row["count"] = int(cells[-2])


# from 1.5 to 1.13 the old layout's NAME is the event's own name: the object's, a dot and 16 hex digits
_EVENT_SUFFIX = re.compile(r"\.[0-9a-f]{16}$")


def object_name(name: str) -> str:
    """The involved object's name from an old ``get events`` row's NAME (``web-1.1557b6b11b1d935b`` → ``web-1``)."""
    return _EVENT_SUFFIX.sub("", name)


def _row_of(m: re.Match[str]) -> dict[str, Any]:
    """An event row from a match of ``_ROW`` (either layout, or the wide one)."""
    kind, _, name = m.group("object").partition("/")
    row: dict[str, Any] = {
        "age": m.group("age").split()[0],
        "type": m.group("type"),
        "reason": m.group("reason"),
        "kind": kind_word(kind),
        "name": name,
        "message": (m.group("message") or "").strip(),
    }
    if m.group("count"):
        row["count"] = int(m.group("count"))
        row["first_age"] = m.group("over")
    if m.group("ns"):
        row["namespace"] = m.group("ns")
    _wide(row)
    return row


def headerless_row(line: str) -> dict[str, Any] | None:
    """An event row pasted without its table's header (either layout), or None."""
    text = line.strip()
    m = _ROW.match(text)
    if m:
        return _row_of(m)
    o = _OLD_ROW.match(text)
    if o:
        row = {
            "age": o.group("last"),
            "first_age": o.group("first"),
            "count": int(o.group("count")),
            "type": o.group("type"),
            "reason": o.group("reason"),
            "kind": kind_word(o.group("kind")),
            "name": object_name(o.group("name")),
            "message": o.group("message").strip(),
            "source": o.group("source"),
        }
        if (o.group("sub") or "").startswith("spec."):
            row["field_path"] = o.group("sub")
        if o.group("ns"):
            row["namespace"] = o.group("ns")  # (``--all-namespaces`` puts it first)
        return row
    return None


def _wrapped(line: str) -> bool:
    """A line that can be the MESSAGE of the row above it (wrapped by the terminal): text, not another row."""
    return bool(line.strip()) and headerless_row(line) is None and prompt_command(line) is None


class KubectlEventsParser(OutputParser):
    kind = "kubectl-events"
    start = re.compile(f"{_HEADER.pattern}|{_ROW_START.pattern}")

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        return bool(_HEADER.search(line)) or headerless_row(line) is not None

    def continues(self, line: str, first: str) -> bool:
        if _HEADER.search(first):
            return bool(line.strip())
        return headerless_row(line) is not None

    def block_end(self, lines: Sequence[str], start: int) -> int:
        """Headerless rows; a row whose MESSAGE the terminal wrapped onto the next line takes that line."""
        if _HEADER.search(lines[start]):
            return super().block_end(lines, start)
        end = start
        while end < len(lines) and end - start < self.max_lines:
            row = headerless_row(lines[end])
            if row is None or prompt_command(lines[end]) is not None:
                break
            end += 1
            if not row["message"] and end < len(lines) and _wrapped(lines[end]):
                end += 1
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        header = lines[0]
        if not _HEADER.search(header):
            _, _, flags = command_parts(self._command)
            found: list[dict[str, Any]] = []
            for line in lines:
                headerless = headerless_row(line)
                if headerless is not None:
                    found.append(headerless)
                elif found and not found[-1]["message"] and _wrapped(line):
                    found[-1]["message"] = line.strip()
            ns = command_namespace(flags) or ""
            for r in found:
                if ns and "namespace" not in r:
                    r["namespace"] = ns
            return {"events": found, "headers": False} if found else None
        cols = split_columns(header.strip())
        offset = len(header) - len(header.lstrip())
        cols = [(n, o + offset) for n, o in cols]
        names = [n for n, _ in cols]
        old = ("FIRST SEEN" in names or "FIRSTSEEN" in names) and "OBJECT" not in names
        with_ns = names[:1] == ["NAMESPACE"]
        _, _, flags = command_parts(self._command)
        default_ns = command_namespace(flags) or ""
        rows: list[dict[str, Any]] = []
        for raw in lines[1:]:
            if not raw.strip():
                continue
            row: dict[str, Any]
            if old:
                c = cells(raw, cols)
                if c.get("TYPE") not in ("Normal", "Warning"):
                    continue
                row = {
                    "age": c.get("LAST SEEN") or c.get("LASTSEEN", ""),
                    "first_age": c.get("FIRST SEEN") or c.get("FIRSTSEEN", ""),
                    "type": c["TYPE"],
                    "reason": c.get("REASON", ""),
                    "kind": kind_word(c.get("KIND", "")),
                    "name": object_name(c.get("NAME", "")),
                    "message": c.get("MESSAGE", ""),
                    "source": c.get("SOURCE", ""),
                }
                if c.get("COUNT", "").isdigit():
                    row["count"] = int(c["COUNT"])
                if c.get("SUBOBJECT", "").startswith("spec."):
                    row["field_path"] = c["SUBOBJECT"]
                if with_ns:
                    row["namespace"] = c.get("NAMESPACE", "")
            else:
                m = _ROW.match(raw.strip())
                if not m or (with_ns and not m.group("ns")) or (not with_ns and m.group("ns")):
                    continue
                row = _row_of(m)  # its NAMESPACE is there exactly when the table has one (checked above)
            if default_ns and "namespace" not in row:
                row["namespace"] = default_ns
            rows.append(row)
        return {"events": rows} if rows else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        for i, row in enumerate(facts["events"]):
            kind = str(row.get("kind") or "")
            ns = "" if kind in _CLUSTER_KINDS else str(row.get("namespace") or "")
            ev = event_object(snap, row, kind, ns, str(row.get("name") or ""), i)
            snap.objects.setdefault("events", []).append(ev)


PARSERS: list[OutputParser] = [KubectlEventsParser()]
