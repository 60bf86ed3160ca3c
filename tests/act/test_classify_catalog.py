"""The grammar over what runbooks really write: the built-in catalog and the five seeds."""

from __future__ import annotations

import pytest

from medic.act.classify import Kind, classify
from medic.act.plan import Command, build_plan
from medic.knowledge.store import Store
from tests.act.conftest import entry_by_title


def _commands(store: Store) -> list[Command]:
    out = []
    for e in store.all_entries(searchable_only=True):
        plan = build_plan(store, e)
        out.extend(c for s in [*plan.steps, *plan.rollback] for c in s.commands)
    return out


def test_read_only_steps_of_the_catalog_and_seeds_are_proven(act_store: Store) -> None:
    commands = [c for c in _commands(act_store) if c.lang == "sh"]
    read_only = [c for c in commands if c.kind is Kind.READ_ONLY]
    # every read-only command names the program (and subcommand) that reads, or only changes the shell
    unproven = [
        c.template
        for c in read_only
        if not (c.reason.endswith(" only reads") or c.reason.endswith("changes only this shell"))
        and c.reason != "sets a variable of this shell only"
    ]
    assert unproven == []
    assert len(read_only) > 60
    # nothing that steps the clock, writes a bundle or switches context passes as read-only
    for c in read_only:
        assert not any(w in c.template for w in ("makestep", "diagnose", "use-context", " > ", "sed -i"))


def test_the_clock_step_is_mutating(act_store: Store) -> None:
    for e in act_store.all_entries(searchable_only=True):
        plan = build_plan(act_store, e)
        for s in plan.steps:
            for c in s.commands:
                if c.template == "chronyc makestep":
                    assert c.kind is Kind.MUTATING
                    assert s.kind is Kind.MUTATING
                    return
    pytest.fail("the catalog has no 'chronyc makestep' step")


def test_konvoy_diagnose_writes_a_bundle(act_store: Store) -> None:
    plan = build_plan(act_store, act_store.get(entry_by_title(act_store, "生成 diagnostic bundle")))
    kinds = {c.template: c.kind for s in plan.steps for c in s.commands}
    assert kinds["konvoy diagnose"] is Kind.MUTATING


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("awk '/PARAM/ {print}' f", "a parameter inside the program becomes code"),
        ("sed -n 's/PARAM//p' f", "a parameter inside the program becomes code"),
        ("mysql -e 'SELECT * FROM PARAM'", "a parameter inside the SQL becomes code"),
        ("psql -c \"select * from t where name = 'PARAM'\"", "a parameter inside the SQL becomes code"),
        ("sqlite3 g.db 'select * from PARAM'", "a parameter inside the SQL becomes code"),
    ],
)
def test_a_parameter_inside_code_is_not_read_only(line: str, why: str) -> None:
    # medic.act.plan reads each placeholder of a template as the word PARAM
    v = classify(line)
    assert v.kind is Kind.MUTATING
    assert why in v.reason


def test_a_parameter_as_a_word_still_reads() -> None:
    assert classify("kubectl get pod PARAM -n PARAM -o yaml").kind is Kind.READ_ONLY
    assert classify("grep -c PARAM /var/log/messages").kind is Kind.READ_ONLY
