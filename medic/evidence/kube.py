"""The live collector: a read-only Snapshot of a Kubernetes cluster.

``collect(CollectOptions(...))`` loads the kubeconfig (contexts, exec credential plugins, OIDC) or the
in-cluster service account with the official ``kubernetes`` client, then makes raw ``GET`` calls through
its ``ApiClient`` (auth, TLS, proxies) and parses the JSON with orjson: no model classes, so 150k pods cost
one parse each. Lists are paginated (``limit``/``continue``); kinds are fetched concurrently. Only ``GET``
is ever sent.

What comes back is a ``Snapshot`` whose objects are the raw API items, redacted on arrival
(``medic.evidence.redact``) with ``metadata.managedFields`` dropped, except:

- ``secrets``: ``{"metadata", "type", "keys": [data keys], "certificate": {...}}``; values are never kept.
  ``certificate`` (``subject``, ``issuer``, ``not_before``, ``not_after`` in RFC 3339, ``dns_names``,
  ``key``) is there when ``tls.crt`` (or else ``ca.crt``) holds a PEM certificate.
- ``configmaps``: ``{"metadata", "keys"}``.
- ``helmreleases`` (derived): the latest revision of each Helm release stored in secrets of type
  ``helm.sh/release.v1`` (or in ConfigMaps with the Helm storage labels): ``{"metadata": {"name",
  "namespace"}, "chart": "name-version", "revision", "status", "app_version", "updated"}``.
- ``customresourcedefinitions``: the OpenAPI schemas of each version are dropped (megabytes, never read).
- ``endpoints`` is collected instead of ``endpointslices`` when ``discovery.k8s.io`` is not served.

Logs: the last ``log_lines`` lines of the containers of unhealthy pods (crash looping, not ready after
restarts, terminated with an error, or in a Failed pod), current and previous, keyed
``namespace/pod/container`` and ``namespace/pod/container/previous``.

A kind that answers 403, 404 or another error status, or that times out, is listed in
``meta["skipped"]`` as ``{"kind", "status", "reason"}`` (plus ``namespace`` when listed per namespace)
and collection goes on. An unreachable API server, rejected credentials, a missing kubeconfig or context
raise ``ClusterError``, one line.
"""

from __future__ import annotations

import base64
import binascii
import gc
import os
import re
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import orjson
import urllib3
from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from urllib3.connectionpool import ConnectionPool
from urllib3.response import BaseHTTPResponse

from medic.errors import MedicError
from medic.evidence.redact import may_hold_secrets, redact_object_counts, redact_text, redact_text_counts
from medic.model import Snapshot

FORMAT = 1
HELM_SECRET_TYPE = "helm.sh/release.v1"
MAX_LOG_LINE = 8192  # characters kept of one log line
MAX_RELEASE_BYTES = 64 << 20  # a Helm release larger than this once unzipped is not decoded


class ClusterError(MedicError):
    """The cluster cannot be reached or read: no kubeconfig, unknown context, refused connection, bad credentials."""


@dataclass
class CollectOptions:
    """What to collect and how. ``namespaces=None`` means all namespaces (cluster-wide lists)."""

    context: str | None = None
    kubeconfig: str | None = None
    namespaces: list[str] | None = None
    log_lines: int = 100  # 0: no logs
    page_size: int = 500  # 0: no pagination
    timeout: float = 30.0
    workers: int = 8
    max_log_containers: int = 300  # logs of at most this many containers (the most broken first)


@dataclass(frozen=True)
class Resource:
    """A kind to list: its snapshot name, the group versions to try in order, and its scope."""

    name: str
    versions: tuple[str, ...]  # "v1" for the core group, else "group/version"
    namespaced: bool
    fallback: str | None = None  # listed instead when no version is served (endpointslices → endpoints)
    page_limit: int | None = None  # smaller pages for kinds whose objects can be large


