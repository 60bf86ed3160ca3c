"""Fake secrets (generated here, never real ones) planted in every place a secret has been seen to leak from:
command lines, args lists, probe headers, CSI and StorageClass parameters, docker configs, kubeconfigs,
base64 PEM keys, event messages, annotations, logs. ``plant(cluster)`` adds them to an emulated cluster;
``Seeds.secrets()`` lists every value that must not survive (with its base64 form), ``KEEP`` the ordinary
text around them that must.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

import orjson

from tests.collect.emulator import Cluster
from tests.collect.fixtures import _container_status, _meta, _pod, b64, make_cert

# Ordinary text that looks a little like secrets: it must be left alone.
KEEP = (
    "password-reset-service",
    "example.com/shop/token-bucket:1.4.2",
    "passwordless login enabled for tenant",
    "Successfully pulled image",
    "secretName",
    "db-credentials",
    "kube-api-access",
)


def _word(n: int, prefix: str = "") -> str:
    return prefix + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


@dataclass
class Seeds:
    mysql_pass: str = field(default_factory=lambda: _word(14, "My"))
    mysql_list_pass: str = field(default_factory=lambda: _word(14, "Ml"))
    curl_pass: str = field(default_factory=lambda: _word(14, "Cu"))
    requirepass: str = field(default_factory=lambda: _word(14, "Rq"))
    db_pass: str = field(default_factory=lambda: _word(14, "Dp"))
    docker_pass: str = field(default_factory=lambda: _word(14, "Dk"))
    gh_token: str = field(default_factory=lambda: _word(40, "ght"))
    cookie: str = field(default_factory=lambda: _word(32, "ck"))
    redis_auth: str = field(default_factory=lambda: _word(14, "Ra"))
    probe_token: str = field(default_factory=lambda: _word(24, "Pt"))
    probe_api_key: str = field(default_factory=lambda: _word(24, "Pk"))
    storage_key: str = field(default_factory=lambda: b64(secrets.token_bytes(64)))
    admin_password: str = field(default_factory=lambda: _word(14, "Ad"))
    spaced_password: str = field(default_factory=lambda: "p4ss " + _word(6) + " w0rd")
    at_password: str = field(default_factory=lambda: "p@" + _word(10))
    kubeconfig_password: str = field(default_factory=lambda: _word(14, "Kc"))
    kubeconfig_token: str = field(default_factory=lambda: _word(32, "kt"))
    passphrase: str = field(default_factory=lambda: _word(14, "Pp"))
    pin: str = field(default_factory=lambda: "".join(secrets.choice(string.digits) for _ in range(6)))
    ingress_auth_pass: str = field(default_factory=lambda: _word(14, "Ia"))
    event_token: str = field(default_factory=lambda: _word(30, "Ev"))
    key_pem: str = field(default_factory=lambda: make_cert("seeded", [])[1].decode())

    def secrets(self) -> list[str]:
        """Every planted secret, plain and base64, and the body lines of the key."""
        plain = [v for k, v in vars(self).items() if k != "key_pem"]
        body = [line for line in self.key_pem.splitlines() if "-----" not in line]
        docker = self.dockerconfig()
        return [*plain, *(b64(v) for v in plain), *body, b64(self.key_pem), docker, b64(docker)]

    def dockerconfig(self) -> str:
        auth = b64(f"deploy:{self.docker_pass}")
        return orjson.dumps(
            {"auths": {"registry.example.com": {"username": "deploy", "password": self.docker_pass, "auth": auth}}}
        ).decode()

    def kubeconfig(self) -> str:
        return (
            "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n"
            f"    server: https://admin:{self.kubeconfig_password}@10.0.0.1:6443\n"
            "users:\n- name: admin\n  user:\n"
            f"    client-key-data: {b64(self.key_pem)}\n"
            f"    token: {self.kubeconfig_token}\n"
        )


def plant(cluster: Cluster, s: Seeds) -> None:
    """Add objects, events and logs holding the seeds to ``cluster`` (namespace ``vault``)."""
    o = cluster.objects
    o["namespaces"].append({"metadata": _meta("vault"), "status": {"phase": "Active"}})
    db = _pod(
        "password-reset-service-5d8f-abcde",
        "vault",
        [_container_status("mysql", ready=False, restartCount=4, state={"waiting": {"reason": "CrashLoopBackOff"}})],
    )
    db["metadata"]["labels"] = {"app": "password-reset-service"}
    db["metadata"]["annotations"] = {
        "example.com/db-dsn": f"mysql://app:{s.at_password}@db.vault:3306/app",
        "example.com/login": f"password='{s.spaced_password}'",
        "example.com/kubeconfig": s.kubeconfig(),
    }
    c = db["spec"]["containers"][0]
    c["image"] = "example.com/shop/token-bucket:1.4.2"
    c["command"] = ["sh", "-c", f"mysql -uroot -p{s.mysql_pass} -h db.vault && curl -u ops:{s.curl_pass} http://x"]
    c["args"] = ["mysqladmin", "-uroot", f"-p{s.mysql_list_pass}", f"--db-pass={s.db_pass}"]
    c["livenessProbe"] = {
        "httpGet": {
            "path": "/healthz",
            "port": 8080,
            "httpHeaders": [
                {"name": "Authorization", "value": f"token {s.probe_token}"},
                {"name": "X-Api-Key", "value": s.probe_api_key},
            ],
        }
    }
    c["lifecycle"] = {"postStart": {"exec": {"command": ["sh", "-c", f"redis-cli AUTH {s.redis_auth} && echo ok"]}}}
    redis = {"name": "redis", "image": "redis:7", "args": ["redis-server", "--requirepass", s.requirepass]}
    db["spec"]["containers"].append(redis)
    db["spec"]["volumes"] = [
        {"name": "creds", "secret": {"secretName": "db-credentials"}},
        {
            "name": "kube-api-access-x7k2p",
            "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]},
        },
        {
            "name": "blob",
            "csi": {
                "driver": "blob.csi.azure.com",
                "volumeAttributes": {"storageAccount": "shopdata", "storageAccountKey": s.storage_key},
                "nodePublishSecretRef": {"name": "blob-creds"},
            },
        },
    ]
    o["pods"].append(db)
    o["persistentvolumes"] = [
        {
            "metadata": _meta("pv-blob"),
            "spec": {
                "capacity": {"storage": "10Gi"},
                "csi": {
                    "driver": "file.csi.azure.com",
                    "volumeHandle": "rg#shopdata#share",
                    "volumeAttributes": {"storageAccountKey": s.storage_key, "shareName": "share"},
                    "nodeStageSecretRef": {"name": "azure-file", "namespace": "vault"},
                },
            },
            "status": {"phase": "Bound"},
        }
    ]
    o["storageclasses"] = [
        {
            "metadata": _meta("glusterfs"),
            "provisioner": "kubernetes.io/glusterfs",
            "parameters": {"resturl": "http://heketi:8080", "restuser": "admin", "adminPassword": s.admin_password},
        }
    ]
    o["ingresses"] = [
        {
            "metadata": _meta(
                "vault-ui",
                "vault",
                annotations={"nginx.ingress.kubernetes.io/auth-url": f"https://ops:{s.ingress_auth_pass}@auth/x"},
            ),
            "spec": {"rules": [{"host": "vault.example.com"}]},
        }
    ]
    o["events"].append(
        {
            "metadata": _meta("password-reset-service.1", "vault"),
            "involvedObject": {"kind": "Pod", "namespace": "vault", "name": "password-reset-service-5d8f-abcde"},
            "reason": "Failed",
            "message": f"Failed to pull image: unauthorized: Authorization: Bearer {s.event_token}",
            "type": "Warning",
            "count": 3,
        }
    )
    o["events"].append(
        {
            "metadata": _meta("password-reset-service.2", "vault"),
            "involvedObject": {"kind": "Pod", "namespace": "vault", "name": "password-reset-service-5d8f-abcde"},
            "reason": "Pulled",
            "message": "Successfully pulled image example.com/shop/token-bucket:1.4.2; passwordless login enabled"
            " for tenant",
            "type": "Normal",
        }
    )
    docker_b64 = b64(s.dockerconfig())
    cluster.logs[("vault", "password-reset-service-5d8f-abcde", "mysql", False)] = (
        f"loading registry config {s.dockerconfig()}\n"
        f"loading .dockerconfigjson {docker_b64}\n"
        f"tls.key: {b64(s.key_pem)}\n"
        f"GET /repos with Authorization: token {s.gh_token}\n"
        f"Cookie: session={s.cookie}; theme=dark\n"
        f"redis> AUTH {s.redis_auth}\n"
        f"unlock passphrase={s.passphrase} pin={s.pin}\n"
        f'kubeconfig: {{"server": "https://admin:{s.kubeconfig_password}@10.0.0.1:6443"}}\n'
        "passwordless login enabled for tenant\n"
    )
    cluster.logs[("vault", "password-reset-service-5d8f-abcde", "mysql", True)] = f"panic: bad key\n{s.key_pem}exit 1\n"
