"""Diagnose = checks on a Snapshot + triage of what the findings carry → findings linked to runbook entries.

Each finding is linked to the entries that explain it, in this order of trust:

1. the user's own runbook entries that its evidence matches confidently (triage), or that carry the
   check's code as a tag (``!POD101`` in a runbook links that section to the check);
2. the built-in catalog entries the check declares;
3. other built-in entries the evidence matches confidently.

Findings with the same code and the same evidence shape (names, numbers and hashes aside) are triaged
once: 1,500 crash-looping pods of one bad rollout cost one triage, not 1,500.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from medic import rank
from medic.checks.registry import Check, all_checks, evaluate, select
from medic.errors import InputError
from medic.knowledge.signatures import template_of
from medic.knowledge.store import Store
from medic.model import CheckResult, Entry, Finding, FindingLink, Outcome, Severity, Snapshot
from medic.triage import signature_set, triage

MAX_LINKS = 4
LOG_LINES_SCANNED = 2000  # per container log: the last lines are the ones that matter


MAX_NAMES_SHOWN = 8  # namespaces listed in the "not found" error; the rest is an ellipsis


@dataclass
class DiagnoseResult:
    """Findings, and every known check's outcome (``results`` by code; ``checks`` are the selected ones)."""

    findings: list[Finding]
    checks: list[Check]
    meta: dict[str, Any] = field(default_factory=dict)
    results: dict[str, CheckResult] = field(default_factory=dict)
    known: list[Check] = field(default_factory=list)  # every registered check, selected or not

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in Severity}
        for f in self.findings:
            out[str(f.severity)] += 1
        return out

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def outcomes(self) -> dict[str, int]:
        """How many checks failed, passed, were not evaluated, were skipped."""
        out = {str(o): 0 for o in Outcome}
        for r in self.results.values():
            out[str(r.outcome)] += 1
        return out

    def with_outcome(self, outcome: Outcome) -> list[CheckResult]:
        return [r for r in self.results.values() if r.outcome is outcome]

    def reasons(self, outcome: Outcome) -> list[str]:
        """The distinct reasons of the checks with this outcome, most frequent first."""
        seen: dict[str, int] = {}
        for r in self.with_outcome(outcome):
            for part in r.reason.split("; "):
                if part:
                    seen[part] = seen.get(part, 0) + 1
        return sorted(seen, key=lambda k: (-seen[k], k))

    def summary(self, max_reasons: int = 3) -> str:
        """``86 checks: 3 failed, 70 passed, 11 not evaluated (403 on secrets; ...), 2 skipped``."""
        n = self.outcomes()
        parts = []
        for o in Outcome:
            text = f"{n[str(o)]} {o.value}"
            if o is not Outcome.PASSED and o is not Outcome.FAILED and n[str(o)] and max_reasons:
                why = self.reasons(o)
                if why:
                    more = f"; {len(why) - max_reasons} more" if len(why) > max_reasons else ""
                    text += f" ({'; '.join(why[:max_reasons])}{more})"
            parts.append(text)
        return f"{len(self.results)} checks: " + ", ".join(parts)


