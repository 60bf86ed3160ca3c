"""Node checks (NODE3xx): NotReady and unknown status, pressure conditions, network, cordons, kubelet skew."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.kube import (
    age_seconds,
    as_dict,
    as_list,
    conditions,
    event_age_seconds,
    event_line,
    get,
    human_age,
    labels,
    name_of,
    ref,
    warning_events,
)
from medic.checks.registry import Hit, check
from medic.model import Severity, Snapshot

# the node conditions the kubelet itself sets; node-problem-detector and vendors add others, whose
# meaning and polarity vary (reporting them as problems is a known source of false positives)
PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure")
# the taint the node lifecycle controller adds for each (what ``describe node`` shows under Taints)
PRESSURE_TAINTS = {
    "MemoryPressure": "node.kubernetes.io/memory-pressure",
    "DiskPressure": "node.kubernetes.io/disk-pressure",
    "PIDPressure": "node.kubernetes.io/pid-pressure",
}
# the kubelet's node events: the one that says a condition became True, and the one that clears it
PRESSURE_EVENTS = {
    "NodeHasDiskPressure": ("DiskPressure", True),
    "NodeHasNoDiskPressure": ("DiskPressure", False),
    "NodeHasInsufficientMemory": ("MemoryPressure", True),
    "NodeHasSufficientMemory": ("MemoryPressure", False),
    "NodeHasInsufficientPID": ("PIDPressure", True),
    "NodeHasSufficientPID": ("PIDPressure", False),
}


def _eviction_condition(message: str) -> str:
    """The condition an ``EvictionThresholdMet`` event is about: ``Attempting to reclaim memory`` ..."""
    text = message.lower()
    return "MemoryPressure" if "memory" in text else "PIDPressure" if "pid" in text else "DiskPressure"


# the taints the node lifecycle controller adds when Ready is Unknown (the kubelet stopped reporting) or False
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
# the reason the node controller writes on every kubelet condition at once when the kubelet stops reporting
STATUS_UNKNOWN = "NodeStatusUnknown"


def _taint_keys(node: dict[str, Any]) -> set[str]:
    return {str(t.get("key")) for t in as_list(get(node, "spec", "taints")) if isinstance(t, dict)}


def inferred_ready(node: dict[str, Any]) -> dict[str, Any] | None:
    """The node's Ready condition when the paste cut it off (a describe's Conditions table cut after its
    header or its first rows), from what the node controller writes with it: the ``unreachable`` taint or
    a condition whose reason is ``NodeStatusUnknown`` (all of them turn Unknown together) for Unknown, the
    ``not-ready`` taint for False. None when the Ready condition is shown or nothing says."""
    conds = conditions(node)
    if "Ready" in conds:
        return None
    unknown = [c for c in conds.values() if c.get("status") == "Unknown" and c.get("reason") == STATUS_UNKNOWN]
    taints = _taint_keys(node)
    if unknown or UNREACHABLE_TAINT in taints:
        cond = dict(unknown[0]) if unknown else {"message": f"taint {UNREACHABLE_TAINT}"}
        return cond | {"type": "Ready", "status": "Unknown", "reason": STATUS_UNKNOWN}
    if NOT_READY_TAINT in taints:
        return {"type": "Ready", "status": "False", "reason": "NodeNotReady", "message": f"taint {NOT_READY_TAINT}"}
    return None


def _ready(node: dict[str, Any]) -> dict[str, Any] | None:
    """The node's Ready condition, shown or inferred (``inferred_ready``)."""
    return conditions(node).get("Ready") or inferred_ready(node)


def _pressure_events(snap: Snapshot) -> dict[tuple[str, str], dict[str, Any]]:
    """(node, condition) → the latest event saying the node is under that pressure, when no later event
    cleared it."""
    latest: dict[tuple[str, str], tuple[dict[str, Any], bool]] = {}
    evs = [e for e in snap.items("events") if isinstance(e, dict)]
    evs.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
    for ev in evs:
        inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
        if inv.get("kind") not in ("Node", None, "") or not inv.get("name"):
            continue
        reason = str(ev.get("reason") or "")
        if reason == "EvictionThresholdMet":
            cond, on = _eviction_condition(str(ev.get("message") or "")), True
        elif reason in PRESSURE_EVENTS:
            cond, on = PRESSURE_EVENTS[reason]
        else:
            continue
        latest[(str(inv["name"]), cond)] = (ev, on)
    return {k: ev for k, (ev, on) in latest.items() if on}