RESOURCES: tuple[Resource, ...] = (
    Resource("namespaces", ("v1",), False),
    Resource("nodes", ("v1",), False),
    Resource("pods", ("v1",), True),
    Resource("events", ("v1",), True),
    Resource("persistentvolumes", ("v1",), False),
    Resource("persistentvolumeclaims", ("v1",), True),
    Resource("storageclasses", ("storage.k8s.io/v1", "storage.k8s.io/v1beta1"), False),
    Resource("resourcequotas", ("v1",), True),
    Resource("limitranges", ("v1",), True),
    Resource("deployments", ("apps/v1",), True),
    Resource("statefulsets", ("apps/v1",), True),
    Resource("daemonsets", ("apps/v1",), True),
    Resource("replicasets", ("apps/v1",), True),
    Resource("jobs", ("batch/v1",), True),
    Resource("cronjobs", ("batch/v1", "batch/v1beta1"), True),
    Resource("services", ("v1",), True),
    Resource("endpointslices", ("discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"), True, fallback="endpoints"),
    Resource("ingresses", ("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"), True),
    Resource(
        "mutatingwebhookconfigurations",
        ("admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"),
        False,
    ),
    Resource(
        "validatingwebhookconfigurations",
        ("admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"),
        False,
    ),
    Resource(
        "customresourcedefinitions",
        ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"),
        False,
        page_limit=50,
    ),
    Resource("apiservices", ("apiregistration.k8s.io/v1", "apiregistration.k8s.io/v1beta1"), False),
    Resource("poddisruptionbudgets", ("policy/v1", "policy/v1beta1"), True),
    Resource("horizontalpodautoscalers", ("autoscaling/v2", "autoscaling/v2beta2", "autoscaling/v1"), True),
    Resource("leases", ("coordination.k8s.io/v1",), True),
    Resource("secrets", ("v1",), True, page_limit=100),
    Resource("configmaps", ("v1",), True, page_limit=100),
)
FALLBACKS = {"endpoints": Resource("endpoints", ("v1",), True)}
DERIVED = ("helmreleases",)  # from secrets (and Helm's ConfigMap storage)


Progress = Callable[[str, int], None]


def collect(options: CollectOptions, progress: Progress | None = None) -> Snapshot:
    """A read-only Snapshot of the cluster that ``options`` point at (see the module docstring)."""
    configuration, context = load_configuration(options)
    from kubernetes.client import ApiClient

    api_client: Any = ApiClient(configuration=configuration)
    api_client.user_agent = "medic-collect (read-only)"
    try:
        with _gc_paused():
            return _Collector(_Api(api_client, options.timeout), options, context, progress).run()
    finally:
        api_client.close()


class _GcPause:
    """The cyclic garbage collector off while pages are parsed: millions of new dicts and lists (no cycles;
    reference counting frees them) would otherwise start a collection every few hundred allocations and
    double the parse time of a large cluster. Nested and concurrent collections share one pause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._was_enabled:
                    gc.enable()


_gc_paused = _GcPause()


# ---------------------------------------------------------------------------------------------------------
# configuration


def _kubeconfig_paths(options: CollectOptions) -> tuple[str, list[str]]:
    """The kubeconfig setting as given (for messages) and its existing files."""
    setting = options.kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    files = [os.path.expanduser(p) for p in setting.split(os.pathsep) if p]
    return setting, [f for f in files if os.path.isfile(f)]


def load_configuration(options: CollectOptions) -> tuple[Any, str]:
    """The client Configuration (host, TLS, credentials) and the context name, or ClusterError."""
    from kubernetes import config as kubernetes_config
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException

    kconfig: Any = kubernetes_config  # untyped functions
    configuration = Configuration()
    setting, files = _kubeconfig_paths(options)
    try:
        if not files:
            in_pod = os.environ.get("KUBERNETES_SERVICE_HOST")
            if options.kubeconfig is None and options.context is None and in_pod:
                kconfig.load_incluster_config(client_configuration=configuration)
                context = "in-cluster"
            else:
                raise ClusterError(f"kubeconfig not found: {setting} (give --kubeconfig or set KUBECONFIG)")
        else:
            joined = os.pathsep.join(files)
            merged = kconfig.kube_config.KubeConfigMerger(joined).config  # all files, as kubectl merges them
            value = merged.value if merged is not None else {}
            entries = [getattr(c, "value", c) for c in value.get("contexts") or []]  # ConfigNodes
            names = [str(c.get("name")) for c in entries if isinstance(c, dict)]
            available = f"(contexts: {', '.join(names) or 'none'})"
            context = options.context or str(value.get("current-context") or "")
            if not context:
                raise ClusterError(f"no current context in {setting}: choose one with --context {available}")
            if context not in names:
                raise ClusterError(f"context {context!r} not found in {setting} {available}")
            kconfig.load_kube_config(
                config_file=joined, context=context, client_configuration=configuration, persist_config=False
            )
    except ClusterError:
        raise
    except ConfigException as e:  # no such user or cluster, an exec plugin that failed...
        raise ClusterError(f"cannot use kubeconfig {setting}: {_one_line(str(e))}") from None
    except OSError as e:
        raise ClusterError(f"cannot read kubeconfig {setting}: {_one_line(str(e))}") from None
    except Exception as e:
        if type(e).__module__.split(".")[0] == "yaml":  # PyYAML (untyped here): the file is not YAML
            raise ClusterError(f"cannot parse kubeconfig {setting}: {_one_line(str(e))}") from None
        raise
    configuration.retries = _Retry(total=1, connect=0, read=1, status=0, redirect=0, other=0)
    configuration.connection_pool_maxsize = max(options.workers, 1) + 2
    return configuration, context


class _Retry(urllib3.Retry):
    """One retry for a connection the server closed under us (a stale keep-alive, as client-go retries a
    GET on a reset); none for a timeout (a timeout is a timeout) or a refused connection (said at once)."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, urllib3.exceptions.TimeoutError):  # read/connect timeouts, refused connections
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------------
# transport


