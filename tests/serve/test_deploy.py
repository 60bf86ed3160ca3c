"""The deploy/ files: Kubernetes manifests valid for the API versions clusters run (offline schemas), hardened,
and a read-only ClusterRole that covers what `medic collect` reads; the sender recipes parse and point at the
intake endpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from medic.evidence.kube import FALLBACKS, RESOURCES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S_VERSIONS = ("1.27.0", "1.31.0", "1.37.0")  # an old supported release, a common one, the newest schemas


def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in manifests() if d["kind"] == kind]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_validate_strictly(version: str) -> None:
    docs = manifests()
    assert {d["kind"] for d in docs} >= {
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Secret",
        "PersistentVolumeClaim",
        "Deployment",
        "Service",
        "CronJob",
    }
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_an_invalid_manifest_is_caught() -> None:
    """The validation above is real: a misspelt field fails it."""
    (deployment,) = by_kind("Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Never"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[-1], strict=True)


def pod_specs() -> list[dict[str, Any]]:
    (deployment,) = by_kind("Deployment")
    (cron,) = by_kind("CronJob")
    return [deployment["spec"]["template"]["spec"], cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]]


def test_pods_run_unprivileged_on_a_read_only_root() -> None:
    for spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in spec["containers"]:
            ctx = c["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True and ctx["allowPrivilegeEscalation"] is False
            assert ctx["capabilities"]["drop"] == ["ALL"]
            assert "limits" in c["resources"]


def test_cluster_role_is_read_only_and_covers_collect() -> None:
    (role,) = by_kind("ClusterRole")
    granted: set[tuple[str, str]] = set()
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= {"get", "list", "watch"}, rule
        granted |= {(g, r) for g in rule["apiGroups"] for r in rule["resources"]}
    assert not any(r == "secrets" or r == "*" for _, r in granted)
    wanted = {
        (v.split("/")[0] if "/" in v else "", res.name)
        for res in (*RESOURCES, *FALLBACKS.values())
        if res.name != "secrets"
        for v in res.versions
    }
    assert wanted - granted == set()
    assert ("", "pods/log") in granted


def test_the_job_posts_to_the_service_with_its_own_token() -> None:
    (cron,) = by_kind("CronJob")
    (service,) = by_kind("Service")
    (secret,) = by_kind("Secret")
    args = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert (
        args[0] == "collect"
        and args[args.index("--post") + 1] == f"http://{service['metadata']['name']}.medic.svc:8080"
    )
    job_token = secret["stringData"]["job-token"]
    assert f"write: {job_token}" in secret["stringData"]["tokens"]


def test_sender_recipes_point_at_the_intake() -> None:
    am = yaml.safe_load((DEPLOY / "alertmanager" / "medic-receiver.yaml").read_text())
    (hook,) = am["receivers"][0]["webhook_configs"]
    assert hook["url"].endswith("/api/v1/alerts/alertmanager") and hook["send_resolved"] is True
    grafana = yaml.safe_load((DEPLOY / "grafana" / "contact-point.yaml").read_text())
    (receiver,) = grafana["contactPoints"][0]["receivers"]
    assert receiver["type"] == "webhook" and receiver["settings"]["url"].endswith("/api/v1/alerts/grafana")
    zabbix = yaml.safe_load((DEPLOY / "zabbix" / "medic_mediatype.yaml").read_text())
    (media,) = zabbix["zabbix_export"]["media_types"]
    names = {p["name"] for p in media["parameters"]}
    assert {"event_id", "event_value", "medic_url", "medic_token"} <= names
    assert "/api/v1/alerts/zabbix" in media["script"] and "Zabbix.log" not in media["script"]
