"""``kubectl describe pod|node|pvc|pv`` → fields, conditions, containers and the Events table, and the
objects and events they describe (so POD1xx, SCH101, NODE3xx, PV2xx run on a pasted describe)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, KIND_OF, event_subject_kind, resource_for, resource_name
from medic.evidence.outputs.base import OutputParser, prompt_command
from medic.evidence.outputs.event_messages import parse_message
from medic.evidence.outputs.fragments import kind_of_status
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
# a row of the 1.5-1.13 describe events table pasted without its header (``3m  11s  15  default-scheduler
# Warning  FailedScheduling  ...``): two ages, a count, then the type and reason
_AGE = r"(?:\d+[smhdy]\w*|<invalid>)"
_OLD_ROW_ALONE = re.compile(
    rf"^\s*{_AGE}\s+{_AGE}\s+\d+\s+(?:\{{[^}}]*\}}|[\w.-]+(?:,\s\S+)?)\s+(?:spec\.\S+\s+)?"
    r"(?:Normal|Warning)\s+[A-Za-z]+\s+\S"
)  # (``get events`` rows name the object and its KIND between the count and the type: those are not these)
_OLD_HEADER_LINE = "FirstSeen  LastSeen  Count  From  SubObjectPath  Type  Reason  Message"
_RFC1123 = re.compile(r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")
# the field labels ``kubectl describe`` prints at an object's top level (any kind): a block with two or more
# of them is a describe, however it is indented (tabs in 2015-2018 describes, a quote, a paste's margin)
LABELS = (
    "Name",
    "Namespace",
    "Labels",
    "Annotations",
    "Status",
    "Priority",
    "Priority Class Name",
    "Node",
    "Start Time",
    "IP",
    "IPs",
    "Controlled By",
    "Containers",
    "Init Containers",
    "Conditions",
    "Volumes",
    "QoS Class",
    "Node-Selectors",
    "Tolerations",
    "Events",
    "Selector",
    "Type",
    "Roles",
    "Taints",
    "Unschedulable",
    "Capacity",
    "Allocatable",
    "System Info",
    "StorageClass",
    "Access Modes",
    "Reclaim Policy",
    "Claim",
    "Volume",
    "Finalizers",
    "Replicas",
    "Pods Status",
    "Pods Statuses",
    "Pod Template",
    "Endpoints",
    "Port",
    "TargetPort",
    "Session Affinity",
    "Spec",
    "CreationTimestamp",
    "Image(s)",
    "Kind",
    "API Version",
    "Metadata",
    "Parallelism",
    "Completions",
    "Update Strategy",
    "StrategyType",
    "MinReadySeconds",
    "OldReplicaSets",
    "NewReplicaSet",
    "Resource Quotas",
    "Addresses",
    "PodCIDR",
    "PodCIDRs",
    "ProviderID",
    "Non-terminated Pods",
    "Allocated resources",
    "Source",
    "VolumeMode",
    "Mounted By",
    "Used By",
    "Reason",
    "Message",
    "Nominated Node Name",
    "Service Account",
    "Lease",
    "Subsets",
    "LoadBalancer Ingress",
    "NodePort",
    "Cluster IP",
    "Start Time",
    "Completed At",
    "Duration",
    "Backoff Limit",
    "Completion Mode",
    "Suspend",
    "Schedule",
    "Last Schedule Time",
    "Replication Controllers",
    "Pods",
    "External Traffic Policy",
    "Volume Claims",
    "Rolling Update Strategy",
    "Deployment",
    "Secret Name",
    "Issuer Ref",
    "Dns Names",
    "Not After",
    "Not Before",
    "Renewal Time",
    "Resource Version",
    "Creation Timestamp",
    "Phase",
    "Limits",
    "Requests",
    "Used",
    "Hard",
)
_LABEL = re.compile(
    r"^(?:" + "|".join(re.escape(x) for x in sorted(set(LABELS), key=len, reverse=True)) + r"):(?:\s|$)"
)
# a label whose first character the paste lost ("ame:", "tatus:"): tolerated on a block's first line
_DAMAGED = {x[1:]: x for x in LABELS if len(x) > 3}
_DAMAGED_LABEL = re.compile(r"^(?P<rest>[a-z][A-Za-z -]{2,}):(?:\s|$)")
# a condition row of a describe's Conditions table and a container's own labels: the start of a fragment
_CONDITION_ROW = re.compile(
    r"^(?:MemoryPressure|DiskPressure|PIDPressure|OutOfDisk|NetworkUnavailable|Ready|PodScheduled|ContainersReady"
    r"|Initialized)\s+(?:True|False|Unknown)\b"
)
_CONTAINER_LABEL = re.compile(r"^(?:State|Last State|Restart Count|Container ID|Image ID):\s")
_START = re.compile(
    r"^Name:\s+\S|^Events:\s*(?:<none>)?\s*$|"
    + _EVENTS_HEADER.pattern
    + r"|^[\s>`]*(?:"
    + "|".join(re.escape(x) for x in sorted(set(LABELS), key=len, reverse=True))
    + r"):(?:\s|$)|^\s*(?:Normal|Warning)\s+[A-Za-z]+\s+\S"
    + r"|^\s*FirstSeen\s+LastSeen\s|^[\s>`]*[a-z][A-Za-z -]{2,}:(?:\s|$)|^[\s>`]*"
    + _CONDITION_ROW.pattern[1:]
    + r"|^[\s>`]*"
    + _CONTAINER_LABEL.pattern[1:]
    + "|"
    + _OLD_ROW_ALONE.pattern
)
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
        if not m and old:
            legacy = _legacy_row(raw)
            if legacy:
                rows.append(legacy)
                continue
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


_WARNING_REASON = re.compile(r"(?i)^(?:failed|backoff|unhealthy|err|evict|oom|insufficient|nodenotready|invalid)")


def _legacy_row(raw: str) -> dict[str, Any] | None:
    """A row of the 1.0-1.4 describe events table, which has no Type column (``FirstSeen LastSeen Count
    From SubobjectPath Reason Message``) and may print absolute times: cells are split on runs of two or
    more spaces (tabs are expanded to two), the reason is the word cell before the message, and the type
    follows from the reason (``failedScheduling``, ``BackOff``, ``Unhealthy`` are warnings)."""
    cells = [c for c in re.split(r"\s{2,}", raw.strip()) if c]
    count_at = next((i for i, c in enumerate(cells) if c.isdigit()), None)
    if count_at is None or count_at < 1 or len(cells) < count_at + 3:
        return None
    rest = cells[count_at + 1 :]
    source = rest[0]
    field_path = ""
    tail = rest[1:]
    if tail and (tail[0].startswith("spec.") or tail[0].startswith("{")):
        field_path = tail[0] if tail[0].startswith("spec.") else ""
        tail = tail[1:]
    if not tail or not re.match(r"^[A-Za-z]+$", tail[0]):
        return None
    reason = tail[0][:1].upper() + tail[0][1:]
    row: dict[str, Any] = {
        "type": "Warning" if _WARNING_REASON.match(reason) else "Normal",
        "reason": reason,
        "message": " ".join(tail[1:]).strip(),
        "age": cells[count_at - 1],
        "first_age": cells[0] if count_at >= 2 else cells[count_at - 1],
        "count": int(cells[count_at]),
        "source": source,
    }
    if field_path:
        row["field_path"] = field_path
    return row


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
    last = ago(snap, row.get("age")) or rfc1123(str(row.get("age") or ""))
    if last:
        ev["lastTimestamp"] = last
    first = ago(snap, row.get("first_age")) or rfc1123(str(row.get("first_age") or "")) or last
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


_STATE_FIELDS = frozenset({"Reason", "Message", "Exit Code", "Signal", "Started", "Finished"})


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
            if state_key is not None and key in _STATE_FIELDS and key not in cur[state_key]:
                cur[state_key][key] = value  # a paste that lost the indentation: the state's own fields follow it
                continue
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


ELISIONS = frozenset({".", "..", "...", "…", "[...]"})  # lines an author put where they cut some out
_REPLICAS_WORDS = re.compile(r"\d+\s+(desired|updated|total|available|unavailable|current)")


def _guess_kind(fields: dict[str, Any]) -> str | None:
    """The resource a describe shows, from its labels (each kind prints a few no other kind does)."""
    keys = {k.split("#")[0] for k in fields}
    declared = _value(fields, "Kind")
    if declared and re.match(r"^[A-Z][A-Za-z]+$", declared):
        return resource_for(declared)  # custom resources print their Kind
    if "Reclaim Policy" in keys and ("Claim" in keys or "Source" in keys):
        return "persistentvolumes"
    if {"Roles", "Taints"} & keys or "Kubelet Version" in keys or "System Info" in keys or "PodCIDR" in keys:
        return "nodes"
    if {"Containers", "Init Containers", "Start Time", "QoS Class", "Image(s)"} & keys:
        if "Pods Statuses" in keys or "Parallelism" in keys or "Completions" in keys:
            return "jobs"
        if "Pod Template" not in keys and "Replicas" not in keys:
            return "pods"
    if "StorageClass" in keys and "Volume" in keys and "Status" in keys:
        return "persistentvolumeclaims"
    if "Parallelism" in keys or "Completions" in keys or "Pods Statuses" in keys:
        return "jobs"
    if "StrategyType" in keys or "NewReplicaSet" in keys or "OldReplicaSets" in keys:
        return "deployments"
    if "Update Strategy" in keys or "Volume Claims" in keys:
        return "statefulsets"
    if "Replicas" in keys and "Pods Status" in keys:
        # ``3 desired | 0 total`` is a StatefulSet's wording, ``1 current / 1 desired`` a ReplicaSet's
        words = set(_REPLICAS_WORDS.findall(_value(fields, "Replicas")))
        return "statefulsets" if words == {"desired", "total"} else "replicasets"
    if "Subsets" in keys:
        return "endpoints"
    if ("Selector" in keys or "Endpoints" in keys) and ("Type" in keys or "Port" in keys or "IP" in keys):
        return "services"
    if "Resource Quotas" in keys or (
        keys <= {"Name", "Labels", "Annotations", "Status", "Events"}
        and _value(fields, "Status") in ("Active", "Terminating")
    ):
        return "namespaces"
    if "Used" in keys and "Hard" in keys:
        return "resourcequotas"
    if ("Reason" in keys and _value(fields, "Reason") == "Evicted") or ("Status" in keys and "Node" in keys):
        return "pods"
    return None


_MARGIN = re.compile(r"^[\s>`]*")


def _section_has_content(fields: dict[str, Any], sections: set[str]) -> bool:
    """Whether a lone Containers/Conditions section holds what a describe prints there (a container's
    State or Last State, a condition row)."""
    for key in sections:
        lines = fields.get(key)
        if not isinstance(lines, list):
            continue
        if key == "Conditions" and _conditions(lines):
            return True
        if key != "Conditions" and any(c.get("State") or c.get("Last State") for c in _containers(lines)):
            return True
    return False


def _strip_margin(line: str) -> str:
    """A line without its indentation, markdown quote markers and inline-code backticks."""
    return line[_MARGIN.match(line).end() :]  # type: ignore[union-attr]


def _expand(line: str) -> str:
    """Tabs (2015-2018 describes separate label and value with them) as two spaces each; quote markers of
    the margin as spaces, so indentation keeps its meaning, and its backticks dropped."""
    if "\t" in line:
        line = line.replace("\t", "  ")
    m = _MARGIN.match(line)
    if m and m.end() and ("`" in m.group(0) or ">" in m.group(0)):
        # a quote marker stands where indentation was; a backtick is glued to the text (inline code)
        line = " " * len(m.group(0).replace("`", "")) + line[m.end() :]
    return line.rstrip().rstrip("`").rstrip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _continues(text: str, deeper: bool) -> bool:
    """Whether a line at the block's own indentation still belongs to the describe."""
    return (
        deeper
        or bool(_KEY.match(text))
        or text in ("...", "…")
        or bool(_EVENT_ROW.match(text))
        or bool(_CONDITION_ROW.match(text))
    )


