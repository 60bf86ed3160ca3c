"""A small Kubernetes API server emulator on loopback, for the live collector's tests.

It answers like a real API server for what the collector reads: ``/version``, ``/api`` and ``/apis``
discovery, list endpoints (cluster-wide and per namespace) with ``limit``/``continue`` pagination and
``remainingItemCount``, a namespace by name, and pod logs (``container``, ``tailLines``, ``previous``). Errors
are ``Status`` objects with the real messages' shape. Bearer token auth (401 otherwise, except ``/version``).

Behaviour a test wants is set on the ``Cluster``: ``status`` (resource → forced status such as 403),
``delay`` (resource → seconds before answering), ``expire_continue`` (resources whose first continue
token is answered with 410 Gone), ``drop_once`` (resources whose first request gets its connection closed
without an answer), ``discovery_status`` (forced status of ``/api`` and ``/apis``).
Every request is recorded as (method, path, query) in ``requests``; any method but GET is recorded and
refused with 405.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

# Where each resource is served: plural → group version (the core group is "v1").
RESOURCE_GROUPS: dict[str, str] = {
    "namespaces": "v1",
    "nodes": "v1",
    "pods": "v1",
    "events": "v1",
    "persistentvolumes": "v1",
    "persistentvolumeclaims": "v1",
    "resourcequotas": "v1",
    "limitranges": "v1",
    "services": "v1",
    "endpoints": "v1",
    "secrets": "v1",
    "configmaps": "v1",
    "storageclasses": "storage.k8s.io/v1",
    "deployments": "apps/v1",
    "statefulsets": "apps/v1",
    "daemonsets": "apps/v1",
    "replicasets": "apps/v1",
    "jobs": "batch/v1",
    "cronjobs": "batch/v1",
    "endpointslices": "discovery.k8s.io/v1",
    "ingresses": "networking.k8s.io/v1",
    "mutatingwebhookconfigurations": "admissionregistration.k8s.io/v1",
    "validatingwebhookconfigurations": "admissionregistration.k8s.io/v1",
    "customresourcedefinitions": "apiextensions.k8s.io/v1",
    "apiservices": "apiregistration.k8s.io/v1",
    "poddisruptionbudgets": "policy/v1",
    "horizontalpodautoscalers": "autoscaling/v2",
    "leases": "coordination.k8s.io/v1",
}
CLUSTER_SCOPED = {
    "namespaces",
    "nodes",
    "persistentvolumes",
    "storageclasses",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "customresourcedefinitions",
    "apiservices",
}
LIST_KINDS = {
    "endpoints": "EndpointsList",
    "ingresses": "IngressList",
    "storageclasses": "StorageClassList",
    "persistentvolumeclaims": "PersistentVolumeClaimList",
    "persistentvolumes": "PersistentVolumeList",
    "poddisruptionbudgets": "PodDisruptionBudgetList",
    "horizontalpodautoscalers": "HorizontalPodAutoscalerList",
}


def list_kind(resource: str) -> str:
    if resource in LIST_KINDS:
        return LIST_KINDS[resource]
    singular = resource[:-3] + "y" if resource.endswith("ies") else resource[:-1]
    for plural_end in ("sses", "xes"):
        if resource.endswith(plural_end):
            singular = resource[:-2]
    return singular[:1].upper() + singular[1:] + "List"


@dataclass
class Cluster:
    """What the emulated API server holds and how it misbehaves."""

    token: str = "emulator-token-0123456789"
    git_version: str = "v1.29.4"
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # group version → resources served there (defaults from RESOURCE_GROUPS)
    served: dict[str, set[str]] = field(default_factory=dict)
    logs: dict[tuple[str, str, str, bool], str] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    expire_continue: set[str] = field(default_factory=set)
    drop_once: set[str] = field(default_factory=set)  # close the connection instead of answering, once
    discovery_status: int = 200  # 403: /api and /apis are forbidden (anonymous-like users)
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    resource_version: int = 48213

    def __post_init__(self) -> None:
        if not self.served:
            for resource, gv in RESOURCE_GROUPS.items():
                self.served.setdefault(gv, set()).add(resource)

    def drop_group(self, group: str) -> None:
        """The cluster does not serve ``group`` at all (absent from /apis, lists answer 404)."""
        for gv in [gv for gv in self.served if gv.split("/")[0] == group]:
            del self.served[gv]

    def paths(self, method: str = "GET") -> list[str]:
        return [p for m, p, _q in self.requests if m == method]


def _status(code: int, reason: str, message: str, kind: str = "") -> dict[str, Any]:
    details = {"kind": kind} if kind else {}
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing
    def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _json(self, code: int, obj: Any) -> None:
        self._send(code, orjson.dumps(obj))

    def _refuse(self) -> None:
        url = urlsplit(self.path)
        self.server.cluster.requests.append((self.command, url.path, parse_qs(url.query)))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._json(405, _status(405, "MethodNotAllowed", f"the emulator is read-only: {self.command} refused"))

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

    # -- GET
    def do_GET(self) -> None:
        cluster = self.server.cluster
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        cluster.requests.append(("GET", url.path, query))
        parts = [p for p in url.path.split("/") if p]
        if parts == ["version"]:
            self._json(
                200,
                {
                    "major": "1",
                    "minor": cluster.git_version.split(".")[1],
                    "gitVersion": cluster.git_version,
                    "gitCommit": "0" * 40,
                    "gitTreeState": "clean",
                    "buildDate": "2026-04-16T10:01:53Z",
                    "goVersion": "go1.22.2",
                    "compiler": "gc",
                    "platform": "linux/amd64",
                },
            )
            return
        if self.headers.get("Authorization") != f"Bearer {cluster.token}":
            self._json(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        if parts in (["api"], ["apis"]) and cluster.discovery_status != 200:
            code = cluster.discovery_status
            self._json(code, _status(code, "Forbidden", f'forbidden: cannot get path "{url.path}"'))
            return
        if parts == ["api"]:
            self._json(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}],
                },
            )
            return
        if parts == ["apis"]:
            self._json(200, self._group_list())
            return
        self._route(parts, query)

    def _group_list(self) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for gv in sorted(self.server.cluster.served, reverse=True):  # v2 before v1, as servers prefer
            if gv != "v1":
                group, version = gv.split("/")
                groups.setdefault(group, []).append(version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                    "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]},
                }
                for g, vs in sorted(groups.items())
            ],
        }

    def _route(self, parts: list[str], query: dict[str, list[str]]) -> None:
        if parts[:2] == ["api", "v1"]:
            gv, rest = "v1", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            gv, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            self._not_found(self.path)
            return
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        elif gv == "v1" and len(rest) == 2 and rest[0] == "namespaces":
            self._get_namespace(rest[1])
            return
        if gv == "v1" and namespace and len(rest) == 3 and rest[0] == "pods" and rest[2] == "log":
            self._log(namespace, rest[1], query)
            return
        if len(rest) != 1:
            self._not_found(self.path)
            return
        self._list(gv, rest[0], namespace, query)

    def _not_found(self, what: str) -> None:
        self._json(404, _status(404, "NotFound", "the server could not find the requested resource"))

    def _get_namespace(self, name: str) -> None:
        for ns in self.server.cluster.objects.get("namespaces", []):
            if ns["metadata"]["name"] == name:
                self._json(200, {"kind": "Namespace", "apiVersion": "v1", **ns})
                return
        self._json(404, _status(404, "NotFound", f'namespaces "{name}" not found', "namespaces"))

    def _list(self, gv: str, resource: str, namespace: str | None, query: dict[str, list[str]]) -> None:
        cluster = self.server.cluster
        if resource not in cluster.served.get(gv, set()):
            self._not_found(self.path)
            return
        if resource in cluster.drop_once:  # what a client sees when a kept-alive connection went stale
            cluster.drop_once.discard(resource)
            self.close_connection = True
            return
        if resource in cluster.delay:
            time.sleep(cluster.delay[resource])
        if resource in cluster.status:
            code = cluster.status[resource]
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            group = gv.split("/")[0] if "/" in gv else ""
            message = (
                f'{resource} is forbidden: User "system:serviceaccount:medic:collector" cannot list resource '
                f'"{resource}" in API group "{group}" {scope}'
            )
            self._json(code, _status(code, "Forbidden" if code == 403 else "InternalError", message, resource))
            return
        items = [
            o
            for o in cluster.objects.get(resource, [])
            if namespace is None or resource in CLUSTER_SCOPED or o["metadata"].get("namespace") == namespace
        ]
        limit = int(query.get("limit", ["0"])[0] or 0)
        start = 0
        if "continue" in query:
            if resource in cluster.expire_continue:
                cluster.expire_continue.discard(resource)
                self._json(
                    410,
                    _status(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result.",
                    ),
                )
                return
            token = orjson.loads(base64.urlsafe_b64decode(query["continue"][0]))
            start = int(token["start"])
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        meta: dict[str, Any] = {"resourceVersion": str(cluster.resource_version)}
        if end < len(items):
            token = {"v": "meta.k8s.io/v1", "rv": cluster.resource_version, "start": end}
            meta["continue"] = base64.urlsafe_b64encode(orjson.dumps(token)).decode()
            meta["remainingItemCount"] = len(items) - end
        body = {"kind": list_kind(resource), "apiVersion": gv, "metadata": meta, "items": items[start:end]}
        self._json(200, body)

    def _log(self, namespace: str, pod: str, query: dict[str, list[str]]) -> None:
        cluster = self.server.cluster
        container = query.get("container", [""])[0]
        previous = query.get("previous", ["false"])[0] == "true"
        text = cluster.logs.get((namespace, pod, container, previous))
        if text is None:
            what = "previous terminated container" if previous else "container"
            message = f'{what} "{container}" in pod "{pod}" not found'
            self._json(400, _status(400, "BadRequest", message))
            return
        tail = int(query.get("tailLines", ["0"])[0] or 0)
        lines = text.splitlines(keepends=True)
        if tail > 0:
            lines = lines[-tail:]
        self._send(200, "".join(lines).encode(), "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.cluster = cluster


@contextmanager
def serve(cluster: Cluster) -> Iterator[str]:
    """Serve ``cluster`` on a loopback port; yields the server URL (``http://127.0.0.1:port``)."""
    server = _Server(cluster)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
