"""Markdown runbooks → sections, with markdown-it-py (CommonMark + tables + front matter)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from medic.knowledge.document import Block, ParsedDocument, RawSection, clean_heading, slugify

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(front_matter_plugin)


def _front_matter_title(content: str) -> str:
    for line in content.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "title":
            return value.strip().strip("\"'")
    return ""


_HTML_TAGS = frozenset(
    "a abbr b br code del details div em font h1 h2 h3 h4 h5 h6 hr i img ins kbd li ol p pre s small span strong "
    "sub summary sup table tbody td th thead tr u ul".split()
)


def _is_placeholder(html: str) -> bool:
    """``<namespace>``, ``<pod name>``, ``<クラスタ名>``: a runbook placeholder, not an HTML tag."""
    inner = html[1:-1].strip().lstrip("/")
    name = inner.split(None, 1)[0].lower() if inner else ""
    return bool(inner) and "=" not in inner and name not in _HTML_TAGS


def _inline_text(tok: Token) -> str:
    """Inline content as a reader sees it: images dropped, HTML tags stripped, code kept in backticks."""
    parts: list[str] = []
    for child in tok.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "html_inline":
            if _is_placeholder(child.content):
                parts.append(child.content)
        elif child.type == "code_inline":
            parts.append(f"`{child.content}`")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            continue
    return "".join(parts).strip()


def parse_markdown(text: str) -> ParsedDocument:
    tokens = _MD.parse(text)
    line_count = text.count("\n") + 1
    doc_title = ""
    preamble: list[Block] = []
    sections: list[RawSection] = []
    list_stack: list[list[int]] = []  # per open list: [ordered?, next number]
    pending_prefix = ""
    i = 0

    def add(block: Block) -> None:
        (sections[-1].blocks if sections else preamble).append(block)

    while i < len(tokens):
        tok = tokens[i]
        line = (tok.map[0] + 1) if tok.map else 0
        if tok.type == "front_matter":
            doc_title = _front_matter_title(tok.content)
        elif tok.type == "heading_open":
            inline = tokens[i + 1]
            title, anchor = clean_heading(inline.content)
            level = int(tok.tag[1])
            sections.append(RawSection(level=level, title=title, anchor=anchor or slugify(title), line=line))
            i += 3
            continue
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrs.get("start", 1) or 1) if tok.type == "ordered_list_open" else 0
            list_stack.append([1 if tok.type == "ordered_list_open" else 0, start])
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            if list_stack:
                list_stack.pop()
        elif tok.type == "list_item_open" and list_stack:
            ordered, number = list_stack[-1]
            indent = "  " * (len(list_stack) - 1)
            pending_prefix = f"{indent}{number}. " if ordered else f"{indent}- "
            if ordered:
                list_stack[-1][1] += 1
        elif tok.type == "inline":
            content = _inline_text(tok)
            if content:
                prefix = pending_prefix
                if not prefix and list_stack:
                    prefix = "  " * len(list_stack)
                pending_prefix = ""
                add(Block(text=prefix + content, line=line))
        elif tok.type in ("fence", "code_block"):
            info = tok.info.strip().split()[0] if tok.info.strip() else ""
            add(Block(text=tok.content.rstrip("\n"), line=line, code=True, lang=info.rstrip(":").lower()))
            pending_prefix = ""
        elif tok.type == "html_block":
            content = clean_heading(tok.content)[0]
            if content:
                add(Block(text=content, line=line))
        i += 1

    for idx, sec in enumerate(sections):
        sec.end_line = sections[idx + 1].line - 1 if idx + 1 < len(sections) else line_count
    return ParsedDocument(fmt="markdown", title=doc_title, preamble=preamble, sections=sections, line_count=line_count)
