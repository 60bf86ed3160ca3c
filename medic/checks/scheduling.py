"""Scheduling checks (SCH1xx): pods the scheduler cannot place, evictions, taints nobody tolerates, pods no
scheduler looks at, and workloads whose replicas all share one node."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from medic.checks.kube import (
    after_last,
    age_seconds,
    as_dict,
    as_list,
    conditions,
    event_age_seconds,
    event_line,
    events_for,
    get,
    human_age,
    labels,
    listed_completely,
    meta,
    name_of,
    namespace_of,
    owned_by,
    pod_problem,
    pods_by_phase,
    ref,
    selector_matches,
    tolerates,
    too_recent,
    unshown_events,
    warning_events,
    workload_of,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

# the scheduler retries at once and the cluster autoscaler may be adding a node: a pod unschedulable for
# less than this is not reported yet
UNSCHEDULABLE_GRACE_SECONDS = 60
# events older than this are history: the API server keeps events for an hour by default
EVENT_MAX_AGE = 3600.0
# a pod that no scheduler has looked at for this long is not waiting for a busy scheduler any more
UNSEEN_PENDING_SECONDS = 5 * 60

# what the scheduler's "0/N nodes are available: ..." message says, in the order found
_CAUSES = (
    ("untolerated taint", "untolerated taint"),
    ("taints that the pod didn't tolerate", "untolerated taint"),
    ("didn't match Pod's node affinity/selector", "node affinity/selector"),
    ("didn't match node selector", "node affinity/selector"),
    ("unbound immediate PersistentVolumeClaims", "unbound PVC"),
    ("persistentvolumeclaim", "unbound PVC"),
    ("volume node affinity conflict", "volume node affinity conflict"),
    ("Too many pods", "too many pods"),
    ("didn't match pod anti-affinity rules", "pod anti-affinity"),
    ("didn't match pod affinity rules", "pod affinity"),
    ("didn't satisfy existing pods anti-affinity rules", "pod anti-affinity"),
    ("didn't match pod topology spread constraints", "topology spread"),
    ("were unschedulable", "cordoned nodes"),
    ("didn't have free ports", "host port in use"),
    ("exceed max volume count", "volume count limit"),
    ("no nodes available", "no nodes"),
)
_INSUFFICIENT = re.compile(r"Insufficient ([\w./-]+)")
_SEGMENT = re.compile(r",\s+(?=\d+ )")  # "2 Insufficient cpu, 1 node(s) had ..." (taint values may hold commas)
_BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
Taint = tuple[str, str, str]  # key, value, effect


def _label(reason: str) -> str | None:
    m = _INSUFFICIENT.search(reason)
    if m:
        return "insufficient " + m.group(1)
    lowered = reason.lower()
    return next((label for pattern, label in _CAUSES if pattern.lower() in lowered), None)


def scheduler_causes(message: str) -> list[str]:
    """The reasons a scheduler message gives, short (``insufficient cpu``, ``untolerated taint``...), the one
    that rules out the most nodes first: ``0/6 nodes are available: 1 node(s) had untolerated taint {...},
    5 Insufficient cpu.`` gives ``insufficient cpu, untolerated taint``."""
    text = message.split(" preemption:", 1)[0]
    _, _, listed = text.partition("nodes are available:")
    counts: Counter[str] = Counter()
    for part in _SEGMENT.split(listed.strip().rstrip(".")) if listed else []:
        m = re.match(r"(\d+) (.*)", part.strip())
        label = _label(m.group(2) if m else part)
        if label:
            counts[label] += int(m.group(1)) if m else 0
    if not counts:  # no per-node counts: "pod has unbound immediate PersistentVolumeClaims", "... not found"
        for part in re.split(r"[.,] ", text):
            label = _label(part)
            if label:
                counts[label] += 0
    return [label for label, _ in counts.most_common()] or ["other"]


def _unschedulable(snap: Snapshot) -> Iterator[tuple[dict[str, Any], str]]:
    """Unscheduled Pending pods the scheduler has marked Unschedulable for a minute or more, with its message
    (the condition's, else the latest ``FailedScheduling`` event's)."""
    by_phase = pods_by_phase(snap)
    # a pod fragment whose phase is not shown (its conditions alone) is Pending when it is not scheduled
    for pod in by_phase.get("Pending", []) + by_phase.get("", []):
        if get(pod, "spec", "nodeName"):
            continue
        sched = conditions(pod).get("PodScheduled")
        if sched is None or sched.get("status") != "False" or sched.get("reason") != "Unschedulable":
            continue
        age = age_seconds(snap, sched.get("lastTransitionTime"))
        if too_recent(snap, age, UNSCHEDULABLE_GRACE_SECONDS):
            continue
        message = str(sched.get("message") or "")
        if not message:
            events = warning_events(snap, "pods", pod, ("FailedScheduling",))
            message = str(events[-1].get("message") or "") if events else ""
        yield pod, message


@check(
    "SCH101",
    Severity.ERROR,
    "Pod Pending: the scheduler finds no node for it (Unschedulable)",
    "pod is unschedulable ({causes}): {scheduler}",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-scheduling.md#pod-pending-failedscheduling-with-insufficient-cpu-or-insufficient-memory",
        "kubernetes-scheduling.md#pod-pending-nodes-had-untolerated-taint",
        "kubernetes-scheduling.md#pod-pending-nodes-didnt-match-pods-node-affinityselector",
        "kubernetes-scheduling.md#pod-pending-pod-has-unbound-immediate-persistentvolumeclaims",
        "kubernetes-scheduling.md#pod-pending-too-many-pods-on-every-node",
    ),
)
def unschedulable(snap: Snapshot) -> Iterator[Hit]:
    """A Pending pod has no node and its ``PodScheduled`` condition is ``False`` with reason
    ``Unschedulable`` for a minute or more (younger ones may be waiting for the cluster autoscaler).

    The message gives the causes read from the scheduler's own text, ``0/6 nodes are available: ...``:
    ``insufficient cpu`` / ``insufficient memory`` (requests larger than any node's free allocatable),
    ``untolerated taint``, ``node affinity/selector``, ``unbound PVC`` (the claim is Pending or missing),
    ``volume node affinity conflict`` (the volume lives in another zone), ``too many pods``, ``pod
    anti-affinity``, ``cordoned nodes``... followed by that text (the ``preemption:`` tail is in the
    evidence only). Each count in it is a number of nodes.

    What to do: depends on the cause; lower the requests or add capacity, add a toleration or remove the
    taint (SCH103 names it), fix the selector, or make the claim bind first (PVC checks).

    On pasted output the pod's ``FailedScheduling`` events alone are enough when the paste does not show
    the pod and no later event says it was scheduled.
    """
    yield from _unschedulable_from_events(snap)
    for pod, message in _unschedulable(snap):
        events = warning_events(snap, "pods", pod, ("FailedScheduling",))
        evidence = [message] + [event_line(e) for e in events[-1:] if str(e.get("message") or "") != message]
        yield Hit(
            ref("pods", pod),
            {
                "causes": ", ".join(scheduler_causes(message)),
                "scheduler": message.split(" preemption:", 1)[0].strip() or "no message",
            },
            evidence,
        )


def _unschedulable_from_events(snap: Snapshot) -> Iterator[Hit]:
    """SCH101 on a paste: pods the paste does not show whose recent ``FailedScheduling`` events span a
    minute or more, with no ``Scheduled`` event since (old events carry no type)."""
    for (ns, name), evs in sorted(unshown_events(snap, "Pod").items()):
        failed = [e for e in evs if e.get("reason") == "FailedScheduling" and e.get("type") in ("Warning", None, "")]
        if not failed or any(e.get("reason") == "Scheduled" for e in after_last(evs, failed[-1])):
            continue
        age = event_age_seconds(snap, failed[-1])
        if age is not None and age > EVENT_MAX_AGE:
            continue  # history: the pod may have been scheduled since
        first = min(str(e.get("firstTimestamp") or e.get("lastTimestamp") or "") for e in failed)
        if too_recent(snap, age_seconds(snap, first), UNSCHEDULABLE_GRACE_SECONDS):
            continue
        message = " ".join(str(failed[-1].get("message") or "").split())
        yield Hit(
            ObjectRef("Pod", ns, name),
            {
                "causes": ", ".join(scheduler_causes(message)),
                "scheduler": message.split(" preemption:", 1)[0].strip() or "no message",
            },
            [event_line(e) for e in failed[-2:]],
        )


@check(
    "SCH102",
    Severity.WARNING,
    "Pod evicted by the kubelet",
    "pod was evicted{node}: {message}",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-nodes-control-plane.md#pods-evicted-the-node-was-low-on-resource-ephemeral-storage-diskpressure",
    ),
)
def evicted(snap: Snapshot) -> Iterator[Hit]:
    """A pod is ``Failed`` with ``status.reason: Evicted``: the kubelet killed it to reclaim a resource the
    node ran short of. ``status.message`` says which (``The node was low on resource: ephemeral-storage``,
    ``memory``, ``The node had condition: [DiskPressure]``) and often which container used how much
    against its request.

    Evicted pods stay in the API until deleted; their controller has already replaced them, so the finding
    is about the node's pressure and the pod's usage rather than about the pod.

    What to do: give the container requests/limits that match its use (``ephemeral-storage`` for logs and
    scratch files), clean the node's disk or image cache, and delete the evicted pods
    (``kubectl delete pod --field-selector=status.phase=Failed``).

    On pasted output an ``Evicted`` event of a pod the paste does not otherwise show is enough (``get
    events``, a describe's events): the kubelet only sends it when it evicts.
    """
    if snap.meta.get("partial"):
        yield from _evicted_by_event(snap)
    for pod in pods_by_phase(snap).get("Failed", []):
        st = as_dict(pod.get("status"))
        if st.get("reason") != "Evicted":
            continue
        message = str(st.get("message") or "no message")
        events = [e for e in warning_events(snap, "pods", pod, ("Evicted",)) if e.get("message") != message]
        yield Hit(
            ref("pods", pod),
            {"node": f" from node {node}" if (node := get(pod, "spec", "nodeName")) else "", "message": message},
            [message] + [event_line(e) for e in events[-2:]],
        )


def _evicted_by_event(snap: Snapshot) -> Iterator[Hit]:
    """SCH102 on a paste: the latest ``Evicted`` event of each pod the snapshot does not hold."""
    pods = {(namespace_of(p), name_of(p)) for p in snap.items("pods") if p.get("status")}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for ev in snap.items("events"):
        inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
        if ev.get("reason") != "Evicted" or inv.get("kind") not in ("Pod", None, "") or not inv.get("name"):
            continue
        key = (str(inv.get("namespace") or ""), str(inv["name"]))
        if key not in pods:
            latest[key] = ev
    for (ns, name), ev in sorted(latest.items()):
        host = str(as_dict(ev.get("source")).get("host") or "")
        yield Hit(
            ObjectRef("Pod", ns, name),
            {"node": f" from node {host}" if host else "", "message": str(ev.get("message") or "no message")},
            [event_line(ev)],
        )


def _taint_text(taint: Taint) -> str:
    key, value, effect = taint
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


def _node_taint_groups(snap: Snapshot, selector: dict[str, Any]) -> Counter[tuple[Taint, ...]]:
    """Nodes matching a pod's ``nodeSelector`` (all for none), counted by their set of NoSchedule/NoExecute
    taints: few distinct sets even on 5,000 nodes, and one pass over the nodes per distinct selector."""
    key = "sch:taint_groups:" + json.dumps(selector, sort_keys=True)
    if key not in snap.cache:
        groups: Counter[tuple[Taint, ...]] = Counter()
        for node in snap.items("nodes"):
            if selector and not selector_matches(selector, labels(node)):
                continue
            taints = {
                (str(t.get("key") or ""), str(t.get("value") or ""), str(t.get("effect") or ""))
                for t in as_list(get(node, "spec", "taints"))
                if isinstance(t, dict) and t.get("effect") in _BLOCKING_EFFECTS
            }
            groups[tuple(sorted(taints))] += 1
        snap.cache[key] = groups
    found: Counter[tuple[Taint, ...]] = snap.cache[key]
    return found


@dataclass
class _Blocked:
    """The pods of one workload that taints keep off every node, and the taints."""

    message: str
    nodes: int
    selector: bool
    pods: list[str] = field(default_factory=list)
    taints: Counter[Taint] = field(default_factory=Counter)


def _untolerated(groups: Counter[tuple[Taint, ...]], tolerations: list[Any]) -> Counter[Taint] | None:
    """Untolerated taints and on how many nodes each sits, when every node has one; None when some node's
    taints are all tolerated."""
    blocking: Counter[Taint] = Counter()
    for taints, count in groups.items():
        untolerated = [t for t in taints if not tolerates(tolerations, {"key": t[0], "value": t[1], "effect": t[2]})]
        if not untolerated:
            return None
        for t in untolerated:
            blocking[t] += count
    return blocking


@check(
    "SCH103",
    Severity.ERROR,
    "Pending pods tolerate the taints of no node",
    "{pending} pending pod(s) tolerate the taints of none of the {nodes} {which}: {taints}",
    looks_at=("pods", "nodes"),
    links=("kubernetes-scheduling.md#pod-pending-nodes-had-untolerated-taint",),
    absent=("nodes",),  # "no node tolerates": the nodes not shown might
)
def untolerated_taints(snap: Snapshot) -> Iterator[Hit]:
    """Unschedulable Pending pods (as in SCH101) for which every node carries at least one ``NoSchedule`` or
    ``NoExecute`` taint the pod does not tolerate: no node can take them whatever the free capacity. One
    finding per workload (Deployment, StatefulSet, Job... or the bare pod), naming the taints and on how
    many nodes each sits.

    Typical cases: all workers cordoned (``node.kubernetes.io/unschedulable``) or NotReady
    (``node.kubernetes.io/not-ready``), a dedicated pool (``dedicated=gpu:NoSchedule``) the workload was
    meant for but has no toleration for, a taint left by maintenance. The nodes considered are those the
    pod's ``nodeSelector`` allows (node affinity is left to SCH101's message); a control-plane taint that
    other, untainted nodes make harmless is not reported.

    What to do: add the toleration to the workload's pod template, or remove the taint
    (``kubectl taint nodes <node> <key>-``), or uncordon the nodes.
    """
    if not snap.items("nodes"):
        return
    memo: dict[str, tuple[int, Counter[Taint] | None]] = {}
    found: dict[ObjectRef, _Blocked] = {}
    for pod, message in _unschedulable(snap):
        tolerations = as_list(get(pod, "spec", "tolerations"))
        selector = {str(k): str(v) for k, v in as_dict(get(pod, "spec", "nodeSelector")).items()}
        sig = json.dumps([tolerations, selector], sort_keys=True)
        if sig not in memo:
            groups = _node_taint_groups(snap, selector)
            memo[sig] = (sum(groups.values()), _untolerated(groups, tolerations) if groups else None)
        nodes, blocked = memo[sig]
        if blocked is None:
            continue
        wl = workload_of(snap, pod)
        obj = ObjectRef(wl[0], namespace_of(pod), wl[1]) if wl else ref("pods", pod)
        entry = found.setdefault(obj, _Blocked(message=message, nodes=nodes, selector=bool(selector)))
        entry.pods.append(name_of(pod))
        for t, n in blocked.items():
            entry.taints[t] = max(entry.taints[t], n)
    for obj, entry in found.items():
        text = ", ".join(f"{_taint_text(t)} on {n} node{'s' if n != 1 else ''}" for t, n in entry.taints.most_common(4))
        evidence = [entry.message] if entry.message else []
        more = " ..." if len(entry.pods) > 5 else ""
        evidence.append("pending: " + ", ".join(entry.pods[:5]) + more)
        which = "nodes their nodeSelector allows" if entry.selector else "nodes"
        yield Hit(obj, {"pending": len(entry.pods), "nodes": entry.nodes, "which": which, "taints": text}, evidence)


def _scheduler_pods(snap: Snapshot) -> list[str]:
    """What is wrong with the kube-scheduler pods, when the snapshot has them (``kube-system``)."""
    lines = []
    for pod in snap.items("pods"):
        if namespace_of(pod) == "kube-system" and name_of(pod).startswith("kube-scheduler"):
            problem = pod_problem(pod)
            if problem:
                lines.append(f"{name_of(pod)}: {problem}")
    return lines


@check(
    "SCH104",
    Severity.WARNING,
    "Pod Pending without any scheduling attempt",
    "pod has been Pending for {age} without a scheduling attempt: {why}",
    looks_at=("pods", "events"),
    absent=("events",),  # a paste without a FailedScheduling event says nothing about the scheduler
)
def never_scheduled(snap: Snapshot) -> Iterator[Hit]:
    """A Pending pod without a node, 5 minutes old or more, has no ``PodScheduled`` condition (or only
    ``SchedulingGated``) and no ``FailedScheduling`` or ``Scheduled`` event: no scheduler has looked at it.

    Causes, which the message names: ``spec.schedulingGates`` still set (a queueing controller such as
    Kueue holds the pod on purpose, or the controller that should lift the gate is down), a
    ``schedulerName`` naming a scheduler that does not run, or kube-scheduler itself down (evidence shows
    the kube-scheduler pods' state when they were collected).

    What to do: check the gate's controller, the custom scheduler's deployment, or kube-scheduler's pods
    and logs (``kubectl -n kube-system logs kube-scheduler-<node>``); a leader-election problem shows
    there.
    """
    scheduler_state: list[str] | None = None
    for pod in pods_by_phase(snap).get("Pending", []):
        if get(pod, "spec", "nodeName"):
            continue
        sched = conditions(pod).get("PodScheduled")
        if sched is not None and sched.get("reason") != "SchedulingGated":
            continue
        age = age_seconds(snap, meta(pod).get("creationTimestamp"))
        if age is None or age < UNSEEN_PENDING_SECONDS:
            continue
        if snap.has("events") and not listed_completely(snap, "events", namespace_of(pod)):
            continue  # events collected, but not those of this namespace (403, timeout)
        evs = events_for(snap, "pods", namespace_of(pod), name_of(pod))
        if any(e.get("reason") in ("FailedScheduling", "Scheduled") for e in evs):
            continue
        gates = [str(g.get("name")) for g in as_list(get(pod, "spec", "schedulingGates")) if isinstance(g, dict)]
        scheduler = str(get(pod, "spec", "schedulerName", default="default-scheduler"))
        evidence: list[str] = []
        if gates:
            why = "held by scheduling gates " + ", ".join(gates)
        elif scheduler != "default-scheduler":
            why = f"its schedulerName is {scheduler}; is that scheduler running?"
        else:
            why = "is kube-scheduler running?"
            if scheduler_state is None:
                scheduler_state = _scheduler_pods(snap)
            evidence = scheduler_state
        yield Hit(ref("pods", pod), {"age": human_age(age), "why": why}, evidence)


@check(
    "SCH105",
    Severity.INFO,
    "All replicas of a workload run on one node",
    "all {count} running pods of {kind} {name} are on node {node}: losing that node stops the whole workload",
    looks_at=("pods", "nodes", "replicasets"),
    absent=("pods", "nodes"),  # "all on one node" needs every pod of the workload and every node
)
def single_node_workload(snap: Snapshot) -> Iterator[Hit]:
    """Every running pod of a ReplicaSet (reported on its Deployment) or StatefulSet with two or more
    running pods is on the same node, while the cluster has at least two schedulable nodes: the replicas
    give no protection against that node failing or being drained.

    Pods pinned to one host on purpose (``nodeSelector`` on ``kubernetes.io/hostname``) are not reported.

    What to do: spread the pods with ``topologySpreadConstraints`` (``topologyKey:
    kubernetes.io/hostname``) or a preferred ``podAntiAffinity``; then restart the rollout so the scheduler
    places them again.
    """
    schedulable = sum(1 for n in snap.items("nodes") if not get(n, "spec", "unschedulable"))
    if schedulable < 2:
        return
    for (ns, kind, owner_name), pods in owned_by(snap, "pods").items():
        if kind not in ("ReplicaSet", "StatefulSet"):
            continue
        nodes: set[str] = set()
        running = 0
        for pod in pods:
            st = pod.get("status")
            if not isinstance(st, dict) or st.get("phase") != "Running":
                continue
            spec = as_dict(pod.get("spec"))
            nodes.add(str(spec.get("nodeName") or ""))
            running += 1
            if len(nodes) > 1:
                break
        if running < 2 or len(nodes) != 1:
            continue
        if "kubernetes.io/hostname" in as_dict(get(pods[0], "spec", "nodeSelector")):
            continue
        wl = workload_of(snap, pods[0]) or (kind, owner_name)
        yield Hit(
            ObjectRef(wl[0], ns, wl[1]),
            {"count": running, "kind": wl[0], "name": wl[1], "node": next(iter(nodes))},
        )