def _condition_hit(snap: Snapshot, node: dict[str, Any], cond: dict[str, Any], **params: Any) -> Hit:
    age = age_seconds(snap, cond.get("lastTransitionTime"))
    since = f" for {human_age(age)}" if age is not None else ""
    msg = str(cond.get("message") or "")
    evidence = [msg, *[event_line(e) for e in warning_events(snap, "nodes", node)[-3:]]]
    return Hit(
        ref("nodes", node),
        {"reason": cond.get("reason") or "no reason", "detail": msg or "no message", "since": since, **params},
        evidence,
    )


@check(
    "NODE301",
    Severity.ERROR,
    "Node NotReady",
    "node is NotReady{since}: {reason}: {detail}",
    looks_at=("nodes", "events"),
    links=(
        "kubernetes-nodes-control-plane.md#node-flapping-notready-pleg-is-not-healthy",
        "kubernetes-network.md#failedcreatepodsandbox-cni-failed-to-set-up-the-pod-network",
        "kubernetes-nodes-control-plane.md#node-notready-kubelet-stopped-posting-node-status",
    ),
)
def node_not_ready(snap: Snapshot) -> Iterator[Hit]:
    """The node's ``Ready`` condition is ``False``: the kubelet is running and reporting, and says the
    node cannot run pods. The condition's reason and message say why: ``container runtime network not
    ready ... cni plugin not initialized`` (the CNI agent on the node is down), ``PLEG is not healthy``
    (the container runtime is too slow or hung), ``container runtime is down``.

    Looks at ``status.conditions[Ready]`` and the node's warning events. Fix the component the message
    names (CNI daemonset pod on that node, containerd/docker, the kubelet's logs:
    ``journalctl -u kubelet``); drain the node if it does not recover. A node whose kubelet stopped
    reporting at all is NODE302. Where a paste cut the Ready row off, the ``node.kubernetes.io/not-ready``
    taint the node controller adds with it says the same.
    """
    for node in snap.items("nodes"):
        cond = _ready(node)
        if cond is not None and cond.get("status") == "False":
            yield _condition_hit(snap, node, cond)


@check(
    "NODE302",
    Severity.ERROR,
    "Node NotReady (status Unknown): the kubelet stopped posting node status",
    "node is NotReady (status Unknown): the kubelet stopped posting node status{heartbeat} ({detail})",
    looks_at=("nodes", "events"),
    links=("kubernetes-nodes-control-plane.md#node-notready-kubelet-stopped-posting-node-status",),
)
def node_status_unknown(snap: Snapshot) -> Iterator[Hit]:
    """The node's ``Ready`` condition is ``Unknown`` (reason ``NodeStatusUnknown``): the node controller
    has not heard from the kubelet for longer than the grace period. The machine may be down, out of
    memory, partitioned from the API server, or the kubelet may have stopped (expired client certificate,
    crashed service). After about five minutes its pods are marked for eviction and the node gets the
    ``node.kubernetes.io/unreachable`` taint.

    Looks at ``status.conditions[Ready]`` and its ``lastHeartbeatTime``. Check the machine from the cloud
    console or over SSH, then ``systemctl status kubelet`` and ``journalctl -u kubelet``; replace the node
    if it cannot be recovered (its stateful pods stay Terminating until it is deleted).

    Where a paste cut the Ready row off (a describe's Conditions table cut after its header or its first
    rows), another condition turned Unknown with reason ``NodeStatusUnknown`` or the
    ``node.kubernetes.io/unreachable`` taint says the same: the node controller sets them together.
    """
    for node in snap.items("nodes"):
        cond = _ready(node)
        if cond is None or cond.get("status") != "Unknown":
            continue
        age = age_seconds(snap, cond.get("lastHeartbeatTime"))
        heartbeat = f", last reported {human_age(age)} ago" if age is not None else ""
        yield _condition_hit(snap, node, cond, heartbeat=heartbeat)


