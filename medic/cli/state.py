"""The application state of one ``medic`` invocation, kept in the Typer context (``ctx.obj`` of the root).

The global options (``--db``, ``--no-color``) may come before or after the subcommand; both places write
here. The configuration file is read on first use, so ``medic --help`` never reads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medic.config import resolve_db_path

if TYPE_CHECKING:
    from rich.console import Console

    from medic.cli.config_file import Config
    from medic.knowledge.store import Store
    from medic.report.console import CopyConsole


@dataclass
class AppState:
    db: str | None = None  # --db, wherever it was given
    no_color: bool = False  # --no-color ($NO_COLOR is honoured by the consoles themselves)
    _config: Config | None = field(default=None, repr=False)
    _out: CopyConsole | None = field(default=None, repr=False)
    _err: Console | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            from medic.cli.config_file import load_config

            self._config = load_config()
        return self._config

    def db_path(self) -> Path:
        """--db, else $MEDIC_DB, else the configuration file's ``db``, else the XDG data directory."""
        if self.db:
            return resolve_db_path(self.db)
        if os.environ.get("MEDIC_DB"):
            return resolve_db_path(None)
        return resolve_db_path(self.config.db)

    def default_output(self) -> str | None:
        """$MEDIC_OUTPUT, else the configuration file's ``output`` (a flag beats both)."""
        return os.environ.get("MEDIC_OUTPUT") or self.config.output

    @property
    def out(self) -> CopyConsole:
        if self._out is None:
            from medic.report.console import CopyConsole

            self._out = CopyConsole(no_color=self.no_color or None)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from rich.console import Console

            self._err = Console(
                stderr=True, highlight=False, soft_wrap=True, emoji=False, no_color=self.no_color or None
            )
        return self._err

    def open_store(self, with_builtin: bool = True, read_only: bool = False) -> Store:
        """The knowledge base, the built-in catalog indexed in it. ``read_only`` (commands that only read it):
        opened read-only when it needs no write (no format upgrade, the catalog up to date), so a reader never
        takes SQLite's write paths; otherwise opened for writing, once."""
        from medic.errors import StoreError
        from medic.knowledge.ingest import builtin_files, builtin_fingerprint, ensure_builtin, index_paths
        from medic.knowledge.store import Store

        path = self.db_path()
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
            self.err.print(f"[yellow]note:[/] the knowledge base format changed; indexing {len(again)} file(s) again")
            index_paths(store, [p for p in again if Path(p).exists()])
        if with_builtin:
            ensure_builtin(store)
        return store


def app_state(ctx: Any = None) -> AppState:
    """The state in the root Typer context (created when a command runs outside ``medic``'s own callback)."""
    if ctx is None:
        from typer._click.globals import get_current_context

        ctx = get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    state: AppState = root.obj
    return state


def display_source(source: str) -> str:
    if source.startswith("builtin:"):
        return source
    cwd = os.getcwd()
    if source.startswith(cwd + os.sep):
        return os.path.relpath(source, cwd)
    return source
