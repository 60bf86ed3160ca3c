"""Running plans for real: stand-in executables on PATH record the exact argv, the order, the stop on
failure and the rollback; hostile values run nothing extra; the audit log is append-only and redacted."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from medic.act.audit import AuditLog
from medic.act.plan import Plan, build_plan
from medic.act.run import Runner, RunOptions
from medic.errors import InputError
from medic.knowledge.store import Store
from tests.act.conftest import Tools, entry_by_title

DRAIN = "Procedure: drain a node for maintenance"
DRBD = "Procedure: recover DRBD when every host shows Outdated"
XFS = "Procedure: repair an XFS filesystem behind a crashing service"
PV = "Procedure: reuse a Released PersistentVolume with a new claim"


@pytest.fixture()
def audit(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog(tmp_path / "audit.db")
    yield log
    log.close()


def plan_of(store: Store, title: str, **values: str) -> Plan:
    plan = build_plan(store, store.get(entry_by_title(store, title)))
    assert plan.bind(dict(values)) == []
    return plan


class Script:
    """Scripted answers to the runner's questions; records the prompts."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, prompt: str, choices: tuple[str, ...]) -> str:
        self.prompts.append(prompt)
        assert self.answers, f"unexpected question: {prompt}"
        return self.answers.pop(0)


def runner(plan: Plan, audit: AuditLog, tmp_path: Path, ask: Script | None = None, **opts: object) -> Runner:
    lines: list[str] = []
    opts.setdefault("execute", True)
    options = RunOptions(timeout=float(str(opts.pop("timeout", 20.0))), **opts)  # type: ignore[arg-type]
    r = Runner(plan, audit, options, ask=ask, emit=lines.append, emit_output=lines.append, cwd=tmp_path)
    r.lines = lines  # type: ignore[attr-defined]
    return r


