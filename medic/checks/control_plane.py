"""Control-plane checks (CP35x): control-plane pods, etcd members, leader leases, certificates, APIServices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.fields import as_number, get_list
from medic.checks.kube import (
    age_seconds,
    as_dict,
    conditions,
    container_statuses,
    event_line,
    get,
    human_age,
    labels,
    listed_completely,
    meta,
    name_of,
    namespace_of,
    owner,
    parse_time,
    pod_phase,
    pod_ready,
    ref,
    snapshot_time,
    too_recent,
    warning_events,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
CERT_WARN_DAYS = 30
_ERRORISH = re.compile(r"\b(error|fatal|panic|failed|unable|refused|expired|timed? ?out|E\d{4})\b", re.IGNORECASE)


def component_of(pod: dict[str, Any]) -> str:
    """The control-plane component a kube-system pod runs (kubeadm labels, else the static pod name)."""
    if namespace_of(pod) != "kube-system":
        return ""
    comp = labels(pod).get("component", "")
    if comp in COMPONENTS:
        return comp
    # without kubeadm labels, only a static (mirror) pod named <component>-<node> counts: a job such as
    # etcd-defrag-28312345-x7k2p in kube-system is not a member
    ann = as_dict(meta(pod).get("annotations"))
    static = "kubernetes.io/config.mirror" in ann or (owner(pod, "Node") is not None)
    name = name_of(pod)
    for c in COMPONENTS:
        if static and name.startswith(c + "-"):
            return c
    return ""


def control_plane_pods(snap: Snapshot) -> list[tuple[str, dict[str, Any]]]:
    key = "cp:pods"
    if key not in snap.cache:
        snap.cache[key] = [(c, p) for p in snap.items("pods") if (c := component_of(p))]
    found: list[tuple[str, dict[str, Any]]] = snap.cache[key]
    return found


def log_tail(snap: Snapshot, pod: dict[str, Any], container: str, n: int = 3) -> list[str]:
    """The last error-looking lines of a container's previous (else current) log."""
    base = f"{namespace_of(pod)}/{name_of(pod)}/{container}"
    for key in (base + "/previous", base):
        lines = [ln for ln in snap.logs.get(key, []) if ln.strip()]
        if lines:
            errors = [ln for ln in lines if _ERRORISH.search(ln)]
            return (errors or lines)[-n:]
    return []


def pod_trouble(pod: dict[str, Any]) -> tuple[str, str, list[str]] | None:
    """(state, detail, evidence) when a pod is not running well: crash looping, waiting, not ready."""
    phase = pod_phase(pod)
    for cs in container_statuses(pod):
        waiting = as_dict(get(cs, "state", "waiting"))
        last = as_dict(get(cs, "lastState", "terminated"))
        if waiting.get("reason"):
            detail = f"{cs.get('restartCount', 0)} restarts"
            if last:
                detail = (
                    f"last exit {last.get('reason') or ''} {last.get('exitCode', '')}, ".replace(" ,", ",") + detail
                )
            evidence = [str(waiting.get("message") or ""), str(last.get("message") or "")]
            return str(waiting.get("reason")), detail, evidence
    if phase and phase != "Running":
        return phase, str(get(pod, "status", "reason", default="") or get(pod, "status", "message", default="")), []
    if not pod_ready(pod):
        cond = conditions(pod).get("Ready", {})
        return "not ready", str(cond.get("message") or cond.get("reason") or "readiness probe failing"), []
    return None


