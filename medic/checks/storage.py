"""Storage checks (PVC2xx, PV2xx, SC2xx): claims that cannot bind, lost and released volumes, default classes,
and the scratch space CDI needs on top of an imported volume."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medic.checks.fields import get_dict
from medic.checks.kube import (
    after_last,
    age_seconds,
    as_dict,
    as_list,
    by_name,
    event_line,
    events_for,
    get,
    human_age,
    human_bytes,
    listed_completely,
    meta,
    name_of,
    namespace_of,
    owner,
    quantity,
    ref,
    too_recent,
    unshown_events,
    warning_events,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
# a claim waiting this long for an external provisioner is no longer "just created"
PROVISION_WAIT_SECONDS = 10 * 60


def is_default_class(sc: dict[str, Any]) -> bool:
    ann = as_dict(meta(sc).get("annotations"))
    return any(str(ann.get(a, "")).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS)


def claim_class(pvc: dict[str, Any]) -> str | None:
    """The claim's StorageClass name; ``""`` when it asks for no class, None when it names none (default)."""
    name = get(pvc, "spec", "storageClassName")
    if name is None:
        name = as_dict(meta(pvc).get("annotations")).get("volume.beta.kubernetes.io/storage-class")
    return None if name is None else str(name)


def phase(obj: dict[str, Any]) -> str:
    return str(get(obj, "status", "phase", default=""))


def default_classes(snap: Snapshot) -> list[dict[str, Any]]:
    return [sc for sc in snap.items("storageclasses") if is_default_class(sc)]


def _class_missing(snap: Snapshot, pvc: dict[str, Any]) -> bool:
    """The claim names a StorageClass that was collected as absent and no PV of that class can bind it."""
    sc = claim_class(pvc)
    if not sc or not listed_completely(snap, "storageclasses") or ("", sc) in by_name(snap, "storageclasses"):
        return False
    return sc not in _available_pv_classes(snap)


def _available_pv_classes(snap: Snapshot) -> set[str]:
    """Class names of Available PVs (static binding by class name needs no StorageClass object)."""
    key = "storage:available_pv_classes"
    if key not in snap.cache:
        snap.cache[key] = {
            str(get(pv, "spec", "storageClassName", default=""))
            for pv in snap.items("persistentvolumes")
            if phase(pv) == "Available"
        }
    found: set[str] = snap.cache[key]
    return found


def claim_events(snap: Snapshot, pvc: dict[str, Any]) -> list[dict[str, Any]]:
    """The claim's warning events and its binding/provisioning events (``FailedBinding`` is a Normal event)."""
    evs = events_for(snap, "persistentvolumeclaims", namespace_of(pvc), name_of(pvc))
    return [
        e for e in evs if e.get("type") == "Warning" or e.get("reason") in ("FailedBinding", "ExternalProvisioning")
    ]


def _no_class_no_default(snap: Snapshot, pvc: dict[str, Any]) -> bool:
    return claim_class(pvc) is None and listed_completely(snap, "storageclasses") and not default_classes(snap)


def _requested(pvc: dict[str, Any]) -> float | None:
    return quantity(get(pvc, "spec", "resources", "requests", "storage", default=""))


