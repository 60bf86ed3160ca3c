"""A cluster: ``collect`` (a read-only snapshot into a bundle), ``diagnose`` (the checks), ``checks``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medic.cli.output import CHECKS_FORMATS, DIAGNOSE_FORMATS, ChecksOutput, DiagnoseOutput, Json, choose, emit
from medic.cli.state import AppState, app_state
from medic.errors import MedicError
from medic.report.safe import dumps, term

if TYPE_CHECKING:
    from medic.diagnose import DiagnoseResult

SERVER_ENV = "MEDIC_SERVER"

Context = Annotated[
    str | None, typer.Option("--context", help="kubeconfig context (default: the current one).", show_default=False)
]
Kubeconfig = Annotated[
    str | None,
    typer.Option("--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."),
]
AllNamespaces = Annotated[bool, typer.Option("-A", "--all-namespaces", help="Every namespace (default).")]


def _namespaces(namespace: list[str] | None, all_namespaces: bool) -> list[str] | None:
    if namespace and all_namespaces:
        raise MedicError("give either -n/--namespace or -A/--all-namespaces, not both")
    return None if all_namespaces or not namespace else namespace


def demo_bundle_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("medic") / "samples" / "demo"))


def _server(state: AppState, post: str | None, send: bool) -> str | None:
    """Where to post the bundle: --post URL, else (with --send) $MEDIC_SERVER or the config file's server.url."""
    if post is not None:
        return post
    if not send:
        return None
    url = os.environ.get(SERVER_ENV) or state.config.server_url
    if not url:
        raise MedicError(f"--send needs a server: --post URL, ${SERVER_ENV}, or [server] url in the config file")
    return url


def _token(state: AppState, token_file: str | None) -> str:
    """--token-file, else $MEDIC_TOKEN, else the config file's server.token or server.token_file."""
    from medic.serve.client import TOKEN_ENV, token_from

    if token_file or os.environ.get(TOKEN_ENV, "").strip():
        return token_from(token_file)
    config = state.config
    if config.server_token:
        return config.server_token
    return token_from(config.server_token_file)


def _yaml_report(result: DiagnoseResult) -> str:
    import json

    import yaml

    from medic.report import render

    doc = json.loads(render(result, "json"))
    return str(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=2**31 - 1)).rstrip("\n")


