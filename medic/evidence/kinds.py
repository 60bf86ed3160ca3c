"""One table of Kubernetes kinds for every parser: resource names, kubectl's short names, and which are
cluster-scoped.

A Snapshot keeps objects by their plural lower-case resource name (``pods``); kubectl prints kinds as
``Pod`` (describe, ``-o yaml``), ``pod`` or ``replicaset.apps`` (events' OBJECT column), ``po`` or ``deploy``
(commands), and ``Pod`` again in ``Controlled By: ReplicaSet/x``.
"""

from __future__ import annotations

# Kind → (resource, short names kubectl accepts besides the singular and plural)
_TABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "Pod": ("pods", ("po",)),
    "Node": ("nodes", ("no", "minion", "minions")),
    "Namespace": ("namespaces", ("ns",)),
    "Event": ("events", ("ev",)),
    "PersistentVolume": ("persistentvolumes", ("pv",)),
    "PersistentVolumeClaim": ("persistentvolumeclaims", ("pvc",)),
    "StorageClass": ("storageclasses", ("sc",)),
    "ResourceQuota": ("resourcequotas", ("quota",)),
    "LimitRange": ("limitranges", ("limits",)),
    "Deployment": ("deployments", ("deploy",)),
    "StatefulSet": ("statefulsets", ("sts",)),
    "DaemonSet": ("daemonsets", ("ds",)),
    "ReplicaSet": ("replicasets", ("rs",)),
    "ReplicationController": ("replicationcontrollers", ("rc",)),
    "Job": ("jobs", ()),
    "CronJob": ("cronjobs", ("cj",)),
    "Service": ("services", ("svc",)),
    "Endpoints": ("endpoints", ("ep",)),
    "EndpointSlice": ("endpointslices", ()),
    "Ingress": ("ingresses", ("ing",)),
    "HorizontalPodAutoscaler": ("horizontalpodautoscalers", ("hpa",)),
    "PodDisruptionBudget": ("poddisruptionbudgets", ("pdb",)),
    "ConfigMap": ("configmaps", ("cm",)),
    "Secret": ("secrets", ()),
    "ServiceAccount": ("serviceaccounts", ("sa",)),
    "MutatingWebhookConfiguration": ("mutatingwebhookconfigurations", ()),
    "ValidatingWebhookConfiguration": ("validatingwebhookconfigurations", ()),
    "CustomResourceDefinition": ("customresourcedefinitions", ("crd", "crds")),
    "APIService": ("apiservices", ()),
    "Lease": ("leases", ()),
    "VolumeAttachment": ("volumeattachments", ()),
    "NodeMetrics": ("nodemetrics", ()),
    "PodMetrics": ("podmetrics", ()),
    "Certificate": ("certificates", ("cert", "certs")),
    "CertificateRequest": ("certificaterequests", ("cr", "crs")),
    "Issuer": ("issuers", ()),
    "ClusterIssuer": ("clusterissuers", ()),
}
CLUSTER_SCOPED = {
    "nodes",
    "namespaces",
    "persistentvolumes",
    "storageclasses",
    "customresourcedefinitions",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "apiservices",
    "volumeattachments",
    "clusterissuers",
    "nodemetrics",
}
RESOURCES: dict[str, str] = {kind: res for kind, (res, _) in _TABLE.items()}  # Kind → resource
KIND_OF: dict[str, str] = {res: kind for kind, res in RESOURCES.items()}  # resource → Kind
ALIASES: dict[str, str] = {}  # any name kubectl accepts (lower case) → resource
for _kind, (_res, _short) in _TABLE.items():
    for _name in (_kind.lower(), _res, *_short):
        ALIASES.setdefault(_name, _res)


def resource_name(word: str) -> str | None:
    """``po`` / ``deployment.apps`` / ``Pod`` / ``certificates.cert-manager.io`` → the resource; None when
    unknown."""
    w = word.strip().lower().split(".", 1)[0]
    return ALIASES.get(w)


def resource_for(kind: str) -> str:
    """``Pod`` → ``pods``; an unknown Kind → its lower-case plural."""
    return RESOURCES.get(kind) or (kind.lower() + "s" if kind else "")


def kind_word(word: str) -> str:
    """``pod`` / ``replicaset.apps`` / ``Pod`` → ``Pod``; unknown words keep their capitalised form."""
    w = word.split(".", 1)[0]
    res = resource_name(w)
    return KIND_OF.get(res or "", w[:1].upper() + w[1:])


