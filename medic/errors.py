"""The one exception family for user mistakes.

    MedicError                 a user mistake or an unusable input: one line, non-zero exit
     ├── InputError            a file or value that cannot be used (missing, binary, bad encoding...)
     │    └── RunbookError     a runbook that cannot be read as text
     ├── KnowledgeError        the knowledge base cannot answer (unknown id, broken store)
     └── StoreError            the data directory or database cannot be opened or written

The command line catches ``MedicError`` in one place and prints ``medic: <message>``;
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class MedicError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 2


class InputError(MedicError):
    """An input file or value that cannot be used."""


class RunbookError(InputError):
    """A runbook file that cannot be read as text."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class KnowledgeError(MedicError):
    """The knowledge base cannot answer: unknown entry id, empty index..."""


class StoreError(MedicError):
    """The data directory or its database cannot be opened or written."""
