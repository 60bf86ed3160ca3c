"""``kubectl get <kind>`` tables (any kind, ``-o wide``, ``-A``, ``--no-headers``, ``kubectl get pods,svc``)
→ rows, and API-shaped objects built from them so the checks run on pasted tables.

Also holds the small helpers the other Kubernetes parsers share: kubectl durations (``3d18h``), times
relative to the snapshot, resource aliases and access-mode abbreviations.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, resource_name
from medic.evidence.outputs.base import OutputParser, split_columns
from medic.model import Snapshot

# --- shared helpers -----------------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$")

_WORD = re.compile(r"\S+")
_RATIO = re.compile(r"^(\d+)/(\d+)$")
_RESTART_COUNT = re.compile(r"^(\d+)(?: \((\S+) ago\))?$")
_PORT = re.compile(r"^(\d+)(?::(\d+))?/(\w+)$")
_IP = re.compile(r"^[\d.:]+$")


MAX_AGE_SECONDS = 10_000 * 365 * 86400  # what is left of datetime's year range (1-9999) after any date


def duration_seconds(text: str) -> float | None:
    """A kubectl age (``45s``, ``3m10s``, ``5d21h``, ``2y37d``) in seconds; None when unreadable."""
    t = text.strip()
    m = _DURATION.match(t)
    if not t or not m or not any(m.groups()) or len(t) > 40:  # 40 characters: ``9999y364d23h59m59s`` twice over
        return None
    y, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    seconds = (((y * 365 + d) * 24 + h) * 60 + mi) * 60 + s
    # beyond datetime's range (~10,000 years) an age means nothing: ``800000d`` or 400 digits is unreadable
    return float(seconds) if seconds < MAX_AGE_SECONDS else None


def reference_time(snap: Snapshot) -> datetime:
    """The moment relative ages are counted from: the snapshot's collection time, set to now once."""
    value = snap.meta.get("collected_at")
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return t if t.tzinfo else t.replace(tzinfo=UTC)
        except ValueError:
            pass
    now = datetime.now(UTC).replace(microsecond=0)
    snap.meta["collected_at"] = iso(now)
    return now


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(snap: Snapshot, age: str | None) -> str | None:
    """The RFC 3339 time ``age`` (a kubectl duration) before the snapshot, or None."""
    secs = duration_seconds(age or "")
    if secs is None:
        return None
    try:
        return iso(reference_time(snap) - timedelta(seconds=secs))
    except OverflowError:
        return None  # before year 1: an age longer than the calendar is not a time


MODES = {"RWO": "ReadWriteOnce", "ROX": "ReadOnlyMany", "RWX": "ReadWriteMany", "RWOP": "ReadWriteOncePod"}


def kubectl_args(command: str | None) -> list[str]:
    """The words of a ``kubectl`` (or ``oc``/``k``) command line, after the program; [] when it is not one."""
    if not command:
        return []
    return list(_kubectl_args(command))


@functools.lru_cache(maxsize=1024)  # a paste repeats the same few commands; shlex is slow
def _kubectl_args(command: str) -> tuple[str, ...]:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    for i, w in enumerate(words):
        base = w.rsplit("/", 1)[-1]
        # (``cluster/kubectl.sh``: the wrapper of a Kubernetes source tree, 2014-2016)
        if base in ("kubectl", "oc", "k", "kc", "kctl", "kub", "kubectl.exe", "microk8s.kubectl", "kubectl.sh"):
            return tuple(words[i + 1 :])
        if base in ("microk8s", "minikube") and i + 1 < len(words) and words[i + 1] == "kubectl":
            return tuple(w for w in words[i + 2 :] if w != "--")
    return ()


_VALUE_FLAGS = {"-n", "--namespace", "-o", "--output", "-l", "--selector", "--context", "-c", "--container"}


def command_parts(command: str | None) -> tuple[str, list[str], dict[str, str]]:
    """(verb, positional arguments after the verb, flags) of a kubectl command line."""
    args = kubectl_args(command)
    flags: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            if "=" in a:
                k, v = a.split("=", 1)
                flags[k] = v
            elif a in _VALUE_FLAGS and i + 1 < len(args):
                flags[a] = args[i + 1]
                i += 1
            elif len(a) > 2 and a[:2] in ("-n", "-o") and not a.startswith("--"):
                flags[a[:2]] = a[2:]
            else:
                flags[a] = ""
        elif a in ("|", ">", "&&", ";"):
            break
        else:
            positional.append(a)
        i += 1
    verb = positional[0] if positional else ""
    return verb, positional[1:], flags


def command_namespace(flags: dict[str, str]) -> str | None:
    return flags.get("-n") or flags.get("--namespace") or None


def owner_from_name(kind: str, name: str) -> tuple[str, str] | None:
    """``ReplicaSet/grafana-7fcf76474b`` → (ReplicaSet, grafana-7fcf76474b)."""
    if "/" not in name:
        return None
    k, n = name.split("/", 1)
    return (k, n) if k and n else None


