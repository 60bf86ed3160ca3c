"""Typed reads of raw object fields for the checks: a field of the wrong type reads as absent.

Objects come from a live API, a bundle or a paste, and any of them may hold a field of the wrong type
(``containerStatuses: "x"``, ``metadata: []``, ``replicas: 1e30``, ``leaseDurationSeconds: "800000d"``).
A check reads through these helpers and sees ``{}``, ``[]``, ``None`` or its default instead of
raising; the rest of the object is still checked.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from medic.checks.kube import get


def get_dict(obj: Any, *path: str | int) -> dict[str, Any]:
    """The mapping at ``path``, ``{}`` when missing or not a mapping."""
    value = get(obj, *path)
    return value if isinstance(value, dict) else {}


def get_list(obj: Any, *path: str | int) -> list[Any]:
    """The list at ``path``, ``[]`` when missing or not a list."""
    value = get(obj, *path)
    return value if isinstance(value, list) else []


def dicts(value: Any) -> Iterator[dict[str, Any]]:
    """The mapping items of a list (a list's other items and a non-list are skipped)."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield item


def as_int(value: Any, default: int = 0, high: int | None = None) -> int:
    """An integer field (bools and other types read as ``default``); above ``high``, ``default`` too."""
    if not isinstance(value, int) or isinstance(value, bool):
        return default
    return default if high is not None and value > high else value


def as_number(value: Any, default: float | None = None) -> float | None:
    """A finite number from an int or float field, or from a numeric string; ``default`` otherwise."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return default
    if isinstance(value, int):
        value = float(value) if abs(value) < 2**1023 else math.inf
    if isinstance(value, float) and math.isfinite(value):
        return value
    return default
