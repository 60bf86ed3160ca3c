"""Kubernetes values printed by Go's ``%v`` / ``%+v`` instead of YAML or JSON: what a ``-o go-template`` that
prints a map shows (``map[terminated:map[exitCode:137 reason:OOMKilled ...]]``) and what tools log about an
object (``Namespace "x" has status {Phase:Terminating Conditions:[]}``).

The text is read as Go prints it: ``map[k:v ...]`` and ``{Field:v ...}`` are mappings (struct field names
lower-cased at their first letter, as the API's JSON names them), ``[a b]`` a list, anything else a scalar
that runs to the next `` key:`` or closing bracket (Go does not quote strings). Where the value goes:

- after ``kubectl get <kind> <name> -o go-template='{{range .a.b}}{{.c}}{{end}}'``: each printed value is
  field ``c`` of the next item of list ``a.b`` of that object;
- a status-shaped mapping (``phase``, ``conditions``, ``containerStatuses``...) is the ``status`` of the
  object named just before it (``Namespace "x"``), else of the kind its fields say (``fragments``).

Facts: ``{"values": [...], "resource", "name", "namespace", "path": [list path, field] | null}``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, resource_name
from medic.evidence.outputs.base import OutputParser
from medic.evidence.outputs.fragments import command_target, kind_of_status, status_of
from medic.evidence.outputs.kubectl_get import command_parts, kubectl_args
from medic.model import Snapshot

_START = re.compile(r"map\[[A-Za-z]\w*:|\{[A-Z]\w*:")
_KEY = re.compile(r"([A-Za-z_]\w*):")
_NAMED = re.compile(r"\b([A-Z][A-Za-z]+) \"(?P<name>[a-z0-9][a-z0-9.-]*)\"")
_RANGE_HEAD = re.compile(r"\{\{-?\s*range\s*\.(?P<list>[\w.]+)\s*-?\}\}")
_FIELD = re.compile(r"\{\{-?\s*\.(\w+(?:\.\w+)*)\s*-?\}\}")
_PLACEHOLDER = re.compile(r"^<[^>]*>$")  # ``<pod>``, ``<namespace>``: the author's, not a name
MAX_DEPTH = 32  # nesting a real dump has (a handful); deeper is not a Kubernetes value


class _Reader:
    """A recursive-descent reader of one Go ``%v`` value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def value(self, closers: str, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        t = self.text
        if t.startswith("map[", self.i):
            self.i += 4
            return self.mapping("]", depth)
        if t.startswith("{", self.i):
            self.i += 1
            return self.mapping("}", depth)
        if t.startswith("[", self.i):
            self.i += 1
            items: list[Any] = []
            while self.i < len(t) and t[self.i] != "]":
                if t[self.i] == " ":
                    self.i += 1
                    continue
                items.append(self.value(" ]", depth + 1))
            self.i += 1
            return items
        return self.scalar(closers)

    def mapping(self, close: str, depth: int) -> dict[str, Any]:
        t = self.text
        out: dict[str, Any] = {}
        while self.i < len(t):
            while self.i < len(t) and t[self.i] == " ":
                self.i += 1
            if self.i >= len(t):
                break
            if t[self.i] == close:
                self.i += 1
                return out
            m = _KEY.match(t, self.i)
            if not m:
                raise ValueError(f"no key at {self.i}")
            self.i = m.end()
            key = m.group(1)
            out[key[:1].lower() + key[1:]] = self.value(close, depth + 1)
        return out

    def scalar(self, closers: str) -> Any:
        """Up to the closing bracket, or the space before the next ``key:`` (a value may hold spaces)."""
        t = self.text
        start = self.i
        while self.i < len(t):
            c = t[self.i]
            if c in "]}" and c in closers:
                break
            if c == " " and (" " in closers and "]" in closers and "}" not in closers):
                break  # an item of a list
            if c == " " and _KEY.match(t, self.i + 1):
                break
            self.i += 1
        text = t[start : self.i].strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        return {"true": True, "false": False, "<nil>": None}.get(text, text)


def read_values(line: str) -> list[Any]:
    """Every top-level Go value of a line (``map[...]map[]`` is two), in order; [] when it holds none."""
    values: list[Any] = []
    pos = 0
    while (m := _START.search(line, pos)) is not None:
        reader = _Reader(line)
        reader.i = m.start()
        try:
            values.append(reader.value(""))
        except (ValueError, IndexError, RecursionError):
            return values
        pos = max(reader.i, m.start() + 1)
        while line.startswith("map[]", pos):  # an empty map printed for an item with nothing to show
            values.append({})
            pos += 5
    return values


def _norm(label: str) -> str:
    return re.sub(r"[^a-z]", "", label.lower())


def template_of(command: str | None) -> tuple[str, list[str]] | None:
    """(list path ranged over, fields printed inside the range) of a ``-o go-template`` / ``--template``,
    or ("", [path]) for a template that prints one field without a range; None for other commands."""
    _, _, flags = command_parts(command)
    out = flags.get("-o") or flags.get("--output") or ""
    words = kubectl_args(command)
    given = flags.get("--template") or next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "--template"), "")
    text = out[len("go-template=") :] if out.startswith("go-template=") else given
    if not text:
        return None
    m = _RANGE_HEAD.search(text)
    if m:
        body = text[m.end() :].split("{{end}}", 1)[0]
        return m.group("list"), _FIELD.findall(body)
    fields = _FIELD.findall(text)
    return ("", fields[:1]) if len(fields) == 1 else None


