"""A console whose output can be copied: no line is ever broken inside a token.

Rich hard-wraps at the console width (80 columns when stdout is a pipe), which breaks commands and flags in
the middle (``-XX:MaxRAMPercentage=7`` / ``5``). :class:`CopyConsole` prints every line of text whole when
stdout is not a terminal (CI logs, ``| grep``, ``| less``); in a terminal a line longer than the width is
folded at spaces only, each folded piece ending in the continuation marker `` \\`` (so a folded shell command
still pastes as one command) and the next piece indented under it. A token longer than the width is never
cut: it overflows and the terminal shows it as it likes.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text

MARKER = " \\"  # shell line continuation: a folded command pastes as one command
INDENT = 4  # continuation pieces are indented this much deeper than the line they continue


def fold_points(plain: str, width: int) -> list[tuple[int, int]]:
    """Where to cut ``plain`` so that each piece plus the marker fits ``width`` cells, at spaces only:
    (start, end) of each piece, spaces between pieces dropped. A piece holds at least one whole token."""
    lead = len(plain) - len(plain.lstrip(" "))
    if width <= 0 or cell_len(plain) <= width:
        return [(0, len(plain))]
    pieces: list[tuple[int, int]] = []
    start = 0
    room = width - len(MARKER)
    cont = lead + INDENT
    while True:
        rest = plain[start:]
        if cell_len(rest) <= room + len(MARKER):  # the rest fits without a marker
            pieces.append((start, len(plain)))
            return pieces
        first = start + (lead if not pieces else 0)
        cut = -1
        pos = plain.find(" ", first)
        while pos != -1 and cell_len(plain[start:pos]) <= room:
            cut = pos
            pos = plain.find(" ", pos + 1)
        if cut == -1:  # a token longer than the room: kept whole, cut at the space after it
            if pos == -1:
                pieces.append((start, len(plain)))
                return pieces
            cut = pos
        end = cut
        while end > start and plain[end - 1] == " ":
            end -= 1
        pieces.append((start, end))
        start = cut
        while start < len(plain) and plain[start] == " ":
            start += 1
        if start >= len(plain):
            return pieces
        room = width - cont - len(MARKER)


def fold(line: Text, width: int) -> list[Text]:
    """``line`` (one line, styled) folded for ``width`` columns: pieces after the first indented, all but the
    last ending in the marker."""
    plain = line.plain
    points = fold_points(plain, width)
    if len(points) == 1:
        return [line]
    lead = len(plain) - len(plain.lstrip(" "))
    out: list[Text] = []
    for n, (start, end) in enumerate(points):
        piece = Text(" " * (lead + INDENT)) if n else Text()
        piece.append_text(line[start:end])
        if n < len(points) - 1:
            piece.append(MARKER, style="dim")
        out.append(piece)
    return out


class CopyConsole(Console):
    """A Rich console that never hard-wraps a pipe and folds terminal lines at spaces only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("highlight", False)
        kwargs.setdefault("emoji", False)  # data is never markup, emoji codes included
        kwargs["soft_wrap"] = True
        super().__init__(**kwargs)

    def print(self, *objects: Any, style: str | Style | None = None, markup: bool | None = None, **kwargs: Any) -> None:
        if len(objects) != 1 or not isinstance(objects[0], str | Text) or kwargs:
            super().print(*objects, style=style, markup=markup, **kwargs)
            return
        obj = objects[0]
        if isinstance(obj, str):
            use_markup = self._markup if markup is None else markup
            text = Text.from_markup(obj, emoji=False) if use_markup else Text(obj)
        else:
            text = obj.copy()
        if style is not None:
            text.stylize(style)
        text.end = ""
        for line in text.split("\n", allow_blank=True):
            pieces = fold(line, self.width) if self.is_terminal else [line]
            for piece in pieces:
                super().print(piece, soft_wrap=True, crop=False)

    def heading(self, title: str) -> None:
        """A title line (markup): ``── title ──…`` filled to the width in a terminal; never cut."""
        text = Text.from_markup(title, emoji=False) if self._markup else Text(title)
        line = Text("── ", style="dim")
        line.append_text(text)
        fill = self.width - cell_len(line.plain) - 1
        if self.is_terminal and fill > 0:
            line.append(" " + "─" * fill, style="dim")
        self.print(line)


def clip_words(text: str, limit: int) -> str:
    """``text`` shortened to about ``limit`` characters at a space, `` …`` marking the cut: a quoted log line
    can be megabytes, but no token is cut in half (a single token longer than four times the limit is the
    exception: it is data, not a command)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    if cut <= 0:
        cut = text.find(" ", limit)
        if cut == -1 or cut > 4 * limit:
            return text if len(text) <= 4 * limit else text[: 4 * limit] + " …"
    return text[:cut].rstrip() + " …"
