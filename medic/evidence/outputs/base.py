"""What every output parser is: a kind, how its block starts and ends, its facts, and what it adds to a Snapshot.

A parser recognises its output inside mixed text. ``start`` matches the first line of a block (a table
header, or a line no other output has); after a prompt line whose command matches ``command`` the block
may also start without that line (``kubectl get --no-headers``). ``block_end`` says where the block stops
(by default: the first blank line, prompt line or line that does not fit). ``parse`` turns the block's
lines into JSON-able facts, ``apply`` adds them to a partial Snapshot so the checks can run on them.
Parsers never raise on odd input: ``parse`` returns what it could read, and a block it cannot read at all
(``None`` facts) falls back to plain lines.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from medic.evidence import prompt as _prompt
from medic.model import Snapshot

# one prompt module for every parser (re-exported: parsers import these names from here)
PROMPT = _prompt.PROMPT
prompt_command = _prompt.prompt_command
prompt_commands = _prompt.prompt_commands


@dataclass
class Block:
    """One recognised output: its kind, 1-based inclusive line range and facts."""

    kind: str
    start_line: int
    end_line: int
    facts: Any
    command: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start_line": self.start_line, "end_line": self.end_line, "facts": self.facts}


class OutputParser:
    """Base class; subclasses set ``kind`` and ``start`` and implement ``parse`` and ``apply``."""

    kind: ClassVar[str] = ""
    start: ClassVar[re.Pattern[str]]
    command: ClassVar[re.Pattern[str] | None] = None
    max_lines: ClassVar[int] = 100_000

    def starts(self, line: str, command: str | None) -> bool:
        """Whether a block may start at this line (after the prompt command, when there was one)."""
        if self.start.search(line):
            return True
        return bool(command and self.command is not None and self.command.search(command))

    def continues(self, line: str, first: str) -> bool:
        """Whether ``line`` still belongs to the block that started with ``first`` (default: not blank)."""
        return bool(line.strip())

    def block_end(self, lines: Sequence[str], start: int) -> int:
        """Index one past the block's last line. The default: until a blank or prompt line."""
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        while end < limit and prompt_command(lines[end]) is None and self.continues(lines[end], lines[start]):
            end += 1
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        raise NotImplementedError

    def apply(self, facts: Any, snap: Snapshot) -> None:
        """Add the facts to a partial snapshot (Kubernetes objects or host facts). Default: nothing."""


_COLUMN = re.compile(r"\S+(?: (?=[A-Z(%])\S+)*")


def next_text(lines: Sequence[str], blank: int, within: int = 2) -> str:
    """The first non-blank line among the ``within`` lines after a blank one ('' when none): what decides
    whether a blank line inside a block is a pause or its end."""
    return next((ln for ln in lines[blank + 1 : blank + 1 + within] if ln.strip()), "")


def split_columns(header: str) -> list[tuple[str, int]]:
    """(name, start offset) of each column of a fixed-width table header (words separated by 2+ spaces,
    or single spaces between upper-case header words as kubectl and docker print them)."""
    return list(_split_columns(header))


@functools.lru_cache(maxsize=1024)  # a paste repeats the same few headers
def _split_columns(header: str) -> tuple[tuple[str, int], ...]:
    return tuple((m.group(0), m.start()) for m in _COLUMN.finditer(header))


def cut_row(row: str, cols: list[tuple[str, int]]) -> dict[str, str]:
    """Cells of a fixed-width row by the header's column offsets; the last column takes the rest.

    Falls back to whitespace splitting when the row is not aligned with the header (re-typed or
    re-flowed pastes): the first N-1 cells are words and the last takes the rest.
    """
    out: dict[str, str] = {}
    aligned = all(o == 0 or o > len(row) or row[o - 1] == " " for _, o in cols[1:])
    if aligned:
        for i, (name, off) in enumerate(cols):
            end = cols[i + 1][1] if i + 1 < len(cols) else len(row)
            out[name] = row[off:end].strip()
        if all(v for v in out.values()) or not row.strip():
            return out
    words = row.split(None, len(cols) - 1)
    for i, (name, _) in enumerate(cols):
        out[name] = words[i] if i < len(words) else ""
    return out
