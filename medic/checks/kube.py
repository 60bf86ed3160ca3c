"""Small readers over raw Kubernetes JSON shared by the checks (no network, no model classes)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from medic.evidence.outputs.assemble import NEWEST_IN_PASTE
from medic.model import ObjectRef, Snapshot

# resource name in a Snapshot → the Kind shown in findings
KINDS = {
    "pods": "Pod",
    "nodes": "Node",
    "namespaces": "Namespace",
    "events": "Event",
    "persistentvolumes": "PersistentVolume",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "storageclasses": "StorageClass",
    "resourcequotas": "ResourceQuota",
    "limitranges": "LimitRange",
    "deployments": "Deployment",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
    "replicasets": "ReplicaSet",
    "jobs": "Job",
    "cronjobs": "CronJob",
    "services": "Service",
    "endpointslices": "EndpointSlice",
    "endpoints": "Endpoints",
    "ingresses": "Ingress",
    "mutatingwebhookconfigurations": "MutatingWebhookConfiguration",
    "validatingwebhookconfigurations": "ValidatingWebhookConfiguration",
    "customresourcedefinitions": "CustomResourceDefinition",
    "apiservices": "APIService",
    "poddisruptionbudgets": "PodDisruptionBudget",
    "horizontalpodautoscalers": "HorizontalPodAutoscaler",
    "leases": "Lease",
    "helmreleases": "HelmRelease",
    "secrets": "Secret",
    "configmaps": "ConfigMap",
    "certificates": "Certificate",  # cert-manager.io
}


def meta(obj: dict[str, Any]) -> dict[str, Any]:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def name_of(obj: dict[str, Any]) -> str:
    return str(meta(obj).get("name") or "")


def namespace_of(obj: dict[str, Any]) -> str:
    return str(meta(obj).get("namespace") or "")


def ref(kind: str, obj: dict[str, Any]) -> ObjectRef:
    """The ObjectRef of a raw object; ``kind`` is the snapshot resource name or a Kind."""
    return ObjectRef(KINDS.get(kind, kind), namespace_of(obj), name_of(obj))


def get(obj: Any, *path: str | int, default: Any = None) -> Any:
    """obj[path[0]][path[1]]... or ``default`` when any step is missing or of the wrong type."""
    cur = obj
    for p in path:
        if isinstance(p, int):
            if not isinstance(cur, list) or not -len(cur) <= p < len(cur):
                return default
        elif not isinstance(cur, dict) or p not in cur:
            return default
        cur = cur[p]
    return default if cur is None else cur


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """status.conditions by type."""
    return {
        str(c.get("type")): c for c in as_list(get(obj, "status", "conditions")) if isinstance(c, dict) and "type" in c
    }


def condition_true(obj: dict[str, Any], kind: str) -> bool | None:
    """True/False for a condition's status, None when the condition is absent or Unknown."""
    c = conditions(obj).get(kind)
    if c is None:
        return None
    status = str(c.get("status"))
    return True if status == "True" else False if status == "False" else None


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


# fields that say when something happened (not deadlines: ``deletionTimestamp`` and ``notAfter`` may lie in
# the future); the newest of them in a paste is the latest moment the paste shows
PAST_TIMES = frozenset(
    {
        "creationTimestamp",
        "lastTimestamp",
        "firstTimestamp",
        "eventTime",
        "lastObservedTime",
        "lastTransitionTime",
        "lastHeartbeatTime",
        "lastProbeTime",
        "lastUpdateTime",
        "startedAt",
        "finishedAt",
        "startTime",
        "completionTime",
        "lastScheduleTime",
        "lastSuccessfulTime",
        "renewTime",
        "acquireTime",
        "timeAdded",
        "updated",
        "last_deployed",
    }
)
MAX_TIME_WALK = 100_000  # values looked at for the newest time: a paste is small, a bundle never walked


def newest_time(snap: Snapshot) -> datetime | None:
    """The newest past timestamp the snapshot's objects show (``PAST_TIMES`` fields, at any depth)."""
    newest: datetime | None = None
    stack: list[Any] = [snap.objects]
    seen = 0
    while stack and seen < MAX_TIME_WALK:
        cur = stack.pop()
        seen += 1
        if isinstance(cur, dict):
            for k, v in cur.items():
                if isinstance(v, (dict, list)):
                    stack.append(v)
                elif k in PAST_TIMES and (t := parse_time(v)) is not None and (newest is None or t > newest):
                    newest = t
        elif isinstance(cur, list):
            stack.extend(x for x in cur if isinstance(x, (dict, list)))
    return newest