@check(
    "PVC201",
    Severity.ERROR,
    "PVC Pending: the volume could not be provisioned",
    "claim is Pending ({storage_class}): {reason}: {detail}",
    looks_at=("persistentvolumeclaims", "storageclasses", "events"),
    links=("kubernetes-storage.md#pvc-pending-with-provisioningfailed",),
)
def pvc_provisioning_failed(snap: Snapshot) -> Iterator[Hit]:
    """A PersistentVolumeClaim is Pending and its events say why no volume was made for it.

    Looks at Pending claims and their events: ``ProvisioningFailed`` (the provisioner or the storage
    backend refused: permissions, quota, unsupported parameters or access modes), ``FailedBinding`` (no
    PV matches and no class is set), or ``ExternalProvisioning`` repeated for more than ten minutes (the
    CSI provisioner named by the class never picked the claim up: it is not running or not registered).
    A claim waiting for its first consumer (``WaitForFirstConsumer``) is normal and not reported.
    Claims whose class does not exist are PVC203's, claims with no class and no default PVC204's.

    Fix the backend or provisioner the event names (credentials, pool quota, the CSI controller's
    pods and logs), or recreate the claim with a class and access mode the backend supports: a Pending
    claim holds no data yet.

    On pasted output without any event of the claim (a ``get pvc`` row, a claim's YAML), a claim Pending
    for ten minutes or more (or of unknown age) is reported with what is known, and the events to read;
    a ``ProvisioningFailed`` or ``FailedBinding`` event of a claim the paste does not show is enough,
    unless a later event says a volume was provisioned.
    """
    for (ns, name), evs in sorted(unshown_events(snap, "PersistentVolumeClaim").items()):
        failed = [e for e in evs if e.get("reason") in ("ProvisioningFailed", "FailedBinding")]
        if failed and not any(e.get("reason") == "ProvisioningSucceeded" for e in after_last(evs, failed[-1])):
            yield Hit(
                ObjectRef("PersistentVolumeClaim", ns, name),
                {
                    "storage_class": "class not shown",
                    "reason": failed[-1].get("reason"),
                    "detail": str(failed[-1].get("message") or "")[:300],
                },
                [event_line(e) for e in failed[-4:]],
            )
    for pvc in snap.items("persistentvolumeclaims"):
        if phase(pvc) != "Pending" or _class_missing(snap, pvc) or _no_class_no_default(snap, pvc):
            continue
        evs = events_for(snap, "persistentvolumeclaims", namespace_of(pvc), name_of(pvc))
        failed = [e for e in evs if e.get("reason") in ("ProvisioningFailed", "FailedBinding")]
        waiting = [e for e in evs if e.get("reason") == "ExternalProvisioning"]
        succeeded = any(e.get("reason") == "ProvisioningSucceeded" for e in evs)
        age = age_seconds(snap, meta(pvc).get("creationTimestamp"))
        sc = claim_class(pvc)
        storage_class = f"class {sc}" if sc else "no class" if sc == "" else "default class"
        if failed:
            last = failed[-1]
        elif waiting and not succeeded:
            if age is None or age < PROVISION_WAIT_SECONDS:
                continue
            last = waiting[-1]
        elif not evs and snap.meta.get("partial") and not too_recent(snap, age, PROVISION_WAIT_SECONDS):
            since = f" for {human_age(age)}" if age is not None and age >= PROVISION_WAIT_SECONDS else ""
            yield Hit(
                ref("persistentvolumeclaims", pvc),
                {
                    "storage_class": storage_class,
                    "reason": f"Pending{since}",
                    "detail": "no volume bound and no provisioning event shown: `kubectl describe pvc` "
                    "says why (ProvisioningFailed, WaitForFirstConsumer, ExternalProvisioning)",
                },
                [pvc_line(snap, pvc)],
            )
            continue
        else:
            continue
        yield Hit(
            ref("persistentvolumeclaims", pvc),
            {
                "storage_class": storage_class,
                "reason": last.get("reason"),
                "detail": str(last.get("message") or "")[:300],
            },
            [event_line(e) for e in (failed or waiting)[-4:]],
        )


