"""The knowledge base: ``index``, ``search``, ``show``, ``sources``."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medic.cli.output import Json, Output, choose, emit
from medic.cli.state import app_state, display_source
from medic.errors import MedicError
from medic.report.safe import term

if TYPE_CHECKING:
    from medic.knowledge.store import Store
    from medic.model import Entry, SearchHit
    from medic.report.console import CopyConsole

ROLE_LABELS = {  # by Role value (medic.model is imported by the commands that need it)
    "symptom": "Symptoms",
    "test": "Tests",
    "cause": "Cause",
    "fix": "Fix",
    "rollback": "Rollback",
    "note": "Notes",
}


def _print_hits(out: CopyConsole, hits: list[SearchHit]) -> None:
    if not hits:
        out.print("no matching entries")
        return
    if any(later.score > earlier.score for earlier, later in itertools.pairwise(hits)):
        # the search puts the user's runbooks that match well before the built-in catalog: say why the printed
        # scores are not in order
        out.print("[dim]your runbooks first, then the built-in catalog; scores rank within each[/]")
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


def _print_entry(out: CopyConsole, entry: Entry, store: Store) -> None:
    out.heading(f"[bold]{term(entry.title)}[/]")
    out.print(
        f"[dim]{term(display_source(entry.source))}:{entry.line_start}-{entry.line_end}  "
        f"lang {term(entry.lang)}  id {term(entry.id)}"
        + (f"  role {term(entry.role)}" if entry.is_part else "")
        + "[/]"
    )
    out.print(f"[dim]{term(' › '.join(entry.heading_path))}[/]")
    if entry.tags:
        out.print("tags: " + ", ".join(f"[magenta]!{term(t)}[/]" for t in entry.tags))
    _print_twins(out, entry, store)
    from medic.report.entry_doc import linked_checks

    for c in linked_checks(store, entry):
        out.print(f"checked by: {term(c['code'])} {term(c['title'])} [dim]({term(c['severity'])})[/]")
    _print_body(out, entry)
    parts = store.entries(p.id for p in entry.parts)
    for ref in entry.parts:
        part = parts.get(ref.id)
        if part is None:
            continue
        out.print(
            f"\n[bold green]{term(ROLE_LABELS.get(ref.role, ref.role))}[/] — {term(part.title)} "
            f"[dim](id {term(part.id)})[/]"
        )
        _print_body(out, part)


def _print_twins(out: CopyConsole, entry: Entry, store: Store) -> None:
    """The entries on the same problem (built-in twins): triage lets the catalog's evidence count for them."""
    from medic.report.entry_doc import twins

    for t in twins(store, entry):
        kind = "built-in" if t["builtin"] else "your runbook"
        out.print(
            f"same problem as {kind}: {term(str(t['title']))} [dim](id {term(str(t['id']))}, "
            f"{term(display_source(str(t['source'])))}, twin score {t['score']})[/]"
        )


def _print_body(out: CopyConsole, entry: Entry) -> None:
    if entry.body:
        out.print(term(entry.body))
    for block in entry.code_blocks:
        out.print(f"[dim]── {term(block.kind)} ({term(block.lang)}), line {block.line}[/]")
        out.print(term(block.text), style="cyan")