@check(
    "CP351",
    Severity.ERROR,
    "Control-plane pod not running or not ready",
    "{component} pod is {state}: {detail}",
    looks_at=("pods", "events", "logs"),
    links=(
        "kubernetes-nodes-control-plane.md#etcd-has-no-leader-or-an-unhealthy-member-etcdserver-no-leader-request-timed-out",
        "kubernetes-nodes-control-plane.md#etcd-alarm-nospace-etcdserver-mvcc-database-space-exceeded",
        "kubernetes-nodes-control-plane.md#control-plane-unreachable-x509-certificate-has-expired-or-is-not-yet-valid",
    ),
)
def control_plane_pod(snap: Snapshot) -> Iterator[Hit]:
    """A kube-system pod of etcd, kube-apiserver, kube-controller-manager or kube-scheduler (the static pods
    of kubeadm-style clusters, Konvoy included) is crash looping, waiting, not Running or not Ready. One
    unhealthy etcd member or API server is survivable with three control-plane nodes; a scheduler or
    controller manager that never becomes leader stops scheduling or reconciling cluster-wide.

    Looks at the pods' container states, restarts, readiness and warning events, and at the last error
    lines of their collected logs (an expired certificate, ``etcdserver: no leader``, ``mvcc: database
    space exceeded`` show up there). Static pods are managed by the kubelet from
    ``/etc/kubernetes/manifests`` on the node: read the container's logs there (``crictl logs``), fix the
    manifest or the certificate it names; an etcd member that cannot recover is removed and re-added.
    Managed clusters (AKS, EKS, GKE) do not show these pods.
    """
    for comp, pod in control_plane_pods(snap):
        trouble = pod_trouble(pod)
        if trouble is None:
            continue
        state, detail, evidence = trouble
        for cs in container_statuses(pod):
            evidence += log_tail(snap, pod, str(cs.get("name") or comp))
        evidence += [event_line(e) for e in warning_events(snap, "pods", pod)[-3:]]
        yield Hit(ref("pods", pod), {"component": comp, "state": state, "detail": detail or "no detail"}, evidence)


def _cert_key(cert: dict[str, Any]) -> tuple[str, str, str]:
    return str(cert.get("subject") or ""), str(cert.get("issuer") or ""), str(cert.get("not_after") or "")


def _certificates(snap: Snapshot) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    """(secret, certificate, how many secrets carry the same certificate), one per certificate: the same CA
    is copied into many secrets (service-account tokens in every namespace); TLS secrets are preferred."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for s in snap.items("secrets"):
        cert = as_dict(s.get("certificate"))
        if cert.get("not_after"):
            groups.setdefault(_cert_key(cert), []).append(s)
    found = []
    for secrets in groups.values():
        secrets.sort(key=lambda s: (s.get("type") != "kubernetes.io/tls", namespace_of(s), name_of(s)))
        found.append((secrets[0], as_dict(secrets[0].get("certificate")), len(secrets)))
    return found


def _cert_params(snap: Snapshot, secret: dict[str, Any], cert: dict[str, Any], copies: int) -> dict[str, Any]:
    ann = as_dict(meta(secret).get("annotations"))
    managed = ann.get("cert-manager.io/certificate-name")
    return {
        "subject": cert.get("subject") or "?",
        "names": ", ".join(str(n) for n in get_list(cert, "dns_names")[:3]) or "no DNS names",
        "not_after": cert.get("not_after"),
        "also": f" (same certificate in {copies - 1} other secret(s))" if copies > 1 else "",
        "managed": f"; cert-manager Certificate {managed} has not renewed it" if managed else "",
    }


def _cert_evidence(cert: dict[str, Any]) -> list[str]:
    """What ``openssl x509 -noout -subject -issuer -dates`` prints for it."""
    lines = [f"{k}={cert[k]}" for k in ("subject", "issuer") if cert.get(k)]
    for key, label in (("not_before", "notBefore"), ("not_after", "notAfter")):
        t = parse_time(cert.get(key))
        if t is not None:
            lines.append(f"{label}={t.strftime('%b %d %H:%M:%S %Y')} GMT")
    return lines


@check(
    "CP352",
    Severity.WARNING,
    "TLS certificate expires within 30 days",
    "certificate {subject} ({names}) expires in {remaining}, on {not_after}{also}{managed}",
    looks_at=("secrets",),
    links=(
        "apps-vantiq-stack.md#vantiq-ingress-certificate-expired-renew-the-ssl-certificate",
        "kubernetes-nodes-control-plane.md#cert-manager-certificate-not-ready-acme-challenge-pending",
    ),
)
def certificate_expiring(snap: Snapshot) -> Iterator[Hit]:
    """A certificate stored in a Secret (``tls.crt``, or a CA in ``ca.crt``) expires within 30 days of
    the snapshot (for short-lived certificates, within the last third of their lifetime, when their
    issuer should already have renewed them). Once it expires, clients fail with ``x509: certificate
    has expired or is not yet valid`` (browsers, the Vantiq IDE, webhooks called by the API server,
    registries).

    Looks at the certificate facts the collector parsed from each secret (never the key); a certificate
    copied into many secrets is reported once. Renew it before the date: for cert-manager, see why the
    Certificate is not renewing (``kubectl describe certificate``); for a purchased certificate, replace
    the secret's ``tls.crt``/``tls.key`` (``kubectl create secret tls ... --dry-run=client -o yaml |
    kubectl apply -f -``) and restart what loaded it if it does not reload on its own.
    """
    now = snapshot_time(snap)
    for secret, cert, copies in _certificates(snap):
        end = parse_time(cert.get("not_after"))
        if end is None or end <= now:
            continue
        left = (end - now).total_seconds()
        start = parse_time(cert.get("not_before"))
        lifetime = (end - start).total_seconds() if start is not None else float("inf")
        if left >= min(CERT_WARN_DAYS * 86400, lifetime / 3):
            continue  # short-lived certificates (mesh, webhook) are renewed in their last third
        params = _cert_params(snap, secret, cert, copies) | {"remaining": human_age(left)}
        yield Hit(ref("secrets", secret), params, _cert_evidence(cert))


@check(
    "CP353",
    Severity.ERROR,
    "TLS certificate expired or not yet valid",
    "certificate {subject} ({names}) {state}{also}{managed}",
    looks_at=("secrets",),
    links=(
        "kubernetes-nodes-control-plane.md#control-plane-unreachable-x509-certificate-has-expired-or-is-not-yet-valid",
        "apps-vantiq-stack.md#vantiq-ingress-certificate-expired-renew-the-ssl-certificate",
        "kubernetes-nodes-control-plane.md#cert-manager-certificate-not-ready-acme-challenge-pending",
    ),
)
def certificate_expired(snap: Snapshot) -> Iterator[Hit]:
    """A certificate stored in a Secret has expired (``notAfter`` is before the snapshot), or is not valid
    yet (``notBefore`` in the future: a clock problem on the issuer or on this cluster). Everything that
    presents or verifies it fails with ``x509: certificate has expired or is not yet valid``.

    Looks at the parsed certificate facts of each secret (a certificate copied into many secrets is
    reported once). Replace the certificate (renew through cert-manager or your CA, update the secret's
    ``tls.crt`` and ``tls.key``), then restart the pods that loaded it; for kubeadm control-plane
    certificates, ``kubeadm certs check-expiration`` and ``kubeadm certs renew``.
    """
    now = snapshot_time(snap)
    for secret, cert, copies in _certificates(snap):
        end, start = parse_time(cert.get("not_after")), parse_time(cert.get("not_before"))
        if end is not None and end <= now:
            state = f"expired {human_age((now - end).total_seconds())} ago, on {cert.get('not_after')}"
        elif start is not None and start > now:
            state = f"is not valid until {cert.get('not_before')} (check the clocks)"
        else:
            continue
        yield Hit(
            ref("secrets", secret), _cert_params(snap, secret, cert, copies) | {"state": state}, _cert_evidence(cert)
        )


def _is_control_plane_node(node: dict[str, Any]) -> bool:
    lbls = labels(node)
    return "node-role.kubernetes.io/control-plane" in lbls or "node-role.kubernetes.io/master" in lbls


@check(
    "CP354",
    Severity.ERROR,
    "etcd members missing or not ready",
    "{ready} of {expected} etcd members are ready (quorum needs {quorum}): {state}",
    looks_at=("pods", "nodes"),
    links=(
        "kubernetes-nodes-control-plane.md#etcd-has-no-leader-or-an-unhealthy-member-etcdserver-no-leader-request-timed-out",
        "konvoy-cluster-ops.md#replace-a-failed-konvoy-control-plane-node-remove-its-etcd-member",
    ),
)
def etcd_members(snap: Snapshot) -> Iterator[Hit]:
    """Fewer etcd members are ready than the cluster should have. In a stacked control plane (kubeadm,
    Konvoy) each control-plane node runs one ``etcd-<node>`` static pod, so the expected count is the
    number of control-plane nodes. With one member down the cluster keeps quorum but cannot lose another;
    below quorum (a majority) etcd refuses writes and the API server fails (``etcdserver: no leader``,
    ``request timed out``).

    Looks at kube-system etcd pods (``component=etcd``) and their readiness, and at the nodes labelled
    ``node-role.kubernetes.io/control-plane`` (or ``master``); clusters with external or managed etcd
    (no etcd pods) are not evaluated. Find the failed member (``etcdctl member list``), recover its node,
    or remove the member (``etcdctl member remove <id>``) and join a replacement control-plane node.
    """
    etcd = [p for c, p in control_plane_pods(snap) if c == "etcd"]
    if not etcd or not listed_completely(snap, "pods", "kube-system"):
        return
    cp_nodes = sorted(name_of(n) for n in snap.items("nodes") if _is_control_plane_node(n))
    expected = max(len(cp_nodes), len(etcd))
    on_node = {str(get(p, "spec", "nodeName", default="")) for p in etcd}
    ready = [p for p in etcd if pod_ready(p) and pod_phase(p) == "Running"]
    if len(ready) >= expected:
        return
    quorum = expected // 2 + 1
    down = sorted(name_of(p) for p in etcd if p not in ready)
    missing = [n for n in cp_nodes if n not in on_node]
    problems = [f"{n} not ready" for n in down] + [f"no etcd pod on control-plane node {n}" for n in missing]
    state = (
        "quorum is lost, etcd refuses writes"
        if len(ready) < quorum
        else "quorum holds but one more failure loses it"
        if len(ready) == quorum
        else "quorum holds"
    )
    obj = ObjectRef("Pod", "kube-system", down[0]) if down else ObjectRef("Node", "", missing[0])
    lines = [f"{name_of(p)}   {'True' if p in ready else 'False'}" for p in sorted(etcd, key=name_of)]
    yield Hit(
        obj,
        {"ready": len(ready), "expected": expected, "quorum": quorum, "state": f"{state} ({'; '.join(problems)})"},
        lines,
    )


LEADER_LEASES = {
    "kube-controller-manager": "kube-controller-manager",
    "kube-scheduler": "kube-scheduler",
    "cloud-controller-manager": "cloud-controller-manager",
}
STALE_LEASE_SECONDS = 120.0


@check(
    "CP355",
    Severity.WARNING,
    "Control-plane leader lease not renewed",
    "leader lease {lease} (holder {holder}) was last renewed {age} ago: no {component} is active",
    looks_at=("leases",),
    links=(
        "kubernetes-nodes-control-plane.md#etcd-has-no-leader-or-an-unhealthy-member-etcdserver-no-leader-request-timed-out",
    ),
)
def stale_leader_lease(snap: Snapshot) -> Iterator[Hit]:
    """The leader-election Lease of kube-controller-manager, kube-scheduler or cloud-controller-manager in
    kube-system has not been renewed for much longer than its duration: no instance holds leadership,
    so nothing is scheduled (new pods stay Pending with no events) or reconciled (ReplicaSets, endpoints,
    node lifecycle). It also happens when the API server cannot write to etcd.

    Looks at ``spec.renewTime`` against the snapshot time (stale after four lease durations, at least
    two minutes). Check the component's pods (CP351) and logs for ``failed to renew lease`` /
    ``leaderelection lost``, and etcd's health.
    """
    for lease in snap.items("leases"):
        if namespace_of(lease) != "kube-system" or name_of(lease) not in LEADER_LEASES:
            continue
        age = age_seconds(snap, get(lease, "spec", "renewTime"))
        duration = as_number(get(lease, "spec", "leaseDurationSeconds")) or 15.0  # the API default
        if age is None or age < max(STALE_LEASE_SECONDS, 4 * duration):
            continue
        holder = str(get(lease, "spec", "holderIdentity", default="") or "none")
        yield Hit(
            ref("leases", lease),
            {
                "lease": name_of(lease),
                "holder": holder,
                "age": human_age(age),
                "component": LEADER_LEASES[name_of(lease)],
            },
            [f"{name_of(lease)}   {holder}   renewTime {get(lease, 'spec', 'renewTime')}"],
        )


@check(
    "CP356",
    Severity.ERROR,
    "Aggregated APIService unavailable",
    "APIService {name} (service {service}) is unavailable: {reason}: {detail}",
    looks_at=("apiservices",),
    links=("kubernetes-nodes-control-plane.md#namespace-stuck-in-terminating",),
)
def apiservice_unavailable(snap: Snapshot) -> Iterator[Hit]:
    """An aggregated APIService (served by a Service in the cluster: metrics-server for
    ``v1beta1.metrics.k8s.io``, custom metrics adapters, the CDI or KubeVirt API servers...) reports
    ``Available=False``. Its API group fails for every client; discovery errors (``unable to retrieve the
    complete list of server APIs``) break ``kubectl``, Helm and controllers that list all groups, block
    namespace deletion, and stop HPAs that read metrics.

    Looks at ``status.conditions[Available]`` of APIServices backed by a service (the built-in ``Local``
    ones are skipped). The reason says where it breaks: ``ServiceNotFound``, ``MissingEndpoints`` (the
    backing pods are not ready), ``FailedDiscoveryCheck`` (they answer wrongly, often TLS or a network
    policy). Fix the backing deployment, or delete the APIService if its component was uninstalled.
    """
    for svc in snap.items("apiservices"):
        backing = as_dict(get(svc, "spec", "service"))
        if not backing:
            continue
        cond = conditions(svc).get("Available")
        if cond is None or cond.get("status") != "False":
            continue
        msg = str(cond.get("message") or "")
        yield Hit(
            ref("apiservices", svc),
            {
                "name": name_of(svc),
                "service": f"{backing.get('namespace', '')}/{backing.get('name', '')}",
                "reason": cond.get("reason") or "Unavailable",
                "detail": msg or "no message",
            },
            [msg],
        )


# a Certificate younger than this may still be in its first issuance (ACME challenges take a minute or two)
CERT_ISSUE_GRACE_SECONDS = 10 * 60


@check(
    "CP357",
    Severity.WARNING,
    "cert-manager Certificate not Ready",
    "certificate is not Ready ({reason}): {detail}{expiry}",
    looks_at=("certificates", "events"),
    links=("kubernetes-nodes-control-plane.md#cert-manager-certificate-not-ready-acme-challenge-pending",),
)
def cert_manager_not_ready(snap: Snapshot) -> Iterator[Hit]:
    """A cert-manager ``Certificate``'s ``Ready`` condition is ``False`` or ``Unknown``: cert-manager could
    not issue or renew it. The condition's reason and message say where it stopped (``DoesNotExist``,
    ``Pending`` on a CertificateRequest, ``Failed``: an ACME challenge that cannot be reached, an Issuer
    that is not ready, a rate limit), and ``status.notAfter`` when the certificate currently in its Secret
    expires (``expired`` once past): renewal failing for long ends in an expired certificate.

    A Certificate created less than ten minutes before the snapshot and still issuing is left alone.
    Looks at ``status.conditions``, ``status.notAfter`` and the Certificate's warning events. What to do:
    ``kubectl describe certificaterequest,order,challenge -n <ns>`` follow the chain down to the step that
    fails; ``cmctl status certificate <name>`` shows it at once.
    """
    now = snapshot_time(snap)
    for cert in snap.items("certificates"):
        ready = conditions(cert).get("Ready")
        if ready is None or ready.get("status") not in ("False", "Unknown"):
            continue
        issuing = (conditions(cert).get("Issuing") or {}).get("status") == "True"
        age = age_seconds(snap, meta(cert).get("creationTimestamp"))
        if issuing and too_recent(snap, age, CERT_ISSUE_GRACE_SECONDS):
            continue
        end = parse_time(get(cert, "status", "notAfter"))
        if end is None:
            expiry = ""
        elif end <= now:
            expiry = f"; the certificate in its Secret expired {human_age((now - end).total_seconds())} ago"
        else:
            expiry = f"; the certificate in its Secret expires in {human_age((end - now).total_seconds())}"
        evs = warning_events(snap, "certificates", cert)
        detail = str(ready.get("message") or "") or (str(evs[-1].get("message") or "") if evs else "")
        yield Hit(
            ref("certificates", cert),
            {
                "reason": ready.get("reason") or f"Ready {ready.get('status')}",
                # a `get certificate` row shows READY only: where to read why
                "detail": detail
                or "no reason shown: `kubectl describe certificate` and its CertificateRequest say why",
                "expiry": expiry,
            },
            [f"Ready {ready.get('status')} {ready.get('reason') or ''}: {ready.get('message') or ''}"]
            + [event_line(e) for e in evs[-3:]],
        )