# --- kubectl get --------------------------------------------------------------------------------------

_COMMAND = re.compile(r"(?:^|[\s/])(?:kubectl|oc|k|kc|kctl|kub)(?:\.exe)?\s+(?:\S+\s+)*?get\s")
_HEADER_WORD = re.compile(r"^[A-Z][A-Z0-9_%()/-]*$")
# a header may be indented (a markdown code block by indentation, a quote): the block is dedented by it
_HEADER = re.compile(r"^ {0,8}(?:NAMESPACE\s+)?NAME\s+[A-Z]")
# what a headerless row may start with (the registry's quick test; ``row_kind`` decides)
_ROW_START = re.compile(
    r"^\s*[a-z0-9][a-z0-9./-]*\s+(?:\S+\s+)?(?:\d+/\d+|Ready|NotReady|Unknown|Active|Terminating)\b"
)
# other tools' tables that start with NAME (parsed by their own modules)
_NOT_KUBECTL = re.compile(r"\bREVISION\b.*\bCHART\b|\bCHART\b.*\bREVISION\b|CPU\(cores\)|^NAME\s+NAMESPACE\s+")
_RESTARTS = re.compile(r"\d+ \((?:[\dydhms]+|<invalid>) ago\)")
_TOKEN = re.compile(r"\d+ \((?:[\dydhms]+|<invalid>) ago\)|\S+")
_POD_STATUS_WAIT = (
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "ContainerCreating",
    "PodInitializing",
    "ContainerStatusUnknown",
)

# the columns kubectl prints without ``-o wide`` (used for ``--no-headers`` output after a prompt line)
DEFAULT_COLUMNS: dict[str, list[str]] = {
    "pods": ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
    "nodes": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
    "persistentvolumes": [
        "NAME",
        "CAPACITY",
        "ACCESS MODES",
        "RECLAIM POLICY",
        "STATUS",
        "CLAIM",
        "STORAGECLASS",
        "REASON",
        "AGE",
    ],
    "persistentvolumeclaims": ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "AGE"],
    "deployments": ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    "statefulsets": ["NAME", "READY", "AGE"],
    "daemonsets": ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
    "replicasets": ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
    "services": ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    "jobs": ["NAME", "COMPLETIONS", "DURATION", "AGE"],
    "namespaces": ["NAME", "STATUS", "AGE"],
}
WIDE_COLUMNS: dict[str, list[str]] = {
    "pods": ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
    "nodes": ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
}
_PENDING_REASONS = (
    "ContainerCreating",
    "PodInitializing",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "InvalidImageName",
    "ErrImageNeverPull",
)
_PV_PHASES = ("Available", "Bound", "Released", "Failed", "Pending", "Terminating")
_POLICIES = ("Retain", "Delete", "Recycle")


def _kind_from_header(names: list[str]) -> str | None:
    s = set(names)
    if {"RESTARTS", "READY", "STATUS"} <= s:
        return "pods"
    if "ROLES" in s and "VERSION" in s:
        return "nodes"
    if ("RECLAIM POLICY" in s or "RECLAIMPOLICY" in s) and "CLAIM" in s:
        return "persistentvolumes"
    if "VOLUME" in s and "CAPACITY" in s and "STATUS" in s:
        return "persistentvolumeclaims"
    if "PROVISIONER" in s:
        return "storageclasses"
    if "NODE SELECTOR" in s:
        return "daemonsets"
    if "UP-TO-DATE" in s and "AVAILABLE" in s:
        return "deployments"
    if {"DESIRED", "CURRENT", "READY"} <= s:
        return "replicasets"
    if "CLUSTER-IP" in s and "TYPE" in s:
        return "services"
    if "COMPLETIONS" in s:
        return "jobs"
    if "SCHEDULE" in s and "SUSPEND" in s:
        return "cronjobs"
    if "REFERENCE" in s and "TARGETS" in s:
        return "horizontalpodautoscalers"
    if "ENDPOINTS" in s and len(s - {"NAMESPACE"}) == 3:
        return "endpoints"
    if {"READY", "SECRET"} <= s and len(s - {"NAMESPACE", "ISSUER", "STATUS"}) == 4:
        return "certificates"  # cert-manager: NAME READY SECRET AGE (-o wide adds ISSUER, STATUS)
    return None


# kubectl's header names made of two words (everything else is one word per column)
_TWO_WORDS = (
    "ACCESS MODES",
    "RECLAIM POLICY",
    "NODE SELECTOR",
    "NOMINATED NODE",
    "READINESS GATES",
    "LAST SEEN",
    "FIRST SEEN",
    "LAST SCHEDULE",
    "APP VERSION",
    "CONTAINER ID",
)


