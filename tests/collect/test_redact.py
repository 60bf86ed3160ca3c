"""Redaction: realistic fake credentials of the real formats are removed; ordinary text is left alone."""

from __future__ import annotations

import base64
import copy
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from medic.evidence.redact import (
    LAST_APPLIED,
    REDACTED,
    may_hold_secrets,
    redact_object,
    redact_object_counts,
    redact_text,
    redact_text_counts,
)
from tests.collect.fixtures import Material, b64, rsa_key_pem


def ec_key_pem(fmt: serialization.PrivateFormat) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def encrypted_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"passphrase"),
    ).decode()


CASES: list[tuple[str, str, str]] = []  # (what, text, secret that must go)


def _cases(m: Material) -> list[tuple[str, str, str]]:
    basic = b64(f"deploy:{m.db_password}")
    return [
        ("connection_string", f"dial {m.database_url}: timeout", m.db_password),
        ("connection_string", f"amqp://guest:{m.cli_password}@rabbitmq.shop:5672/", m.cli_password),
        ("connection_string", f"redis://:{m.cli_password}@cache-0.cache:6379/0", m.cli_password),
        ("azure_key", m.azure_connection_string, m.azure_key),
        (
            "azure_key",
            f"https://shopassets.blob.core.windows.net/c/x.png?sv=2022-11-02&sr=b&sig={m.azure_key[:43]}%3D",
            m.azure_key[:43],
        ),
        (
            "password",
            f"Server=tcp:db.example.net,1433;User ID=sa;Password={m.db_password};Encrypt=True;",
            m.db_password,
        ),
        ("password", f"env: DB_PASSWORD={m.db_password}", m.db_password),
        ("password", f'{{"user": "orders", "password": "{m.db_password}"}}', m.db_password),
        ("password", f"aws_secret_access_key = {m.aws_secret}", m.aws_secret),
        ("password", f"client_secret={m.cli_password}&grant_type=client_credentials", m.cli_password),
        ("password", f"mysql -u root --password {m.db_password} -h db", m.db_password),
        ("password", f"X-Api-Key: {m.cli_password}", m.cli_password),
        ("aws_key", f"using credentials {m.aws_key_id} for s3://backups", m.aws_key_id),
        ("bearer", f"Authorization: Bearer {m.cli_password}0123", m.cli_password),
        ("basic", f"Authorization: Basic {basic}", basic),
        ("jwt", f"token rejected: {m.jwt} (expired)", m.jwt),
        (
            "connection_string",
            f"git clone https://x-access-token:{m.github_token}@github.com/shop/orders",
            m.github_token,
        ),
        ("token", f"GITHUB_TOKEN is {m.github_token}", m.github_token),
        ("private_key", f"key:\n{rsa_key_pem()}done", rsa_key_pem().splitlines()[5]),
        ("private_key", ec_key_pem(serialization.PrivateFormat.TraditionalOpenSSL), "PRIVATE KEY-----\nM"),
        ("private_key", ec_key_pem(serialization.PrivateFormat.PKCS8), "PRIVATE KEY-----\nM"),
        ("private_key", encrypted_key_pem(), "DEK-Info"),
    ]


@pytest.fixture(scope="module")
def cases(material: Material) -> list[tuple[str, str, str]]:
    return _cases(material)


def test_each_credential_format_is_redacted(cases: list[tuple[str, str, str]]) -> None:
    for what, text, secret in cases:
        out, counts = redact_text_counts(text)
        assert secret not in out, (what, out)
        # the kind counted is the first rule's when two overlap (a GitHub token that is also URL userinfo)
        assert counts[what] >= 1 or (sum(counts.values()) >= 1 and what == "connection_string"), (what, text, counts)
        assert REDACTED in out or "<redacted private key>" in out
        # idempotent: nothing more to find in redacted text
        assert redact_text(out) == (out, 0), (what, out)


