"""What a bundle reader keeps of an API object: every field but those no check reads (declared here, once).

A real pod is 5-10 KB of JSON and its dicts take 3-4 times that in memory; the dropped fields below are
about two thirds of it (``managedFields`` alone a third). Two ways drop them, with the same result:

- ``decode``: for pods and nodes, the line is decoded against a schema of the fields kept (the API's
  fields of each level less the dropped ones, ``KEPT``), so the dropped ones are skipped while parsing and
  never built. A line that does not fit the schema (a field of an unexpected type: a bundle written by
  something else, a hand-made object) is parsed whole and slimmed like any other kind.
- ``slim``: any parsed object, the dropped fields popped.

A field outside the API's lists (no API server returns one for a pod or a node) is not kept by
``decode``. tests/diagnose/test_bundle_slim.py fails when a check starts reading a dropped field (take it
out of these lists then) and when the API's field lists below fall behind the Kubernetes client's.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec
import orjson

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# -- the fields dropped ----------------------------------------------------------------------------------------
META_FIELDS_DROPPED = ("managedFields", "generateName", "resourceVersion", "selfLink", "uid")
CONTAINER_FIELDS_DROPPED = (
    "env",  # values are redacted anyway
    "envFrom",
    "volumeMounts",
    "args",
    "livenessProbe",
    "securityContext",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "lifecycle",
)
STATUS_FIELDS_DROPPED = ("imageID", "containerID", "started")  # of a container status: the runtime's ids
POD_SPEC_FIELDS_DROPPED = (
    "affinity",
    "topologySpreadConstraints",
    "securityContext",
    "dnsPolicy",
    "dnsConfig",
    "enableServiceLinks",
    "preemptionPolicy",
    "readinessGates",
    "serviceAccount",  # the deprecated alias of serviceAccountName
    "serviceAccountName",
    "terminationGracePeriodSeconds",
    "priority",
)
POD_STATUS_FIELDS_DROPPED = ("hostIPs", "podIPs", "hostIP", "podIP", "startTime", "qosClass")
# volume sources whose content is dropped (the volume, its name and kind stay): the service-account token
# volume every pod has is a third of a pod's spec
VOLUME_SOURCES_EMPTIED = ("projected", "downwardAPI")
NODE_STATUS_FIELDS_DROPPED = ("images", "daemonEndpoints")  # a node's image list is 5-20 KB

# -- the API's fields of each level (Kubernetes 1.37: the client's models list them) ----------------------------
API_OBJECT = ("apiVersion", "kind", "metadata", "spec", "status")
API_META = (
    *("annotations", "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers"),
    *("generateName", "generation", "labels", "managedFields", "name", "namespace", "ownerReferences"),
    *("resourceVersion", "selfLink", "uid"),
)
API_POD_SPEC = (
    *("activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsConfig"),
    *("dnsPolicy", "enableServiceLinks", "ephemeralContainers", "evictionResponders", "hostAliases", "hostIPC"),
    *("hostNetwork", "hostPID", "hostUsers", "hostname", "hostnameOverride", "imagePullSecrets"),
    *("initContainers", "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy", "priority"),
    *("priorityClassName", "readinessGates", "resourceClaims", "resources", "restartPolicy", "runtimeClassName"),
    *("schedulerName", "schedulingGates", "schedulingGroup", "securityContext", "serviceAccount"),
    *("serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain"),
    *("terminationGracePeriodSeconds", "tolerations", "topologySpreadConstraints", "volumes"),
)
API_CONTAINER = (  # a container's, an init container's and an ephemeral container's (targetContainerName)
    *("args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name"),
    *("ports", "readinessProbe", "resizePolicy", "resources", "restartPolicy", "restartPolicyRules"),
    *("securityContext", "startupProbe", "stdin", "stdinOnce", "targetContainerName", "terminationMessagePath"),
    *("terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir"),
)
API_VOLUME = (
    *("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi", "downwardAPI"),
    *("emptyDir", "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs"),
    *("hostPath", "image", "iscsi", "name", "nfs", "persistentVolumeClaim", "photonPersistentDisk"),
    *("portworxVolume", "projected", "quobyte", "rbd", "scaleIO", "secret", "storageos", "vsphereVolume"),
)
API_POD_STATUS = (
    *("allocatedResources", "conditions", "containerStatuses", "ephemeralContainerStatuses"),
    *("extendedResourceClaimStatus", "hostIP", "hostIPs", "initContainerStatuses", "message"),
    *("nodeAllocatableResourceClaimStatuses", "nominatedNodeName", "observedGeneration", "phase", "podIP"),
    *("podIPs", "qosClass", "reason", "resize", "resourceClaimStatuses", "resources", "startTime"),
    "volumeHealth",
)
API_CONTAINER_STATUS = (
    *("allocatedResources", "allocatedResourcesStatus", "containerID", "image", "imageID", "lastState", "name"),
    *("ready", "resources", "restartCount", "started", "state", "stopSignal", "user", "volumeMounts"),
)
API_NODE_STATUS = (
    *("addresses", "allocatable", "capacity", "conditions", "config", "daemonEndpoints", "declaredFeatures"),
    *("features", "images", "nodeInfo", "phase", "runtimeHandlers", "volumesAttached", "volumesInUse"),
)


def _kept(api: tuple[str, ...], dropped: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in api if f not in dropped)


# what is kept of each level: the API's fields less the dropped ones
KEPT: dict[str, tuple[str, ...]] = {
    "metadata": _kept(API_META, META_FIELDS_DROPPED),
    "pod spec": _kept(API_POD_SPEC, POD_SPEC_FIELDS_DROPPED),
    "container": _kept(API_CONTAINER, CONTAINER_FIELDS_DROPPED),
    "volume": API_VOLUME,
    "pod status": _kept(API_POD_STATUS, POD_STATUS_FIELDS_DROPPED),
    "container status": _kept(API_CONTAINER_STATUS, STATUS_FIELDS_DROPPED),
    "node status": _kept(API_NODE_STATUS, NODE_STATUS_FIELDS_DROPPED),
}


# -- slimming a parsed object ----------------------------------------------------------------------------------
def strip_bookkeeping(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop the server's bookkeeping (managed fields, last-applied configuration): never written."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        ann = meta.get("annotations")
        if isinstance(ann, dict) and LAST_APPLIED in ann:
            ann.pop(LAST_APPLIED)
    return obj


def _drop(d: Any, keys: tuple[str, ...]) -> None:
    if isinstance(d, dict):
        for k in keys:
            d.pop(k, None)


def _is_pod(obj: dict[str, Any]) -> bool:
    spec = obj.get("spec")
    return isinstance(spec, dict) and isinstance(spec.get("containers"), list)


def _is_node(obj: dict[str, Any]) -> bool:
    status = obj.get("status")
    return isinstance(status, dict) and isinstance(status.get("nodeInfo"), dict) and not _is_pod(obj)


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    """What is kept in memory when a bundle is read: no bookkeeping, and none of the fields no check reads
    (the bundle file keeps them)."""
    strip_bookkeeping(obj)
    _drop(obj.get("metadata"), META_FIELDS_DROPPED)
    spec = obj.get("spec")
    status = obj.get("status")
    if isinstance(spec, dict) and _is_pod(obj):
        _drop(spec, POD_SPEC_FIELDS_DROPPED)
        for volume in spec.get("volumes") or ():
            if isinstance(volume, dict):
                for source in VOLUME_SOURCES_EMPTIED:
                    if source in volume:
                        volume[source] = {}
        for key in ("containers", "initContainers", "ephemeralContainers"):
            for c in spec.get(key) or ():
                _drop(c, CONTAINER_FIELDS_DROPPED)
        if isinstance(status, dict):
            _drop(status, POD_STATUS_FIELDS_DROPPED)
            for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
                for cs in status.get(key) or ():
                    _drop(cs, STATUS_FIELDS_DROPPED)
    elif _is_node(obj):
        _drop(status, NODE_STATUS_FIELDS_DROPPED)
    return obj


# -- decoding straight to the kept fields ---------------------------------------------------------------------
_typed_dict: Any = TypedDict  # built from the lists above (mypy reads only literal TypedDicts)
_list: Any = list


def _schema(name: str, fields: tuple[str, ...], **typed: Any) -> Any:
    return _typed_dict(name, {**dict.fromkeys(fields, Any), **typed}, total=False)


_EMPTIED = _schema("Emptied", ())  # an object whose content is skipped: ``{}``
_META = _schema("Meta", KEPT["metadata"])
_CONTAINERS = _list[_schema("Container", KEPT["container"])]
_STATUSES = _list[_schema("ContainerStatus", KEPT["container status"])]
_VOLUMES = _list[_schema("Volume", KEPT["volume"], **dict.fromkeys(VOLUME_SOURCES_EMPTIED, _EMPTIED))]
_POD_SPEC = _schema(
    "PodSpec",
    KEPT["pod spec"],
    containers=_CONTAINERS,
    initContainers=_CONTAINERS,
    ephemeralContainers=_CONTAINERS,
    volumes=_VOLUMES,
)
_POD_STATUS = _schema(
    "PodStatus",
    KEPT["pod status"],
    containerStatuses=_STATUSES,
    initContainerStatuses=_STATUSES,
    ephemeralContainerStatuses=_STATUSES,
)
_NODE_STATUS = _schema("NodeStatus", KEPT["node status"])
_DECODERS = {
    "pods": msgspec.json.Decoder(_schema("Pod", API_OBJECT, metadata=_META, spec=_POD_SPEC, status=_POD_STATUS)),
    "nodes": msgspec.json.Decoder(_schema("Node", API_OBJECT, metadata=_META, status=_NODE_STATUS)),
}
_FITS = {"pods": _is_pod, "nodes": _is_node}


def decode(kind: str, line: bytes | memoryview) -> tuple[Any, bool]:
    """(the object of one JSON line, slimmed; whether the declared fields were all it was decoded into).

    Pods and nodes that fit the schema are decoded into the kept fields alone; anything else is parsed
    whole (``orjson.JSONDecodeError`` for a line that is not JSON) and slimmed when it is an object."""
    decoder = _DECODERS.get(kind)
    if decoder is not None:
        try:
            obj = decoder.decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass  # another shape, or not JSON: parsed whole below (which says why, if it is not JSON)
        else:
            if _FITS[kind](obj):
                meta = obj.get("metadata")
                ann = meta.get("annotations") if meta is not None else None
                if isinstance(ann, dict) and LAST_APPLIED in ann:
                    ann.pop(LAST_APPLIED)
                return obj, True
    obj = orjson.loads(line)
    return (slim(obj) if isinstance(obj, dict) else obj), False
