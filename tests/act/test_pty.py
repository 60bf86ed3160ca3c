"""`medic run --execute` driven through a pseudo-terminal: nothing mutating runs without "yes"."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import pytest

from medic.knowledge.store import Store
from tests.act.conftest import Tools, entry_by_title

DRAIN = "Procedure: drain a node for maintenance"


def spawn(db: Path, tools: Tools, *args: str) -> pexpect.spawn:
    env = {**tools.env, "MEDIC_DB": str(db), "MEDIC_SEMANTIC": "0", "COLUMNS": "200", "TERM": "dumb"}
    return pexpect.spawn(
        sys.executable, ["-m", "medic.cli", *args], env=env, cwd=str(db.parent), timeout=30, encoding="utf-8"
    )


@pytest.fixture()
def drain_id(act_store: Store) -> str:
    return entry_by_title(act_store, DRAIN)


def test_yes_skip_abort(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute")
    child.expect_exact("run step 1 (MUTATING)? [yes/no/skip/abort]")
    child.sendline("y")  # not enough for a mutating step
    child.expect_exact("type yes in full")
    child.expect_exact("run step 1 (MUTATING)?")
    assert tools.calls() == []
    child.sendline("skip")
    child.expect_exact("step 1 skipped")
    child.expect_exact("run step 2 (MUTATING)?")
    assert tools.calls() == []
    child.sendline("yes")
    child.expect_exact("kubectl ok: drain n1")
    child.expect_exact("run step 3 (read-only)?")
    child.sendline("abort")
    child.expect_exact("aborted at step 3; nothing more was run")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert tools.calls() == [
        ["kubectl", "drain", "n1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=10m"]
    ]


def test_no_stops_before_anything_runs(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes")
    child.expect_exact("run step 1 (MUTATING)?")  # --yes does not confirm a mutating step
    child.sendline("no")
    child.expect_exact("resume with --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3 and tools.calls() == []


def test_failure_offers_rollback_confirmed_step_by_step(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    tools.env["MEDIC_TEST_FAIL"] = "kubectl drain"
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute")
    child.expect_exact("run step 1 (MUTATING)?")
    child.sendline("yes")
    child.expect_exact("run step 2 (MUTATING)?")
    child.sendline("yes")
    child.expect_exact("error: stand-in failure")
    child.expect_exact("run the rollback (1 steps, each confirmed)? [yes/no]")
    assert [c[1] for c in tools.calls()] == ["cordon", "drain"]  # step 3 never ran
    child.sendline("yes")
    child.expect_exact("run step 1 (MUTATING)?")
    child.sendline("yes")
    child.expect_exact("kubectl ok: uncordon n1")
    child.expect_exact(": rolled-back")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert [c[1] for c in tools.calls()] == ["cordon", "drain", "uncordon"]
