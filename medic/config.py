"""Where Medic keeps its data: ``--db PATH``, else ``$MEDIC_DB``, else the XDG data directory."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "medic"


def resolve_db_path(cli_value: str | None) -> Path:
    """The knowledge database file. A directory given by the user holds ``medic.db``."""
    raw = cli_value or os.environ.get("MEDIC_DB") or str(data_dir() / "medic.db")
    path = Path(raw).expanduser()
    if path.is_dir():
        path = path / "medic.db"
    return path
