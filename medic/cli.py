"""The ``medic`` command line: thin commands that call one library function and render the result.

Imports are lazy: each command imports what it uses, so `medic --help` (and a typo) never loads NumPy,
the knowledge base or the sentence encoder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from medic import blasenv
from medic.act.commands import register as register_act
from medic.config import resolve_db_path
from medic.errors import MedicError
from medic.report.safe import dumps, term
from medic.serve.command import register as register_serve

if TYPE_CHECKING:
    from medic.knowledge.store import Store
    from medic.model import Entry, Finding, SearchHit

app = typer.Typer(
    name="medic",
    help="Offline troubleshooting for Kubernetes and container platforms: runbooks in, explained answers out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
register_act(app)
register_serve(app, lambda: resolve_db_path(State.db))
out = Console(highlight=False, soft_wrap=False, emoji=False)  # data is never markup, emoji codes included
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class State:
    db: str | None = None


def _open_store(with_builtin: bool = True, read_only: bool = False) -> Store:
    """The knowledge base, the built-in catalog indexed in it. ``read_only`` (commands that only read it):
    opened read-only when it needs no write (no format upgrade, the catalog up to date), so a reader never
    takes SQLite's write paths; otherwise opened for writing, once."""
    from medic.errors import StoreError
    from medic.knowledge.ingest import builtin_files, builtin_fingerprint, ensure_builtin, index_paths
    from medic.knowledge.store import Store

    path = resolve_db_path(State.db)
    if read_only and path.is_file():
        try:
            store = Store(path, read_only=True)
        except StoreError:
            pass  # opened for writing below, which says what is wrong
        else:
            current = not with_builtin or store.meta("builtin_fingerprint") == builtin_fingerprint(builtin_files())
            if not store.needs_write() and current:
                return store
            store.close()
    store = Store(path)
    again = store.pending_reindex()
    if again:
        err.print(f"[yellow]note:[/] the knowledge base format changed; indexing {len(again)} file(s) again")
        index_paths(store, [p for p in again if Path(p).exists()])
    if with_builtin:
        ensure_builtin(store)
    return store


def display_source(source: str) -> str:
    if source.startswith("builtin:"):
        return source
    cwd = os.getcwd()
    if source.startswith(cwd + os.sep):
        return os.path.relpath(source, cwd)
    return source


@app.callback()
def main_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Knowledge database file (default: $MEDIC_DB, else the XDG data dir).", show_default=False
        ),
    ] = None,
) -> None:
    State.db = db


