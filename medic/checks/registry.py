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

from medic.model import CheckResult, Finding, ObjectRef, Outcome, Severity, Snapshot

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
    # kinds whose *missing* objects the check takes as proof (no event = no scheduling attempt): it never
    # runs on a partial snapshot (pasted output), where a missing object proves nothing
    absent: tuple[str, ...] = ()

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
            title=self.title,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "title": self.title,
            "message": self.message,
            "looks_at": list(self.looks_at),
            "links": list(self.links),
            "absent": list(self.absent),
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
    absent: Iterable[str] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable code. ``absent``: the kinds whose missing objects the check
    reasons from; it is skipped on a partial snapshot (pasted output shows some objects, never all)."""

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
            absent=tuple(absent),
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


# kinds that give a finding its evidence (event messages, log lines) but that a check does not decide on:
# without them it still runs and its findings carry fewer lines. Required when they are all a check reads.
SUPPORTING = frozenset({"events", "logs"})
# kinds of an add-on API (KubeVirt CDI): absent where the add-on is not installed, and then there is none
OPTIONAL = frozenset({"datavolumes"})
# kinds of which one is enough: the collector lists Endpoints where EndpointSlices are not served
ALTERNATIVES = (frozenset({"endpointslices", "endpoints"}),)
# cluster-scoped kinds: a check about them is outside a namespace filter (its findings have no namespace)
CLUSTER_SCOPED = frozenset(
    {
        "namespaces",
        "nodes",
        "persistentvolumes",
        "storageclasses",
        "customresourcedefinitions",
        "apiservices",
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    }
)
MAX_REASON = 200  # characters of an exception message kept in a result's reason


@dataclass
class CheckRun:
    """What running checks on a snapshot gave: the findings, and one result per check (by code)."""

    findings: list[Finding]
    results: dict[str, CheckResult]


def needs(c: Check) -> list[frozenset[str]]:
    """The kinds a check cannot be evaluated without, as groups of which any one member is enough."""
    kinds = [k for k in c.looks_at if k not in OPTIONAL]
    required = [k for k in kinds if k not in SUPPORTING] or kinds
    groups: list[frozenset[str]] = []
    for k in required:
        group = next((g for g in ALTERNATIVES if k in g), frozenset({k}))
        if group not in groups:
            groups.append(group)
    return groups


def _skips(snap: Snapshot, kind: str, namespaces: Iterable[str] | None) -> list[dict[str, Any]]:
    """The collector's records of listings of ``kind`` that failed (those of other namespaces left out)."""
    wanted = set(namespaces or ())
    return [
        s
        for s in snap.meta.get("skipped") or ()
        if isinstance(s, dict)
        and s.get("kind") == kind
        and (not wanted or not s.get("namespace") or s["namespace"] in wanted)
    ]


def kind_gap(snap: Snapshot, kind: str, namespaces: Iterable[str] | None = None) -> str | None:
    """Why ``kind`` cannot be read completely from the snapshot (``None`` when it can): not collected, or
    listed with a 403/404/timeout (recorded in ``meta["skipped"]`` by the collector) in the namespaces asked
    about (all when ``namespaces`` is empty)."""
    if kind.startswith("host:"):
        return None if kind[5:] in snap.host else f"no {kind[5:]} host facts in the snapshot"
    skips = _skips(snap, kind, namespaces)
    if skips:
        statuses = sorted({str(s.get("status")) for s in skips})
        where = sorted({str(s["namespace"]) for s in skips if s.get("namespace")})
        scope = f" in namespace {', '.join(where[:3])}{'…' if len(where) > 3 else ''}" if where else ""
        if kind == "logs":
            return "; ".join(sorted({f"logs: {s.get('reason') or s.get('status')}" for s in skips}))
        return f"{'/'.join(statuses)} on {kind}{scope}"
    if kind == "logs":
        collected = "collected_at" in snap.meta and not snap.meta.get("partial")
        return None if snap.logs or collected else "no container logs in the snapshot"
    return None if snap.has(kind) else f"no {kind} in the snapshot"


