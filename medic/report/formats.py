"""Machine and document reports of a diagnosis. Each is a pure function: result → text.

Every report says what was checked as well as what was found: each check's outcome (failed, passed, not
evaluated, skipped) and why. Every data field (object names, messages, evidence, runbook titles, the
bundle's own metadata) goes through ``medic.report.safe`` for its format: nothing in it is markup.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET

from medic import __version__
from medic.checks.registry import Check
from medic.diagnose import DiagnoseResult
from medic.model import CheckResult, Finding, Outcome, Severity
from medic.report.safe import dumps, html_text, md, xml_text

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
META_KEYS = ("context", "cluster_version", "collected_at", "namespaces", "skipped")


def _results(result: DiagnoseResult) -> list[tuple[Check, CheckResult]]:
    """Every known check with its result, by code (a check without a result counts as skipped)."""
    known = result.known or result.checks
    return [(c, result.results.get(c.code) or CheckResult(c.code, Outcome.SKIPPED, "not run")) for c in known]


def json_report(result: DiagnoseResult) -> str:
    return dumps(
        {
            "cluster": {k: result.meta.get(k) for k in META_KEYS},
            "checks": len(result.checks),
            "counts": result.counts(),
            "coverage": {
                "counts": result.outcomes(),
                "checks": [r.to_dict() for _c, r in _results(result)],
            },
            "findings": [f.to_dict() for f in result.findings],
        }
    )


def _by_namespace(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.object.namespace or "(cluster)"].append(f)
    return dict(sorted(groups.items()))


def _meta(result: DiagnoseResult, key: str, default: str) -> str:
    return str(result.meta.get(key) or default)


def markdown(result: DiagnoseResult) -> str:
    c = result.counts()
    lines = [
        "# Medic diagnosis",
        "",
        f"Context {md(_meta(result, 'context', '-'))}, Kubernetes {md(_meta(result, 'cluster_version', '?'))}, "
        f"collected {md(_meta(result, 'collected_at', '?'))}; {md(result.summary())}. "
        f"Findings: **{c['error']} errors**, {c['warning']} warnings, {c['info']} info.",
        "",
    ]
    for sev in Severity:
        found = [f for f in result.findings if f.severity is sev]
        if not found:
            continue
        lines += [f"## {sev.value.capitalize()} ({len(found)})", ""]
        for ns, members in _by_namespace(found).items():
            lines += [f"### Namespace {md(ns)}", "", "| Code | Object | Message | Runbook |", "|---|---|---|---|"]
            for f in members:
                runbook = "<br>".join(f"{md(e.title)} ({md(e.id)})" for e in f.entries[:2]) or "-"
                lines.append(
                    f"| {md(f.code)} | {md(f.object.kind)}/{md(f.object.name)} | {md(f.message)} | {runbook} |"
                )
            lines.append("")
    lines += ["## Coverage", "", md(result.summary(max_reasons=0)) + ".", ""]
    lines += ["| Code | Outcome | Why |", "|---|---|---|"]
    for check, r in _results(result):
        if r.outcome is not Outcome.PASSED:
            lines.append(f"| {md(check.code)} | {md(r.outcome.value)} | {md(r.reason) or '-'} |")
    lines.append("")
    skipped = [s for s in result.meta.get("skipped") or [] if isinstance(s, dict)]
    if skipped:
        lines += ["## Not collected", ""]
        lines += [f"- {md(s.get('kind'))}: {md(s.get('status'))} {md(s.get('reason', ''))}".rstrip() for s in skipped]
        lines.append("")
    return "\n".join(lines)


def html(result: DiagnoseResult) -> str:
    c = result.counts()
    esc = html_text
    rows = []
    for f in result.findings:
        runbook = "<br>".join(f"{esc(e.title)} <code>{esc(e.id)}</code>" for e in f.entries[:2])
        evidence = "<br>".join(esc(x) for x in f.evidence[:4])
        rows.append(
            f'<tr class="{esc(f.severity.value)}"><td>{esc(f.severity.value)}</td><td>{esc(f.code)}</td>'
            f"<td>{esc(f.object.namespace)}</td><td>{esc(f.object.kind)}/{esc(f.object.name)}</td>"
            f"<td>{esc(f.message)}<div class=ev>{evidence}</div></td><td>{runbook}</td></tr>"
        )
    coverage = [
        f'<tr class="{esc(r.outcome.name.lower())}"><td>{esc(check.code)}</td><td>{esc(check.title)}</td>'
        f"<td>{esc(r.outcome.value)}</td><td>{esc(r.reason)}</td></tr>"
        for check, r in _results(result)
    ]
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Medic diagnosis</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:14px}"
        ".error td:first-child{color:#b00;font-weight:bold}.warning td:first-child{color:#a60}"
        ".not_evaluated td{background:#fff4d6}"
        ".ev{color:#555;font-family:monospace;font-size:12px;margin-top:4px}</style></head><body>"
        f"<h1>Medic diagnosis</h1><p>Context <code>{esc(_meta(result, 'context', '-'))}</code>, "
        f"Kubernetes {esc(_meta(result, 'cluster_version', '?'))}, collected "
        f"{esc(_meta(result, 'collected_at', '?'))}. {esc(result.summary())}. Findings: {c['error']} errors, "
        f"{c['warning']} warnings, {c['info']} info.</p><table><tr><th>Severity</th><th>Code</th>"
        "<th>Namespace</th><th>Object</th><th>Message and evidence</th><th>Runbook</th></tr>"
        + "".join(rows)
        + "</table><h2>Coverage</h2><table><tr><th>Code</th><th>Check</th><th>Outcome</th><th>Why</th></tr>"
        + "".join(coverage)
        + "</table></body></html>\n"
    )


def junit(result: DiagnoseResult) -> str:
    """One test case per known check: a failure per error/warning finding, ``skipped`` (with the reason)
    for a check that was not evaluated or not run; info findings go to the case's output."""
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_code[f.code].append(f)
    rows = _results(result)
    failing = {c.code: [f for f in by_code[c.code] if f.severity is not Severity.INFO] for c, _r in rows}
    suite = ET.Element(
        "testsuite",
        name="medic",
        tests=str(len(rows)),
        failures=str(sum(1 for c, _r in rows if failing[c.code])),
        errors="0",
        skipped=str(sum(1 for c, r in rows if not failing[c.code] and r.outcome in _NOT_RUN)),
    )
    for check, r in rows:
        case = ET.SubElement(
            suite, "testcase", classname=f"medic.{check.area}", name=xml_text(f"{check.code} {check.title}")
        )
        if failing[check.code]:
            bad = failing[check.code]
            failure = ET.SubElement(
                case,
                "failure",
                message=xml_text(f"{len(bad)} finding(s)" + (f"; {r.reason}" if r.reason else "")),
                type=str(bad[0].severity.value),
            )
            failure.text = xml_text("\n".join(f"{f.object}: {f.message}" for f in bad))
        elif r.outcome in _NOT_RUN:
            ET.SubElement(case, "skipped", message=xml_text(f"{r.outcome.value}: {r.reason}"))
        if by_code[check.code] and not failing[check.code]:
            out = ET.SubElement(case, "system-out")
            out.text = xml_text("\n".join(f"{f.object}: {f.message}" for f in by_code[check.code]))
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


