"""The built-in catalog: every entry is a complete runbook entry (symptoms, tests, fix) in English."""

from __future__ import annotations

from pathlib import Path

from medic.knowledge.ingest import builtin_files, entries_for
from medic.knowledge.reader import decode_runbook
from medic.model import Entry, Role


def catalog_entries() -> list[Entry]:
    out: list[Entry] = []
    for name, data in builtin_files():
        text = decode_runbook(Path(name), data)
        out.extend(entries_for(text, "markdown", f"builtin:{name}", fallback_title=name, builtin=True))
    return out


def test_catalog_entries_are_complete() -> None:
    entries = catalog_entries()
    top = [e for e in entries if e.level == 1]
    assert len(top) >= 40
    for e in top:
        roles = {p.role for p in e.parts}
        assert {Role.SYMPTOM, Role.TEST, Role.FIX} <= roles, e.title
        assert e.lang == "en" and e.builtin
        assert e.tags, e.title
    assert len({e.title for e in top}) == len(top), "duplicate catalog titles"


def test_catalog_is_searchable(seeded_store: object) -> None:
    from medic.knowledge.search import search
    from medic.knowledge.store import Store

    assert isinstance(seeded_store, Store)
    hits = search(seeded_store, "ImagePullBackOff toomanyrequests rate limit", limit=3)
    assert hits[0].builtin and hits[0].source.startswith("builtin:")
