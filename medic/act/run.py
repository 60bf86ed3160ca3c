"""Running a plan: dry run by default; with ``execute``, confirmed step by step, audited, with rollback.

Rules, in the order they apply to a step:

- A manual step is shown (text, commands with values, configuration) and the operator answers ``done``,
  ``skip`` or ``abort``. Without a person the run pauses there; ``--resume`` continues it.
- A read-only step runs after ``yes`` (or ``y``), or at once with ``--yes``.
- A mutating step runs only after the full word ``yes``; unattended it needs ``--yes --allow-mutating``.
- Answers: ``yes`` runs the step, ``skip`` leaves it and goes on, ``no`` stops the run (it can be resumed),
  ``abort`` ends the run: nothing more is run.
- Commands run without a shell (an argument list) unless the runbook line uses shell syntax; then
  ``sh -c`` gets the line with every parameter value quoted (:mod:`medic.act.params`). ``cd DIR`` and
  ``export NAME=VALUE`` lines change the working directory and environment of the following commands.
- Each command has a timeout; output is shown as it comes and captured (digest, head and tail).
- A failed command stops the run and offers the rollback steps, each confirmed like any step.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from medic.act.audit import AuditLog, Capture, Redactor, host, who
from medic.act.classify import Kind
from medic.act.params import render
from medic.act.plan import Command, Plan, Step, render_command
from medic.errors import InputError

Ask = Callable[[str, tuple[str, ...]], str]
Emit = Callable[[str], None]

ANSWERS_STEP = ("yes", "no", "skip", "abort")
ANSWERS_MANUAL = ("done", "skip", "abort")
ANSWERS_ROLLBACK = ("yes", "no")


@dataclass
class RunOptions:
    execute: bool = False
    yes: bool = False
    allow_mutating: bool = False
    timeout: float = 600.0
    rollback_only: bool = False


@dataclass
class CommandResult:
    display: str
    exit_code: int
    duration: float
    timed_out: bool
    capture: Capture


@dataclass
class RunResult:
    run_id: str
    status: str  # dry-run, completed, failed, rolled-back, rollback-failed, paused, stopped, aborted
    ran: list[CommandResult] = field(default_factory=list)
    message: str = ""


class _Stop(Exception):
    def __init__(self, status: str, message: str = "") -> None:
        super().__init__(status)
        self.status = status
        self.message = message


class Runner:
    def __init__(
        self,
        plan: Plan,
        audit: AuditLog,
        options: RunOptions,
        ask: Ask | None,
        emit: Emit,
        emit_output: Emit | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.audit = audit
        self.options = options
        self.ask = ask
        self.emit = emit
        self.emit_output = emit_output or emit
        self.cwd = cwd or Path.cwd()
        self.env = dict(env if env is not None else os.environ)
        self.values = plan.values
        secret_values = [p.value for p in plan.parameters if p.secret and p.value]
        self.redact = Redactor(secret_values)
        self.results: list[CommandResult] = []
        self.run_id = ""

    # -- entry point ------------------------------------------------------------------------------
    def run(self, resume: str | None = None, done: dict[tuple[str, int], str] | None = None) -> RunResult:
        done = dict(done or {})
        mode = "execute" if self.options.execute else "dry-run"
        if self.options.execute and self.plan.missing:
            raise InputError(
                "missing parameters: " + ", ".join(self.plan.missing) + " (give them with --set NAME=VALUE)"
            )
        if resume:
            self.run_id = resume
            self.audit.append(self.run_id, "run_resumed", {"who": who(), "host": host()})
        else:
            self.run_id = secrets.token_hex(6)
            self.audit.append(
                self.run_id,
                "run_started",
                {
                    "who": who(),
                    "host": host(),
                    "entry_id": self.plan.entry_id,
                    "title": self.plan.title,
                    "source": self.plan.source,
                    "digest": self.plan.digest(),
                    "mode": mode,
                    "rollback_only": self.options.rollback_only,
                    "parameters": {
                        p.name: (self.redact(p.value) if not p.secret else "<redacted>")
                        for p in self.plan.parameters
                        if p.value is not None
                    },
                    "secret_parameters": [p.name for p in self.plan.parameters if p.secret],
                    "cwd": str(self.cwd),
                },
            )
        if not self.options.execute:
            self._dry_run()
            return self._finish("dry-run")
        # a resumed run that had started its rollback goes on with the rollback
        in_rollback = self.options.rollback_only or any(phase == "rollback" for phase, _n in done)
        phase, steps = ("rollback", self.plan.rollback) if in_rollback else ("steps", self.plan.steps)
        try:
            self._steps(phase, steps, done)
        except _Stop as stop:
            if stop.status == "failed" and phase == "steps":
                return self._offer_rollback(stop.message)
            if stop.status == "failed" and not self.options.rollback_only:
                return self._finish("rollback-failed", stop.message)
            return self._finish(stop.status, stop.message)
        except KeyboardInterrupt:
            self._finish("interrupted", "interrupted by the operator")
            raise
        return self._finish("rolled-back" if in_rollback and not self.options.rollback_only else "completed")

    def _finish(self, status: str, message: str = "") -> RunResult:
        self.audit.append(self.run_id, "run_finished", {"status": status, "message": self.redact(message)})
        return RunResult(self.run_id, status, self.results, message)

    # -- dry run ----------------------------------------------------------------------------------
    def _dry_run(self) -> None:
        self.emit(f"dry run of {self.plan.title} — nothing is executed (--execute runs it)")
        groups = [("rollback", self.plan.rollback)] if self.options.rollback_only else [("steps", self.plan.steps)]
        if not self.options.rollback_only and self.plan.rollback:
            groups.append(("rollback (offered if a step fails)", self.plan.rollback))
        for label, steps in groups:
            self.emit(f"— {label}")
            for step in steps:
                self._show_step(step)
        if self.plan.missing:
            self.emit("missing parameters: " + ", ".join(self.plan.missing) + " (--set NAME=VALUE)")

    def _show_step(self, step: Step) -> None:
        title = render(step.title, self.values, for_shell=False)[0]
        self.emit(f"step {step.n} [{step.kind}] {title}")
        for line in step.text:
            self.emit(f"    {render(line, self.values, for_shell=False)[0]}")
        if step.manual:
            self.emit(f"    manual: {step.manual_reason}")
        for cmd in step.commands:
            r = render_command(cmd, self.values)
            how = "sql" if cmd.lang == "sql" else ("argv" if r.argv is not None else ("sh -c" if r.script else "?"))
            self.emit(f"    $ {r.display}    ({how}; {cmd.kind})")
        for cfg in step.config:
            for line in render(cfg, self.values, for_shell=False)[0].split("\n"):
                self.emit(f"    | {line}")
        if step.expected:
            self.emit("    expected: " + " / ".join(step.expected[:3]))

    # -- execution --------------------------------------------------------------------------------
    def _steps(self, phase: str, steps: list[Step], done: dict[tuple[str, int], str]) -> None:
        for step in steps:
            if done.get((phase, step.n)) in ("ok", "skipped", "done"):
                continue
            self._show_step(step)
            answer = self._confirm_manual(phase, step) if step.manual else self._confirm(phase, step)
            if answer == "skip":
                self._step_event(phase, step, "skipped")
                self.emit(f"step {step.n} skipped")
                continue
            if answer == "done":
                self._step_event(phase, step, "done")
                continue
            if answer == "no":
                self._step_event(phase, step, "declined")
                raise _Stop("stopped", f"stopped before step {step.n}; resume with --resume {self.run_id}")
            if answer == "abort":
                self._step_event(phase, step, "aborted")
                raise _Stop("aborted", f"aborted at step {step.n}; nothing more was run")
            if answer == "pause":
                raise _Stop(
                    "paused",
                    f"step {step.n} needs a person ({'manual' if step.manual else step.kind}); "
                    f"resume with --resume {self.run_id}",
                )
            for cmd in step.commands:
                result = self._run_command(phase, step, cmd)
                if result.exit_code != 0:
                    self._step_event(phase, step, "failed")
                    why = "timed out" if result.timed_out else f"exit code {result.exit_code}"
                    raise _Stop("failed", f"step {step.n} failed: {result.display} ({why})")
            self._step_event(phase, step, "ok")

    def _step_event(self, phase: str, step: Step, status: str) -> None:
        self.audit.append(self.run_id, "step_finished", {"phase": phase, "step": step.n, "status": status})

    def _ask(self, prompt: str, choices: tuple[str, ...]) -> str:
        assert self.ask is not None
        answer = self.ask(prompt, choices).strip().lower()
        return answer

    def _confirm_manual(self, phase: str, step: Step) -> str:
        if self.ask is None:
            return "pause"
        while True:
            answer = self._ask(f"step {step.n} is manual: do it, then answer", ANSWERS_MANUAL)
            if answer in ANSWERS_MANUAL:
                return answer
            if answer in ("", "d"):
                return "done"

    def _confirm(self, phase: str, step: Step) -> str:
        mutating = step.kind is Kind.MUTATING
        if self.options.yes and (not mutating or self.options.allow_mutating):
            return "yes"
        if self.ask is None:
            return "pause"
        label = "MUTATING" if mutating else "read-only"
        while True:
            answer = self._ask(f"run step {step.n} ({label})?", ANSWERS_STEP)
            if answer in ("yes", "skip", "no", "abort"):
                return answer
            if answer in ("y",) and not mutating:
                return "yes"
            if answer in ("y",):
                self.emit("type yes in full to run a mutating step")
            elif answer in ("n",):
                return "no"

    def _offer_rollback(self, message: str) -> RunResult:
        self.emit(message)
        if not self.plan.rollback:
            return self._finish("failed", message)
        if self.ask is None:
            return self._finish(
                "failed", message + f"; the rollback was not run (medic run {self.plan.entry_id} --rollback --execute)"
            )
        answer = ""
        while answer not in ANSWERS_ROLLBACK:
            answer = self._ask(f"run the rollback ({len(self.plan.rollback)} steps, each confirmed)?", ANSWERS_ROLLBACK)
        if answer != "yes":
            return self._finish("failed", message + "; rollback declined")
        self.emit("— rollback")
        try:
            self._steps("rollback", self.plan.rollback, {})
        except _Stop as stop:
            status = "rollback-failed" if stop.status == "failed" else stop.status
            return self._finish(status, message + "; rollback: " + stop.message)
        return self._finish("rolled-back", message + "; rollback completed")

    # -- one command ------------------------------------------------------------------------------
    def _run_command(self, phase: str, step: Step, cmd: Command) -> CommandResult:
        rendered = render_command(cmd, self.values)
        if rendered.missing:
            raise InputError("missing parameters: " + ", ".join(rendered.missing))
        self.emit(f"» {rendered.display}")
        started = time.monotonic()
        builtin = self._builtin(rendered.argv)
        if builtin is not None:
            code, text = builtin
            capture = Capture()
            capture.add(text)
            self.emit_output(text)
            result = CommandResult(rendered.display, code, 0.0, False, capture)
        else:
            argv = rendered.argv if rendered.argv is not None else ["/bin/sh", "-c", rendered.script or ""]
            result = self._spawn(rendered.display, argv)
        result.duration = time.monotonic() - started
        self.results.append(result)
        self.audit.append(
            self.run_id,
            "command",
            {
                "phase": phase,
                "step": step.n,
                "command": self.redact(rendered.display),
                "shell": rendered.argv is None,
                "kind": str(cmd.kind),
                "exit_code": result.exit_code,
                "timed_out": result.timed_out,
                "duration": round(result.duration, 3),
                "output_digest": result.capture.digest,
                "output_lines": result.capture.lines,
                "output_bytes": result.capture.bytes,
                "output_head": [self.redact(x) for x in result.capture.head],
                "output_tail": [self.redact(x) for x in result.capture.tail],
                "cwd": str(self.cwd),
            },
        )
        return result

    def _builtin(self, argv: list[str] | None) -> tuple[int, str] | None:
        """``cd`` and ``export``/assignments change the session: (exit code, text), or None to spawn."""
        if not argv:
            return None
        if argv[0] == "cd" and len(argv) <= 2:
            target = Path(os.path.expanduser(argv[1] if len(argv) > 1 else "~"))
            target = target if target.is_absolute() else self.cwd / target
            if not target.is_dir():
                return 1, f"cd: {target}: no such directory"
            self.cwd = target.resolve()
            return 0, f"working directory: {self.cwd}"
        words = argv[1:] if argv[0] == "export" else argv
        if words and all("=" in w and w.split("=", 1)[0].isidentifier() for w in words):
            for w in words:
                name, _, value = w.partition("=")
                self.env[name] = value
            return 0, "environment: " + ", ".join(w.split("=", 1)[0] for w in words)
        return None

    def _spawn(self, display: str, argv: list[str]) -> CommandResult:
        capture = Capture()
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=str(self.cwd),
                env=self.env,
                # unattended: a process group of its own, so a timeout ends the whole pipeline; with a person
                # at the terminal the command stays in the foreground group so sudo can ask for a password
                process_group=None if self.ask is not None else 0,
            )
        except FileNotFoundError:
            capture.add(f"{argv[0]}: command not found\n")
            self.emit_output(f"{argv[0]}: command not found\n")
            return CommandResult(display, 127, 0.0, False, capture)
        except PermissionError:
            capture.add(f"{argv[0]}: permission denied\n")
            return CommandResult(display, 126, 0.0, False, capture)
        stdout = proc.stdout
        assert stdout is not None

        def pump() -> None:
            for raw in iter(stdout.readline, b""):
                line = raw.decode("utf-8", "replace")
                capture.add(line)
                self.emit_output(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=self.options.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._kill(proc)
        except KeyboardInterrupt:
            self._kill(proc)
            raise
        reader.join(timeout=5)
        code = proc.returncode if not timed_out else 124
        if timed_out:
            self.emit(f"timed out after {self.options.timeout:g} s")
        return CommandResult(display, code, time.monotonic() - started, timed_out, capture)

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        own_group = self.ask is None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                if own_group:
                    os.killpg(proc.pid, sig)
                else:
                    proc.send_signal(sig)
            except (ProcessLookupError, PermissionError):
                return
            try:
                proc.wait(timeout=3)
                return
            except subprocess.TimeoutExpired:
                continue


def quote_argv(argv: list[str]) -> str:
    return shlex.join(argv)
