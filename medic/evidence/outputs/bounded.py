"""Bounded decoding of pasted JSON and YAML: what a hostile paste could make the decoders do is refused
before they do it.

Three attacks are cheap to write and costly to decode:

- **deep nesting** (``[[[[...``): libyaml's composer recurses in C and crashes the process at a few
  tens of thousands of levels; Python code that walks the result (reports, redaction, JSON output)
  recurses too. The nesting depth is measured first, by a linear scan that keeps no stack of its own
  beyond a counter, and a document deeper than ``MAX_DEPTH`` is refused.
- **alias bombs** ("billion laughs": ``b: [*a, *a, ...]``, ``c: [*b, *b, ...]``): PyYAML shares the
  aliased objects, so loading is cheap, but everything that walks the result (checks, ``json.dumps``,
  ``str``) walks the expansion: 850 bytes become 10^9 nodes. The YAML events are counted before anything
  is built: more than ``MAX_ALIASES`` aliases, an alias to a node that contains it (a cycle), or an
  expansion of more than ``MAX_EXPANSION`` nodes is refused.
- anything else the decoders reject stays their own error (``ValueError``/``yaml.YAMLError``).

A refusal is a ``Refused`` exception with a one-line reason; callers record it as the block's parse
error and go on.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import yaml

# Real Kubernetes objects nest about 10-15 levels (a pod: spec → containers → item → env → item →
# valueFrom → ...); the deepest real documents (CRD OpenAPI schemas) about 40-60. 200 leaves room for
# all of them and stays far below what recursive walkers of the result can take (Python's default
# recursion limit is 1000 frames, and a report or redaction pass is already some frames deep).
MAX_DEPTH = 200
# kubectl never writes anchors or aliases; hand-written YAML with them uses a few dozen at most.
MAX_ALIASES = 100
# Nodes an alias may add by standing for a copy of its anchor: 100,000 is a few hundred objects' worth
# (a pod is ~300 nodes), enough for any legitimate use of anchors, while a billion-laughs document
# passes it at its fourth level.
MAX_EXPANSION = 100_000

_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]')
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_EVENT_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Refused(ValueError):
    """A document the bounded decoders will not decode; the message says why, in one line."""


def json_depth(text: str) -> int:
    """The deepest bracket nesting of JSON text, counting brackets outside strings (linear; no recursion).

    Unterminated strings leave their brackets counted, which can only overstate the depth."""
    brackets = _JSON_BRACKETS.findall(_JSON_STRING.sub("", text))
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def json_too_deep(text: str) -> int:
    """``json_depth`` when it is above ``MAX_DEPTH``, else 0. Text with no more openers than the limit
    cannot be deeper, which two C-speed counts tell (most windows a paste is tried with are such)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = json_depth(text)
    return depth if depth > MAX_DEPTH else 0


def json_structure(text: str) -> tuple[list[tuple[int, str]], bool]:
    """The structural characters of JSON text outside strings (``{[]},`` with their offsets), and whether the
    text ends inside a string. Exact for text cut short, where ``_JSON_TOKEN`` would count the brackets of an
    unterminated string."""
    out: list[tuple[int, str]] = []
    in_string = escape = False
    for i, ch in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[]},":
            out.append((i, ch))
    return out, in_string


def json_extent(text: str, start: int = 0) -> int:
    """The offset just past the bracketed value that opens at or after ``start`` (where its brackets
    balance again), or ``len(text)`` when they never do. Linear, for text already known to be hostile."""
    depth = 0
    for m in _JSON_TOKEN.finditer(text, start):
        tok = m.group()
        if tok[0] == '"':
            continue
        depth += _STEP[tok]
        if depth <= 0:
            return m.end()
    return len(text)


def check_json(text: str) -> None:
    """Raise ``Refused`` when JSON text nests deeper than ``MAX_DEPTH``."""
    depth = json_too_deep(text)
    if depth:
        raise Refused(f"JSON nested {depth} levels deep (more than {MAX_DEPTH}); not decoded")


def loads_json(text: str) -> Any:
    """``json.loads`` after the depth check: ``Refused`` or ``ValueError`` on bad input, never a
    ``RecursionError``."""
    check_json(text)
    return json.loads(text)


def check_yaml(text: str) -> None:
    """Raise ``Refused`` when YAML text nests deeper than ``MAX_DEPTH``, holds more than ``MAX_ALIASES``
    aliases, an alias inside the node it names, or aliases that expand to more than ``MAX_EXPANSION``
    nodes. Reads libyaml's event stream (its parser keeps its own heap stack: no recursion), so the
    cost is one linear pass; a syntax error is raised as the ``yaml.YAMLError`` the loader would raise."""
    depth = 0
    aliases = 0
    added = 0
    nodes = 0  # nodes of the current document, aliases counted as the copies they stand for
    sizes: dict[str, int] = {}  # anchor → its node's expanded size, once the node is complete
    open_nodes: list[tuple[str | None, int]] = []  # per open collection: its anchor, ``nodes`` at its start
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    for event in yaml.parse(text, Loader=_EVENT_LOADER):
        cls = event.__class__
        if cls is scalar:
            nodes += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif cls in starts:
            depth += 1
            if depth > MAX_DEPTH:
                raise Refused(f"YAML nested more than {MAX_DEPTH} levels deep; not decoded")
            nodes += 1
            open_nodes.append((event.anchor, nodes))
        elif cls in ends:
            depth -= 1
            anchor, first = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = nodes - first + 1
        elif cls is alias:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise Refused(f"YAML with more than {MAX_ALIASES} aliases; not decoded")
            size = sizes.get(event.anchor)
            if size is None:
                if any(a == event.anchor for a, _ in open_nodes):
                    raise Refused(f"YAML alias *{event.anchor} inside the node it names (a cycle); not decoded")
                continue  # an undefined alias: the loader reports it as a syntax error
            nodes += size
            added += size
            if added > MAX_EXPANSION:
                raise Refused(f"YAML aliases expand to more than {MAX_EXPANSION:,} nodes; not decoded")
        elif cls is yaml.DocumentStartEvent:
            sizes.clear()
            nodes = 0