@check(
    "PVC202",
    Severity.ERROR,
    "PVC Lost: its PersistentVolume is gone",
    "claim is Lost: its volume {volume} {state}",
    looks_at=("persistentvolumeclaims", "persistentvolumes"),
)
def pvc_lost(snap: Snapshot) -> Iterator[Hit]:
    """A PersistentVolumeClaim is in phase ``Lost``: it was bound, but the PersistentVolume it points at
    was deleted (or lost its claim reference). Pods using it cannot start.

    Looks at the claim's phase and ``spec.volumeName`` against the collected PVs. If the data still exists
    on the backend, recreate a PV for it (same volume handle) with a ``claimRef`` to this claim; otherwise
    delete the claim and let it be provisioned anew, restoring from backup.
    """
    pvs = by_name(snap, "persistentvolumes")
    for pvc in snap.items("persistentvolumeclaims"):
        if phase(pvc) != "Lost":
            continue
        volume = str(get(pvc, "spec", "volumeName", default="")) or "?"
        if not listed_completely(snap, "persistentvolumes"):
            state = "was lost"
        elif ("", volume) in pvs:
            state = f"exists but is {phase(pvs['', volume]) or 'unbound'} (its claimRef no longer names this claim)"
        else:
            state = "no longer exists"
        yield Hit(
            ref("persistentvolumeclaims", pvc),
            {"volume": volume, "state": state},
            [*[event_line(e) for e in claim_events(snap, pvc)[-3:]], pvc_line(snap, pvc)],
        )


@check(
    "PVC203",
    Severity.ERROR,
    "PVC requests a StorageClass that does not exist",
    "claim requests StorageClass {storage_class}, which does not exist; it stays Pending",
    looks_at=("persistentvolumeclaims", "storageclasses", "persistentvolumes", "events"),
    links=("kubernetes-storage.md#pvc-pending-with-provisioningfailed",),
)
def pvc_missing_class(snap: Snapshot) -> Iterator[Hit]:
    """A Pending claim names a StorageClass that is not in the cluster, and no Available PV carries that
    class name (static binding by class name needs no StorageClass object, so that case is left alone).

    Looks at ``spec.storageClassName`` of unbound claims against the collected StorageClasses. Usually a
    typo, a class from another cloud or cluster, or a class deleted with its provisioner. Recreate the
    claim with an existing class (``kubectl get storageclass``), or create the class it expects.
    """
    if not listed_completely(snap, "storageclasses"):
        return
    for pvc in snap.items("persistentvolumeclaims"):
        if phase(pvc) not in ("Pending", "") or not _class_missing(snap, pvc):
            continue
        evs = claim_events(snap, pvc)
        yield Hit(
            ref("persistentvolumeclaims", pvc),
            {"storage_class": claim_class(pvc)},
            [*[event_line(e) for e in evs[-3:]], pvc_line(snap, pvc)],
        )


@check(
    "PVC204",
    Severity.ERROR,
    "PVC names no StorageClass and the cluster has no default",
    "claim names no StorageClass and no StorageClass is marked default ({classes}); it stays Pending",
    looks_at=("persistentvolumeclaims", "storageclasses"),
    links=(
        "kubernetes-storage.md#pvc-pending-with-provisioningfailed",
        "kubevirt-cdi.md#cdi-importer-pod-stuck-in-pending-or-containercreating-storage-class-scratch-space",
    ),
)
def pvc_no_default_class(snap: Snapshot) -> Iterator[Hit]:
    """A Pending claim leaves ``storageClassName`` unset, which means "the default class", but no
    StorageClass carries the ``storageclass.kubernetes.io/is-default-class: "true"`` annotation, so nothing
    provisions it (claims created by charts and by CDI DataVolumes often rely on the default).

    Looks at unbound claims without a class and the collected StorageClasses. Mark exactly one class as
    default (``kubectl patch storageclass <name> -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/
    is-default-class":"true"}}}'``); recent Kubernetes versions then assign it to the waiting claims, older
    ones need the claims recreated. Or set a class in the claim (or its template).
    """
    if not listed_completely(snap, "storageclasses") or default_classes(snap):
        return
    names = ", ".join(sorted(name_of(sc) for sc in snap.items("storageclasses"))[:5]) or "none exist"
    for pvc in snap.items("persistentvolumeclaims"):
        if phase(pvc) not in ("Pending", "") or claim_class(pvc) is not None:
            continue
        if get(pvc, "spec", "volumeName"):
            continue  # pre-bound to a named PV: no class needed
        evs = claim_events(snap, pvc)
        yield Hit(
            ref("persistentvolumeclaims", pvc),
            {"classes": "classes: " + names},
            [*[event_line(e) for e in evs[-3:]], pvc_line(snap, pvc)],
        )


