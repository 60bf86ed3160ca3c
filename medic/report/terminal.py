"""The terminal report: findings grouped by severity, then namespace, with counts and runbook links, then
what was checked: every check that could not be evaluated or was skipped, grouped by why.

Every piece of data goes through ``medic.report.safe.term``: control characters are shown, Rich markup
in a name is text."""

from __future__ import annotations

from rich.console import Console

from medic.diagnose import DiagnoseResult
from medic.model import Finding, Outcome, Severity
from medic.report.safe import term

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MAX_CODES_SHOWN = 12  # codes listed per coverage reason; the rest are counted


def _object(f: Finding) -> str:
    return f"{f.object.kind}/{f.object.name}"


def print_report(console: Console, result: DiagnoseResult, explain: bool = False, max_per_group: int = 50) -> None:
    meta = result.meta
    c = result.counts()
    console.print(
        f"[bold]Medic diagnosis[/] · context {term(meta.get('context') or '-')} · "
        f"Kubernetes {term(meta.get('cluster_version') or '?')} · collected "
        f"{term(meta.get('collected_at') or '?')} · {len(result.checks)} checks"
    )
    for s in meta.get("skipped") or []:
        if not isinstance(s, dict):
            continue
        console.print(
            f"[dim]  not collected: {term(s.get('kind'))} ({term(s.get('status'))}"
            f"{': ' + term(s.get('reason')) if s.get('reason') else ''})[/]"
        )
    if not result.findings:
        if result.with_outcome(Outcome.NOT_EVALUATED):
            console.print("[yellow]No findings, but some checks could not be evaluated (below).[/]")
        else:
            console.print("[green]No findings.[/]")
    for sev in Severity:
        found = [f for f in result.findings if f.severity is sev]
        if not found:
            continue
        console.print()
        console.print(f"[{STYLE[sev]}]{sev.value.upper()}S ({len(found)})[/]")
        by_ns: dict[str, list[Finding]] = {}
        for f in found:
            by_ns.setdefault(f.object.namespace, []).append(f)
        for ns in sorted(by_ns, key=lambda n: (n != "", n)):  # cluster-scoped objects first
            members = by_ns[ns]
            where = f"namespace {term(ns)}" if ns else "cluster-scoped"
            console.print(f"  [bold]{where}[/] ({len(members)})")
            for f in members[:max_per_group]:
                console.print(f"    [{STYLE[sev]}]{term(f.code)}[/] {term(_object(f))}: {term(f.message)}")
                # evidence: all of it when explaining, else one line for findings that name no entry
                shown = f.evidence[:6] if explain else [] if f.entries else f.evidence[:1]
                for line in shown:
                    console.print(f"      [dim]│ {term(line[:200])}[/]")
                for e in f.entries[: (4 if explain else 1)]:
                    where = "built-in" if e.builtin else "runbook"
                    console.print(
                        f"      [green]→[/] {term(e.title)} [dim]({where}, {term(e.id)}"
                        f"{', ' + term(e.via) if explain else ''})[/]"
                    )
            if len(members) > max_per_group:
                console.print(f"    [dim]… {len(members) - max_per_group} more (see --output json)[/]")
    _print_coverage(console, result, explain)
    console.print()
    if result.findings:
        console.print(
            f"[bold]{len(result.findings)} finding(s):[/] [red]{c['error']} error(s)[/], "
            f"[yellow]{c['warning']} warning(s)[/], [cyan]{c['info']} info[/]"
            + ("" if explain else " · `medic show ID` for a runbook entry, --explain for evidence")
        )
    style = "yellow" if result.with_outcome(Outcome.NOT_EVALUATED) else "dim"
    console.print(f"[{style}]{term(result.summary())}[/]")


def _print_coverage(console: Console, result: DiagnoseResult, explain: bool) -> None:
    """Checks that could not be evaluated (always) and skipped ones (with --explain), grouped by reason."""
    for outcome in (Outcome.NOT_EVALUATED, Outcome.SKIPPED):
        rows = result.with_outcome(outcome)
        if not rows or (outcome is Outcome.SKIPPED and not explain):
            continue
        by_reason: dict[str, list[str]] = {}
        for r in rows:
            by_reason.setdefault(r.reason or "-", []).append(r.code)
        console.print()
        label = "[yellow]NOT EVALUATED[/]" if outcome is Outcome.NOT_EVALUATED else "[dim]SKIPPED[/]"
        console.print(f"{label} ({len(rows)})")
        for reason, codes in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            more = f" +{len(codes) - MAX_CODES_SHOWN}" if len(codes) > MAX_CODES_SHOWN else ""
            console.print(f"  {term(', '.join(codes[:MAX_CODES_SHOWN]))}{more}: {term(reason)}")
