"""One entry document for `medic show --json`, the API and the web UI: parts, twins and the checks linking to it."""

from __future__ import annotations

from medic.checks.registry import all_checks
from medic.knowledge.store import Store
from medic.report.entry_doc import entry_document


def entry_titled(store: Store, start: str) -> str:
    return next(e.id for e in store.all_entries() if e.builtin and e.level == 1 and e.title.startswith(start))


def test_an_entry_lists_the_checks_that_link_to_it(builtin_store: Store) -> None:
    doc = entry_document(builtin_store, builtin_store.get(entry_titled(builtin_store, "Node NotReady: ")))
    codes = {c["code"] for c in doc["checks"]}
    # exactly the checks that declare this entry among their links
    declared = {c.code for c in all_checks() if any(link.endswith("#" + doc["anchor"]) for link in c.links)}
    assert codes == declared and "NODE301" in codes
    assert all(set(c) == {"code", "severity", "title"} for c in doc["checks"])


def test_an_entry_no_check_links_to_lists_none(builtin_store: Store) -> None:
    procedure = entry_titled(builtin_store, "Procedure: drain a node")
    doc = entry_document(builtin_store, builtin_store.get(procedure))
    assert doc["checks"] == [] and doc["twins"] == []
    assert [p["id"] for p in doc["parts"]] == [r.id for r in builtin_store.get(procedure).parts]


def test_a_seed_section_and_its_builtin_twin_name_each_other(seeded_store: Store) -> None:
    from medic import rank

    table, _ = rank.twins(seeded_store)
    builtin = next(b for b in table if rank.twins_of(seeded_store, b))
    doc = entry_document(seeded_store, seeded_store.get(builtin))
    assert doc["twins"] and all(not t["builtin"] for t in doc["twins"])
    back = entry_document(seeded_store, seeded_store.get(doc["twins"][0]["id"]))
    assert builtin in {t["id"] for t in back["twins"]}