@check(
    "NODE303",
    Severity.WARNING,
    "Node under memory, disk or PID pressure",
    "node reports {condition}{since}: {detail}",
    looks_at=("nodes", "events"),  # either is enough: a pasted pressure event or taint tells it
    links=(
        "kubernetes-nodes-control-plane.md#pods-evicted-the-node-was-low-on-resource-ephemeral-storage-diskpressure",
    ),
)
def node_pressure(snap: Snapshot) -> Iterator[Hit]:
    """One of the kubelet's own pressure conditions is ``True``: ``MemoryPressure``, ``DiskPressure``
    (node file system or image file system below the eviction threshold) or ``PIDPressure``. The kubelet
    evicts pods to recover and the node is tainted so no new pods land on it. Condition types added by
    node-problem-detector or vendors are not read: their polarity and meaning vary.

    Looks at those three conditions and the node's warning events (``EvictionThresholdMet``,
    ``FreeDiskSpaceFailed``). Where the node's condition is not known (pasted output: a ``get nodes`` row,
    events alone), the kubelet's pressure taint (``node.kubernetes.io/disk-pressure``...) or its latest
    pressure event (``NodeHasDiskPressure``, ``EvictionThresholdMet``...) not followed by the event that
    clears it says the same. For disk: find what fills ``/var/lib/containerd`` or ``/var/log``
    (unused images, container logs, emptyDir volumes); for memory and PIDs: the pods without limits on the
    node.
    """
    nodes = {name_of(n): n for n in snap.items("nodes")}
    for node in nodes.values():
        conds = conditions(node)
        for name in PRESSURE:
            cond = conds.get(name)
            if cond is not None and cond.get("status") == "True":
                yield _condition_hit(snap, node, cond, condition=name)
    by_event = _pressure_events(snap)
    for node_name in sorted(set(nodes) | {n for n, _ in by_event}):
        node = nodes.get(node_name, {"metadata": {"name": node_name}})
        conds = conditions(node)
        taints = {str(t.get("key")): t for t in as_list(get(node, "spec", "taints")) if isinstance(t, dict)}
        for name in PRESSURE:
            if name in conds:
                continue  # the condition itself decides (above)
            taint = taints.get(PRESSURE_TAINTS[name])
            ev = by_event.get((node_name, name))
            if taint is None and ev is None:
                continue
            if ev is not None:
                age = event_age_seconds(snap, ev)
                detail = f"{ev.get('reason')}: {ev.get('message') or ''}".strip(": ")
            else:
                age = age_seconds(snap, as_dict(taint).get("timeAdded"))
                detail = f"taint {PRESSURE_TAINTS[name]}:{as_dict(taint).get('effect') or 'NoSchedule'}"
            yield Hit(
                ref("nodes", node),
                {"condition": name, "since": f" for {human_age(age)}" if age is not None else "", "detail": detail},
                [event_line(ev)] if ev is not None else [detail],
            )


@check(
    "NODE304",
    Severity.ERROR,
    "Node network unavailable",
    "node reports NetworkUnavailable{since}: {reason}: {detail}",
    looks_at=("nodes", "events"),
    links=("kubernetes-network.md#failedcreatepodsandbox-cni-failed-to-set-up-the-pod-network",),
)
def node_network_unavailable(snap: Snapshot) -> Iterator[Hit]:
    """The node's ``NetworkUnavailable`` condition is ``True``: its pod network is not configured, so
    pods there cannot reach others (set by the cloud route controller, ``NoRouteCreated``, or by the CNI
    plugin, such as Calico's ``CalicoIsDown``).

    Looks at ``status.conditions[NetworkUnavailable]``. Check the CNI daemonset pod on that node and
    its logs, and for cloud routes the cloud controller manager's logs (route table limits, permissions).
    """
    for node in snap.items("nodes"):
        cond = conditions(node).get("NetworkUnavailable")
        if cond is not None and cond.get("status") == "True":
            yield _condition_hit(snap, node, cond)


@check(
    "NODE305",
    Severity.INFO,
    "Node cordoned (SchedulingDisabled)",
    "node is cordoned{since}: no new pods are scheduled on it",
    looks_at=("nodes",),
    links=(
        "kubernetes-scheduling.md#node-drain-blocked-cannot-evict-pod-as-it-would-violate-the-pods-disruption-budget",
    ),
)
def node_cordoned(snap: Snapshot) -> Iterator[Hit]:
    """The node has ``spec.unschedulable: true`` (``kubectl cordon`` or a drain): it keeps its pods
    but gets no new ones. Expected during maintenance; a node left cordoned after it quietly shrinks the
    cluster's capacity, and a drain that stopped halfway (a PodDisruptionBudget) leaves it so.

    Looks at ``spec.unschedulable`` and when the ``node.kubernetes.io/unschedulable`` taint was added.
    ``kubectl uncordon <node>`` when the maintenance is over.
    """
    for node in snap.items("nodes"):
        if get(node, "spec", "unschedulable") is not True:
            continue
        since = ""
        for taint in as_list(get(node, "spec", "taints")):
            if isinstance(taint, dict) and taint.get("key") == "node.kubernetes.io/unschedulable":
                age = age_seconds(snap, taint.get("timeAdded"))
                since = f" for {human_age(age)}" if age is not None else ""
        ready = conditions(node).get("Ready", {}).get("status", "Unknown")
        status = "Ready" if ready == "True" else "NotReady"
        yield Hit(
            ref("nodes", node),
            {"since": since},
            [f"{name_of(node)}   {status},SchedulingDisabled   {_roles(node)}   {_kubelet(node)}"],
        )