# The kind of object an event is about, when a paste shows the event without it (a describe's Events table
# cut from its object, headerless event rows): the reason names it where only one kind of object gets it
# (the reasons Kubernetes' own components record), else the component that reported it does. kubelet
# events are about pods except the node ones (``NodeNotReady``, ``Starting``...).
_NODE_REASONS = frozenset(
    {
        "Starting",
        "RegisteredNode",
        "RemovingNode",
        "DeletingNode",
        "Rebooted",
        "EvictionThresholdMet",
        "InvalidDiskCapacity",
        "FreeDiskSpaceFailed",
        "ImageGCFailed",
        "ContainerGCFailed",
        "CIDRNotAvailable",
        "NodeAllocatableEnforced",
        "KubeletSetupFailed",
        "SystemOOM",
        "NodeSysctlChange",
    }
)
_REASON_KIND: dict[str, str] = {
    **{
        r: "Pod"
        for r in (
            "Scheduled",
            "FailedScheduling",
            "Preempted",
            "Pulling",
            "Pulled",
            "Created",
            "Started",
            "Killing",
            "Unhealthy",
            "BackOff",
            "FailedMount",
            "FailedAttachVolume",
            "SuccessfulAttachVolume",
            "FailedCreatePodSandBox",
            "SandboxChanged",
            "Evicted",
            "ErrImageNeverPull",
            "InspectFailed",
            "FailedSync",
            "FailedPostStartHook",
            "FailedPreStopHook",
            "ProbeWarning",
            "FailedKillPod",
            "TaintManagerEviction",
            "NetworkNotReady",
            "FailedMapVolume",
            "AddedInterface",
        )
    },
    **{r: "Job" for r in ("BackoffLimitExceeded", "DeadlineExceeded", "PodFailurePolicy", "Completed")},
    "ScalingReplicaSet": "Deployment",
    "DeploymentRollback": "Deployment",
    **{
        r: "PersistentVolumeClaim"
        for r in (
            "ProvisioningFailed",
            "ProvisioningSucceeded",
            "Provisioning",
            "FailedBinding",
            "ExternalProvisioning",
            "WaitForFirstConsumer",
            "WaitForPodScheduled",
            "VolumeResizeFailed",
            "ExternalExpanding",
        )
    },
    **{r: "PersistentVolume" for r in ("VolumeFailedRecycle", "VolumeFailedDelete", "VolumeRecycled")},
    **{r: "Service" for r in ("EnsuringLoadBalancer", "EnsuredLoadBalancer", "SyncLoadBalancerFailed")},
    **{
        r: "HorizontalPodAutoscaler"
        for r in ("SuccessfulRescale", "FailedGetResourceMetric", "FailedComputeMetricsReplicas", "FailedGetScale")
    },
    **{r: "Certificate" for r in ("Issuing", "Generated", "Requested", "Reused")},
}
_COMPONENT_KIND = (  # prefix of the reporting component (``kubelet, node-1`` is the kubelet's)
    ("default-scheduler", "Pod"),
    ("kubelet", "Pod"),
    ("job-controller", "Job"),
    ("cronjob-controller", "CronJob"),
    ("deployment-controller", "Deployment"),
    ("replicaset-controller", "ReplicaSet"),
    ("replication-controller", "ReplicationController"),
    ("statefulset-controller", "StatefulSet"),
    ("statefulset", "StatefulSet"),
    ("daemonset-controller", "DaemonSet"),
    ("persistentvolume-controller", "PersistentVolumeClaim"),
    ("node-controller", "Node"),
    ("namespace-controller", "Namespace"),
    ("service-controller", "Service"),
    ("endpoint-controller", "Endpoints"),
    ("horizontal-pod-autoscaler", "HorizontalPodAutoscaler"),
    ("cert-manager-certificates", "Certificate"),
)


def event_subject_kind(reason: str, component: str) -> str:
    """The Kind an event with this reason, reported by this component, is about; "" when neither says."""
    if reason.startswith("Node") or reason in _NODE_REASONS:
        return "Node"
    if reason in _REASON_KIND:
        return _REASON_KIND[reason]
    comp = component.strip().lower()
    for prefix, kind in _COMPONENT_KIND:
        if comp.startswith(prefix):
            return kind
    return ""