class _Timeout(Exception):
    """The API server did not answer within the timeout."""


class _Unreachable(Exception):
    """The connection failed (refused, reset, DNS, TLS)."""


def _connection_reason(error: BaseException) -> str:
    text = str(error)
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "resolution" in low:
        return "host name not resolved"
    if "certificate" in low or "ssl" in low or "tls" in low:
        return "TLS error: " + _one_line(text, 200)
    if "reset" in low:
        return "connection reset"
    if "remotedisconnected" in low or "aborted" in low or "closed connection" in low:
        return "connection closed by the server without an answer"
    return _one_line(text, 200)


class _Api:
    """GET-only access to the API server through the official client's configuration and credentials."""

    def __init__(self, api_client: Any, timeout: float) -> None:
        self.client = api_client
        self.timeout = timeout
        self.host = redact_text(str(api_client.configuration.host))[0]  # a server URL may carry user:password@

    def get(
        self, path: str, query: list[tuple[str, str]] | None = None, accept: str = "application/json"
    ) -> tuple[int, bytes]:
        """(status, body bytes) of ``GET path?query``; raises _Timeout or _Unreachable."""
        from kubernetes.client.exceptions import ApiException
        from kubernetes.config.config_exception import ConfigException

        try:
            request = self.client.param_serialize(
                method="GET",
                resource_path=path,
                query_params=list(query or []),
                header_params={"Accept": accept, "Accept-Encoding": "gzip"},
                auth_settings=["BearerToken"],
            )
        except ConfigException as e:  # an exec plugin or OIDC refresh that failed
            raise ClusterError(f"cannot get credentials: {_one_line(str(e))}") from None
        try:
            response = self.client.call_api(*request, _request_timeout=(self.timeout, self.timeout))
            raw = response.response
            try:
                body = raw.data
            finally:
                raw.release_conn()
        except urllib3.exceptions.NewConnectionError as e:  # (a ConnectTimeoutError subclass: first)
            raise _Unreachable(_connection_reason(e)) from None
        except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError, TimeoutError) as e:
            raise _Timeout(str(e)) from None
        except urllib3.exceptions.MaxRetryError as e:
            reason = e.reason
            if isinstance(reason, urllib3.exceptions.TimeoutError | TimeoutError) and not isinstance(
                reason, urllib3.exceptions.NewConnectionError
            ):
                raise _Timeout(str(reason)) from None
            raise _Unreachable(_connection_reason(reason or e)) from None
        except (urllib3.exceptions.HTTPError, OSError) as e:
            if "timed out" in str(e).lower():
                raise _Timeout(str(e)) from None
            raise _Unreachable(_connection_reason(e)) from None
        except ApiException as e:  # status 0: TLS failure reported by the client
            raise _Unreachable(_connection_reason(e)) from None
        return int(response.status), bytes(body or b"")


def _status_message(body: bytes) -> str:
    """The message of a Kubernetes Status body, or the start of the body."""
    try:
        status = orjson.loads(body)
    except orjson.JSONDecodeError:
        return redact_text(_one_line(body[:200].decode("utf-8", "replace")))[0]
    if isinstance(status, dict) and status.get("message"):
        return redact_text(_one_line(str(status["message"])))[0]
    return ""


# ---------------------------------------------------------------------------------------------------------
# shaping: secrets, configmaps, helm releases, certificates


def _rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _normalise_time(value: Any) -> str:
    """A Go timestamp (``2024-05-01T10:00:00.123456789+02:00``) as RFC 3339 UTC; unparsable kept as is."""
    if not isinstance(value, str) or not value:
        return ""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?", value)
    if not m:
        return value
    try:
        t = datetime.fromisoformat(m.group(1) + (m.group(2) or "Z").replace("Z", "+00:00"))
    except ValueError:
        return value
    return _rfc3339(t)