@check(
    "PVC205",
    Severity.WARNING,
    "Bound PVC's StorageClass was deleted",
    "claim is bound to dynamically provisioned volume {volume}, but its StorageClass {storage_class} no longer "
    "exists: it cannot be expanded and a recreated claim will not provision",
    looks_at=("persistentvolumeclaims", "persistentvolumes", "storageclasses"),
)
def pvc_bound_class_deleted(snap: Snapshot) -> Iterator[Hit]:
    """A Bound claim's volume was provisioned dynamically (``pv.kubernetes.io/provisioned-by``), and the
    StorageClass it came from is gone. The data is fine, but volume expansion reads the class
    (``allowVolumeExpansion``), and the same manifest applied again (a StatefulSet scale-up, a redeploy
    after undeploy) will produce Pending claims.

    Looks at bound claims' class names against the collected StorageClasses; statically bound volumes
    whose class name was never a StorageClass object are not reported. Recreate the class with the same
    name and provisioner (a class's parameters cannot be edited, only recreated), or move the workload to
    a class that exists.
    """
    if not listed_completely(snap, "storageclasses") or not snap.has("persistentvolumes"):
        return
    classes = by_name(snap, "storageclasses")
    pvs = by_name(snap, "persistentvolumes")
    for pvc in snap.items("persistentvolumeclaims"):
        sc = claim_class(pvc)
        if phase(pvc) != "Bound" or not sc or ("", sc) in classes:
            continue
        volume = str(get(pvc, "spec", "volumeName", default=""))
        pv = pvs.get(("", volume))
        if pv is None or "pv.kubernetes.io/provisioned-by" not in as_dict(meta(pv).get("annotations")):
            continue
        yield Hit(
            ref("persistentvolumeclaims", pvc),
            {"volume": volume, "storage_class": sc},
            [pvc_line(snap, pvc)],
        )


MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def pvc_line(snap: Snapshot, pvc: dict[str, Any]) -> str:
    """The claim as a ``kubectl get pvc`` row: NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS AGE."""
    cells = [
        name_of(pvc),
        phase(pvc) or "Pending",
        str(get(pvc, "spec", "volumeName", default="")),
        str(get(pvc, "status", "capacity", "storage", default="")),
        ",".join(MODES.get(str(m), str(m)) for m in as_list(get(pvc, "status", "accessModes"))),
        claim_class(pvc) or "",
        human_age(age_seconds(snap, meta(pvc).get("creationTimestamp"))),
    ]
    return "   ".join(c for c in cells if c)


def pv_line(snap: Snapshot, pv: dict[str, Any]) -> str:
    """The PV as a ``kubectl get pv`` row: NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM CLASS AGE."""
    claim = get_dict(pv, "spec", "claimRef")
    cells = [
        name_of(pv),
        str(get(pv, "spec", "capacity", "storage", default="")),
        ",".join(MODES.get(str(m), str(m)) for m in as_list(get(pv, "spec", "accessModes"))),
        str(get(pv, "spec", "persistentVolumeReclaimPolicy", default="")),
        phase(pv),
        f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "",
        str(get(pv, "spec", "storageClassName", default="")),
        human_age(age_seconds(snap, meta(pv).get("creationTimestamp"))),
    ]
    return "   ".join(c for c in cells if c)


