"""Command-line values that need no conversion are taken as they come, without Pydantic.

Typer converts the value of every parameter of the command being run through a Pydantic ``TypeAdapter``,
built on first use: importing Pydantic and building a command's adapters is 0.1-0.2 s of the start of every
command (a cold ``medic search`` takes about half a second in all). Most of our parameters' values already
arrive as what the adapter returns for them: a ``str`` for a text option (``str(value)``), a ``bool`` for a
flag (Typer itself skips those), a number for a number option without bounds (its default), strings for a
repeated text option (a list of them). Those are taken as they are; anything else (a number to parse, a path
to check, a parameter with a parser or bounds) goes through Typer's own conversion, built then, so answers and
error messages are Typer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args, get_origin

from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperArgument, TyperOption


@dataclass(frozen=True)
class PlainValues(RuntimeParam):
    """A parameter's conversion: plain values as they are, the rest by Typer's."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.parameter_info.parser is None:
            annotation: Any = self.annotation
            bounded = self.parameter_info.min is not None or self.parameter_info.max is not None
            plain = annotation in (str, bool) or (annotation in (int, float) and not bounded)
            if plain and type(value) is annotation:
                return value
            if (
                get_origin(annotation) is list
                and get_args(annotation) == (str,)
                and isinstance(value, (list, tuple))
                and all(type(v) is str for v in value)
            ):
                return list(value)
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


def plain_value(param: Any) -> None:
    """``param`` (a Typer option or argument) takes plain values without building a Pydantic adapter."""
    if isinstance(param, (TyperOption, TyperArgument)) and param._runtime_param is None:
        desc = param.type_descriptor
        param._runtime_param = PlainValues(parameter_info=desc.parameter_info, annotation=desc.annotation)


def plain_values(command: Any) -> None:
    """The parameters of ``command`` take plain values without building Pydantic adapters."""
    for param in command.params:
        plain_value(param)