def certificate_summary(pem: bytes, key: str = "tls.crt") -> dict[str, Any] | None:
    """Subject, issuer, validity and DNS names of the first certificate of a PEM bundle, or None."""
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        return None
    try:
        cert = x509.load_pem_x509_certificates(pem)[0]
    except (ValueError, IndexError):
        return None
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        dns_names = [str(n) for n in san.get_values_for_type(x509.DNSName)]  # type: ignore[attr-defined]
    except (x509.ExtensionNotFound, ValueError):
        dns_names = []
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": _rfc3339(cert.not_valid_before_utc),
        "not_after": _rfc3339(cert.not_valid_after_utc),
        "dns_names": dns_names,
        "key": key,
    }


def _b64(value: str | bytes) -> bytes | None:
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return None


def decode_helm_release(value: str, layers: int = 2) -> dict[str, Any] | None:
    """Helm's stored release (base64 → gzip → JSON; Secrets add one more base64), or None."""
    raw: bytes | None = value.encode("ascii", "ignore")
    for _ in range(layers + 1):
        if raw is None:
            return None
        if raw[:2] == b"\x1f\x8b":
            try:
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                raw = d.decompress(raw, MAX_RELEASE_BYTES)
            except zlib.error:
                return None
            if d.unconsumed_tail:
                return None  # too large
            break
        if raw[:1] == b"{":
            break
        raw = _b64(raw)
    if raw is None:
        return None
    try:
        release = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return release if isinstance(release, dict) else None


def helm_summary(release: dict[str, Any], namespace: str) -> dict[str, Any] | None:
    """The few fields of a decoded Helm release that checks read."""
    name = release.get("name")
    if not isinstance(name, str) or not name:
        return None
    info = _dict(release.get("info"))
    chart = _dict(release.get("chart"))
    cmeta = _dict(chart.get("metadata"))
    try:
        revision = int(release.get("version") or 0)
    except (TypeError, ValueError):
        revision = 0
    chart_name = str(cmeta.get("name") or "")
    chart_version = str(cmeta.get("version") or "")
    return {
        "metadata": {"name": name, "namespace": str(release.get("namespace") or namespace)},
        "chart": f"{chart_name}-{chart_version}" if chart_name and chart_version else chart_name,
        "revision": revision,
        "status": str(info.get("status") or ""),
        "app_version": str(cmeta.get("appVersion") or ""),
        "updated": _normalise_time(info.get("last_deployed") or info.get("first_deployed")),
    }


def _helm_from_labels(meta: dict[str, Any]) -> dict[str, Any] | None:
    """What the storage labels say when the release itself cannot be decoded."""
    labels = _dict(meta.get("labels"))
    name = labels.get("name")
    if not name:
        return None
    try:
        revision = int(labels.get("version") or 0)
    except (TypeError, ValueError):
        revision = 0
    updated = ""
    if str(labels.get("modifiedAt") or "").isdigit():
        updated = _rfc3339(datetime.fromtimestamp(int(labels["modifiedAt"]), UTC))
    return {
        "metadata": {"name": str(name), "namespace": str(meta.get("namespace") or "")},
        "chart": "",
        "revision": revision,
        "status": str(labels.get("status") or ""),
        "app_version": "",
        "updated": updated,
    }


