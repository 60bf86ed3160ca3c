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
from medic.evidence.outputs.base import OutputParser, split_columns
from medic.evidence.outputs.kubectl_describe import event_object
from medic.evidence.outputs.kubectl_get import cells, command_namespace, command_parts
from medic.model import Snapshot

_HEADER = re.compile(r"^\s*(?:NAMESPACE\s+)?LAST ?SEEN\s+(?:TYPE\s+REASON\s+(?:OBJECT|KIND)|FIRST ?SEEN\s+COUNT)\b")
_ROW = re.compile(
    r"^(?:(?P<ns>\S+)\s+)?(?P<age>\S+(?: \(x(?P<count>\d+) over (?P<over>\S+)\))?)\s+"
    r"(?P<type>Normal|Warning)\s+(?P<reason>\S+)\s+(?P<object>\S+/\S+)\s+(?P<message>.*)$"
)
_CLUSTER_KINDS = {KIND_OF[r] for r in CLUSTER_SCOPED if r in KIND_OF}


class KubectlEventsParser(OutputParser):
    kind = "kubectl-events"
    start = _HEADER

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        return bool(_HEADER.search(line))

    def parse(self, lines: Sequence[str]) -> Any:
        header = lines[0]
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
                    "name": c.get("NAME", ""),
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
                kind, _, name = m.group("object").partition("/")
                row = {
                    "age": m.group("age").split()[0],
                    "type": m.group("type"),
                    "reason": m.group("reason"),
                    "kind": kind_word(kind),
                    "name": name,
                    "message": m.group("message").strip(),
                }
                if m.group("count"):
                    row["count"] = int(m.group("count"))
                    row["first_age"] = m.group("over")
                if with_ns:
                    row["namespace"] = m.group("ns")
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
