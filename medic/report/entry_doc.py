"""One entry as every surface shows it (``medic show --json``, the API's ``/entries/{id}``, the web UI's entry
page): the entry with its parts, its twins (the entries on the same problem that triage lets lend their
confidence) and the checks that link to it (a finding of theirs points here)."""

from __future__ import annotations

from typing import Any

from medic.knowledge.store import Store
from medic.model import Entry


def twins(store: Store, entry: Entry) -> list[dict[str, Any]]:
    """The entries on the same problem as ``entry`` (rank.twins_of), with their titles and twin scores."""
    from medic import rank

    pairs = rank.twins_of(store, entry.id)
    others = store.entries(i for i, _ in pairs)
    return [
        {"id": i, "title": e.title, "source": e.source, "builtin": e.builtin, "score": round(s, 3)}
        for i, s in pairs
        if (e := others.get(i)) is not None
    ]


def linked_checks(store: Store, entry: Entry) -> list[dict[str, str]]:
    """The checks whose findings link to ``entry`` (declared by the check, or the entry tagged with its code)."""
    from medic.checks.registry import all_checks
    from medic.diagnose import check_entries

    catalog: dict[str, dict[str, Entry]] = {}
    return [
        {"code": c.code, "severity": str(c.severity), "title": c.title}
        for c in all_checks()
        if any(e.id == entry.id for e in check_entries(store, c, catalog))
    ]


def entry_document(store: Store, entry: Entry) -> dict[str, Any]:
    data = store.entry_document(entry)
    data["twins"] = twins(store, entry)
    data["checks"] = linked_checks(store, entry)
    return data
