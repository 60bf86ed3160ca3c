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
- Each command runs in a process group of its own. With a person at the terminal that group is made the
  terminal's foreground group while it runs (so ``sudo`` can ask for a password, and Ctrl-C reaches the
  command), then the terminal is taken back.
- A run holds its lock (:meth:`medic.act.audit.AuditLog.lock`) from start to end. SIGTERM, SIGHUP and SIGINT
  kill the running command's whole process group, record the run as ``interrupted`` with the signal's name
  and end it; the command line then exits 128 + the signal number.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from medic.act.audit import AuditLog, Capture, Redactor, RunLock, host, identity, new_salt, secret_digest
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
    interrupted: int = 0  # the signal that ended the run while this command ran (it was killed)


@dataclass
class RunResult:
    run_id: str
    status: str  # dry-run, completed, failed, rolled-back, rollback-failed, paused, stopped, aborted
    ran: list[CommandResult] = field(default_factory=list)
    message: str = ""
    signal: int = 0  # the signal that interrupted the run (the command line exits 128 + it)


SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
FINAL = ("dry-run", "completed", "aborted", "rolled-back")  # what `medic run --resume` refuses to go on with
POLL = 0.02  # seconds between checks on a command that has the terminal (short next to a person's reaction)
KILL_GRACE = 3.0  # seconds a command's group has between SIGTERM and SIGKILL (enough to flush and exit)


