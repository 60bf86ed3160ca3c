"""API answers and controller events quoted as one line: what ``kubectl apply`` / ``rollout status`` printed,
or an ``Event occurred`` line of a controller's log (``kube-controller-manager``, ``kube-scheduler``).

Each is found anywhere in its line (after a CI timestamp, a testify ``Error:`` column, a ``* `` bullet):

- an admission refusal: ``failed calling webhook "<name>": ...`` or ``pods "<name>" is forbidden: exceeded
  quota: ...`` / ``failed quota: ...`` (``Error from server (Forbidden|InternalError): ...``);
- ``error: deployment "<name>" exceeded its progress deadline`` (``kubectl rollout status``: kubectl prints it
  exactly when the Deployment's ``Progressing`` condition has reason ``ProgressDeadlineExceeded``);
- klog event lines: ``"Event occurred" object="ns/name" kind="Job" ... type="Warning" reason="..."
  message="..."`` (1.19+) and ``Event(v1.ObjectReference{Kind:"Pod", Namespace:"ns", Name:"x", ...}): type:
  'Warning' reason: 'FailedScheduling' message`` (older).

Facts: ``{"items": [...]}``, each item one of ``{"type": "refusal", "status", "object": {kind, namespace,
name}, "message"}`` (the object: the webhook's Service when the URL names it, the object a quota refused,
else ``Object/(refused request)``), ``{"type": "rollout", "namespace", "name", "message"}``, ``{"type":
"event", "object", "event_type", "reason", "message"}``. ``apply`` makes a refusal or a klog line a
Warning/Normal event (the refusal is what the controller's ``FailedCreate`` event would say), a rollout
error the Deployment whose ``Progressing`` condition kubectl read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.kinds import kind_word
from medic.evidence.outputs.base import OutputParser
from medic.evidence.outputs.kubectl_get import command_namespace, command_parts
from medic.model import Snapshot

_WEBHOOK = re.compile(r'failed (?:calling|to call) webhook "?[^":\s]+"?')
# (``Exceeded quota:`` / ``Failed quota:`` before 1.9)
_QUOTA = re.compile(r'(?:(?P<res>[a-z.]+) "(?P<name>[^"]*)" is forbidden: )?(?:[Ee]xceeded quota: |[Ff]ailed quota: )')
# the webhook's Service, from the URL the API server called (``https://<service>.<namespace>.svc:443/...``)
_WEBHOOK_SERVICE = re.compile(r"https://(?P<name>[a-z0-9-]+)\.(?P<ns>[a-z0-9-]+)\.svc\b")
REFUSED = "(refused request)"  # the name of what a refusal was about when the line does not say
# an authorization refusal (RBAC): ``configmaps is forbidden: User "system:serviceaccount:kube-system:default"
# cannot list configmaps in the namespace "kube-system"`` (``resource "name" is forbidden`` for one object)
_RBAC = re.compile(r'(?P<res>[a-z][a-z.]*)(?: "(?P<name>[^"]*)")? is forbidden: User "[^"]+" cannot ')
_ROLLOUT = re.compile(r'error: deployment "(?P<name>[^"]+)" exceeded its progress deadline')
_STATUS = re.compile(r"Error from server \((?P<status>\w+)\)")
_KLOG_EVENT = re.compile(
    r'"Event occurred" object="(?P<object>[^"]*)" kind="(?P<kind>[^"]*)"(?: apiVersion="[^"]*")?'
    r' type="(?P<type>\w*)" reason="(?P<reason>\w*)" message="(?P<message>(?:[^"\\]|\\.)*)"'
)
_KLOG_OBJREF = re.compile(
    r'Event\(\w+\.ObjectReference\{Kind:"(?P<kind>\w*)", Namespace:"(?P<ns>[^"]*)", Name:"(?P<name>[^"]*)"'
    r"[^}]*\}\): type: '(?P<type>\w*)' reason: '(?P<reason>\w*)' ?(?P<message>.*)"
)
_START = re.compile(
    r"failed (?:calling|to call) webhook|[Ee]xceeded quota: |[Ff]ailed quota: |exceeded its progress deadline"
    r'|"Event occurred" object=|Event\(\w+\.ObjectReference\{| is forbidden: User "[^"]+" cannot '
)
_PREFIX = re.compile(
    r"^.*?(?=Error from server|Internal error occurred|error when creating|\w+ \"[^\"]*\" is forbidden)"
)


def _refusal_message(line: str) -> str:
    """The API's answer without what a CI log or a bullet put before it."""
    m = _PREFIX.match(line)
    text = line[m.end() :] if m else line
    return " ".join(text.strip().lstrip("*-• ").split())


