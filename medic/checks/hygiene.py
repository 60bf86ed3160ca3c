"""Hygiene checks (HYG7xx): what is left half-done: namespaces stuck Terminating, objects held by finalizers,
CRDs whose operator is gone, Helm releases failed or stuck."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medic.checks.kube import (
    age_seconds,
    as_dict,
    as_list,
    by_name,
    conditions,
    get,
    human_age,
    listed_completely,
    meta,
    name_of,
    namespace_of,
    parse_time,
    ref,
    scoped_collection,
    too_recent,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

STUCK_NAMESPACE_SECONDS = 10 * 60
STUCK_DELETION_SECONDS = 60 * 60
STUCK_HELM_SECONDS = 15 * 60

# namespace conditions that say why deletion does not finish, in the order they help most
NAMESPACE_CONDITIONS = (
    "NamespaceDeletionDiscoveryFailure",
    "NamespaceDeletionGroupVersionParsingFailure",
    "NamespaceDeletionContentFailure",
    "NamespaceFinalizersRemaining",
    "NamespaceContentRemaining",
)


@check(
    "HYG701",
    Severity.ERROR,
    "Namespace stuck in Terminating",
    "namespace has been Terminating{age}: {why}",
    looks_at=("namespaces",),
    links=(
        "kubernetes-nodes-control-plane.md#namespace-stuck-in-terminating",
        "kubevirt-cdi.md#datavolume-create-or-delete-fails-failed-calling-webhook-datavolume-mutatecdikubevirtio",
    ),
)
def namespace_terminating(snap: Snapshot) -> Iterator[Hit]:
    """A namespace was deleted more than ten minutes ago and is still ``Terminating``. The namespace
    controller must delete everything in it first; it stops when an API group cannot be listed (an
    unavailable aggregated APIService), or when objects keep finalizers whose controller is gone (an
    operator uninstalled before its custom resources). Until it finishes, nothing can be recreated in a
    namespace of that name (a reinstall into it fails).

    Looks at the namespace's ``deletionTimestamp`` and its deletion conditions
    (``NamespaceDeletionDiscoveryFailure``, ``NamespaceContentRemaining``, ``NamespaceFinalizersRemaining``),
    whose messages name the failing group or the finalizers left. Fix that cause (restore or delete the
    broken APIService; bring the operator back so it can finalize, or remove the finalizers from the
    remaining objects by hand) rather than forcing the namespace's own finalizer away, which leaves the
    objects behind in etcd.
    """
    for ns in snap.items("namespaces"):
        deleted = meta(ns).get("deletionTimestamp")
        if not deleted and get(ns, "status", "phase") != "Terminating":
            continue
        age = age_seconds(snap, deleted)
        if too_recent(snap, age, STUCK_NAMESPACE_SECONDS):
            continue
        conds = conditions(ns)
        messages = [
            str(conds[c].get("message") or c)
            for c in NAMESPACE_CONDITIONS
            if c in conds and conds[c].get("status") == "True"
        ]
        finalizers = [str(f) for f in as_list(get(ns, "spec", "finalizers"))]
        why = messages[0] if messages else f"waiting on finalizers {', '.join(finalizers) or 'none listed'}"
        yield Hit(
            ref("namespaces", ns),
            {"age": f" for {human_age(age)}" if age is not None and age >= STUCK_NAMESPACE_SECONDS else "", "why": why},
            messages or [f"{name_of(ns)}   Terminating"],
        )


# API groups of operators whose CRDs are commonly left behind by an unclean uninstall → substrings of the
# names their operator's Deployment goes by
KNOWN_OPERATORS: dict[str, tuple[str, ...]] = {
    "cdi.kubevirt.io": ("cdi-operator",),
    "kubevirt.io": ("virt-operator",),
    "cert-manager.io": ("cert-manager",),
    "acme.cert-manager.io": ("cert-manager",),
    "ceph.rook.io": ("rook-ceph-operator",),
    "velero.io": ("velero",),
}


def _crd_group(crd: dict[str, Any]) -> str:
    return str(get(crd, "spec", "group", default="")) or name_of(crd).split(".", 1)[-1]


def _conversion_service(crd: dict[str, Any]) -> tuple[str, str] | None:
    conv = as_dict(get(crd, "spec", "conversion"))
    if conv.get("strategy") != "Webhook":
        return None
    svc = as_dict(get(conv, "webhook", "clientConfig", "service")) or as_dict(
        get(conv, "webhookClientConfig", "service")
    )
    return (str(svc.get("namespace") or ""), str(svc.get("name") or "")) if svc.get("name") else None


def _operator_deployments(snap: Snapshot, group: str) -> list[dict[str, Any]]:
    tokens = KNOWN_OPERATORS.get(group, ())
    return [d for d in snap.items("deployments") if any(t in name_of(d) for t in tokens)]


def _crd_orphan_reason(snap: Snapshot, crd: dict[str, Any], group: str) -> str | None:
    """Why this CRD's operator looks gone, or None. Absence is only trusted for fully collected kinds."""
    conv = _conversion_service(crd)
    if conv and listed_completely(snap, "services", conv[0]) and conv not in by_name(snap, "services"):
        return f"its conversion webhook service {conv[0]}/{conv[1]} does not exist"
    ann = as_dict(meta(crd).get("annotations"))
    release, release_ns = ann.get("meta.helm.sh/release-name"), ann.get("meta.helm.sh/release-namespace")
    if release and release_ns:
        ns = str(release_ns)
        if listed_completely(snap, "namespaces", ns) and ("", ns) not in by_name(snap, "namespaces"):
            return f"the namespace {release_ns} of Helm release {release} that installed it is gone"
        if listed_completely(snap, "helmreleases", ns) and (ns, str(release)) not in by_name(snap, "helmreleases"):
            return f"Helm release {release_ns}/{release} that installed it is gone"
    everywhere = listed_completely(snap, "deployments") and not scoped_collection(snap)
    if group in KNOWN_OPERATORS and everywhere and not _operator_deployments(snap, group):
        return f"no {KNOWN_OPERATORS[group][0]} deployment runs in the cluster"
    return None


