"""Pieces of Kubernetes objects pasted without their ``apiVersion``/``kind``/``metadata`` → whole objects.

Operators paste what answers their question: only the ``status:`` of a pod, the ``containerStatuses`` a
``jq`` printed, a node's ``conditions`` array, a JSON member cut out of a document (``"status": {...},``).
The kind is read from the fields (a pod's status has ``containerStatuses`` or ``PodScheduled``/
``ContainersReady`` conditions, a node's has ``MemoryPressure``/``DiskPressure`` conditions or ``nodeInfo``,
a Deployment's ``Available``/``Progressing``, a Job's ``Complete``/``Failed``), the name from the command
that printed it (``kubectl get pod web-1 -o yaml``, ``curl .../nodes/n1/status``); an unnamed fragment is
named after the paste's subject when the snapshot is assembled.
"""

from __future__ import annotations

import re
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, resource_name
from medic.evidence.outputs.bounded import json_structure

_POD_CONDITIONS = {"PodScheduled", "ContainersReady", "Initialized", "PodReadyToStartContainers", "DisruptionTarget"}
_NODE_CONDITIONS = {"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable", "OutOfDisk"}
_DEPLOYMENT_CONDITIONS = {"Available", "Progressing", "ReplicaFailure"}
_JOB_REASONS = {"BackoffLimitExceeded", "DeadlineExceeded"}  # a Job's Failed condition says why
_JOB_CONDITIONS = {"Complete", "Failed", "SuccessCriteriaMet", "FailureTarget", "Suspended"}
_POD_STATUS_KEYS = {
    "containerStatuses",
    "initContainerStatuses",
    "podIP",
    "podIPs",
    "hostIP",
    "qosClass",
    "startTime",
    "nominatedNodeName",
}
_CONTAINER_STATUS_KEYS = {"restartCount", "lastState", "containerID", "imageID"}
_STATUS_KEYS = _POD_STATUS_KEYS | {"phase", "conditions", "nodeInfo", "replicas", "readyReplicas", "succeeded"}
# where a fragment's name is, in the command that printed it: a kubectl get's argument or an API path
_API_PATH = re.compile(r"/(?:namespaces/(?P<ns>[a-z0-9-]+)/)?(?P<res>[a-z]+)/(?P<name>[a-z0-9][a-z0-9.-]*)(?=/|\b)")


def _is_condition_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(c, dict) and "type" in c and "status" in c for c in value)
    )


def _is_container_status(value: Any) -> bool:
    return isinstance(value, dict) and "name" in value and bool(_CONTAINER_STATUS_KEYS & set(value))


def status_of(doc: Any) -> dict[str, Any] | None:
    """The ``status`` a fragment is (or holds), or None when it is no status of an object."""
    if isinstance(doc, dict):
        if isinstance(doc.get("status"), dict) and not doc.get("kind"):
            return dict(doc["status"])
        if set(doc) & _STATUS_KEYS and not doc.get("kind"):
            return dict(doc)
        if _is_container_status(doc):
            return {"containerStatuses": [doc]}
        return None
    if _is_condition_list(doc):
        return {"conditions": list(doc)}
    if isinstance(doc, list) and doc and all(_is_container_status(c) for c in doc):
        return {"containerStatuses": list(doc)}
    return None