def test_what_is_around_a_credential_is_kept(material: Material) -> None:
    out, n = redact_text(f"connecting to {material.database_url}")
    assert (out, n) == ("connecting to postgres://orders:<redacted>@db.shop.svc:5432/orders?sslmode=require", 1)
    out, _ = redact_text(material.azure_connection_string)
    assert out == (
        "DefaultEndpointsProtocol=https;AccountName=shopassets;AccountKey=<redacted>;EndpointSuffix=core.windows.net"
    )
    assert len(material.azure_key) == 88
    out, _ = redact_text(f"Password={material.db_password};Encrypt=True;")
    assert out == "Password=<redacted>;Encrypt=True;"
    out, _ = redact_text(f"Authorization: Bearer {material.jwt}")
    assert out == "Authorization: Bearer <redacted>"


def test_whole_key_in_a_log_with_lines_around(material: Material) -> None:
    text = f"loading\n{rsa_key_pem()}ready\n"
    assert redact_text(text) == ("loading\n<redacted private key>\nready\n", 1)
    # cut at the start by a log tail: the key lines before END go, the line before them stays
    lines = text.splitlines()
    tail = "\n".join(["something else: ok", *lines[10:]])
    assert redact_text(tail) == ("something else: ok\n<redacted private key>\nready", 1)
    # cut at the end
    head = "\n".join(lines[:8])
    out, n = redact_text(head)
    assert n == 1 and out == "loading\n<redacted private key>"
    # JSON-escaped, as in a structured log line
    escaped = orjson.dumps({"msg": "key", "pem": rsa_key_pem()}).decode()
    out, n = redact_text(escaped)
    assert n == 1 and orjson.loads(out) == {"msg": "key", "pem": "<redacted private key>\n"}


NEGATIVES = [
    "falling back to basic authentication for realm kubernetes",
    "invalid token: expired",
    "token refresh failed: connection refused",
    'MountVolume.SetUp failed for volume "db-creds" : secret "db-credentials" not found',
    "Error: secret: missing",
    'password authentication failed for user "orders"',
    "GET https://api.example.com/v1/orders?page=2 200",
    "image registry.example.com/shop/orders:2.4.1 pulled",
    "pulling from docker.io/library/postgres:16",
    "http://10.0.0.1:8080/healthz returned 503",
    "Bearer token required",
    "env DB_PASSWORD=$(DB_PASSWORD) expanded",
    'password: "{{ .Values.db.password }}"',
    "secretName: db-credentials",
    "--token-ttl 24h0m0s",
    "the private key of the issuer is missing",
    "Asia/Tokyo timezone",
    "tokenizer=default",
]


def test_ordinary_lines_are_left_alone() -> None:
    for line in NEGATIVES:
        assert redact_text(line) == (line, 0), line


def pod(material: Material) -> dict[str, Any]:
    applied = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"containers": [{"name": "api", "env": [{"name": "DB_URL", "value": material.database_url}]}]},
    }
    return {
        "metadata": {
            "name": "api",
            "namespace": "shop",
            "annotations": {
                LAST_APPLIED: orjson.dumps(applied).decode(),
                "openshift.io/token-secret.value": material.jwt,
                "openshift.io/token-secret.name": "builder-token-x7k2p",
                "example.com/callback": f"https://hooks:{material.cli_password}@hooks.example.com/x",
                "prometheus.io/port": "9090",
            },
            "managedFields": [{"manager": "kubectl"}],
        },
        "spec": {
            "initContainers": [{"name": "migrate", "command": ["migrate", "--password", material.db_password]}],
            "containers": [
                {
                    "name": "api",
                    "env": [
                        {"name": "MODE", "value": "production"},
                        {"name": "EMPTY", "value": ""},
                        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
                    ],
                    "args": ["--listen=:8080", f"--api-key={material.cli_password}"],
                    "livenessProbe": {
                        "httpGet": {
                            "path": "/healthz",
                            "port": 8080,
                            "httpHeaders": [
                                {"name": "Authorization", "value": f"Basic {b64('probe:' + material.db_password)}"}
                            ],
                        }
                    },
                }
            ],
            "volumes": [{"name": "creds", "secret": {"secretName": "api"}}],
        },
        "status": {"phase": "Running", "message": f"last error: dial {material.database_url}"},
    }


