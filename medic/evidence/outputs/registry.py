"""Find the command outputs in pasted text, parse them, and build the partial Snapshot they describe."""

from __future__ import annotations

import gc
import html
import importlib
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC

from medic.evidence.outputs.assemble import NEWEST_IN_PASTE, finish, newest_time
from medic.evidence.outputs.base import Block, OutputParser, prompt_commands
from medic.model import Snapshot

# modules that define parsers (each exposes PARSERS: list[OutputParser]); order matters only when two
# parsers could claim the same first line: the more specific comes first
MODULES = (
    "custom_columns",  # only after a ``kubectl get -o custom-columns=`` command whose header it is
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
    "console_events",  # before api_errors: a console row quoting a refusal is an event
    "api_errors",  # before go_dump: a klog Event(v1.ObjectReference{...}) line is an event, not a dump
    "go_dump",
    "event_messages",  # last: a message line alone, when no table or describe claimed it
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
    newest: str | None = None  # the newest absolute time in the recognised outputs (RFC 3339), if any

    def snapshot(self) -> Snapshot:
        """The partial snapshot the blocks describe (``meta.partial``: absence proves nothing); relative ages
        count from the paste's newest timestamp, unnamed objects are named after the paste's subject and
        an object pasted twice is one (``assemble``)."""
        snap = Snapshot(meta={"partial": True, "source": "pasted output"})
        if self.newest:
            snap.meta["collected_at"] = self.newest
            snap.meta["collected_at_source"] = NEWEST_IN_PASTE
        by_kind = {p.kind: p for p in parsers()}
        for b in self.blocks:
            parser = by_kind.get(b.kind)
            if parser is not None and b.facts is not None:
                try:
                    parser.apply(b.facts, snap)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
                    snap.meta.setdefault("apply_errors", []).append(
                        f"{b.kind} lines {b.start_line}-{b.end_line}: {exc!r}"
                    )
                    continue  # facts that do not fit a snapshot stay facts (the error is recorded)
        finish(snap)
        return snap


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
    """A test that is false for lines no parser's ``start`` matches, so most lines of a long paste are ruled
    out by one test instead of one per parser: ``match`` for the anchored patterns (no offset but the
    first can match them), ``search`` for the others.
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


_ENTITY = re.compile(r"&(?:nbsp|lt|gt|amp|quot|#\d{1,5});")
_QUOTE = re.compile(r"^(?:\s*>)+ ?")
# a whole line set in bold by its author (``**Warning  Unhealthy  49m ...**``): the markers are not output
_BOLD = re.compile(r"^(?P<margin>\s*)(?P<mark>\*\*|__)(?P<text>\S.*?\S|\S)(?P=mark)\s*$")


def _unbold(line: str) -> str:
    m = _BOLD.match(line) if ("**" in line or "__" in line) else None
    return m.group("margin") + m.group("text") if m else line


def unquote(lines: Iterable[str]) -> list[str]:
    """Lines as the terminal showed them: HTML entities a web page left (``&nbsp;``, ``&lt;none&gt;``)
    decoded, bold markers around a whole line removed, and the markers of a markdown quote (``> ``,
    ``> > ``) taken off every line of a run of two or more quoted lines (one line starting with ``>`` may
    be a prompt or a YAML folded scalar)."""
    out = [_unbold(html.unescape(ln).replace("\xa0", " ") if "&" in ln and _ENTITY.search(ln) else ln) for ln in lines]
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and out[j].lstrip().startswith(">"):
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                out[k] = _QUOTE.sub("", out[k], count=1)
        i = max(j, i + 1)
    return out


def parse_lines(lines: Iterable[str], kinds: Iterable[str] | None = None) -> ParseResult:
    """Split text into recognised blocks and plain lines. Never raises on odd input."""
    # the parse makes many small objects and no reference cycles: the cyclic collector would only walk the
    # whole paste again and again (a third of the time on a 50 MB paste); it is back on when we return
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        text = unquote(ln.rstrip("\r\n") for ln in lines)
        commands = prompt_commands(text)
        result = _parse_in_two(text, commands, kinds) or _parse_lines(text, commands, kinds)
        # Kubernetes outputs only: their relative ages ("3d", "5m ago") are what the reference converts; a
        # Helm release's own UPDATED time is no "now" (HYG704 measures how long it has been pending)
        newest = newest_time(
            ln for b in result.blocks if b.kind.startswith("kubectl") for ln in text[b.start_line - 1 : b.end_line]
        )
        if newest is not None:
            result.newest = newest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return result
    finally:
        if collecting:
            gc.enable()


# Start lines inside a block a parser could not read from which it is tried again: a broken first line
# before a good document is still found, while a paste of one start line repeated (``---``, ``kind: x``,
# each a YAML start) costs 4 reads of the block, not one per line (quadratic: 8 KB took a minute)
RETRIES = 3
PARALLEL_LINES = 400_000  # from about 20 MB of paste, the two halves are parsed by two processes
_FORKED: tuple[list[str], list[str | None], Iterable[str] | None, int] | None = None


def _parse_in_two(text: list[str], commands: list[str | None], kinds: Iterable[str] | None) -> ParseResult | None:
    """Parse a large paste in two processes, split at a prompt line near the middle (no block crosses a
    prompt line, so the halves are independent). None when it does not apply: small input, one CPU, no
    ``fork``, or other threads running (forking them is unsafe)."""
    global _FORKED
    if (
        len(text) < PARALLEL_LINES
        or (os.cpu_count() or 1) < 2
        or threading.active_count() > 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return None
    mid = len(text) // 2
    cut = next((i for i in range(mid, len(text)) if commands[i] is not None), None)
    if cut is None:
        cut = next((i for i in range(mid, 0, -1) if commands[i] is not None), None)
    if not cut:
        return None
    _FORKED = (text, commands, list(kinds) if kinds is not None else None, cut)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            second = pool.apply_async(_parse_second_half)
            first = _parse_lines(text[:cut], commands[:cut], kinds)
            rest: ParseResult = second.get()
    finally:
        _FORKED = None
    first.blocks.extend(rest.blocks)
    first.plain.extend(rest.plain)
    return first


def _parse_second_half() -> ParseResult:
    assert _FORKED is not None
    text, commands, kinds, cut = _FORKED
    part = _parse_lines(text[cut:], commands[cut:], kinds)
    for b in part.blocks:
        b.start_line += cut
        b.end_line += cut
    part.plain = [(n + cut, line) for n, line in part.plain]
    return part


def _parse_lines(text: list[str], commands: list[str | None], kinds: Iterable[str] | None) -> ParseResult:
    available = parsers()
    if kinds is not None:
        wanted = set(kinds)
        available = [p for p in available if p.kind in wanted]
    result = ParseResult()
    plain = result.plain
    blocks = result.blocks
    may_start = _may_start(available)
    # parser kind → (end of its last refused multi-line block, tries left inside it)
    refused: dict[str, tuple[int, int]] = {}
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
                last = refused.get(p.kind)
                if last is not None and i < last[0] and last[1] <= 0:
                    continue  # inside a block it could not read, and tried again often enough
                end = i
                try:
                    end = p.block_end(text, i)
                    facts = p.parse(text[i:end]) if end > i else None
                except Exception:  # a parser bug on odd input must not lose the evidence
                    facts = None
                if facts is None or end <= i:
                    if end > i + 1:
                        inside = last is not None and i < last[0]
                        refused[p.kind] = (last[0], last[1] - 1) if last and inside else (end, RETRIES)
                    continue
                # a block never runs over a prompt line (what follows is the next command's output)
                cut = next((j for j in range(i + 1, end) if commands[j] is not None), None)
                if cut is not None:
                    end = cut
                    try:
                        facts = p.parse(text[i:end])
                    except Exception:
                        facts = None
                    if facts is None:
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
