"""``kubectl get <kind> -o custom-columns=NAME:.metadata.name,REASON:.reason,...`` tables: the command says
which field each column holds, so every row becomes an object of the command's kind with those fields set.

A ``--field-selector`` holds for every row too (``involvedObject.name==web-0`` puts that name on each event).
Cells ``<none>`` and ``<nil>`` are fields the object does not have. Facts: ``{"resource", "columns": [[header,
path]], "selector": {path: value}, "rows": [{header: cell}]}``; ``apply`` adds the objects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.kinds import resource_name
from medic.evidence.outputs.base import OutputParser, cut_row, split_columns
from medic.evidence.outputs.kubectl_get import command_namespace, command_parts, kubectl_args
from medic.model import Snapshot

_SPEC = re.compile(r"^-o\s*=?\s*custom-columns=|^--output=custom-columns=")
_PATH = re.compile(r"^\.?[A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*$")
_STEP = re.compile(r"([A-Za-z_]\w*)(?:\[(\d+)\])?")
_EMPTY = ("<none>", "<nil>", "")


def columns_of(command: str | None) -> tuple[str | None, list[tuple[str, str]], dict[str, str], str]:
    """(resource, [(header, field path)], field-selector {path: value}, namespace) of a custom-columns
    ``kubectl get``; no columns when the command is not one."""
    verb, args, flags = command_parts(command)
    spec = flags.get("-o") or flags.get("--output") or ""
    if verb != "get" or not args or not spec.startswith("custom-columns="):
        return None, [], {}, ""
    columns: list[tuple[str, str]] = []
    for part in spec[len("custom-columns=") :].split(","):
        header, _, path = part.partition(":")
        if header and _PATH.match(path.strip()):
            columns.append((header.strip(), path.strip().lstrip(".")))
    selector: dict[str, str] = {}
    words = kubectl_args(command)
    field_selector = flags.get("--field-selector") or next(
        (words[i + 1] for i, w in enumerate(words[:-1]) if w == "--field-selector"), ""
    )
    for cond in field_selector.split(","):
        m = re.match(r"^([\w.]+)\s*==?\s*(.+)$", cond.strip())
        if m:
            selector[m.group(1)] = m.group(2).strip()
    return resource_name(args[0].split(",")[0]), columns, selector, command_namespace(flags) or ""


def put(obj: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b[0].c`` in nested dicts and lists, creating what is missing."""
    steps = _STEP.findall(path)
    cur: Any = obj
    for i, (key, index) in enumerate(steps):
        last = i == len(steps) - 1
        if index:
            items = cur.setdefault(key, [])
            while len(items) <= int(index):
                items.append({})
            if last:
                items[int(index)] = value
            cur = items[int(index)]
        elif last:
            cur[key] = value
        else:
            cur = cur.setdefault(key, {})
            if not isinstance(cur, dict):
                return


def _typed(text: str) -> Any:
    return int(text) if re.fullmatch(r"-?\d+", text) else True if text == "true" else False if text == "false" else text


class CustomColumnsParser(OutputParser):
    kind = "kubectl-custom-columns"
    start = re.compile(r"^\s*[A-Z][A-Z0-9_-]*(?:\s+[A-Z][A-Z0-9_-]*)+\s*$")  # its header: the spec's names

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        _, columns, _, _ = columns_of(command)
        return bool(columns) and line.split() == [h for h, _ in columns]

    def parse(self, lines: Sequence[str]) -> Any:
        resource, columns, selector, namespace = columns_of(self._command)
        if not columns or not resource:
            return None
        cols = split_columns(lines[0])
        rows = [cut_row(raw, cols) for raw in lines[1:] if raw.strip()]
        if not rows:
            return None
        facts: dict[str, Any] = {"resource": resource, "columns": [list(c) for c in columns], "rows": rows}
        if selector:
            facts["selector"] = selector
        if namespace:
            facts["namespace"] = namespace
        return facts

    def apply(self, facts: Any, snap: Snapshot) -> None:
        objs = snap.objects.setdefault(facts["resource"], [])
        for i, row in enumerate(facts["rows"]):
            obj: dict[str, Any] = {"metadata": {}}
            for path, value in (facts.get("selector") or {}).items():
                put(obj, path, _typed(value))
            for header, path in facts["columns"]:
                cell = str(row.get(header) or "").strip()
                if cell not in _EMPTY:
                    put(obj, path, _typed(cell))
            md = obj["metadata"]
            if facts.get("namespace") and not md.get("namespace"):
                md["namespace"] = facts["namespace"]
            if facts["resource"] == "events":
                md.setdefault("name", f".custom{i}")
                obj.setdefault("involvedObject", {})  # what it is about: named by the assemble step if not shown
                if isinstance(obj.get("involvedObject"), dict) and md.get("namespace"):
                    obj["involvedObject"].setdefault("namespace", md["namespace"])
            objs.append(obj)


PARSERS: list[OutputParser] = [CustomColumnsParser()]
