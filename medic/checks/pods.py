"""Pod and container checks (POD1xx): crash loops, OOM kills, image pulls, config errors, probes, restarts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medic.checks.kube import container_statuses, event_line, get, ref, warning_events
from medic.checks.registry import Hit, check
from medic.model import Severity, Snapshot


def _last_exit(cs: dict[str, Any]) -> tuple[str, str]:
    """(reason, exit code) of the container's last termination, '' when unknown."""
    term = get(cs, "lastState", "terminated", default={}) or get(cs, "state", "terminated", default={})
    return str(term.get("reason") or ""), str(term.get("exitCode", ""))


@check(
    "POD101",
    Severity.ERROR,
    "Container restarting in CrashLoopBackOff",
    "container {container} is in CrashLoopBackOff after {restarts} restarts (last exit: {reason} {exit_code})",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-pods.md#application-exits-with-code-1-on-a-configuration-error-crashloopbackoff",
        "kubernetes-pods.md#container-exits-with-code-126-127-or-139-and-loops-in-crashloopbackoff",
    ),
)
def crash_loop(snap: Snapshot) -> Iterator[Hit]:
    """A container keeps exiting and the kubelet restarts it with a growing back-off.

    The message gives the last termination's reason and exit code (1: the application gave up, often on
    configuration; 126/127: the command cannot run or is missing; 137: killed, see POD102; 139: segfault).
    Evidence: the waiting message and the pod's warning events (``BackOff``).
    """
    for pod in snap.items("pods"):
        for cs in container_statuses(pod):
            waiting = get(cs, "state", "waiting", default={})
            if waiting.get("reason") != "CrashLoopBackOff":
                continue
            reason, code = _last_exit(cs)
            if reason == "OOMKilled":
                continue  # POD102 says it better
            evidence = [str(waiting.get("message") or "")]
            evidence += [event_line(e) for e in warning_events(snap, "pods", pod)[-4:]]
            yield Hit(
                ref("pods", pod),
                {
                    "container": cs.get("name", "?"),
                    "restarts": cs.get("restartCount", 0),
                    "reason": reason or "unknown",
                    "exit_code": code or "?",
                },
                evidence,
            )


@check(
    "POD102",
    Severity.ERROR,
    "Container killed for exceeding its memory limit (OOMKilled)",
    "container {container} was OOMKilled (exit code {exit_code}, memory limit {limit}), {restarts} restarts",
    looks_at=("pods",),
    links=("kubernetes-pods.md#container-killed-with-oomkilled-exit-code-137-and-restarting-in-crashloopbackoff",),
)
def oom_killed(snap: Snapshot) -> Iterator[Hit]:
    """The container's current or last termination reason is ``OOMKilled``: it used more memory than its
    limit (or the node ran out). Raise the limit or find the leak; the message shows the limit it had."""
    for pod in snap.items("pods"):
        limits = {
            str(c.get("name")): get(c, "resources", "limits", "memory", default="none")
            for c in get(pod, "spec", "containers", default=[])
            if isinstance(c, dict)
        }
        for cs in container_statuses(pod):
            reason, code = _last_exit(cs)
            if reason != "OOMKilled":
                continue
            name = str(cs.get("name", "?"))
            yield Hit(
                ref("pods", pod),
                {
                    "container": name,
                    "exit_code": code or "137",
                    "limit": limits.get(name, "none"),
                    "restarts": cs.get("restartCount", 0),
                },
                [f"Last State: Terminated  Reason: OOMKilled  Exit Code: {code or 137}"],
            )
