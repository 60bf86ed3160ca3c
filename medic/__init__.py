"""Medic: offline troubleshooting for Kubernetes and container platforms.

Runbooks (Markdown, reStructuredText; ja/zh/ko/en) become structured entries that can be searched
and matched against evidence. See README.md for the command line.

The names below are imported when first used: ``import medic`` (which every ``medic`` command does)
costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medic.errors import InputError, KnowledgeError, MedicError
    from medic.model import CodeBlock, Entry, SearchHit

__all__ = ["CodeBlock", "Entry", "InputError", "KnowledgeError", "MedicError", "SearchHit"]
__version__ = "0.1.0"

_HOMES = {
    "CodeBlock": "medic.model",
    "Entry": "medic.model",
    "SearchHit": "medic.model",
    "InputError": "medic.errors",
    "KnowledgeError": "medic.errors",
    "MedicError": "medic.errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'medic' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
