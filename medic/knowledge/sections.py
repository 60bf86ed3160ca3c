"""Parsed sections → Entries: hierarchy, heading paths, roles, parts, tags, language, code blocks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from medic.knowledge.codeblocks import classify, guess_lang
from medic.knowledge.document import Block, ParsedDocument, RawSection
from medic.knowledge.roles import ROLE_KEYWORDS, heading_role
from medic.knowledge.text import detect_language
from medic.model import CodeBlock, Entry, PartRef, Role

# "!keyword" search tags (seed 003 style): a prose line made only of "!tag" items.
_TAG_LINE = re.compile(r"^\s*(?:>\s*)?!\S")
_TAG_SPLIT = re.compile(r"\s+!(?=\S)")


def parse_tag_line(line: str) -> list[str]:
    """``!resourceQuota !quota`` → two tags; ``!authentication 정보`` → one tag of two words."""
    text = line.strip().lstrip(">").strip()
    if not text.startswith("!"):
        return []
    return [t.strip() for t in _TAG_SPLIT.split(text[1:]) if t.strip()]


def split_tags(prose: list[str]) -> tuple[list[str], list[str]]:
    """Separate tag lines from the other prose lines."""
    tags: list[str] = []
    kept: list[str] = []
    for block in prose:
        rest: list[str] = []
        for line in block.split("\n"):
            if _TAG_LINE.match(line):
                tags.extend(t for t in parse_tag_line(line) if t not in tags)
            else:
                rest.append(line)
        text = "\n".join(rest).strip()
        if text:
            kept.append(text)
    return tags, kept


def entry_id(source_key: str, path: list[str], ordinal: int) -> str:
    digest = hashlib.sha1("\x00".join([source_key, *path, str(ordinal)]).encode("utf-8")).hexdigest()
    return digest[:12]


@dataclass
class _Node:
    entry: Entry
    level: int
    in_part: bool


def _code_blocks(blocks: list[Block]) -> list[CodeBlock]:
    out = []
    for b in blocks:
        if b.code and b.text.strip():
            kind = classify(b.text, b.lang)
            out.append(CodeBlock(text=b.text, kind=kind, lang=guess_lang(b.text, kind, b.lang), line=b.line))
    return out


def _rollback_target(title: str, siblings: list[_Node]) -> _Node | None:
    """A "<X> - Rollback" heading belongs to its sibling "<X>" (seed 001 style)."""
    lowered = title.lower()
    for sib in reversed(siblings):
        base = sib.entry.title.lower().strip()
        if base and lowered.startswith(base) and lowered != base:
            return sib
    for word in dict(ROLE_KEYWORDS)[Role.ROLLBACK]:
        if word in lowered:
            stem = lowered.split(word)[0].strip(" -–—:：")
            for sib in reversed(siblings):
                if stem and sib.entry.title.lower().strip() == stem:
                    return sib
    return None


def build_entries(
    doc: ParsedDocument, source: str, source_key: str, fallback_title: str, builtin: bool = False
) -> list[Entry]:
    """Turn a parsed runbook into entries, one per heading section (or one for a file without any)."""
    all_text = "\n".join(b.text for s in doc.sections for b in s.blocks if not b.code)
    all_text += "\n" + "\n".join(s.title for s in doc.sections)
    all_text += "\n" + "\n".join(b.text for b in doc.preamble if not b.code)
    doc_lang = detect_language(all_text, default="en")

    sections = list(doc.sections)
    if not sections:
        sections = [
            RawSection(
                level=1,
                title=doc.title or fallback_title,
                anchor="",
                line=1,
                end_line=doc.line_count,
                blocks=doc.preamble,
            )
        ]

    entries: list[Entry] = []
    stack: list[_Node] = []
    children: dict[str | None, list[_Node]] = {}
    seen_paths: dict[tuple[str, ...], int] = {}

    for sec in sections:
        while stack and stack[-1].level >= sec.level:
            stack.pop()
        parent = stack[-1] if stack else None
        role = heading_role(sec.title) if sec.title else Role.NONE
        siblings = children.get(parent.entry.id if parent else None, [])
        if role is Role.ROLLBACK:
            target = _rollback_target(sec.title, siblings)
            if target is not None:
                parent = target
        if parent is None:
            role = Role.NONE
        path = [*(parent.entry.heading_path if parent else []), sec.title]
        ordinal = seen_paths.get(tuple(path), 0)
        seen_paths[tuple(path)] = ordinal + 1
        tags, prose = split_tags([b.text for b in sec.blocks if not b.code])
        body = "\n".join(prose)
        lang = "en" if builtin else detect_language(f"{sec.title}\n{body}", default=doc_lang, min_chars=16)
        entry = Entry(
            id=entry_id(source_key, path, ordinal),
            source=source,
            title=sec.title,
            anchor=sec.anchor,
            heading_path=path,
            level=sec.level,
            line_start=sec.line,
            line_end=sec.end_line,
            lang=lang,
            body=body,
            code_blocks=_code_blocks(sec.blocks),
            tags=tags,
            role=role,
            parent_id=parent.entry.id if parent else None,
            builtin=builtin,
        )
        node = _Node(entry=entry, level=sec.level, in_part=role is not Role.NONE or bool(parent and parent.in_part))
        if parent is not None and role is not Role.NONE:
            parent.entry.parts.append(PartRef(id=entry.id, role=role, title=entry.title))
        children.setdefault(entry.parent_id, []).append(node)
        entries.append(entry)
        stack.append(node)

    # an entry's range runs to the end of its sub-tree: the next heading at its level or above
    for idx, entry in enumerate(entries):
        end = doc.line_count
        for later in entries[idx + 1 :]:
            if later.level <= entry.level and later.parent_id != entry.id:
                end = later.line_start - 1
                break
        entry.line_end = max(end, entry.line_start)
    lead = _lead_entry(doc, source, source_key, fallback_title, builtin, doc_lang, seen_paths)
    if lead is not None:
        entries.insert(0, lead)
    return entries


# A page's lead (the text before its first heading) becomes an entry of its own when it says something: a
# sentence or more (a line of badges or a one-word "Overview" is not worth an entry).
LEAD_LETTERS = 40


def _lead_entry(
    doc: ParsedDocument,
    source: str,
    source_key: str,
    fallback_title: str,
    builtin: bool,
    doc_lang: str,
    seen_paths: dict[tuple[str, ...], int],
) -> Entry | None:
    """The text before the first heading of a page that has headings, titled with the page's title (its
    front matter's, or the file name): often the paragraph that says what problem the page is about."""
    if not doc.sections or not doc.preamble:
        return None
    tags, prose = split_tags([b.text for b in doc.preamble if not b.code])
    body = "\n".join(prose)
    code = _code_blocks(doc.preamble)
    if sum(ch.isalpha() for ch in body) < LEAD_LETTERS and not code:
        return None
    title = doc.title or fallback_title
    path = [title]
    ordinal = seen_paths.get(tuple(path), 0)
    seen_paths[tuple(path)] = ordinal + 1
    start = min(b.line for b in doc.preamble) or 1
    end = max(start, doc.sections[0].line - 1)
    lang = "en" if builtin else detect_language(f"{title}\n{body}", default=doc_lang, min_chars=16)
    return Entry(
        id=entry_id(source_key, path, ordinal),
        source=source,
        title=title,
        anchor="",
        heading_path=path,
        level=1,
        line_start=start,
        line_end=end,
        lang=lang,
        body=body,
        code_blocks=code,
        tags=tags,
        role=Role.NONE,
        parent_id=None,
        builtin=builtin,
    )


def searchable(entries: list[Entry]) -> set[str]:
    """Ids of entries that search returns: not a part, and not inside a part."""
    by_id = {e.id: e for e in entries}
    out: set[str] = set()
    for e in entries:
        cur: Entry | None = e
        ok = True
        while cur is not None:
            if cur.is_part:
                ok = False
                break
            cur = by_id.get(cur.parent_id) if cur.parent_id else None
        if ok:
            out.add(e.id)
    return out