def coverage_gap(snap: Snapshot, c: Check, namespaces: Iterable[str] | None = None) -> str | None:
    """Why the check cannot see everything it reads (in ``namespaces``, all when empty), or ``None``."""
    reasons = []
    for group in needs(c):
        gaps = [kind_gap(snap, k, namespaces) for k in sorted(group)]
        if all(gaps):
            reasons.append(" and ".join(str(g) for g in gaps))
    return "; ".join(reasons) or None


def scope_skip(snap: Snapshot, c: Check, namespaces: Iterable[str] | None) -> str | None:
    """Why the check does not apply here: a host check on a snapshot without host facts, a cluster check on
    one with only host facts, a cluster-scoped check under a namespace filter."""
    groups = needs(c)
    if all(k.startswith("host:") for g in groups for k in g):
        return None if snap.host else "no host facts in this snapshot"
    if not snap.objects and not snap.logs:
        return "no Kubernetes objects in this snapshot"
    primary = sorted(groups[0])[0] if groups else ""
    if namespaces and primary in CLUSTER_SCOPED:
        return f"about cluster-scoped {primary}, outside the namespace filter"
    if c.absent and snap.meta.get("partial"):
        return f"reasons from missing {', '.join(c.absent)}: a partial snapshot (pasted output) proves nothing by them"
    return None


def evaluate(
    snapshot: Snapshot,
    checks: Iterable[Check],
    selected: Iterable[Check] | None = None,
    namespaces: Iterable[str] | None = None,
) -> CheckRun:
    """Run the selected checks (all of ``checks`` when ``selected`` is None) and say for every check whether
    it failed, passed, could not be evaluated or was skipped, and why.

    A check that raises (malformed input it did not expect) keeps the findings it made before, is recorded
    as not evaluated with the error, and the other checks go on. Findings outside ``namespaces`` are
    dropped.
    """
    checks = list(checks)
    chosen = {c.code for c in (checks if selected is None else selected)}
    wanted = set(namespaces or ())
    findings: list[Finding] = []
    results: dict[str, CheckResult] = {}
    for c in checks:
        if c.code not in chosen:
            results[c.code] = CheckResult(c.code, Outcome.SKIPPED, "not selected by --checks")
            continue
        skip = scope_skip(snapshot, c, wanted)
        if skip:
            results[c.code] = CheckResult(c.code, Outcome.SKIPPED, skip)
            continue
        mine: list[Finding] = []
        error = ""
        try:
            for hit in c.run(snapshot):
                mine.append(c.finding(hit))
        except Exception as exc:  # one malformed object: this check says so, the others go on
            error = f"stopped on malformed input: {type(exc).__name__}: {exc}"[:MAX_REASON]
        if wanted:
            mine = [f for f in mine if f.object.namespace in wanted]
        gap = coverage_gap(snapshot, c, wanted)
        reason = "; ".join(r for r in (error, gap or "") if r)
        if mine:
            outcome = Outcome.FAILED
        elif reason:
            outcome = Outcome.NOT_EVALUATED
        else:
            outcome = Outcome.PASSED
        results[c.code] = CheckResult(c.code, outcome, reason, len(mine))
        findings.extend(mine)
    return CheckRun(findings=findings, results=results)


def run_checks(snapshot: Snapshot, checks: Iterable[Check]) -> list[Finding]:
    """The findings of checks on a snapshot, for callers that only read findings (pasted output, tests): a
    check that stopped on malformed input is reported as a ``MEDIC001`` info finding. ``evaluate`` gives
    every check's outcome."""
    checks = list(checks)
    run = evaluate(snapshot, checks)
    findings = run.findings
    for c in checks:
        result = run.results[c.code]
        if result.reason.startswith("stopped on malformed input"):
            findings.append(
                Finding(
                    code="MEDIC001",
                    severity=Severity.INFO,
                    object=ObjectRef("Check", "", c.code),
                    message=f"check {c.code} could not run on this snapshot: {result.reason}",
                    title="A check could not run",
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
