"""The live collector end to end, against the API emulator on loopback (tests/collect/emulator.py)."""

from __future__ import annotations

import base64
import gc
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from medic.errors import MedicError
from medic.evidence.kube import ClusterError, CollectOptions, collect, load_configuration
from medic.model import Snapshot
from tests.collect.conftest import Live
from tests.collect.emulator import Cluster
from tests.collect.fixtures import NOT_AFTER, rsa_key_pem


def by_name(snap: Snapshot, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in snap.items(kind)}


def skipped(snap: Snapshot, kind: str) -> list[dict[str, Any]]:
    return [s for s in snap.meta["skipped"] if s["kind"] == kind]


@pytest.fixture()
def big(make_live: Callable[..., Live]) -> tuple[Live, Snapshot, list[tuple[str, int]]]:
    """1,200 filler pods (three pages of 500), collected once with a progress callback."""
    live = make_live(n_pods=1200)
    heard: list[tuple[str, int]] = []
    snap = collect(live.options(page_size=500), progress=lambda kind, n: heard.append((kind, n)))
    return live, snap, heard


def test_everything_collected_with_pagination_and_only_get(big: tuple[Live, Snapshot, list[tuple[str, int]]]) -> None:
    live, snap, heard = big
    pods = snap.items("pods")
    assert len(pods) == 1204 == len({p["metadata"]["name"] for p in pods})
    pod_lists = [q for m, p, q in live.cluster.requests if p == "/api/v1/pods"]
    assert len(pod_lists) == 3
    assert [q["limit"] for q in pod_lists] == [["500"]] * 3
    assert "continue" not in pod_lists[0] and all("continue" in q for q in pod_lists[1:])
    assert [n for kind, n in heard if kind == "pods"] == [500, 1000, 1204]
    # read-only: GET and nothing else, ever
    assert {m for m, _p, _q in live.cluster.requests} == {"GET"}
    # the meta block
    meta = snap.meta
    assert meta["format"] == 1
    assert meta["context"] == "emulator"
    assert meta["cluster_version"] == "v1.29.4"
    assert meta["server"] == live.url
    assert meta["namespaces"] == "all"
    assert meta["skipped"] == []
    assert meta["collected_at"].endswith("Z") and meta["collected_at"][10] == "T"
    assert meta["counts"]["pods"] == 1204 and meta["counts"]["helmreleases"] == 3
    for kind in ("nodes", "events", "persistentvolumes", "storageclasses", "ingresses", "leases", "apiservices"):
        assert snap.has(kind), kind
    assert gc.isenabled()
    # managedFields are gone everywhere
    assert b"managedFields" not in orjson.dumps(snap.objects)


def test_secret_values_never_leave_the_collector(live: Live) -> None:
    snap = collect(live.options())
    dump = orjson.dumps({"objects": snap.objects, "logs": snap.logs, "meta": snap.meta}).decode()
    leaked = [v[:24] + "…" for v in live.material.values() if v in dump]
    assert leaked == []
    # the JSON-escaped form of the PEM key (a key inside a JSON string) is gone too
    assert orjson.dumps(rsa_key_pem()).decode()[1:60] not in dump
    redacted = snap.meta["redacted"]
    for what in ("secret_values", "configmap_values", "env", "password", "connection_string", "jwt", "token"):
        assert redacted.get(what, 0) > 0, what
    assert redacted["private_key"] >= 1 and redacted["azure_key"] >= 1 and redacted["annotation"] >= 1


