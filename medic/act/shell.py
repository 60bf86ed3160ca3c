"""A shell line as data: simple commands with their words, assignments and redirections (via ``bashlex``).

``parse_line(text)`` returns every simple command of the line in order — those of pipelines, ``&&``/``;``
lists, subshells, ``{ ...; }`` groups, loops and conditionals, and those inside ``$(...)``, backticks and
``<(...)``/``>(...)`` — each with where it came from. Words keep what the classifier must know about them:
their text after quote removal, whether part of them is computed when the line runs (a parameter, a
substitution or a glob) and, if so, whether that part may split into several words or make the word start
with ``-`` (and so turn it into an option). Constructs the classifier cannot reason about (a function
definition, a parameter expansion that assigns) are listed as ``problems``. A line ``bashlex`` cannot parse
raises :class:`ShellSyntax`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import bashlex
import bashlex.errors


class ShellSyntax(ValueError):
    """The line is not shell the parser understands."""


@dataclass(frozen=True)
class Word:
    """One word of a command, after quote removal (``text``), and what is decided only when it runs."""

    text: str
    dynamic: bool = False  # holds a parameter, a substitution or an unquoted glob
    splits: bool = False  # an unquoted expansion: one word may become several
    may_dash: bool = False  # nothing literal before the first expansion: it may start with "-"
    raw: str = ""


@dataclass(frozen=True)
class Redirect:
    op: str  # >, >>, >|, &>, >&, <>, <, <<, <<<
    target: Word | None  # None for a descriptor (2>&1, >&-)
    fd: int | None = None


@dataclass
class SimpleCommand:
    """``NAME=value ... word word ... >target`` and where it sits (``top``, ``substitution``, ``process``)."""

    assignments: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    origin: str = "top"
    source: str = ""

    @property
    def argv(self) -> list[str]:
        return [w.text for w in self.words]


@dataclass
class ParsedLine:
    commands: list[SimpleCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    loop_variables: list[str] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)  # source text of each $(...), `...`, <(...)


_GLOB = set("*?[")
_BRACE = re.compile(r"\{[^{}\s]*(,|\.\.)[^{}\s]*\}")
# a runbook step is a line or a few (under 1 KiB); 16 KiB keeps the parser (linear, ~0.1 ms a word) near 1 s
MAX_LINE = 16384
_ASSIGNING_EXPANSION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:?[=?]")


def _scan_word(raw: str) -> Word:
    """Where the expansions of a word sit: quoted or not, first or after literal text.

    Expansions are ``$NAME``, ``${...}``, ``$(...)``, backticks, ``$'...'``/``$"..."`` (decoded by the shell,
    so their text is not what runs), unquoted globs and brace expansion (``{a,b}``, ``{1..3}``, which
    makes several words).
    """
    quote = ""
    literal_before = False
    dynamic = splits = may_dash = False

    def mark(split: bool) -> None:
        nonlocal dynamic, splits, may_dash, literal_before
        dynamic = True
        splits = splits or split
        may_dash = may_dash or not literal_before
        literal_before = True  # what follows comes after this expansion

    i = 0
    while i < len(raw):
        c = raw[i]
        if quote == "'":
            if c == "'":
                quote = ""
            else:
                literal_before = True
            i += 1
            continue
        if c == "\\" and i + 1 < len(raw):
            literal_before = True
            i += 2
            continue
        if c == '"':
            quote = "" if quote == '"' else '"'
            i += 1
            continue
        if c == "'" and not quote:
            quote = "'"
            i += 1
            continue
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if c == "$" and not quote and nxt in ("'", '"'):
            mark(False)
            i += 1
            continue
        if (c == "$" and (nxt.isalnum() or nxt in "_{(@*#?$!-")) or c == "`":
            mark(not quote)
            i += 1
            continue
        if not quote and c in _GLOB and (c != "[" or "]" in raw[i + 1 :]):
            mark(False)
            i += 1
            continue
        if not quote and c == "{" and _BRACE.match(raw, i):
            mark(True)
            i += 1
            continue
        literal_before = True
        i += 1
    return Word(text="", dynamic=dynamic, splits=splits, may_dash=may_dash, raw=raw)


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out = ParsedLine()

    def word(self, node: Any, origin: str) -> Word:
        for part in getattr(node, "parts", []) or []:
            self.expansion(part, origin)
        start, end = node.pos
        scanned = _scan_word(self.text[start:end])
        return Word(
            text=node.word,
            dynamic=scanned.dynamic,
            splits=scanned.splits,
            may_dash=scanned.may_dash,
            raw=scanned.raw,
        )

    def expansion(self, part: Any, origin: str) -> bool:
        kind = part.kind
        if kind in ("commandsubstitution", "processsubstitution"):
            start, end = part.pos
            self.out.substitutions.append(self.text[start:end])
            self.node(part.command, "substitution" if kind == "commandsubstitution" else "process")
            return True
        if kind == "parameter":
            if "`" in part.value or "$(" in part.value or "$[" in part.value or "<(" in part.value:
                # bashlex does not parse a substitution inside ${X:-...}: it may run anything
                self.out.problems.append(f"${{{part.value}}} runs a command the parser cannot read")
            if _ASSIGNING_EXPANSION.match(part.value):
                name = re.split(r"[:=?]", part.value, maxsplit=1)[0]
                self.out.problems.append(f"${{{part.value}}} assigns {name} while the line runs")
            return True
        if kind == "tilde":
            return False
        found = False
        for sub in getattr(part, "parts", []) or []:
            found = self.expansion(sub, origin) or found
        return found

    def redirect(self, node: Any, origin: str) -> Redirect:
        target = node.output
        fd = node.input if isinstance(getattr(node, "input", None), int) else None
        if isinstance(target, (int, str)) or target is None:
            return Redirect(op=node.type, target=None, fd=fd)
        heredoc = getattr(node, "heredoc", None)
        if heredoc is not None:
            start, end = target.pos
            quoted = any(q in self.text[start:end] for q in "'\"\\")
            if not quoted and re.search(r"\$[({A-Za-z_]|`", heredoc.value):
                self.out.problems.append("a here-document expands parameters or runs commands")
            return Redirect(op=node.type, target=None, fd=fd)
        return Redirect(op=node.type, target=self.word(target, origin), fd=fd)

    def node(self, node: Any, origin: str) -> None:
        kind = node.kind
        if kind == "command":
            cmd = SimpleCommand(origin=origin, source=self.text[node.pos[0] : node.pos[1]])
            for part in node.parts:
                if part.kind == "assignment":
                    name, _, _ = part.word.partition("=")
                    cmd.assignments.append((name.rstrip("+"), self.word(part, origin)))
                elif part.kind == "word":
                    cmd.words.append(self.word(part, origin))
                elif part.kind == "redirect":
                    cmd.redirects.append(self.redirect(part, origin))
                else:
                    self.node(part, origin)
            self.out.commands.append(cmd)
            return
        if kind == "function":
            self.out.problems.append("defines a shell function")
            return
        if kind == "for":
            words = [p for p in node.parts if p.kind == "word"]
            if words:
                self.out.loop_variables.append(words[0].word)
                for w in words[1:]:
                    self.word(w, origin)
        for attr in ("parts", "list"):
            for child in getattr(node, attr, []) or []:
                if child.kind in ("reservedword", "operator", "pipe", "word"):
                    continue
                self.node(child, origin)
        for r in getattr(node, "redirects", []) or []:
            # a redirection of a whole loop or group applies to every command in it
            red = self.redirect(r, origin)
            self.out.commands.append(SimpleCommand(redirects=[red], origin=origin, source=""))


def parse_line(text: str) -> ParsedLine:
    """The simple commands of one shell line (see the module docstring)."""
    if "\x00" in text:
        raise ShellSyntax("a NUL byte in the command")
    if len(text) > MAX_LINE:
        raise ShellSyntax(f"longer than {MAX_LINE} characters")
    try:
        trees = bashlex.parse(text)
    except RecursionError as e:
        raise ShellSyntax("nested too deeply") from e
    except bashlex.errors.ParsingError as e:
        raise ShellSyntax(str(e).split("\n", 1)[0][:100]) from e
    except NotImplementedError as e:  # case, coproc, time, $((...)): bashlex does not read them
        raise ShellSyntax(f"not supported by the parser: {str(e).split(',', 1)[0][:60]}") from e
    except Exception as e:  # bashlex raises AssertionError, IndexError... on odd input
        raise ShellSyntax(f"{type(e).__name__}: {str(e).split(chr(10), 1)[0][:60]}") from e
    walker = _Walker(text)
    try:
        for tree in trees:
            walker.node(tree, "top")
    except RecursionError as e:
        raise ShellSyntax("nested too deeply") from e
    return walker.out
