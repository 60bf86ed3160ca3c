"""Event messages pasted alone: the MESSAGE column of an events list copied from a UI, or the lines an author
kept from a describe (``Liveness probe failed: Get "http://...": connect: connection refused``).

A line is one when it starts (after a timestamp, a bullet or a quote marker) with a message only the
kubelet or the scheduler sends, in the words Kubernetes prints them; its reason and type are the ones those
components give that message. The event is about a pod the paste does not name (the assemble step names it
after the paste's subject when there is one). Facts: ``{"events": [{"reason", "type", "message"}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser
from medic.model import Snapshot

# (message start, reason, type) as the kubelet and the scheduler record them
_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (r"(?:Liveness|Readiness|Startup) probe (?:failed|errored):", "Unhealthy", "Warning"),
    (r"Container \S+ failed (?:liveness|startup) probe, will be restarted", "Killing", "Normal"),
    (r"Back-off restarting failed container", "BackOff", "Warning"),
    (r"Back-off pulling image \"", "BackOff", "Normal"),
    (r"Failed to pull image \"", "Failed", "Warning"),
    (r"Error: (?:ErrImagePull|ImagePullBackOff)\s*$", "Failed", "Warning"),
    (r"MountVolume\.SetUp failed for volume \"", "FailedMount", "Warning"),
    (r"Unable to attach or mount volumes: ", "FailedMount", "Warning"),
    (r"AttachVolume\.Attach failed for volume \"", "FailedAttachVolume", "Warning"),
    (r"0/\d+ nodes are available: ", "FailedScheduling", "Warning"),
    # the scheduler's words before 1.12, and the kubelet's mount timeout before 1.17
    (r"No nodes are available that match all of the (?:following )?predicates", "FailedScheduling", "Warning"),
    (r"Unable to mount volumes for pod \"", "FailedMount", "Warning"),
    # the kubelet's CreateContainerConfigError messages (a Secret or ConfigMap, or a key of one, not found)
    (r"Error: (?:(?:secrets?|configmaps?) \"[^\"]+\" not found|couldn't find key \S+ in )", "Failed", "Warning"),
    # the kubelet's eviction manager (the pod's status message says the same)
    (r"The node was low on resource: \S+", "Evicted", "Warning"),
    (r"(?:Pod )?The node had condition: \[\w+\]", "Evicted", "Warning"),
    # kubelets before 1.5 sent the crash-loop back-off inside a FailedSync event
    (
        r"Error syncing pod, skipping: failed to \"StartContainer\" for \"[^\"]+\" with CrashLoopBackOff",
        "FailedSync",
        "Warning",
    ),
)
# before the message: a timestamp, a bullet or quote marker, and the event's reason word (``FailedSync\t Error
# syncing pod...`` as a UI row shows it); inside a sentence, the backtick or underscore that quotes it; in a
# table's row (custom columns, a UI's list), the gap of two or more spaces before its MESSAGE cell
_PREFIX = r"(?:^[\s>*•-]*(?:\d[\d/.,:TZ+ -]{3,40}?\s+)?(?:[A-Z][a-z]+[A-Z][A-Za-z]+\s+)?|[`_]|\S {2,})"
_LINE = re.compile(_PREFIX + "(?P<message>(?:" + "|".join(m for m, _, _ in _MESSAGES) + r")[^`]*)")
_KINDS = [(re.compile(m), reason, typ) for m, reason, typ in _MESSAGES]


def parse_message(message: str) -> dict[str, Any] | None:
    """The reason and type a kubelet or scheduler message is sent with (None when it is not one of theirs)."""
    message = message.strip()
    for pattern, reason, typ in _KINDS:
        if pattern.match(message):
            return {"reason": reason, "type": typ, "message": message}
    return None


def parse_line(line: str) -> dict[str, Any] | None:
    m = _LINE.search(line)
    if not m:
        return None
    message = m.group("message").rstrip()
    if m.group(0)[:1] == "_" and message.endswith(("_", "_.")):
        message = message[: message.rindex("_")]  # the closing italics marker
    return parse_message(message)


class EventMessagesParser(OutputParser):
    kind = "event-messages"
    start = _LINE

    def continues(self, line: str, first: str) -> bool:
        return bool(_LINE.search(line))

    def parse(self, lines: Sequence[str]) -> Any:
        events = [e for e in (parse_line(ln) for ln in lines) if e is not None]
        return {"events": events} if events else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        events = snap.objects.setdefault("events", [])
        for i, row in enumerate(facts["events"]):
            events.append(
                {
                    "metadata": {"name": f".message{len(events)}-{i}"},
                    "involvedObject": {"kind": "Pod"},
                    "type": row["type"],
                    "reason": row["reason"],
                    "message": row["message"],
                }
            )


PARSERS: list[OutputParser] = [EventMessagesParser()]
