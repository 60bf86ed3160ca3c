"""The terminal report: findings grouped by severity, then namespace, with counts and runbook links."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from medic.diagnose import DiagnoseResult
from medic.model import Finding, Severity

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _object(f: Finding) -> str:
    return f"{f.object.kind}/{f.object.name}"


def print_report(console: Console, result: DiagnoseResult, explain: bool = False, max_per_group: int = 50) -> None:
    meta = result.meta
    c = result.counts()
    console.print(
        f"[bold]Medic diagnosis[/] · context {escape(str(meta.get('context') or '-'))} · "
        f"Kubernetes {escape(str(meta.get('cluster_version') or '?'))} · collected "
        f"{escape(str(meta.get('collected_at') or '?'))} · {len(result.checks)} checks"
    )
    for s in meta.get("skipped") or []:
        console.print(
            f"[dim]  not collected: {escape(str(s.get('kind')))} ({escape(str(s.get('status')))}"
            f"{': ' + escape(str(s.get('reason'))) if s.get('reason') else ''})[/]"
        )
    if not result.findings:
        console.print("[green]No findings.[/]")
        return
    for sev in Severity:
        found = [f for f in result.findings if f.severity is sev]
        if not found:
            continue
        console.print()
        console.print(f"[{STYLE[sev]}]{sev.value.upper()}S ({len(found)})[/]")
        by_ns: dict[str, list[Finding]] = {}
        for f in found:
            by_ns.setdefault(f.object.namespace or "(cluster)", []).append(f)
        for ns in sorted(by_ns):
            members = by_ns[ns]
            console.print(f"  [bold]{escape(ns)}[/] ({len(members)})")
            for f in members[:max_per_group]:
                console.print(
                    f"    [{STYLE[sev]}]{f.code}[/] {escape(_object(f))}: {escape(f.message)}", highlight=False
                )
                # evidence: all of it when explaining, else one line for findings that name no entry
                shown = f.evidence[:6] if explain else [] if f.entries else f.evidence[:1]
                for line in shown:
                    console.print(f"      [dim]│ {escape(line[:200])}[/]")
                for e in f.entries[: (4 if explain else 1)]:
                    where = "built-in" if e.builtin else "runbook"
                    console.print(
                        f"      [green]→[/] {escape(e.title)} [dim]({where}, {e.id}"
                        f"{', ' + e.via if explain else ''})[/]"
                    )
            if len(members) > max_per_group:
                console.print(f"    [dim]… {len(members) - max_per_group} more (see --output json)[/]")
    console.print()
    console.print(
        f"[bold]{len(result.findings)} finding(s):[/] [red]{c['error']} error(s)[/], "
        f"[yellow]{c['warning']} warning(s)[/], [cyan]{c['info']} info[/]"
        + ("" if explain else " · `medic show ID` for a runbook entry, --explain for evidence")
    )
