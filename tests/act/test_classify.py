"""Read-only or mutating, decided by parsing the command; unknown programs count as mutating."""

from __future__ import annotations

import pytest

from medic.act.classify import Kind, classify

READ_ONLY = [
    "kubectl get pv",
    "kubectl -n shop get pods -o wide",
    "kubectl --namespace=shop describe pod web-0",
    "kubectl logs -n shared keycloak-0 --tail=50",
    "kubectl top nodes",
    "kubectl rollout status sts/vantiq -n ns",
    "kubectl wait --for=condition=complete job/x -n ns",
    "sudo drbdadm status r0",
    "docker service ps --no-trunc ldap",
    "docker volume inspect data --format '{{ .Options.device }}'",
    "systemctl list-units --type=service --state=failed",
    "xfs_repair -n /dev/drbd8",
    "du -s -BM /var/lib/docker/overlay2/* | sort -nr | head -5",
    "SELECT * FROM dashboard;",
    "SHOW TABLES;",
    "konvoy check preflight",
    "helm list",
    "ssh-add -L",
    "cd /tmp",
    "export AZURE_STORAGE_ACCOUNT=backups",
    "sqlite3 grafana.db .dump",
    "curl -s https://example.com/healthz",
]
MUTATING = [
    "kubectl scale sts -n x vantiq --replicas=0",
    'kubectl patch pv p -p \'{"spec":{"claimRef":null}}\'',
    "kubectl apply -f pvc.yaml",
    "kubectl delete pod web-0",
    "kubectl drain n1 --ignore-daemonsets --delete-emptydir-data",
    "kubectl create job r --from=cronjob/mongorestore -n x",
    "kubectl rollout restart sts vantiq",
    "kubectl exec -n kube-system etcd-0 -- etcdctl member remove 1d02",
    "docker system prune",
    "docker service scale ldap=0",
    "sudo systemctl disable --now dnf-makecache.timer",
    "sudo drbdadm primary --force r0",
    "drbdadm disconnect r0",
    "xfs_repair /dev/drbd8",
    "sudo xfs_repair $(docker volume inspect v --format '{{ .Options.device }}')",
    "rm -rf /var/lib/x",
    "DELETE FROM `alert`;",
    "DROP TABLE dashboard;",
    "./gradlew -Pcluster=prod deployVantiq",
    "hive deploy-services -l ldap -D",
    "somethingunknown --flag",
    "sqlite3 grafana.db .dump > grafana.sql",
    "kubectl get pods > pods.txt",
    "curl -X POST https://example.com/api",
    "git pull",
    "export KUBECONFIG=/tmp/k",  # later kubectl calls read another kubeconfig (and its exec plugins)
]
MANUAL = [
    "kubectl edit deploy -n shared grafana",
    "vi old-grafana-pvc.yaml",
    "hive ssh -t host1",
    "sudo su -",
    "kubectl exec -it influxdb-0 -n shared -- /bin/sh",
    "mysql -u grafana -p",
    "logout",
    "kubectl logs -n ns vantiq-0 -c load-model -f",
    "kubectl get pods -w",
    "tail -f /var/log/messages",
    "stern -n shared telegraf-* -s 1s",
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only(command: str) -> None:
    assert classify(command).kind is Kind.READ_ONLY, classify(command)


@pytest.mark.parametrize("command", MUTATING)
def test_mutating(command: str) -> None:
    assert classify(command).kind is Kind.MUTATING, classify(command)


@pytest.mark.parametrize("command", MANUAL)
def test_manual(command: str) -> None:
    assert classify(command).kind is Kind.MANUAL, classify(command)


def test_reasons_name_the_verb() -> None:
    assert "scale" in classify("kubectl scale deploy x --replicas=0").reason
    assert "not a command Medic knows" in classify("frobnicate now").reason
