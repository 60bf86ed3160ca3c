"""Runs that end cleanly: real `medic run` processes, a stand-in `kubectl` that sleeps (with a grandchild),
signals sent to Medic only; the command's whole group must be gone and the audit log must say why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from medic.knowledge.store import Store
from tests.act.conftest import Tools, entry_by_title

DRAIN = "Procedure: drain a node for maintenance"
# POSIX sh: records its pid and its background grandchild's pid, then waits (no job control: same group)
_SLEEPER = r"""#!/bin/sh
sleep 60 &
printf '%s %s\n' "$$" "$!" >> "$MEDIC_TEST_PIDS"
wait
"""
# reads a line from the terminal, as sudo reads a password: works only in the terminal's foreground group
_TTY_READER = r"""#!/bin/sh
printf 'password: ' > /dev/tty
read -r answer < /dev/tty
echo "got $answer"
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def wait_for(predicate: object, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def drain_id(act_store: Store) -> str:
    return entry_by_title(act_store, DRAIN)


@pytest.fixture()
def sleeper(tools: Tools, tmp_path: Path) -> Iterator[Path]:
    """`kubectl` becomes the sleeper; the pid file lists "shell grandchild" per call. Leftovers are killed."""
    (tools.bin / "kubectl").write_text(_SLEEPER, encoding="utf-8")
    pids = tmp_path / "pids"
    tools.env["MEDIC_TEST_PIDS"] = str(pids)
    yield pids
    for pid in recorded(pids):
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def recorded(pids: Path) -> list[int]:
    return [int(p) for p in pids.read_text().split()] if pids.exists() else []


def env_of(db: Path, tools: Tools) -> dict[str, str]:
    return {**tools.env, "MEDIC_DB": str(db), "MEDIC_SEMANTIC": "0", "COLUMNS": "200"}


def start(db: Path, tools: Tools, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "medic.cli", *args],
        env=env_of(db, tools),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(db.parent),
    )


def medic(db: Path, tools: Tools, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args],
        env=env_of(db, tools),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=str(db.parent),
        timeout=60,
    )


def last_run(db: Path, tools: Tools) -> dict[str, object]:
    runs = json.loads(medic(db, tools, "audit", "--json").stdout)["runs"]
    return dict(runs[0])


def finished_message(db: Path, tools: Tools, rid: str) -> str:
    detail = json.loads(medic(db, tools, "audit", rid, "--json").stdout)
    return str([e for e in detail["events"] if e["type"] == "run_finished"][-1]["message"])


