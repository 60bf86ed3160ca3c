"""Output hygiene, in one place: data is shown, never obeyed.

Object names, event messages, log lines and runbook text come from systems we do not trust. Printed raw,
an escape sequence rewrites the terminal (``ESC ] 0 ; title BEL``, ``ESC [ 2 J``, the 8-bit CSI ``\\x9b``),
a bidi override reorders what the reader sees (``U+202E``), Rich markup in a name restyles or links the
line, raw HTML in a Markdown report runs in a browser, and a stray ``ESC`` makes JUnit invalid XML.

- ``printable(text)``: C0 controls but tab and newline, DEL, C1 controls and bidi controls shown as
  visible escapes (``\\x1b``, ``\\x9b``, ``\\u202e``). One scan with a character class: linear.
- ``term(text)``: ``printable`` then Rich markup escaped: for anything printed through a Rich console.
- ``dumps(obj)``: JSON text with the same values, but C1/DEL/bidi characters and lone surrogates written
  as ``\\uXXXX`` escapes, so printing JSON cannot drive the terminal either (JSON escapes C0 itself).
- ``md(text)``: ``printable``, then Markdown punctuation backslash-escaped and ``<``, ``>``, ``&`` as
  entities: no raw HTML, no link, image, code span or table cell break can come from data.
- ``html_text(text)``: ``printable``, then HTML-escaped (quotes too, for attributes).
- ``xml_text(text)``: ``printable``, then what XML 1.0 does not allow (surrogates, U+FFFE/U+FFFF) escaped.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from rich.markup import escape as _rich_escape

# bidi embedding/override/isolate controls (the "Trojan Source" set) and the invisible direction marks
BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)):
        if c not in (0x09, 0x0A):  # tab and newline lay text out; every other control is an instruction
            table[c] = f"\\x{c:02x}"
    for c in BIDI:
        table[c] = f"\\u{c:04x}"
    return table


_PRINTABLE = _table()
# characters json.dumps(ensure_ascii=False) leaves raw that a terminal would still obey or a UTF-8
# encoder refuses (lone surrogates): written as JSON escapes, which decode to the very same string
_JSON = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), *BIDI, *range(0xD800, 0xE000))}
# not allowed in XML 1.0 once printable() has run: surrogates and the two non-characters
_XML = {c: f"\\u{c:04x}" for c in (*range(0xD800, 0xE000), 0xFFFE, 0xFFFF)}
# what makes inline markup, links, images, code spans and table cells (line-start markers such as "#" or
# "-" need no escape: data never starts a line in our reports)
_MD_SPECIAL = "\\`*_[]()|~"
_MD = {
    **{ord(ch): "\\" + ch for ch in _MD_SPECIAL},
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    ord("&"): "&amp;",
    ord("\n"): " ",
    ord("\r"): " ",
}


def _pattern(table: dict[int, str]) -> re.Pattern[str]:
    """One character class of the table's keys: a single left-to-right scan, no backtracking."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")


def _replacer(table: dict[int, str]) -> Any:
    """The table's substitution, its pattern compiled on first use (``medic --help`` never pays for the
    surrogate classes)."""
    get = table.__getitem__
    compiled: list[re.Pattern[str]] = []

    def replace(text: str) -> str:
        if not compiled:
            compiled.append(_pattern(table))
        return compiled[0].sub(lambda m: get(ord(m.group())), text)

    return replace


# re.sub calls back only where a character must change: plain text is scanned at memchr-like speed, where
# str.translate with a dict costs a lookup per character
_printable, _json, _xml, _md = (_replacer(t) for t in (_PRINTABLE, _JSON, _XML, _MD))


def printable(text: object) -> str:
    """The text with every control character a terminal would act on shown as a visible escape."""
    out: str = _printable(str(text))
    return out


def term(text: object) -> str:
    """Safe to interpolate into a Rich markup string: controls shown, markup (``[bold]``...) escaped."""
    return _rich_escape(printable(text))


def dumps(obj: Any, indent: int | None = 2, **kwargs: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False)``, with C1/DEL/bidi controls and lone surrogates escaped."""
    out: str = _json(json.dumps(obj, ensure_ascii=False, indent=indent, **kwargs))
    return out


def md(text: object) -> str:
    """Plain text for Markdown (a paragraph or a table cell): nothing in it is markup or HTML."""
    out: str = _md(printable(text))
    return out


def html_text(text: object) -> str:
    """Text for an HTML element or a quoted attribute."""
    return html.escape(printable(text), quote=True)


def xml_text(text: object) -> str:
    """Text XML 1.0 accepts (ElementTree escapes ``<``, ``&``, quotes itself)."""
    out: str = _xml(printable(text))
    return out