@app.command("index")
def index_cmd(
    paths: Annotated[list[str], typer.Argument(help="Runbook files or folders (searched recursively).")],
    force: Annotated[bool, typer.Option("--force", help="Parse every file again, even unchanged ones.")] = False,
) -> None:
    """Index runbooks (Markdown, reStructuredText; ja/zh/ko/en). Unchanged files are skipped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from medic.knowledge.ingest import index_paths

    store = _open_store()
    with Progress(
        TextColumn("[bold]indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, description=term(Path(path).name) if path else "")

        report = index_paths(store, paths, progress=progress, force=force)
        if report.indexed or report.removed:
            # compile the signature database now, so the first triage does not wait for it
            bar.update(task, description="compiling signatures")
            from medic.triage import signature_set

            signature_set(store)
    for path, reason in report.failed:
        err.print(f"[yellow]warning:[/] {term(display_source(path))}: {term(reason)}")
    counts = store.count()
    out.print(
        f"indexed {len(report.indexed)} file(s) ({report.entries} entries), {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed; "
        f"the knowledge base holds {counts['entries']} entries from {counts['sources']} sources"
    )
    if report.failed:
        raise typer.Exit(1)


def _print_hits(hits: list[SearchHit]) -> None:
    if not hits:
        out.print("no matching entries")
        return
    for n, hit in enumerate(hits, start=1):
        path = " › ".join(hit.heading_path[:-1])
        out.print(f"[bold]{n}. {term(hit.title)}[/]  [cyan]\\[{term(hit.lang)}][/]  score {hit.score:.2f}")
        out.print(
            f"   [dim]{term(display_source(hit.source))}:{hit.line_start}"
            f"{'  ' + term(path) if path else ''}  id {term(hit.id)}[/]"
        )
        snip = term(hit.snippet)
        parts = snip.split("**")
        rendered = "".join(f"[bold yellow]{p}[/]" if i % 2 else p for i, p in enumerate(parts))
        out.print(f"   {rendered}")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words in any language, or !tag to look up a runbook tag.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Only entries in this language: en, ja, zh, ko.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Number of results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_builtin: Annotated[bool, typer.Option("--no-builtin", help="Leave out the built-in catalog.")] = False,
) -> None:
    """Search the runbooks (lexical + cross-lingual semantic)."""
    from medic.knowledge.search import search

    if lang is not None and lang not in ("en", "ja", "zh", "ko"):
        raise MedicError(f"--lang must be one of en, ja, zh, ko (got {lang!r})")
    store = _open_store(read_only=True)
    hits = search(store, query, lang=lang, limit=limit, include_builtin=not no_builtin)
    if as_json:
        sys.stdout.write(dumps({"results": [h.to_dict() for h in hits]}) + "\n")
    else:
        _print_hits(hits)


ROLE_LABELS = {  # by Role value (medic.model is imported by the commands that need it)
    "symptom": "Symptoms",
    "test": "Tests",
    "cause": "Cause",
    "fix": "Fix",
    "rollback": "Rollback",
    "note": "Notes",
}


def _print_entry(entry: Entry, store: Store) -> None:
    out.rule(f"[bold]{term(entry.title)}")
    out.print(
        f"[dim]{term(display_source(entry.source))}:{entry.line_start}-{entry.line_end}  "
        f"lang {term(entry.lang)}  id {term(entry.id)}"
        + (f"  role {term(entry.role)}" if entry.is_part else "")
        + "[/]"
    )
    out.print(f"[dim]{term(' › '.join(entry.heading_path))}[/]")
    if entry.tags:
        out.print("tags: " + ", ".join(f"[magenta]!{term(t)}[/]" for t in entry.tags))
    _print_twins(entry, store)
    _print_body(entry)
    parts = store.entries(p.id for p in entry.parts)
    for ref in entry.parts:
        part = parts.get(ref.id)
        if part is None:
            continue
        out.print(
            f"\n[bold green]{term(ROLE_LABELS.get(ref.role, ref.role))}[/] — {term(part.title)} "
            f"[dim](id {term(part.id)})[/]"
        )
        _print_body(part)


def _twins(entry: Entry, store: Store) -> list[dict[str, object]]:
    from medic import rank

    pairs = rank.twins_of(store, entry.id)
    others = store.entries(i for i, _ in pairs)
    return [
        {"id": i, "title": e.title, "source": e.source, "builtin": e.builtin, "score": round(s, 3)}
        for i, s in pairs
        if (e := others.get(i)) is not None
    ]


def _print_twins(entry: Entry, store: Store) -> None:
    """The entries on the same problem (built-in twins): triage lets the catalog's evidence count for them."""
    for t in _twins(entry, store):
        kind = "built-in" if t["builtin"] else "your runbook"
        out.print(
            f"same problem as {kind}: {term(str(t['title']))} [dim](id {term(str(t['id']))}, "
            f"{term(display_source(str(t['source'])))}, twin score {t['score']})[/]"
        )


def _print_body(entry: Entry) -> None:
    if entry.body:
        out.print(term(entry.body))
    for block in entry.code_blocks:
        out.print(f"[dim]── {term(block.kind)} ({term(block.lang)}), line {block.line}[/]")
        out.print(term(block.text), style="cyan")