def _crd_line(crd: dict[str, Any]) -> str:
    """A ``kubectl get crd`` row: NAME CREATED AT."""
    return f"{name_of(crd)}   {meta(crd).get('creationTimestamp', '')}"


@check(
    "HYG702",
    Severity.WARNING,
    "CustomResourceDefinitions left behind by an operator that is gone",
    "{count} CRD(s) of {group} remain ({names}), but {reason}",
    looks_at=("customresourcedefinitions", "services", "deployments", "helmreleases", "namespaces"),
    links=(
        "kubevirt-cdi.md#cdi-install-stops-at-cdi-operator-crd-missing-last-applied-config-after-an-unclean-uninstall",
    ),
)
def crd_orphaned(snap: Snapshot) -> Iterator[Hit]:
    """The CRDs of an API group remain while the operator that owned them is gone: their conversion
    webhook's Service does not exist, the Helm release (or its namespace) that installed them was
    removed, or, for operators known to leave CRDs behind (CDI, KubeVirt, cert-manager, Rook, Velero),
    no operator deployment runs. Leftover CRDs break the next install (the operator refuses CRDs it did
    not create, such as CDI's ``missing last applied config``), keep custom resources nobody reconciles,
    and with a conversion webhook make every list of those resources fail.

    Looks at each CRD's conversion webhook, Helm ownership annotations and API group, against the
    collected Services, Helm releases, namespaces and deployments (only when every namespace was
    collected). One finding per API group. Back up any custom resources you need, delete them and the
    CRDs (``kubectl get crd | grep <group>``, ``kubectl delete crd ...``), then install again.
    """
    groups: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for crd in snap.items("customresourcedefinitions"):
        group = _crd_group(crd)
        reason = _crd_orphan_reason(snap, crd, group)
        if reason:
            groups.setdefault(group, []).append((crd, reason))
    for group, found in sorted(groups.items()):
        found.sort(key=lambda x: name_of(x[0]))
        names = ", ".join(name_of(c) for c, _ in found[:4]) + (", ..." if len(found) > 4 else "")
        yield Hit(
            ref("customresourcedefinitions", found[0][0]),
            {"count": len(found), "group": group, "names": names, "reason": found[0][1]},
            [_crd_line(c) for c, _ in found[:5]],
        )


CRD_PREDATES_SECONDS = 24 * 3600