def normalize(lines: Sequence[str]) -> list[str]:
    """A describe's lines as kubectl prints them today: tabs expanded, the block's margin removed (its
    first line's indentation), a first label that lost its first character repaired (``ame:`` → ``Name:``)."""
    out = [_expand(ln) for ln in lines]
    if not out:
        return out
    base = _indent(out[0])
    out = [ln[min(base, _indent(ln)) :] for ln in out]
    m = _DAMAGED_LABEL.match(out[0])
    if m and not _LABEL.match(out[0]) and m.group("rest") in _DAMAGED:
        out[0] = _DAMAGED[m.group("rest")] + out[0][m.end("rest") :]
    return out


class KubectlDescribeParser(OutputParser):
    kind = "kubectl-describe"
    start = _START
    command = _COMMAND

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        if command and _COMMAND.search(command) and command_parts(command)[0] == "describe":
            return bool(line.strip())
        text = _strip_margin(line)
        if _LABEL.match(text) or _EVENTS_HEADER.match(text) or _OLD_EVENTS_HEADER.match(text):
            return True
        if _CONDITION_ROW.match(text) or _CONTAINER_LABEL.match(text):
            return True
        if text.startswith("Events:") or _EVENT_ROW.match(text) or _OLD_ROW_ALONE.match(_expand(line)):
            return True
        m = _DAMAGED_LABEL.match(text)
        return bool(m and m.group("rest") in _DAMAGED)

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        first = _expand(lines[start])
        base = _indent(first)
        head = first[base:]
        in_events = bool(
            _EVENTS_HEADER.match(head) or _OLD_EVENTS_HEADER.match(head) or head.startswith("Events:")
        ) or bool(_EVENT_ROW.match(head) or _OLD_ROW_ALONE.match(head))
        old_layout = bool(_OLD_EVENTS_HEADER.match(head) or _OLD_ROW_ALONE.match(head))
        while end < limit:
            raw = lines[end]
            if prompt_command(raw) is not None:
                break
            line = _expand(raw)
            if line.strip() in ELISIONS and end + 1 < limit and lines[end + 1].strip():
                end += 1  # the author cut lines out here; the object goes on after
                continue
            if not line.strip():
                # a blank line ends the object unless more of it follows right after (its Events table,
                # a section the paste separated by a blank line)
                nxt = _expand(lines[end + 1]) if end + 1 < limit else ""
                ni = _indent(nxt)
                if nxt.strip() and ni >= base and not nxt[ni:].startswith("Name:") and _continues(nxt[ni:], ni > base):
                    end += 1
                    continue
                break
            ind = _indent(line)
            text = line[ind:]
            if text.startswith("Name:") and ind <= base and end > start and not in_events:
                break  # the next object of ``kubectl describe pods``
            if text.startswith("Events:") or _EVENTS_HEADER.match(text) or _OLD_EVENTS_HEADER.match(text):
                in_events = True
                end += 1
                continue
            if in_events and _EVENT_ROW.match(text):
                end += 1
                continue
            if _OLD_EVENTS_HEADER.match(text):
                old_layout = True
            if old_layout and in_events and (set(text) <= set("- ") or _OLD_EVENT_ROW.match(text) or _legacy_row(text)):
                end += 1  # the pre-1.14 table: its dashed rule and rows (FirstSeen LastSeen Count ...)
                continue
            if ind > base:
                end += 1
                continue
            if ind < base and not in_events:
                break
            if not _continues(text, False):
                break
            if in_events and text.startswith("Name:"):
                break
            end += 1
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        verb, args, flags = command_parts(self._command)
        described = verb == "describe"
        body = [ln for ln in normalize(lines) if ln.strip() not in ELISIONS]
        if body and _OLD_ROW_ALONE.match(body[0]):
            body = ["Events:", "  " + _OLD_HEADER_LINE, *("  " + ln for ln in body)]  # old rows without a header
        elif body and (_EVENTS_HEADER.match(body[0]) or _OLD_EVENTS_HEADER.match(body[0]) or _EVENT_ROW.match(body[0])):
            body = ["Events:", *("  " + ln for ln in body)]  # an events table without its "Events:" line
        elif body and _CONDITION_ROW.match(body[0]):
            body = ["Conditions:", *("  " + ln for ln in body)]  # condition rows without their header
        elif body and _CONTAINER_LABEL.match(body[0]):
            # one container's part of a describe (State, Last State, Restart Count...) without the pod's
            body = ["Containers:", "  ?:", *("    " + ln for ln in body)]
        fields = _sections(body)
        if not fields:
            return None
        labels = {k for k in fields if not k.endswith("@multi") and _LABEL.match(k.split("#")[0] + ":")}
        sections = {"Containers", "Init Containers", "Conditions"} & labels
        lone = len(labels) < 2 and not described and "Events" not in labels and not _value(fields, "Name")
        if lone and (not sections or not _section_has_content(fields, sections)):
            return None  # one "Status: ok" line is not a describe
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
        if kind is None and set(labels) <= {"Conditions", "Events"} and isinstance(fields.get("Conditions"), list):
            kind = kind_of_status({"conditions": _conditions(fields["Conditions"])})
        namespace = _value(fields, "Namespace") or (command_namespace(flags) or "")
        events = event_rows(fields.get("Events") or []) if isinstance(fields.get("Events"), list) else []
        if kind is None and labels - {"Events"}:
            # a describe cut above its kind-telling labels: its events are about it, and say what it is
            subjects = {event_subject_kind(str(r.get("reason") or ""), str(r.get("source") or "")) for r in events}
            if len(subjects) == 1 and "" not in subjects:
                kind = resource_for(subjects.pop())
        if "Events" in fields and not events and not _value(fields, "Name") and "<none>" not in lines[0]:
            return None  # an "Events:" line that heads no events table
        if not name and not events and len(labels) < 2 and not (sections and _section_has_content(fields, sections)):
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
        trees = {camel(k): nested(_dedent(fields[k])) for k in ("Spec", "Status") if isinstance(fields.get(k), list)}
        if trees:
            facts["trees"] = trees  # a custom resource's Spec/Status, API-shaped
        facts["events"] = events
        return facts

    def apply(self, facts: Any, snap: Snapshot) -> None:
        kind = facts.get("resource")
        name = str(facts.get("name") or "")
        ns = str(facts.get("namespace") or "")
        fields: dict[str, Any] = facts.get("fields") or {}
        sections = facts.get("containers") or facts.get("init_containers") or facts.get("conditions")
        if kind and (_has_object_fields(fields) or sections):
            builder = BUILDERS.get(kind)
            if builder is None and ("Spec" in fields or "Status" in fields):
                builder = _custom
            if builder is not None:
                obj = builder(snap, facts, fields)
                obj.setdefault("metadata", {})["name"] = name  # "" when not shown: named by ``assemble``
                if ns and kind not in CLUSTER_SCOPED:
                    obj["metadata"]["namespace"] = ns
                labels = _labels(_values(fields, "Labels"))
                if labels:
                    obj["metadata"]["labels"] = labels
                snap.objects.setdefault(kind, []).append(obj)
                if kind == "services":
                    ep = service_endpoints(fields)
                    if ep is not None:
                        ep["metadata"] = {k: v for k, v in obj["metadata"].items() if k in ("name", "namespace")}
                        snap.objects.setdefault("endpoints", []).append(ep)
        involved_kind = KIND_OF.get(kind or "", "" if kind is None else str(kind))
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
            if cname != "?" or len(cspec) > 1:  # a fragment's unnamed container says nothing of the spec
                specs.append(cspec)
            state = _state(c.get("State"))
            last = _state(c.get("Last State"))
            if not state and not last:
                continue
            # a pasted ``Last State:`` block alone says how the container last ended, not how it is now
            cs: dict[str, Any] = {"name": cname, "state": state}
            if c.get("Image"):
                cs["image"] = c["Image"]
            if str(c.get("Ready") or "") in ("True", "False"):
                cs["ready"] = c["Ready"] == "True"
            count = str(c.get("Restart Count") or "").strip()
            if count.isdigit():  # (a pasted fragment without the line says nothing of the count)
                cs["restartCount"] = int(count)
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