def snapshot_time(snap: Snapshot) -> datetime:
    """When the snapshot was taken (checks measure ages against it, so bundles give stable results).

    A partial snapshot (pasted output) was taken when it was pasted, not now: its ``meta["reference_time"]``
    when set, else the newest moment it shows (its newest timestamp, or ``collected_at`` when the parsers
    anchored relative ages there), so a 2019 paste does not read "pending for 2500 days"."""
    key = "snapshot_time"
    if key in snap.cache:
        cached: datetime = snap.cache[key]
        return cached
    t = parse_time(snap.meta.get("reference_time"))
    if t is None and snap.meta.get("partial"):
        seen = [x for x in (newest_time(snap), parse_time(snap.meta.get("collected_at"))) if x is not None]
        t = max(seen) if seen else None
    t = t or parse_time(snap.meta.get("collected_at")) or datetime.now(UTC)
    snap.cache[key] = t
    return t


def too_recent(snap: Snapshot, age: float | None, grace: float) -> bool:
    """The state is known to be younger than its grace period (``age`` < ``grace`` seconds).

    Pasted output whose only times are its own timestamps (no ``collected_at`` / ``reference_time``: a YAML,
    a describe) is measured from its newest timestamp, often the very object's: a short age proves nothing
    there, so the grace period is not applied (the operator pasted it because it stayed that way)."""
    if age is None or age >= grace:
        return False
    anchored = snap.meta.get("reference_time") or (
        # a paste's own newest timestamp (``collected_at_source``) is often the very object's: no anchor
        snap.meta.get("collected_at") and snap.meta.get("collected_at_source") != NEWEST_IN_PASTE
    )
    return not (snap.meta.get("partial") and not anchored)


def duration_text(age: float | None, grace: float) -> str:
    """How long a state has lasted, for a message: ``5h``; ``an unknown time`` when it is not known or
    shorter than the grace period (on pasted output ``too_recent`` lets those through)."""
    return human_age(age) if age is not None and age >= grace else "an unknown time"


def age_seconds(snap: Snapshot, value: Any) -> float | None:
    t = parse_time(value)
    return None if t is None else (snapshot_time(snap) - t).total_seconds()


def owner(obj: dict[str, Any], kind: str | None = None) -> dict[str, Any] | None:
    """The controller owner reference (or the first owner of ``kind``)."""
    for o in as_list(meta(obj).get("ownerReferences")):
        if not isinstance(o, dict):
            continue
        if kind is None and o.get("controller"):
            return o
        if kind is not None and o.get("kind") == kind:
            return o
    return None


