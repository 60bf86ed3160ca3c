"""Built-in twins: a catalog entry and the user's runbook section on the same problem, linked from the two texts."""

from __future__ import annotations

from pathlib import Path

from medic import rank
from medic.knowledge.ingest import ensure_builtin, index_paths
from medic.knowledge.store import Store
from medic.knowledge.twins import METHOD, refresh_twins


def builtin_id(store: Store, title_start: str) -> str:
    return next(e.id for e in store.all_entries(searchable_only=True) if e.builtin and e.title.startswith(title_start))


def titles(store: Store, pairs: list[tuple[str, float]]) -> list[str]:
    found = store.entries(i for i, _ in pairs)
    return [found[i].title for i, _ in pairs]


def test_a_catalog_entry_is_twinned_with_the_seed_section_on_its_problem(seeded_store: Store) -> None:
    keycloak = builtin_id(seeded_store, "Keycloak pods crash: PostgreSQL password authentication failed")
    assert titles(seeded_store, rank.twins_of(seeded_store, keycloak)) == ["Keycloak pod が起動しない"]
    overlay = builtin_id(seeded_store, "Container host disk filling up")
    assert titles(seeded_store, rank.twins_of(seeded_store, overlay)) == ["1. Overlay ディレクトリの特定"]


def test_the_twin_relation_reads_both_ways(seeded_store: Store) -> None:
    keycloak = builtin_id(seeded_store, "Keycloak pods crash: PostgreSQL password authentication failed")
    (seed_id, _), *_ = rank.twins_of(seeded_store, keycloak)
    assert keycloak in [b for b, _ in rank.twins_of(seeded_store, seed_id)]


RUNBOOK = """# Platform runbook

## Database login rejected

Keycloak restarts in a loop; its log ends with the database refusing the login.

```
FATAL: password authentication failed for user "keycloak"
```

Check the secret that holds the database password and restart the pods.

## Disk of the registry host

The registry host runs out of space.
"""


def store_with(tmp_path: Path, text: str, name: str = "platform.md") -> Store:
    store = Store(tmp_path / "kb.db")
    ensure_builtin(store)
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / name).write_text(text, encoding="utf-8")
    report = index_paths(store, [str(tmp_path / "rb")])
    assert report.ok, report.failed
    return store


def section(store: Store, title: str) -> str:
    return next(e.id for e in store.all_entries() if not e.builtin and e.title == title)


def test_twins_are_computed_when_the_knowledge_base_changes(tmp_path: Path) -> None:
    store = store_with(tmp_path, RUNBOOK)
    assert store.twins_generation() == store.generation()
    keycloak = builtin_id(store, "Keycloak pods crash: PostgreSQL password authentication failed")
    assert titles(store, rank.twins_of(store, keycloak)) == ["Database login rejected"]


def test_an_author_tag_declares_or_forbids_a_twin(tmp_path: Path) -> None:
    probe = Store(tmp_path / "probe.db")
    ensure_builtin(probe)
    keycloak = builtin_id(probe, "Keycloak pods crash: PostgreSQL password authentication failed")
    registry = builtin_id(probe, "Repository server disk full: local Docker registry")
    probe.close()
    text = RUNBOOK.replace("Check the secret", f"!not {keycloak}\n\nCheck the secret").replace(
        "The registry host runs out of space.", f"The registry host runs out of space.\n\n!same-as {registry}"
    )
    store = store_with(tmp_path, text)
    assert rank.twins_of(store, keycloak) == []
    assert titles(store, rank.twins_of(store, registry)) == ["Disk of the registry host"]
    assert [b for b, _ in rank.twins_of(store, section(store, "Disk of the registry host"))] == [registry]


def test_twins_of_an_older_generation_are_not_used(tmp_path: Path) -> None:
    store = store_with(tmp_path, RUNBOOK)
    assert store.twin_rows()
    with store.transaction():  # any change of the entries makes a new generation
        pass
    assert store.twin_rows() == []
    refresh_twins(store)
    assert store.twin_rows()


def test_an_overview_page_is_never_a_twin(tmp_path: Path) -> None:
    store = store_with(tmp_path, RUNBOOK, name="README.md")
    keycloak = builtin_id(store, "Keycloak pods crash: PostgreSQL password authentication failed")
    assert rank.twins_of(store, keycloak) == []
    assert not any(store.get(u).source.endswith("README.md") for _, u, _, _ in store.twin_rows())


def test_twins_found_by_an_older_finder_are_found_again(tmp_path: Path) -> None:
    store = store_with(tmp_path, RUNBOOK)
    rows = store.twin_rows()
    store.set_meta("twins_method", "0")
    store.set_meta("builtin_fingerprint", "of an older medic")
    assert ensure_builtin(store)  # an upgrade: the catalog's derived data is brought up to date
    assert store.meta("twins_method") == METHOD and store.twin_rows() == rows
