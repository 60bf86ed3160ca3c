"""The collector's pure helpers: Helm release decoding, certificate summaries, which containers get logs."""

from __future__ import annotations

import gzip
from collections import Counter
from typing import Any

import orjson

from medic.checks.kube import KINDS
from medic.evidence.kube import (
    RESOURCES,
    certificate_summary,
    configmap_summary,
    decode_helm_release,
    helm_summary,
    secret_summary,
    unhealthy_containers,
)
from tests.collect.fixtures import Material, b64, helm_secret, make_cert


def release(**kw: Any) -> dict[str, Any]:
    rel: dict[str, Any] = {
        "name": "orders",
        "namespace": "shop",
        "version": 12,
        "info": {"status": "pending-upgrade", "last_deployed": "2026-11-19T22:15:03.512345678-05:00"},
        "chart": {"metadata": {"name": "orders", "version": "4.1.0", "appVersion": "2.4.1"}},
        "config": {"password": "do-not-keep"},
        "manifest": "kind: Secret",
    }
    rel.update(kw)
    return rel


def test_helm_release_layers() -> None:
    rel = release()
    helm_text = b64(gzip.compress(orjson.dumps(rel)))  # what Helm writes
    assert decode_helm_release(helm_text, layers=1) == rel  # ConfigMap driver
    assert decode_helm_release(b64(helm_text), layers=2) == rel  # Secret driver (the API's base64 too)
    assert decode_helm_release(b64(orjson.dumps(rel))) == rel  # not gzipped (very old Helm 3 betas)
    assert decode_helm_release("not base64 at all!") is None
    assert decode_helm_release(b64(b"\x1f\x8b broken gzip")) is None


def test_helm_summary_keeps_only_the_listed_fields() -> None:
    assert helm_summary(release(), "ignored") == {
        "metadata": {"name": "orders", "namespace": "shop"},
        "chart": "orders-4.1.0",
        "revision": 12,
        "status": "pending-upgrade",
        "app_version": "2.4.1",
        "updated": "2026-11-20T03:15:03Z",
    }
    assert helm_summary(release(namespace=""), "default")["metadata"]["namespace"] == "default"  # type: ignore[index]
    assert helm_summary({"version": 1}, "x") is None


def test_helm_secret_summary(material: Material) -> None:
    counts: Counter[str] = Counter()
    summary, helm = secret_summary(helm_secret(release()), counts)
    assert summary["type"] == "helm.sh/release.v1" and summary["keys"] == ["release"]
    assert "managedFields" not in summary["metadata"]
    assert helm is not None and helm["revision"] == 12 and helm["chart"] == "orders-4.1.0"
    assert counts["secret_values"] == 1
    assert b"do-not-keep" not in orjson.dumps([summary, helm])


def test_certificate_summary() -> None:
    cert, _key = make_cert("api.shop.svc", ["api.shop.svc", "api.shop.svc.cluster.local"], "cluster CA")
    summary = certificate_summary(cert)
    assert summary == {
        "subject": "CN=api.shop.svc,O=Shop Inc",
        "issuer": "CN=cluster CA",
        "not_before": "2026-01-01T00:00:00Z",
        "not_after": "2026-12-31T23:59:59Z",
        "dns_names": ["api.shop.svc", "api.shop.svc.cluster.local"],
        "key": "tls.crt",
    }
    assert certificate_summary(b"-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n") is None
    assert certificate_summary(b"plain text") is None


def test_configmap_summary_keeps_keys_only() -> None:
    counts: Counter[str] = Counter()
    cm = {"metadata": {"name": "app", "managedFields": []}, "data": {"b": "2", "a": "1"}, "binaryData": {"c": "eA=="}}
    summary, helm = configmap_summary(cm, counts)
    assert summary == {"metadata": {"name": "app"}, "keys": ["a", "b", "c"]} and helm is None
    assert counts == {"configmap_values": 3}


def status(**kw: Any) -> dict[str, Any]:
    return {"status": {"phase": "Running", **kw}}


def cs(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "ready": True, "restartCount": 0, "state": {"running": {}}, **kw}


def test_unhealthy_containers() -> None:
    crash = cs("api", ready=False, restartCount=4, state={"waiting": {"reason": "CrashLoopBackOff"}})
    assert unhealthy_containers(status(containerStatuses=[crash, cs("sidecar")])) == [(0, "api", True)]
    flapping = cs("redis", ready=False, restartCount=2)
    assert unhealthy_containers(status(containerStatuses=[flapping])) == [(1, "redis", True)]
    errored = cs("job", ready=False, state={"terminated": {"reason": "Error", "exitCode": 3}})
    assert unhealthy_containers(status(phase="Failed", containerStatuses=[errored])) == [(1, "job", False)]
    init = cs("init-db", ready=False, restartCount=5, state={"waiting": {"reason": "CrashLoopBackOff"}})
    assert unhealthy_containers(status(initContainerStatuses=[init])) == [(0, "init-db", True)]
    oom_failed = cs("w", ready=False, state={"terminated": {"reason": "OOMKilled", "exitCode": 137}})
    assert unhealthy_containers(status(phase="Failed", containerStatuses=[oom_failed])) == [(1, "w", False)]
    done = cs("w", ready=False, state={"terminated": {"reason": "Completed", "exitCode": 0}})
    assert unhealthy_containers(status(phase="Succeeded", containerStatuses=[done])) == []
    assert unhealthy_containers(status(phase="Failed", containerStatuses=[done])) == [(2, "w", False)]
    assert unhealthy_containers(status(phase="Failed", reason="Evicted", containerStatuses=[errored])) == []
    assert unhealthy_containers(status(containerStatuses=[cs("ok"), cs("restarted-once-ready", restartCount=1)])) == []
    pending = cs("x", ready=False, state={"waiting": {"reason": "ContainerCreating"}})
    assert unhealthy_containers(status(phase="Pending", containerStatuses=[pending])) == []


def test_every_collected_kind_is_known_to_the_checks() -> None:
    names = {r.name for r in RESOURCES} | {"endpoints", "helmreleases"}
    assert names <= set(KINDS)