def by_name(snap: Snapshot, kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Objects of a kind keyed by (namespace, name); built once per snapshot."""
    key = "by_name:" + kind
    if key not in snap.cache:
        snap.cache[key] = {(namespace_of(o), name_of(o)): o for o in snap.items(kind)}
    index: dict[tuple[str, str], dict[str, Any]] = snap.cache[key]
    return index


def events_for(snap: Snapshot, kind: str, namespace: str, name: str) -> list[dict[str, Any]]:
    """Events whose involvedObject (or regarding, events.k8s.io) is this object, oldest first."""
    if "events_by_object" not in snap.cache:
        index: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for ev in snap.items("events"):
            inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
            k = (str(inv.get("kind") or ""), str(inv.get("namespace") or ""), str(inv.get("name") or ""))
            index.setdefault(k, []).append(ev)
        for evs in index.values():
            evs.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        snap.cache["events_by_object"] = index
    found: list[dict[str, Any]] = snap.cache["events_by_object"].get((KINDS.get(kind, kind), namespace, name), [])
    return found


def event_line(ev: dict[str, Any]) -> str:
    """An event the way ``kubectl describe`` prints it: ``Warning  Reason  message``."""
    count = ev.get("count") or get(ev, "series", "count")
    times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
    msg = str(ev.get("message") or ev.get("note") or "")
    return f"{ev.get('type') or 'Normal'}  {ev.get('reason') or ''}  {msg}{times}".strip()


def warning_events(
    snap: Snapshot, kind: str, obj: dict[str, Any], reasons: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    evs = events_for(snap, kind, namespace_of(obj), name_of(obj))
    return [e for e in evs if e.get("type") == "Warning" and (not reasons or e.get("reason") in reasons)]


def container_statuses(pod: dict[str, Any], init: bool = False) -> Iterator[dict[str, Any]]:
    key = "initContainerStatuses" if init else "containerStatuses"
    for cs in as_list(get(pod, "status", key)):
        if isinstance(cs, dict):
            yield cs


# container names a ``kubectl get pods`` row does not show: the row's pod gets placeholders (``?``, ``?2``,
# ``?init``) that no finding should print
_PLACEHOLDER = re.compile(r"\?(init|\d*)")


def known_name(cs: dict[str, Any]) -> str:
    """The container's name; "" when it is not known (a placeholder of a ``get pods`` row)."""
    name = str(cs.get("name") or "")
    return "" if _PLACEHOLDER.fullmatch(name) else name


def pod_phase(pod: dict[str, Any]) -> str:
    return str(get(pod, "status", "phase", default=""))


def is_terminal(pod: dict[str, Any]) -> bool:
    return pod_phase(pod) in ("Succeeded", "Failed") and get(pod, "status", "reason") != "Evicted"


def labels(obj: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_dict(meta(obj).get("labels")).items()}


def selector_matches(selector: dict[str, Any] | None, lbls: dict[str, str]) -> bool:
    """A label selector (``matchLabels`` / ``matchExpressions``, or a plain map as Services use)."""
    if not selector:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(lbls.get(k) == str(v) for k, v in selector.items())
    if any(lbls.get(k) != str(v) for k, v in as_dict(selector.get("matchLabels")).items()):
        return False
    for expr in as_list(selector.get("matchExpressions")):
        key, op, values = expr.get("key"), expr.get("operator"), [str(v) for v in as_list(expr.get("values"))]
        has = key in lbls
        if op == "In" and (not has or lbls[key] not in values):
            return False
        if op == "NotIn" and has and lbls[key] in values:
            return False
        if op == "Exists" and not has:
            return False
        if op == "DoesNotExist" and has:
            return False
    return True


_QTY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
    "n": 1e-9,
    "u": 1e-6,
}


def quantity(value: Any) -> float | None:
    """A Kubernetes resource quantity (``500m``, ``2Gi``, ``1e3``) as a number; None if unreadable."""
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 2**1023 else math.inf  # float() of a larger int raises
    else:
        m = _QTY.match(str(value).strip())
        if not m or m.group(2) not in _SUFFIX:
            return None
        try:
            number = float(m.group(1)) * _SUFFIX[m.group(2)]
        except ValueError:
            return None
    return number if math.isfinite(number) else None  # 1e400, inf, nan: no quantity


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024
    return f"{n:.1f}TiB"


def pod_ready(pod: dict[str, Any]) -> bool:
    """The pod's Ready condition is True (all its containers pass their readiness probes)."""
    return condition_true(pod, "Ready") is True


def human_age(seconds: float | None) -> str:
    """A duration the way kubectl prints ages: ``45s``, ``12m``, ``5h``, ``3d4h``, ``247d``."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    if s < 3 * 3600:
        return f"{s // 60}m"
    if s < 48 * 3600:
        return f"{s // 3600}h"
    if s < 8 * 86400:
        days, hours = divmod(s // 3600, 24)
        return f"{days}d{hours}h" if hours else f"{days}d"
    return f"{s // 86400}d"


def scoped_collection(snap: Snapshot) -> bool:
    """True when only some namespaces were collected, so an object missing from the snapshot may exist."""
    ns = snap.meta.get("namespaces")
    return isinstance(ns, list) and bool(ns) and "*" not in ns


def pods_by_phase(snap: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Pods grouped by ``status.phase`` (``""`` when unknown); built once per snapshot."""
    key = "pods_by_phase"
    if key not in snap.cache:
        index: dict[str, list[dict[str, Any]]] = {}
        for pod in snap.items("pods"):
            st = pod.get("status")
            index.setdefault(str(st.get("phase") or "") if isinstance(st, dict) else "", []).append(pod)
        snap.cache[key] = index
    found: dict[str, list[dict[str, Any]]] = snap.cache[key]
    return found