_CAMEL_SPLIT = re.compile(r"[\s_-]+")


def camel(label: str) -> str:
    """``Last Transition Time`` → ``lastTransitionTime`` (how describe prints a custom resource's fields)."""
    words = [w for w in _CAMEL_SPLIT.split(label.strip()) if w]
    if not words:
        return label
    head = words[0][:1].lower() + words[0][1:]
    if words[0].isupper() and len(words[0]) > 1:
        head = words[0].lower()  # "API Version" → "apiVersion"
    return head + "".join(w[:1].upper() + w[1:] for w in words[1:])


_NESTED_KEY = re.compile(r"^(?P<key>[A-Za-z][\w .()/-]*?):(?:\s+(?P<value>.*?))?\s*$")


def nested(lines: Sequence[str]) -> dict[str, Any]:
    """The indented ``Key: value`` tree a describe prints for a custom resource's ``Spec:`` and ``Status:``
    → a mapping with the API's lowerCamel keys. A key that repeats at one level starts the next item of a
    list (``Conditions:`` prints each condition's fields one after the other); lines without a key under
    a key are its list of strings (``Dns Names:``)."""
    root: dict[str, Any] = {}
    # (indent of the holder's keys, -1 until its first line; the holder; its parent mapping; its key there)
    stack: list[tuple[int, Any, dict[str, Any] | None, str]] = [(-1, root, None, "")]
    for raw in lines:
        if not raw.strip():
            continue
        ind = len(raw) - len(raw.lstrip(" "))
        text = raw.strip()
        while len(stack) > 1:
            level = stack[-1][0]
            if (level < 0 and ind <= stack[-2][0]) or (level >= 0 and ind < level):
                stack.pop()
                continue
            break
        level, holder, parent, pkey = stack[-1]
        if level < 0:
            stack[-1] = (ind, holder, parent, pkey)
        m = _NESTED_KEY.match(text)
        if isinstance(holder, list):
            if not m:
                holder.append(text)
            continue
        if not m:
            if parent is not None and not holder:
                items: list[Any] = [text]
                parent[pkey] = items
                stack[-1] = (ind, items, parent, pkey)
            continue
        key, value = camel(m.group("key")), (m.group("value") or "").strip()
        if key in holder and parent is not None:
            fresh: dict[str, Any] = {}  # a repeated key: the next item of a list of mappings
            current = parent.get(pkey)
            if isinstance(current, list):
                current.append(fresh)
            else:
                parent[pkey] = [holder, fresh]
            holder = fresh
            stack[-1] = (ind, fresh, parent, pkey)
        if value:
            holder[key] = value
        else:
            child: dict[str, Any] = {}
            holder[key] = child
            stack.append((-1, child, holder, key))
    return root


