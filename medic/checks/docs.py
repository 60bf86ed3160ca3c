"""The check reference, generated from the registry (docs/checks.md is this function's output)."""

from __future__ import annotations

from medic.checks.registry import Check, catalog_anchors

AREA_TITLES = {
    "pods": "Pods and containers",
    "scheduling": "Scheduling",
    "workloads": "Workloads",
    "storage": "Storage",
    "quotas": "Quotas and limits",
    "nodes": "Nodes",
    "control_plane": "Control plane",
    "network": "Networking",
    "hygiene": "Cluster hygiene",
    "logs": "Logs",
    "log_signatures": "Logs",
    "hosts": "Hosts",
}


def checks_markdown(checks: list[Check]) -> str:
    anchors = catalog_anchors()
    lines = [
        "# Check reference",
        "",
        "Generated from the registry by `medic checks --markdown`; do not edit by hand.",
        "Every finding carries its code; `medic diagnose --checks CODE,...` runs only some checks.",
        "Tag a section of your own runbook with `!<code>` (for example `!pod101`) to link it to a check.",
        "",
        "Every run gives each check one outcome, shown in every report format: **failed** (it made findings),",
        "**passed**, **not evaluated** (a kind it reads, other than the events and logs that only add evidence,",
        "is missing from the snapshot or could not be listed (403, 404, timeout), or the check stopped on",
        "malformed input) or **skipped** (deselected by `--checks`, cluster-scoped under `-n`, host checks on",
        "a snapshot without host facts, or a check that reasons from missing objects on pasted output).",
        "`--fail-on` also fails when a selected check was not evaluated",
        "(`--allow-not-evaluated` turns that off).",
        "",
        "| Code | Severity | Title |",
        "|---|---|---|",
    ]
    lines += [f"| [{c.code}](#{c.code.lower()}) | {c.severity.value} | {c.title} |" for c in checks]
    area = None
    for c in checks:
        title = AREA_TITLES.get(c.area, c.area)
        if title != area:
            area = title
            lines += ["", f"## {title}"]
        lines += [
            "",
            f"### {c.code}",
            "",
            f"**{c.title}** · severity `{c.severity.value}` · looks at: {', '.join(c.looks_at)}",
            "",
            f"Message: `{c.message}`",
            "",
            c.doc,
        ]
        if c.absent:
            lines += [
                "",
                f"Reasons from missing {', '.join(c.absent)}: not run on pasted output (a partial snapshot).",
            ]
        if c.links:
            lines += ["", "Runbook entries (built-in):", ""]
            lines += [f"- {anchors[link][0] if link in anchors else link} (`{link}`)" for link in c.links]
    return "\n".join(lines) + "\n"