@check(
    "HYG706",
    Severity.INFO,
    "CRDs predate their operator's install (left from an earlier install)",
    "{count} CRD(s) of {group} were created {gap} before the {operator} deployment ({names}): left over from an "
    "earlier install",
    looks_at=("customresourcedefinitions", "deployments"),
    links=(
        "kubevirt-cdi.md#cdi-install-stops-at-cdi-operator-crd-missing-last-applied-config-after-an-unclean-uninstall",
    ),
)
def crd_predates_operator(snap: Snapshot) -> Iterator[Hit]:
    """The CRDs of an operator known to leave them behind on an unclean uninstall (CDI, KubeVirt,
    cert-manager, Rook, Velero) were created more than a day before the operator's current deployment.
    A clean uninstall removes the CRDs and an upgrade keeps the deployment, so this usually means the
    operator was removed uncleanly and installed again over the old CRDs. Some operators then refuse to
    reconcile them (CDI stops at its operator pod, logging ``missing last applied config`` for a CRD)
    and install nothing else.

    Looks at the CRDs' and the operator deployment's ``creationTimestamp``. If the operator is not
    progressing, remove the operator and its custom resources, delete the old CRDs, and install again.
    """
    by_group: dict[str, list[dict[str, Any]]] = {}
    for crd in snap.items("customresourcedefinitions"):
        group = _crd_group(crd)
        if group in KNOWN_OPERATORS:
            by_group.setdefault(group, []).append(crd)
    for group, crds in sorted(by_group.items()):
        deployments = _operator_deployments(snap, group)
        times = [parse_time(meta(d).get("creationTimestamp")) for d in deployments]
        installed = min((t for t in times if t is not None), default=None)
        if installed is None:
            continue
        old = []
        for c in crds:
            created = parse_time(meta(c).get("creationTimestamp"))
            if created is not None and (installed - created).total_seconds() > CRD_PREDATES_SECONDS:
                old.append(c)
        if not old:
            continue
        old.sort(key=lambda c: (str(meta(c).get("creationTimestamp") or ""), name_of(c)))
        first = parse_time(meta(old[0]).get("creationTimestamp"))
        gap = (installed - first).total_seconds() if first else None
        deployment = min(deployments, key=lambda d: str(meta(d).get("creationTimestamp") or ""))
        yield Hit(
            ref("customresourcedefinitions", old[0]),
            {
                "count": len(old),
                "group": group,
                "gap": human_age(gap),
                "operator": f"{namespace_of(deployment)}/{name_of(deployment)}",
                "names": ", ".join(name_of(c) for c in old[:4]) + (", ..." if len(old) > 4 else ""),
            },
            [_crd_line(c) for c in old[:5]]
            + [f"deployment {name_of(deployment)} created {meta(deployment).get('creationTimestamp')}"],
        )


def _helm_line(rel: dict[str, Any]) -> str:
    """A ``helm list`` row: NAME NAMESPACE REVISION UPDATED STATUS CHART APP VERSION."""
    cells = [name_of(rel), namespace_of(rel), str(rel.get("revision", "")), str(rel.get("updated", ""))]
    cells += [str(rel.get("status", "")), str(rel.get("chart", "")), str(rel.get("app_version", ""))]
    return "   ".join(c for c in cells if c)


@check(
    "HYG703",
    Severity.ERROR,
    "Helm release failed",
    "Helm release {release}{chart} failed{age}",
    looks_at=("helmreleases",),
    links=(
        "konvoy-cluster-ops.md#konvoy-addon-failed-to-deploy-error-in-the-addons-stage",
        "kubernetes-nodes-control-plane.md#helm-release-stuck-another-operation-installupgraderollback-is-in-progress",
    ),
)
def helm_release_failed(snap: Snapshot) -> Iterator[Hit]:
    """The latest revision of a Helm release is ``failed``: an install or upgrade did not complete (a
    resource was rejected, a hook job failed, ``--wait`` timed out on pods that never became ready).
    Cluster add-ons deployed by Helm (Konvoy's addons, ingress controllers, monitoring) are then missing
    or half-upgraded.

    Looks at the status of each release's latest revision. Read why (``helm history <release> -n <ns>``,
    the events and pods of its workloads), fix it, then upgrade again or roll back to the last
    ``deployed`` revision (``helm rollback <release> <revision> -n <ns>``).
    """
    for rel in snap.items("helmreleases"):
        if str(rel.get("status", "")).lower() != "failed":
            continue
        yield Hit(
            ObjectRef("HelmRelease", namespace_of(rel), name_of(rel)),
            {
                "release": name_of(rel),
                "chart": _chart(rel),
                "age": _ago(age_seconds(snap, rel.get("updated"))),
            },
            [_helm_line(rel)],
        )


@check(
    "HYG704",
    Severity.WARNING,
    "Helm release stuck in a pending state",
    "Helm release {release}{chart} has been {status}{age}: further upgrades fail with "
    '"another operation (install/upgrade/rollback) is in progress"',
    looks_at=("helmreleases",),
    links=(
        "kubernetes-nodes-control-plane.md#helm-release-stuck-another-operation-installupgraderollback-is-in-progress",
    ),
)
def helm_release_pending(snap: Snapshot) -> Iterator[Hit]:
    """The latest revision of a Helm release has been ``pending-install``, ``pending-upgrade``,
    ``pending-rollback`` or ``uninstalling`` for more than fifteen minutes: the Helm client that started
    the operation was interrupted (CI job cancelled, laptop closed, timeout), and Helm refuses any new
    operation on the release.

    Looks at the status and update time of each release's latest revision. Roll back to the last
    ``deployed`` revision (``helm history``, ``helm rollback``); for a release stuck in
    ``pending-install`` with no deployed revision, uninstall it and install again.
    """
    for rel in snap.items("helmreleases"):
        status = str(rel.get("status", "")).lower()
        if not status.startswith("pending-") and status != "uninstalling":
            continue
        age = age_seconds(snap, rel.get("updated"))
        if too_recent(snap, age, STUCK_HELM_SECONDS):
            continue
        if age is not None and age < STUCK_HELM_SECONDS:
            age = None  # a paste's own newest time: how long is not known
        yield Hit(
            ObjectRef("HelmRelease", namespace_of(rel), name_of(rel)),
            {
                "release": name_of(rel),
                "chart": _chart(rel),
                "status": status,
                "age": f" for {human_age(age)}" if age is not None else "",
            },
            [_helm_line(rel)],
        )


