"""A realistic small cluster for the emulator, with fake credentials of the real formats.

Every credential is made fresh here (keys generated with ``cryptography``, random tokens), so a test can
search a snapshot for each of them: ``Material.values`` lists them all, plain and as the API encodes them.
"""

from __future__ import annotations

import base64
import gzip
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from tests.collect.emulator import Cluster

NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _alnum(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def make_jwt(sub: str = "system:serviceaccount:shop:orders") -> str:
    header = b64url(orjson.dumps({"alg": "RS256", "kid": _alnum(43)}))
    payload = b64url(
        orjson.dumps({"aud": ["https://kubernetes.default.svc"], "exp": 1893456000, "iss": "kubernetes", "sub": sub})
    )
    return f"{header}.{payload}.{b64url(secrets.token_bytes(256))}"


def make_cert(
    common_name: str, dns_names: list[str], issuer_name: str | None = None
) -> tuple[bytes, bytes]:  # (certificate PEM, private key PEM)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shop Inc"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]) if issuer_name else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
    )
    if dns_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), False)
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@cache
def rsa_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class Material:
    """The fake credentials planted in the cluster."""

    db_password: str = field(default_factory=lambda: "Pg-" + _alnum(20))
    cli_password: str = field(default_factory=lambda: "cli-" + _alnum(16))
    jwt: str = field(default_factory=make_jwt)
    aws_key_id: str = field(default_factory=lambda: "AKIA" + _alnum(16, string.ascii_uppercase + string.digits))
    aws_secret: str = field(default_factory=lambda: _alnum(40, string.ascii_letters + string.digits + "/+"))
    azure_key: str = field(default_factory=lambda: b64(secrets.token_bytes(64)))  # 88 characters
    github_token: str = field(default_factory=lambda: "ghp_" + _alnum(36))
    helm_value_password: str = field(default_factory=lambda: "helm-" + _alnum(18))
    configmap_password: str = field(default_factory=lambda: "cm-" + _alnum(18))
    annotation_token: str = field(default_factory=lambda: "s." + _alnum(24))
    tls_cert: bytes = b""
    tls_key: bytes = b""
    ca_cert: bytes = b""

    def __post_init__(self) -> None:
        self.tls_cert, self.tls_key = make_cert(
            "shop.example.com", ["shop.example.com", "www.shop.example.com"], "Shop CA"
        )
        self.ca_cert, _ = make_cert("kubernetes", [])

    @property
    def azure_connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=https;AccountName=shopassets;AccountKey={self.azure_key};"
            "EndpointSuffix=core.windows.net"
        )

    @property
    def database_url(self) -> str:
        return f"postgres://orders:{self.db_password}@db.shop.svc:5432/orders?sslmode=require"

    def values(self) -> list[str]:
        """Every credential, plain and base64-encoded (as a Secret's data holds it)."""
        plain = [
            self.db_password,
            self.cli_password,
            self.jwt,
            self.aws_key_id,
            self.aws_secret,
            self.azure_key,
            self.github_token,
            self.helm_value_password,
            self.configmap_password,
            self.annotation_token,
            self.tls_key.decode(),
            rsa_key_pem(),
        ]
        # the body of each PEM key, line by line: no part of a key may survive
        key_lines = [
            line for pem in (self.tls_key.decode(), rsa_key_pem()) for line in pem.splitlines() if "-----" not in line
        ]
        return plain + [b64(v) for v in plain] + key_lines


def _meta(name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "uid": f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}-"
        f"{secrets.token_hex(6)}",
        "resourceVersion": str(40000 + secrets.randbelow(8000)),
        "creationTimestamp": "2026-11-20T01:00:00Z",
        "managedFields": [
            {
                "manager": "kube-controller-manager",
                "operation": "Update",
                "apiVersion": "v1",
                "time": "2026-11-20T01:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:status": {"f:phase": {}}},
            }
        ],
    }
    if namespace is not None:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def _release(name: str, namespace: str, revision: int, status: str, chart: str, version: str, app: str, m: Material):
    return {
        "name": name,
        "namespace": namespace,
        "version": revision,
        "info": {
            "first_deployed": "2026-10-01T09:00:00.123456789+02:00",
            "last_deployed": f"2026-11-{10 + revision:02d}T09:30:00.987654321+02:00",
            "deleted": "",
            "description": "Upgrade complete" if status == "deployed" else "Install failed",
            "status": status,
        },
        "chart": {
            "metadata": {"name": chart, "version": version, "appVersion": app, "apiVersion": "v2"},
            "values": {"db": {"password": "chart-default"}},
            "templates": [{"name": "templates/secret.yaml", "data": b64("kind: Secret")}],
        },
        "config": {"db": {"password": m.helm_value_password}},
        "manifest": f"apiVersion: v1\nkind: Secret\nstringData:\n  password: {m.helm_value_password}\n",
    }