@pytest.mark.parametrize(("sig", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")])
def test_signal_kills_the_command_group_and_marks_the_run(
    catalog_db: Path, tools: Tools, drain_id: str, sleeper: Path, sig: signal.Signals, name: str
) -> None:
    proc = start(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating")
    wait_for(lambda: len(recorded(sleeper)) == 2)
    shell, grandchild = recorded(sleeper)
    assert alive(shell) and alive(grandchild)
    assert last_run(catalog_db, tools)["status"] == "running"  # its process holds the lock
    proc.send_signal(sig)  # to Medic only, as `kill PID` or a closed terminal does
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, out + err
    assert "Traceback" not in err
    assert f"interrupted by {name}" in out
    wait_for(lambda: not alive(shell) and not alive(grandchild), 10)
    run = last_run(catalog_db, tools)
    assert run["status"] == "interrupted" and run["commands"] == 1 and run["failed"] == 1
    assert finished_message(catalog_db, tools, str(run["run_id"])) == f"interrupted by {name}"
    assert len(recorded(sleeper)) == 2  # step 2 never started


def test_kill_9_leaves_an_interrupted_run_not_a_running_one(
    catalog_db: Path, tools: Tools, drain_id: str, sleeper: Path
) -> None:
    proc = start(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes", "--allow-mutating")
    wait_for(lambda: len(recorded(sleeper)) == 2)
    proc.kill()
    proc.communicate(timeout=30)
    shell, _grandchild = recorded(sleeper)
    assert alive(shell)  # SIGKILL cannot be caught: the command outlives Medic (a documented limit)
    os.killpg(shell, signal.SIGKILL)
    run = last_run(catalog_db, tools)
    assert run["status"] == "interrupted"  # no run_finished, but nobody holds its lock
    # it can be resumed, and the resume is the only one running it
    (tools.bin / "kubectl").write_text((tools.bin / "docker").read_text(), encoding="utf-8")
    r = medic(catalog_db, tools, "run", "--resume", str(run["run_id"]), "--yes", "--allow-mutating")
    assert r.returncode == 0 and f"run {run['run_id']}: completed" in r.stdout, r.stdout + r.stderr


def test_two_resumes_of_one_run_do_not_both_run(catalog_db: Path, tools: Tools, drain_id: str, sleeper: Path) -> None:
    r = medic(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute", "--yes")
    assert r.returncode == 3 and "needs a person" in r.stdout  # paused before step 1 (mutating)
    rid = str(last_run(catalog_db, tools)["run_id"])
    first = start(catalog_db, tools, "run", "--resume", rid, "--yes", "--allow-mutating")
    wait_for(lambda: len(recorded(sleeper)) == 2)
    second = medic(catalog_db, tools, "run", "--resume", rid, "--yes", "--allow-mutating")
    assert second.returncode == 2
    assert second.stderr.strip() == f"medic: run {rid} is running in another process (pid {first.pid}); wait for it"
    assert len(recorded(sleeper)) == 2  # the second ran nothing
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=30)
    assert first.returncode == 143, out + err
    assert last_run(catalog_db, tools)["status"] == "interrupted"


def spawn(db: Path, tools: Tools, *args: str) -> pexpect.spawn:
    env = {**env_of(db, tools), "TERM": "dumb"}
    return pexpect.spawn(
        sys.executable, ["-m", "medic.cli", *args], env=env, cwd=str(db.parent), timeout=30, encoding="utf-8"
    )


def test_with_a_person_sigterm_kills_the_command_group(
    catalog_db: Path, tools: Tools, drain_id: str, sleeper: Path
) -> None:
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute")
    child.expect_exact("run step 1 (MUTATING)?")
    child.sendline("yes")
    wait_for(lambda: len(recorded(sleeper)) == 2)
    shell, grandchild = recorded(sleeper)
    child.kill(signal.SIGTERM)
    child.expect_exact("interrupted by SIGTERM")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 143
    wait_for(lambda: not alive(shell) and not alive(grandchild), 10)
    assert last_run(catalog_db, tools)["status"] == "interrupted"


def test_with_a_person_ctrl_c_reaches_the_command_and_ends_the_run(
    catalog_db: Path, tools: Tools, drain_id: str, sleeper: Path
) -> None:
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute")
    child.expect_exact("run step 1 (MUTATING)?")
    child.sendline("yes")
    wait_for(lambda: len(recorded(sleeper)) == 2)
    shell, grandchild = recorded(sleeper)
    child.sendintr()  # the terminal sends SIGINT to its foreground group: the command's
    child.expect_exact("interrupted by SIGINT")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    wait_for(lambda: not alive(shell) and not alive(grandchild), 10)
    assert last_run(catalog_db, tools)["status"] == "interrupted"


def test_with_a_person_the_command_can_read_the_terminal(catalog_db: Path, tools: Tools, drain_id: str) -> None:
    """What sudo needs for its password prompt: the command is the terminal's foreground group."""
    (tools.bin / "kubectl").write_text(_TTY_READER, encoding="utf-8")
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute")
    child.expect_exact("run step 1 (MUTATING)?")
    child.sendline("yes")
    child.expect_exact("password:")
    child.sendline("hunter2")
    child.expect_exact("got hunter2")
    child.expect_exact("run step 2 (MUTATING)?")  # and Medic has the terminal back
    child.sendline("abort")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3


def test_with_a_person_ctrl_z_does_not_leave_the_terminal_stuck(
    catalog_db: Path, tools: Tools, drain_id: str, sleeper: Path
) -> None:
    child = spawn(catalog_db, tools, "run", drain_id, "--set", "node=n1", "--execute")
    child.expect_exact("run step 1 (MUTATING)?")
    child.sendline("yes")
    wait_for(lambda: len(recorded(sleeper)) == 2)
    shell, grandchild = recorded(sleeper)
    child.sendcontrol("z")  # SIGTSTP to the foreground group: the command's
    child.expect_exact("a command cannot be suspended here: it goes on (Ctrl-C ends the run)")
    assert alive(shell) and alive(grandchild)
    child.sendintr()
    child.expect_exact("interrupted by SIGINT")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    wait_for(lambda: not alive(shell) and not alive(grandchild), 10)