def _chart(rel: dict[str, Any]) -> str:
    """`` (chart nginx-1.2.3, revision 4)`` from what the release shows; "" when neither is known."""
    parts = [
        f"chart {rel['chart']}" if rel.get("chart") else "",
        f"revision {rel['revision']}" if rel.get("revision") else "",
    ]
    known = ", ".join(p for p in parts if p)
    return f" ({known})" if known else ""


def _ago(seconds: float | None) -> str:
    return f" {human_age(seconds)} ago" if seconds is not None else ""


# custom resources often seen stuck on finalizers (the snapshot names kinds by their plural)
EXTRA_KINDS = {
    "datavolumes": "DataVolume",
    "virtualmachines": "VirtualMachine",
    "virtualmachineinstances": "VirtualMachineInstance",
    "certificates": "Certificate",
    "cephclusters": "CephCluster",
    "volumesnapshots": "VolumeSnapshot",
    "volumeattachments": "VolumeAttachment",
}


@check(
    "HYG705",
    Severity.WARNING,
    "Objects stuck in deletion on their finalizers",
    "{count} {kind}(s) deleted {age} ago still wait on finalizer(s) {finalizers} ({names})",
    looks_at=(
        "persistentvolumeclaims",
        "persistentvolumes",
        "pods",
        "customresourcedefinitions",
        "services",
        "deployments",
    ),
    links=(
        "kubernetes-storage.md#pvc-stuck-in-terminating-kubernetesiopvc-protection",
        "kubernetes-nodes-control-plane.md#namespace-stuck-in-terminating",
    ),
)
def stuck_finalizers(snap: Snapshot) -> Iterator[Hit]:
    """Objects were deleted more than an hour ago and still exist because their ``metadata.finalizers``
    are not cleared: the controller that owns the finalizer is gone or failing (an uninstalled operator,
    a CSI driver that cannot detach, ``kubernetes.io/pvc-protection`` while a pod still uses the claim).
    They block namespace deletion and the re-creation of objects with the same name.

    Looks at ``deletionTimestamp`` and ``finalizers`` of every collected object except namespaces
    (HYG701) and events; one finding per kind, namespace and finalizer set, on the oldest object. Bring
    the finalizer's controller back, or, when it is gone for good, remove the finalizer by hand
    (``kubectl patch <kind> <name> --type merge -p '{"metadata":{"finalizers":null}}'``) after checking
    what it was protecting (attached volumes, cloud resources).
    """
    groups: dict[tuple[str, str, tuple[str, ...]], list[tuple[float, dict[str, Any]]]] = {}
    for kind, items in snap.objects.items():
        if kind in ("events", "namespaces"):
            continue
        for obj in items:
            m = meta(obj)
            deleted, finalizers = m.get("deletionTimestamp"), m.get("finalizers")
            if not deleted or not finalizers:
                continue
            age = age_seconds(snap, deleted)
            if age is None or age < STUCK_DELETION_SECONDS:
                continue
            key = (kind, namespace_of(obj), tuple(sorted(str(f) for f in as_list(finalizers))))
            groups.setdefault(key, []).append((age, obj))
    for (kind, _ns, finalizers), found in sorted(groups.items()):
        found.sort(key=lambda x: (-x[0], name_of(x[1])))
        age, oldest = found[0]
        r = ref(EXTRA_KINDS.get(kind, kind), oldest)
        names = ", ".join(name_of(o) for _, o in found[:3]) + (", ..." if len(found) > 3 else "")
        yield Hit(
            r,
            {
                "count": len(found),
                "kind": r.kind,
                "age": human_age(age),
                "finalizers": ", ".join(finalizers),
                "names": names,
            },
            [
                f"{name_of(o)}   deletionTimestamp: {meta(o).get('deletionTimestamp')}   finalizers: {list(finalizers)}"
                for _, o in found[:3]
            ],
        )