@app.command("show")
def show_cmd(
    entry_id: Annotated[str, typer.Argument(help="Entry id (or a unique prefix) from `medic search`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one entry with its parts (symptoms, tests, fix, rollback...) and code blocks."""
    store = _open_store(read_only=True)
    entry = store.get(entry_id)
    if as_json:
        data = store.entry_document(entry)
        data["twins"] = _twins(entry, store)
        sys.stdout.write(dumps(data) + "\n")
    else:
        _print_entry(entry, store)


@app.command("triage")
def triage_cmd(
    evidence: Annotated[
        str | None, typer.Argument(help="Log file (plain or .gz), or - for standard input.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Also show weaker candidates.")] = False,
    top: Annotated[int, typer.Option("--top", help="At most this many matches.")] = 5,
    engine: Annotated[str, typer.Option("--engine", help="hyperscan (default) or re2.")] = "hyperscan",
) -> None:
    """Find the runbook entries that explain an error, a log, an alert or command output."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from medic.evidence.text import open_evidence
    from medic.pasted import triage_pasted
    from medic.report.triage_doc import triage_document

    if top < 1:
        raise MedicError("--top must be at least 1")
    if engine not in ("hyperscan", "re2"):
        raise MedicError(f"--engine must be hyperscan or re2 (got {engine!r})")
    if evidence is None and sys.stdin.isatty():
        raise MedicError("give a file to triage, or pipe the evidence: `kubectl describe pod x | medic triage -`")
    store = _open_store()
    # the bar knows the total for a plain file; a compressed one or a pipe only counts what was read
    plain = evidence not in (None, "-") and Path(evidence).is_file() and not evidence.endswith(".gz")
    size = Path(evidence).stat().st_size if plain and evidence else None
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
    if as_json:
        sys.stdout.write(dumps(doc) + "\n")
        return
    if pasted.parsed.blocks:
        kinds = ", ".join(f"{b.kind} (lines {b.start_line}-{b.end_line})" for b in pasted.parsed.blocks[:6])
        out.print(f"[dim]command output recognised: {term(kinds)}; {len(pasted.findings)} finding(s)[/]")
        _print_findings(pasted.findings)
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
                out.print(f"     line {h.line_no}: {term(h.text[:160])}")
                out.print(f"       [dim]≈ {term(h.matched[:160])}[/]")
        if m.tests:
            out.print("   [bold]is it this issue?[/]")
            for t in m.tests[:5]:
                out.print(f"     {term(t[:160])}")
        if m.fixes:
            out.print("   [bold]fix[/]")
            for f in m.fixes[:6]:
                out.print(f"     {term(f[:160])}")
        out.print(f"   [dim]whole entry: medic show {term(e.id)}[/]")


FINDINGS_SHOWN = 20  # a paste of a whole namespace can hold hundreds: the worst ones, then a count


def _print_findings(findings: list[Finding]) -> None:
    """What the checks saw in the pasted output, worst first: a crash-looping pod is news even when no runbook
    entry matches it."""
    ranked = sorted(findings, key=lambda f: (-f.severity.rank, f.code, str(f.object)))
    for f in ranked[:FINDINGS_SHOWN]:
        style = {"error": "red", "warning": "yellow"}.get(str(f.severity), "dim")
        out.print(f"  [{style}]{term(str(f.severity).upper())}[/] {term(f.code)} {term(f.object)}: {term(f.message)}")
    if len(ranked) > FINDINGS_SHOWN:
        out.print(f"  [dim]... and {len(ranked) - FINDINGS_SHOWN} more (--json lists every finding)[/]")


PARSE_MAX = 64 * 1024 * 1024


@app.command("parse")
def parse_cmd(
    evidence: Annotated[
        str | None, typer.Argument(help="Pasted output (file, .gz), or - for standard input.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the command outputs Medic recognises in pasted text, and the facts it reads from them."""
    from medic.evidence.outputs.registry import parse_lines
    from medic.evidence.text import decode_text, open_evidence

    if evidence is None and sys.stdin.isatty():
        raise MedicError("give a file to parse, or pipe the output: `drbdadm status | medic parse -`")
    with open_evidence(evidence) as stream:
        data = stream.read(PARSE_MAX + 1)
    if len(data) > PARSE_MAX:
        raise MedicError(
            f"{evidence}: more than {PARSE_MAX >> 20} MB; `medic parse` reads pasted output, not whole logs"
        )
    text = decode_text(data)
    result = parse_lines(text.splitlines())
    if as_json:
        doc = {"blocks": [b.to_dict() for b in result.blocks], "plain_lines": len(result.plain)}
        sys.stdout.write(dumps(doc, default=str) + "\n")
        return
    if not result.blocks:
        out.print(f"no command output recognised ({len(result.plain)} plain lines)")
        return
    for b in result.blocks:
        out.print(
            f"[bold]{term(b.kind)}[/]  lines {b.start_line}-{b.end_line}"
            + (f"  [dim]$ {term(b.command)}[/]" if b.command else "")
        )
        out.print("  " + term(dumps(b.facts, indent=None, default=str)[:1500]))
    out.print(f"[dim]{len(result.blocks)} block(s), {len(result.plain)} plain line(s)[/]")


@app.command("sources")
def sources_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the indexed runbook files."""
    store = _open_store(read_only=True)
    infos = store.sources()
    if as_json:
        sys.stdout.write(
            dumps(
                {
                    "sources": [
                        {"path": i.path, "format": i.fmt, "lang": i.lang, "builtin": i.builtin, "entries": i.entries}
                        for i in infos
                    ]
                }
            )
            + "\n"
        )
        return
    for i in infos:
        out.print(f"{term(display_source(i.path))}  [dim]{term(i.fmt)} {term(i.lang)} {i.entries} entries[/]")


def _namespaces(namespace: list[str] | None, all_namespaces: bool) -> list[str] | None:
    if namespace and all_namespaces:
        raise MedicError("give either -n/--namespace or -A/--all-namespaces, not both")
    return None if all_namespaces or not namespace else namespace


@app.command("collect")
def collect_cmd(
    context: Annotated[str | None, typer.Option("--context", help="kubeconfig context (default: current).")] = None,
    kubeconfig: Annotated[
        str | None, typer.Option("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config).")
    ] = None,
    namespace: Annotated[
        list[str] | None, typer.Option("-n", "--namespace", help="Only this namespace (repeatable).")
    ] = None,
    all_namespaces: Annotated[bool, typer.Option("-A", "--all-namespaces", help="Every namespace (default).")] = False,
    output: Annotated[Path, typer.Option("-o", "--output", help="Bundle file to write.")] = Path("bundle.tar.gz"),
    logs: Annotated[int, typer.Option("--logs", help="Last N log lines of unhealthy pods' containers.")] = 100,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per API request.")] = 30.0,
    post: Annotated[
        str | None, typer.Option("--post", help="Then send the bundle to a medic serve at this URL to diagnose.")
    ] = None,
    token_file: Annotated[
        str | None, typer.Option("--token-file", help="With --post: the bearer token (else $MEDIC_TOKEN).")
    ] = None,
) -> None:
    """Collect a read-only snapshot of a live cluster into an offline bundle (secrets redacted)."""
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    from medic.evidence.bundle import write_bundle
    from medic.evidence.kube import ClusterError, CollectOptions, collect

    if logs < 0:
        raise MedicError("--logs must be 0 or more")
    token = None
    if post is not None:
        from medic.serve.client import check_url, token_from

        check_url(post)  # before the cluster walk: a wrong URL or a missing token should not cost one
        token = token_from(token_file)
    options = CollectOptions(
        context=context,
        kubeconfig=kubeconfig,
        namespaces=_namespaces(namespace, all_namespaces),
        log_lines=logs,
        timeout=timeout,
    )
    with Progress(
        TextColumn("[bold]collecting"),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} objects"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("", total=None)
        counts: dict[str, int] = {}

        def progress(kind: str, n: int) -> None:
            counts[kind] = n
            bar.update(task, description=term(kind), completed=sum(counts.values()))

        snap = collect(options, progress=progress)
    total = sum(len(v) for v in snap.objects.values())
    skipped = [s for s in snap.meta.get("skipped") or [] if isinstance(s, dict)]
    if not total:  # a proxy that answers 404 everywhere, or credentials that may list nothing
        statuses = sorted({str(s.get("status")) for s in skipped})
        raise ClusterError(
            f"collected 0 objects from {snap.meta.get('server') or 'the API server'}"
            + (f": {len(skipped)} listing(s) answered {', '.join(statuses)}" if skipped else "")
            + "; no bundle written (is it a Kubernetes API server, and may these credentials list anything?)"
        )
    write_bundle(snap, output)
    err.print(
        f"wrote {term(output)}: {total:,} objects of {len(snap.objects)} kinds, {len(snap.logs)} container logs"
        + (f"; skipped {term(', '.join(str(s.get('kind')) for s in skipped))}" if skipped else "")
    )
    if post is not None and token is not None:
        from medic.serve.client import post_bundle

        report = post_bundle(post, output, token)
        counts_ = report.get("counts") or {}
        err.print(
            f"posted to {term(post)}: diagnosis {report.get('id')}, "
            + ", ".join(f"{n} {term(str(k))}" for k, n in counts_.items())
        )


@app.command("diagnose")
def diagnose_cmd(
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="Diagnose an offline bundle (from `medic collect`).")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Diagnose the demo bundle shipped with Medic.")] = False,
    context: Annotated[str | None, typer.Option("--context", help="Live cluster: kubeconfig context.")] = None,
    kubeconfig: Annotated[str | None, typer.Option("--kubeconfig", help="Live cluster: kubeconfig file.")] = None,
    namespace: Annotated[
        list[str] | None, typer.Option("-n", "--namespace", help="Only findings in this namespace (repeatable).")
    ] = None,
    all_namespaces: Annotated[bool, typer.Option("-A", "--all-namespaces", help="Every namespace (default).")] = False,
    output: Annotated[
        str, typer.Option("-o", "--output", help="terminal, json, markdown, html, junit or sarif.")
    ] = "terminal",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at least this severe (error|warning), or a selected check could not be "
            "evaluated (a kind it reads is missing, forbidden or malformed).",
        ),
    ] = None,
    allow_not_evaluated: Annotated[
        bool,
        typer.Option(
            "--allow-not-evaluated", help="With --fail-on: checks that could not be evaluated do not fail the run."
        ),
    ] = False,
    checks: Annotated[
        str | None, typer.Option("--checks", help="Only these check codes or prefixes, comma-separated (POD,PVC201).")
    ] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show each finding's evidence and all its links.")] = False,
) -> None:
    """Run the checks on a live cluster (read-only) or a bundle; link every finding to its runbook entries."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from medic.checks.registry import select
    from medic.diagnose import diagnose, require_applicable, require_namespaces, require_something
    from medic.evidence.bundle import read_bundle
    from medic.model import Outcome, Severity
    from medic.report import FORMATS, render
    from medic.report.terminal import print_report

    if output not in FORMATS:
        raise MedicError(f"--output must be one of {', '.join(FORMATS)} (got {output!r})")
    if fail_on not in (None, "error", "warning"):
        raise MedicError(f"--fail-on must be error or warning (got {fail_on!r})")
    if bundle is not None and demo:
        raise MedicError("give either --bundle or --demo")
    if (bundle is not None or demo) and (context or kubeconfig):
        raise MedicError("--context/--kubeconfig are for a live cluster; a bundle already holds its cluster")
    namespaces = _namespaces(namespace, all_namespaces)
    codes = [c for c in (checks or "").split(",") if c.strip()]
    if codes and not select(codes):  # before any collection: a typo should not cost a cluster walk
        raise MedicError(f"--checks {checks}: no check has such a code (see `medic checks`)")
    if demo:
        snap = read_bundle(demo_bundle_path())
    elif bundle is not None:
        snap = read_bundle(bundle)
    else:
        from medic.evidence.kube import CollectOptions, collect

        snap = collect(CollectOptions(context=context, kubeconfig=kubeconfig, namespaces=namespaces))
    # a source with nothing in it, or a namespace it does not hold, would check nothing and say "all clear"
    require_something(snap, "the cluster" if bundle is None and not demo else "the bundle")
    require_namespaces(snap, namespaces)
    store = _open_store()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("checking", total=None)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=term(what), completed=done, total=total)

        result = diagnose(snap, store, codes=codes, namespaces=namespaces, progress=progress)
    require_applicable(result)
    if output == "terminal":
        print_report(out, result, explain=explain)
    else:
        sys.stdout.write(render(result, output) + "\n")
    worst = result.worst()
    if fail_on and worst is not None and worst.rank >= Severity(fail_on).rank:
        raise typer.Exit(1)
    if fail_on and not allow_not_evaluated and result.with_outcome(Outcome.NOT_EVALUATED):
        raise typer.Exit(1)  # a gate that could not look is not a gate that passed


def demo_bundle_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("medic") / "samples" / "demo"))


