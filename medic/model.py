"""Plain typed data shared by every layer. Imports nothing of ours."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a runbook sub-section is for, recognised from its heading."""

    NONE = ""
    SYMPTOM = "symptom"
    TEST = "test"
    CAUSE = "cause"
    FIX = "fix"
    ROLLBACK = "rollback"
    NOTE = "note"


class CodeKind(StrEnum):
    """What a code block holds."""

    COMMAND = "command"
    OUTPUT = "output"
    CONFIG = "config"
    OTHER = "other"


@dataclass(frozen=True)
class CodeBlock:
    """One fenced or literal block of a runbook section."""

    text: str
    kind: CodeKind
    lang: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": str(self.kind), "lang": self.lang, "line": self.line}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeBlock:
        return cls(text=data["text"], kind=CodeKind(data["kind"]), lang=data["lang"], line=data["line"])


@dataclass(frozen=True)
class PartRef:
    """A role sub-section as its parent entry knows it."""

    id: str
    role: Role
    title: str


@dataclass
class Entry:
    """One heading section of a runbook.

    ``body`` is the section's own prose (inline code kept, code blocks apart); sub-sections are entries
    of their own. A section whose heading names a role (symptom, test, cause, fix, rollback, note) is a
    *part* of its parent entry: it has ``role`` set and the parent lists it in ``parts``.
    """

    id: str
    source: str
    title: str
    anchor: str
    heading_path: list[str]
    level: int
    line_start: int
    line_end: int
    lang: str
    body: str
    code_blocks: list[CodeBlock] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    role: Role = Role.NONE
    parent_id: str | None = None
    parts: list[PartRef] = field(default_factory=list)
    builtin: bool = False

    @property
    def is_part(self) -> bool:
        return self.role is not Role.NONE

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = str(self.role)
        data["code_blocks"] = [b.to_dict() for b in self.code_blocks]
        data["parts"] = [{"id": p.id, "role": str(p.role), "title": p.title} for p in self.parts]
        return data


@dataclass(frozen=True)
class SearchHit:
    """One search result: an entry, its fused score and a highlighted snippet."""

    id: str
    source: str
    heading_path: list[str]
    title: str
    lang: str
    score: float
    snippet: str
    line_start: int
    builtin: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "heading_path": self.heading_path,
            "title": self.title,
            "lang": self.lang,
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }
