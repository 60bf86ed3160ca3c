"""Network checks (NET4xx): Services without endpoints or pods, Ingress backends and TLS secrets, admission
webhooks without a backend, cluster DNS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.control_plane import log_tail, pod_trouble
from medic.checks.kube import (
    as_dict,
    as_list,
    by_name,
    conditions,
    event_line,
    get,
    labels,
    listed_completely,
    meta,
    name_of,
    namespace_of,
    owner,
    pod_ready,
    ref,
    warning_events,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

Pod = dict[str, Any]
_TERMINAL = ("Succeeded", "Failed")


def _selector_keys(snap: Snapshot) -> set[str]:
    """Label keys any Service selects on (plus the cluster DNS label): the only ones worth indexing."""
    keys = {"k8s-app"}
    for svc in snap.items("services"):
        keys.update(str(k) for k in as_dict(get(svc, "spec", "selector")))
    return keys


def _pod_index(snap: Snapshot) -> dict[str, dict[tuple[str, str], list[Pod]]]:
    """Live (non-terminal, not deleting) pods by namespace, then by each (label, value) they carry for the
    label keys Services select on; built once."""
    key = "net:pod_index"
    if key not in snap.cache:
        keys = _selector_keys(snap)
        index: dict[str, dict[tuple[str, str], list[Pod]]] = {}
        # the pairs of a labels object, found once: the pods of a template share one (medic.evidence.sharing);
        # by id, which stays unique while the pods hold their labels
        pairs_of: dict[int, list[tuple[str, str]]] = {}
        for pod in snap.items("pods"):
            m = pod.get("metadata")
            if not isinstance(m, dict) or m.get("deletionTimestamp"):
                continue
            lbls = m.get("labels")
            if not isinstance(lbls, dict) or not lbls:
                continue
            st = pod.get("status")  # is_terminal, inlined: this runs over every pod of a large cluster
            if isinstance(st, dict) and st.get("phase") in _TERMINAL and st.get("reason") != "Evicted":
                continue
            pairs = pairs_of.get(id(lbls))
            if pairs is None:
                chosen = keys.intersection(lbls) if len(lbls) > len(keys) else [k for k in lbls if k in keys]
                pairs = pairs_of[id(lbls)] = [(k, str(lbls[k])) for k in chosen]
            by_label = index.setdefault(str(m.get("namespace") or ""), {})
            for pair in pairs:
                if pair in by_label:
                    by_label[pair].append(pod)
                else:
                    by_label[pair] = [pod]
        snap.cache[key] = index
    found: dict[str, dict[tuple[str, str], list[Pod]]] = snap.cache[key]
    return found


def selected_pods(snap: Snapshot, namespace: str, selector: dict[str, Any]) -> list[Pod]:
    """The live pods a Service-style (equality) selector picks: scans only the rarest label's pods."""
    by_label = _pod_index(snap).get(namespace, {})
    pairs = [(str(k), str(v)) for k, v in selector.items()]
    candidates = [by_label.get(p, []) for p in pairs]
    if not candidates:
        return []
    smallest = min(candidates, key=len)
    if len(pairs) == 1:
        return smallest
    return [p for p in smallest if all(str(as_dict(meta(p).get("labels")).get(k)) == v for k, v in pairs)]


def _label_values(snap: Snapshot, namespace: str) -> dict[str, set[str]]:
    key = "net:label_values:" + namespace
    if key not in snap.cache:
        values: dict[str, set[str]] = {}
        for k, v in _pod_index(snap).get(namespace, {}):
            values.setdefault(k, set()).add(v)
        snap.cache[key] = values
    found: dict[str, set[str]] = snap.cache[key]
    return found


def _endpoint_index(snap: Snapshot) -> dict[tuple[str, str], tuple[int, int]] | None:
    """(ready, total) endpoint addresses per Service, from EndpointSlices, else Endpoints; None when
    neither was collected."""
    key = "net:endpoints"
    if key not in snap.cache:
        snap.cache[key] = _build_endpoint_index(snap)
    index: dict[tuple[str, str], tuple[int, int]] | None = snap.cache[key]
    return index


def _count_slices(snap: Snapshot, into: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Add each EndpointSlice's (ready, total) addresses to its Service's counts."""
    for es in snap.items("endpointslices"):
        svc = labels(es).get("kubernetes.io/service-name")
        if not svc:
            continue
        k = (namespace_of(es), svc)
        ready, total = into.get(k, (0, 0))
        for ep in as_list(es.get("endpoints")):
            n = len(as_list(as_dict(ep).get("addresses"))) or 1
            total += n
            if get(ep, "conditions", "ready") is not False:  # unset means ready
                ready += n
        into[k] = (ready, total)


def _count_endpoints(snap: Snapshot, into: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Each Endpoints object's (ready, total) addresses, under its Service's name."""
    for ep in snap.items("endpoints"):
        ready = total = 0
        for subset in as_list(ep.get("subsets")):
            r = len(as_list(as_dict(subset).get("addresses")))
            ready += r
            total += r + len(as_list(as_dict(subset).get("notReadyAddresses")))
        into[(namespace_of(ep), name_of(ep))] = (ready, total)


def _build_endpoint_index(snap: Snapshot) -> dict[tuple[str, str], tuple[int, int]] | None:
    index: dict[tuple[str, str], tuple[int, int]] = {}
    if snap.has("endpointslices"):
        _count_slices(snap, index)
        return index
    if snap.has("endpoints"):
        _count_endpoints(snap, index)
        return index
    return None


def _selector(svc: dict[str, Any]) -> dict[str, Any]:
    if get(svc, "spec", "type") == "ExternalName":
        return {}
    return as_dict(get(svc, "spec", "selector"))


def _fmt_selector(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _why_not_ready(snap: Snapshot, pods: list[Pod]) -> tuple[str, list[str]]:
    """A short reason and the evidence lines for pods that are not serving."""
    evidence: list[str] = []
    reasons: list[str] = []
    for pod in sorted(pods, key=name_of)[:3]:
        trouble = pod_trouble(pod)
        if trouble is None:
            continue
        state, detail, lines = trouble
        reasons.append(f"{name_of(pod)}: {state}" + (f" ({detail})" if detail and detail != state else ""))
        evidence += lines
        evidence += [event_line(e) for e in warning_events(snap, "pods", pod)[-2:]]
    return "; ".join(reasons), evidence


NO_PODS = "no-pods"
NOT_READY = "not-ready"


def service_no_endpoints_detail(snap: Snapshot, svc: dict[str, Any]) -> tuple[str, str, list[str]] | None:
    """Why a selector Service has no ready endpoint: (NO_PODS or NOT_READY, detail, evidence); None when it
    has one, or nothing can be said. Shared by the Service and the webhook checks."""
    index = _endpoint_index(snap)
    selector = _selector(svc)
    ns = namespace_of(svc)
    if index is None or not selector:
        return None
    if not (listed_completely(snap, "endpointslices", ns) or listed_completely(snap, "endpoints", ns)):
        return None
    ready, total = index.get((namespace_of(svc), name_of(svc)), (0, 0))
    if ready:
        return None
    if not listed_completely(snap, "pods", ns):
        return NOT_READY, f"{total} endpoint address(es), none ready", []
    pods = selected_pods(snap, namespace_of(svc), selector)
    if not pods:
        return NO_PODS, f"selector {_fmt_selector(selector)} matches no pods", []
    not_ready = [p for p in pods if not pod_ready(p)]
    if not not_ready:
        ports = ", ".join(
            str(as_dict(p).get("targetPort", as_dict(p).get("port"))) for p in as_list(get(svc, "spec", "ports"))
        )
        return (
            NOT_READY,
            f"{len(pods)} matching pod(s) are ready but none is an endpoint: check targetPort {ports or '?'} "
            "against the containers' ports",
            [],
        )
    reason, evidence = _why_not_ready(snap, not_ready)
    return NOT_READY, f"{len(pods)} matching pod(s), none ready: {reason or 'readiness failing'}", evidence


@check(
    "NET401",
    Severity.ERROR,
    "Service has no ready endpoints",
    "service has no ready endpoints: {detail}",
    looks_at=("services", "endpointslices", "endpoints", "pods", "events"),
    links=(
        "kubernetes-network.md#service-has-no-endpoints-selector-or-readiness-mismatch",
        "kubernetes-network.md#ingress-returns-502-bad-gateway-or-503-service-temporarily-unavailable",
        "kubernetes-pods.md#pods-restart-during-a-slow-start-readinessliveness-probe-connection-refused",
    ),
)
def service_no_endpoints(snap: Snapshot) -> Iterator[Hit]:
    """A Service with a selector has pods behind it, but none of them is a ready endpoint, so every
    connection to it is refused or times out (Ingress controllers answer 502/503). Usually the pods fail
    their readiness probe, crash, or a named ``targetPort`` matches no container port.

    Looks at the Service's EndpointSlices (or Endpoints when slices were not collected) and the pods its
    selector matches, with their readiness and warning events. A selector that matches no pod at all is
    NET402. Fix what keeps the pods unready (``kubectl describe pod``: ``Readiness probe failed``), or
    the Service's ``targetPort``.

    On pasted output (a partial snapshot) the Endpoints object (or EndpointSlice) shown is enough: one with
    no ready address is reported for its Service, with what the paste shows of the pods behind it.
    """
    if snap.meta.get("partial"):
        yield from _pasted_no_endpoints(snap)
        return
    for svc in snap.items("services"):
        found = service_no_endpoints_detail(snap, svc)
        if found is None or found[0] == NO_PODS:
            continue
        yield Hit(ref("services", svc), {"detail": found[1]}, found[2])


def _pasted_no_endpoints(snap: Snapshot) -> Iterator[Hit]:
    """NET401 on a paste: each Endpoints object / EndpointSlice shown without a ready address."""
    shown: dict[tuple[str, str], tuple[int, int]] = {}
    _count_endpoints(snap, shown)
    _count_slices(snap, shown)  # a slice of a Service shown as Endpoints too adds to its counts, as before
    services = by_name(snap, "services")
    for (ns, name), (ready, total) in sorted(shown.items()):
        if ready or not name:
            continue
        svc = services.get((ns, name))
        if svc is not None and get(svc, "spec", "type") == "ExternalName":
            continue
        detail = f"{total} endpoint address(es), none ready" if total else "its Endpoints list no address"
        evidence: list[str] = []
        if svc is not None and _selector(svc):
            pods = [p for p in selected_pods(snap, ns, _selector(svc)) if not pod_ready(p)]
            reason, evidence = _why_not_ready(snap, pods)
            if reason:
                detail += f"; pods shown: {reason}"
        obj = ObjectRef("Service", ns, name)
        yield Hit(obj, {"detail": detail}, evidence or [f"Endpoints {name}: <none>"])


@check(
    "NET402",
    Severity.WARNING,
    "Service selector matches no pods",
    "service selector {selector} matches no pods in {namespace}{hint}",
    looks_at=("services", "pods"),
    links=("kubernetes-network.md#service-has-no-endpoints-selector-or-readiness-mismatch",),
)
def service_selects_nothing(snap: Snapshot) -> Iterator[Hit]:
    """A Service's selector matches no running pod in its namespace: a label typo, a chart that renamed
    its labels, or a workload scaled to zero or deleted while its Service stayed. The Service has no
    endpoints and refuses every connection.

    Looks at the Service's ``spec.selector`` against the labels of the namespace's live pods (the message
    shows what the pods carry for the same label key). Fix the selector or the pod template labels, scale
    the workload up, or delete the Service if nothing should serve it.
    """
    for svc in snap.items("services"):
        selector = _selector(svc)
        if not selector or not listed_completely(snap, "pods", namespace_of(svc)):
            continue
        if selected_pods(snap, namespace_of(svc), selector):
            continue
        hint = ""
        values = _label_values(snap, namespace_of(svc))
        for k, v in sorted(selector.items()):
            have = values.get(str(k), set())
            if have and str(v) not in have:
                hint = f" (pods here have {k}=" + "|".join(sorted(have)[:3]) + ")"
                break
        yield Hit(
            ref("services", svc),
            {"selector": _fmt_selector(selector), "namespace": namespace_of(svc), "hint": hint},
            [f"Selector: {_fmt_selector(selector)}", "Endpoints: <none>"],
        )


def _ingress_backends(ing: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """(host, path, service, port) of each Service backend, networking.k8s.io/v1 and v1beta1 shapes."""

    def one(backend: Any, host: str, path: str) -> Iterator[tuple[str, str, str, Any]]:
        b = as_dict(backend)
        svc = as_dict(b.get("service"))
        if svc.get("name"):
            port = as_dict(svc.get("port"))
            yield host, path, str(svc["name"]), port.get("number") or port.get("name")
        elif b.get("serviceName"):
            yield host, path, str(b["serviceName"]), b.get("servicePort")

    yield from one(get(ing, "spec", "defaultBackend") or get(ing, "spec", "backend"), "*", "")
    for rule in as_list(get(ing, "spec", "rules")):
        host = str(as_dict(rule).get("host") or "*")
        for p in as_list(get(rule, "http", "paths")):
            yield from one(as_dict(p).get("backend"), host, str(as_dict(p).get("path") or "/"))


@check(
    "NET403",
    Severity.ERROR,
    "Ingress backend Service or port missing",
    "ingress routes {host}{path} to {target}, {problem}",
    looks_at=("ingresses", "services"),
    links=("kubernetes-network.md#ingress-returns-502-bad-gateway-or-503-service-temporarily-unavailable",),
)
def ingress_backend_missing(snap: Snapshot) -> Iterator[Hit]:
    """An Ingress rule (or its default backend) points at a Service that does not exist in the Ingress's
    namespace, or at a port that Service does not expose. The controller answers that path with 503 (or
    its default backend's 404), and logs that the service was not found.

    Looks at every Service backend of each Ingress (``networking.k8s.io/v1`` and the older
    ``serviceName``/``servicePort`` shape) against the collected Services and their ports. Fix the
    backend's service name or port, or deploy the missing Service (often from a renamed Helm release).
    """
    services = by_name(snap, "services")
    for ing in snap.items("ingresses"):
        ns = namespace_of(ing)
        if not listed_completely(snap, "services", ns):
            continue
        seen: set[tuple[str, str]] = set()
        for host, path, name, port in _ingress_backends(ing):
            svc = services.get((ns, name))
            if svc is None:
                problem = f"which does not exist in {ns}"
            else:
                ports = as_list(get(svc, "spec", "ports"))
                if port is None or any(
                    str(port) in (str(as_dict(p).get("port")), str(as_dict(p).get("name"))) for p in ports
                ):
                    continue
                problem = (
                    "a port the service does not expose ("
                    + ", ".join(f"{as_dict(p).get('name') or ''}:{as_dict(p).get('port')}".lstrip(":") for p in ports)
                    + ")"
                )
            if (name, str(port)) in seen:
                continue
            seen.add((name, str(port)))
            target = f"service {name}" + (f" port {port}" if port is not None else "")
            yield Hit(
                ref("ingresses", ing),
                {"host": host, "path": path, "target": target, "problem": problem},
                [
                    f"{host}  {path or '*'}  {name}:{port}"
                    + (f' (<error: endpoints "{name}" not found>)' if svc is None else "")
                ],
            )


@check(
    "NET404",
    Severity.WARNING,
    "Ingress TLS secret missing",
    "ingress TLS for {hosts} names secret {secret}, which does not exist: the controller serves its default "
    "certificate{issuer}",
    looks_at=("ingresses", "secrets"),
    links=(
        "kubernetes-nodes-control-plane.md#cert-manager-certificate-not-ready-acme-challenge-pending",
        "apps-vantiq-stack.md#vantiq-ingress-certificate-expired-renew-the-ssl-certificate",
    ),
)
def ingress_tls_secret_missing(snap: Snapshot) -> Iterator[Hit]:
    """An Ingress's ``spec.tls`` names a Secret that is not in its namespace. Controllers then serve their
    built-in self-signed certificate (``Kubernetes Ingress Controller Fake Certificate``), so browsers and
    clients fail with certificate errors even though the Ingress looks configured.

    Looks at each ``spec.tls[].secretName`` against the collected Secrets (metadata only). Create the
    secret (``kubectl create secret tls <name> --cert=... --key=...``) in the Ingress's namespace; when
    cert-manager should issue it (issuer annotations), look at why its Certificate is not Ready.
    """
    secrets = by_name(snap, "secrets")
    for ing in snap.items("ingresses"):
        if not listed_completely(snap, "secrets", namespace_of(ing)):
            continue
        ann = as_dict(meta(ing).get("annotations"))
        issuer = ann.get("cert-manager.io/cluster-issuer") or ann.get("cert-manager.io/issuer")
        for tls in as_list(get(ing, "spec", "tls")):
            secret = str(as_dict(tls).get("secretName") or "")
            if not secret or (namespace_of(ing), secret) in secrets:
                continue
            hosts = ", ".join(str(h) for h in as_list(as_dict(tls).get("hosts"))) or "all hosts"
            yield Hit(
                ref("ingresses", ing),
                {
                    "hosts": hosts,
                    "secret": secret,
                    "issuer": f" (cert-manager issuer {issuer} has not issued it yet)" if issuer else "",
                },
                [f'secrets "{secret}" not found'],
            )


_WEBHOOK_FAILED = re.compile(r'failed calling webhook "([^"]+)"')


def _webhook_events(snap: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Events that report a failed webhook call, by webhook name (one pass over the events)."""
    key = "net:webhook_events"
    if key not in snap.cache:
        found: dict[str, list[dict[str, Any]]] = {}
        for ev in snap.items("events"):
            msg = str(ev.get("message") or "")
            if "failed calling webhook" in msg and (m := _WEBHOOK_FAILED.search(msg)):
                found.setdefault(m.group(1), []).append(ev)
        for evs in found.values():
            evs.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        snap.cache[key] = found
    index: dict[str, list[dict[str, Any]]] = snap.cache[key]
    return index


def _webhooks(snap: Snapshot) -> Iterator[tuple[ObjectRef, dict[str, Any], str, str, str]]:
    """(config, webhook, failure policy, service namespace, service name) of service-backed webhooks."""
    for kind in ("mutatingwebhookconfigurations", "validatingwebhookconfigurations"):
        for cfg in snap.items(kind):
            for wh in as_list(cfg.get("webhooks")):
                svc = as_dict(get(wh, "clientConfig", "service"))
                if not svc.get("name"):
                    continue
                policy = str(as_dict(wh).get("failurePolicy") or "Fail")
                yield ref(kind, cfg), as_dict(wh), policy, str(svc.get("namespace") or ""), str(svc["name"])


def _rules(wh: dict[str, Any]) -> str:
    parts = []
    for rule in as_list(wh.get("rules"))[:2]:
        r = as_dict(rule)
        ops = "/".join(str(o) for o in as_list(r.get("operations"))) or "*"
        groups = [str(g) for g in as_list(r.get("apiGroups")) if g]
        res = ",".join(str(x) for x in as_list(r.get("resources"))) or "*"
        parts.append(f"{ops} {(groups[0] + '/') if groups else ''}{res}")
    return "; ".join(parts) or "its resources"


def _webhook_problem(snap: Snapshot, namespace: str, name: str) -> tuple[str, str, list[str]] | None:
    """("missing" | "no-endpoints", detail, evidence) for a webhook's backing Service, None when fine or
    unknown."""
    if not listed_completely(snap, "services", namespace):
        return None
    svc = by_name(snap, "services").get((namespace, name))
    if svc is None:
        return "missing", f"service {namespace}/{name} does not exist", []
    found = service_no_endpoints_detail(snap, svc)
    if found is None:
        return None
    return "no-endpoints", f"service {namespace}/{name} has no ready endpoints ({found[1]})", found[2]


def _webhook_hits(snap: Snapshot, policies: tuple[str, ...], problems: tuple[str, ...]) -> Iterator[Hit]:
    events = _webhook_events(snap)
    for obj, wh, policy, ns, name in _webhooks(snap):
        if policy not in policies:
            continue
        found = _webhook_problem(snap, ns, name)
        if found is None or found[0] not in problems:
            continue
        evs = events.get(str(wh.get("name")), [])
        yield Hit(
            obj,
            {"webhook": wh.get("name"), "detail": found[1], "rules": _rules(wh), "policy": policy},
            [event_line(e) for e in evs[-3:]] + found[2],
        )


@check(
    "NET405",
    Severity.ERROR,
    "Admission webhook (failurePolicy Fail) has no ready endpoints",
    'webhook {webhook}: {detail}; with failurePolicy Fail, every {rules} request is refused ("failed calling webhook")',
    looks_at=(
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
        "services",
        "endpointslices",
        "endpoints",
        "pods",
        "events",
    ),
    links=(
        "kubernetes-nodes-control-plane.md#admission-webhook-timeout-failed-calling-webhook--context-deadline-exceeded",
        "kubevirt-cdi.md#datavolume-create-or-delete-fails-failed-calling-webhook-datavolume-mutatecdikubevirtio",
    ),
)
def webhook_no_endpoints(snap: Snapshot) -> Iterator[Hit]:
    """A mutating or validating admission webhook with ``failurePolicy: Fail`` (the default) is served by
    a Service that has no ready endpoints. The API server cannot call it, so every request the webhook's
    rules cover (creating pods, DataVolumes, Ingresses...) fails with ``Internal error occurred: failed
    calling webhook "<name>": ... connect: connection refused`` or ``context deadline exceeded``, even
    for users who never touch the webhook's product.

    Looks at ``clientConfig.service`` of every webhook, that Service's endpoints and the pods behind it,
    and events quoting the webhook. Bring the webhook's pods back (their namespace, node, image,
    certificates); if its operator was uninstalled, delete the leftover webhook configuration.
    """
    yield from _webhook_hits(snap, ("Fail",), ("no-endpoints",))


@check(
    "NET406",
    Severity.ERROR,
    "Admission webhook (failurePolicy Fail) calls a Service that does not exist",
    "webhook {webhook}: {detail}; with failurePolicy Fail, every {rules} request is refused",
    looks_at=("mutatingwebhookconfigurations", "validatingwebhookconfigurations", "services", "events"),
    links=(
        "kubernetes-nodes-control-plane.md#admission-webhook-timeout-failed-calling-webhook--context-deadline-exceeded",
        "kubevirt-cdi.md#datavolume-create-or-delete-fails-failed-calling-webhook-datavolume-mutatecdikubevirtio",
    ),
)
def webhook_service_missing(snap: Snapshot) -> Iterator[Hit]:
    """A webhook with ``failurePolicy: Fail`` names a Service that is not in the cluster: typically
    left behind when an operator or chart was removed without its webhook configurations (or its
    namespace was deleted first). Every request its rules match fails with ``failed calling webhook``
    and ``service "<name>" not found``.

    Looks at ``clientConfig.service`` of every webhook against the collected Services. Reinstall the
    component, or delete the orphaned ``MutatingWebhookConfiguration``/``ValidatingWebhookConfiguration``.
    """
    yield from _webhook_hits(snap, ("Fail",), ("missing",))


@check(
    "NET407",
    Severity.WARNING,
    "Admission webhook (failurePolicy Ignore) has no backend",
    "webhook {webhook}: {detail}; failurePolicy Ignore lets {rules} requests through unchecked after "
    "waiting for the call to time out",
    looks_at=(
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
        "services",
        "endpointslices",
        "endpoints",
        "pods",
    ),
    links=(
        "kubernetes-nodes-control-plane.md#admission-webhook-timeout-failed-calling-webhook--context-deadline-exceeded",
    ),
)
def webhook_ignore_no_backend(snap: Snapshot) -> Iterator[Hit]:
    """A webhook with ``failurePolicy: Ignore`` has no working backend (its Service is missing or has no
    ready endpoint). Requests are not refused, but each waits for the call to fail (up to the webhook's
    ``timeoutSeconds``) and is admitted without the mutation or policy the webhook exists for (injected
    sidecars, defaults, security policies silently missing).

    Looks at ``clientConfig.service`` of webhooks with policy Ignore, that Service and its endpoints.
    Restore the webhook's pods, or delete the configuration if its component is gone.
    """
    yield from _webhook_hits(snap, ("Ignore",), ("missing", "no-endpoints"))


def _dns_pods(snap: Snapshot) -> list[Pod]:
    return [
        p
        for p in _pod_index(snap).get("kube-system", {}).get(("k8s-app", "kube-dns"), [])
        if not meta(p).get("deletionTimestamp")
    ]


def _workload_ref(pod: Pod) -> ObjectRef:
    """The Deployment behind a pod (ReplicaSet owner minus its pod-template-hash), else the pod."""
    rs = owner(pod, "ReplicaSet")
    h = labels(pod).get("pod-template-hash", "")
    if rs and h and str(rs.get("name", "")).endswith("-" + h):
        return ObjectRef("Deployment", namespace_of(pod), str(rs["name"])[: -len(h) - 1])
    return ref("pods", pod)


def _dns_evidence(snap: Snapshot, pod: Pod) -> list[str]:
    lines: list[str] = []
    for cs in as_list(get(pod, "status", "containerStatuses")):
        lines += log_tail(snap, pod, str(as_dict(cs).get("name") or "coredns"))
    return lines + [event_line(e) for e in warning_events(snap, "pods", pod)[-2:]]


@check(
    "NET408",
    Severity.ERROR,
    "Cluster DNS down: no CoreDNS pod is ready",
    "none of the {total} cluster DNS pods is ready ({detail}): name lookups fail in every pod",
    looks_at=("pods", "events", "logs"),
    links=("kubernetes-network.md#dns-lookups-fail-in-pods-no-such-host-or-io-timeout-to-the-cluster-dns-coredns",),
    absent=("pods",),  # "none is ready": a paste may leave out the ready ones (NET409 reports those shown)
)
def dns_down(snap: Snapshot) -> Iterator[Hit]:
    """Every cluster DNS pod (CoreDNS or kube-dns, label ``k8s-app=kube-dns`` in kube-system) is not ready,
    so the ``kube-dns`` Service has no endpoints: lookups of Services and external names fail in every pod
    (``no such host``, ``i/o timeout``), and applications fail in confusing ways.

    Looks at the DNS pods' states, readiness and events, and the error lines of their collected logs
    (``plugin/loop: Loop ... detected``, upstream ``i/o timeout``, a broken Corefile). Fix the cause they
    show (the Corefile in ConfigMap ``coredns``, the node's ``/etc/resolv.conf`` forwarding loop, the CNI);
    ``kubectl -n kube-system rollout restart deployment coredns`` once fixed.
    """
    pods = _dns_pods(snap)
    if not pods or any(pod_ready(p) for p in pods):
        return
    detail, evidence = _why_not_ready(snap, pods)
    for p in sorted(pods, key=name_of)[:2]:
        evidence += _dns_evidence(snap, p)
    yield Hit(
        _workload_ref(sorted(pods, key=name_of)[0]),
        {"total": len(pods), "detail": detail or "not ready"},
        evidence,
    )


@check(
    "NET409",
    Severity.WARNING,
    "CoreDNS pod not ready",
    "cluster DNS pod is {state} ({detail}); {ready} of {total} DNS pods ready",
    looks_at=("pods", "events", "logs"),
    links=("kubernetes-network.md#dns-lookups-fail-in-pods-no-such-host-or-io-timeout-to-the-cluster-dns-coredns",),
)
def dns_pod_not_ready(snap: Snapshot) -> Iterator[Hit]:
    """A cluster DNS pod (``k8s-app=kube-dns`` in kube-system) is crash looping or not ready while
    others still serve. Lookups keep working with less capacity; queries that were in flight to it time
    out, and if the others share its cause they will follow (all down is NET408).

    Looks at the DNS pods' states, readiness, events and log error lines. Read the failing pod's logs
    (``kubectl -n kube-system logs <pod>``), check its node, and the Corefile.
    """
    pods = _dns_pods(snap)
    ready = sum(1 for p in pods if pod_ready(p))
    partial = bool(snap.meta.get("partial"))  # NET408 does not run there: each pod shown is reported here
    if not ready and not partial:
        return
    total = f"{len(pods)} shown" if partial else len(pods)
    for pod in pods:
        if pod_ready(pod):
            continue
        trouble = pod_trouble(pod)
        if trouble is None:
            cond = conditions(pod).get("Ready", {})
            trouble = ("not ready", str(cond.get("message") or "readiness failing"), [])
        state, detail, lines = trouble
        yield Hit(
            ref("pods", pod),
            {"state": state, "detail": detail or "no detail", "ready": ready, "total": total},
            lines + _dns_evidence(snap, pod),
        )


# what the API server says when it could not call a webhook (as opposed to a webhook that answered "no")
_WEBHOOK_CALL = re.compile(r'failed (?:calling|to call) webhook "?([^":\s]+)"?:?\s*(.*)', re.IGNORECASE | re.DOTALL)


@check(
    "NET410",
    Severity.ERROR,
    "Admission webhook call failed: object creation refused",
    "creation refused: the API server could not call admission webhook {webhook}: {error}",
    looks_at=("events", "mutatingwebhookconfigurations", "validatingwebhookconfigurations"),
    links=(
        "kubernetes-nodes-control-plane.md#admission-webhook-timeout-failed-calling-webhook--context-deadline-exceeded",
    ),
)
def webhook_call_failed(snap: Snapshot) -> Iterator[Hit]:
    """A warning event (``FailedCreate`` of a ReplicaSet, StatefulSet, DaemonSet or Job, a
    ``FailedCreatePodSandBox``...) says the API server refused to create an object because it ``failed
    calling webhook "<name>"``: the webhook's Service has no ready endpoint (``no endpoints available for
    service``), its pods are unreachable from the API server (``context deadline exceeded``, ``connection
    refused``: a firewall between the control plane and the nodes, a NetworkPolicy), or its certificate is
    not trusted (``x509``). With ``failurePolicy: Fail`` nothing the webhook matches can be created.

    The event is enough (pasted ``get events`` or a describe's events): one finding per webhook and
    namespace, on the latest object refused. Where the webhook configurations were collected, NET405 and
    NET406 name the cause from the configuration and this check stays silent. What to do: restore the
    webhook's pods (``kubectl -n <ns> get pods,endpoints`` of the Service in the message), open the port
    from the control plane, or delete the configuration of a webhook whose component is gone.
    """
    if listed_completely(snap, "mutatingwebhookconfigurations") and listed_completely(
        snap, "validatingwebhookconfigurations"
    ):
        return  # NET405/NET406 see the configurations and say more
    found: dict[tuple[str, str], tuple[dict[str, Any], str, int]] = {}
    evs = [e for e in snap.items("events") if isinstance(e, dict) and e.get("type") in ("Warning", None, "")]
    evs.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
    for ev in evs:
        m = _WEBHOOK_CALL.search(str(ev.get("message") or ev.get("note") or ""))
        if not m:
            continue
        inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
        key = (str(inv.get("namespace") or namespace_of(ev)), m.group(1))
        count = found[key][2] + 1 if key in found else 1
        found[key] = (ev, " ".join(m.group(2).split())[:300] or "no detail", count)
    for (ns, webhook), (ev, error, count) in sorted(found.items()):
        inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
        obj = ObjectRef(str(inv.get("kind") or "Event"), ns, str(inv.get("name") or name_of(ev)))
        evidence = [event_line(ev)] + ([f"{count} events name this webhook"] if count > 1 else [])
        yield Hit(obj, {"webhook": webhook, "error": error}, evidence)