@check(
    "PV201",
    Severity.WARNING,
    "PersistentVolume Released with Retain policy: its data is kept but no claim can bind it",
    "volume is Released and retained: claimRef {claim} still names the deleted claim, so no new claim can bind it{now}",
    looks_at=("persistentvolumes", "persistentvolumeclaims"),
    links=("kubernetes-storage.md#reuse-a-released-persistentvolume-retain-policy-after-an-undeployredeploy",),
)
def pv_released(snap: Snapshot) -> Iterator[Hit]:
    """A PersistentVolume with ``persistentVolumeReclaimPolicy: Retain`` is ``Released``: the claim that
    used it was deleted (an undeploy, a namespace or Helm release removed), the data is still there, but
    ``spec.claimRef`` still points at the old claim's UID, so nothing can bind it.

    Looks at PV phase, reclaim policy and claim reference, and whether a claim of the same name exists
    again (a redeploy usually provisions a fresh, empty volume for it: the application then "lost" its
    data). To reuse the old volume, clear its claim reference
    (``kubectl patch pv <pv> -p '{"spec":{"claimRef":null}}'``) so it becomes Available, then bind the
    claim to it (``spec.volumeName``, recreating the claim). Delete the PV when the data is not needed.
    """
    pvcs = by_name(snap, "persistentvolumeclaims")
    for pv in snap.items("persistentvolumes"):
        if phase(pv) != "Released" or get(pv, "spec", "persistentVolumeReclaimPolicy") != "Retain":
            continue
        claim = as_dict(get(pv, "spec", "claimRef"))
        ns, name = str(claim.get("namespace") or ""), str(claim.get("name") or "")
        now = ""
        again = pvcs.get((ns, name))
        if again is not None:
            bound = str(get(again, "spec", "volumeName", default=""))
            now = f"; claim {ns}/{name} exists again and is {phase(again) or 'Pending'}" + (
                f" on another volume {bound}" if bound and bound != name_of(pv) else ""
            )
        yield Hit(ref("persistentvolumes", pv), {"claim": f"{ns}/{name}", "now": now}, [pv_line(snap, pv)])


# the PV controller deletes a Released volume with policy Delete within seconds; one Released for longer
# than this (when the phase carries its time) was not deleted
RELEASED_DELETE_GRACE_SECONDS = 5 * 60


@check(
    "PV203",
    Severity.WARNING,
    "PersistentVolume Released with Delete policy: the volume was not deleted",
    "volume is Released{since} but its reclaim policy is Delete: {detail}",
    looks_at=("persistentvolumes", "events"),
)
def pv_released_not_deleted(snap: Snapshot) -> Iterator[Hit]:
    """A PersistentVolume with ``persistentVolumeReclaimPolicy: Delete`` is ``Released``: its claim is gone
    and the volume should have been deleted with it (the PV object and the backend disk), but it was not.
    The provisioner that made it is not running or not registered any more (a CSI driver uninstalled or
    renamed, an in-tree plugin migrated), it lacks the permission to delete, or the backend refused; the
    backend disk may still exist and cost money.

    Looks at the PV's phase and reclaim policy, ``status.lastPhaseTransitionTime`` when set (one Released
    for less than five minutes may still be deleted), and its warning events (``VolumeFailedDelete``). Check
    the provisioner named by ``pv.kubernetes.io/provisioned-by`` (its controller pods and logs); once the
    backend disk is handled, delete the PV by hand. A deletion that failed outright is PV202 (phase Failed).
    """
    for pv in snap.items("persistentvolumes"):
        if phase(pv) != "Released" or get(pv, "spec", "persistentVolumeReclaimPolicy") != "Delete":
            continue
        age = age_seconds(snap, get(pv, "status", "lastPhaseTransitionTime"))
        if too_recent(snap, age, RELEASED_DELETE_GRACE_SECONDS):
            continue
        evs = warning_events(snap, "persistentvolumes", pv)
        provisioner = as_dict(meta(pv).get("annotations")).get("pv.kubernetes.io/provisioned-by")
        if evs:
            detail = f"{evs[-1].get('reason')}: {evs[-1].get('message') or ''}".strip(": ")
        else:
            detail = "the deletion did not happen" + (
                f" (provisioner {provisioner}: is it running?)" if provisioner else " (is its provisioner running?)"
            )
        claim = as_dict(get(pv, "spec", "claimRef"))
        evidence = [pv_line(snap, pv), *[event_line(e) for e in evs[-3:]]]
        if claim:
            evidence.append(f"claimRef: {claim.get('namespace', '')}/{claim.get('name', '')} (deleted)")
        yield Hit(
            ref("persistentvolumes", pv),
            {
                "since": f" for {human_age(age)}" if age is not None and age >= RELEASED_DELETE_GRACE_SECONDS else "",
                "detail": _short(detail),
            },
            evidence,
        )


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@check(
    "PV202",
    Severity.ERROR,
    "PersistentVolume Failed",
    "volume is Failed ({policy} policy): {detail}",
    looks_at=("persistentvolumes", "events"),
)
def pv_failed(snap: Snapshot) -> Iterator[Hit]:
    """A PersistentVolume is in phase ``Failed``: its automatic reclamation (deletion or recycling after
    the claim went away) failed, so the backend volume may still exist and cost money, and the PV stays.

    Looks at the PV phase, ``status.message`` and the PV's warning events (``VolumeFailedDelete``).
    Fix what the message names (provisioner credentials, a volume still attached to a node, a snapshot
    depending on it), delete the backend volume by hand if needed, then delete the PV.
    """
    for pv in snap.items("persistentvolumes"):
        if phase(pv) != "Failed":
            continue
        msg = str(get(pv, "status", "message", default=""))
        evs = warning_events(snap, "persistentvolumes", pv)
        yield Hit(
            ref("persistentvolumes", pv),
            {
                "policy": get(pv, "spec", "persistentVolumeReclaimPolicy", default="?"),
                "detail": msg or (str(evs[-1].get("message")) if evs else "reclamation failed"),
            },
            [msg, *[event_line(e) for e in evs[-3:]], pv_line(snap, pv)],
        )