def test_dry_run_runs_nothing(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    plan = plan_of(act_store, DRAIN, node="node-1")
    r = runner(plan, audit, tmp_path, execute=False)
    result = r.run()
    assert result.status == "dry-run"
    assert tools.calls() == []
    text = "\n".join(r.lines)  # type: ignore[attr-defined]
    assert "kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data --timeout=10m" in text
    assert audit.summary(result.run_id).mode == "dry-run"


def test_unattended_run_exact_argv_and_order(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    plan = plan_of(act_store, DRAIN, node="ip-10-0-128-170.internal")
    result = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run()
    assert result.status == "completed"
    assert tools.calls() == [
        ["kubectl", "cordon", "ip-10-0-128-170.internal"],
        [
            "kubectl",
            "drain",
            "ip-10-0-128-170.internal",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=10m",
        ],
        ["kubectl", "get", "pods", "-A", "-o", "wide", "--field-selector", "spec.nodeName=ip-10-0-128-170.internal"],
    ]


def test_yes_alone_confirms_read_only_only(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    plan = plan_of(act_store, DRAIN, node="n1")
    result = runner(plan, audit, tmp_path, yes=True).run()
    assert result.status == "paused"  # step 1 is mutating and nobody is there to say yes
    assert tools.calls() == []


@pytest.mark.parametrize("value", ["x; rm -rf /", "$(id)", "`id`", "a && touch pwned", "'; touch pwned; '"])
def test_hostile_values_run_nothing_extra(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, value: str
) -> None:
    # a service is a name (typed parameters refuse these values for it); a device is a path: any one line
    plan = plan_of(act_store, XFS, service="ldap", device=value)
    result = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run()
    assert result.status == "completed"
    assert tools.calls() == [
        ["docker", "service", "scale", "ldap=0"],
        ["xfs_repair", "-n", value],
        ["xfs_repair", value],
        ["docker", "service", "scale", "ldap=1"],
        ["docker", "service", "ps", "ldap"],
    ]
    assert not (tmp_path / "pwned").exists()


def test_hostile_value_in_a_shell_line(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    """A runbook line with a pipe runs under sh -c; a node value that is no node name is refused first."""
    plan = plan_of(act_store, DRAIN, node="n1")
    plan.steps[2].commands[0].template += " | grep -F -- <node>"
    with pytest.raises(InputError, match="RFC 1123"):
        plan.bind({"node": "$(touch pwned)`touch pwned2`"})
    result = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run()
    assert result.status == "completed"
    assert tools.calls()[-1][-1] == "spec.nodeName=n1"
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_failure_stops_and_rollback_is_confirmed_step_by_step(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIC_TEST_FAIL", "drbdadm primary")
    plan = plan_of(act_store, DRBD, resource="r0", service="ldap")
    ask = Script("yes", "yes", "yes", "yes")  # step 1, step 2 (fails), rollback?, rollback step 1
    result = runner(plan, audit, tmp_path, ask=ask).run()
    assert result.status == "rolled-back"
    assert tools.calls() == [
        ["docker", "service", "scale", "ldap=0"],
        ["drbdadm", "primary", "--force", "r0"],
        ["drbdadm", "secondary", "r0"],
        ["docker", "service", "scale", "ldap=1"],
    ]
    assert "rollback" in ask.prompts[2]
    summary = audit.summary(result.run_id)
    assert summary.status == "rolled-back" and summary.failed == 1


def test_rollback_declined_and_unattended_failure(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIC_TEST_FAIL", "kubectl drain")
    plan = plan_of(act_store, DRAIN, node="n1")
    result = runner(plan, audit, tmp_path, ask=Script("yes", "yes", "no")).run()
    assert result.status == "failed"
    assert [c[1] for c in tools.calls()] == ["cordon", "drain"]
    tools.log.unlink()
    result = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run()
    assert result.status == "failed" and "--rollback" in result.message
    assert [c[1] for c in tools.calls()] == ["cordon", "drain"]  # no rollback without a person


def test_skip_no_abort(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    plan = plan_of(act_store, DRAIN, node="n1")
    # "y" is not enough for a mutating step: asked again; then skip step 1, run step 2, abort at step 3
    ask = Script("y", "skip", "yes", "abort")
    result = runner(plan, audit, tmp_path, ask=ask).run()
    assert result.status == "aborted"
    assert tools.calls() == [
        ["kubectl", "drain", "n1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=10m"]
    ]
    tools.log.unlink()
    result = runner(plan, audit, tmp_path, ask=Script("no")).run()
    assert result.status == "stopped" and tools.calls() == []


def test_resume_continues_after_the_last_done_step(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path
) -> None:
    plan = plan_of(act_store, DRAIN, node="n1")
    first = runner(plan, audit, tmp_path, ask=Script("yes", "no")).run()
    assert first.status == "stopped"
    state = audit.state(first.run_id)
    assert state.done == {("steps", 1): "ok", ("steps", 2): "declined"}
    assert state.parameters == {"node": "n1"} and state.digest == plan.digest()
    again = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run(resume=first.run_id, done=state.done)
    assert again.run_id == first.run_id and again.status == "completed"
    assert [c[1] for c in tools.calls()] == ["cordon", "drain", "get"]


def test_resume_goes_on_with_a_started_rollback(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIC_TEST_FAIL", "drbdadm primary")
    plan = plan_of(act_store, DRBD, resource="r0", service="ldap")
    # step 1, step 2 fails, rollback yes, rollback step 1 "no": stopped inside the rollback
    first = runner(plan, audit, tmp_path, ask=Script("yes", "yes", "yes", "no")).run()
    assert first.status == "stopped"
    state = audit.state(first.run_id)
    assert state.done[("rollback", 1)] == "declined"
    monkeypatch.delenv("MEDIC_TEST_FAIL")
    again = runner(plan, audit, tmp_path, ask=Script("yes")).run(resume=first.run_id, done=state.done)
    assert again.status == "rolled-back"
    assert tools.calls()[-2:] == [["drbdadm", "secondary", "r0"], ["docker", "service", "scale", "ldap=1"]]
    assert [c[0] for c in tools.calls()] == ["docker", "drbdadm", "drbdadm", "docker"]


def test_manual_steps_pause_for_the_operator(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    plan = plan_of(
        act_store,
        PV,
        workload="deploy/grafana",
        namespace="shared",
        **{"pv-name": "pv-1", "claim-name": "old", "claim-file": "c.yaml", "replicas": "1"},
        **{"storage-class": "sc", "size": "5Gi"},
    )
    kinds = [str(s.kind) for s in plan.steps]
    assert kinds == ["mutating", "mutating", "manual", "mutating", "manual", "mutating"]
    unattended = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run()
    assert unattended.status == "paused" and "step 3" in unattended.message
    assert [c[1] for c in tools.calls()] == ["scale", "patch", "get"]
    tools.log.unlink()
    ask = Script("yes", "yes", "done", "yes", "skip", "yes")
    result = runner(plan, audit, tmp_path, ask=ask).run()
    assert result.status == "completed"
    assert tools.calls()[0] == ["kubectl", "scale", "deploy/grafana", "-n", "shared", "--replicas=0"]
    assert tools.calls()[1] == ["kubectl", "patch", "pv", "pv-1", "--type", "merge", "-p", '{"spec":{"claimRef":null}}']
    assert [c[1] for c in tools.calls()] == ["scale", "patch", "get", "apply", "get", "scale"]


def test_timeout_kills_the_command(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIC_TEST_HANG", "kubectl cordon")
    plan = plan_of(act_store, DRAIN, node="n1")
    result = runner(plan, audit, tmp_path, yes=True, allow_mutating=True, timeout=1.0).run()
    assert result.status == "failed" and "timed out" in result.message
    assert result.ran[0].timed_out and result.ran[0].duration < 10


def test_timeout_with_a_person_at_the_terminal(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIC_TEST_HANG", "kubectl cordon")
    plan = plan_of(act_store, DRAIN, node="n1")
    result = runner(plan, audit, tmp_path, ask=Script("yes", "no"), timeout=1.0).run()
    assert result.status == "failed" and result.ran[0].timed_out and result.ran[0].duration < 10


def test_cd_and_export_change_the_session(audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    from medic.act.plan import steps_from_blocks
    from medic.knowledge.document import Block

    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "marker").touch()
    steps = steps_from_blocks(
        [
            Block(text="1. Go there", line=1),
            Block(text="cd tools\nexport GREETING=hello\necho $GREETING\nls", line=2, code=True),
        ],
        prose_is_step=True,
    )
    plan = Plan("e", "t", "s", 1, steps, [], [])
    r = runner(plan, audit, tmp_path, yes=True, allow_mutating=True)
    assert r.run().status == "completed"
    assert [x.capture.text() for x in r.results[-2:]] == ["hello", "marker"]
    r = runner(plan, audit, tmp_path / "tools", yes=True, allow_mutating=True)  # no tools/tools here
    result = r.run()
    assert result.status == "failed" and "cd tools" in result.message


def test_audit_is_append_only_and_redacted(act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    from medic.act.plan import steps_from_blocks
    from medic.knowledge.document import Block

    steps = steps_from_blocks(
        [
            Block(text="1. Log in", line=1),
            Block(text="kubectl create secret generic s --from-literal=key=<storage-key>", line=2, code=True),
            Block(text="2. Talk", line=3),
            Block(
                text="kubectl get pods --token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghij",
                line=4,
                code=True,
            ),
        ],
        prose_is_step=True,
    )
    plan = Plan("e", "t", "s", 1, steps, [], [])
    from medic.act.params import Parameter

    plan.parameters = [Parameter("storage-key", ["<storage-key>"], "hunter2-very-secret")]
    result = runner(plan, audit, tmp_path, yes=True, allow_mutating=True).run()
    assert result.status == "completed"
    raw = "\n".join(str(body) for _at, _k, body in audit.events(result.run_id))
    assert "hunter2-very-secret" not in raw and "eyJhbGciOiJIUzI1NiJ9" not in raw
    assert "<redacted>" in raw
    commands = [b for _at, k, b in audit.events(result.run_id) if k == "command"]
    assert commands[0]["exit_code"] == 0 and commands[0]["output_digest"].startswith("sha256:")
    assert commands[0]["output_head"] and commands[0]["duration"] >= 0
    start = next(b for _at, k, b in audit.events(result.run_id) if k == "run_started")
    assert start["who"] and start["host"] and start["parameters"] == {"storage-key": "<redacted>"}
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        audit.db.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        audit.db.execute("UPDATE events SET type = 'x'")


def _plan_with(command: str, name: str, value: str) -> Plan:
    from medic.act.params import Parameter
    from medic.act.plan import steps_from_blocks
    from medic.knowledge.document import Block

    steps = steps_from_blocks(
        [Block(text="1. Look", line=1), Block(text=command, line=2, code=True)], prose_is_step=True
    )
    plan = Plan("e", "t", "s", 1, steps, [], [])
    plan.parameters = [Parameter(name, [f"<{name}>"], value)]
    return plan


def test_a_value_the_redaction_rules_hide_is_a_secret_too(audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    """A parameter whose name says nothing, holding a password: hidden, digested, asked again on resume."""
    from medic.act.audit import check_resume_secrets, secret_digest
    from medic.errors import InputError

    plan = _plan_with("kubectl get pods -l <opts>", "opts", "password=hunter2hunter2")
    result = runner(plan, audit, tmp_path, yes=True).run()
    assert result.status == "completed"
    assert tools.calls() == [["kubectl", "get", "pods", "-l", "password=hunter2hunter2"]]
    state = audit.state(result.run_id)
    assert state.parameters == {"opts": "<redacted>"} and state.secret_names == ["opts"]
    salt = state.secret_digests["opts"]["salt"]
    assert state.secret_digests["opts"]["sha256"] == secret_digest("password=hunter2hunter2", salt)
    raw = "\n".join(str(body) for _at, _k, body in audit.events(result.run_id))
    assert "hunter2hunter2" not in raw
    with pytest.raises(InputError, match=r"used the secret parameter\(s\) opts: .*--set opts=\.\.\."):
        check_resume_secrets(state, {})
    with pytest.raises(InputError, match="--set opts: not the value run"):
        check_resume_secrets(state, {"opts": "password=other"})
    check_resume_secrets(state, {"opts": "password=hunter2hunter2"})


def test_sigterm_in_process_kills_the_group_and_records_it(
    act_store: Store, audit: AuditLog, tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal
    import threading

    monkeypatch.setenv("MEDIC_TEST_HANG", "kubectl drain")
    plan = plan_of(act_store, DRAIN, node="n1")
    r = runner(plan, audit, tmp_path, yes=True, allow_mutating=True)

    def kill_when_drain_hangs() -> None:
        while not any(c[1] == "drain" for c in tools.calls()):  # the handlers are installed by then
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)

    timer = threading.Thread(target=kill_when_drain_hangs, daemon=True)
    timer.start()
    started = time.monotonic()
    result = r.run()
    timer.join()
    assert result.status == "interrupted" and result.signal == signal.SIGTERM
    assert time.monotonic() - started < 10  # the hanging `sleep 30` was killed, not waited for
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored
    commands = [b for _at, k, b in audit.events(result.run_id) if k == "command"]
    assert commands[-1]["interrupted"] == "SIGTERM" and commands[-1]["exit_code"] == 143
    finished = [b for _at, k, b in audit.events(result.run_id) if k == "run_finished"]
    assert finished == [{"status": "interrupted", "message": "interrupted by SIGTERM"}]
    assert not audit.is_running(result.run_id)
    assert (tmp_path / "audit.locks" / f"{result.run_id}.lock").exists()  # it can be resumed: its lock stays


def test_a_value_holding_a_secret_is_a_secret(audit: AuditLog, tools: Tools, tmp_path: Path) -> None:
    from medic.act.params import Parameter

    plan = _plan_with("kubectl get pods <storage-key> <label>", "storage-key", "Zq8wLm2vTx")
    plan.parameters.append(Parameter("label", ["<label>"], "app-Zq8wLm2vTx"))
    result = runner(plan, audit, tmp_path, yes=True).run()
    assert result.status == "completed"
    state = audit.state(result.run_id)
    assert state.parameters == {"storage-key": "<redacted>", "label": "<redacted>"}
    assert state.secret_names == ["label", "storage-key"] and set(state.secret_digests) == {"label", "storage-key"}
    raw = "\n".join(str(body) for _at, _k, body in audit.events(result.run_id))
    assert "Zq8wLm2vTx" not in raw
    assert list((tmp_path / "audit.locks").iterdir()) == [tmp_path / "audit.locks" / "anchor.lock"]  # finished