def helm_secret(release: dict[str, Any]) -> dict[str, Any]:
    """A Secret as Helm 3 stores a release: base64(gzip(JSON)), then base64 again as Secret data."""
    encoded = b64(gzip.compress(orjson.dumps(release)))
    name, ns, rev = release["name"], release["namespace"], release["version"]
    return {
        "metadata": _meta(
            f"sh.helm.release.v1.{name}.v{rev}",
            ns,
            labels={"name": name, "owner": "helm", "status": release["info"]["status"], "version": str(rev)},
        ),
        "type": "helm.sh/release.v1",
        "data": {"release": b64(encoded)},
    }


def helm_configmap(release: dict[str, Any]) -> dict[str, Any]:
    """Helm's ConfigMap storage driver: base64(gzip(JSON)) as plain data."""
    name, ns, rev = release["name"], release["namespace"], release["version"]
    return {
        "metadata": _meta(
            f"sh.helm.release.v1.{name}.v{rev}",
            ns,
            labels={"NAME": name, "OWNER": "helm", "owner": "helm", "name": name, "STATUS": "deployed"},
        ),
        "data": {"release": b64(gzip.compress(orjson.dumps(release)))},
    }


def _container_status(name: str, **kw: Any) -> dict[str, Any]:
    status = {
        "name": name,
        "ready": True,
        "restartCount": 0,
        "started": True,
        "image": f"registry.example.com/shop/{name}:2.4.1",
        "imageID": f"registry.example.com/shop/{name}@sha256:{'a' * 64}",
        "containerID": f"containerd://{secrets.token_hex(32)}",
        "state": {"running": {"startedAt": "2026-11-20T01:01:00Z"}},
    }
    status.update(kw)
    return status


def _pod(name: str, namespace: str, containers: list[dict[str, Any]], **status: Any) -> dict[str, Any]:
    spec_containers = [
        {
            "name": c["name"],
            "image": c["image"],
            "env": [{"name": "LOG_LEVEL", "value": "info"}],
            "resources": {"limits": {"memory": "256Mi"}},
        }
        for c in containers
    ]
    return {
        "metadata": _meta(name, namespace, labels={"app": name.split("-")[0]}),
        "spec": {"nodeName": "worker-1", "containers": spec_containers},
        "status": {"phase": "Running", "podIP": "10.1.2.3", "containerStatuses": containers, **status},
    }