def register(app: typer.Typer) -> None:
    @app.command("collect")
    def collect_cmd(
        ctx: typer.Context,
        context: Context = None,
        kubeconfig: Kubeconfig = None,
        namespace: Annotated[
            list[str] | None, typer.Option("-n", "--namespace", help="Only this namespace (repeatable).")
        ] = None,
        all_namespaces: AllNamespaces = False,
        file: Annotated[
            Path | None,
            typer.Option("-f", "--file", metavar="PATH", help="Bundle file to write (default: bundle.tar.gz)."),
        ] = None,
        legacy_output: Annotated[
            Path | None, typer.Option("-o", "--output", hidden=True, help="Old name of -f/--file.")
        ] = None,
        logs: Annotated[int, typer.Option("--logs", metavar="N", help="Last N log lines of unhealthy pods.")] = 100,
        timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Seconds per API request.")] = 30.0,
        post: Annotated[
            str | None,
            typer.Option(
                "--post", metavar="URL", help="Then send the bundle to a medic serve at this URL to diagnose."
            ),
        ] = None,
        send: Annotated[
            bool, typer.Option("--send", help="Like --post, to $MEDIC_SERVER or the config file's server url.")
        ] = False,
        token_file: Annotated[
            str | None,
            typer.Option(
                "--token-file", metavar="FILE", help="The bearer token for --post (else $MEDIC_TOKEN, the config)."
            ),
        ] = None,
    ) -> None:
        """Collect a read-only snapshot of a live cluster into an offline bundle (secrets redacted)."""
        from rich.progress import Progress, TextColumn, TimeElapsedColumn

        from medic.evidence.bundle import write_bundle
        from medic.evidence.kube import ClusterError, CollectOptions, collect

        state = app_state(ctx)
        if file is not None and legacy_output is not None:
            raise MedicError("give the bundle file once: -f/--file")
        output = file or legacy_output or Path("bundle.tar.gz")
        if str(output).startswith("="):  # -o=FILE / -f=FILE: a short option's value follows it directly
            output = Path(str(output)[1:])
        if logs < 0:
            raise MedicError("--logs must be 0 or more")
        url = _server(state, post, send)
        token = None
        if url is not None:
            from medic.serve.client import check_url

            check_url(url)  # before the cluster walk: a wrong URL or a missing token should not cost one
            token = _token(state, token_file)
        options = CollectOptions(
            context=context,
            kubeconfig=kubeconfig,
            namespaces=_namespaces(namespace, all_namespaces),
            log_lines=logs,
            timeout=timeout,
        )
        err = state.err
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
        if url is not None and token is not None:
            from medic.serve.client import post_bundle

            report = post_bundle(url, output, token)
            counts_ = report.get("counts") or {}
            err.print(
                f"posted to {term(url)}: diagnosis {report.get('id')}, "
                + ", ".join(f"{n} {term(str(k))}" for k, n in counts_.items())
            )

    @app.command("diagnose")
    def diagnose_cmd(
        ctx: typer.Context,
        bundle: Annotated[
            Path | None,
            typer.Option("--bundle", metavar="PATH", help="Diagnose an offline bundle (from `medic collect`)."),
        ] = None,
        demo: Annotated[bool, typer.Option("--demo", help="Diagnose the demo bundle shipped with Medic.")] = False,
        context: Context = None,
        kubeconfig: Kubeconfig = None,
        namespace: Annotated[
            list[str] | None, typer.Option("-n", "--namespace", help="Only findings in this namespace (repeatable).")
        ] = None,
        all_namespaces: AllNamespaces = False,
        output: DiagnoseOutput = None,
        as_json: Json = False,
        fail_on: Annotated[
            str | None,
            typer.Option(
                "--fail-on",
                metavar="SEVERITY",
                help="Exit 1 when a finding is at least this severe (error|warning), or a selected check could not "
                "be evaluated (a kind it reads is missing, forbidden or malformed).",
            ),
        ] = None,
        allow_not_evaluated: Annotated[
            bool,
            typer.Option(
                "--allow-not-evaluated", help="With --fail-on: checks that could not be evaluated do not fail the run."
            ),
        ] = False,
        checks: Annotated[
            str | None,
            typer.Option(
                "--checks", metavar="CODES", help="Only these check codes or prefixes, comma-separated (POD,PVC201)."
            ),
        ] = None,
        explain: Annotated[
            bool, typer.Option("--explain", help="Show each finding's evidence and all its links.")
        ] = False,
    ) -> None:
        """Run the checks on a live cluster (read-only) or a bundle; link every finding to its runbook entries."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from medic.checks.registry import select
        from medic.diagnose import diagnose, require_applicable, require_namespaces, require_something
        from medic.evidence.bundle import read_bundle
        from medic.model import Outcome, Severity
        from medic.report import render
        from medic.report.terminal import print_report

        state = app_state(ctx)
        fmt = choose(state, output, as_json, DIAGNOSE_FORMATS)
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
        store = state.open_store()
        err = state.err
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
        if fmt == "text":
            print_report(state.out, result, explain=explain)
        elif fmt == "yaml":
            sys.stdout.write(_yaml_report(result) + "\n")
        else:
            sys.stdout.write(render(result, fmt) + "\n")
        worst = result.worst()
        if fail_on and worst is not None and worst.rank >= Severity(fail_on).rank:
            raise typer.Exit(1)
        if fail_on and not allow_not_evaluated and result.with_outcome(Outcome.NOT_EVALUATED):
            raise typer.Exit(1)  # a gate that could not look is not a gate that passed

    @app.command("checks")
    def checks_cmd(
        ctx: typer.Context,
        code: Annotated[
            str | None, typer.Argument(help="One check's code (POD101): its whole reference.", show_default=False)
        ] = None,
        output: ChecksOutput = None,
        as_json: Json = False,
        doc: Annotated[bool, typer.Option("--markdown", help="Print the check reference as Markdown.")] = False,
    ) -> None:
        """List every check: code, severity, title, what it looks at and the runbook entries it links to."""
        from medic.checks.docs import checks_markdown
        from medic.checks.registry import all_checks
        from medic.diagnose import linked_titles

        state = app_state(ctx)
        fmt = (
            "markdown"
            if doc and output in (None, "markdown") and not as_json
            else choose(state, output, as_json, CHECKS_FORMATS)
        )
        registered = all_checks()
        if code is not None:
            wanted = code.strip().upper()
            registered = [c for c in registered if c.code == wanted]
            if not registered:
                raise MedicError(f"no check has the code {code!r} (see `medic checks`)")
        if fmt == "markdown":
            sys.stdout.write(checks_markdown(registered))
            return
        titles = linked_titles(state.open_store(), registered)
        if fmt != "text":
            rows = [{**c.to_dict(), "entries": titles[c.code]} for c in registered]
            emit({"checks": rows}, fmt)
            return
        out = state.out
        style = {"error": "red", "warning": "yellow", "info": "cyan"}
        for c in registered:
            out.print(
                f"[{style[c.severity.value]}]{c.code}[/] {c.severity.value:<7} {term(c.title)}"
                f"  [dim]({', '.join(c.looks_at)})[/]"
            )
            if code is not None:
                for key, value in c.to_dict().items():
                    if key not in ("code", "severity", "title", "looks_at") and value:
                        shown = value if isinstance(value, str) else dumps(value, indent=None)
                        out.print(f"    [bold]{term(key)}[/]: {term(shown)}")
            for t in titles[c.code]:
                out.print(f"    [green]→[/] {term(t)}")
        if code is None:
            out.print(f"[dim]{len(registered)} checks · one in full: medic checks CODE · medic checks -o markdown[/]")