def _roles(node: dict[str, Any]) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix) :] for k in labels(node) if k.startswith(prefix))
    return ",".join(r for r in roles if r) or "<none>"


def _kubelet(node: dict[str, Any]) -> str:
    return str(get(node, "status", "nodeInfo", "kubeletVersion", default=""))


_VERSION = re.compile(r"v?(\d{1,9})\.(\d{1,9})\b")  # more digits are no version (and int() refuses 4300)


def minor_version(text: Any) -> tuple[int, int] | None:
    """(major, minor) of ``v1.29.2``, ``v1.27.3-eks-a5565ad``, ``1.25.6+k3s1``."""
    m = _VERSION.search(str(text or ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


def control_plane_version(snap: Snapshot) -> tuple[tuple[int, int], str] | None:
    """The API server's version: from the snapshot's meta (``cluster_version``, a string or the /version
    object), else from the kube-apiserver static pod's image tag."""
    cv = snap.meta.get("cluster_version") or snap.meta.get("server_version")
    if isinstance(cv, dict):
        cv = cv.get("gitVersion") or f"{cv.get('major', '')}.{str(cv.get('minor', '')).rstrip('+')}"
    if cv and (v := minor_version(cv)):
        return v, str(cv)
    for pod in snap.items("pods"):
        if get(pod, "metadata", "namespace") != "kube-system":
            continue
        if labels(pod).get("component") != "kube-apiserver":
            continue
        for c in as_list(get(pod, "spec", "containers")):
            image = str(as_dict(c).get("image") or "")
            tag = image.rsplit(":", 1)[-1] if ":" in image else ""
            if tag and (v := minor_version(tag)):
                return v, tag
    return None


def allowed_kubelet_skew(api: tuple[int, int]) -> int:
    """Minor versions a kubelet may lag the API server: 3 from Kubernetes 1.28, 2 before."""
    return 3 if api >= (1, 28) else 2


@check(
    "NODE306",
    Severity.WARNING,
    "Kubelet version outside the supported skew",
    "kubelet {kubelet} on {count} node(s) ({nodes}) {problem}",
    looks_at=("nodes", "pods"),
)
def kubelet_skew(snap: Snapshot) -> Iterator[Hit]:
    """A node's kubelet is newer than the API server, or older than the supported skew (three minor
    versions from Kubernetes 1.28, two before). Out-of-skew kubelets are untested against the control
    plane: some API fields are ignored or rejected, and the next control-plane upgrade will leave them
    behind for good. Usually a node pool left out of an upgrade.

    Looks at ``status.nodeInfo.kubeletVersion`` of every node against the control plane's version (the
    snapshot's cluster version, or the kube-apiserver pod's image); without it, against the newest
    kubelet (the API server is at least as new). One finding per kubelet version. Upgrade the node pool
    (or replace its nodes) one minor version at a time; upgrade the control plane first.
    """
    cp = control_plane_version(snap)
    groups: dict[str, list[dict[str, Any]]] = {}
    for node in snap.items("nodes"):
        if minor_version(_kubelet(node)):
            groups.setdefault(_kubelet(node), []).append(node)
    if not groups:
        return
    if cp is not None:
        ref_version, ref_text, what = cp[0], cp[1], "the control plane"
    else:
        newest = max(groups, key=lambda k: minor_version(k) or (0, 0))
        ref_version, ref_text, what = minor_version(newest) or (0, 0), newest, "the newest kubelet"
    allowed = allowed_kubelet_skew(ref_version)
    for kubelet, nodes in sorted(groups.items()):
        v = minor_version(kubelet) or (0, 0)
        if v[0] != ref_version[0]:
            continue
        lag = ref_version[1] - v[1]
        if lag < 0 and cp is not None:
            problem = f"is newer than {what} {ref_text}: kubelets must not be newer than the API server"
        elif lag > allowed:
            problem = f"is {lag} minor versions behind {what} {ref_text} (at most {allowed} supported)"
        else:
            continue
        nodes.sort(key=name_of)
        names = ", ".join(name_of(n) for n in nodes[:5]) + (", ..." if len(nodes) > 5 else "")
        yield Hit(
            ref("nodes", nodes[0]),
            {"kubelet": kubelet, "count": len(nodes), "nodes": names, "problem": problem},
            [f"{name_of(n)}   {_roles(n)}   {kubelet}" for n in nodes[:3]],
        )