def build_cluster(material: Material, n_pods: int = 30) -> Cluster:
    """A cluster with ``n_pods`` healthy filler pods plus the interesting ones."""
    m = material
    cluster = Cluster()
    o = cluster.objects
    o["namespaces"] = [
        {"metadata": _meta(n), "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
        for n in ("default", "kube-system", "shop", "payments")
    ]
    o["nodes"] = [
        {
            "metadata": _meta(f"worker-{i}", labels={"kubernetes.io/hostname": f"worker-{i}"}),
            "spec": {"podCIDR": f"10.1.{i}.0/24"},
            "status": {
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                "nodeInfo": {"kubeletVersion": "v1.29.4", "containerRuntimeVersion": "containerd://1.7.13"},
            },
        }
        for i in (1, 2)
    ]
    pods = [_pod(f"web-7f9c6d-{i:05d}", "shop", [_container_status("web")]) for i in range(n_pods)]
    crash = _pod(
        "orders-api-6d9f7c8b5-x2lqp",
        "shop",
        [
            _container_status(
                "api",
                ready=False,
                restartCount=7,
                started=False,
                state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed"}},
                lastState={"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-20T02:58:00Z"}},
            ),
            _container_status("sidecar"),
        ],
    )
    crash["metadata"]["annotations"] = {
        "vault.example.com/agent-token": m.annotation_token,
        "prometheus.io/scrape": "true",
        "kubectl.kubernetes.io/restartedAt": "2026-11-20T00:00:00Z",
    }
    api = crash["spec"]["containers"][0]
    api["env"] = [
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "DATABASE_URL", "value": m.database_url},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}},
    ]
    api["args"] = ["--listen=:8080", "--db-password", m.cli_password, f"--github-token={m.github_token}"]
    failed = _pod(
        "report-28391460-q7x2m",
        "shop",
        [
            _container_status(
                "report",
                ready=False,
                started=False,
                state={"terminated": {"reason": "Error", "exitCode": 2, "finishedAt": "2026-11-20T02:00:00Z"}},
            )
        ],
        phase="Failed",
    )
    not_ready = _pod(
        "cache-0",
        "payments",
        [_container_status("redis", ready=False, restartCount=3)],
    )
    evicted = _pod("web-7f9c6d-evict", "shop", [], phase="Failed", reason="Evicted", message="low on memory")
    o["pods"] = [*pods[: n_pods // 2], crash, failed, *pods[n_pods // 2 :], not_ready, evicted]

    crash_log = "".join(f"2026-11-20T02:57:{i:02d}Z INFO starting worker {i}\n" for i in range(40))
    crash_log += f"2026-11-20T02:57:59Z DEBUG connecting to {m.database_url}\n"
    crash_log += f"2026-11-20T02:57:59Z DEBUG upstream Authorization: Bearer {m.jwt}\n"
    crash_log += "2026-11-20T02:58:00Z ERROR config: missing key orders.queue\n"
    cluster.logs[("shop", "orders-api-6d9f7c8b5-x2lqp", "api", False)] = crash_log
    cluster.logs[("shop", "orders-api-6d9f7c8b5-x2lqp", "api", True)] = (
        f"panic: cannot load key\n{rsa_key_pem()}goroutine 1 [running]:\nmain.main()\n"
    )
    cluster.logs[("shop", "report-28391460-q7x2m", "report", False)] = (
        f"uploading with AccountKey={m.azure_key}\nerror: upload failed (403)\n"
    )
    cluster.logs[("payments", "cache-0", "redis", False)] = "1:M 20 Nov 2026 02:59:00.000 # Background saving error\n"

    o["events"] = [
        {
            "metadata": _meta("orders-api-6d9f7c8b5-x2lqp.17a1", "shop"),
            "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "orders-api-6d9f7c8b5-x2lqp"},
            "reason": "BackOff",
            "message": "Back-off restarting failed container api in pod orders-api-6d9f7c8b5-x2lqp_shop(1d2c)",
            "type": "Warning",
            "count": 60,
            "lastTimestamp": "2026-11-20T02:59:00Z",
        }
    ]

    applied_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "cloud", "namespace": "shop"},
        "data": {"aws_secret_access_key": b64(m.aws_secret)},
        "stringData": {"azure": m.azure_connection_string},
    }
    o["secrets"] = [
        {
            "metadata": _meta("db-credentials", "shop"),
            "type": "Opaque",
            "data": {"username": b64("orders"), "password": b64(m.db_password), "url": b64(m.database_url)},
        },
        {
            "metadata": _meta("shop-tls", "shop", annotations={"cert-manager.io/issuer-name": "shop-ca"}),
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": b64(m.tls_cert + m.ca_cert), "tls.key": b64(m.tls_key)},
        },
        {
            "metadata": _meta(
                "orders-token",
                "shop",
                annotations={"kubernetes.io/service-account.name": "orders"},
            ),
            "type": "kubernetes.io/service-account-token",
            "data": {"token": b64(m.jwt), "ca.crt": b64(m.ca_cert), "namespace": b64("shop")},
        },
        {
            "metadata": _meta(
                "cloud",
                "shop",
                annotations={"kubectl.kubernetes.io/last-applied-configuration": orjson.dumps(applied_secret).decode()},
            ),
            "type": "Opaque",
            "data": {
                "aws_access_key_id": b64(m.aws_key_id),
                "aws_secret_access_key": b64(m.aws_secret),
                "azure": b64(m.azure_connection_string),
                "rsa.pem": b64(rsa_key_pem()),
            },
        },
        helm_secret(_release("shop", "shop", 1, "superseded", "shop", "1.2.0", "2.4.0", m)),
        helm_secret(_release("shop", "shop", 2, "deployed", "shop", "1.3.0", "2.4.1", m)),
        helm_secret(_release("payments", "payments", 1, "failed", "payments", "0.9.0", "1.0.0", m)),
    ]
    o["configmaps"] = [
        {
            "metadata": _meta("orders-config", "shop"),
            "data": {"application.yaml": f"db:\n  password: {m.configmap_password}\n", "LOG_LEVEL": "info"},
        },
        {"metadata": _meta("kube-root-ca.crt", "shop"), "data": {"ca.crt": m.ca_cert.decode()}},
        helm_configmap(_release("metrics", "kube-system", 3, "deployed", "metrics-server", "3.12.1", "0.7.1", m)),
    ]
    deployment_applied = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "orders-api", "namespace": "shop"},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "api", "env": [{"name": "DATABASE_URL", "value": m.database_url}]}]}
            }
        },
    }
    o["deployments"] = [
        {
            "metadata": _meta(
                "orders-api",
                "shop",
                annotations={
                    "deployment.kubernetes.io/revision": "4",
                    "kubectl.kubernetes.io/last-applied-configuration": orjson.dumps(deployment_applied).decode(),
                },
            ),
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "orders"}},
                "template": {
                    "metadata": {"labels": {"app": "orders"}},
                    "spec": {
                        "containers": [{"name": "api", "env": [{"name": "DATABASE_URL", "value": m.database_url}]}]
                    },
                },
            },
            "status": {"replicas": 2, "readyReplicas": 0, "unavailableReplicas": 2},
        }
    ]
    o["cronjobs"] = [
        {
            "metadata": _meta("report", "shop"),
            "spec": {
                "schedule": "*/30 * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [
                                    {"name": "report", "env": [{"name": "AZURE", "value": m.azure_connection_string}]}
                                ]
                            }
                        }
                    }
                },
            },
        }
    ]
    o["services"] = [{"metadata": _meta("orders-api", "shop"), "spec": {"selector": {"app": "orders"}}}]
    o["endpointslices"] = [
        {
            "metadata": _meta("orders-api-x8k2p", "shop", labels={"kubernetes.io/service-name": "orders-api"}),
            "addressType": "IPv4",
            "endpoints": [],
        }
    ]
    o["endpoints"] = [{"metadata": _meta("orders-api", "shop"), "subsets": []}]
    o["customresourcedefinitions"] = [
        {
            "metadata": _meta("certificates.cert-manager.io"),
            "spec": {
                "group": "cert-manager.io",
                "names": {"kind": "Certificate", "plural": "certificates"},
                "scope": "Namespaced",
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {"openAPIV3Schema": {"type": "object", "description": "x" * 5000}},
                    }
                ],
            },
            "status": {"conditions": [{"type": "Established", "status": "True"}], "storedVersions": ["v1"]},
        }
    ]
    o["leases"] = [
        {"metadata": _meta(f"worker-{i}", "kube-node-lease"), "spec": {"holderIdentity": f"worker-{i}"}} for i in (1, 2)
    ]
    return cluster


def write_kubeconfig(path: Path, server: str, token: str, context: str = "emulator") -> Path:
    """A kubeconfig (JSON is YAML) with the emulator's context and a second, unused one."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "emulator", "cluster": {"server": server}},
            {"name": "prod", "cluster": {"server": "https://prod.invalid:6443"}},
        ],
        "users": [{"name": "collector", "user": {"token": token}}, {"name": "prod-admin", "user": {"token": "x"}}],
        "contexts": [
            {"name": context, "context": {"cluster": "emulator", "user": "collector"}},
            {"name": "prod", "context": {"cluster": "prod", "user": "prod-admin"}},
        ],
        "current-context": context,
    }
    path.write_bytes(orjson.dumps(config))
    return path