def owned_by(snap: Snapshot, kind: str) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Objects of a kind keyed by their controller: (namespace, owner Kind, owner name); built once."""
    key = "owned_by:" + kind
    if key not in snap.cache:
        index: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for obj in snap.items(kind):  # owner() inlined: this runs over every pod of a large cluster
            md = obj.get("metadata")
            refs = md.get("ownerReferences") if isinstance(md, dict) else None
            if not isinstance(md, dict) or not isinstance(refs, list):
                continue
            for o in refs:
                if isinstance(o, dict) and o.get("controller"):
                    k = (str(md.get("namespace") or ""), str(o.get("kind") or ""), str(o.get("name") or ""))
                    index.setdefault(k, []).append(obj)
                    break
        snap.cache[key] = index
    found: dict[tuple[str, str, str], list[dict[str, Any]]] = snap.cache[key]
    return found


def workload_of(snap: Snapshot, obj: dict[str, Any]) -> tuple[str, str] | None:
    """(Kind, name) of the object's top controller: a ReplicaSet's Deployment, a Job's CronJob, else the
    controller itself; None for a bare object. Without ReplicaSets in the snapshot, a pod's Deployment is
    read from the ReplicaSet name (``<deployment>-<pod-template-hash>``)."""
    o = owner(obj)
    if o is None:
        return None
    kind, name = str(o.get("kind") or ""), str(o.get("name") or "")
    parent_kind = {"ReplicaSet": "replicasets", "Job": "jobs"}.get(kind)
    if parent_kind is None:
        return kind, name
    parent = by_name(snap, parent_kind).get((namespace_of(obj), name))
    if parent is not None:
        top = owner(parent)
        return (str(top.get("kind") or ""), str(top.get("name") or "")) if top is not None else (kind, name)
    pod_hash = labels(obj).get("pod-template-hash")
    if kind == "ReplicaSet" and pod_hash and name.endswith("-" + pod_hash):
        return "Deployment", name[: -len(pod_hash) - 1]
    return kind, name


def tolerates(tolerations: Any, taint: dict[str, Any]) -> bool:
    """True when one of the pod's tolerations matches the taint (key, value, effect, operator rules)."""
    t_key, t_value, t_effect = (
        str(taint.get("key") or ""),
        str(taint.get("value") or ""),
        str(taint.get("effect") or ""),
    )
    for tol in as_list(tolerations):
        if not isinstance(tol, dict):
            continue
        effect = str(tol.get("effect") or "")
        if effect and effect != t_effect:
            continue
        key = str(tol.get("key") or "")
        op = str(tol.get("operator") or "Equal")
        if not key:
            if op == "Exists":
                return True
            continue
        if key != t_key:
            continue
        if op == "Exists" or str(tol.get("value") or "") == t_value:
            return True
    return False


def event_age_seconds(snap: Snapshot, ev: dict[str, Any]) -> float | None:
    """Seconds since the event was last seen (core/v1 or events.k8s.io fields); None when it has no time."""
    for value in (
        ev.get("lastTimestamp"),
        get(ev, "series", "lastObservedTime"),
        ev.get("eventTime"),
        ev.get("firstTimestamp"),
        meta(ev).get("creationTimestamp"),
    ):
        age = age_seconds(snap, value)
        if age is not None:
            return age
    return None


def event_container(ev: dict[str, Any]) -> str | None:
    """The container an event is about, from ``involvedObject.fieldPath`` (``spec.containers{api}``)."""
    path = str(as_dict(ev.get("involvedObject") or ev.get("regarding")).get("fieldPath") or "")
    start, end = path.find("{"), path.rfind("}")
    return path[start + 1 : end] if 0 <= start < end else None


def log_tail(snap: Snapshot, pod: dict[str, Any], container: str, n: int = 5, previous: bool = False) -> list[str]:
    """The last ``n`` non-empty log lines collected for a container (its previous run when asked and kept)."""
    base = f"{namespace_of(pod)}/{name_of(pod)}/{container}"
    lines = snap.logs.get(base + "/previous") if previous else None
    lines = lines or snap.logs.get(base) or []
    return [ln for ln in lines if isinstance(ln, str) and ln.strip()][-n:]


