"""What the classifier answers: the kind of a step and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    READ_ONLY = "read-only"
    MUTATING = "mutating"
    MANUAL = "manual"


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str