def test_secrets_keep_keys_type_and_certificate(live: Live) -> None:
    snap = collect(live.options())
    secrets = by_name(snap, "secrets")
    db = secrets["db-credentials"]
    assert set(db) == {"metadata", "type", "keys"}
    assert db["type"] == "Opaque" and db["keys"] == ["password", "url", "username"]
    assert db["metadata"]["namespace"] == "shop" and "creationTimestamp" in db["metadata"]
    tls = secrets["shop-tls"]
    assert tls["keys"] == ["tls.crt", "tls.key"]
    cert = tls["certificate"]
    assert cert["subject"] == "CN=shop.example.com,O=Shop Inc"
    assert cert["issuer"] == "CN=Shop CA"
    assert cert["not_before"] == "2026-01-01T00:00:00Z"
    assert cert["not_after"] == NOT_AFTER.strftime("%Y-%m-%dT%H:%M:%SZ") == "2026-12-31T23:59:59Z"
    assert cert["dns_names"] == ["shop.example.com", "www.shop.example.com"]
    # no tls.crt: the CA certificate of a service account token
    token = secrets["orders-token"]
    assert token["certificate"]["key"] == "ca.crt" and token["certificate"]["dns_names"] == []
    # the last applied configuration of a Secret is redacted inside (its data values)
    applied = orjson.loads(
        secrets["cloud"]["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert applied["data"] == {"aws_secret_access_key": "<redacted>"}
    assert applied["stringData"] == {"azure": "<redacted>"}
    configmaps = by_name(snap, "configmaps")
    assert configmaps["orders-config"] == {
        "metadata": configmaps["orders-config"]["metadata"],
        "keys": ["LOG_LEVEL", "application.yaml"],
    }


def test_helm_releases_are_decoded_latest_revision_only(live: Live) -> None:
    snap = collect(live.options())
    releases = {(r["metadata"]["namespace"], r["metadata"]["name"]): r for r in snap.items("helmreleases")}
    assert releases[("shop", "shop")] == {
        "metadata": {"name": "shop", "namespace": "shop"},
        "chart": "shop-1.3.0",
        "revision": 2,
        "status": "deployed",
        "app_version": "2.4.1",
        "updated": "2026-11-12T07:30:00Z",
    }
    assert releases[("payments", "payments")]["status"] == "failed"
    assert releases[("payments", "payments")]["chart"] == "payments-0.9.0"
    # Helm's ConfigMap storage driver
    assert releases[("kube-system", "metrics")]["chart"] == "metrics-server-3.12.1"
    assert len(releases) == 3


def test_pods_and_workloads_are_redacted(live: Live) -> None:
    snap = collect(live.options())
    pod = by_name(snap, "pods")["orders-api-6d9f7c8b5-x2lqp"]
    api = pod["spec"]["containers"][0]
    assert api["env"] == [
        {"name": "LOG_LEVEL", "value": "<redacted>"},
        {"name": "DATABASE_URL", "value": "<redacted>"},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}},
    ]
    assert api["args"] == ["--listen=:8080", "--db-password", "<redacted>", "--github-token=<redacted>"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["vault.example.com/agent-token"] == "<redacted>"
    assert annotations["prometheus.io/scrape"] == "true"
    assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    deployment = by_name(snap, "deployments")["orders-api"]
    applied = orjson.loads(deployment["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert applied["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == "<redacted>"
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    cronjob = by_name(snap, "cronjobs")["report"]
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"][0]["value"] == "<redacted>"
    crd = snap.items("customresourcedefinitions")[0]
    assert "schema" not in crd["spec"]["versions"][0]
    assert crd["status"]["storedVersions"] == ["v1"]


def test_logs_of_unhealthy_pods_only(live: Live) -> None:
    snap = collect(live.options(log_lines=20))
    assert set(snap.logs) == {
        "shop/orders-api-6d9f7c8b5-x2lqp/api",
        "shop/orders-api-6d9f7c8b5-x2lqp/api/previous",
        "shop/report-28391460-q7x2m/report",
        "payments/cache-0/redis",  # its previous container has no log: a 400, not an error
    }
    current = snap.logs["shop/orders-api-6d9f7c8b5-x2lqp/api"]
    assert len(current) == 20
    assert current[-1].endswith("ERROR config: missing key orders.queue")
    assert "postgres://orders:<redacted>@db.shop.svc:5432/orders" in current[-3]
    assert current[-2].endswith("Authorization: Bearer <redacted>")
    # the tail cut the key's BEGIN line off: the rest of the key goes anyway
    previous = snap.logs["shop/orders-api-6d9f7c8b5-x2lqp/api/previous"]
    assert "<redacted private key>" in previous and previous[-1] == "main.main()"
    assert snap.logs["shop/report-28391460-q7x2m/report"][0] == "uploading with AccountKey=<redacted>"
    log_requests = [(p, q) for _m, p, q in live.cluster.requests if p.endswith("/log")]
    assert all(q["tailLines"] == ["20"] for _p, q in log_requests)
    # healthy and evicted pods are not asked for logs; the failed job pod had no previous container
    paths = {p for p, _q in log_requests}
    assert not any("web-7f9c6d" in p for p in paths)
    assert not any(q.get("previous") for p, q in log_requests if "report-" in p)
    assert snap.meta["skipped"] == []


def test_forbidden_secrets_are_skipped_and_the_rest_collected(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.status.update({"secrets": 403}))
    snap = collect(live.options())
    assert not snap.has("secrets") and not snap.has("helmreleases")
    (entry,) = skipped(snap, "secrets")
    assert entry["status"] == 403
    assert entry["reason"].startswith('secrets is forbidden: User "system:serviceaccount:medic:collector"')
    assert skipped(snap, "helmreleases")[0]["status"] == 403
    assert len(snap.items("pods")) == 34 and snap.has("configmaps")


def test_missing_api_group_falls_back_to_endpoints(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.drop_group("discovery.k8s.io"))
    snap = collect(live.options())
    assert not snap.has("endpointslices")
    assert [e["metadata"]["name"] for e in snap.items("endpoints")] == ["orders-api"]
    (entry,) = skipped(snap, "endpointslices")
    assert entry["status"] == 404 and "endpoints collected instead" in entry["reason"]
    assert not any("discovery.k8s.io" in p for p in live.cluster.paths())


def test_kind_served_under_an_older_version(make_live: Callable[..., Live]) -> None:
    """batch/v1 without cronjobs (before 1.21): the list answers 404 and batch/v1beta1 is used."""

    def older(c: Cluster) -> None:
        c.served["batch/v1"].discard("cronjobs")
        c.served["batch/v1beta1"] = {"cronjobs"}

    live = make_live(prepare=older)
    snap = collect(live.options())
    assert [c["metadata"]["name"] for c in snap.items("cronjobs")] == ["report"]
    assert "/apis/batch/v1/cronjobs" in live.cluster.paths()
    assert "/apis/batch/v1beta1/cronjobs" in live.cluster.paths()
    assert skipped(snap, "cronjobs") == []


def test_absent_kind_is_skipped_with_404(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.drop_group("autoscaling"))
    snap = collect(live.options())
    (entry,) = skipped(snap, "horizontalpodautoscalers")
    assert entry["status"] == 404 and not snap.has("horizontalpodautoscalers")


def test_slow_endpoint_still_collected(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.delay.update({"nodes": 0.4}))
    snap = collect(live.options(timeout=2.0))
    assert len(snap.items("nodes")) == 2 and snap.meta["skipped"] == []


def test_timeout_skips_the_kind_and_keeps_the_rest(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.delay.update({"leases": 1.5}))
    snap = collect(live.options(timeout=0.5))
    assert not snap.has("leases")
    (entry,) = skipped(snap, "leases")
    assert entry["status"] == "timeout" and "0.5s" in entry["reason"]
    assert len(snap.items("pods")) == 34 and snap.has("helmreleases")
    # one request, not retried
    assert live.cluster.paths().count("/apis/coordination.k8s.io/v1/leases") == 1


def test_expired_continue_token_restarts_the_list(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.expire_continue.add("pods"))
    snap = collect(live.options(page_size=10))
    names = [p["metadata"]["name"] for p in snap.items("pods")]
    assert len(names) == 34 == len(set(names))


def test_namespaces_are_listed_one_by_one(live: Live) -> None:
    snap = collect(live.options(namespaces=["shop"]))
    assert snap.meta["namespaces"] == ["shop"]
    assert [n["metadata"]["name"] for n in snap.items("namespaces")] == ["shop"]
    assert {p["metadata"]["namespace"] for p in snap.items("pods")} == {"shop"}
    paths = live.cluster.paths()
    assert "/api/v1/namespaces/shop/pods" in paths and "/api/v1/pods" not in paths
    assert "/api/v1/namespaces/shop" in paths and "/api/v1/namespaces" not in paths
    assert "/api/v1/nodes" in paths  # cluster-scoped kinds are still read
    assert [r["metadata"]["name"] for r in snap.items("helmreleases")] == ["shop"]
    with pytest.raises(ClusterError, match="namespace 'nope' not found"):
        collect(live.options(namespaces=["nope"]))


def test_forbidden_in_one_namespace(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.status.update({"leases": 403}))
    snap = collect(live.options(namespaces=["shop", "payments"]))
    entries = skipped(snap, "leases")
    assert sorted(e["namespace"] for e in entries) == ["payments", "shop"]
    assert 'in the namespace "shop"' in next(e["reason"] for e in entries if e["namespace"] == "shop")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_one_line_error(tmp_path: Path) -> None:
    from tests.collect.fixtures import write_kubeconfig

    url = f"http://127.0.0.1:{_closed_port()}"
    path = write_kubeconfig(tmp_path / "kubeconfig", url, "t")
    with pytest.raises(MedicError) as info:
        collect(CollectOptions(kubeconfig=str(path), timeout=2.0))
    message = str(info.value)
    assert message == f"cannot reach the Kubernetes API at {url} (context emulator): connection refused"
    assert "\n" not in message


def test_rejected_credentials(make_live: Callable[..., Live]) -> None:
    live = make_live()
    live.cluster.token = "rotated"
    with pytest.raises(ClusterError, match=r"rejected the credentials of context emulator \(401 Unauthorized\)"):
        collect(live.options())
    assert gc.isenabled()  # the collector pauses the cyclic GC while parsing, and always resumes it


def test_missing_kubeconfig_and_context(live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        ClusterError, match=r"^kubeconfig not found: .*/absent \(give --kubeconfig or set KUBECONFIG\)$"
    ):
        collect(CollectOptions(kubeconfig=str(tmp_path / "absent")))
    with pytest.raises(ClusterError, match=r"^kubeconfig not found: ~/.kube/config"):
        collect(CollectOptions())
    with pytest.raises(ClusterError, match=r"^context 'staging' not found in .* \(contexts: emulator, prod\)$"):
        collect(live.options(context="staging"))
    # KUBECONFIG is honoured, and a named context is used
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'absent'}:{live.kubeconfig}")  # a list, as kubectl reads it
    snap = collect(CollectOptions(context="emulator", timeout=3.0))
    assert snap.meta["context"] == "emulator" and snap.has("pods")
    no_current = tmp_path / "no-current"
    config = orjson.loads(live.kubeconfig.read_bytes())
    del config["current-context"]
    no_current.write_bytes(orjson.dumps(config))
    with pytest.raises(
        ClusterError,
        match=r"^no current context in .*no-current: choose one with --context \(contexts: emulator, prod\)$",
    ):
        collect(CollectOptions(kubeconfig=str(no_current)))
    assert collect(CollectOptions(kubeconfig=str(no_current), context="emulator")).has("pods")
    broken = tmp_path / "broken"
    broken.write_text("clusters: [unclosed\n")
    with pytest.raises(ClusterError, match=r"^cannot parse kubeconfig"):
        collect(CollectOptions(kubeconfig=str(broken)))


def test_in_cluster_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kubernetes.config.incluster_config as incluster

    token = tmp_path / "token"
    token.write_text("in-cluster-token")
    ca = tmp_path / "ca.crt"
    ca.write_text("not checked before a request")
    monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    configuration, context = load_configuration(CollectOptions())
    assert context == "in-cluster"
    assert configuration.host == "https://10.96.0.1:443"
    assert configuration.auth_settings()["BearerToken"]["value"].lower() == "bearer in-cluster-token"


def test_secret_payload_never_requested_as_anything_but_get(live: Live) -> None:
    """The emulator refuses writes; the collector never tries one, even when a kind fails."""
    live.cluster.status["configmaps"] = 500
    snap = collect(live.options())
    assert skipped(snap, "configmaps")[0]["status"] == 500
    assert live.cluster.paths("POST") == live.cluster.paths("PUT") == live.cluster.paths("DELETE") == []
    assert live.cluster.paths("PATCH") == []


def test_large_helm_value_and_unusual_secret_shapes(make_live: Callable[..., Live]) -> None:
    """A Secret with no data, a broken Helm release (labels still say what it is), a non-PEM tls.crt."""

    def odd(c: Cluster) -> None:
        c.objects["secrets"] += [
            {"metadata": {"name": "empty", "namespace": "shop"}, "type": "Opaque"},
            {
                "metadata": {
                    "name": "sh.helm.release.v1.broken.v4",
                    "namespace": "shop",
                    "labels": {"name": "broken", "owner": "helm", "status": "pending-upgrade", "version": "4"},
                },
                "type": "helm.sh/release.v1",
                "data": {"release": base64.b64encode(b"not a release").decode()},
            },
            {
                "metadata": {"name": "der-tls", "namespace": "shop"},
                "type": "kubernetes.io/tls",
                "data": {"tls.crt": base64.b64encode(b"\x30\x82\x01\x0a").decode(), "tls.key": ""},
            },
        ]

    live = make_live(prepare=odd)
    snap = collect(live.options())
    secrets = by_name(snap, "secrets")
    assert secrets["empty"] == {"metadata": {"name": "empty", "namespace": "shop"}, "type": "Opaque", "keys": []}
    assert "certificate" not in secrets["der-tls"] and secrets["der-tls"]["keys"] == ["tls.crt", "tls.key"]
    broken = next(r for r in snap.items("helmreleases") if r["metadata"]["name"] == "broken")
    assert broken["status"] == "pending-upgrade" and broken["revision"] == 4 and broken["chart"] == ""


def test_without_discovery_every_version_is_tried(make_live: Callable[..., Live]) -> None:
    """/api and /apis forbidden: each kind's versions are tried in order, 404 moving to the next."""

    def no_discovery(c: Cluster) -> None:
        c.discovery_status = 403
        c.drop_group("discovery.k8s.io")
        c.served["batch/v1"].discard("cronjobs")
        c.served["batch/v1beta1"] = {"cronjobs"}

    live = make_live(prepare=no_discovery)
    snap = collect(live.options())
    assert len(snap.items("pods")) == 34 and snap.items("cronjobs")
    assert snap.items("endpoints") and not snap.has("endpointslices")
    paths = live.cluster.paths()
    assert "/apis/discovery.k8s.io/v1/endpointslices" in paths
    assert "/apis/discovery.k8s.io/v1beta1/endpointslices" in paths
    assert [s["kind"] for s in snap.meta["skipped"]] == ["endpointslices"]


def test_no_logs_and_no_pagination_when_asked(live: Live) -> None:
    snap = collect(live.options(log_lines=0, page_size=0))
    assert snap.logs == {}
    assert not any(p.endswith("/log") for p in live.cluster.paths())
    pod_lists = [q for _m, p, q in live.cluster.requests if p == "/api/v1/pods"]
    assert pod_lists == [{}]
    assert len(snap.items("pods")) == 34
    # kinds whose objects can be large keep their own page size
    assert [q["limit"] for _m, p, q in live.cluster.requests if p == "/api/v1/secrets"] == [["100"]]


def test_log_limit_takes_the_most_broken_first(live: Live) -> None:
    snap = collect(live.options(max_log_containers=1))
    assert set(snap.logs) == {
        "shop/orders-api-6d9f7c8b5-x2lqp/api",
        "shop/orders-api-6d9f7c8b5-x2lqp/api/previous",
    }
    (entry,) = skipped(snap, "logs")
    assert entry["status"] == "limit" and "1 of 3 unhealthy containers" in entry["reason"]


def test_connection_closed_without_answer_is_retried_once(make_live: Callable[..., Live]) -> None:
    live = make_live(prepare=lambda c: c.drop_once.add("nodes"))
    snap = collect(live.options())
    assert len(snap.items("nodes")) == 2 and snap.meta["skipped"] == []
    assert live.cluster.paths().count("/api/v1/nodes") == 2