def pod_problem(pod: dict[str, Any]) -> str | None:
    """One line on what keeps a pod from being ready, in the API's own words; None when it looks fine.

    ``api: CrashLoopBackOff: back-off 5m0s restarting failed container...``, ``Unschedulable: 0/3 nodes
    are available: ...``, ``Evicted: The node was low on resource: memory...``.
    """
    st = as_dict(pod.get("status"))
    if st.get("reason") == "Evicted":
        return f"Evicted: {st.get('message') or ''}".strip()
    sched = conditions(pod).get("PodScheduled")
    if sched is not None and sched.get("status") == "False":
        return f"{sched.get('reason') or 'NotScheduled'}: {sched.get('message') or ''}".strip()
    statuses = [(True, cs) for cs in container_statuses(pod, init=True)]
    statuses += [(False, cs) for cs in container_statuses(pod)]
    for init, cs in statuses:
        name = known_name(cs)
        label = ("init container " if init else "") + name if name else "an init container" if init else "a container"
        state = as_dict(cs.get("state"))
        waiting = as_dict(state.get("waiting"))
        terminated = as_dict(state.get("terminated"))
        if waiting and waiting.get("reason") not in ("ContainerCreating", "PodInitializing"):
            return f"{label}: {waiting.get('reason') or 'Waiting'}: {waiting.get('message') or ''}".strip(": ")
        if terminated and terminated.get("exitCode") not in (0, None):
            text = f"{label}: terminated {terminated.get('reason') or ''} exit code {terminated.get('exitCode')}"
            return " ".join(text.split())
        if not init and "running" in state and cs.get("ready") is False:
            return f"{label}: running but not ready"
    phase = str(st.get("phase") or "")
    if phase == "Pending":
        return "Pending: containers not started"
    if phase not in ("Running", "Succeeded") or meta(pod).get("deletionTimestamp"):
        return f"phase {phase or 'Unknown'}" + (", Terminating" if meta(pod).get("deletionTimestamp") else "")
    return None


def listed_completely(snap: Snapshot, kind: str, namespace: str = "") -> bool:
    """True when an object of ``kind`` (in ``namespace``; anywhere when it is "") missing from the snapshot is
    really missing: the kind was collected, no listing of it (there) was skipped (403, timeout...), and the
    namespace was within the collected scope. Checks that report something *absent* need this. For a
    namespaced kind asked about "anywhere", also check ``scoped_collection``."""
    if not snap.has(kind) or snap.meta.get("partial"):
        return False  # pasted output shows some objects, never all of them
    skipped = snap.meta.get("skipped")
    for s in skipped if isinstance(skipped, list) else ():
        if (
            isinstance(s, dict)
            and s.get("kind") == kind
            and (not namespace or s.get("namespace") in (None, "", namespace))
        ):
            return False  # asked about the whole cluster, any skipped namespace counts
    scope = snap.meta.get("namespaces")
    return not (namespace and isinstance(scope, list) and scope and "*" not in scope and namespace not in scope)


def unshown_events(snap: Snapshot, kind: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """On a partial snapshot (pasted output): the events about objects of ``kind`` (a resource name or a Kind)
    whose state the paste does not show, by (namespace, name), oldest first. A describe's Events table cut from its
    object, or ``get events`` rows, are then all a check has of that object; on a full snapshot, nothing."""
    if not snap.meta.get("partial"):
        return {}
    resource = next((r for r, k in KINDS.items() if k == kind), kind)
    # an object shown without its state (a describe's Tolerations and Events only) shows nothing to decide on
    shown = {(namespace_of(o), name_of(o)) for o in snap.items(resource) if o.get("status")}
    wanted = KINDS.get(resource, kind)
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for ev in snap.items("events"):
        inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
        key = (str(inv.get("namespace") or ""), str(inv.get("name") or ""))
        if inv.get("kind") == wanted and key[1] and key not in shown:
            found.setdefault(key, []).append(ev)
    for evs in found.values():
        evs.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
    return found


def after_last(events: list[dict[str, Any]], first: dict[str, Any]) -> list[dict[str, Any]]:
    """The events (oldest first) seen after ``first`` was last seen."""
    when = str(first.get("lastTimestamp") or first.get("eventTime") or "")
    return [e for e in events if str(e.get("lastTimestamp") or e.get("eventTime") or "") > when]