_NOT_RUN = (Outcome.NOT_EVALUATED, Outcome.SKIPPED)


def sarif(result: DiagnoseResult) -> str:
    rules = [
        {
            "id": c.code,
            "name": c.title,
            "shortDescription": {"text": c.title},
            "fullDescription": {"text": c.doc},
            "defaultConfiguration": {"level": SARIF_LEVEL[c.severity]},
        }
        for c in result.checks
    ]
    results = [
        {
            "ruleId": f.code,
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "logicalLocations": [
                        {"fullyQualifiedName": str(f.object), "kind": f.object.kind, "name": f.object.name}
                    ]
                }
            ],
            "properties": {"evidence": f.evidence, "runbooks": [e.to_dict() for e in f.entries]},
        }
        for f in result.findings
    ]
    notifications: list[dict[str, Any]] = [
        {
            "level": "warning" if r.outcome is Outcome.NOT_EVALUATED else "note",
            "message": {"text": f"{check.code} {r.outcome.value}: {r.reason}"},
            "descriptor": {"id": check.code},
            "properties": {"outcome": r.outcome.value},
        }
        for check, r in _results(result)
        if r.outcome in _NOT_RUN
    ]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "medic", "version": __version__, "rules": rules}},
                "invocations": [
                    {
                        # false when a selected check could not look at what it reads: "0 results" is not "clean"
                        "executionSuccessful": not result.with_outcome(Outcome.NOT_EVALUATED),
                        "toolExecutionNotifications": notifications,
                        "properties": {"coverage": result.outcomes()},
                    }
                ],
                "results": results,
            }
        ],
    }
    return dumps(doc)