def _data_keys(obj: dict[str, Any]) -> list[str]:
    keys: set[str] = set()
    for field_name in ("data", "binaryData", "stringData"):
        data = obj.get(field_name)
        if isinstance(data, dict):
            keys.update(str(k) for k in data)
    return sorted(keys)


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def secret_summary(secret: dict[str, Any], counts: Counter[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A Secret as the snapshot keeps it (no values) and, for Helm's storage, the release summary."""
    data = _dict(secret.get("data"))
    stype = str(secret.get("type") or "")
    meta = _metadata(secret)
    helm = None
    if stype == HELM_SECRET_TYPE and isinstance(data.get("release"), str):
        release = decode_helm_release(data["release"], layers=2)
        helm = helm_summary(release, str(meta.get("namespace") or "")) if release else None
        helm = helm or _helm_from_labels(meta)
    cert = None
    for key in ("tls.crt", "ca.crt"):
        value = data.get(key)
        if isinstance(value, str) and value:
            pem = _b64(value)
            cert = certificate_summary(pem, key) if pem else None
            if cert:
                break
    keys = _data_keys(secret)
    counts.update(redact_object_counts("secrets", {"metadata": meta}))  # annotations, last-applied inside
    values = sum(1 for v in data.values() if v) + len(secret.get("stringData") or {})
    if values:
        counts["secret_values"] += values
    out: dict[str, Any] = {"metadata": meta, "type": stype, "keys": keys}
    if cert:
        out["certificate"] = cert
    return out, helm


def configmap_summary(cm: dict[str, Any], counts: Counter[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A ConfigMap as the snapshot keeps it (keys only) and, for Helm's ConfigMap storage, the release."""
    meta = _metadata(cm)
    data = _dict(cm.get("data"))
    labels = _dict(meta.get("labels"))
    helm = None
    if str(labels.get("owner", "")).lower() == "helm" and isinstance(data.get("release"), str):
        release = decode_helm_release(data["release"], layers=1)
        helm = helm_summary(release, str(meta.get("namespace") or "")) if release else None
        helm = helm or _helm_from_labels(meta)
    keys = _data_keys(cm)
    counts.update(redact_object_counts("configmaps", {"metadata": meta}))
    values = len(data) + len(cm.get("binaryData") or {})
    if values:
        counts["configmap_values"] += values
    return {"metadata": meta, "keys": keys}, helm


def _strip_crd(crd: dict[str, Any]) -> None:
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return
    spec.pop("validation", None)  # v1beta1
    for version in spec.get("versions") or []:
        if isinstance(version, dict):
            version.pop("schema", None)


# ---------------------------------------------------------------------------------------------------------
# logs


_BROKEN_WAITING = frozenset({"CrashLoopBackOff", "Error", "RunContainerError"})


def unhealthy_containers(pod: dict[str, Any]) -> list[tuple[int, str, bool]]:
    """(priority, container, has a previous instance) for the containers whose logs explain a problem.

    Crash looping or errored containers come first (0), then not ready after restarts or terminated with
    an error (1), then the containers of a Failed pod (2). Evicted pods have no logs left.
    """
    status = pod.get("status")
    if not isinstance(status, dict) or status.get("reason") == "Evicted":
        return []
    failed = status.get("phase") == "Failed"
    out: list[tuple[int, str, bool]] = []
    for group in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(group) or []:
            if not isinstance(cs, dict) or not cs.get("name"):
                continue
            restarts = int(cs.get("restartCount") or 0)
            state = _dict(cs.get("state"))
            waiting = _dict(state.get("waiting"))
            term = _dict(state.get("terminated"))
            last = _dict(cs.get("lastState"))
            previous = restarts > 0 or isinstance(last.get("terminated"), dict)
            if waiting.get("reason") in _BROKEN_WAITING:
                prio = 0
            elif (not cs.get("ready") and restarts > 0 and not term) or (
                term and term.get("exitCode") not in (0, None)
            ):
                prio = 1
            elif failed and (term or previous):
                prio = 2
            else:
                continue
            out.append((prio, str(cs["name"]), previous))
    return out


# ---------------------------------------------------------------------------------------------------------
# the collector


@dataclass
class _Part:
    """What one list task brought back."""

    kind: str  # the snapshot resource the items go under (a fallback's name when it was used)
    items: list[dict[str, Any]] = field(default_factory=list)
    helm: list[dict[str, Any]] = field(default_factory=list)
    redacted: Counter[str] = field(default_factory=Counter)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    requested: str = ""
    ok: bool = True


def _now() -> str:
    return _rfc3339(datetime.now(UTC))


class _Collector:
    def __init__(self, api: _Api, options: CollectOptions, context: str, progress: Progress | None) -> None:
        self.api = api
        self.options = options
        self.context = context
        self._progress = progress
        self._lock = threading.Lock()
        self._fetched: Counter[str] = Counter()
        self.served: set[str] | None = None  # group versions the server offers; None when unknown

    # -- progress
    def progress(self, kind: str, n: int) -> None:
        with self._lock:
            self._fetched[kind] += n
            total = self._fetched[kind]
            if self._progress is not None:
                self._progress(kind, total)

    # -- first calls
    def _first_call(self) -> dict[str, Any]:
        """/version: proves the server answers; a failure here is the user's to fix."""
        where = f"{self.api.host}" + (f" (context {self.context})" if self.context else "")
        try:
            status, body = self.api.get("/version")
        except _Timeout:
            raise ClusterError(
                f"the Kubernetes API at {where} did not answer within {self.options.timeout:g}s"
            ) from None
        except _Unreachable as e:
            raise ClusterError(f"cannot reach the Kubernetes API at {where}: {e}") from None
        self._check_auth(status)
        if status != 200:
            return {}
        try:
            version = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ClusterError(f"{where} does not look like a Kubernetes API server (/version is not JSON)") from None
        return version if isinstance(version, dict) else {}

    def _check_auth(self, status: int) -> None:
        if status == 401:
            raise ClusterError(
                f"the Kubernetes API at {self.api.host} rejected the credentials of context "
                f"{self.context or '(current)'} (401 Unauthorized); log in again or check the user"
            )

    def _discover(self) -> None:
        """The served group versions, from /api and /apis (unknown if discovery fails)."""
        served: set[str] = set()
        try:
            status, body = self.api.get("/api")
            self._check_auth(status)
            if status != 200:
                return
            served.update(str(v) for v in orjson.loads(body).get("versions") or [])
            status, body = self.api.get("/apis")
            self._check_auth(status)
            if status != 200:
                return
            for group in orjson.loads(body).get("groups") or []:
                for v in group.get("versions") or []:
                    if isinstance(v, dict) and v.get("groupVersion"):
                        served.add(str(v["groupVersion"]))
        except (_Timeout, _Unreachable, orjson.JSONDecodeError, AttributeError):
            return
        self.served = served

    # -- listing
    def _versions(self, res: Resource) -> list[str]:
        if self.served is None:
            return list(res.versions)
        return [v for v in res.versions if v in self.served]

    @staticmethod
    def _base(version: str) -> str:
        return "/api/v1" if version == "v1" else f"/apis/{version}"

    def list_resource(self, res: Resource, namespace: str | None) -> _Part:
        """Every object of a kind (in one namespace or cluster-wide), trying its versions in order."""
        part = _Part(kind=res.name, requested=res.name)
        for version in self._versions(res):
            if self._list(res, version, namespace, part) != 404:
                return part
        reason = f"{' or '.join(res.versions)} not served by this cluster"
        if res.fallback:
            fallback = FALLBACKS[res.fallback]
            part.skipped.append(self._skip(res.name, 404, f"{reason}; {fallback.name} collected instead", namespace))
            part.kind = fallback.name
            if self._list(fallback, fallback.versions[0], namespace, part) == 404:
                part.skipped.append(self._skip(fallback.name, 404, "not served by this cluster", namespace))
                part.ok = False
            return part
        part.skipped.append(self._skip(res.name, 404, reason, namespace))
        part.ok = False
        return part

    @staticmethod
    def _skip(kind: str, status: int | str, reason: str, namespace: str | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": kind, "status": status, "reason": reason}
        if namespace:
            entry["namespace"] = namespace
        return entry

    def _list(self, res: Resource, version: str, namespace: str | None, part: _Part) -> int | str:
        """List into ``part``; returns the final status (200 on success, 404 to try the next version)."""
        base = self._base(version)
        path = f"{base}/namespaces/{namespace}/{res.name}" if namespace and res.namespaced else f"{base}/{res.name}"
        size = self.options.page_size
        limit = res.page_limit if size <= 0 else min(size, res.page_limit or size)  # page_size <= 0: no pages
        items: list[dict[str, Any]] = []
        helm: list[dict[str, Any]] = []
        counts: Counter[str] = Counter()
        cont = ""
        restarted = False
        while True:
            query = [("limit", str(limit))] if limit else []
            if cont:
                query.append(("continue", cont))
            try:
                status, body = self.api.get(path, query)
            except _Timeout:
                part.skipped.append(
                    self._skip(part.kind, "timeout", f"no answer within {self.options.timeout:g}s", namespace)
                )
                part.ok = False
                return "timeout"
            except _Unreachable as e:
                part.skipped.append(self._skip(part.kind, "error", str(e), namespace))
                part.ok = False
                return "error"
            self._check_auth(status)
            if status == 410 and cont and not restarted:  # the continue token expired: start again, once
                self.progress(part.kind, -len(items))
                items, helm, counts, cont, restarted = [], [], Counter(), "", True
                continue
            if status == 404 and not items:
                return 404
            if status != 200:
                part.skipped.append(self._skip(part.kind, status, _status_message(body), namespace))
                part.ok = False
                return status
            try:
                page = orjson.loads(body)
            except orjson.JSONDecodeError:
                part.skipped.append(self._skip(part.kind, "error", "the answer is not JSON", namespace))
                part.ok = False
                return "error"
            deep = None if may_hold_secrets(body) else False
            del body
            page_items = page.get("items") if isinstance(page, dict) else None
            for item in page_items or []:
                if isinstance(item, dict):
                    shaped, release = self._shape(part.kind, item, counts, deep)
                    items.append(shaped)
                    if release:
                        helm.append(release)
            self.progress(part.kind, len(page_items or []))
            meta = page.get("metadata") if isinstance(page, dict) else None
            cont = str((meta or {}).get("continue") or "")
            if not cont:
                break
        part.items.extend(items)
        part.helm.extend(helm)
        part.redacted.update(counts)
        return 200

    @staticmethod
    def _shape(
        kind: str, item: dict[str, Any], counts: Counter[str], deep: bool | None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if kind == "secrets":
            return secret_summary(item, counts)
        if kind == "configmaps":
            return configmap_summary(item, counts)
        if kind == "customresourcedefinitions":
            _strip_crd(item)
        counts.update(redact_object_counts(kind, item, deep=deep))
        return item, None

    def get_namespace(self, name: str) -> _Part:
        """One namespace by name (``--namespace`` mode: listing all of them may be forbidden)."""
        part = _Part(kind="namespaces", requested="namespaces")
        try:
            status, body = self.api.get(f"/api/v1/namespaces/{name}")
        except _Timeout:
            part.skipped.append(
                self._skip("namespaces", "timeout", f"no answer within {self.options.timeout:g}s", name)
            )
            part.ok = False
            return part
        except _Unreachable as e:
            part.skipped.append(self._skip("namespaces", "error", str(e), name))
            part.ok = False
            return part
        self._check_auth(status)
        if status == 404:
            raise ClusterError(f"namespace {name!r} not found in context {self.context or '(current)'}")
        if status != 200:
            part.skipped.append(self._skip("namespaces", status, _status_message(body), name))
            part.ok = False
            return part
        obj = orjson.loads(body)
        if isinstance(obj, dict):
            obj.pop("kind", None)
            obj.pop("apiVersion", None)
            part.redacted.update(redact_object_counts("namespaces", obj))
            part.items.append(obj)
            self.progress("namespaces", 1)
        return part

    # -- logs
    def fetch_log(self, namespace: str, pod: str, container: str, previous: bool) -> tuple[str, Any]:
        """("ok", (lines, counts)) or ("skip", status) for one container's last lines."""
        query = [("container", container), ("tailLines", str(self.options.log_lines))]
        if previous:
            query.append(("previous", "true"))
        try:
            status, body = self.api.get(f"/api/v1/namespaces/{namespace}/pods/{pod}/log", query, accept="*/*")
        except _Timeout:
            return "skip", "timeout"
        except _Unreachable:
            return "skip", "error"
        self._check_auth(status)
        if status in (400, 404):  # no previous container, not started yet, pod gone: nothing to read
            return "none", status
        if status != 200:
            return "skip", status
        # cut first (the last lines, each at most MAX_LOG_LINE characters), then redact them together: a key
        # that spans lines goes whole, and the work is bounded by what is kept
        tail = [line[:MAX_LOG_LINE] for line in body.decode("utf-8", "replace").splitlines()[-self.options.log_lines :]]
        text, counts = redact_text_counts("\n".join(tail))
        lines = text.split("\n") if counts else tail
        self.progress("logs", 1)
        return "ok", (lines, counts)

    # -- the run
    def _plan(self) -> list[tuple[Resource, str | None]]:
        namespaces = self.options.namespaces
        tasks: list[tuple[Resource, str | None]] = []
        for res in RESOURCES:
            if res.name == "namespaces" and namespaces:
                continue  # fetched one by one
            if res.namespaced and namespaces:
                tasks.extend((res, ns) for ns in namespaces)
            else:
                tasks.append((res, None))
        return tasks

    def run(self) -> Snapshot:
        collected_at = _now()
        version = self._first_call()
        self._discover()
        namespaces = sorted(set(self.options.namespaces)) if self.options.namespaces else None
        parts: list[_Part] = []
        log_results: list[tuple[str, tuple[str, Any]]] = []
        with ThreadPoolExecutor(max_workers=max(self.options.workers, 1), thread_name_prefix="medic-collect") as pool:
            pending: dict[Future[Any], tuple[str, Any]] = {}
            try:
                for name in namespaces or []:
                    pending[pool.submit(self.get_namespace, name)] = ("part", None)
                plan = self._plan()
                for res, ns in plan:
                    pending[pool.submit(self.list_resource, res, ns)] = ("part", None)
                pods_left = sum(1 for res, _ns in plan if res.name == "pods")
                pods: list[dict[str, Any]] = []
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        what, key = pending.pop(fut)
                        result = fut.result()  # a ClusterError (401) or a bug stops the collection here
                        if what == "log":
                            log_results.append((key, result))
                            continue
                        parts.append(result)
                        if result.requested == "pods":
                            pods.extend(result.items)
                            pods_left -= 1
                            if pods_left == 0 and self.options.log_lines > 0:
                                for key, args in self._log_requests(pods, parts):
                                    pending[pool.submit(self.fetch_log, *args)] = ("log", key)
            except BaseException:
                for fut in pending:
                    fut.cancel()
                raise
        return self._snapshot(collected_at, version, namespaces, parts, log_results)

    def _log_requests(self, pods: Iterable[dict[str, Any]], parts: list[_Part]) -> list[tuple[str, tuple[Any, ...]]]:
        wanted: list[tuple[int, str, str, str, bool]] = []
        for pod in pods:
            meta = _metadata(pod)
            ns, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
            if not ns or not name:
                continue
            for prio, container, previous in unhealthy_containers(pod):
                wanted.append((prio, ns, name, container, previous))
        wanted.sort()
        limit = max(self.options.max_log_containers, 0)
        if len(wanted) > limit:
            parts.append(
                _Part(
                    kind="logs",
                    ok=False,
                    skipped=[
                        self._skip(
                            "logs",
                            "limit",
                            f"logs of {limit} of {len(wanted)} unhealthy containers collected (max_log_containers)",
                            None,
                        )
                    ],
                )
            )
            wanted = wanted[:limit]
        requests: list[tuple[str, tuple[Any, ...]]] = []
        for _prio, ns, name, container, previous in wanted:
            requests.append((f"{ns}/{name}/{container}", (ns, name, container, False)))
            if previous:
                requests.append((f"{ns}/{name}/{container}/previous", (ns, name, container, True)))
        return requests

    def _snapshot(
        self,
        collected_at: str,
        version: dict[str, Any],
        namespaces: list[str] | None,
        parts: list[_Part],
        log_results: list[tuple[str, tuple[str, Any]]],
    ) -> Snapshot:
        objects: dict[str, list[dict[str, Any]]] = {}
        skipped: list[dict[str, Any]] = []
        redacted: Counter[str] = Counter()
        helm: dict[tuple[str, str], dict[str, Any]] = {}
        order = {r.name: i for i, r in enumerate(RESOURCES)}
        for part in sorted(parts, key=lambda p: (order.get(p.requested, len(order)), p.kind)):
            skipped.extend(part.skipped)
            redacted.update(part.redacted)
            if part.kind == "logs":
                continue
            if not part.ok:  # a kind (or one namespace of it) that could not be listed
                continue
            objects.setdefault(part.kind, []).extend(part.items)
            for release in part.helm:
                release_key = (release["metadata"]["namespace"], release["metadata"]["name"])
                if release_key not in helm or release["revision"] > helm[release_key]["revision"]:
                    helm[release_key] = release
        if "secrets" in objects:
            objects["helmreleases"] = sorted(
                helm.values(), key=lambda r: (r["metadata"]["namespace"], r["metadata"]["name"])
            )
        else:
            why = next((s for s in skipped if s["kind"] == "secrets"), None)
            skipped.append(
                {
                    "kind": "helmreleases",
                    "status": why["status"] if why else "error",
                    "reason": "derived from secrets, which could not be read",
                }
            )
        logs: dict[str, list[str]] = {}
        log_failures: Counter[str] = Counter()
        for key, (outcome, value) in sorted(log_results, key=lambda r: r[0]):
            if outcome == "ok":
                lines, counts = value
                logs[key] = lines
                redacted.update(counts)
            elif outcome == "skip":
                log_failures[str(value)] += 1
        for status, n in sorted(log_failures.items()):
            skipped.append(
                {
                    "kind": "logs",
                    "status": int(status) if status.isdigit() else status,
                    "reason": f"{n} log request{'s' if n != 1 else ''} failed",
                }
            )
        meta: dict[str, Any] = {
            "format": FORMAT,
            "collected_at": collected_at,
            "context": self.context,
            "cluster_version": str(version.get("gitVersion") or "") or None,
            "server": self.api.host,
            "namespaces": namespaces if namespaces else "all",
            "skipped": skipped,
            "redacted": dict(sorted(redacted.items())),
            "counts": {kind: len(items) for kind, items in objects.items()},
        }
        return Snapshot(objects=objects, logs=logs, meta=meta)


__all__ = [
    "DERIVED",
    "RESOURCES",
    "ClusterError",
    "CollectOptions",
    "Resource",
    "certificate_summary",
    "collect",
    "configmap_summary",
    "decode_helm_release",
    "helm_summary",
    "load_configuration",
    "secret_summary",
    "unhealthy_containers",
]
