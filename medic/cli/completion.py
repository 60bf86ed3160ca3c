"""``medic completion bash|zsh|fish``: the shell script that completes medic's commands and options.

source <(medic completion bash)                          # this shell
medic completion fish > ~/.config/fish/completions/medic.fish
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from medic.errors import MedicError

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_MEDIC_COMPLETE"  # the shell sets it when it asks medic for completions


def register(app: typer.Typer) -> None:
    @app.command("completion")
    def completion_cmd(
        shell: Annotated[str, typer.Argument(help="bash, zsh or fish.", show_default=False)],
    ) -> None:
        """Print the shell completion script (e.g. `source <(medic completion bash)`)."""
        from typer._completion_shared import get_completion_script

        if shell not in SHELLS:
            raise MedicError(f"completion: the shell must be one of {', '.join(SHELLS)} (got {shell!r})")
        script = get_completion_script(prog_name="medic", complete_var=COMPLETE_VAR, shell=shell)
        sys.stdout.write(script + "\n")