def register(app: typer.Typer) -> None:
    @app.command("index")
    def index_cmd(
        ctx: typer.Context,
        paths: Annotated[list[str], typer.Argument(help="Runbook files or folders (searched recursively).")],
        force: Annotated[bool, typer.Option("--force", help="Parse every file again, even unchanged ones.")] = False,
        exclude: Annotated[
            list[str] | None,
            typer.Option(
                "--exclude", metavar="GLOB", help="Leave out matching files or folders (repeatable): CHANGELOG*."
            ),
        ] = None,
        output: Output = None,
        as_json: Json = False,
    ) -> None:
        """Index runbooks (Markdown, reStructuredText; ja/zh/ko/en). Unchanged files are skipped."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from medic.knowledge.ingest import index_paths

        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        err = state.err
        store = state.open_store()
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

            if exclude:
                from medic.cli.excludes import drop_stale, expand
                from medic.knowledge.twins import refresh_twins

                files, roots = expand(paths, exclude)
                report = index_paths(store, files, progress=progress, force=force)
                report.removed += drop_stale(store, roots, exclude, {*report.indexed, *report.unchanged})
                if report.removed:
                    refresh_twins(store)
            else:
                report = index_paths(store, paths, progress=progress, force=force)
            if report.indexed or report.removed:
                # compile the signature database now, so the first triage does not wait for it
                bar.update(task, description="compiling signatures")
                from medic.triage import signature_set

                signature_set(store)
        for path, reason in report.failed:
            err.print(f"[yellow]warning:[/] {term(display_source(path))}: {term(reason)}")
        counts = store.count()
        if fmt != "text":
            emit(
                {
                    "indexed": list(report.indexed),
                    "entries": report.entries,
                    "unchanged": len(report.unchanged),
                    "removed": list(report.removed),
                    "failed": [{"path": p, "reason": r} for p, r in report.failed],
                    "knowledge_base": {"entries": counts["entries"], "sources": counts["sources"]},
                },
                fmt,
            )
        else:
            state.out.print(
                f"indexed {len(report.indexed)} file(s) ({report.entries} entries), {len(report.unchanged)} "
                f"unchanged, {len(report.removed)} removed, {len(report.failed)} failed; "
                f"the knowledge base holds {counts['entries']} entries from {counts['sources']} sources"
            )
        if report.failed:
            raise typer.Exit(1)

    @app.command("search")
    def search_cmd(
        ctx: typer.Context,
        query: Annotated[str, typer.Argument(help="Words in any language, or !tag to look up a runbook tag.")],
        lang: Annotated[
            str | None, typer.Option("--lang", help="Only entries in this language: en, ja, zh, ko.")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", metavar="N", help="Number of results.")] = 10,
        output: Output = None,
        as_json: Json = False,
        no_builtin: Annotated[bool, typer.Option("--no-builtin", help="Leave out the built-in catalog.")] = False,
    ) -> None:
        """Search the runbooks (lexical + cross-lingual semantic)."""
        from medic.knowledge.search import search

        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        if lang is not None and lang not in ("en", "ja", "zh", "ko"):
            raise MedicError(f"--lang must be one of en, ja, zh, ko (got {lang!r})")
        store = state.open_store(read_only=True)
        hits = search(store, query, lang=lang, limit=limit, include_builtin=not no_builtin)
        if fmt != "text":
            emit({"results": [h.to_dict() for h in hits]}, fmt)
        else:
            _print_hits(state.out, hits)

    @app.command("show")
    def show_cmd(
        ctx: typer.Context,
        entry_id: Annotated[str, typer.Argument(help="Entry id (or a unique prefix) from `medic search`.")],
        output: Output = None,
        as_json: Json = False,
    ) -> None:
        """Show one entry with its parts (symptoms, tests, fix, rollback...) and code blocks."""
        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        store = state.open_store(read_only=True)
        entry = store.get(entry_id)
        if fmt != "text":
            from medic.report.entry_doc import entry_document

            emit(entry_document(store, entry), fmt)
        else:
            _print_entry(state.out, entry, store)

    sources = typer.Typer(
        name="sources",
        help="List the indexed runbook files; `medic sources rm PATH` removes one (or a folder's).",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    app.add_typer(sources)

    @sources.callback()
    def sources_cmd(ctx: typer.Context, output: Output = None, as_json: Json = False) -> None:
        """List the indexed runbook files; `medic sources rm PATH` removes one (or a folder's)."""
        if ctx.invoked_subcommand is not None:
            return
        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        store = state.open_store(read_only=True)
        infos = store.sources()
        if fmt != "text":
            rows = [
                {"path": i.path, "format": i.fmt, "lang": i.lang, "builtin": i.builtin, "entries": i.entries}
                for i in infos
            ]
            emit({"sources": rows}, fmt)
            return
        for i in infos:
            state.out.print(f"{term(display_source(i.path))}  [dim]{term(i.fmt)} {term(i.lang)} {i.entries} entries[/]")

    @sources.command("rm")
    def sources_rm_cmd(
        ctx: typer.Context,
        paths: Annotated[list[str], typer.Argument(help="Indexed files, or folders: every file indexed under it.")],
    ) -> None:
        """Remove indexed runbook files from the knowledge base (the files themselves are left alone)."""
        from medic.knowledge.twins import refresh_twins

        state = app_state(ctx)
        store = state.open_store()
        known = {i.path: i for i in store.sources()}
        chosen: list[str] = []
        for raw in paths:
            if raw.startswith("builtin:"):
                raise MedicError(f"{raw}: the built-in catalog stays (search --no-builtin leaves it out)")
            p = Path(raw).expanduser()
            target = str(p.resolve()) if p.exists() else str(p.absolute())
            under = [k for k in known if not known[k].builtin and (k == target or k.startswith(target + os.sep))]
            if not under:
                raise MedicError(f"{raw}: not an indexed source (see `medic sources`)")
            chosen += [k for k in under if k not in chosen]
        for path in chosen:
            store.remove_source(path)
        refresh_twins(store)
        for path in chosen:
            state.out.print(f"removed {term(display_source(path))}")