@check(
    "SC201",
    Severity.WARNING,
    "Two or more default StorageClasses",
    "{count} StorageClasses are marked default ({names}): claims without a class get whichever Kubernetes picks",
    looks_at=("storageclasses",),
    links=("kubernetes-storage.md#two-or-more-default-storageclasses",),
)
def several_default_classes(snap: Snapshot) -> Iterator[Hit]:
    """More than one StorageClass carries ``storageclass.kubernetes.io/is-default-class: "true"``.
    Older API servers refuse claims without a class outright; newer ones pick the most recently created
    default, so claims land on a backend nobody chose (and CDI DataVolumes and chart defaults with them).

    Looks at the default-class annotation of every StorageClass; the finding is on the newest default
    (the one used today). Keep one default: set the annotation to ``"false"`` on the others.
    """
    defaults = default_classes(snap)
    if len(defaults) < 2:
        return
    defaults.sort(key=lambda sc: (str(meta(sc).get("creationTimestamp") or ""), name_of(sc)))
    names = ", ".join(name_of(sc) for sc in defaults)
    evidence = [
        f"{name_of(sc)} (default)   {sc.get('provisioner', '')}   {sc.get('reclaimPolicy', 'Delete')}"
        for sc in defaults
    ]
    yield Hit(ref("storageclasses", defaults[-1]), {"count": len(defaults), "names": names}, evidence)


CDI = "cdi.kubevirt.io/"
CDI_SCRATCH_SOURCES = ("cdi.kubevirt.io/storage.import.", "cdi.kubevirt.io/storage.upload.")