def kind_of_status(status: dict[str, Any]) -> str | None:
    """The resource whose status this is, from its fields."""
    raw = status.get("conditions")
    conditions: list[Any] = raw if isinstance(raw, list) else []
    types = {str(c.get("type")) for c in conditions if isinstance(c, dict)}
    reason_set = {str(c.get("reason") or "") for c in conditions if isinstance(c, dict)}
    reasons = " ".join(reason_set)
    job_counts = {"succeeded", "failed", "active"} & set(status)
    # whole reasons: a Deployment's ProgressDeadlineExceeded is not a Job's DeadlineExceeded
    job_signs = job_counts or reason_set & _JOB_REASONS or "Complete" in types
    if job_signs and "containerStatuses" not in status and not types & _POD_CONDITIONS:
        return "jobs"
    if set(status) & _POD_STATUS_KEYS or types & _POD_CONDITIONS:
        return "pods"
    if types & _NODE_CONDITIONS or "nodeInfo" in status or "Kubelet" in reasons:
        return "nodes"
    if types & _DEPLOYMENT_CONDITIONS or "availableReplicas" in status or "updatedReplicas" in status:
        return "deployments"
    if "currentRevision" in status or "updateRevision" in status:
        return "statefulsets"
    if types & _JOB_CONDITIONS or {"succeeded", "failed", "active"} & set(status):
        return "jobs"
    phase = str(status.get("phase") or "")
    if phase in ("Active", "Terminating"):
        return "namespaces"
    if phase in ("Pending", "Running", "Succeeded", "Failed", "Unknown") or str(status.get("reason")) == "Evicted":
        return "pods"
    return None


def command_target(command: str | None) -> tuple[str | None, str, str]:
    """(resource, namespace, name) a command names: ``kubectl get pod web-1 -n x -o yaml`` or an API path
    (``curl .../api/v1/nodes/n1/status``); empty strings when it names none."""
    if not command:
        return None, "", ""
    from medic.evidence.outputs.kubectl_get import command_namespace, command_parts  # (no import cycle)

    verb, args, flags = command_parts(command)
    if verb == "get" and args:
        first = args[0]
        if "/" in first:
            res, name = first.split("/", 1)
            return resource_name(res), command_namespace(flags) or "", name
        res2 = resource_name(first)
        if res2 and len(args) > 1:
            return res2, command_namespace(flags) or "", args[1]
        return res2, command_namespace(flags) or "", ""
    for m in _API_PATH.finditer(command):
        if resource_name(m.group("res")) and m.group("res").endswith("s"):
            return resource_name(m.group("res")), m.group("ns") or "", m.group("name")
    return None, "", ""


def fragment_object(doc: Any, command: str | None) -> tuple[str, dict[str, Any]] | None:
    """(resource, API-shaped object) for a fragment, or None when it is no object's fragment."""
    status = status_of(doc)
    if status is None:
        return None
    res, ns, name = command_target(command)
    kind = res or kind_of_status(status)  # the command says what it printed; else the fields do
    if kind is None:
        return None
    if res and res != kind and name:
        name = ""  # the command is about another object
    obj: dict[str, Any] = {"metadata": {"name": name}, "status": status}
    if isinstance(doc, dict):
        md = doc.get("metadata")
        if isinstance(md, dict):
            obj["metadata"] = {**md, **({"name": name} if name and not md.get("name") else {})}
        if isinstance(doc.get("spec"), dict):
            obj["spec"] = doc["spec"]
    if ns and kind not in CLUSTER_SCOPED and not obj["metadata"].get("namespace"):
        obj["metadata"]["namespace"] = ns
    return kind, obj


def _open_brackets(text: str) -> tuple[list[str], bool, int]:
    """The closers of the brackets ``text`` leaves open (innermost last), whether it ends inside a string,
    and the offset after the last complete value (a closed bracket) or at the last comma."""
    stack: list[str] = []
    last_complete = 0
    structure, in_string = json_structure(text)
    for i, ch in structure:
        if ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if stack:
                stack.pop()
            last_complete = i + 1
        else:  # a comma
            last_complete = i
    return stack, in_string, last_complete


def close_json(text: str) -> str:
    """JSON cut short (an excerpt that ends inside an object) closed: the brackets left open are closed
    in order, a trailing comma or a dangling key is dropped. Text that is not cut short is returned as is."""
    stack, in_string, last_complete = _open_brackets(text)
    if not stack:
        return text
    body = text if not in_string else text[:last_complete]
    body = body.rstrip()
    # drop a dangling member: `"key":` or `"key"` or a trailing comma
    body = re.sub(r',?\s*"[^"\n]*"\s*:?\s*$', "", body) if body.endswith((":", '"')) else body
    body = body.rstrip().rstrip(",")
    # recount what is open after the cut
    return body + "".join(reversed(_open_brackets(body)[0]))
