"""``-o/--output``: one option for every command that prints data, ``--json`` its alias.

``-o json``, ``-ojson``, ``-o=json`` and ``--output=json`` are the same. Without the flag the format is
$MEDIC_OUTPUT, else the configuration file's ``output`` when the command has that format, else text.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer

from medic.cli.state import AppState
from medic.errors import MedicError
from medic.report.safe import dumps

DATA_FORMATS = ("text", "json", "yaml")
DIAGNOSE_FORMATS = ("text", "json", "yaml", "markdown", "html", "junit", "sarif")
CHECKS_FORMATS = ("text", "json", "yaml", "markdown")
ALIASES = {"terminal": "text", "md": "markdown", "yml": "yaml"}


def _normalize(value: str | None) -> str | None:
    """``-o=json`` reaches us as ``=json`` (a short option's value follows it directly)."""
    if value is None:
        return None
    value = value.removeprefix("=").strip().lower()
    return ALIASES.get(value, value)


Output = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="Output format: text, json or yaml (default: text, or the configured one).",
        callback=_normalize,
        show_default=False,
    ),
]
DiagnoseOutput = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="Output format: text (also: terminal), json, yaml, markdown, html, junit or sarif.",
        callback=_normalize,
        show_default=False,
    ),
]
ChecksOutput = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="Output format: text, json, yaml or markdown (the check reference).",
        callback=_normalize,
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (same as -o json).")]


def choose(state: AppState, output: str | None, as_json: bool = False, formats: tuple[str, ...] = DATA_FORMATS) -> str:
    """The format to print: the flag, else $MEDIC_OUTPUT or the configured default (when this command has
    it), else text."""
    if as_json:
        if output not in (None, "json"):
            raise MedicError(f"--json and -o {output} disagree: give one of them")
        return "json"
    if output is not None:
        if output not in formats:
            raise MedicError(f"-o/--output must be one of {', '.join(formats)} (got {output!r})")
        return output
    default = state.default_output()
    if default:
        fmt = _normalize(default)
        if fmt not in DIAGNOSE_FORMATS + CHECKS_FORMATS:
            where = "$MEDIC_OUTPUT" if os.environ.get("MEDIC_OUTPUT") else str(state.config.path)
            raise MedicError(f"{where}: output must be one of {', '.join(DIAGNOSE_FORMATS)} (got {default!r})")
        if fmt in formats:
            return fmt
    return "text"


def emit(doc: Any, fmt: str, **dump_args: Any) -> None:
    """A data document printed as JSON or YAML (the same fields, the same escaping of control characters)."""
    text = dumps(doc, **dump_args)
    if fmt == "yaml":
        import yaml

        text = yaml.safe_dump(json.loads(text), allow_unicode=True, sort_keys=False, width=2**31 - 1).rstrip("\n")
    sys.stdout.write(text + "\n")
