"""The configuration file: ``$MEDIC_CONFIG``, else ``$XDG_CONFIG_HOME/medic/config.toml`` (``~/.config`` when
unset). Every key is optional::

    db = "~/runbooks/medic.db"      # the knowledge base (as --db)
    output = "json"                 # default -o/--output of the commands that print data
    [server]
    url = "https://medic.example.org"   # collect --post
    token = "..."                   # its bearer token (or token_file = "/path")

Precedence, for every value: a command-line flag, then the environment (``MEDIC_DB``, ``MEDIC_OUTPUT``,
``MEDIC_SERVER``, ``MEDIC_TOKEN``), then this file, then the built-in default. A file that cannot be read or
holds an unknown key or a value of the wrong type is one line of error and a non-zero exit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from medic.errors import InputError

KEYS = {"db": str, "output": str}
SERVER_KEYS = {"url": str, "token": str, "token_file": str}


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # the file read, None when there is none
    db: str | None = None
    output: str | None = None
    server_url: str | None = None
    server_token: str | None = None
    server_token_file: str | None = None


def config_path() -> Path:
    explicit = os.environ.get("MEDIC_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "medic" / "config.toml"


def _check(table: dict[str, object], allowed: Mapping[str, type], where: str, path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in table.items():
        if key not in allowed:
            raise InputError(f"{path}: unknown key {where}{key!r} (known: {', '.join(sorted(allowed))})")
        if not isinstance(value, allowed[key]) or not value:
            raise InputError(f"{path}: {where}{key} must be a non-empty string")
        values[key] = str(value)
    return values


def load_config(path: Path | None = None) -> Config:
    """The configuration file read and checked; an empty :class:`Config` when there is none."""
    import tomllib

    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if os.environ.get("MEDIC_CONFIG"):
            raise InputError(f"{path}: no such configuration file ($MEDIC_CONFIG)") from None
        return Config()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    server = data.pop("server", {})
    if not isinstance(server, dict):
        raise InputError(f"{path}: [server] must be a table")
    top = _check(data, KEYS, "", path)
    srv = _check(server, SERVER_KEYS, "server.", path)
    return Config(
        path=path,
        db=top.get("db"),
        output=top.get("output"),
        server_url=srv.get("url"),
        server_token=srv.get("token"),
        server_token_file=srv.get("token_file"),
    )