class Interrupted(BaseException):
    """Raised in the main thread by the signal handler; a BaseException so no ``except Exception`` eats it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


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
        lock: RunLock | None = None,
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
        plain = Redactor()
        # a value the redaction rules would hide (a password-looking value of a parameter whose name does
        # not say "secret") is a secret too: it is hidden everywhere and asked again on --resume
        self.secret_names = [p.name for p in plan.parameters if p.value and (p.secret or plain(p.value) != p.value)]
        secret_values = [p.value for p in plan.parameters if p.value and p.name in self.secret_names]
        self.redact = Redactor(secret_values)
        # ...and so is a value that holds one of those (``<redacted>-suffix`` must never be resumed with)
        more = [
            p
            for p in plan.parameters
            if p.value and p.name not in self.secret_names and self.redact(p.value) != p.value
        ]
        if more:
            self.secret_names += [p.name for p in more]
            self.redact = Redactor(secret_values + [p.value for p in more if p.value])
        self.results: list[CommandResult] = []
        self.run_id = ""
        self.lock = lock

    # -- entry point ------------------------------------------------------------------------------
    def run(self, resume: str | None = None, done: dict[tuple[str, int], str] | None = None) -> RunResult:
        """Run (or resume) the plan holding its lock; a signal ends it as ``interrupted``."""
        if self.options.execute and self.plan.missing:
            raise InputError(
                "missing parameters: " + ", ".join(self.plan.missing) + " (give them with --set NAME=VALUE)"
            )
        self.run_id = resume or secrets.token_hex(6)
        if self.lock is None:
            self.lock = self.audit.lock(self.run_id)
        result: RunResult | None = None
        try:
            with _signals_raise():
                try:
                    result = self._run(resume, dict(done or {}))
                except (Interrupted, KeyboardInterrupt) as stop:
                    signum = stop.signum if isinstance(stop, Interrupted) else int(signal.SIGINT)
                    name = signal.Signals(signum).name
                    self.emit(f"interrupted by {name}")
                    result = self._finish("interrupted", f"interrupted by {name}")
                    result.signal = signum
                return result
        finally:
            # a run that cannot be resumed any more needs no lock file (one per run would pile up)
            self.lock.release(remove=result is not None and result.status in FINAL)

    def _run(self, resume: str | None, done: dict[tuple[str, int], str]) -> RunResult:
        mode = "execute" if self.options.execute else "dry-run"
        if resume:
            self.audit.append(self.run_id, "run_resumed", {**identity(), "host": host()})
        else:
            salts = {name: new_salt() for name in self.secret_names}
            self.audit.append(
                self.run_id,
                "run_started",
                {
                    **identity(),
                    "host": host(),
                    "entry_id": self.plan.entry_id,
                    "title": self.plan.title,
                    "source": self.plan.source,
                    "digest": self.plan.digest(),
                    "mode": mode,
                    "rollback_only": self.options.rollback_only,
                    "parameters": {
                        p.name: (self.redact(p.value) if p.name not in self.secret_names else "<redacted>")
                        for p in self.plan.parameters
                        if p.value is not None
                    },
                    "secret_parameters": sorted(
                        {p.name for p in self.plan.parameters if p.secret} | set(self.secret_names)
                    ),
                    # salted digests only: a resume checks the value given again against them
                    "secret_digests": {
                        p.name: {"salt": salts[p.name], "sha256": secret_digest(p.value, salts[p.name])}
                        for p in self.plan.parameters
                        if p.value and p.name in salts
                    },
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
        if rendered.manual_reason or (rendered.argv is None and not rendered.script):
            # plans make such steps manual; a command that reaches here anyway is never run
            raise InputError(f"refusing to run {rendered.display!r}: {rendered.manual_reason or 'nothing to run'}")
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
                **({"interrupted": signal.Signals(result.interrupted).name} if result.interrupted else {}),
                "duration": round(result.duration, 3),
                "output_digest": result.capture.digest,
                "output_lines": result.capture.lines,
                "output_bytes": result.capture.bytes,
                "output_head": [self.redact(x) for x in result.capture.head],
                "output_tail": [self.redact(x) for x in result.capture.tail],
                "cwd": str(self.cwd),
            },
        )
        if result.interrupted:
            raise Interrupted(result.interrupted)
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
        tty = self._terminal()
        _Gate.deferring = True  # until the wait below, which kills the command's group on a signal
        try:
            # a process group of its own, always: a timeout or a signal ends the whole pipeline
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=str(self.cwd),
                env=self.env,
                process_group=0,
            )
        except FileNotFoundError:
            _release_signals()
            capture.add(f"{argv[0]}: command not found\n")
            self.emit_output(f"{argv[0]}: command not found\n")
            return CommandResult(display, 127, 0.0, False, capture)
        except PermissionError:
            _release_signals()
            capture.add(f"{argv[0]}: permission denied\n")
            return CommandResult(display, 126, 0.0, False, capture)
        try:
            return self._watch(display, proc, tty, capture, started)
        finally:
            _Gate.deferring = False

    def _watch(
        self, display: str, proc: subprocess.Popen[bytes], tty: int | None, capture: Capture, started: float
    ) -> CommandResult:
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
        with _foreground(tty, proc.pid):
            try:
                _release_signals()  # a signal that came since Popen is raised here, where it kills the group
                if tty is None:
                    proc.wait(timeout=self.options.timeout)
                else:
                    self._wait_foreground(proc, tty)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc)
            except (Interrupted, KeyboardInterrupt) as stop:  # the command's whole group goes first
                _kill_group(proc)
                reader.join(timeout=5)
                signum = stop.signum if isinstance(stop, Interrupted) else int(signal.SIGINT)
                return CommandResult(display, 128 + signum, 0.0, False, capture, interrupted=signum)
        reader.join(timeout=5)
        if tty is not None and proc.returncode in (-signal.SIGINT, -signal.SIGHUP):
            # Ctrl-C or a hang-up reached the command (the foreground group), not Medic: the run ends too
            signum = -proc.returncode
            _kill_group(proc)  # what it left behind (a background job ignores SIGINT)
            return CommandResult(display, 128 + signum, 0.0, False, capture, interrupted=signum)
        code = proc.returncode if not timed_out else 124
        if timed_out:
            self.emit(f"timed out after {self.options.timeout:g} s")
        return CommandResult(display, code, time.monotonic() - started, timed_out, capture)

    def _wait_foreground(self, proc: subprocess.Popen[bytes], tty: int) -> None:
        """Wait for a command that has the terminal. Ctrl-Z stops its group, not Medic (which would wait on
        a stopped command for ever, the terminal lost): the command is continued and told so."""
        deadline = time.monotonic() + self.options.timeout
        while True:
            pid, status = os.waitpid(proc.pid, os.WUNTRACED | os.WNOHANG)
            if pid and os.WIFSTOPPED(status):
                self.emit("a command cannot be suspended here: it goes on (Ctrl-C ends the run)")
                with suppress(OSError):
                    os.tcsetpgrp(tty, proc.pid)
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGCONT)
                continue
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(proc.args, self.options.timeout)
            time.sleep(POLL)

    def _terminal(self) -> int | None:
        """The terminal to hand to the command: with a person, when Medic is in its foreground group."""
        if self.ask is None:
            return None
        try:
            fd = sys.stdin.fileno()
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return fd
        except (OSError, ValueError, AttributeError):
            return None
        return None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the command's process group, SIGKILL to what is left of it after a grace period."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=KILL_GRACE)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # members that ignored SIGTERM, or outlived the leader
    proc.wait()


@contextmanager
def _foreground(tty: int | None, pgid: int) -> Iterator[None]:
    """Make ``pgid`` the terminal's foreground group while the block runs, then take the terminal back.

    Medic is then a background group: SIGTTOU is ignored meanwhile so it can write and take the terminal
    back. A command that read the terminal before it was handed over was stopped (SIGTTIN): SIGCONT.
    """
    if tty is None:
        yield
        return
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        try:
            os.tcsetpgrp(tty, pgid)
            os.killpg(pgid, signal.SIGCONT)
        except OSError:
            pass  # the command already ended
        yield
    finally:
        with suppress(OSError):
            os.tcsetpgrp(tty, os.getpgrp())
        signal.signal(signal.SIGTTOU, previous)


class _Gate:
    """While deferred, a signal is remembered instead of raised: a process started but not yet known to us
    (inside ``Popen``, before the ``try`` that kills its group) is never left behind."""

    deferring = False
    pending = 0


def _release_signals() -> None:
    """Stop deferring; raise the signal that came meanwhile, if one did."""
    _Gate.deferring = False
    if _Gate.pending:
        raise Interrupted(_Gate.pending)


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGINT raise :class:`Interrupted` in the main thread (elsewhere: unchanged).

    The first signal turns the others off, so the clean-up (kill the command's group, write the audit
    event) is not cut short by a second one.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        if _Gate.deferring:
            _Gate.pending = signum
            return
        raise Interrupted(signum)

    _Gate.pending = 0
    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _Gate.pending = 0


def quote_argv(argv: list[str]) -> str:
    return shlex.join(argv)