def _cdi_pending(snap: Snapshot) -> Iterator[tuple[ObjectRef, str, str, float]]:
    """(object, namespace, claim name, requested bytes) of CDI imports and uploads not finished yet."""
    seen: set[tuple[str, str]] = set()
    for pvc in snap.items("persistentvolumeclaims"):
        ann = as_dict(meta(pvc).get("annotations"))
        name, ns = name_of(pvc), namespace_of(pvc)
        if name.endswith("-scratch"):
            continue
        if not any(str(k).startswith(CDI_SCRATCH_SOURCES) for k in ann) and owner(pvc, "DataVolume") is None:
            continue
        seen.add((ns, name))
        if ann.get(CDI + "storage.pod.phase") == "Succeeded":
            continue
        size = _requested(pvc)
        if size:
            yield ref("persistentvolumeclaims", pvc), ns, name, size
    for dv in snap.items("datavolumes"):
        ns, name = namespace_of(dv), name_of(dv)
        if (ns, name) in seen or phase(dv) == "Succeeded":
            continue
        size = quantity(
            get(dv, "spec", "pvc", "resources", "requests", "storage")
            or get(dv, "spec", "storage", "resources", "requests", "storage", default="")
        )
        if size:
            yield ObjectRef("DataVolume", ns, name), ns, "", size


@check(
    "PVC206",
    Severity.ERROR,
    "CDI import needs twice its size in storage quota (scratch space)",
    "CDI import of {size} needs {need} more requests.storage ({why}), but quota {quota} has only {free} left "
    "({used} of {hard} used)",
    looks_at=("persistentvolumeclaims", "datavolumes", "resourcequotas", "events"),
    links=("kubevirt-cdi.md#cdi-import-blocked-exceeded-quota-on-requestsstorage-scratch-space-needs-the-size-twice",),
)
def cdi_scratch_quota(snap: Snapshot) -> Iterator[Hit]:
    """A KubeVirt CDI import (a DataVolume, or a claim with ``cdi.kubevirt.io/storage.import.*`` or
    ``storage.upload.*`` annotations) has not finished, and the namespace's ``requests.storage`` quota
    cannot hold it twice. CDI writes the image to a temporary scratch claim as large as the target before
    converting it, so an import of N needs 2 × N of quota while it runs, though the quota looks big
    enough for N; the scratch claim is refused with ``exceeded quota`` and the import never starts.

    Looks at unfinished CDI claims and DataVolumes, and ``status.hard``/``status.used`` of the
    ResourceQuotas in their namespace (the target claim, once created, already counts in ``used``).
    Raise the quota to leave room for the size twice, or import into a namespace that has it; the
    scratch claim is deleted when the import completes.
    """
    quotas: dict[str, list[dict[str, Any]]] = {}
    for q in snap.items("resourcequotas"):
        if "requests.storage" in as_dict(get(q, "status", "hard")):
            quotas.setdefault(namespace_of(q), []).append(q)
    if not quotas:
        return
    pvcs = by_name(snap, "persistentvolumeclaims")
    for obj, ns, claim, size in _cdi_pending(snap):
        if claim and (ns, claim + "-scratch") in pvcs:
            continue  # the scratch claim was admitted
        need = size if claim else 2 * size  # an existing target claim already counts in "used"
        for q in quotas.get(ns, []):
            hard = quantity(get(q, "status", "hard", "requests.storage")) or 0.0
            used = quantity(get(q, "status", "used", "requests.storage", default="0")) or 0.0
            if hard - used >= need:
                continue
            evs = [
                e
                for e in events_for(snap, obj.kind, ns, obj.name)
                if e.get("type") == "Warning" and "quota" in str(e.get("message"))
            ]
            yield Hit(
                obj,
                {
                    "size": human_bytes(size),
                    "why": "a scratch claim as large as the target" if claim else "the target and a scratch claim",
                    "need": human_bytes(need),
                    "quota": name_of(q),
                    "free": human_bytes(max(0.0, hard - used)),
                    "used": human_bytes(used),
                    "hard": human_bytes(hard),
                },
                [
                    *[event_line(e) for e in evs[-3:]],
                    f"{name_of(q)}: requests.storage   used {get(q, 'status', 'used', 'requests.storage', default='0')}"
                    f"   hard {get(q, 'status', 'hard', 'requests.storage')}",
                ],
            )
            break
