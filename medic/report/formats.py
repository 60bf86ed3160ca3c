"""Machine and document reports of a diagnosis. Each is a pure function: result → text."""

from __future__ import annotations

import html as _html
import json
from collections import defaultdict
from xml.etree import ElementTree as ET

from medic import __version__
from medic.diagnose import DiagnoseResult
from medic.model import Finding, Severity

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def json_report(result: DiagnoseResult) -> str:
    return json.dumps(
        {
            "cluster": {
                k: result.meta.get(k) for k in ("context", "cluster_version", "collected_at", "namespaces", "skipped")
            },
            "checks": len(result.checks),
            "counts": result.counts(),
            "findings": [f.to_dict() for f in result.findings],
        },
        ensure_ascii=False,
        indent=2,
    )


def _by_namespace(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.object.namespace or "(cluster)"].append(f)
    return dict(sorted(groups.items()))


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: DiagnoseResult) -> str:
    c = result.counts()
    lines = [
        "# Medic diagnosis",
        "",
        f"Context `{result.meta.get('context') or '-'}`, Kubernetes {result.meta.get('cluster_version') or '?'}, "
        f"collected {result.meta.get('collected_at') or '?'}; {len(result.checks)} checks: "
        f"**{c['error']} errors**, {c['warning']} warnings, {c['info']} info.",
        "",
    ]
    for sev in Severity:
        found = [f for f in result.findings if f.severity is sev]
        if not found:
            continue
        lines += [f"## {sev.value.capitalize()} ({len(found)})", ""]
        for ns, members in _by_namespace(found).items():
            lines += [f"### {ns}", "", "| Code | Object | Message | Runbook |", "|---|---|---|---|"]
            for f in members:
                runbook = "<br>".join(f"{_md_escape(e.title)} (`{e.id}`)" for e in f.entries[:2]) or "-"
                lines.append(
                    f"| {f.code} | {f.object.kind}/{_md_escape(f.object.name)} | {_md_escape(f.message)} | {runbook} |"
                )
            lines.append("")
    skipped = result.meta.get("skipped") or []
    if skipped:
        lines += ["## Not collected", ""]
        lines += [f"- {s.get('kind')}: {s.get('status')} {s.get('reason', '')}".rstrip() for s in skipped]
        lines.append("")
    return "\n".join(lines)


def html(result: DiagnoseResult) -> str:
    c = result.counts()
    esc = _html.escape
    rows = []
    for f in result.findings:
        runbook = "<br>".join(f"{esc(e.title)} <code>{esc(e.id)}</code>" for e in f.entries[:2])
        evidence = "<br>".join(esc(x) for x in f.evidence[:4])
        rows.append(
            f'<tr class="{f.severity.value}"><td>{esc(f.severity.value)}</td><td>{esc(f.code)}</td>'
            f"<td>{esc(f.object.namespace)}</td><td>{esc(f.object.kind)}/{esc(f.object.name)}</td>"
            f"<td>{esc(f.message)}<div class=ev>{evidence}</div></td><td>{runbook}</td></tr>"
        )
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Medic diagnosis</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:14px}"
        ".error td:first-child{color:#b00;font-weight:bold}.warning td:first-child{color:#a60}"
        ".ev{color:#555;font-family:monospace;font-size:12px;margin-top:4px}</style></head><body>"
        f"<h1>Medic diagnosis</h1><p>Context <code>{esc(str(result.meta.get('context') or '-'))}</code>, "
        f"Kubernetes {esc(str(result.meta.get('cluster_version') or '?'))}, collected "
        f"{esc(str(result.meta.get('collected_at') or '?'))}. {len(result.checks)} checks: {c['error']} errors, "
        f"{c['warning']} warnings, {c['info']} info.</p><table><tr><th>Severity</th><th>Code</th>"
        "<th>Namespace</th><th>Object</th><th>Message and evidence</th><th>Runbook</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )


def junit(result: DiagnoseResult) -> str:
    """One test case per check; each error/warning finding is a failure of its check's case."""
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_code[f.code].append(f)
    suite = ET.Element(
        "testsuite",
        name="medic",
        tests=str(len(result.checks)),
        failures=str(sum(1 for c in result.checks if any(f.severity is not Severity.INFO for f in by_code[c.code]))),
    )
    for check in result.checks:
        case = ET.SubElement(suite, "testcase", classname=f"medic.{check.area}", name=f"{check.code} {check.title}")
        failing = [f for f in by_code[check.code] if f.severity is not Severity.INFO]
        if failing:
            failure = ET.SubElement(
                case, "failure", message=f"{len(failing)} finding(s)", type=str(failing[0].severity.value)
            )
            failure.text = "\n".join(f"{f.object}: {f.message}" for f in failing)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


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
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "medic", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)
