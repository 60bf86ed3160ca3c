"""``kubectl get -o json`` / ``-o yaml`` (a List or a single object) → the objects themselves, by their
resource name, as the checks read them from a live collection."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any, ClassVar

import yaml

from medic.evidence.kinds import RESOURCES, resource_for
from medic.evidence.outputs.base import OutputParser
from medic.evidence.outputs.bounded import (
    Refused,
    check_json,
    check_yaml,
    json_extent,
    json_structure,
    json_too_deep,
)
from medic.evidence.outputs.fragments import close_json, fragment_object
from medic.model import Snapshot

_JSON_START = re.compile(r'^\{\s*$|^\{\s*"(?:apiVersion|kind|items|metadata)"\s*:')
_YAML_START = re.compile(r"^(?:apiVersion|kind):\s*\S|^---\s*$")
# fragments: an indented document, a JSON member cut out of one, a bare array, a YAML status or list item
_FRAGMENT_KEYS = "status|containerStatuses|initContainerStatuses|conditions|lastState|metadata|spec|items"
_JSON_FRAGMENT = re.compile(
    r'^\s+\{\s*(?:"\w+"\s*:.*)?$|^\s*\[\s*(?:\{\s*)?$|^\s*"(?:' + _FRAGMENT_KEYS + r')"\s*:\s*[\[{]'
)
_YAML_FRAGMENT = re.compile(
    r"^\s*(?:" + _FRAGMENT_KEYS + r"):\s*$|^\s*- (?:apiVersion|kind):\s*\S|^\s+(?:apiVersion|kind):\s*\S"
)
_RESOURCES = RESOURCES  # Kind → the plural lower-case resource name a Snapshot uses (the shared table)
MAX_DOC_LINES = 200_000
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR: Any = yaml.ScalarNode


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, with the per-node Python work of a long ``-o yaml`` paste cut down: a plain
    scalar's tag is looked up once per distinct text, and strings (most nodes) are taken as they are."""

    _tags: ClassVar[dict[tuple[str, Any], str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is _SCALAR and not self.yaml_path_resolvers:
            key = (value, implicit)
            tag = self._tags.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._tags) >= 8192:
                    self._tags.clear()
                self._tags[key] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node.__class__ is _SCALAR and node.tag == _STR_TAG:
            return node.value  # what construct_yaml_str returns
        return super().construct_object(node, deep)


def _scalar_text(loader: Any, node: Any) -> str:
    return str(node.value)


# Kubernetes holds times as RFC 3339 strings and bytes as base64 text: an unquoted timestamp or a
# ``!!binary`` stays the text it is (the checks read times from strings), and every value and key a
# document yields is one JSON can hold (a date as a mapping key made ``medic parse --json`` fail)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _scalar_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _scalar_text)
_Loader.add_constructor("tag:yaml.org,2002:set", lambda loader, node: loader.construct_mapping(node))  # not a set
_LOADER: Any = _Loader

_YAML_KEY = re.compile(r"^[A-Za-z_][\w.-]*:(?:\s|$)")


def _objects(doc: Any) -> list[tuple[str, dict[str, Any]]]:
    """(resource, object) pairs of a decoded document: a List's items (their kind from the item, else from
    the List's ``<Kind>List``) or a single object."""
    if not isinstance(doc, dict):
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    kind = str(doc.get("kind") or "")
    if isinstance(doc.get("items"), list):
        list_kind = kind[:-4] if kind.endswith("List") and kind != "List" else ""
        for item in doc["items"]:
            if isinstance(item, dict):
                k = str(item.get("kind") or list_kind)
                if k:
                    out.append((resource_for(k), item))
        return out
    if kind and isinstance(doc.get("metadata"), dict):
        out.append((resource_for(kind), doc))
    return out


def _bracket_end(lines: Sequence[str], start: int, limit: int) -> int:
    """One past the line where the brackets opened at ``start`` balance (strings skipped); when they never
    do (JSON cut short), the first blank line."""
    depth = 0
    opened = False
    for i in range(start, limit):
        line = lines[i]
        if i > start and not line.strip() and depth > 0:
            return i  # cut short: the excerpt ends here
        for _, ch in json_structure(line)[0]:  # line by line: JSON strings hold no newline
            if ch in "{[":
                depth += 1
                opened = True
            elif ch in "}]":
                depth -= 1
        if opened and depth <= 0:
            return i + 1
    return limit if opened else start


class KubectlJsonParser(OutputParser):
    kind = "kubectl-json"
    start = re.compile(f"{_JSON_START.pattern}|{_YAML_START.pattern}|{_JSON_FRAGMENT.pattern}|{_YAML_FRAGMENT.pattern}")

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        return bool(self.start.search(line))

    def block_end(self, lines: Sequence[str], start: int) -> int:
        limit = min(len(lines), start + MAX_DOC_LINES)
        first = lines[start].lstrip()
        if first.startswith(("[", '"')) or (first.startswith("{") and lines[start][0].isspace()):
            return _bracket_end(lines, start, limit)
        if lines[start].lstrip().startswith("{"):
            # grow the window until one complete document decodes (a long paste is not joined whole)
            size = 64
            while True:
                stop = min(limit, start + size)
                text = "\n".join(lines[start:stop])
                if json_too_deep(text):
                    # too deep to decode: the block runs to where its brackets balance (or as far as a
                    # document may), and ``parse`` records the refusal
                    text = "\n".join(lines[start:limit])
                    return start + text.count("\n", 0, json_extent(text)) + 1
                try:
                    _, index = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
                except json.JSONDecodeError as exc:
                    # an error before the window's last line is in the text itself (JSON strings hold no
                    # newline): no longer window decodes either, and trying them all from every "{" line
                    # of a hostile paste would cost time quadratic in its length
                    if stop >= limit or exc.pos < text.rfind("\n") + 1:
                        return _bracket_end(lines, start, limit)  # cut short or broken: parse decides
                    size *= 8
                    continue
                return start + text.count("\n", 0, index) + 1
        # YAML: the document runs while lines are indented, list items, keys at column 0, or '---'
        end = start + 1
        base = len(lines[start]) - len(lines[start].lstrip(" "))
        while end < limit:
            line = lines[end]
            if not line.strip():
                nxt = lines[end + 1] if end + 1 < limit else ""
                deeper = len(nxt) - len(nxt.lstrip(" ")) > base
                if nxt.startswith((" ", "-")) and nxt.strip() and deeper and nxt.lstrip()[:1] not in '{["':
                    end += 1
                    continue
                break
            indent = len(line) - len(line.lstrip(" "))
            if base and indent < base and not line.lstrip().startswith("- ") and indent == 0:
                break  # an indented fragment ends where the text goes back to the margin
            if line[0] in " -#" or _YAML_KEY.match(line) or line.rstrip() == "---":
                end += 1
                continue
            break
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        text = textwrap.dedent("\n".join(lines))
        docs: list[Any] = []
        repaired = False
        try:
            head = text.lstrip()
            if head.startswith(("{", "[", '"')):
                if head.startswith('"'):
                    text = "{" + text.rstrip().rstrip(",") + "}"  # a member cut out of a document
                check_json(text)
                try:
                    docs = [json.loads(text)]
                except ValueError:
                    closed = close_json(text)
                    if closed == text:
                        raise
                    docs = [json.loads(closed)]
                    repaired = True
            else:
                check_yaml(text)
                docs = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
        except Refused as exc:
            return {"objects": [], "error": str(exc)}  # recognised, and refused: no object is read from it
        except (ValueError, yaml.YAMLError):
            return None  # not JSON/YAML after all: the lines stay plain text
        found: list[dict[str, Any]] = []
        for doc in docs:
            items = doc if isinstance(doc, list) and all(isinstance(d, dict) and d.get("kind") for d in doc) else [doc]
            for item in items:
                whole = _objects(item)
                for resource, obj in whole:
                    found.append({"resource": resource, "object": obj})
                if whole:
                    continue
                piece = fragment_object(item, self._command)
                if piece is not None:
                    found.append({"resource": piece[0], "object": piece[1], "fragment": True})
        if not found:
            return None
        facts: dict[str, Any] = {"objects": found}
        if repaired:
            facts["repaired"] = "cut short: the brackets left open were closed"
        return facts

    def apply(self, facts: Any, snap: Snapshot) -> None:
        for entry in facts["objects"]:
            obj = dict(entry["object"])
            obj.pop("kind", None)
            obj.pop("apiVersion", None)
            snap.objects.setdefault(entry["resource"], []).append(obj)


PARSERS: list[OutputParser] = [KubectlJsonParser()]
