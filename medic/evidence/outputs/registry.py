"""Find the command outputs in pasted text, parse them, and build the partial Snapshot they describe."""

from __future__ import annotations

import gc
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from medic.evidence.outputs.base import Block, OutputParser, prompt_commands
from medic.model import Snapshot

# modules that define parsers (each exposes PARSERS: list[OutputParser]); order matters only when two
# parsers could claim the same first line: the more specific comes first
MODULES = (
    "kubectl_describe",
    "kubectl_json",
    "kubectl_events",
    "kubectl_top",
    "kubectl_get",
    "helm_list",
    "etcdctl",
    "drbd",
    "docker",
    "systemctl",
    "ansible",
    "konvoy",
    "df",
    "du",
    "zabbix",
)
MAX_LINE = 4096  # longer lines are never the start of a parsed block


def parsers() -> list[OutputParser]:
    found: list[OutputParser] = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"medic.evidence.outputs.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"medic.evidence.outputs.{name}":
                raise
            continue
        found.extend(getattr(module, "PARSERS", []))
    return found


@dataclass
class ParseResult:
    blocks: list[Block] = field(default_factory=list)
    plain: list[tuple[int, str]] = field(default_factory=list)  # (line number, text) no parser claimed

    def snapshot(self) -> Snapshot:
        """The partial snapshot the blocks describe (``meta.partial``: absence proves nothing)."""
        snap = Snapshot(meta={"partial": True, "source": "pasted output"})
        by_kind = {p.kind: p for p in parsers()}
        for b in self.blocks:
            parser = by_kind.get(b.kind)
            if parser is not None and b.facts is not None:
                try:
                    parser.apply(b.facts, snap)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError):
                    continue  # facts that do not fit a snapshot stay facts
        return snap


def start_prefilter(available: list[OutputParser]) -> re.Pattern[str] | None:
    """One pattern that matches wherever any parser's ``start`` does: most lines of a long log are then
    ruled out by one search instead of one per parser. None when some pattern's flags cannot be merged."""
    parts = _merged_parts(available)
    if parts is None:
        return None
    try:
        return re.compile("|".join(parts[0] + parts[1])) if parts[0] or parts[1] else None
    except re.error:
        return None


def _merged_parts(available: list[OutputParser]) -> tuple[list[str], list[str]] | None:
    """The parsers' start patterns, each in a group of its own: (those anchored at the line's start,
    the others). None when some pattern's flags cannot be merged."""
    anchored: list[str] = []
    other: list[str] = []
    for p in available:
        flags = p.start.flags & ~re.UNICODE
        if flags & ~re.IGNORECASE or "(?P=" in p.start.pattern:
            return None
        pattern = re.sub(r"\(\?P<\w+>", "(?:", p.start.pattern)  # group names would collide
        group = f"(?i:{pattern})" if flags & re.IGNORECASE else f"(?:{pattern})"
        (anchored if _anchored(pattern) else other).append(group)
    return anchored, other


def _anchored(pattern: str) -> bool:
    """Whether every top-level alternative of a pattern starts with ``^`` (so it can only match at the
    start of a line: ``match`` finds what ``search`` would, without trying every offset)."""
    alternatives: list[str] = []
    depth, begin, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern.startswith("^", i + 1):
                i += 1
            if pattern.startswith("]", i + 1):
                i += 1  # "[]...]" and "[^]...]": the first ']' is literal
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            alternatives.append(pattern[begin:i])
            begin = i + 1
        i += 1
    alternatives.append(pattern[begin:])
    return depth == 0 and not in_class and all(a.startswith("^") for a in alternatives)


def _may_start(available: list[OutputParser]) -> Callable[[str], object] | None:
    """A test that is false for lines no parser's ``start`` matches: ``match`` for the anchored patterns,
    ``search`` for the others (the same answer as ``start_prefilter(available).search``, faster).
    None when the patterns cannot be merged."""
    parts = _merged_parts(available)
    if parts is None or not (parts[0] or parts[1]):
        return None
    try:
        anchored = re.compile("|".join(parts[0])).match if parts[0] else None
        other = re.compile("|".join(parts[1])).search if parts[1] else None
    except re.error:
        return None
    if anchored is None:
        return other
    if other is None:
        return anchored
    a, o = anchored, other
    return lambda line: a(line) or o(line)


def parse_lines(lines: Iterable[str], kinds: Iterable[str] | None = None) -> ParseResult:
    """Split text into recognised blocks and plain lines. Never raises on odd input."""
    # the parse makes many small objects and no reference cycles: the cyclic collector would only walk the
    # whole paste again and again (a third of the time on a 50 MB paste); it is back on when we return
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        return _parse_lines(lines, kinds)
    finally:
        if collecting:
            gc.enable()


def _parse_lines(lines: Iterable[str], kinds: Iterable[str] | None) -> ParseResult:
    text = [ln.rstrip("\r\n") for ln in lines]
    available = parsers()
    if kinds is not None:
        wanted = set(kinds)
        available = [p for p in available if p.kind in wanted]
    result = ParseResult()
    plain = result.plain
    blocks = result.blocks
    may_start = _may_start(available)
    commands = prompt_commands(text)
    command: str | None = None
    i = 0
    n = len(text)
    while i < n:
        line = text[i]
        cmd = commands[i]
        if cmd is not None:
            command = cmd
            plain.append((i + 1, line))
            i += 1
            continue
        claimed = False
        if line.strip() and len(line) <= MAX_LINE and (command or may_start is None or may_start(line)):
            for p in available:
                if not p.starts(line, command):
                    continue
                try:
                    end = p.block_end(text, i)
                    facts = p.parse(text[i:end]) if end > i else None
                except Exception:  # a parser bug on odd input must not lose the evidence
                    facts = None
                if facts is None or end <= i:
                    continue
                blocks.append(Block(p.kind, i + 1, end, facts, command))
                i = end
                claimed = True
                break
        if not claimed:
            plain.append((i + 1, line))
            i += 1
        if claimed or line.strip():
            command = None  # a prompt's command applies to the output right after it
    return result


def parse_text(text: str) -> ParseResult:
    return parse_lines(text.splitlines())
