"""ResourceQuota checks (QTA25x): creations refused by a quota, compute quotas without LimitRange defaults,
quotas nearly used up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.kube import (
    as_dict,
    as_list,
    event_line,
    get,
    listed_completely,
    name_of,
    namespace_of,
    quantity,
    ref,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

# the API server's words; before 1.9 it capitalised them (``Exceeded quota:``, ``Failed quota:``)
_EXCEEDED = re.compile(
    r"[Ee]xceeded quota: (?P<quota>[^,]+), requested: (?P<requested>.*?), used: (?P<used>.*?), "
    r"limited: (?P<limited>\S+)"
)
_MUST_SPECIFY = re.compile(r"[Ff]ailed quota: (?P<quota>[^:]+): must specify (?P<what>.+)")

# quota resources a pod must declare (or get from a LimitRange default) to be admitted, and the
# LimitRange field that supplies each
COMPUTE = {
    "limits.cpu": ("default", "cpu"),
    "limits.memory": ("default", "memory"),
    "requests.cpu": ("defaultRequest", "cpu"),
    "requests.memory": ("defaultRequest", "memory"),
    "cpu": ("defaultRequest", "cpu"),
    "memory": ("defaultRequest", "memory"),
}
NEARLY_FULL = 0.9
# controllers whose FailedCreate events the workload check (WKL507) reports when the kind was collected
CONTROLLERS = {"ReplicaSet": "replicasets", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "Job": "jobs"}


def _quota_events(snap: Snapshot) -> list[dict[str, Any]]:
    """Events whose message is a quota refusal, oldest first (one pass over the events, cached)."""
    key = "quotas:events"
    if key not in snap.cache:
        found = [
            e
            for e in snap.items("events")
            if "quota" in str(e.get("message") or "")
            and (_EXCEEDED.search(str(e.get("message"))) or _MUST_SPECIFY.search(str(e.get("message"))))
        ]
        found.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        snap.cache[key] = found
    events: list[dict[str, Any]] = snap.cache[key]
    return events


def _involved(ev: dict[str, Any]) -> ObjectRef:
    inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
    return ObjectRef(str(inv.get("kind") or "Object"), str(inv.get("namespace") or ""), str(inv.get("name") or ""))


@check(
    "QTA251",
    Severity.ERROR,
    "Object creation refused by a ResourceQuota",
    "creation refused by quota {quota}: {detail}",
    looks_at=("events",),
    links=(
        "kubernetes-scheduling.md#pods-not-created-failedcreate-exceeded-quota-on-the-replicaset",
        "kubernetes-scheduling.md#pods-not-created-failed-quota-must-specify-limitscpu-limitsmemory",
        "kubevirt-cdi.md#cdi-import-blocked-exceeded-quota-on-requestsstorage-scratch-space-needs-the-size-twice",
    ),
)
def quota_refused(snap: Snapshot) -> Iterator[Hit]:
    """A controller (ReplicaSet, StatefulSet, Job, a CDI importer...) could not create an object because a
    ResourceQuota admission refused it: ``exceeded quota`` (the namespace's budget for a resource is spent)
    or ``failed quota ... must specify`` (the quota tracks a resource the pod does not declare).

    Looks at events whose message is a quota refusal, one finding per object, from its latest refusal;
    an object that created pods successfully after its last refusal is not reported, nor are ReplicaSets,
    StatefulSets, DaemonSets and Jobs when those were collected (WKL507 reports them with their state).
    What remains is claims (CDI scratch and target claims) and other objects. For ``exceeded``,
    compare requested/used/limited: raise the quota, lower the requests or remove what is idle. For
    ``must specify``, set requests/limits in the pod template or add a LimitRange with defaults (QTA252).
    """
    last: dict[ObjectRef, dict[str, Any]] = {}
    for ev in _quota_events(snap):
        obj = _involved(ev)
        plural = CONTROLLERS.get(obj.kind)
        if plural and snap.has(plural):
            continue  # WKL507 reports controllers that cannot create their pods, with their state
        last[obj] = ev
    if not last:
        return
    created: dict[ObjectRef, str] = {}
    for ev in snap.items("events"):
        if ev.get("reason") == "SuccessfulCreate":
            t = str(ev.get("lastTimestamp") or ev.get("eventTime") or "")
            obj = _involved(ev)
            if t > created.get(obj, ""):
                created[obj] = t
    for obj, ev in last.items():
        when = str(ev.get("lastTimestamp") or ev.get("eventTime") or "")
        if when and created.get(obj, "") > when:
            continue
        msg = str(ev.get("message") or "")
        if m := _EXCEEDED.search(msg):
            quota = m.group("quota")
            detail = f"requested {m.group('requested')}, used {m.group('used')}, limited {m.group('limited')}"
        elif m := _MUST_SPECIFY.search(msg):
            quota, detail = m.group("quota"), "must specify " + m.group("what").strip()
        else:
            quota, detail = "?", msg[:200]
        yield Hit(obj, {"quota": quota.strip(), "detail": detail}, [event_line(ev)])


def _limitrange_defaults(snap: Snapshot) -> dict[str, set[tuple[str, str]]]:
    """Per namespace, the (field, resource) pairs its Container LimitRanges default: ("default", "cpu")..."""
    found: dict[str, set[tuple[str, str]]] = {}
    for lr in snap.items("limitranges"):
        have = found.setdefault(namespace_of(lr), set())
        for item in as_list(get(lr, "spec", "limits")):
            if not isinstance(item, dict) or item.get("type") != "Container":
                continue
            for res in as_dict(item.get("default")):
                have.add(("default", str(res)))
                have.add(("defaultRequest", str(res)))  # a default limit is also the default request
            for res in as_dict(item.get("defaultRequest")):
                have.add(("defaultRequest", str(res)))
    return found


@check(
    "QTA252",
    Severity.WARNING,
    "Compute ResourceQuota without LimitRange defaults",
    "quota {quota} sets {resources} but no LimitRange in the namespace gives defaults for {missing}: pods that "
    "omit them are refused ({refused})",
    looks_at=("resourcequotas", "limitranges", "events"),
    links=(
        "kubernetes-scheduling.md#pods-not-created-failed-quota-must-specify-limitscpu-limitsmemory",
        "kubevirt-cdi.md#cdi-importer-pod-not-created-failed-quota-must-specify-limitscpu-limitsmemory",
    ),
)
def quota_without_limitrange(snap: Snapshot) -> Iterator[Hit]:
    """A ResourceQuota sets ``limits.cpu``, ``limits.memory``, ``requests.cpu`` or ``requests.memory`` in a
    namespace where no LimitRange supplies defaults for them. Once a quota tracks a compute resource,
    every pod must declare it; pods that do not (sidecars injected by a mesh, pods created by operators
    such as CDI's importer or a chart's hooks) are refused with ``failed quota: <name>: must specify ...``
    and never appear, so nothing shows as Pending.

    Looks at each quota's ``spec.hard`` against the namespace's Container LimitRanges (``default``,
    ``defaultRequest``), and at events already showing such refusals. Add a LimitRange with ``default``
    and ``defaultRequest`` for the resources the quota tracks, or set them in every pod template.
    """
    if not snap.has("limitranges"):
        return
    defaults = _limitrange_defaults(snap)
    refused: dict[str, list[dict[str, Any]]] = {}
    for ev in _quota_events(snap):
        if "must specify" in str(ev.get("message")):
            refused.setdefault(_involved(ev).namespace, []).append(ev)
    for q in snap.items("resourcequotas"):
        scopes = [str(s) for s in as_list(get(q, "spec", "scopes"))]
        if "BestEffort" in scopes or not listed_completely(snap, "limitranges", namespace_of(q)):
            continue
        hard = as_dict(get(q, "spec", "hard")) or as_dict(get(q, "status", "hard"))
        tracked = sorted(r for r in hard if r in COMPUTE)
        if not tracked:
            continue
        have = defaults.get(namespace_of(q), set())
        missing = [r for r in tracked if COMPUTE[r] not in have]
        if not missing:
            continue
        evs = refused.get(namespace_of(q), [])
        yield Hit(
            ref("resourcequotas", q),
            {
                "quota": name_of(q),
                "resources": ", ".join(tracked),
                "missing": ", ".join(missing),
                "refused": f"{len(evs)} refusal event(s) seen" if evs else "none refused yet",
            },
            [event_line(e) for e in evs[-3:]] + [f"{r}   {hard[r]}" for r in tracked],
        )


@check(
    "QTA253",
    Severity.WARNING,
    "ResourceQuota nearly used up",
    "quota {quota} is at {worst} of a resource: {items}",
    looks_at=("resourcequotas",),
    links=("kubernetes-scheduling.md#pods-not-created-failedcreate-exceeded-quota-on-the-replicaset",),
)
def quota_nearly_full(snap: Snapshot) -> Iterator[Hit]:
    """A ResourceQuota's ``status.used`` is at 90 % or more of ``status.hard`` for some resource. The next
    pod, claim or scale-up that needs it will be refused with ``exceeded quota`` (QTA251), often during a
    rolling update, which needs room for the surge pods.

    Looks at ``status.hard`` and ``status.used`` of every quota (resources with a hard limit of 0 or 1 are
    left out: such limits forbid or single out a resource on purpose). Raise the quota before the next
    rollout, or release what is idle (scaled-down workloads still hold their claims).
    """
    for q in snap.items("resourcequotas"):
        hard = as_dict(get(q, "status", "hard"))
        used = as_dict(get(q, "status", "used"))
        full: list[tuple[float, str, str]] = []
        for res, h in hard.items():
            hv, uv = quantity(h), quantity(used.get(res, "0"))
            if hv is None or uv is None or hv < 2:
                continue
            if uv / hv >= NEARLY_FULL:
                full.append((uv / hv, str(res), f"{res} {used.get(res)}/{h}"))
        if not full:
            continue
        full.sort(reverse=True)
        yield Hit(
            ref("resourcequotas", q),
            {
                "quota": name_of(q),
                "worst": f"{full[0][0]:.0%}",
                "items": ", ".join(f"{text} ({ratio:.0%})" for ratio, _, text in full),
            },
            [f"{res}   {used.get(res)}   {hard[res]}" for _, res, _ in full],
        )