def _lists(value: Any) -> Any:
    """Mappings that became lists of mappings keep their order; a list of one mapping stays a list."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lists(v) for v in value]
    return value


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) and value else []


def _custom(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A custom resource (cert-manager Certificate, ...): its Spec and Status trees, conditions as a list."""
    obj: dict[str, Any] = {"metadata": {}}
    trees = facts.get("trees") or {}
    for key in ("spec", "status"):
        tree = trees.get(key)
        if isinstance(tree, dict):
            tree = dict(tree)
            if "conditions" in tree:
                tree["conditions"] = _as_list(tree["conditions"])
            obj[key] = tree
    if "status" not in obj and _value(fields, "Status"):
        obj["status"] = {"phase": _value(fields, "Status")}
    return obj


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(indents) if indents else 0
    return [x[cut:] for x in lines]


_REPLICAS = re.compile(r"(\d+)\s+(desired|updated|total|available|unavailable|current)")
_POD_COUNTS = re.compile(r"(\d+)\s+(Running|Waiting|Succeeded|Failed|Active)")


def _replicas(fields: dict[str, Any]) -> dict[str, int]:
    """``Replicas: 3 desired | 3 updated | 3 total | 0 available | 3 unavailable`` (deployments) or
    ``1 current / 1 desired`` (replica sets): the counts by word."""
    return {w: int(n) for n, w in _REPLICAS.findall(_value(fields, "Replicas"))}