def header_columns(line: str) -> list[tuple[str, int]]:
    """(name, offset) of a kubectl table header's columns. A header whose spacing was collapsed to single
    spaces (a re-flowed paste) is split into words, keeping kubectl's two-word names together."""
    cols = split_columns(line)
    if all(" " not in n or n in _TWO_WORDS for n, _ in cols):
        return cols
    out: list[tuple[str, int]] = []
    for m in _WORD.finditer(line):
        word, off = m.group(0), m.start()
        if out and f"{out[-1][0]} {word}" in _TWO_WORDS:
            out[-1] = (f"{out[-1][0]} {word}", out[-1][1])
        else:
            out.append((word, off))
    return out


def _tokens(row: str) -> list[str]:
    return _TOKEN.findall(row)


def cells(row: str, cols: list[tuple[str, int]]) -> dict[str, str]:
    """Cells of a table row: by the header's offsets when the row is aligned and fills every column, else
    by words (``5 (3m ago)`` is one word), the last column taking the rest."""
    aligned = all(o == 0 or o > len(row) or (o <= len(row) and row[o - 1] == " ") for _, o in cols[1:])
    by_offset: dict[str, str] = {}
    if aligned:
        for i, (name, off) in enumerate(cols):
            end = cols[i + 1][1] if i + 1 < len(cols) else len(row)
            by_offset[name] = row[off:end].strip()
        if all(by_offset.values()):
            return by_offset
    toks = _tokens(row)
    if len(toks) == len(cols) or not aligned:
        out: dict[str, str] = {}
        for i, (name, _) in enumerate(cols):
            if i == len(cols) - 1 and len(toks) > len(cols):
                out[name] = " ".join(toks[i:])
            else:
                out[name] = toks[i] if i < len(toks) else ""
        return out
    return by_offset


@functools.lru_cache(maxsize=1024)  # a paste repeats the same few headers
def _is_kubectl_header(line: str) -> bool:
    """Whether a line that ``_HEADER`` matches is a kubectl table header (not another tool's)."""
    words = header_columns(line.strip())
    return (
        not _NOT_KUBECTL.search(line)
        and len(words) >= 2
        and all(_HEADER_WORD.match(w) for n, _ in words for w in n.split())
    )


@functools.lru_cache(maxsize=1024)
def _get_command(command: str) -> tuple[bool, bool]:
    """(whether the command is a ``kubectl get`` whose rows may follow without a header, whether it names
    one kind whose default columns are known)."""
    if not _COMMAND.search(command):
        return False, False
    verb, args, flags = command_parts(command)
    out = flags.get("-o") or flags.get("--output")
    if verb != "get" or not args or (out is not None and out != "wide"):
        return False, False
    kinds = [resource_name(k) for k in args[0].split(",")]
    return True, len(kinds) == 1 and (kinds[0] in DEFAULT_COLUMNS or kinds[0] == "persistentvolumes")


# rows pasted without their header and without the command (a ``| grep`` dropped the header, the author
# trimmed it): recognised by the values only a kind's row has
_NAME = r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?"
_POD_ROW = re.compile(
    rf"^(?:(?P<ns>{_NAME})\s+)?(?:pods?/)?{_NAME}\s+\d+/\d+\s+[A-Z][\w:-]*\s+\d+(?: \([^)]*\))?(?:\s+\S+){{0,6}}$"
)
_NODE_ROW = re.compile(rf"^{_NAME}\s+(?:Ready|NotReady|Unknown)(?:,SchedulingDisabled)?(?:\s+\S+){{1,8}}$")
_NS_ROW = re.compile(rf"^{_NAME}\s+(?:Active|Terminating)(?:\s+\S+)?$")


def row_kind(line: str) -> tuple[str, bool] | None:
    """(kind, whether a NAMESPACE column comes first) of a table row pasted without header or command."""
    text = line.strip()
    m = _POD_ROW.match(text)
    if m:
        toks = _tokens(text)
        with_ns = len(toks) > 2 and _ratio(toks[2]) is not None
        return "pods", with_ns
    if _NODE_ROW.match(text):
        return "nodes", False
    if _NS_ROW.match(text):
        return "namespaces", False
    return None


@functools.lru_cache(maxsize=1024)
def _table_shape(first: str) -> tuple[bool, int, tuple[str, ...], str | None]:
    """(whether the block's first line is a header, its column count, column names, kind)."""
    if not _HEADER.match(first):
        return False, 0, (), None
    names = [n for n, _ in header_columns(first.strip())]
    return True, len(names), tuple(names), _kind_from_header(names)