def parse_line(line: str) -> dict[str, Any] | None:
    """One item from one line, or None when the line holds none. A line quoting the answer inside a JSON
    string (a client's ``HTTP response body:``, a structured log's ``"error": "..."``) is read unescaped."""
    if '\\"' in line:
        line = line.replace('\\"', '"')
    if m := _KLOG_EVENT.search(line):
        ns, _, name = m.group("object").rpartition("/")
        return {
            "type": "event",
            "object": {"kind": m.group("kind"), "namespace": ns, "name": name},
            "event_type": m.group("type"),
            "reason": m.group("reason"),
            "message": m.group("message").replace('\\"', '"'),
        }
    if m := _KLOG_OBJREF.search(line):
        return {
            "type": "event",
            "object": {"kind": m.group("kind"), "namespace": m.group("ns"), "name": m.group("name")},
            "event_type": m.group("type"),
            "reason": m.group("reason"),
            "message": m.group("message").strip(),
        }
    if m := _ROLLOUT.search(line):
        return {"type": "rollout", "namespace": "", "name": m.group("name"), "message": line[m.start() :].strip()}
    webhook = _WEBHOOK.search(line)
    quota = _QUOTA.search(line)
    if not webhook and not quota:
        rbac = _RBAC.search(line)
        if not rbac:
            return None
        status = _STATUS.search(line)
        return {
            "type": "refusal",
            "status": status.group("status") if status else "Forbidden",
            "object": {"kind": kind_word(rbac.group("res")), "namespace": "", "name": rbac.group("name") or REFUSED},
            "message": _refusal_message(line),
        }
    status = _STATUS.search(line)
    obj = {"kind": "Object", "namespace": "", "name": REFUSED}
    service = _WEBHOOK_SERVICE.search(line) if webhook else None
    if service:  # what the refusal asks to fix: the webhook's Service
        obj = {"kind": "Service", "namespace": service.group("ns"), "name": service.group("name")}
    elif quota and quota.group("name"):
        obj = {"kind": kind_word(quota.group("res")), "namespace": "", "name": quota.group("name")}
    return {
        "type": "refusal",
        "status": status.group("status") if status else "",
        "object": obj,
        "message": _refusal_message(line),
    }


def _quoted(line: str) -> bool:
    """An answer or event line, not a JSON document or member that quotes one in a field."""
    return bool(_START.search(line)) and line.lstrip()[:1] not in ("{", "[", '"')


class ApiErrorParser(OutputParser):
    kind = "api-error"
    start = _START

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        return _quoted(line)

    def continues(self, line: str, first: str) -> bool:
        return _quoted(line)

    def parse(self, lines: Sequence[str]) -> Any:
        _, _, flags = command_parts(self._command)
        ns = command_namespace(flags) or ""
        items = []
        for line in lines:
            item = parse_line(line)
            if item is None:
                continue
            if ns:
                if item["type"] == "rollout" and not item["namespace"]:
                    item["namespace"] = ns
                elif (
                    item["type"] == "refusal"
                    and item["object"]["kind"] != "Service"
                    and not item["object"]["namespace"]
                ):
                    item["object"]["namespace"] = ns
            if item not in items:  # (a log repeats the same answer in its message and its error field)
                items.append(item)
        return {"items": items} if items else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        events = snap.objects.setdefault("events", [])
        for item in facts["items"]:
            if item["type"] == "rollout":
                md = {"name": item["name"], **({"namespace": item["namespace"]} if item["namespace"] else {})}
                condition = {
                    "type": "Progressing",
                    "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": item["message"],
                }
                snap.objects.setdefault("deployments", []).append(
                    {"metadata": md, "status": {"conditions": [condition]}}
                )
                continue
            obj = item["object"]
            refusal = item["type"] == "refusal"
            inv = {k: v for k, v in obj.items() if v}
            events.append(
                {
                    "metadata": {
                        "name": f".api-error{len(events)}",
                        **({"namespace": inv["namespace"]} if inv.get("namespace") else {}),
                    },
                    "involvedObject": inv,
                    "type": "Warning" if refusal else item["event_type"],
                    "reason": (item["status"] or "Refused") if refusal else item["reason"],
                    "message": item["message"],
                    "source": {"component": "api-server answer" if refusal else "controller log"},
                }
            )


PARSERS: list[OutputParser] = [ApiErrorParser()]
