"""Workload checks (WKL5xx): Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, HPAs and PDBs
that do not reach, or keep the cluster from reaching, the state they ask for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.kube import (
    age_seconds,
    as_dict,
    as_list,
    by_name,
    conditions,
    event_age_seconds,
    event_line,
    get,
    human_age,
    listed_completely,
    log_tail,
    meta,
    name_of,
    namespace_of,
    owned_by,
    owner,
    parse_time,
    pod_problem,
    ref,
    unshown_events,
    warning_events,
    workload_of,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

# events older than this are history (the API server keeps events for an hour by default)
EVENT_MAX_AGE = 3600.0
# Progressing reasons while a rollout is under way: the progress deadline (WKL502) judges those
ROLLOUT_REASONS = ("ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet")
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _pods_by_workload(snap: Snapshot) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Pods by (namespace, top controller Kind, name): a Deployment's pods through its ReplicaSets."""
    key = "wkl:pods_by_workload"
    if key not in snap.cache:
        index: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for pod in snap.items("pods"):
            wl = workload_of(snap, pod)
            if wl is not None:
                index.setdefault((namespace_of(pod), wl[0], wl[1]), []).append(pod)
        snap.cache[key] = index
    found: dict[tuple[str, str, str], list[dict[str, Any]]] = snap.cache[key]
    return found


def _deployment_pods(snap: Snapshot, dep: dict[str, Any]) -> list[dict[str, Any]]:
    """A Deployment's pods: through its ReplicaSets when they were collected (two index lookups), else by
    the ReplicaSet names the pods carry (one pass over all pods, once)."""
    ns, name = namespace_of(dep), name_of(dep)
    if not snap.has("replicasets"):
        return _pods_by_workload(snap).get((ns, "Deployment", name), [])
    pods_by_owner = owned_by(snap, "pods")
    found: list[dict[str, Any]] = []
    for rs in owned_by(snap, "replicasets").get((ns, "Deployment", name), []):
        found += pods_by_owner.get((ns, "ReplicaSet", name_of(rs)), [])
    return found


def _plainly_healthy(pod: dict[str, Any]) -> bool:
    """Running, not being deleted, every container ready: the quick test that spares most pods the full
    reading of ``pod_problem``."""
    st, md = pod.get("status"), pod.get("metadata")
    if (
        not isinstance(st, dict)
        or st.get("phase") != "Running"
        or (isinstance(md, dict) and md.get("deletionTimestamp"))
    ):
        return False
    statuses = st.get("containerStatuses")
    return isinstance(statuses, list) and all(isinstance(cs, dict) and cs.get("ready") for cs in statuses)


def _pod_lines(pods: list[dict[str, Any]], limit: int = 4) -> list[str]:
    """What keeps the first few of these pods from being ready, in the API's words, one line each."""
    lines: list[str] = []
    for pod in sorted((p for p in pods if not _plainly_healthy(p)), key=name_of):
        problem = pod_problem(pod)
        if problem:
            lines.append(f"pod {name_of(pod)}: {problem}")
            if len(lines) >= limit:
                break
    return lines


