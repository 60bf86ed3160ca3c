"""Evidence: ``triage`` (runbook entries for a log, an error, an alert or pasted output) and ``parse``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medic.cli.output import Json, Output, choose, emit
from medic.cli.state import app_state, display_source
from medic.errors import MedicError
from medic.report.safe import dumps, term

if TYPE_CHECKING:
    from medic.model import Finding
    from medic.report.console import CopyConsole

FINDINGS_SHOWN = 20  # a paste of a whole namespace can hold hundreds: the worst ones, then a count
FINDING_ENTRIES_SHOWN = 2  # the runbook entries a check links to, best first: its own, and maybe one of the team's
QUOTE_CHARS = 160  # a quoted evidence line is cut at a space after about this many characters (logs run long)
PARSE_MAX = 64 * 1024 * 1024


def _print_findings(out: CopyConsole, findings: list[Finding]) -> None:
    """What the checks saw in the pasted output, worst first: a crash-looping pod is news even when no runbook
    entry matches it."""
    ranked = sorted(findings, key=lambda f: (-f.severity.rank, f.code, str(f.object)))
    for f in ranked[:FINDINGS_SHOWN]:
        style = {"error": "red", "warning": "yellow"}.get(str(f.severity), "dim")
        out.print(f"  [{style}]{term(str(f.severity).upper())}[/] {term(f.code)} {term(f.object)}: {term(f.message)}")
        for link in f.entries[:FINDING_ENTRIES_SHOWN]:  # the runbook the check links to, printed as a match or not
            out.print(f"    [dim]runbook: {term(link.title)} (medic show {term(link.id)})[/]")
    if len(ranked) > FINDINGS_SHOWN:
        out.print(f"  [dim]... and {len(ranked) - FINDINGS_SHOWN} more (-o json lists every finding)[/]")


def register(app: typer.Typer) -> None:
    @app.command("triage")
    def triage_cmd(
        ctx: typer.Context,
        evidence: Annotated[
            str | None,
            typer.Argument(
                metavar="FILE", help="Log file (plain or .gz), or - for standard input.", show_default=False
            ),
        ] = None,
        output: Output = None,
        as_json: Json = False,
        show_all: Annotated[bool, typer.Option("--all", help="Also show weaker candidates.")] = False,
        top: Annotated[int, typer.Option("--top", metavar="N", help="At most this many matches.")] = 5,
        engine: Annotated[str, typer.Option("--engine", help="hyperscan (default) or re2.")] = "hyperscan",
    ) -> None:
        """Find the runbook entries that explain an error, a log, an alert or command output."""
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from medic.evidence.text import open_evidence
        from medic.pasted import triage_pasted
        from medic.report.console import clip_words
        from medic.report.triage_doc import triage_document

        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        if top < 1:
            raise MedicError("--top must be at least 1")
        if engine not in ("hyperscan", "re2"):
            raise MedicError(f"--engine must be hyperscan or re2 (got {engine!r})")
        if evidence is None and sys.stdin.isatty():
            raise MedicError("give a file to triage, or pipe the evidence: `kubectl describe pod x | medic triage -`")
        store = state.open_store()
        # the bar knows the total for a plain file; a compressed one or a pipe only counts what was read
        plain = evidence not in (None, "-") and Path(evidence).is_file() and not evidence.endswith(".gz")
        size = Path(evidence).stat().st_size if plain and evidence else None
        err = state.err
        with (
            open_evidence(evidence) as stream,
            Progress(
                TextColumn("[bold]triage"),
                BarColumn(),
                TextColumn("{task.completed:,.0f} bytes"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,
            ) as bar,
        ):
            task = bar.add_task("", total=size)
            pasted = triage_pasted(
                store,
                stream,
                top=top,
                include_weak=show_all,
                engine=engine,
                progress=lambda done: bar.update(task, completed=min(done, size or done)),
            )
        result = pasted.triage
        doc = triage_document(pasted)  # redacts what the text mode prints too
        if fmt != "text":
            emit(doc, fmt)
            return
        out = state.out
        if pasted.parsed.blocks:
            kinds = ", ".join(f"{b.kind} (lines {b.start_line}-{b.end_line})" for b in pasted.parsed.blocks[:6])
            out.print(f"[dim]command output recognised: {term(kinds)}; {len(pasted.findings)} finding(s)[/]")
            _print_findings(out, pasted.findings)
            for b in pasted.parsed.blocks:
                # a block Medic recognised but refused to decode (an alias bomb, nesting too deep) says why
                if isinstance(b.facts, dict) and b.facts.get("error"):
                    out.print(f"[dim]note: lines {b.start_line}-{b.end_line}: {term(b.facts['error'])}[/]")
        if not result.matches:
            out.print(
                f"no confident match in {result.lines} lines ({result.signatures} signatures checked)"
                + ("" if show_all else "; --all shows weaker candidates")
            )
            return
        for n, m in enumerate(result.matches, start=1):
            e = m.entry
            out.print(f"[bold]{n}. {term(e.title)}[/]  [cyan]\\[{term(e.lang)}][/]  confidence {m.confidence:.0%}")
            out.print(
                f"   [dim]{term(display_source(e.source))}:{e.line_start}  {term(' › '.join(e.heading_path[:-1]))}[/]"
            )
            if m.evidence:
                out.print("   [bold]why[/]")
                for h in m.evidence[:5]:
                    out.print(f"     line {h.line_no}: {term(clip_words(h.text, QUOTE_CHARS))}")
                    out.print(f"       [dim]≈ {term(clip_words(h.matched, QUOTE_CHARS))}[/]")
            if m.tests:  # commands and checks are printed whole: they are meant to be copied
                out.print("   [bold]is it this issue?[/]")
                for t in m.tests[:5]:
                    out.print(f"     {term(t)}")
            if m.fixes:
                out.print("   [bold]fix[/]")
                for f in m.fixes[:6]:
                    out.print(f"     {term(f)}")
            out.print(f"   [dim]whole entry: medic show {term(e.id)}[/]")

    @app.command("parse")
    def parse_cmd(
        ctx: typer.Context,
        evidence: Annotated[
            str | None,
            typer.Argument(
                metavar="FILE", help="Pasted output (file, .gz), or - for standard input.", show_default=False
            ),
        ] = None,
        output: Output = None,
        as_json: Json = False,
    ) -> None:
        """Show the command outputs Medic recognises in pasted text, and the facts it reads from them."""
        from medic.evidence.outputs.registry import parse_lines
        from medic.evidence.text import decode_text, open_evidence
        from medic.report.console import clip_words
        from medic.report.parse_doc import parse_document

        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        if evidence is None and sys.stdin.isatty():
            raise MedicError("give a file to parse, or pipe the output: `drbdadm status | medic parse -`")
        with open_evidence(evidence) as stream:
            data = stream.read(PARSE_MAX + 1)
        if len(data) > PARSE_MAX:
            raise MedicError(
                f"{evidence}: more than {PARSE_MAX >> 20} MB; `medic parse` reads pasted output, not whole logs"
            )
        text = decode_text(data)
        if fmt != "text":
            emit(parse_document(text), fmt)  # the document POST /api/v1/parse answers
            return
        result = parse_lines(text.splitlines())
        out = state.out
        if not result.blocks:
            out.print(f"no command output recognised ({len(result.plain)} plain lines)")
            return
        for b in result.blocks:
            out.print(
                f"[bold]{term(b.kind)}[/]  lines {b.start_line}-{b.end_line}"
                + (f"  [dim]$ {term(b.command)}[/]" if b.command else "")
            )
            out.print("  " + term(clip_words(dumps(b.facts, indent=None, default=str), 1500)))
        out.print(f"[dim]{len(result.blocks)} block(s), {len(result.plain)} plain line(s)[/]")
