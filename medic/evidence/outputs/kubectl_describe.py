"""``kubectl describe pod|node|pvc|pv`` → fields, conditions, containers and the Events table, and the
objects and events they describe (so POD1xx, SCH101, NODE3xx, PV2xx run on a pasted describe)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, KIND_OF, resource_name
from medic.evidence.outputs.base import OutputParser, prompt_command
from medic.evidence.outputs.kubectl_get import MODES, ago, command_namespace, command_parts, iso
from medic.model import Snapshot

_KEY = re.compile(r"^(?P<key>[A-Z][A-Za-z0-9 ()/.-]*?):(?:\s+(?P<value>.*?))?\s*$")
_EVENTS_HEADER = re.compile(r"^\s*Type\s+Reason\s+Age\s+From\s+Message\s*$")
_OLD_EVENTS_HEADER = re.compile(r"^\s*FirstSeen\s+LastSeen\s+Count\s+From\s+")
_EVENT_ROW = re.compile(
    r"^\s*(?P<type>Normal|Warning)\s+(?P<reason>\S+)\s+"
    r"(?P<age>\S+(?:\s+\(x(?P<count>\d+) over (?P<over>\S+)\))?)\s+"
    r"(?P<source>\S+?(?:, \S+)?)\s+(?P<message>\S.*)$"
)
_OLD_EVENT_ROW = re.compile(
    r"^\s*(?P<first>\S+)\s+(?P<last>\S+)\s+(?P<count>\d+)\s+(?P<middle>.*?)\s*"
    r"(?P<type>Normal|Warning)\s+(?P<reason>\S+)\s+(?P<message>.*)$"
)
_RFC1123 = re.compile(r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")
_START = re.compile(r"^Name:\s+\S|^Events:\s*(?:<none>)?\s*$|" + _EVENTS_HEADER.pattern)
_COMMAND = re.compile(r"(?:^|[\s/])(?:kubectl|oc|k|kc|kctl|kub)(?:\.exe)?\s+(?:\S+\s+)*?describe\s")
_KINDS = {"pods", "nodes", "persistentvolumeclaims", "persistentvolumes"}

_FIELD_PATH = re.compile(r"(spec\.\S+)\s*$")
_CONTAINER_IN_MESSAGE = re.compile(r"(?:[Cc]ontainer|container) \"?([a-z0-9][a-z0-9-]*)\"? (?:failed|definition)")
_SUB_KEY = re.compile(r"^([A-Za-z][\w .-]*?):\s*(.*)$")
_CONDITION = re.compile(r"^(\S+)\s+(True|False|Unknown)\b\s*(.*)$")
_TAINT = re.compile(r"^([^=:\s]+)(?:=([^:]*))?:(\w+)$")
_TERMINATING = re.compile(r"^Terminating \(lasts (\S+)\)")


def rfc1123(text: str) -> str | None:
    """``Mon, 02 Jan 2006 15:04:05 -0700`` (describe's time format) as RFC 3339, or None."""
    m = _RFC1123.search(text)
    if not m:
        return None
    try:
        return iso(parsedate_to_datetime(m.group(0)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def event_rows(lines: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of an events table as printed inside ``kubectl describe`` (both the current
    ``Type Reason Age From Message`` and the pre-1.14 ``FirstSeen LastSeen Count From...`` layouts)."""
    rows: list[dict[str, Any]] = []
    old = False
    for raw in lines:
        if _OLD_EVENTS_HEADER.match(raw):
            old = True
            continue
        if _EVENTS_HEADER.match(raw) or not raw.strip() or set(raw.strip()) <= set("- \t"):
            continue
        m = (_OLD_EVENT_ROW if old else _EVENT_ROW).match(raw)
        if not m:
            if rows and raw.startswith("  ") and not raw.strip().startswith(("Normal ", "Warning ")):
                rows[-1]["message"] += " " + raw.strip()  # a message wrapped by the terminal
            continue
        g = m.groupdict()
        row: dict[str, Any] = {"type": g["type"], "reason": g["reason"], "message": g["message"].strip()}
        if old:
            row["age"] = g["last"]
            row["first_age"] = g["first"]
            row["count"] = int(g["count"])
            middle = g["middle"].strip()
            sub = _FIELD_PATH.search(middle)
            row["source"] = middle[: sub.start()].strip() if sub else middle
            if sub:
                row["field_path"] = sub.group(1)
        else:
            row["age"] = g["age"].split()[0]
            if g["count"]:
                row["count"] = int(g["count"])
                row["first_age"] = g["over"]
            row["source"] = g["source"]
        rows.append(row)
    return rows


def event_object(
    snap: Snapshot, row: dict[str, Any], kind: str, namespace: str, name: str, index: int
) -> dict[str, Any]:
    """An API-shaped core/v1 Event for one events-table row about ``kind/namespace/name``."""
    involved: dict[str, Any] = {"kind": kind, "name": name}
    if namespace:
        involved["namespace"] = namespace
    if row.get("field_path"):
        involved["fieldPath"] = row["field_path"]
    else:
        m = _CONTAINER_IN_MESSAGE.search(row["message"])
        if m and kind == "Pod":
            involved["fieldPath"] = f"spec.containers{{{m.group(1)}}}"
    ev: dict[str, Any] = {
        "metadata": {"name": f"{name}.pasted{index}"},
        "involvedObject": involved,
        "type": row["type"],
        "reason": row["reason"],
        "message": row["message"],
        "count": int(row.get("count") or 1),
    }
    if namespace:
        ev["metadata"]["namespace"] = namespace
    last = ago(snap, row.get("age"))
    if last:
        ev["lastTimestamp"] = last
    first = ago(snap, row.get("first_age")) or last
    if first:
        ev["firstTimestamp"] = first
    source = str(row.get("source") or "")
    if source:
        comp, _, host = source.strip("{} ").partition(",")
        ev["source"] = {"component": comp.strip()} | ({"host": host.strip()} if host.strip() else {})
    return ev


def _sections(lines: Sequence[str]) -> dict[str, Any]:
    """Top-level ``Key: value`` fields; a key without a value (``Containers:``) keeps its indented lines."""
    fields: dict[str, Any] = {}
    key: str | None = None
    for raw in lines:
        if raw and not raw[0].isspace():
            m = _KEY.match(raw)
            if m:
                key = m.group("key")
                value = m.group("value") or ""
                if key in fields and isinstance(fields[key], list):
                    key = key + "#2"
                fields[key] = value if value and key != "Events" else []
                if value and key == "Events":
                    fields[key] = []
                continue
            key = None
            continue
        if key is None:
            continue
        current = fields.get(key)
        if isinstance(current, list):
            current.append(raw)
        elif isinstance(current, str):
            # continuation of a multi-line value (Labels, Annotations, Taints)
            fields[key] = [current, raw.strip()] if raw.strip() else current
            fields[key + "@multi"] = True
    return fields


def _values(fields: dict[str, Any], key: str) -> list[str]:
    v = fields.get(key)
    if isinstance(v, list):
        return [x.strip() for x in v if isinstance(x, str) and x.strip()]
    return [v] if isinstance(v, str) and v and v != "<none>" else []


def _value(fields: dict[str, Any], key: str) -> str:
    v = fields.get(key)
    if isinstance(v, list):
        return v[0].strip() if fields.get(key + "@multi") and v else ""
    return str(v or "").strip()


def _containers(lines: list[str]) -> list[dict[str, Any]]:
    """The ``Containers:`` section: each container's fields, State/Last State with their sub-fields."""
    out: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    state_key: str | None = None
    sub_key: str | None = None
    for raw in lines:
        indent = len(raw) - len(raw.lstrip(" "))
        text = raw.strip()
        if not text:
            continue
        if indent <= 2 and text.endswith(":") and " " not in text.rstrip(":"):
            cur = {"name": text[:-1]}
            out.append(cur)
            state_key = sub_key = None
            continue
        if cur is None:
            continue
        m = _KEY.match(text) if indent <= 4 else None
        if m and indent <= 4:
            key, value = m.group("key"), (m.group("value") or "").strip()
            sub_key = None
            if key in ("State", "Last State"):
                state_key = key
                cur[key] = {"state": value}
            else:
                state_key = None
                cur[key] = value
                if not value:
                    sub_key = key
                    cur[key] = {}
            continue
        m2 = _SUB_KEY.match(text)
        if m2 and state_key is not None and indent >= 6:
            cur[state_key][m2.group(1)] = m2.group(2).strip()
        elif m2 and sub_key is not None and isinstance(cur.get(sub_key), dict):
            cur[sub_key][m2.group(1)] = m2.group(2).strip()
    return out


def _state(info: dict[str, Any] | None) -> dict[str, Any]:
    """``State: Waiting / Reason: CrashLoopBackOff`` → ``{"waiting": {"reason": ...}}``."""
    if not isinstance(info, dict):
        return {}
    kind = str(info.get("state") or "").lower()
    if kind not in ("waiting", "running", "terminated"):
        return {}
    body: dict[str, Any] = {}
    if info.get("Reason"):
        body["reason"] = info["Reason"]
    if info.get("Message"):
        body["message"] = info["Message"]
    code = str(info.get("Exit Code") or "").strip()
    if code.lstrip("-").isdigit():
        body["exitCode"] = int(code)
    for src, dst in (("Started", "startedAt"), ("Finished", "finishedAt")):
        t = rfc1123(str(info.get(src) or ""))
        if t:
            body[dst] = t
    return {kind: body}


def _conditions(lines: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for raw in lines:
        text = raw.strip()
        m = _CONDITION.match(text)
        if not m:
            continue
        cond: dict[str, Any] = {"type": m.group(1), "status": m.group(2)}
        rest = m.group(3)
        times = _RFC1123.findall(rest)
        if times:
            beat = rfc1123(times[0])
            trans = rfc1123(times[-1])
            if beat:
                cond["lastHeartbeatTime"] = beat
            if trans:
                cond["lastTransitionTime"] = trans
            rest = rest[rest.rfind(times[-1]) + len(times[-1]) :]
            words = rest.split(None, 1)
            if words:
                cond["reason"] = words[0]
            if len(words) > 1:
                cond["message"] = words[1].strip()
        out.append(cond)
    return out


def _labels(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        if v == "<none>":
            continue
        k, sep, val = v.partition("=") if "=" in v else v.partition(": ")
        if k:
            out[k.strip()] = val.strip() if sep else ""
    return out


def _taints(values: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for v in values:
        m = _TAINT.match(v.strip())
        if m:
            t: dict[str, Any] = {"key": m.group(1), "effect": m.group(3)}
            if m.group(2):
                t["value"] = m.group(2)
            out.append(t)
    return out


def _guess_kind(fields: dict[str, Any]) -> str | None:
    keys = set(fields)
    if "Reclaim Policy" in keys and "Claim" in keys:
        return "persistentvolumes"
    if {"Roles", "Taints"} & keys or "Kubelet Version" in keys or "System Info" in keys:
        return "nodes"
    if "Containers" in keys or "Start Time" in keys or "QoS Class" in keys:
        return "pods"
    if "StorageClass" in keys and "Volume" in keys and "Status" in keys:
        return "persistentvolumeclaims"
    return None


class KubectlDescribeParser(OutputParser):
    kind = "kubectl-describe"
    start = _START
    command = _COMMAND

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        if _START.search(line):
            return True
        if command and _COMMAND.search(command):
            return command_parts(command)[0] == "describe" and bool(line.strip())
        return False

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        in_events = _EVENTS_HEADER.match(lines[start]) is not None or lines[start].startswith("Events:")
        while end < limit:
            line = lines[end]
            if prompt_command(line) is not None:
                break
            if not line.strip():
                # a blank line ends the object unless the Events table follows right after it
                nxt = lines[end + 1] if end + 1 < limit else ""
                if nxt.startswith("Events:") and not in_events:
                    end += 1
                    continue
                break
            if line.startswith("Name:") and end > start:
                break  # the next object of ``kubectl describe pods``
            if not line[0].isspace() and not _KEY.match(line) and line.strip() not in ("...", "…"):
                break
            if in_events and not line[0].isspace():
                break
            if line.startswith("Events:"):
                in_events = True
            end += 1
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        verb, args, flags = command_parts(self._command)
        body = [ln for ln in lines if ln.strip() not in ("...", "…")]
        if body and _EVENTS_HEADER.match(body[0]):
            body = ["Events:", *body]
        fields = _sections(body)
        if not fields:
            return None
        kind: str | None = None
        name = _value(fields, "Name")
        if verb == "describe" and args:
            first = args[0]
            if "/" in first:
                kind, cmd_name = resource_name(first.split("/", 1)[0]), first.split("/", 1)[1]
            else:
                kind = resource_name(first)
                cmd_name = args[1] if len(args) > 1 else ""
            name = name or cmd_name
        kind = _guess_kind(fields) or kind
        namespace = _value(fields, "Namespace") or (command_namespace(flags) or "")
        events = event_rows(fields.get("Events") or []) if isinstance(fields.get("Events"), list) else []
        if "Events" in fields and not events and not _value(fields, "Name") and "<none>" not in lines[0]:
            return None  # an "Events:" line that heads no events table
        if not name and not events:
            return None
        facts: dict[str, Any] = {"resource": kind, "name": name}
        if namespace and kind not in CLUSTER_SCOPED:
            facts["namespace"] = namespace
        plain: dict[str, Any] = {}
        for k, v in fields.items():
            if k.endswith("@multi") or k in ("Events", "Containers", "Init Containers", "Conditions"):
                continue
            if isinstance(v, list):
                plain[k] = [x.strip() for x in v if isinstance(x, str) and x.strip()]
            else:
                plain[k] = v
        facts["fields"] = plain
        for key, out in (("Containers", "containers"), ("Init Containers", "init_containers")):
            if isinstance(fields.get(key), list):
                facts[out] = _containers(fields[key])
        if isinstance(fields.get("Conditions"), list):
            facts["conditions"] = _conditions(fields["Conditions"])
        facts["events"] = events
        return facts

    def apply(self, facts: Any, snap: Snapshot) -> None:
        kind = facts.get("resource")
        name = str(facts.get("name") or "")
        ns = str(facts.get("namespace") or "")
        fields: dict[str, Any] = facts.get("fields") or {}
        if kind in _KINDS and name and _has_object_fields(fields):
            builder = {"pods": _pod, "nodes": _node, "persistentvolumes": _pv, "persistentvolumeclaims": _pvc}[kind]
            obj = builder(snap, facts, fields)
            obj.setdefault("metadata", {})["name"] = name
            if ns and kind not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = ns
            labels = _labels(_values(fields, "Labels"))
            if labels:
                obj["metadata"]["labels"] = labels
            snap.objects.setdefault(kind, []).append(obj)
        if not name:
            return
        involved_kind = KIND_OF.get(kind or "", "Pod" if kind is None else str(kind))
        for i, row in enumerate(facts.get("events") or []):
            ev = event_object(snap, row, involved_kind, "" if kind in CLUSTER_SCOPED else ns, name, i)
            snap.objects.setdefault("events", []).append(ev)


def _has_object_fields(fields: dict[str, Any]) -> bool:
    return bool(set(fields) - {"Name", "Namespace", "Events"})


def _pod(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    md: dict[str, Any] = {}
    spec: dict[str, Any] = {}
    st: dict[str, Any] = {}
    start = rfc1123(_value(fields, "Start Time"))
    if start:
        md["creationTimestamp"] = start
        st["startTime"] = start
    node = _value(fields, "Node").split("/", 1)[0]
    if node and node != "<none>":
        spec["nodeName"] = node
    status = _value(fields, "Status")
    m = _TERMINATING.match(status)
    if m:
        deleted = ago(snap, m.group(1))
        if deleted:
            md["deletionTimestamp"] = deleted
        status = "Running"
    if status:
        st["phase"] = status
    for key, dst in (("Reason", "reason"), ("Message", "message"), ("IP", "podIP")):
        v = _value(fields, key)
        if v and v != "<none>":
            st[dst] = v
    owner = _value(fields, "Controlled By")
    if "/" in owner:
        k, n = owner.split("/", 1)
        md["ownerReferences"] = [{"kind": k, "name": n, "controller": True}]
    conds = list(facts.get("conditions") or [])
    failed = [e for e in facts.get("events") or [] if e.get("reason") == "FailedScheduling"]
    for c in conds:
        if c.get("type") == "PodScheduled" and c.get("status") == "False":
            c.setdefault("reason", "Unschedulable")
            if failed:
                c.setdefault("message", failed[-1]["message"])
    if not conds and status == "Pending" and failed and not spec.get("nodeName"):
        conds = [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": failed[-1]["message"]}
        ]
    if conds:
        st["conditions"] = conds
    for key, skey, ckey in (
        ("containers", "containerStatuses", "containers"),
        ("init_containers", "initContainerStatuses", "initContainers"),
    ):
        specs: list[dict[str, Any]] = []
        statuses: list[dict[str, Any]] = []
        for c in facts.get(key) or []:
            cname = str(c.get("name") or "?")
            cspec: dict[str, Any] = {"name": cname}
            if c.get("Image"):
                cspec["image"] = c["Image"]
            resources = {
                r: dict(c[k]) for k, r in (("Limits", "limits"), ("Requests", "requests")) if isinstance(c.get(k), dict)
            }
            if resources:
                cspec["resources"] = resources
            specs.append(cspec)
            state = _state(c.get("State"))
            if not state:
                continue
            cs: dict[str, Any] = {"name": cname, "state": state}
            if c.get("Image"):
                cs["image"] = c["Image"]
            if str(c.get("Ready") or "") in ("True", "False"):
                cs["ready"] = c["Ready"] == "True"
            count = str(c.get("Restart Count") or "").strip()
            cs["restartCount"] = int(count) if count.isdigit() else 0
            last = _state(c.get("Last State"))
            if last:
                cs["lastState"] = last
            statuses.append(cs)
        if specs:
            spec[ckey] = specs
        if statuses:
            st[skey] = statuses
    return {"metadata": md, "spec": spec, "status": st}


def _node(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    md: dict[str, Any] = {}
    spec: dict[str, Any] = {}
    st: dict[str, Any] = {}
    created = rfc1123(_value(fields, "CreationTimestamp"))
    if created:
        md["creationTimestamp"] = created
    if _value(fields, "Unschedulable") == "true":
        spec["unschedulable"] = True
    taints = _taints(_values(fields, "Taints"))
    if taints:
        spec["taints"] = taints
    if facts.get("conditions"):
        st["conditions"] = facts["conditions"]
    info: dict[str, str] = {}
    for line in _values(fields, "System Info"):
        k, _, v = line.partition(":")
        key = {
            "Kubelet Version": "kubeletVersion",
            "Kube-Proxy Version": "kubeProxyVersion",
            "OS Image": "osImage",
            "Kernel Version": "kernelVersion",
            "Container Runtime Version": "containerRuntimeVersion",
            "Operating System": "operatingSystem",
            "Architecture": "architecture",
        }.get(k.strip())
        if key and v.strip():
            info[key] = v.strip()
    if info:
        st["nodeInfo"] = info
    addresses = []
    for line in _values(fields, "Addresses"):
        k, _, v = line.partition(":")
        if k.strip() and v.strip():
            addresses.append({"type": k.strip(), "address": v.strip()})
    if addresses:
        st["addresses"] = addresses
    return {"metadata": md, "spec": spec, "status": st}


def _modes(text: str) -> list[str]:
    return [MODES.get(m.strip(), m.strip()) for m in text.split(",") if m.strip()]


def _pv(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    st: dict[str, Any] = {}
    sc = _value(fields, "StorageClass")
    if sc and sc != "<none>":
        spec["storageClassName"] = sc
    policy = _value(fields, "Reclaim Policy")
    if policy:
        spec["persistentVolumeReclaimPolicy"] = policy
    claim = _value(fields, "Claim")
    if "/" in claim:
        cns, cname = claim.split("/", 1)
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": cns, "name": cname}
    if _value(fields, "Access Modes"):
        spec["accessModes"] = _modes(_value(fields, "Access Modes"))
    if _value(fields, "Capacity"):
        spec["capacity"] = {"storage": _value(fields, "Capacity")}
    if _value(fields, "Status"):
        st["phase"] = _value(fields, "Status")
    for key, dst in (("Message", "message"), ("Reason", "reason")):
        if _value(fields, key):
            st[dst] = _value(fields, key)
    md: dict[str, Any] = {}
    ann = _labels(_values(fields, "Annotations"))
    if ann:
        md["annotations"] = ann
    return {"metadata": md, "spec": spec, "status": st}


def _pvc(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    st: dict[str, Any] = {}
    sc = _value(fields, "StorageClass")
    if sc and sc != "<none>":
        spec["storageClassName"] = sc
    if _value(fields, "Volume"):
        spec["volumeName"] = _value(fields, "Volume")
    if _value(fields, "Status"):
        st["phase"] = _value(fields, "Status")
    if _value(fields, "Capacity"):
        st["capacity"] = {"storage": _value(fields, "Capacity")}
    if _value(fields, "Access Modes"):
        st["accessModes"] = _modes(_value(fields, "Access Modes"))
    md: dict[str, Any] = {}
    ann = _labels(_values(fields, "Annotations"))
    if ann:
        md["annotations"] = ann
    return {"metadata": md, "spec": spec, "status": st}


PARSERS: list[OutputParser] = [KubectlDescribeParser()]