def test_pod_object(material: Material) -> None:
    obj = pod(material)
    counts = redact_object_counts("pods", obj)
    dump = orjson.dumps(obj).decode()
    for secret in (material.db_password, material.cli_password, material.jwt, material.database_url):
        assert secret not in dump
    assert "managedFields" not in obj["metadata"]
    container = obj["spec"]["containers"][0]
    assert container["env"] == [
        {"name": "MODE", "value": REDACTED},
        {"name": "EMPTY", "value": ""},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
    ]
    assert container["args"] == ["--listen=:8080", "--api-key=<redacted>"]
    assert obj["spec"]["initContainers"][0]["command"] == ["migrate", "--password", REDACTED]
    assert container["livenessProbe"]["httpGet"]["httpHeaders"][0]["value"] == REDACTED  # by its name
    assert obj["spec"]["volumes"] == [{"name": "creds", "secret": {"secretName": "api"}}]
    annotations = obj["metadata"]["annotations"]
    assert annotations["openshift.io/token-secret.value"] == REDACTED
    assert annotations["openshift.io/token-secret.name"] == "builder-token-x7k2p"
    assert annotations["example.com/callback"] == "https://hooks:<redacted>@hooks.example.com/x"
    assert annotations["prometheus.io/port"] == "9090"
    applied = orjson.loads(annotations[LAST_APPLIED])
    assert applied["spec"]["containers"][0]["env"][0]["value"] == REDACTED
    assert (
        obj["status"]["message"]
        == "last error: dial postgres://orders:<redacted>@db.shop.svc:5432/orders?sslmode=require"
    )
    assert counts["env"] == 2 and counts["annotation"] == 1 and counts["password"] == 2
    assert counts["header"] == 1 and counts["connection_string"] == 2
    assert redact_object("pods", obj) == 0  # idempotent
    assert sum(counts.values()) == redact_object("pods", pod(material))


def test_deep_walk_can_be_skipped_when_the_page_is_clean(material: Material) -> None:
    """deep=False (the collector's page prefilter found nothing): env and annotations are still handled."""
    obj = pod(material)
    redact_object_counts("pods", obj, deep=False)
    assert obj["spec"]["containers"][0]["env"][0]["value"] == REDACTED
    assert obj["metadata"]["annotations"]["openshift.io/token-secret.value"] == REDACTED
    raw = orjson.dumps(pod(material))
    assert may_hold_secrets(raw)
    assert not may_hold_secrets(orjson.dumps({"spec": {"volumes": [{"projected": {"serviceAccountToken": {}}}]}}))


def test_secret_and_configmap_values(material: Material) -> None:
    secret = {
        "metadata": {"name": "db", "namespace": "shop"},
        "type": "Opaque",
        "data": {"password": b64(material.db_password)},
        "stringData": {"url": material.database_url},
    }
    assert redact_object("secrets", secret) == 2
    assert secret["data"] == {"password": REDACTED} and secret["stringData"] == {"url": REDACTED}
    cm = {"metadata": {"name": "cfg"}, "data": {"a": "1"}, "binaryData": {"b": base64.b64encode(b"x").decode()}}
    assert redact_object_counts("configmaps", cm) == {"configmap_values": 2}


def test_redaction_does_not_change_clean_objects() -> None:
    node = {
        "metadata": {"name": "worker-1", "labels": {"kubernetes.io/hostname": "worker-1"}},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "message": "kubelet is posting ready status"}],
            "images": [{"names": ["registry.k8s.io/pause:3.9"], "sizeBytes": 321520}],
        },
    }
    before = copy.deepcopy(node)
    assert redact_object("nodes", node) == 0
    assert node == before