def _pod_counts(fields: dict[str, Any]) -> dict[str, int]:
    text = _value(fields, "Pods Status") or _value(fields, "Pods Statuses")
    return {w: int(n) for n, w in _POD_COUNTS.findall(text)}


def _workload(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Deployment, StatefulSet, ReplicaSet: spec.replicas and the status counts describe prints, its
    conditions. ``Pods Status`` counts Running pods, not ready ones: readyReplicas is at most that many."""
    counts = _replicas(fields)
    pods = _pod_counts(fields)
    spec: dict[str, Any] = {}
    st: dict[str, Any] = {}
    desired = counts.get("desired")
    if desired is not None:
        spec["replicas"] = desired
    for word, key in (("updated", "updatedReplicas"), ("total", "replicas"), ("available", "availableReplicas")):
        if word in counts:
            st[key] = counts[word]
    if "unavailable" in counts:
        st["unavailableReplicas"] = counts["unavailable"]
    if "current" in counts:
        st["replicas"] = counts["current"]
    if pods:
        st.setdefault("replicas", sum(pods.values()))
        st["readyReplicas"] = pods.get("Running", 0)
    if facts.get("conditions"):
        st["conditions"] = facts["conditions"]
    selector = _labels(_values(fields, "Selector"))
    if selector:
        spec["selector"] = {"matchLabels": selector}
    md: dict[str, Any] = {}
    created = rfc1123(_value(fields, "CreationTimestamp"))
    if created:
        md["creationTimestamp"] = created
    owner = _value(fields, "Controlled By")
    if "/" in owner:
        k, n = owner.split("/", 1)
        md["ownerReferences"] = [{"kind": k, "name": n, "controller": True}]
    return {"metadata": md, "spec": spec, "status": st}


def _job(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    st: dict[str, Any] = {}
    for key, dst in (("Parallelism", "parallelism"), ("Completions", "completions"), ("Backoff Limit", "backoffLimit")):
        v = _value(fields, key)
        if v.isdigit():
            spec[dst] = int(v)
    for word, key in (("Active", "active"), ("Running", "active"), ("Succeeded", "succeeded"), ("Failed", "failed")):
        n = _pod_counts(fields).get(word)
        if n:
            st[key] = st.get(key, 0) + n
    start = rfc1123(_value(fields, "Start Time"))
    if start:
        st["startTime"] = start
    done = rfc1123(_value(fields, "Completed At"))
    if done:
        st["completionTime"] = done
    conds = list(facts.get("conditions") or [])
    for row in facts.get("events") or []:
        if row.get("reason") in ("BackoffLimitExceeded", "DeadlineExceeded") and not conds:
            conds = [{"type": "Failed", "status": "True", "reason": row["reason"], "message": row.get("message", "")}]
    if conds:
        st["conditions"] = conds
    return {"metadata": {}, "spec": spec, "status": st}


_ENDPOINT = re.compile(r"^(\[?[\w.:-]+?\]?):(\d+)$")


def _service(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    selector = _labels(_values(fields, "Selector"))
    if selector:
        spec["selector"] = selector
    for key, dst in (("Type", "type"), ("IP", "clusterIP"), ("Cluster IP", "clusterIP")):
        v = _value(fields, key)
        if v and v != "<none>":
            spec[dst] = v
    ports = []
    for v in _values(fields, "Port"):
        words = v.split()
        port = next((w for w in words if re.match(r"^\d+/\w+$", w)), "")
        if port:
            number, _, proto = port.partition("/")
            ports.append(
                {
                    "name": words[0] if words[0] != port and words[0] != "<unset>" else "",
                    "port": int(number),
                    "protocol": proto,
                }
            )
    if ports:
        spec["ports"] = ports
    return {"metadata": {}, "spec": spec}


def service_endpoints(fields: dict[str, Any]) -> dict[str, Any] | None:
    """The Endpoints object a service describe shows in its ``Endpoints:`` line (``<none>`` or empty: no
    address; ``10.0.0.5:8080,10.0.0.6:8080``: ready addresses), or None when the line is not there."""
    if "Endpoints" not in fields:
        return None
    addresses = []
    ports = set()
    for v in _values(fields, "Endpoints"):
        for item in re.split(r"[,\s]+", v):
            m = _ENDPOINT.match(item.strip())
            if m:
                addresses.append({"ip": m.group(1).strip("[]")})
                ports.add(int(m.group(2)))
    if not addresses:
        return {"metadata": {}, "subsets": []}
    return {"metadata": {}, "subsets": [{"addresses": addresses, "ports": [{"port": p} for p in sorted(ports)]}]}


def _namespace(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    st: dict[str, Any] = {}
    if _value(fields, "Status"):
        st["phase"] = _value(fields, "Status")
    if facts.get("conditions"):
        st["conditions"] = facts["conditions"]
    return {"metadata": {}, "spec": {}, "status": st}


def _quota(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {}, "spec": {}, "status": {}}


def _pairs(values: list[str]) -> dict[str, str]:
    """``Key:  value`` lines of a describe's section (``Involved Object:``, ``Source:``) as a mapping."""
    out: dict[str, str] = {}
    for v in values:
        m = _SUB_KEY.match(v.strip())
        if m:
            out[m.group(1).strip()] = m.group(2).strip()
    return out


def _event(snap: Snapshot, facts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A described Event object (``kubectl describe event x``, ``Kind: Event``). A reason the paste lost
    is the one its message is sent with, when the message is one the kubelet or the scheduler sends."""
    involved = {camel(k): v for k, v in _pairs(_values(fields, "Involved Object")).items() if v}
    ev: dict[str, Any] = {"metadata": {}, "involvedObject": involved}
    message = _value(fields, "Message")
    reason, typ = _value(fields, "Reason"), _value(fields, "Type")
    if message and not reason:
        known = parse_message(message)
        if known:
            reason, typ = known["reason"], typ or known["type"]
    for key, value in (("message", message), ("reason", reason), ("type", typ)):
        if value:
            ev[key] = value
    count = _value(fields, "Count")
    if count.isdigit():
        ev["count"] = int(count)
    for label, key in (("First Timestamp", "firstTimestamp"), ("Last Timestamp", "lastTimestamp")):
        when = _value(fields, label)
        t = when if re.match(r"^\d{4}-\d\d-\d\dT", when) else rfc1123(when)
        if t:
            ev[key] = t
    source = {camel(k): v for k, v in _pairs(_values(fields, "Source")).items() if v}
    if source:
        ev["source"] = source
    return ev


BUILDERS = {
    "events": _event,
    "pods": _pod,
    "nodes": _node,
    "persistentvolumes": _pv,
    "persistentvolumeclaims": _pvc,
    "deployments": _workload,
    "statefulsets": _workload,
    "replicasets": _workload,
    "jobs": _job,
    "services": _service,
    "namespaces": _namespace,
}


PARSERS: list[OutputParser] = [KubectlDescribeParser()]
