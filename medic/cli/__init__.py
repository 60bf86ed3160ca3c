"""The ``medic`` command line, at the edge of the library: one module per command group.

- ``app``: the Typer application, the global options (``--db``, ``--no-color``, ``--version``, ``-h``), and
  ``main`` (one line and a non-zero exit for user mistakes);
- ``state``: the application state (knowledge base path, default output, configuration) kept in the Typer
  context; ``config_file``: ``$XDG_CONFIG_HOME/medic/config.toml``;
- ``output``: ``-o/--output`` and the printers; ``knowledge``: index, search, show, sources; ``evidence``:
  triage, parse; ``cluster``: collect, diagnose, checks; ``act``: plan, run, audit; ``completion``.

Imports are lazy: each command imports what it uses, so ``medic --help`` (and a typo) never loads NumPy,
the knowledge base or the sentence encoder.
"""

from medic.cli.app import app, main
from medic.cli.cluster import demo_bundle_path

__all__ = ["app", "demo_bundle_path", "main"]