def diagnose(
    snap: Snapshot,
    store: Store | None,
    codes: Iterable[str] | None = None,
    namespaces: list[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> DiagnoseResult:
    """Run the selected checks, say of every check whether it failed, passed, could not be evaluated or
    was skipped, and link each finding to runbook entries (when a store is given)."""
    known = all_checks()
    checks = select(codes)
    if store is not None and any(c.code == "LOG802" for c in checks):
        snap.cache["log_matches"] = log_signature_matches(store, snap)
    run = evaluate(snap, known, selected=checks, namespaces=namespaces)
    findings = run.findings
    findings.sort(key=lambda f: (-f.severity.rank, f.object.namespace, f.code, f.object.kind, f.object.name))
    if store is not None:
        link_findings(store, findings, {c.code: c for c in checks}, progress)
    return DiagnoseResult(findings=findings, checks=checks, meta=dict(snap.meta), results=run.results, known=known)


def require_applicable(result: DiagnoseResult) -> None:
    """Refuse a run in which no selected check applied (host checks on a cluster bundle, cluster-scoped ones
    under ``-n``): it looked at nothing."""
    chosen = [result.results[c.code] for c in result.checks if c.code in result.results]
    if chosen and all(r.outcome is Outcome.SKIPPED for r in chosen):
        why = sorted({r.reason for r in chosen})
        raise InputError(f"nothing to check: none of the {len(chosen)} selected check(s) applies ({'; '.join(why)})")


def require_something(snap: Snapshot, what: str = "the bundle") -> None:
    """Refuse a snapshot with nothing to check: no object of any kind, no host fact, no log line."""
    if any(snap.objects.values()) or any(snap.host.values()) or snap.logs:
        return
    skipped = [s for s in snap.meta.get("skipped") or () if isinstance(s, dict)]
    why = ""
    if skipped:
        statuses = sorted({str(s.get("status")) for s in skipped})
        why = f" ({len(skipped)} listing(s) refused: {', '.join(statuses)})"
    raise InputError(f"nothing to check: {what} holds no objects{why}")


def snapshot_namespaces(snap: Snapshot) -> set[str]:
    """Every namespace the snapshot knows: Namespace objects, the collected scope, objects' namespaces."""
    found: set[str] = set()
    for ns in snap.items("namespaces"):
        name = ns.get("metadata", {}).get("name") if isinstance(ns.get("metadata"), dict) else None
        if isinstance(name, str):
            found.add(name)
    scope = snap.meta.get("namespaces")
    if isinstance(scope, list):
        found.update(str(n) for n in scope)
    for items in snap.objects.values():
        for obj in items:
            meta = obj.get("metadata") if isinstance(obj, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("namespace"), str):
                found.add(meta["namespace"])
    return found


def require_namespaces(snap: Snapshot, namespaces: Iterable[str] | None) -> None:
    """Refuse a namespace filter that names a namespace the snapshot does not hold: it would check nothing."""
    wanted = list(namespaces or ())
    if not wanted:
        return
    known = snapshot_namespaces(snap)
    missing = [n for n in wanted if n not in known]
    if missing:
        names = sorted(known)
        shown = ", ".join(names[:MAX_NAMES_SHOWN]) + ("…" if len(names) > MAX_NAMES_SHOWN else "")
        raise InputError(
            f"namespace {', '.join(missing)} not found in the snapshot "
            + (f"(namespaces: {shown})" if names else "(it holds no namespaced objects)")
        )


# generated name suffixes: ReplicaSet/pod hashes (Kubernetes' consonant-and-digit alphabet), ordinals
_GENERATED = re.compile(r"(?:-[bcdfghjklmnpqrstvwxz2-9]{6,10})?-[bcdfghjklmnpqrstvwxz2-9]{5}$|-[0-9]+$")
_POD_NAME = re.compile(r"\b[a-z0-9][a-z0-9.-]*-(?:[bcdfghjklmnpqrstvwxz2-9]{6,10}-)?[bcdfghjklmnpqrstvwxz2-9]{5}\b")
MAX_TRIAGED_GROUPS = 300  # beyond this many distinct evidence shapes, findings keep their check's entries


def _group_key(f: Finding, templates: dict[str, str] | None = None) -> tuple[str, ...]:
    """Findings of one code whose evidence reads the same once the object's own names are set aside.
    ``templates`` remembers each line's template across calls (the lines of a group repeat)."""
    name = f.object.name
    base = _GENERATED.sub("", name)
    names = sorted({n for n in (name, base, f.object.namespace) if len(n) >= 3}, key=len, reverse=True)
    templates = {} if templates is None else templates
    lines = []
    for line in f.evidence[:6]:
        line = _POD_NAME.sub("pod", line)
        for n in names:
            line = line.replace(n, "name")
        template = templates.get(line)
        if template is None:
            template = templates[line] = template_of(line)[0]
        lines.append(template)
    return (f.code, *lines)


def _link(entry: Entry, conf: float, via: str) -> FindingLink:
    return FindingLink(
        id=entry.id,
        title=entry.title,
        source=entry.source,
        line=entry.line_start,
        builtin=entry.builtin,
        confidence=round(conf, 3),
        via=via,
    )


def check_entries(store: Store, check: Check, by_source: dict[str, dict[str, Entry]] | None = None) -> list[Entry]:
    """The built-in entries a check declares, then the user's entries tagged with its code.
    ``by_source`` caches the catalog files' top-level entries by anchor across calls."""
    out: list[Entry] = []
    by_source = {} if by_source is None else by_source
    for link in check.links:
        file, _, anchor = link.partition("#")
        source = "builtin:" + file
        if source not in by_source:
            by_source[source] = {e.anchor: e for e in store.source_entries(source) if e.level == 1}
        if anchor in by_source[source]:
            out.append(by_source[source][anchor])
    tagged = store.tagged([check.code.lower()])
    if tagged:
        out.extend(store.entries_by_rowid(tagged).values())
    return out


def link_findings(
    store: Store,
    findings: list[Finding],
    checks: dict[str, Check],
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    groups: dict[tuple[str, ...], list[Finding]] = {}
    templates: dict[str, str] = {}
    for f in findings:
        groups.setdefault(_group_key(f, templates), []).append(f)
    declared: dict[str, list[Entry]] = {}
    catalog: dict[str, dict[str, Entry]] = {}
    # the largest groups first: when there are too many to triage, the rarest shapes go without
    for n, members in enumerate(sorted(groups.values(), key=len, reverse=True), 1):
        if progress is not None:
            progress("linking", n, len(groups))
        first = members[0]
        check = checks.get(first.code)
        if check is not None and first.code not in declared:
            declared[first.code] = check_entries(store, check, catalog)
        text = "\n".join([first.message, *first.evidence])
        matches = (
            triage(store, io.BytesIO(text.encode("utf-8")), top=20, include_weak=True).matches
            if n <= MAX_TRIAGED_GROUPS
            else []
        )
        score = {m.entry.id: m.confidence for m in matches}
        mine = declared.get(first.code, [])
        user = [_link(m.entry, m.confidence, "triage") for m in matches if not m.entry.builtin]
        tagged = [_link(e, 1.0, "tag") for e in mine if not e.builtin]
        # the check's own entries, those the evidence agrees with first
        order = {e.id: i for i, e in enumerate(mine)}
        builtin_declared = sorted(
            (_link(e, max(score.get(e.id, 0.0), rank.printed_from()), "check") for e in mine if e.builtin),
            key=lambda link: (-score.get(link.id, 0.0), order[link.id]),
        )
        # other built-in entries only when the evidence fits them better than any the check declares
        bar = max((score.get(e.id, 0.0) for e in mine), default=0.0)
        builtin_triage = [
            _link(m.entry, m.confidence, "triage") for m in matches if m.entry.builtin and m.confidence > bar
        ]
        links: list[FindingLink] = []
        seen: set[str] = set()
        for link in [*user, *tagged, *builtin_declared, *builtin_triage]:
            if link.id not in seen and link.confidence >= rank.printed_from():
                seen.add(link.id)
                links.append(link)
        for f in members:
            f.entries = links[:MAX_LINKS]


def log_signature_matches(store: Store, snap: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Container logs whose lines match runbook signatures: log key → [{entry, confidence, lines}].

    Signatures only (one multi-pattern scan per log): logs are noisy, and a confident signature is the
    only thing worth a finding of its own.
    """
    sigset = signature_set(store)
    if sigset.engine is None or not snap.logs:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for key, lines in snap.logs.items():
        tail = lines[-LOG_LINES_SCANNED:]
        data = ("\n".join(tail) + "\n").encode("utf-8", "replace")
        starts = [0]
        for line in tail:
            starts.append(starts[-1] + len(line.encode("utf-8", "replace")) + 1)
        hits: dict[int, set[int]] = {}

        def on_match(pattern: int, end: int, hits: dict[int, set[int]] = hits, starts: list[int] = starts) -> None:
            lo, hi = 0, len(starts) - 1
            while lo < hi:  # the line whose span holds ``end``
                mid = (lo + hi) // 2
                if starts[mid + 1] <= end - 1:
                    lo = mid + 1
                else:
                    hi = mid
            hits.setdefault(pattern, set()).add(lo)

        sigset.engine.scan(data, on_match)
        per_entry: dict[int, tuple[float, set[int]]] = {}
        for pattern, line_idx in hits.items():
            sig = sigset.sigs[pattern]
            score, seen = per_entry.get(sig.entry_rowid, (0.0, set()))
            per_entry[sig.entry_rowid] = (score + sig.weight, seen | line_idx)
        confident = {r: v for r, v in per_entry.items() if rank.score_confidence(v[0]) >= rank.SCORE_CONFIDENT}
        if not confident:
            continue
        entries = store.entries_by_rowid(confident)
        found = []
        for rowid, (score, idx) in sorted(confident.items(), key=lambda kv: -kv[1][0]):
            if rowid in entries:
                found.append(
                    {
                        "entry": entries[rowid],
                        "confidence": rank.score_confidence(score),
                        "lines": [tail[i] for i in sorted(idx)[:5]],
                    }
                )
        out[key] = found[:3]
    return out


def linked_titles(store: Store, checks: list[Check]) -> dict[str, list[str]]:
    """Check code → titles of the entries it links to (for ``medic checks``)."""
    catalog: dict[str, dict[str, Entry]] = {}
    return {c.code: [e.title for e in check_entries(store, c, catalog)] for c in checks}
