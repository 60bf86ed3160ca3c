"""reStructuredText runbooks → sections, with docutils.

docutils measures East Asian wide characters as two columns, so a Japanese or Korean title whose
underline was drawn one mark per character is "too short": with fewer than four marks docutils
silently keeps it as a paragraph. ``widen_cjk_adornments`` lengthens such adornments (keeping line
numbers) before docutils sees the text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from docutils import nodes
from docutils.core import publish_doctree
from docutils.utils import SystemMessage

from medic.errors import InputError
from medic.knowledge.document import Block, ParsedDocument, RawSection, slugify

_ADORNMENT = re.compile(r"""^([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])\1+\s*$""")
_SETTINGS: dict[str, Any] = {
    "report_level": 5,
    "halt_level": 5,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "doctitle_xform": False,
    "sectsubtitle_xform": False,
    "input_encoding": "unicode",
    "warning_stream": False,
    "syntax_highlight": "none",
}


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def widen_cjk_adornments(text: str) -> str:
    """Lengthen title adornments that cover the title's characters but not its display width."""
    lines = text.split("\n")
    for i in range(1, len(lines)):
        m = _ADORNMENT.match(lines[i])
        title = lines[i - 1].rstrip()
        if not m or not title.strip() or _ADORNMENT.match(title) or title[:1].isspace():
            continue
        mark, length = m.group(1), len(lines[i].rstrip())
        width = display_width(title)
        if len(title) <= length < width:
            lines[i] = mark * width
            # an overline of the same mark above the title is widened too
            if i >= 2 and re.fullmatch(re.escape(mark) + "+", lines[i - 2].strip() or "x"):
                lines[i - 2] = mark * width
    return "\n".join(lines)


def _text_of(node: nodes.Node) -> str:
    return re.sub(r"[ \t]+", " ", node.astext()).strip()


def _blocks_of(node: nodes.Element, out: list[Block], depth: int = 0) -> None:
    """Collect prose and literal blocks of a section body (sub-sections excluded)."""
    for child in node.children:
        if isinstance(child, nodes.section):
            continue
        line = child.line or 0 if isinstance(child, nodes.Element) else 0
        if isinstance(child, (nodes.literal_block, nodes.doctest_block)):
            classes: list[str] = child.get("classes", [])
            lang = next((c for c in classes if c != "code"), "")
            out.append(Block(text=child.astext().rstrip("\n"), line=line, code=True, lang=lang))
        elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
            ordered = isinstance(child, nodes.enumerated_list)
            for n, item in enumerate(child.children, start=int(child.get("start", 1) or 1)):
                first = True
                sub: list[Block] = []
                if isinstance(item, nodes.Element):
                    _blocks_of(item, sub, depth + 1)
                for b in sub:
                    if not b.code and first:
                        b.text = ("  " * depth) + (f"{n}. " if ordered else "- ") + b.text
                        first = False
                    out.append(b)
        elif isinstance(child, nodes.Admonition) and isinstance(child, nodes.Element):
            sub = []
            _blocks_of(child, sub, depth)
            kind = str(child.tagname).capitalize()
            for b in sub:
                if not b.code:
                    b.text = f"{kind}: {b.text}"
                out.append(b)
        elif isinstance(
            child,
            (
                nodes.paragraph,
                nodes.line_block,
                nodes.definition_list,
                nodes.field_list,
                nodes.table,
                nodes.block_quote,
            ),
        ):
            if isinstance(child, nodes.block_quote):
                _blocks_of(child, out, depth)
            else:
                text = _text_of(child)
                if text:
                    out.append(Block(text=text, line=line))
        elif isinstance(
            child, (nodes.title, nodes.system_message, nodes.comment, nodes.target, nodes.substitution_definition)
        ):
            continue
        elif isinstance(child, nodes.Element):
            _blocks_of(child, out, depth)


def _title_line(title: nodes.title, lines: list[str]) -> int:
    """1-based line of a section title's text (docutils reports the underline's line)."""
    line = title.line or 0
    if line >= 2 and _ADORNMENT.match(lines[line - 1] if line - 1 < len(lines) else ""):
        return line - 1
    return max(line, 1)


def parse_rst(text: str) -> ParsedDocument:
    prepared = widen_cjk_adornments(text)
    try:
        doctree = publish_doctree(prepared, settings_overrides=_SETTINGS)
    except (SystemMessage, ValueError, AttributeError, IndexError) as exc:  # docutils' own failures
        raise InputError(f"reStructuredText could not be parsed: {exc}") from None
    lines = prepared.split("\n")
    sections: list[RawSection] = []
    preamble: list[Block] = []
    _blocks_of(doctree, preamble)

    def walk(node: nodes.Element, level: int) -> None:
        for child in node.children:
            if isinstance(child, nodes.section):
                title = child.next_node(nodes.title)
                title_text = _text_of(title) if title is not None else ""
                ids: list[str] = child.get("ids", [])
                names: list[str] = child.get("names", [])
                sec = RawSection(
                    level=level,
                    title=title_text,
                    anchor=(names[0] if names else (ids[0] if ids else slugify(title_text))),
                    line=_title_line(title, lines) if title is not None else 1,
                )
                _blocks_of(child, sec.blocks)
                sections.append(sec)
                walk(child, level + 1)

    walk(doctree, 1)
    line_count = text.count("\n") + 1
    for idx, sec in enumerate(sections):
        sec.end_line = sections[idx + 1].line - 1 if idx + 1 < len(sections) else line_count
    return ParsedDocument(fmt="rst", title="", preamble=preamble, sections=sections, line_count=line_count)
