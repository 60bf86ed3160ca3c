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


class Severity(StrEnum):
    """How bad a finding is. Ordered: error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, order=True)
class ObjectRef:
    """The object a finding is about: a Kubernetes object (kind, namespace, name) or a host fact."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass
class FindingLink:
    """A runbook entry that explains a finding, and how it was found (check link or triage)."""

    id: str
    title: str
    source: str
    line: int
    builtin: bool
    confidence: float
    via: str  # "check" (declared by the check) or "triage" (the finding's evidence matched it)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Finding:
    """What a check saw: a stable code, a severity, the object, a one-line message and the evidence."""

    code: str
    severity: Severity
    object: ObjectRef
    message: str
    evidence: list[str] = field(default_factory=list)
    entries: list[FindingLink] = field(default_factory=list)
    title: str = ""  # the check's title: what kind of problem this is, in the words of its reference

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "severity": str(self.severity),
            "object": {"kind": self.object.kind, "namespace": self.object.namespace, "name": self.object.name},
            "message": self.message,
            "evidence": self.evidence,
            "entries": [e.to_dict() for e in self.entries],
        }


class Outcome(StrEnum):
    """What one check's run says: it found something, it found nothing, it could not look, or it was not asked.

    ``NOT_EVALUATED``: a kind it needs is missing from the snapshot or could not be listed (403, 404,
    timeout), or the check stopped on malformed input. ``SKIPPED``: deselected (``--checks``), outside
    the namespace filter, or about a source the snapshot does not hold (host checks on a cluster bundle).
    """

    FAILED = "failed"
    PASSED = "passed"
    NOT_EVALUATED = "not evaluated"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome, with why when it is not a plain pass (the missing kinds, the error)."""

    code: str
    outcome: Outcome
    reason: str = ""
    findings: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "outcome": str(self.outcome), "reason": self.reason, "findings": self.findings}


@dataclass
class Snapshot:
    """What a system looks like, wherever it came from (live API, bundle, pasted command output).

    ``objects`` maps a resource name in the API's plural lower-case form (``pods``, ``nodes``,
    ``persistentvolumeclaims``, ``helmreleases``...) to raw API JSON objects (``metadata``/``spec``/``status``;
    items of a list call carry no ``kind``). ``logs`` maps ``namespace/pod/container`` (``.../previous`` for
    the previous container) to its last lines. ``host`` holds host facts by kind (``drbd``, ``units``,
    ``filesystems``...). ``meta`` has the collection time (``collected_at``, RFC 3339), the cluster version,
    the context, the namespaces and what was skipped; a partial snapshot (``partial``: pasted output) may carry
    ``reference_time`` (RFC 3339), the moment its ages are measured from (the newest time the paste shows).
    Checks read it and never call the network.
    """

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    logs: dict[str, list[str]] = field(default_factory=dict)
    host: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def items(self, kind: str) -> list[dict[str, Any]]:
        return self.objects.get(kind, [])

    def has(self, kind: str) -> bool:
        """True when the kind was collected (even if empty); checks about absence need this."""
        return kind in self.objects

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """A snapshot from its JSON form (``{"meta", "objects", "logs", "host"}``), as fixtures store it."""
        return cls(
            objects={str(k): list(v) for k, v in dict(data.get("objects") or {}).items()},
            logs={str(k): [str(x) for x in v] for k, v in dict(data.get("logs") or {}).items()},
            host={str(k): list(v) for k, v in dict(data.get("host") or {}).items()},
            meta=dict(data.get("meta") or {}),
        )
