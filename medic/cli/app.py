"""The ``medic`` application: global options, the command groups, and the entry points.

Global options (``--db``, ``--no-color``) are accepted before or after the subcommand, as kubectl's are:
:class:`MedicGroup` gives every subcommand a copy of them. Help shows value names (``--limit LIMIT``), never
Python types.
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from medic import blasenv
from medic.cli import act, cluster, completion, evidence, knowledge
from medic.cli.coercion import plain_value, plain_values
from medic.cli.completion import COMPLETE_VAR
from medic.cli.state import AppState, app_state
from medic.errors import MedicError
from medic.report.safe import term

GLOBAL_OPTIONS = ("db", "no_color")


def _set_global(ctx: Any, param: Any, value: Any) -> Any:
    """A global option given after the subcommand: recorded in the application state."""
    state = app_state(ctx)
    if param.name == "db" and value is not None:
        state.db = value
    elif param.name == "no_color" and value:
        state.no_color = True
    return value


def _no_type(ctx: Any) -> None:
    return None


def _tidy_help(command: Any) -> None:
    """Value names instead of Python types in help (``<bool>``, ``<list[str]>``): flags show none, options
    their value's name (``--limit N``), arguments their name alone."""
    for param in command.params:
        if isinstance(param, TyperOption):
            if param.is_flag or param.count:
                param.metavar = ""
            elif param.metavar is None:
                param.metavar = (param.name or "value").upper().replace("_", "-")
        elif isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "arg").upper().replace("_", "-")
            setattr(param, "display_type_rich", _no_type)  # noqa: B010 (an instance's method, replaced)
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None:
            option.metavar = ""
            plain_value(option)
        return option

    setattr(command, "get_help_option", get_help_option)  # noqa: B010


def _share(command: Any, shared: list[Any]) -> None:
    """``command`` and its subcommands (``sources rm``) take the global options too."""
    names = {p.name for p in command.params}
    for param in shared:
        if param.name in names:
            continue
        twin = copy.copy(param)
        twin.expose_value = False
        twin.callback = _set_global
        command.params.append(twin)
    _tidy_help(command)
    plain_values(command)
    for sub in getattr(command, "commands", {}).values():
        _share(sub, shared)


class MedicGroup(TyperGroup):
    """The root group: global options copied onto every subcommand, help tidied."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _tidy_help(self)
        plain_values(self)
        shared = [p for p in self.params if p.name in GLOBAL_OPTIONS]
        for command in self.commands.values():
            _share(command, shared)


app = typer.Typer(
    name="medic",
    cls=MedicGroup,
    help="Offline troubleshooting for Kubernetes and container platforms: runbooks in, explained answers out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from medic import __version__

        typer.echo(f"medic {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help="Knowledge database file (default: $MEDIC_DB, the config file's db, else the XDG data dir).",
            show_default=False,
        ),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (also: NO_COLOR set).")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_version)
    ] = False,
) -> None:
    ctx.obj = AppState(db=db, no_color=no_color)


knowledge.register(app)
evidence.register(app)
cluster.register(app)
act.register(app)
completion.register(app)


def _register_serve() -> None:
    from medic.serve.command import register

    def knowledge_path() -> Path:
        return app_state().db_path()

    register(app, knowledge_path)


_register_serve()


def _prog_name() -> str:
    """``kubectl-medic`` when kubectl runs us as its plugin (help and completion then say so)."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "medic"
    return "kubectl medic" if name.startswith("kubectl-medic") else "medic"


def main() -> None:
    """Entry point: one line and a non-zero exit for user mistakes, tracebacks only for bugs.

    Typer's standalone mode prints usage errors itself (exit 2) and turns ``typer.Exit`` into the exit
    code; our own ``MedicError`` passes through it and is printed here as one line.
    """
    from rich.console import Console

    blasenv.limit()
    if os.environ.get(COMPLETE_VAR):  # the shell asks for completions: Typer's completers answer
        from typer._completion_classes import completion_init

        completion_init()
    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False, no_color="--no-color" in sys.argv or None)
    try:
        app(prog_name=_prog_name(), complete_var=COMPLETE_VAR)
    except MedicError as exc:
        # one line whatever the message holds (a library's reason may span several)
        err.print(f"medic: {term(' '.join(str(exc).split()))}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("medic: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


def kubectl_plugin() -> None:
    """``kubectl medic ...``: kubectl finds ``kubectl-medic`` on PATH and runs it with the remaining words."""
    main()