class KubectlGetParser(OutputParser):
    kind = "kubectl-get"
    start = re.compile(f"{_HEADER.pattern}|{_ROW_START.pattern}")
    command = _COMMAND

    def __init__(self) -> None:
        self._command: str | None = None

    def starts(self, line: str, command: str | None) -> bool:
        self._command = command
        if _HEADER.search(line):
            return _is_kubectl_header(line)
        if not command or not _get_command(command)[0]:
            return row_kind(line) is not None
        get, known_kind = _get_command(command)
        if not get:
            return False
        first = line.split()
        if first and "/" in first[0] and not first[0].startswith("/"):
            return True
        return known_kind

    def continues(self, line: str, first: str) -> bool:
        """A row of the table: as many words as the header has columns, give or take empty cells."""
        text = line.strip()
        if not text or text.endswith(":"):
            return False
        header, n_cols, names, kind = _table_shape(first)
        if not header:
            if not self._command or not _get_command(self._command)[0]:
                return row_kind(line) is not None  # headerless rows without their command: same shape
            return True
        if _HEADER.match(line):
            return True  # the next table of ``kubectl get pods,svc`` (split off in block_end)
        if kind == "persistentvolumes":
            return bool(_pv_row(text, list(names)))
        toks = _tokens(text)
        if kind in ("pods", "deployments", "statefulsets") and "READY" in names:
            return any(_ratio(t) is not None for t in toks)
        return len(toks) >= max(2, n_cols - 3)

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = super().block_end(lines, start)
        # a second table of ``kubectl get pods,svc`` starts with its own header: stop before it
        for i in range(start + 1, end):
            if _HEADER.match(lines[i]) and not lines[i].startswith(" "):
                return i
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        margin = min((len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip()), default=0)
        if margin:
            lines = [ln[margin:] for ln in lines]
        command = self._command
        verb, args, flags = command_parts(command)
        cmd_kinds = [resource_name(k) for k in args[0].split(",")] if verb == "get" and args else []
        cmd_kind = cmd_kinds[0] if len(cmd_kinds) == 1 else None
        namespace = command_namespace(flags)
        wide = (flags.get("-o") or flags.get("--output")) == "wide"
        first = lines[0]
        headers = bool(_HEADER.match(first))
        if headers:
            cols = header_columns(first)
            body = lines[1:]
        else:
            # ``kubectl get pods,svc --no-headers``: kinds from the name prefixes, rows as words
            known = cmd_kind in DEFAULT_COLUMNS or cmd_kind == "persistentvolumes"
            shape = row_kind(first) if not known else None
            if shape is not None and (cmd_kind is None or cmd_kind == shape[0]):
                cmd_kind, known = shape[0], True
            if not known and (not first.split() or "/" not in first.split()[0]):
                return None
            names = list(DEFAULT_COLUMNS.get(cmd_kind or "", ["NAME"]))
            if wide:
                names += WIDE_COLUMNS.get(cmd_kind or "", [])
            if "-A" in flags or "--all-namespaces" in flags or (shape is not None and shape[1]):
                names.insert(0, "NAMESPACE")
            cols = [(n, -1) for n in names]
            body = lines
        names_only = [n for n, _ in cols]
        kind = _kind_from_header(names_only) if headers else None
        kind = kind or cmd_kind
        if kind is None and headers and "STATUS" in names_only:
            kind = _kind_from_statuses(body, cols)  # 1.3-era ``get nodes`` (NAME STATUS AGE), 2015 LABELS
        rows: list[dict[str, Any]] = []
        for raw in body:
            if not raw.strip():
                continue
            if kind == "persistentvolumes":
                row = _pv_row(raw, names_only)
            elif headers:
                row = cells(raw, cols)
            else:
                toks = _tokens(raw)
                row = {n: (toks[i] if i < len(toks) else "") for i, n in enumerate(names_only)}
                if len(toks) > len(names_only):
                    row[names_only[-1]] = " ".join(toks[len(names_only) - 1 :])
            if not row or not row.get("NAME") or (not headers and not _plausible(row, kind, raw, names_only)):
                continue
            rows.append(row)
        if not rows:
            return None
        if kind is None and not any("/" in r["NAME"] for r in rows):
            kind = None  # an unknown kind's table: kept as rows, not applied
        facts: dict[str, Any] = {"resource": kind, "headers": headers, "columns": names_only, "rows": rows}
        if namespace:
            facts["namespace"] = namespace
        return facts

    def apply(self, facts: Any, snap: Snapshot) -> None:
        default_kind = facts.get("resource")
        added: dict[str, list[dict[str, Any]]] = {}
        for row in facts["rows"]:
            kind, name = default_kind, str(row.get("NAME") or "")
            if "/" in name:
                prefix, name = name.split("/", 1)
                kind = resource_name(prefix) or kind
            if not kind or not name:
                continue
            ns = row.get("NAMESPACE") or facts.get("namespace") or ""
            builder = _BUILDERS.get(kind)
            if builder is None:
                continue
            obj = builder(snap, row)
            md = obj.setdefault("metadata", {})
            if kind == "storageclasses" and name.endswith("(default)"):
                name = name[: -len("(default)")].strip()
                md["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
            md["name"] = name
            if kind not in CLUSTER_SCOPED and ns:
                md["namespace"] = ns
            created = ago(snap, row.get("AGE"))
            if created:
                md["creationTimestamp"] = created
            snap.objects.setdefault(kind, []).append(obj)
            added.setdefault(kind, []).append(obj)
        if added.get("statefulsets"):
            _link_statefulset_pods(snap, snap.items("pods"))
        elif added.get("pods"):
            _link_statefulset_pods(snap, added["pods"])


_ORDINAL = re.compile(r"^(.+)-(\d+)$")


def _link_statefulset_pods(snap: Snapshot, pods: list[dict[str, Any]]) -> None:
    """Pods named ``<statefulset>-<ordinal>`` next to that StatefulSet in the paste belong to it (a table
    does not show owners; the StatefulSet controller names its pods so)."""
    if not snap.objects.get("statefulsets") or not snap.objects.get("pods"):
        return
    sets = {
        (str(o.get("metadata", {}).get("namespace") or ""), str(o.get("metadata", {}).get("name") or ""))
        for o in snap.objects["statefulsets"]
    }
    for pod in pods:
        md = pod.get("metadata")
        if not isinstance(md, dict) or md.get("ownerReferences"):
            continue
        m = _ORDINAL.match(str(md.get("name") or ""))
        if m and (str(md.get("namespace") or ""), m.group(1)) in sets:
            md["ownerReferences"] = [{"kind": "StatefulSet", "name": m.group(1), "controller": True}]


def _kind_from_statuses(body: Sequence[str], cols: list[tuple[str, int]]) -> str | None:
    """The kind of a table whose header names no kind, from its STATUS values: every row Ready/NotReady
    (a node table of kubectl 1.0-1.5) or Active/Terminating (namespaces)."""
    statuses = [cells(raw, cols).get("STATUS", "").split(",")[0] for raw in body if raw.strip()]
    if statuses and all(v in ("Ready", "NotReady", "Unknown") for v in statuses):
        return "nodes"
    if statuses and all(v in ("Active", "Terminating") for v in statuses):
        return "namespaces"
    return None


def _plausible(row: dict[str, str], kind: str | None, raw: str, names: list[str]) -> bool:
    """A row without a header is taken only when it looks like the kind's row (not ``No resources found``)."""
    if kind == "persistentvolumes":
        return bool(row.get("STATUS"))
    if len(_tokens(raw)) < len(names) - 1 if len(names) > 2 else len(_tokens(raw)) < len(names):
        return False
    if kind in ("pods", "deployments", "statefulsets"):
        return _ratio(row.get("READY", "")) is not None
    if kind == "nodes":
        return row.get("STATUS", "").split(",")[0] in ("Ready", "NotReady", "Unknown")
    return True


def _pv_row(raw: str, names: list[str]) -> dict[str, str]:
    """A ``kubectl get pv`` row read by meaning: the claim and storage class columns are often empty."""
    toks = raw.split()
    ns_first = names[:1] == ["NAMESPACE"]
    if len(toks) < 5:
        return {}
    row: dict[str, str] = {"NAME": toks[0]}
    i = 1
    row["CAPACITY"] = toks[i]
    row["ACCESS MODES"] = toks[i + 1]
    if toks[i + 2] not in _POLICIES or toks[i + 3] not in _PV_PHASES:
        return {} if ns_first else _positional(toks, names)
    row["RECLAIM POLICY"] = toks[i + 2]
    row["STATUS"] = toks[i + 3]
    rest = toks[i + 4 :]
    if rest and duration_seconds(rest[-1]) is not None:
        row["AGE"] = rest.pop()
    for t in rest:
        if "/" in t and "CLAIM" not in row:
            row["CLAIM"] = t
        elif t in ("<unset>",):
            row["VOLUMEATTRIBUTESCLASS"] = t
        elif "STORAGECLASS" not in row:
            row["STORAGECLASS"] = t
        else:
            row["REASON"] = (row.get("REASON", "") + " " + t).strip()
    if "VOLUMEMODE" in names:  # -o wide
        for mode in ("Filesystem", "Block"):
            if row.get("REASON") == mode or row.get("STORAGECLASS") == mode:
                row["VOLUMEMODE"] = mode
    return row


def _positional(toks: list[str], names: list[str]) -> dict[str, str]:
    return {n: (toks[i] if i < len(toks) else "") for i, n in enumerate(names)}


def _ratio(text: str) -> tuple[int, int] | None:
    m = _RATIO.match(text.strip())
    return (int(m.group(1)), int(m.group(2))) if m and len(m.group(1)) < 10 and len(m.group(2)) < 10 else None


def _int(text: str | None) -> int | None:
    t = (text or "").strip()
    return int(t) if t.isdigit() else None


# containers per pod a READY column is believed for: real pods have a handful, rarely a few dozen; each
# one becomes a container status, so a hostile ``0/99999999999`` must not be believed
MAX_CONTAINERS = 64


def pod_from_status(snap: Snapshot, status: str, ready: str, restarts: str) -> dict[str, Any]:
    """A pod's ``status`` as the API would hold it for a ``kubectl get pods`` row's READY/STATUS/RESTARTS."""
    counts = _ratio(ready) or (0, 0)
    if counts[1] > MAX_CONTAINERS:
        counts = (0, 0)  # a READY count no pod has: unreadable (it would build a status per container)
    n_ready, n_total = counts
    restart_count, last_ago = 0, None
    m = _RESTART_COUNT.match(restarts.strip())
    if m:
        restart_count = int(m.group(1))
        last_ago = ago(snap, m.group(2)) if m.group(2) else None
    st: dict[str, Any] = {}
    init = status.startswith("Init:")
    reason = status[5:] if init else status
    if status == "Running":
        st["phase"] = "Running"
    elif status in ("Completed", "Succeeded"):
        st["phase"] = "Succeeded"
    elif status in ("Error", "Failed", "OOMKilled") and n_ready == 0 and restart_count == 0:
        st["phase"] = "Failed" if status != "OOMKilled" else "Running"
    elif status == "Evicted":
        st.update(phase="Failed", reason="Evicted")
    elif status == "Terminating":
        st["phase"] = "Running"
    elif status in ("Pending", "Unknown"):
        st["phase"] = status
    elif init or status in _PENDING_REASONS:
        st["phase"] = "Pending"
    else:
        st["phase"] = "Running"
    total = max(n_total, 1 if status not in ("Pending", "Evicted") else 0)
    statuses: list[dict[str, Any]] = []
    for i in range(total):
        name = "?" if total == 1 else f"?{i + 1}"
        cs: dict[str, Any] = {"name": name, "ready": i < n_ready, "restartCount": 0}
        troubled = i == n_ready  # the first container that is not ready carries the row's status
        if troubled and not init and reason in _POD_STATUS_WAIT:
            cs["state"] = {"waiting": {"reason": reason}}
        elif troubled and not init and reason == "OOMKilled":
            cs["state"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
            cs["lastState"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
        elif troubled and not init and reason in ("Error", "Completed"):
            term: dict[str, Any] = {"reason": reason}
            if reason == "Completed":
                term["exitCode"] = 0
            cs["state"] = {"terminated": term}
        elif st["phase"] == "Succeeded":
            cs["state"] = {"terminated": {"reason": "Completed", "exitCode": 0}}
        elif st["phase"] == "Pending" and (init or status in ("Pending",)):
            cs["state"] = {"waiting": {"reason": "PodInitializing"}}
        elif st["phase"] == "Pending":
            cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
        else:
            cs["state"] = {"running": {}}
        if troubled or (i == 0 and n_ready == total):
            cs["restartCount"] = restart_count
            if last_ago:
                cs.setdefault("lastState", {}).setdefault("terminated", {})["finishedAt"] = last_ago
        statuses.append(cs)
    if statuses:
        st["containerStatuses"] = statuses
    if init and reason not in ("", "Init:0/1"):
        ic: dict[str, Any] = {"name": "?init", "ready": False, "restartCount": restart_count}
        if _ratio(reason) is not None:
            ic["state"] = {"running": {}}
        elif reason in _POD_STATUS_WAIT:
            ic["state"] = {"waiting": {"reason": reason}}
        else:
            ic["state"] = {"terminated": {"reason": reason}}
        st["initContainerStatuses"] = [ic]
    return st


def _pod(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    status = row.get("STATUS", "")
    st = pod_from_status(snap, status, row.get("READY", ""), row.get("RESTARTS", ""))
    pod: dict[str, Any] = {"metadata": {}, "spec": {}, "status": st}
    if status == "Terminating":
        pod["metadata"]["deletionTimestamp"] = iso(reference_time(snap))
    ip = row.get("IP", "")
    if ip and ip != "<none>":
        st["podIP"] = ip
    node = row.get("NODE", "")
    if node and node != "<none>":
        pod["spec"]["nodeName"] = node
    return pod


def _node(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    status = row.get("STATUS", "")
    parts = status.split(",")
    node: dict[str, Any] = {"metadata": {}, "spec": {}, "status": {}}
    ready = {"Ready": "True", "NotReady": "False", "Unknown": "Unknown"}.get(parts[0])
    if ready is not None:
        node["status"]["conditions"] = [
            {
                "type": "Ready",
                "status": ready,
                "reason": "KubeletReady" if ready == "True" else "NotReady",
                "message": f"kubectl get nodes shows {parts[0]}",
            }
        ]
    if "SchedulingDisabled" in parts:
        node["spec"]["unschedulable"] = True
    roles = row.get("ROLES", "")
    if roles and roles != "<none>":
        node["metadata"]["labels"] = {f"node-role.kubernetes.io/{r}": "" for r in roles.split(",") if r}
    info = {}
    for col, key in (
        ("VERSION", "kubeletVersion"),
        ("OS-IMAGE", "osImage"),
        ("KERNEL-VERSION", "kernelVersion"),
        ("CONTAINER-RUNTIME", "containerRuntimeVersion"),
    ):
        if row.get(col):
            info[key] = row[col]
    if info:
        node["status"]["nodeInfo"] = info
    addresses = [
        {"type": t, "address": row[c]}
        for c, t in (("INTERNAL-IP", "InternalIP"), ("EXTERNAL-IP", "ExternalIP"))
        if row.get(c) and row[c] != "<none>"
    ]
    if addresses:
        node["status"]["addresses"] = addresses
    return node


def _modes(text: str) -> list[str]:
    return [MODES.get(m, m) for m in text.split(",") if m]


def _pv(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if row.get("CAPACITY"):
        spec["capacity"] = {"storage": row["CAPACITY"]}
    if row.get("ACCESS MODES") or row.get("ACCESSMODES"):
        spec["accessModes"] = _modes(row.get("ACCESS MODES") or row.get("ACCESSMODES") or "")
    policy = row.get("RECLAIM POLICY") or row.get("RECLAIMPOLICY")
    if policy:
        spec["persistentVolumeReclaimPolicy"] = policy
    claim = row.get("CLAIM", "")
    if "/" in claim:
        ns, name = claim.split("/", 1)
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": ns, "name": name}
    elif claim and claim != "<none>" and row.get("STATUS") in ("Bound", "Released"):
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "name": claim}
    sc = row.get("STORAGECLASS", "")
    if sc and sc != "<none>":
        spec["storageClassName"] = sc
    status: dict[str, Any] = {}
    if row.get("STATUS"):
        status["phase"] = row["STATUS"]
    if row.get("REASON"):
        status["reason"] = row["REASON"]
    return {"metadata": {}, "spec": spec, "status": status}


def _pvc(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    status: dict[str, Any] = {"phase": row.get("STATUS", "")}
    if row.get("VOLUME"):
        spec["volumeName"] = row["VOLUME"]
    if row.get("CAPACITY"):
        status["capacity"] = {"storage": row["CAPACITY"]}
    if row.get("ACCESS MODES"):
        status["accessModes"] = _modes(row["ACCESS MODES"])
    sc = row.get("STORAGECLASS", "")
    if sc and sc != "<none>":
        spec["storageClassName"] = sc
    return {"metadata": {}, "spec": spec, "status": status}


def _replica_counts(row: dict[str, str], current_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(spec, status) from READY ``n/m`` (kubectl ≥ 1.15) or the older DESIRED/CURRENT columns, where
    CURRENT means ``current_key``."""
    spec: dict[str, Any] = {}
    status: dict[str, Any] = {}
    r = _ratio(row.get("READY", ""))
    if r is not None:
        status["readyReplicas"], spec["replicas"] = r
    elif _int(row.get("DESIRED")) is not None:
        spec["replicas"] = _int(row.get("DESIRED"))
        status[current_key] = _int(row.get("CURRENT")) or 0
    return spec, status


def _deployment(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec, status = _replica_counts(row, "replicas")
    for col, key in (("UP-TO-DATE", "updatedReplicas"), ("AVAILABLE", "availableReplicas")):
        v = _int(row.get(col))
        if v is not None:
            status[key] = v
    status.setdefault("availableReplicas", 0)
    return {"metadata": {}, "spec": spec, "status": status}


def _statefulset(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec, status = _replica_counts(row, "readyReplicas")
    return {"metadata": {}, "spec": spec, "status": status}


def _daemonset(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    status: dict[str, Any] = {}
    for col, key in (
        ("DESIRED", "desiredNumberScheduled"),
        ("CURRENT", "currentNumberScheduled"),
        ("READY", "numberReady"),
        ("UP-TO-DATE", "updatedNumberScheduled"),
        ("AVAILABLE", "numberAvailable"),
    ):
        v = _int(row.get(col))
        if v is not None:
            status[key] = v
    spec: dict[str, Any] = {}
    sel = row.get("NODE SELECTOR", "")
    if sel and sel != "<none>":
        spec["template"] = {
            "spec": {"nodeSelector": {p.partition("=")[0]: p.partition("=")[2] for p in sel.split(",")}}
        }
    return {"metadata": {}, "spec": spec, "status": status}


def _replicaset(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    status: dict[str, Any] = {}
    for col, obj, key in (
        ("DESIRED", spec, "replicas"),
        ("CURRENT", status, "replicas"),
        ("READY", status, "readyReplicas"),
    ):
        v = _int(row.get(col))
        if v is not None:
            obj[key] = v
    return {"metadata": {}, "spec": spec, "status": status}


def _service(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": row.get("TYPE", "")}
    if row.get("CLUSTER-IP"):
        spec["clusterIP"] = row["CLUSTER-IP"]
    ports: list[dict[str, Any]] = []
    for p in (row.get("PORT(S)") or "").split(","):
        m = _PORT.match(p.strip())
        if m:
            port: dict[str, Any] = {"port": int(m.group(1)), "protocol": m.group(3)}
            if m.group(2):
                port["nodePort"] = int(m.group(2))
            ports.append(port)
    if ports:
        spec["ports"] = ports
    status: dict[str, Any] = {}
    ext = row.get("EXTERNAL-IP", "")
    if ext and ext not in ("<none>", "<pending>") and spec["type"] == "LoadBalancer":
        key = "ip" if _IP.match(ext.split(",")[0]) else "hostname"
        status["loadBalancer"] = {"ingress": [{key: e} for e in ext.split(",") if e]}
    elif ext and spec["type"] == "ExternalName":
        spec["externalName"] = ext
    sel = row.get("SELECTOR", "")
    if sel and sel != "<none>":
        spec["selector"] = dict(p.split("=", 1) for p in sel.split(",") if "=" in p)
    return {"metadata": {}, "spec": spec, "status": status}


def _job(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    status: dict[str, Any] = {}
    r = _ratio(row.get("COMPLETIONS", ""))
    if r is not None:
        status["succeeded"], spec["completions"] = r
    state = row.get("STATUS", "")
    if state in ("Complete", "Failed", "Suspended"):
        status["conditions"] = [{"type": state, "status": "True"}]
    return {"metadata": {}, "spec": spec, "status": status}


def _cronjob(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"schedule": row.get("SCHEDULE", "")}
    if row.get("SUSPEND") in ("True", "False"):
        spec["suspend"] = row["SUSPEND"] == "True"
    status: dict[str, Any] = {}
    last = ago(snap, row.get("LAST SCHEDULE"))
    if last:
        status["lastScheduleTime"] = last
    return {"metadata": {}, "spec": spec, "status": status}


def _storageclass(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    sc: dict[str, Any] = {"metadata": {}, "provisioner": row.get("PROVISIONER", "")}
    if row.get("RECLAIMPOLICY"):
        sc["reclaimPolicy"] = row["RECLAIMPOLICY"]
    if row.get("VOLUMEBINDINGMODE"):
        sc["volumeBindingMode"] = row["VOLUMEBINDINGMODE"]
    if row.get("ALLOWVOLUMEEXPANSION") in ("true", "false"):
        sc["allowVolumeExpansion"] = row["ALLOWVOLUMEEXPANSION"] == "true"
    return sc


def _namespace(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {}, "status": {"phase": row.get("STATUS", "")}}


_ENDPOINT = re.compile(r"^(?P<ip>[0-9a-fA-F.:]+?)(?::(?P<port>\d+))?$")


def _endpoints(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    """``get endpoints``: ``<none>`` is an Endpoints object without subsets; ``10.0.0.5:8080,10.0.0.6:8080 +
    3 more...`` its ready addresses (the ``+ N more`` are ready addresses too: kubectl lists only ready ones)."""
    text = row.get("ENDPOINTS", "").strip()
    if not text or text == "<none>":
        return {"metadata": {}, "subsets": []}
    addresses: list[dict[str, Any]] = []
    ports: list[dict[str, Any]] = []
    more = re.search(r"\+ ?(\d+) more", text)
    for part in text.split("+", 1)[0].split(","):
        m = _ENDPOINT.match(part.strip())
        if m and m.group("ip"):
            addresses.append({"ip": m.group("ip")})
            if m.group("port") and {"port": int(m.group("port"))} not in ports:
                ports.append({"port": int(m.group("port"))})
    addresses += [{"ip": f"(+{i + 1})"} for i in range(int(more.group(1)) if more else 0)]
    return {"metadata": {}, "subsets": [{"addresses": addresses, "ports": ports}] if addresses else []}


def _ready_condition(snap: Snapshot, row: dict[str, str]) -> dict[str, Any]:
    """A custom resource whose table has a READY True/False column (cert-manager's Certificate, Issuer,
    CertificateRequest): its ``Ready`` condition."""
    ready = row.get("READY", "")
    if ready not in ("True", "False", "Unknown"):
        return {"metadata": {}}
    condition = {"type": "Ready", "status": ready}
    if row.get("STATUS") and row["STATUS"] not in ("True", "False"):
        condition["message"] = row["STATUS"]  # ``-o wide`` adds the condition's message as STATUS
    return {"metadata": {}, "status": {"conditions": [condition]}}


_BUILDERS: dict[str, Any] = {
    "pods": _pod,
    "nodes": _node,
    "persistentvolumes": _pv,
    "persistentvolumeclaims": _pvc,
    "deployments": _deployment,
    "statefulsets": _statefulset,
    "daemonsets": _daemonset,
    "replicasets": _replicaset,
    "services": _service,
    "jobs": _job,
    "cronjobs": _cronjob,
    "storageclasses": _storageclass,
    "namespaces": _namespace,
    "endpoints": _endpoints,
    "certificates": _ready_condition,
    "certificaterequests": _ready_condition,
    "issuers": _ready_condition,
    "clusterissuers": _ready_condition,
}


PARSERS: list[OutputParser] = [KubectlGetParser()]
