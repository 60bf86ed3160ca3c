"""The shape both runbook parsers produce: a flat list of heading sections with their blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_RE_HTML_ANCHOR = re.compile(r"""<a\s+(?:[^>]*?\s)?(?:id|name)\s*=\s*["']([^"']+)["'][^>]*>\s*(?:</a>)?""", re.I)
_RE_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_RE_ATTR_ANCHOR = re.compile(r"\s*\{#([\w.:-]+)\}\s*$")
_RE_SLUG_DROP = re.compile(r"[^\w\- ]+", re.UNICODE)


# Overview pages (README, _index, a table of contents) name every problem of a folder once: search ranks them
# lower (search.OVERVIEW_PRIOR), the ranking model has them as an input, and they are never a built-in entry's twin.
OVERVIEW_NAMES = frozenset({"readme", "_index", "index", "summary", "toc", "contents"})


def _path_parts(source: str) -> list[str]:
    """The folders and the file name of a source, lower-cased (a built-in source ``builtin:NAME`` is its NAME)."""
    return source.replace("\\", "/").rsplit(":", 1)[-1].lower().split("/")


def is_overview(source: str) -> bool:
    """An overview page, by its file name (a built-in source ``builtin:NAME`` too)."""
    return _path_parts(source)[-1].rsplit(".", 1)[0] in OVERVIEW_NAMES


# Files beside runbooks that are not runbooks: licences, change logs, credits, lists of sources, contribution
# guides. They stay searchable (`medic search`), but triage never offers them as the explanation of evidence and
# they are never a built-in entry's twin: a licence or a change log names errors without explaining them.
REFERENCE_NAMES = frozenset(
    {
        "license", "licence", "copying", "notice", "changelog", "changes", "history", "news", "release-notes",
        "release_notes", "releasenotes", "authors", "contributors", "credits", "sources", "contributing",
        "code_of_conduct", "code-of-conduct", "codeowners", "maintainers",
    }
)  # fmt: skip
REFERENCE_FOLDERS = frozenset({"licenses", "licences", "license", "licence", "changelogs", "release-notes"})


def is_reference(source: str) -> bool:
    """A licence, change log, credits or sources file (by its name, or a folder of licences or change logs)."""
    parts = _path_parts(source)
    return parts[-1].split(".", 1)[0] in REFERENCE_NAMES or any(p in REFERENCE_FOLDERS for p in parts[:-1])


@dataclass
class Block:
    """A piece of section content: prose (``code`` false) or a code block with its info language."""

    text: str
    line: int
    code: bool = False
    lang: str = ""


@dataclass
class RawSection:
    """One heading and the blocks up to the next heading (of any level)."""

    level: int
    title: str
    anchor: str
    line: int
    end_line: int = 0
    blocks: list[Block] = field(default_factory=list)


@dataclass
class ParsedDocument:
    """A runbook file as sections; ``preamble`` holds the blocks before the first heading."""

    fmt: str
    title: str
    preamble: list[Block]
    sections: list[RawSection]
    line_count: int


def clean_heading(raw: str) -> tuple[str, str]:
    """Title text without HTML and the anchor it declares (``<a id=...>`` or ``{#id}``), if any."""
    anchor = ""
    m = _RE_HTML_ANCHOR.search(raw)
    if m:
        anchor = m.group(1)
    m2 = _RE_ATTR_ANCHOR.search(raw)
    if m2:
        anchor = anchor or m2.group(1)
        raw = raw[: m2.start()]
    title = _RE_HTML_TAG.sub("", _RE_HTML_ANCHOR.sub("", raw))
    title = re.sub(r"\s+", " ", title).strip()
    return title, anchor


def slugify(title: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens (CJK kept)."""
    return _RE_SLUG_DROP.sub("", title.lower()).strip().replace(" ", "-")
