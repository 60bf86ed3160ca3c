"""Acting on a runbook: ``plan``, ``run`` and ``audit``, thin commands over the :mod:`medic.act` library.

``medic audit verify`` recomputes the audit log's hash chain: exit 0 when intact, 1 at the first broken row.
What the audit log prints is recorded data (commands, output): control characters in it are shown as
visible escapes (``\\x1b``), never sent to the terminal.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from medic.cli.output import Json, Output, choose, emit
from medic.cli.state import AppState, app_state
from medic.errors import MedicError
from medic.report.safe import printable, term

if TYPE_CHECKING:  # the act modules are imported by the commands that use them: `medic --help` stays fast
    from medic.act.audit import AuditLog, RunSummary
    from medic.act.plan import Plan
    from medic.report.console import CopyConsole

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="NAME=VALUE",
        help="A parameter value, NAME=VALUE (repeatable); NAME as listed by `medic plan`.",
    ),
]


def _open_audit(state: AppState, write: bool = True) -> AuditLog:
    from medic.act.audit import AuditLog, audit_path

    audit = AuditLog(audit_path(state.db_path()), write=write)
    for warning in audit.warnings:
        sys.stderr.write(f"medic: warning: {printable(warning)}\n")
    return audit


def _plan(state: AppState, entry_id: str, sets: list[str] | None) -> Plan:
    from medic.act.params import parse_assignments
    from medic.act.plan import build_plan

    store = state.open_store()
    try:
        plan = build_plan(store, store.get(entry_id))
    finally:
        store.close()
    plan.bind_known(parse_assignments(sets or []), given_as="--set ")
    return plan


def _print_plan(out: CopyConsole, plan: Plan) -> None:
    from medic.act.params import render
    from medic.act.plan import render_command
    from medic.report.console import clip_words

    values = plan.values
    out.heading(f"[bold]{term(plan.title)}[/]")
    out.print(f"[dim]{term(plan.source)}:{plan.line}  id {plan.entry_id}[/]")
    if plan.parameters:
        out.print("[bold]parameters[/]")
        for p in plan.parameters:
            shown = "<redacted>" if p.secret and p.value else p.value
            value = f"= {term(shown)}" if shown is not None else "[red]missing[/]"
            out.print(f"  {term(p.name)} {value}  [dim](written {term(', '.join(p.forms))})[/]")
    style = {"read-only": "green", "mutating": "yellow", "manual": "magenta"}
    for label, steps in (("steps", plan.steps), ("rollback", plan.rollback)):
        if not steps:
            continue
        out.print(f"[bold]{label}[/]")
        for s in steps:
            title = render(s.title, values, for_shell=False)[0]
            out.print(f"  {s.n}. [{style[str(s.kind)]}]\\[{s.kind}][/] {term(title)}")
            if s.manual:
                out.print(f"     [dim]manual: {term(s.manual_reason)}[/]")
            for c in s.commands:
                r = render_command(c, values)
                out.print(f"     [cyan]$ {term(r.display)}[/]  [dim]{c.kind}: {term(c.reason)}[/]")
            for cfg in s.config:
                for line in render(cfg, values, for_shell=False)[0].split("\n"):
                    out.print(f"     [dim]| {term(line)}[/]")
            if s.expected:
                out.print(f"     [dim]expected: {term(clip_words(' / '.join(s.expected[:3]), 200))}[/]")
    for note in plan.notes:
        out.print(f"[dim]note: {term(note)}[/]")
    if plan.missing:
        sets = " ".join(f"--set {m}=..." for m in plan.missing)
        out.print(f"[red]missing:[/] {term(', '.join(plan.missing))}  ({term(sets)})")


def _tty_ask(prompt: str, choices: tuple[str, ...]) -> str:
    try:
        return input(f"{prompt} [{'/'.join(choices)}] ")
    except EOFError:
        return "abort"


def _emit(line: str) -> None:
    sys.stdout.write(printable(line) + "\n")
    sys.stdout.flush()


def _emit_output(line: str) -> None:
    """A line of a command's output, as it comes: shown, never obeyed (escape sequences made visible)."""
    sys.stdout.write("    │ " + printable(line.rstrip("\r\n")) + "\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """``plan``, ``run`` and ``audit``."""

    @app.command("plan")
    def plan_cmd(
        ctx: typer.Context,
        entry_id: Annotated[str, typer.Argument(help="Entry id (or a unique prefix) from `medic search`.")],
        sets: SetOption = None,
        output: Output = None,
        as_json: Json = False,
    ) -> None:
        """Show an entry as a plan: steps (read-only, mutating, manual), parameters and rollback."""
        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        plan = _plan(state, entry_id, sets)
        if fmt != "text":
            emit(plan.to_dict(), fmt)
            return
        _print_plan(state.out, plan)

    @app.command("run")
    def run_cmd(
        ctx: typer.Context,
        entry_id: Annotated[
            str | None, typer.Argument(help="Entry id (or prefix); not needed with --resume.", show_default=False)
        ] = None,
        sets: SetOption = None,
        execute: Annotated[bool, typer.Option("--execute", help="Run the commands (default: dry run).")] = False,
        yes: Annotated[bool, typer.Option("--yes", help="Confirm read-only steps without asking.")] = False,
        allow_mutating: Annotated[
            bool, typer.Option("--allow-mutating", help="With --yes, confirm mutating steps too (unattended).")
        ] = False,
        resume: Annotated[
            str | None, typer.Option("--resume", help="Continue an interrupted or paused run.", show_default=False)
        ] = None,
        rollback: Annotated[bool, typer.Option("--rollback", help="Run the plan's rollback steps only.")] = False,
        timeout: Annotated[
            float, typer.Option("--timeout", metavar="SECONDS", help="Seconds each command may run.")
        ] = 600.0,
    ) -> None:
        """Run a plan: a dry run unless --execute; every step confirmed, audited, with rollback on failure."""
        from medic.act.audit import check_resume_secrets
        from medic.act.params import parse_assignments
        from medic.act.run import Runner, RunOptions

        if timeout <= 0:
            raise MedicError("--timeout must be more than 0")
        if allow_mutating and not yes:
            raise MedicError("--allow-mutating goes with --yes (it confirms mutating steps without a person)")
        ctx_state = app_state(ctx)
        audit = _open_audit(ctx_state)
        done: dict[tuple[str, int], str] = {}
        run_id: str | None = None
        lock = None
        if resume:
            run_id = audit.find_run(resume)
            lock = audit.lock(run_id)  # before reading its state: two resumes cannot both go on
            state = audit.state(run_id)
            if state.mode != "execute":
                raise MedicError(f"run {run_id} was a dry run: nothing to resume")
            if state.status in ("completed", "aborted", "rolled-back"):
                raise MedicError(f"run {run_id} is {state.status}: nothing to resume")
            if entry_id and not state.entry_id.startswith(entry_id):
                raise MedicError(f"run {run_id} is a run of entry {state.entry_id}, not {entry_id}")
            entry_id = state.entry_id
            rollback = state.rollback_only
            check_resume_secrets(state, parse_assignments(sets or []))
            kept = [f"{k}={v}" for k, v in state.parameters.items() if k not in state.secret_names]
            sets = kept + list(sets or [])
            execute = True
            done = state.done
        if not entry_id:
            raise MedicError("give an entry id (from `medic search`), or --resume RUN_ID")
        plan = _plan(ctx_state, entry_id, sets)
        if resume and run_id and audit.state(run_id).digest != plan.digest():
            raise MedicError(f"the steps of entry {entry_id} changed since run {run_id} started; start a new run")
        if rollback and not plan.rollback:
            raise MedicError("this plan has no rollback steps")
        if not rollback and not plan.steps:
            raise MedicError(f"{plan.title!r} has no steps to run (see `medic plan {plan.entry_id}`)")
        person = sys.stdin.isatty()
        runner = Runner(
            plan,
            audit,
            RunOptions(
                execute=execute, yes=yes, allow_mutating=allow_mutating, timeout=timeout, rollback_only=rollback
            ),
            ask=_tty_ask if person else None,
            emit=_emit,
            emit_output=_emit_output,
            lock=lock,
        )
        result = runner.run(resume=run_id, done=done)
        audit.close()
        if result.message:
            _emit(result.message)
        _emit(f"run {result.run_id}: {result.status}")
        if result.signal:
            raise typer.Exit(128 + result.signal)
        if result.status in ("failed", "rollback-failed", "rolled-back", "interrupted"):
            raise typer.Exit(1)
        if result.status in ("paused", "stopped", "aborted"):
            raise typer.Exit(3)

    @app.command("audit")
    def audit_cmd(
        ctx: typer.Context,
        run_id: Annotated[str | None, typer.Argument(help="One run in detail.", show_default=False)] = None,
        output: Output = None,
        as_json: Json = False,
        limit: Annotated[int, typer.Option("--limit", metavar="N", help="Number of runs.")] = 50,
    ) -> None:
        """List the runs recorded in the audit log (who, where, when, what ran, exit codes).

        `medic audit verify` checks the log's hash chain instead: exit 0 intact, 1 broken.
        """
        state = app_state(ctx)
        fmt = choose(state, output, as_json)
        out = state.out
        audit = _open_audit(state, write=False)
        if run_id == "verify":
            _verify(out, audit, fmt)
            return
        if run_id:
            if fmt != "text":
                from medic.act.audit import run_document

                emit(run_document(audit, run_id), fmt)  # the document GET /api/v1/audit/RUN serves
                return
            rid = audit.find_run(run_id)
            summary = audit.summary(rid)
            events = audit.events(rid)
            _print_summary(out, summary)
            for at, kind, body in events:
                stamp = time.strftime("%H:%M:%S", time.localtime(at))
                if kind == "command":
                    out.print(
                        f"  {stamp} {term(body.get('phase'))} step {term(body.get('step'))}: "
                        f"[cyan]{term(body.get('command'))}[/] → exit {term(body.get('exit_code'))} "
                        f"in {term(body.get('duration'))} s  [dim]{term(str(body.get('output_digest'))[:23])}[/]"
                    )
                    for line in [*body.get("output_head", []), *body.get("output_tail", [])][:6]:
                        out.print(f"      [dim]{term(line)}[/]")
                elif kind == "step_finished":
                    out.print(
                        f"  {stamp} {term(body.get('phase'))} step {term(body.get('step'))}: {term(body.get('status'))}"
                    )
                elif kind in ("run_finished", "run_resumed"):
                    extra = f" — {term(body['message'])}" if body.get("message") else ""
                    out.print(f"  {stamp} {kind.replace('_', ' ')} {term(body.get('status', ''))}{extra}")
            return
        runs = audit.runs(limit)
        if fmt != "text":
            emit({"runs": [r.to_dict() for r in runs]}, fmt)
            return
        if not runs:
            out.print("no runs recorded")
        for r in runs:
            _print_summary(out, r)


def _verify(out: CopyConsole, audit: AuditLog, fmt: str) -> None:
    result = audit.verify()
    if fmt != "text":
        emit({"path": str(audit.path), **result.to_dict()}, fmt)
    elif result.ok:
        out.print(f"audit log intact: {result.rows} row(s) verified, the chain ends at row {result.last_seq}")
    else:
        for problem in result.problems:
            out.print(f"[red]audit log broken:[/] {term(problem)}")
        out.print(f"{result.rows} row(s) verified before the first break ({term(audit.path)})")
    if not result.ok:
        raise typer.Exit(1)


def _print_summary(out: CopyConsole, r: RunSummary) -> None:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started))
    sudo = f" (sudo from {term(r.sudo_user)})" if r.sudo_user else ""
    out.print(
        f"[bold]{term(r.run_id)}[/] {when} {term(r.who)}@{term(r.host)}{sudo} {term(r.mode)} "
        f"[bold]{term(r.status)}[/] {r.commands} command(s), {r.failed} failed — {term(r.title)} "
        f"[dim]({term(r.entry_id)})[/]"
    )
