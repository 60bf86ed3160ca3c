"""The check registry: code → check, severity, title, message template, what it reads, linked entries.

A check is a plain function decorated with ``@check(...)``; it reads a Snapshot and yields ``Hit``s (the
object, the message parameters and the evidence lines). The registry turns hits into Findings with the
check's code and severity, so codes, severities and messages live in one place and ``medic checks`` and
the generated docs list exactly what runs.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from medic.model import Finding, ObjectRef, Severity, Snapshot

# the modules that hold checks, one per area; importing them registers their checks
AREAS = (
    "pods",
    "scheduling",
    "workloads",
    "storage",
    "quotas",
    "nodes",
    "control_plane",
    "network",
    "hygiene",
    "logs",
    "log_signatures",
    "hosts",
)


@dataclass
class Hit:
    """One thing a check found, before the registry gives it its code and message."""

    obj: ObjectRef
    params: dict[str, Any] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)


CheckFn = Callable[[Snapshot], Iterable[Hit]]


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    title: str
    message: str  # str.format template over the hit's params
    looks_at: tuple[str, ...]  # snapshot kinds it reads
    links: tuple[str, ...]  # built-in catalog entries that explain it: "file.md#anchor"
    doc: str  # from the function's docstring
    area: str
    run: CheckFn

    def finding(self, hit: Hit) -> Finding:
        try:
            message = self.message.format(**hit.params)
        except (KeyError, IndexError, ValueError):
            message = self.title
        return Finding(
            code=self.code,
            severity=self.severity,
            object=hit.obj,
            message=" ".join(message.split()),
            evidence=[" ".join(line.split())[:500] for line in hit.evidence if line and line.strip()][:12],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "title": self.title,
            "message": self.message,
            "looks_at": list(self.looks_at),
            "links": list(self.links),
            "area": self.area,
            "doc": self.doc,
        }


REGISTRY: dict[str, Check] = {}


def check(
    code: str,
    severity: Severity,
    title: str,
    message: str,
    looks_at: Iterable[str],
    links: Iterable[str] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable code."""

    def register(fn: CheckFn) -> CheckFn:
        if code in REGISTRY and REGISTRY[code].run is not fn:
            raise ValueError(f"check code {code} registered twice")
        area = fn.__module__.rsplit(".", 1)[-1]
        REGISTRY[code] = Check(
            code=code,
            severity=severity,
            title=title,
            message=message,
            looks_at=tuple(looks_at),
            links=tuple(links),
            doc=inspect.cleandoc(fn.__doc__ or title),
            area=area,
            run=fn,
        )
        return fn

    return register


def all_checks() -> list[Check]:
    """Every registered check, by code."""
    for area in AREAS:
        try:
            importlib.import_module(f"medic.checks.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"medic.checks.{area}":
                raise
    return [REGISTRY[c] for c in sorted(REGISTRY)]


def select(codes: Iterable[str] | None) -> list[Check]:
    """The checks named by codes or code prefixes (``POD``, ``PVC201``); all when ``codes`` is empty."""
    checks = all_checks()
    wanted = [c.strip().upper() for c in codes or () if c.strip()]
    if not wanted:
        return checks
    return [c for c in checks if any(c.code.startswith(w) for w in wanted)]


def run_checks(snapshot: Snapshot, checks: Iterable[Check]) -> list[Finding]:
    """Run checks on a snapshot. A check that fails on odd data reports it as a finding; the others go on."""
    findings: list[Finding] = []
    for c in checks:
        try:
            findings.extend(c.finding(h) for h in c.run(snapshot))
        except Exception as exc:  # a malformed object must not hide every other finding
            findings.append(
                Finding(
                    code="MEDIC001",
                    severity=Severity.INFO,
                    object=ObjectRef("Check", "", c.code),
                    message=f"check {c.code} could not run on this snapshot: {type(exc).__name__}: {exc}",
                )
            )
    return findings


def catalog_anchors() -> dict[str, tuple[str, int]]:
    """Every top-level built-in catalog entry as ``file.md#anchor`` → (title, line): what ``links`` name."""
    from medic.knowledge.ingest import builtin_files, entries_for

    found: dict[str, tuple[str, int]] = {}
    for name, content in builtin_files():
        for e in entries_for(content.decode("utf-8"), "markdown", "builtin:" + name, name, builtin=True):
            if e.level == 1:
                found[f"{name}#{e.anchor}"] = (e.title, e.line_start)
    return found