def _items(lines: Sequence[str], fields: list[str]) -> list[dict[str, Any]]:
    """What a ranged template printed, item by item: each value on its field (a line's ``Label:`` names the
    field, else the only field printed); an item ends when its field comes again."""
    items: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    by_label = {_norm(f): f for f in fields}
    for line in lines:
        values = read_values(line)
        start = _START.search(line)
        label, _, rest = (line[: start.start()] if start else line).partition(":")
        label_key = _norm(label)
        field = by_label.get(label_key) or next((f for n, f in by_label.items() if n and label_key.endswith(n)), None)
        field = field or (fields[0] if len(fields) == 1 and values else None)
        if field is None:
            continue
        found = values or [rest.strip()]
        for value in found:
            if field in current:
                items.append(current)
                current = {}
            current[field] = value
    if current:
        items.append(current)
    return items


class GoDumpParser(OutputParser):
    kind = "go-dump"
    start = _START

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        return bool(_START.search(line)) or (template_of(command) is not None and bool(line.strip()))

    def continues(self, line: str, first: str) -> bool:
        return bool(_START.search(line)) or (template_of(self._command) is not None and bool(line.strip()))

    def parse(self, lines: Sequence[str]) -> Any:
        res, ns, name = command_target(self._command)
        ns, name = ("" if _PLACEHOLDER.match(ns) else ns), ("" if _PLACEHOLDER.match(name) else name)
        template = template_of(self._command)
        if template is not None and res:
            list_path, fields = template
            if list_path:
                items = _items(lines, fields)
                if not any(isinstance(v, dict) for item in items for v in item.values()):
                    return None
                return {"resource": res, "name": name, "namespace": ns, "path": list_path, "items": items}
            printed = [v for line in lines for v in read_values(line)] or [
                v for line in lines for v in _list_values(line)
            ]
            if printed and fields:
                value = printed[0] if len(printed) == 1 else printed
                return {"resource": res, "name": name, "namespace": ns, "path": fields[0], "value": value}
            return None
        values: list[Any] = []
        named: tuple[str, str] | None = None
        for line in lines:
            found = read_values(line)
            first = _START.search(line)
            if found and first and named is None and (n := _NAMED.search(line[: first.start()])):
                kind = resource_name(n.group(1))
                named = (kind, n.group("name")) if kind else None
            values.extend(found)
        if not any(isinstance(v, dict) and v for v in values):
            return None
        facts: dict[str, Any] = {"values": values, "resource": res, "name": name, "namespace": ns}
        if named:
            facts["resource"], facts["name"] = named
        return facts

    def apply(self, facts: Any, snap: Snapshot) -> None:
        res, name, ns = facts.get("resource"), str(facts.get("name") or ""), str(facts.get("namespace") or "")
        if "items" in facts or "value" in facts:
            obj: dict[str, Any] = {"metadata": {"name": name}}
            cur = obj
            steps = str(facts["path"]).split(".")
            for step in steps[:-1]:
                cur = cur.setdefault(step, {})
            if "items" in facts:
                cur[steps[-1]] = [{"name": f"?{i + 1}" if i else "?", **item} for i, item in enumerate(facts["items"])]
            else:
                cur[steps[-1]] = facts["value"]
            self._add(snap, res, ns, obj)
            return
        for value in facts["values"]:
            status = status_of(value)
            kind = res or (kind_of_status(status) if status else None)
            if status is None or kind is None:
                continue
            self._add(snap, kind, ns, {"metadata": {"name": name}, "status": status})

    @staticmethod
    def _add(snap: Snapshot, kind: str, ns: str, obj: dict[str, Any]) -> None:
        if ns and kind not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = ns
        snap.objects.setdefault(kind, []).append(obj)


def _list_values(line: str) -> list[Any]:
    """A printed list of maps (``[map[...] map[...]]``) as one list value."""
    text = line.strip()
    if not text.startswith("[map["):
        return []
    reader = _Reader(text)
    try:
        return [reader.value("")]
    except (ValueError, IndexError, RecursionError):
        return []


PARSERS: list[OutputParser] = [GoDumpParser()]