@app.command("checks")
def checks_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    doc: Annotated[bool, typer.Option("--markdown", help="Print the check reference as Markdown.")] = False,
) -> None:
    """List every check: code, severity, title, what it looks at and the runbook entries it links to."""
    from medic.checks.docs import checks_markdown
    from medic.checks.registry import all_checks
    from medic.diagnose import linked_titles

    registered = all_checks()
    if doc:
        sys.stdout.write(checks_markdown(registered))
        return
    titles = linked_titles(_open_store(), registered)
    if as_json:
        rows = [{**c.to_dict(), "entries": titles[c.code]} for c in registered]
        sys.stdout.write(dumps({"checks": rows}) + "\n")
        return
    style = {"error": "red", "warning": "yellow", "info": "cyan"}
    for c in registered:
        out.print(
            f"[{style[c.severity.value]}]{c.code}[/] {c.severity.value:<7} {term(c.title)}"
            f"  [dim]({', '.join(c.looks_at)})[/]"
        )
        for t in titles[c.code]:
            out.print(f"    [green]→[/] {term(t)}")
    out.print(f"[dim]{len(registered)} checks · details: medic checks --markdown, docs/checks.md[/]")


def main() -> None:
    """Entry point: one line and a non-zero exit for user mistakes, tracebacks only for bugs.

    Typer's standalone mode prints usage errors itself (exit 2) and turns ``typer.Exit`` into the exit
    code; our own ``MedicError`` passes through it and is printed here as one line.
    """
    blasenv.limit()
    try:
        app()
    except MedicError as exc:
        # one line whatever the message holds (a library's reason may span several)
        err.print(f"medic: {term(' '.join(str(exc).split()))}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("medic: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