def _recent_warnings(
    snap: Snapshot, kind: str, obj: dict[str, Any], reasons: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    out = []
    for ev in warning_events(snap, kind, obj, reasons):
        age = event_age_seconds(snap, ev)
        if age is None or age <= EVENT_MAX_AGE:
            out.append(ev)
    return out


def _cond_line(c: dict[str, Any] | None) -> str:
    if not c:
        return ""
    return f"{c.get('type')} {c.get('status')} {c.get('reason') or ''}: {c.get('message') or ''}".strip(" :")


# claims looked up per StatefulSet template: far above any real StatefulSet, and a ``replicas: 1e9``
# written by hand (or by an attacker) costs a bounded list instead of a billion names
MAX_ORDINALS = 10_000


def _replicas(obj: dict[str, Any]) -> int:
    """spec.replicas, 1 when unset (the API default)."""
    value = get(obj, "spec", "replicas")
    return 1 if value is None else _int(value, 1)


@check(
    "WKL501",
    Severity.WARNING,
    "Deployment has fewer available replicas than desired",
    "{available}/{desired} replicas available ({ready} ready, {updated} up to date){paused}",
    looks_at=("deployments", "replicasets", "pods"),
    links=("kubernetes-network.md#service-has-no-endpoints-selector-or-readiness-mismatch",),
)
def deployment_not_ready(snap: Snapshot) -> Iterator[Hit]:
    """A Deployment that is not rolling out has ``status.availableReplicas`` below ``spec.replicas``: some of
    its pods are missing, not ready, or not ready for ``minReadySeconds`` yet.

    Deployments in the middle of a rollout (``Progressing`` with reason ``ReplicaSetUpdated``...) are left
    to the progress deadline (WKL502), which also covers a rollout that stalled. The evidence names what
    holds the unavailable pods back (waiting reasons, scheduler messages), so the pod-level finding that
    explains it is easy to find; it is a warning because that pod-level finding is the error.

    What to do: ``kubectl describe deployment`` and the pods' findings (POD1xx, SCH1xx); a
    ``ReplicaFailure`` condition means the pods could not even be created (WKL507).
    """
    for dep in snap.items("deployments"):
        desired = _replicas(dep)
        st = as_dict(dep.get("status"))
        available = _int(st.get("availableReplicas"))
        if desired == 0 or available >= desired:
            continue
        conds = conditions(dep)
        progressing = conds.get("Progressing") or {}
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            continue  # WKL502
        if progressing.get("status") == "True" and progressing.get("reason") in ROLLOUT_REASONS:
            continue
        evidence = [_cond_line(conds.get("Available")), _cond_line(conds.get("ReplicaFailure"))]
        evidence += _pod_lines(_deployment_pods(snap, dep))
        yield Hit(
            ref("deployments", dep),
            {
                "available": available,
                "desired": desired,
                "ready": _int(st.get("readyReplicas")),
                "updated": _int(st.get("updatedReplicas")),
                "paused": "; the Deployment is paused" if get(dep, "spec", "paused") else "",
            },
            evidence,
        )


_RS_IN_MESSAGE = re.compile(r'ReplicaSet "([^"]+)"')


@check(
    "WKL502",
    Severity.ERROR,
    "Deployment rollout stuck (ProgressDeadlineExceeded)",
    "rollout has made no progress for {deadline}: {message}{available}",
    looks_at=("deployments", "replicasets", "pods"),
    links=("kubernetes-pods.md#deployment-rollout-stuck-progressdeadlineexceeded",),
)
def rollout_stuck(snap: Snapshot) -> Iterator[Hit]:
    """The Deployment's ``Progressing`` condition is ``False`` with reason ``ProgressDeadlineExceeded``: its
    new ReplicaSet has not brought up a new available pod for ``progressDeadlineSeconds`` (600 by default).
    The rollout does not roll back by itself; old pods keep serving if ``maxUnavailable`` left them.

    The evidence lists what the new ReplicaSet's pods are stuck on (image pull, crash loop, unschedulable,
    failing readiness) and its ``ReplicaFailure`` condition when pods could not be created at all.

    On pasted output ``error: deployment "<name>" exceeded its progress deadline`` (``kubectl rollout
    status``) is enough: kubectl prints it when it reads that condition.

    What to do: fix what the pods say and the rollout resumes, or ``kubectl rollout undo deployment/<name>``.
    """
    for dep in snap.items("deployments"):
        progressing = conditions(dep).get("Progressing") or {}
        if progressing.get("status") != "False" or progressing.get("reason") != "ProgressDeadlineExceeded":
            continue
        ns, message = namespace_of(dep), str(progressing.get("message") or "")
        m = _RS_IN_MESSAGE.search(message)
        evidence = [message]
        if m:
            rs = by_name(snap, "replicasets").get((ns, m.group(1)))
            evidence.append(_cond_line(conditions(rs).get("ReplicaFailure")) if rs else "")
            pods = [
                p for p in _deployment_pods(snap, dep) if get(p, "metadata", "ownerReferences", 0, "name") == m.group(1)
            ]
        else:
            pods = _deployment_pods(snap, dep)
        evidence += _pod_lines(pods)
        yield Hit(
            ref("deployments", dep),
            {
                # a Deployment known only from `kubectl rollout status` shows neither spec nor status
                "deadline": f"{_int(get(dep, 'spec', 'progressDeadlineSeconds'), 600)}s"
                if dep.get("spec")
                else "longer than its progress deadline",
                "message": message or "ProgressDeadlineExceeded",
                "available": f" ({_int(get(dep, 'status', 'availableReplicas'))}/{_replicas(dep)} available)"
                if dep.get("spec") or get(dep, "status", "replicas") is not None
                else "",
            },
            evidence,
        )


def _ordinal(pod: dict[str, Any]) -> int:
    tail = name_of(pod).rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 1 << 30


@check(
    "WKL503",
    Severity.WARNING,
    "StatefulSet has fewer ready replicas than desired",
    "{ready}/{desired} replicas ready; {first}",
    looks_at=("statefulsets", "pods", "events"),
)
def statefulset_not_ready(snap: Snapshot) -> Iterator[Hit]:
    """A StatefulSet's ``status.readyReplicas`` is below ``spec.replicas``.

    With the default ``OrderedReady`` policy pod N+1 is created only when pod N is ready, so the message
    names the lowest-ordinal pod that is missing or not ready: fix that one first. The evidence holds what
    that pod and the others are stuck on and the StatefulSet's own warning events (``FailedCreate``:
    quota, admission, a PVC that cannot be created).

    What to do: follow the first pod's finding (often a volume: PVC Pending, Multi-Attach, wrong zone).
    """
    pods_by_owner = owned_by(snap, "pods")
    have_pods = snap.has("pods")
    for sts in snap.items("statefulsets"):
        desired = _replicas(sts)
        ready = _int(get(sts, "status", "readyReplicas"))
        if desired == 0 or ready >= desired:
            continue
        name = name_of(sts)
        pods = sorted(pods_by_owner.get((namespace_of(sts), "StatefulSet", name), []), key=_ordinal)
        present = {_ordinal(p): p for p in pods}
        first = "its pods were not collected"
        if have_pods:
            first = "no pod is missing or reports a problem"
            start = _int(get(sts, "spec", "ordinals", "start"))
            for i in range(start, start + desired):
                pod = present.get(i)
                if pod is None:
                    first = f"pod {name}-{i} does not exist"
                    break
                problem = pod_problem(pod)
                if problem:
                    first = f"pod {name}-{i}: {problem.split(' preemption:', 1)[0]}"
                    break
        evidence = _pod_lines(pods)
        evidence += [event_line(e) for e in _recent_warnings(snap, "statefulsets", sts)[-3:]]
        yield Hit(ref("statefulsets", sts), {"ready": ready, "desired": desired, "first": first}, evidence)


@check(
    "WKL504",
    Severity.WARNING,
    "StatefulSet's governing Service does not exist",
    "serviceName {service} names no Service in namespace {namespace}: its pods get no stable DNS names",
    looks_at=("statefulsets", "services"),
)
def statefulset_service_missing(snap: Snapshot) -> Iterator[Hit]:
    """A StatefulSet's ``spec.serviceName`` names a Service that does not exist in its namespace.

    The governing Service, normally headless (``clusterIP: None``), gives each pod its DNS name
    (``<pod>.<service>.<namespace>.svc``); clustered software (Kafka, ZooKeeper, MongoDB, Elasticsearch,
    RabbitMQ) finds its peers by those names, so members start but never form a cluster. Reported only
    when the namespace's Services were listed completely (collected, none skipped).

    What to do: create the headless Service with the StatefulSet's pod selector, or fix ``serviceName``
    (it cannot be changed in place: recreate the StatefulSet with ``--cascade=orphan``).
    """
    services = by_name(snap, "services")
    for sts in snap.items("statefulsets"):
        service = str(get(sts, "spec", "serviceName", default=""))
        ns = namespace_of(sts)
        if service and (ns, service) not in services and listed_completely(snap, "services", ns):
            yield Hit(ref("statefulsets", sts), {"service": service, "namespace": ns})


def _default_class(snap: Snapshot) -> str | None:
    for sc in snap.items("storageclasses"):
        ann = as_dict(meta(sc).get("annotations"))
        if any(str(ann.get(a, "")).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS):
            return name_of(sc)
    return None


@check(
    "WKL505",
    Severity.ERROR,
    "StatefulSet volumeClaimTemplate asks for a StorageClass that does not exist",
    "volumeClaimTemplate {template} {problem}; {effect}",
    looks_at=("statefulsets", "storageclasses", "persistentvolumeclaims", "persistentvolumes"),
    links=(
        "kubernetes-storage.md#pvc-pending-with-provisioningfailed",
        "kubernetes-scheduling.md#pod-pending-pod-has-unbound-immediate-persistentvolumeclaims",
    ),
)
def statefulset_storage_class(snap: Snapshot) -> Iterator[Hit]:
    """A StatefulSet's ``volumeClaimTemplates`` names a ``storageClassName`` missing from the cluster (or
    names none while no StorageClass is marked default), and no Available PersistentVolume of that class
    could bind the claims by hand.

    Each replica's claim ``<template>-<statefulset>-<ordinal>`` then stays Pending and its pod
    unschedulable (``pod has unbound immediate PersistentVolumeClaims``). When every current replica's
    claim is already Bound (the class was removed later) nothing is reported: only scaling up would fail.
    Reported only when StorageClasses were listed completely.

    What to do: create the StorageClass or fix the template; ``volumeClaimTemplates`` cannot be edited, so
    recreate the StatefulSet with ``kubectl delete sts <name> --cascade=orphan`` and apply the fixed one.
    """
    if not listed_completely(snap, "storageclasses"):
        return
    classes = by_name(snap, "storageclasses")
    claims = by_name(snap, "persistentvolumeclaims")
    pv_classes = {
        str(get(pv, "spec", "storageClassName", default=""))
        for pv in snap.items("persistentvolumes")
        if get(pv, "status", "phase") == "Available"
    }
    default = _default_class(snap)
    for sts in snap.items("statefulsets"):
        ns, name, replicas = namespace_of(sts), name_of(sts), _replicas(sts)
        for tpl in as_list(get(sts, "spec", "volumeClaimTemplates")):
            if not isinstance(tpl, dict):
                continue
            sc = get(tpl, "spec", "storageClassName")
            if sc is None:
                sc = as_dict(meta(tpl).get("annotations")).get("volume.beta.kubernetes.io/storage-class")
            if sc == "":
                continue  # no dynamic provisioning asked for
            if sc is None:
                if default is not None or "" in pv_classes:
                    continue
                problem = "names no StorageClass and the cluster has no default one"
            elif ("", str(sc)) in classes or str(sc) in pv_classes:
                continue
            else:
                problem = f"asks for StorageClass {sc}, which does not exist"
            tname = name_of(tpl)
            start = _int(get(sts, "spec", "ordinals", "start"))
            names = [f"{tname}-{name}-{i}" for i in range(start, start + min(replicas, MAX_ORDINALS))]
            states = {n: get(claims.get((ns, n)), "status", "phase", default="missing") for n in names}
            claims_listed = listed_completely(snap, "persistentvolumeclaims", ns)
            if claims_listed and names and all(s == "Bound" for s in states.values()):
                continue
            waiting = [n for n, s in states.items() if s != "Bound"]
            effect = (
                f"claims {', '.join(waiting[:3])}{' ...' if len(waiting) > 3 else ''} cannot be provisioned"
                if waiting and claims_listed
                else "new replicas cannot get their volumes"
            )
            yield Hit(ref("statefulsets", sts), {"template": tname, "problem": problem, "effect": effect})


@check(
    "WKL506",
    Severity.WARNING,
    "DaemonSet not scheduled or not ready on every node it targets",
    "{ready}/{desired} pods ready, {scheduled}/{desired} scheduled{misscheduled}",
    looks_at=("daemonsets", "pods", "events"),
)
def daemonset_not_ready(snap: Snapshot) -> Iterator[Hit]:
    """A DaemonSet's ``numberReady`` or ``currentNumberScheduled`` is below ``desiredNumberScheduled``: on
    some nodes it should cover, its pod is missing or not ready. DaemonSets usually carry node plumbing
    (CNI, CSI node plugins, log and metric agents, kube-proxy), so the nodes without a healthy pod lose
    networking, volumes or monitoring.

    The evidence gives the failing pods with their problem and the DaemonSet's warning events
    (``FailedCreate``, ``FailedDaemonPod``). ``numberMisscheduled`` counts pods on nodes the DaemonSet no
    longer targets.

    What to do: follow the pods' findings; for missing pods check the node's taints against the
    DaemonSet's tolerations and its ``FailedCreate`` events.
    """
    pods_by_owner = owned_by(snap, "pods")
    for ds in snap.items("daemonsets"):
        st = as_dict(ds.get("status"))
        desired = _int(st.get("desiredNumberScheduled"))
        ready = _int(st.get("numberReady"))
        scheduled = _int(st.get("currentNumberScheduled"))
        if desired == 0 or (ready >= desired and scheduled >= desired):
            continue
        pods = pods_by_owner.get((namespace_of(ds), "DaemonSet", name_of(ds)), [])
        lines = []
        for pod in sorted((p for p in pods if not _plainly_healthy(p)), key=name_of):
            problem = pod_problem(pod)
            if problem:
                lines.append(f"pod {name_of(pod)} on {get(pod, 'spec', 'nodeName', default='?')}: {problem}")
        mis = _int(st.get("numberMisscheduled"))
        yield Hit(
            ref("daemonsets", ds),
            {
                "ready": ready,
                "desired": desired,
                "scheduled": scheduled,
                "misscheduled": f", {mis} misscheduled" if mis else "",
            },
            lines[:4] + [event_line(e) for e in _recent_warnings(snap, "daemonsets", ds)[-3:]],
        )


_CREATE_CAUSES = (
    ("exceeded quota", "quota exceeded"),
    ("must specify", "quota needs requests/limits"),
    ("admission webhook", "admission webhook"),
    ("failed calling webhook", "admission webhook"),
    ("failed to call webhook", "admission webhook"),
    ("violates PodSecurity", "PodSecurity"),
    ("maximum", "LimitRange"),
    ("minimum", "LimitRange"),
    ("serviceaccount", "missing ServiceAccount"),
    ("forbidden", "forbidden"),
)


def create_cause(message: str) -> str:
    """A short name for why the API refused a pod: ``quota exceeded``, ``PodSecurity``..."""
    lowered = message.lower()
    return next((label for pattern, label in _CREATE_CAUSES if pattern.lower() in lowered), "error")


def _all_created(kind: str, obj: dict[str, Any]) -> bool:
    """The controller has all the pods it wants now (so earlier FailedCreate events are history)."""
    st = as_dict(obj.get("status"))
    if kind == "daemonsets":
        return _int(st.get("currentNumberScheduled")) >= _int(st.get("desiredNumberScheduled"))
    if kind == "jobs":
        done = conditions(obj)
        return any(done.get(t, {}).get("status") == "True" for t in ("Complete", "Failed")) or _int(
            st.get("active")
        ) >= _int(get(obj, "spec", "parallelism"), 1)
    return _int(st.get("replicas")) >= _replicas(obj)


@check(
    "WKL507",
    Severity.ERROR,
    "Controller cannot create pods (FailedCreate)",
    "{kind} cannot create pods ({cause}): {error}",
    looks_at=("replicasets", "statefulsets", "daemonsets", "jobs", "events"),
    links=(
        "kubernetes-scheduling.md#pods-not-created-failedcreate-exceeded-quota-on-the-replicaset",
        "kubernetes-scheduling.md#pods-not-created-failed-quota-must-specify-limitscpu-limitsmemory",
        "kubernetes-nodes-control-plane.md#admission-webhook-timeout-failed-calling-webhook--context-deadline-exceeded",
    ),
)
def failed_create(snap: Snapshot) -> Iterator[Hit]:
    """A ReplicaSet has a ``ReplicaFailure`` condition, or a ReplicaSet, StatefulSet, DaemonSet or Job has
    recent ``FailedCreate`` warning events, and it still lacks pods: the API server refused the pods it
    tried to create, so they never appear (no Pending pod to look at, only the controller says why).

    The message names the cause from the API's answer: ``quota exceeded`` (``exceeded quota: compute,
    requested: limits.cpu=2, used: ..., limited: ...``), ``quota needs requests/limits`` (``failed quota:
    ... must specify limits.cpu``), ``PodSecurity`` (``violates PodSecurity "restricted:latest"``),
    ``admission webhook`` (a webhook denied or timed out), ``LimitRange``, ``missing ServiceAccount``.

    What to do: raise or free the quota, set requests and limits in the pod template (or a LimitRange
    default), fix the security context, or fix the webhook; the controller retries by itself.

    On pasted output a ``FailedCreate`` event of a controller the paste does not show is enough; quota
    refusals (QTA251) and webhooks that could not be called (NET410) are left to their own checks there.
    """
    if snap.meta.get("partial"):
        yield from _failed_create_events(snap)
    for kind in ("replicasets", "statefulsets", "daemonsets", "jobs"):
        for obj in snap.items(kind):
            if kind == "replicasets" and _replicas(obj) == 0:
                continue
            failure = conditions(obj).get("ReplicaFailure")
            failure = failure if failure and failure.get("status") == "True" else None
            events = _recent_warnings(snap, kind, obj, ("FailedCreate",))
            if not failure and (not events or _all_created(kind, obj)):
                continue
            error = str((failure or {}).get("message") or (events[-1].get("message") if events else "") or "")
            error = error.removeprefix("Error creating: ").strip()
            evidence = [str((failure or {}).get("message") or "")] + [event_line(e) for e in events[-3:]]
            yield Hit(
                ref(kind, obj),
                {"kind": ref(kind, obj).kind, "cause": create_cause(error), "error": error or "FailedCreate"},
                evidence,
            )


_WEBHOOK_CALL_FAILED = re.compile(r"failed (?:calling|to call) webhook", re.IGNORECASE)
_CONTROLLERS = {"ReplicaSet": "replicasets", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "Job": "jobs"}


def _failed_create_events(snap: Snapshot) -> Iterator[Hit]:
    """WKL507 on a paste: the latest ``FailedCreate`` event of each controller the paste does not show."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for ev in snap.items("events"):
        inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
        kind = str(inv.get("kind") or "")
        if ev.get("reason") != "FailedCreate" or kind not in _CONTROLLERS or not inv.get("name"):
            continue
        if (str(inv.get("namespace") or ""), str(inv["name"])) in by_name(snap, _CONTROLLERS[kind]):
            continue  # shown: judged from the object below
        message = str(ev.get("message") or "")
        if create_cause(message) == "quota exceeded" or _WEBHOOK_CALL_FAILED.search(message):
            continue  # QTA251's and NET410's
        key = (kind, str(inv.get("namespace") or ""), str(inv["name"]))
        if key not in latest or str(ev.get("lastTimestamp") or "") >= str(latest[key].get("lastTimestamp") or ""):
            latest[key] = ev
    for (kind, ns, name), ev in sorted(latest.items()):
        error = str(ev.get("message") or "").removeprefix("Error creating: ").strip()
        yield Hit(
            ObjectRef(kind, ns, name),
            {"kind": kind, "cause": create_cause(error), "error": error or "FailedCreate"},
            [event_line(ev)],
        )


def _failed_pod_lines(snap: Snapshot, pods: list[dict[str, Any]]) -> list[str]:
    """Exit codes of a Job's failed pods, and the last log lines of the latest one."""
    failed = [p for p in pods if get(p, "status", "phase") == "Failed"]
    failed.sort(key=lambda p: str(meta(p).get("creationTimestamp") or ""))
    lines = _pod_lines(failed[-3:], 3)
    if failed:
        last = failed[-1]
        for cs in as_list(get(last, "status", "containerStatuses")):
            if isinstance(cs, dict) and _int(get(cs, "state", "terminated", "exitCode")) != 0:
                msg = get(cs, "state", "terminated", "message")
                lines += ([str(msg)] if msg else []) + log_tail(snap, last, str(cs.get("name") or ""), 4)
                break
    return lines


@check(
    "WKL508",
    Severity.ERROR,
    "Job failed",
    "job failed {ago} ago ({reason}): {message}{pods}",
    looks_at=("jobs", "cronjobs", "pods"),
    links=("kubernetes-pods.md#job-failed-with-backofflimitexceeded",),
)
def job_failed(snap: Snapshot) -> Iterator[Hit]:
    """A Job's ``Failed`` condition is ``True``: ``BackoffLimitExceeded`` (its pods failed more than
    ``backoffLimit`` times, 6 by default), ``DeadlineExceeded`` (``activeDeadlineSeconds`` passed) or
    ``PodFailurePolicy``. No new pod will be started.

    Jobs created by a CronJob that is in the snapshot are reported on the CronJob instead (WKL509), which
    knows whether a later run succeeded. The evidence has the failed pods' exit codes and the last lines of
    the latest one's log when collected (``kubectl logs job/<name>`` shows them too).

    On pasted output a ``BackoffLimitExceeded`` or ``DeadlineExceeded`` event of a Job the paste does not
    show is enough: the job controller sends it when it marks the Job failed.

    What to do: fix what the log says, then delete and recreate the Job (a failed Job is never retried).
    """
    yield from _job_failed_from_events(snap)
    cronjobs = by_name(snap, "cronjobs")
    pods_by_owner = owned_by(snap, "pods")
    for job in snap.items("jobs"):
        failed = conditions(job).get("Failed")
        if not failed or failed.get("status") != "True":
            continue
        o = owner(job)
        if o is not None and o.get("kind") == "CronJob" and (namespace_of(job), str(o.get("name"))) in cronjobs:
            continue
        pods = pods_by_owner.get((namespace_of(job), "Job", name_of(job)), [])
        yield Hit(
            ref("jobs", job),
            {
                "ago": human_age(age_seconds(snap, failed.get("lastTransitionTime"))),
                "reason": failed.get("reason") or "Failed",
                "message": failed.get("message") or "no message",
                "pods": f"; {_int(get(job, 'status', 'failed'))} pod(s) failed, "
                f"backoffLimit {_int(get(job, 'spec', 'backoffLimit'), 6)}",
            },
            [_cond_line(failed), *_failed_pod_lines(snap, pods)],
        )


_JOB_FAILED_REASONS = ("BackoffLimitExceeded", "DeadlineExceeded", "PodFailurePolicy")


def _job_failed_from_events(snap: Snapshot) -> Iterator[Hit]:
    """WKL508 on a paste: the latest failure event of each Job the paste does not show."""
    for (ns, name), evs in sorted(unshown_events(snap, "Job").items()):
        failed = [e for e in evs if e.get("reason") in _JOB_FAILED_REASONS]
        if not failed:
            continue
        last = failed[-1]
        yield Hit(
            ObjectRef("Job", ns, name),
            {
                "ago": human_age(age) if (age := event_age_seconds(snap, last)) is not None else "some time",
                "reason": last.get("reason"),
                "message": str(last.get("message") or "no message"),
                "pods": "",
            },
            [event_line(e) for e in evs[-4:]],
        )


def _finished(job: dict[str, Any]) -> tuple[str, bool, dict[str, Any]] | None:
    """(finish time, succeeded, condition) of a finished Job; None while it runs."""
    conds = conditions(job)
    for ctype, ok in (("Complete", True), ("Failed", False)):
        c = conds.get(ctype)
        if c and c.get("status") == "True":
            when = c.get("lastTransitionTime") or get(job, "status", "completionTime") or ""
            return str(when), ok, c
    return None


@check(
    "WKL509",
    Severity.ERROR,
    "CronJob's last run failed",
    "last run {job} failed ({reason}); {failed} of the {finished} kept jobs failed; last success: {success}",
    looks_at=("cronjobs", "jobs", "pods"),
    links=("kubernetes-pods.md#job-failed-with-backofflimitexceeded",),
)
def cronjob_failing(snap: Snapshot) -> Iterator[Hit]:
    """The most recent finished Job of a CronJob failed and the CronJob has not succeeded since
    (``status.lastSuccessfulTime`` is older or absent: then it has never succeeded).

    Only the Jobs the CronJob keeps are seen (``failedJobsHistoryLimit`` is 1 and
    ``successfulJobsHistoryLimit`` 3 by default). Backups, reports and clean-ups run this way, so a
    silently failing CronJob is often found only when its output is needed. The evidence has the failed
    Job's condition, its pods' exit codes and the last log lines when collected.

    What to do: ``kubectl logs job/<job>``; fix it and run one by hand with
    ``kubectl create job --from=cronjob/<name> <name>-manual`` to check.
    """
    jobs_by_owner = owned_by(snap, "jobs")
    pods_by_owner = owned_by(snap, "pods")
    for cj in snap.items("cronjobs"):
        ns = namespace_of(cj)
        runs = []
        for job in jobs_by_owner.get((ns, "CronJob", name_of(cj)), []):
            fin = _finished(job)
            if fin is not None:
                runs.append((fin, job))
        if not runs:
            continue
        runs.sort(key=lambda r: r[0][0])
        (when, ok, cond), last = runs[-1]
        if ok:
            continue
        success = get(cj, "status", "lastSuccessfulTime")
        succeeded_at, failed_at = parse_time(success), parse_time(when)
        if succeeded_at is not None and (failed_at is None or succeeded_at >= failed_at):
            continue
        ago = age_seconds(snap, success)
        pods = pods_by_owner.get((ns, "Job", name_of(last)), [])
        yield Hit(
            ref("cronjobs", cj),
            {
                "job": name_of(last),
                "reason": cond.get("reason") or "Failed",
                "failed": sum(1 for (_, good, _), _ in runs if not good),
                "finished": len(runs),
                "success": f"{human_age(ago)} ago" if ago is not None else "never",
            },
            [_cond_line(cond), *_failed_pod_lines(snap, pods)],
        )


@check(
    "WKL510",
    Severity.INFO,
    "CronJob is suspended",
    'CronJob is suspended (schedule "{schedule}"); last scheduled: {last}',
    looks_at=("cronjobs",),
)
def cronjob_suspended(snap: Snapshot) -> Iterator[Hit]:
    """``spec.suspend`` is ``true``: the CronJob creates no Jobs until it is resumed. Often deliberate
    (maintenance, a restore in progress) and then forgotten; worth a look when it runs backups.

    What to do: ``kubectl patch cronjob <name> -p '{"spec":{"suspend":false}}'`` when the pause is over;
    with ``startingDeadlineSeconds`` unset, missed runs are not made up.
    """
    for cj in snap.items("cronjobs"):
        if get(cj, "spec", "suspend") is not True:
            continue
        ago = age_seconds(snap, get(cj, "status", "lastScheduleTime"))
        yield Hit(
            ref("cronjobs", cj),
            {
                "schedule": get(cj, "spec", "schedule", default="?"),
                "last": f"{human_age(ago)} ago" if ago is not None else "never",
            },
        )


@check(
    "WKL511",
    Severity.WARNING,
    "HorizontalPodAutoscaler cannot scale or is held at its maximum",
    "{problem} ({reason}): {message}",
    looks_at=("horizontalpodautoscalers", "events"),
)
def hpa_problem(snap: Snapshot) -> Iterator[Hit]:
    """An HPA's conditions (``autoscaling/v2``) say it cannot do its job:

    - ``AbleToScale`` ``False``: it cannot read or change the target's scale (``FailedGetScale``: the
      Deployment is missing or renamed);
    - ``ScalingActive`` ``False`` other than ``ScalingDisabled``: it cannot compute a replica count,
      usually ``FailedGetResourceMetric`` (metrics-server down: ``unable to get metrics for resource cpu``,
      or a container without a CPU request: ``missing request for cpu``);
    - ``ScalingLimited`` ``True`` with ``TooManyReplicas``: it wants more replicas than ``maxReplicas``.

    The first problem found is the message; evidence lists every failing condition and the HPA's recent
    warning events.

    What to do: check metrics-server (``kubectl top pods``), set requests on every container of the target,
    fix ``scaleTargetRef``, or raise ``maxReplicas`` (after checking why the load grew).
    """
    for hpa in snap.items("horizontalpodautoscalers"):
        conds = conditions(hpa)
        problems: list[tuple[str, dict[str, Any]]] = []
        able = conds.get("AbleToScale")
        if able and able.get("status") == "False":
            problems.append(("unable to scale its target", able))
        active = conds.get("ScalingActive")
        if active and active.get("status") == "False" and active.get("reason") != "ScalingDisabled":
            problems.append(("cannot compute a replica count", active))
        limited = conds.get("ScalingLimited")
        if limited and limited.get("status") == "True" and limited.get("reason") == "TooManyReplicas":
            top = get(hpa, "spec", "maxReplicas", default="?")
            problems.append((f"held at its maximum of {top} replicas", limited))
        if not problems:
            continue
        problem, cond = problems[0]
        evidence = [_cond_line(c) for _, c in problems]
        evidence += [event_line(e) for e in _recent_warnings(snap, "horizontalpodautoscalers", hpa)[-3:]]
        yield Hit(
            ref("horizontalpodautoscalers", hpa),
            {"problem": problem, "reason": cond.get("reason") or "", "message": cond.get("message") or ""},
            evidence,
        )


@check(
    "WKL512",
    Severity.WARNING,
    "PodDisruptionBudget allows no disruption: node drains will block",
    "allows 0 disruptions: {cause}; draining a node that runs one of its pods will wait until that changes",
    looks_at=("poddisruptionbudgets", "events"),
    links=(
        "kubernetes-scheduling.md#node-drain-blocked-cannot-evict-pod-as-it-would-violate-the-pods-disruption-budget",
    ),
)
def pdb_blocks(snap: Snapshot) -> Iterator[Hit]:
    """A PodDisruptionBudget that selects pods (``status.expectedPods`` > 0) has
    ``status.disruptionsAllowed: 0``. Every eviction of its pods is refused (``Cannot evict pod as it would
    violate the pod's disruption budget``), so ``kubectl drain``, node upgrades and cluster-autoscaler
    scale-down hang on the nodes running them.

    The message says which kind of zero it is: by configuration (``minAvailable`` equal to the number of
    pods, e.g. 1 on a single replica, or ``maxUnavailable: 0``: it never allows a disruption) or because
    pods are unhealthy now (fewer healthy than ``desiredHealthy``: it clears when they recover).

    What to do: for a configuration zero, run more replicas or lower ``minAvailable`` / use
    ``maxUnavailable: 1``; for unhealthy pods, fix them first (their findings say why); in an emergency
    delete the pod instead of evicting it (this bypasses the budget).
    """
    for pdb in snap.items("poddisruptionbudgets"):
        st = as_dict(pdb.get("status"))
        expected = _int(st.get("expectedPods"))
        if expected <= 0 or st.get("disruptionsAllowed") != 0:
            continue
        healthy, desired = _int(st.get("currentHealthy")), _int(st.get("desiredHealthy"))
        spec = as_dict(pdb.get("spec"))
        if desired >= expected:
            rule = (
                f"maxUnavailable {spec['maxUnavailable']}"
                if "maxUnavailable" in spec
                else f"minAvailable {spec.get('minAvailable', desired)}"
            )
            cause = f"{rule} leaves no pod to spare out of {expected}"
        elif healthy <= desired:
            cause = f"only {healthy} of {expected} pods are healthy, and it must keep {desired}"
        else:  # the numbers allow one: the disruption controller could not work it out (SyncFailed...)
            why = str((conditions(pdb).get("DisruptionAllowed") or {}).get("reason") or "status not updated")
            cause = f"{healthy} of {expected} pods are healthy and it must keep {desired}, yet none is allowed ({why})"
        allowed = conditions(pdb).get("DisruptionAllowed")
        evidence = [_cond_line(allowed)]
        evidence += [event_line(e) for e in _recent_warnings(snap, "poddisruptionbudgets", pdb)[-3:]]
        yield Hit(ref("poddisruptionbudgets", pdb), {"cause": cause}, evidence)


@check(
    "WKL513",
    Severity.ERROR,
    "Deployment cannot create pods (ReplicaFailure)",
    "deployment cannot create pods ({cause}): {error}",
    looks_at=("deployments", "replicasets"),
    links=(
        "kubernetes-scheduling.md#pods-not-created-failedcreate-exceeded-quota-on-the-replicaset",
        "kubernetes-scheduling.md#pods-not-created-failed-quota-must-specify-limitscpu-limitsmemory",
        "kubernetes-nodes-control-plane.md#admission-webhook-timeout-failed-calling-webhook--context-deadline-exceeded",
    ),
)
def deployment_replica_failure(snap: Snapshot) -> Iterator[Hit]:
    """A Deployment's ``ReplicaFailure`` condition is ``True`` (reason ``FailedCreate``): its ReplicaSet
    cannot create pods because the API server refuses them, and the condition's message carries the refusal
    (``exceeded quota: ...``, ``admission webhook ... denied the request``, ``failed calling webhook``,
    ``violates PodSecurity``, a missing ServiceAccount). No pod appears, so there is no Pending pod to look
    at: ``kubectl describe deployment`` (or ``get deployment -o yaml``) shows it.

    When the snapshot holds the ReplicaSet and it carries the condition itself, WKL507 reports it there and
    this check does not repeat it. What to do: the same as WKL507 (raise or free the quota, set requests and
    limits, fix the webhook or the security context); the controller retries by itself.
    """
    failing_rs = {
        (namespace_of(rs), str(o.get("name") or ""))
        for rs in snap.items("replicasets")
        if (conditions(rs).get("ReplicaFailure") or {}).get("status") == "True"
        and (o := owner(rs, "Deployment")) is not None
    }
    for dep in snap.items("deployments"):
        failure = conditions(dep).get("ReplicaFailure")
        if failure is None or failure.get("status") != "True":
            continue
        if (namespace_of(dep), name_of(dep)) in failing_rs:
            continue
        error = str(failure.get("message") or "").removeprefix("Error creating: ").strip()
        yield Hit(
            ref("deployments", dep),
            {
                "cause": create_cause(error) if error else str(failure.get("reason") or "FailedCreate"),
                "error": error or str(failure.get("reason") or "FailedCreate"),
            },
            [_cond_line(failure)],
        )
