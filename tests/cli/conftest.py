"""Helpers for the command-line tests: ``medic`` run as a user runs it, in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from medic.knowledge.fastenc import cache_root
from medic.knowledge.store import Store


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A home of its own: no user config, no user data, a knowledge base in ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIC_", "XDG_")) and k != "NO_COLOR"}
    env.update(
        HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        MEDIC_CACHE=str(cache_root()),  # the encoder's load-fast form, shared: building it is not under test
        MEDIC_DB=str(tmp / "kb.db"),
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="session")
def catalog_db(builtin_store: Store) -> Path:
    """A knowledge base holding the built-in catalog, made once for the session."""
    return Path(builtin_store.path)
