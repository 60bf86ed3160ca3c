"""Plans derived from the five seed runbooks and from the built-in procedures."""

from __future__ import annotations

from pathlib import Path

import pytest

from medic.act.plan import Plan, build_plan
from medic.knowledge.store import Store
from tests.act.conftest import entry_by_title

# Every section of the seeds whose plan has commands to run, and the parameters found in it.
SEED_PARAMETERS = {
    ("000", "Vantiq MongoDB の回復をしたい"): ["namespace"],
    ("000", "Azure で Backup の設定ができない"): ["bucket", "storage-account", "storage-key"],
    ("000", "undeployとdeployを繰り返したら、PVがReleaseされてしまった。再利用したい。"): ["pv"],
    ("000", "Grafana でメトリクスが表示されない"): [],
    ("000", "VantiqバージョンアップしたらGrafanaのDashboardがすべて消えてしまった"): [
        "cluster",
        "grafana-pod",
        "grafanadb-mysql-pod",
    ],
    ("000", "Keycloak pod が起動しない"): [],
    ("000", "Podが再起動を繰り返し、起動できない"): [],
    ("000", "Readiness Probeのタイムアウトまでの時間を長くする"): [],
    ("001", "構築作業"): ["cluster", "deploy-or-sts", "domain", "namespace", "node", "vantiq-namespace"],
    ("001", "Minor Version Upgrade"): ["cluster", "job-name", "mongobackup-job-pod-name", "namespace"],
    ("001", "Patch Version Upgrade"): ["cluster"],
    ("001", "SSL 証明書を更新する"): ["cluster"],
    ("001", "License ファイルを更新する"): ["cluster", "vantiq-namespace"],
    ("002", "检查部署环境"): [],
    ("002", "检查 addons"): [],
    ("002", "检查Kubernetes"): [],
    ("002", "检查节点"): [],
    ("002", "部署失败"): [],
    ("002", "Addon 错误或失败"): [],
    ("002", "检查addon 部署的状态"): ["id"],
    ("002", "替换掉一个failed control plane node"): ["etcd-member", "etcd-member-id"],
    ("002", "替换 failed node"): ["worker-node-id"],
    ("002", "cloud provider"): [],
    ("002", "生成 diagnostic bundle"): [],
    ("002", "Too many authentication failures"): ["private-key"],
    ("002", "更改 Node IP"): [],
    ("002", "识别错误类型"): ["service"],
    ("003", "주요 커맨드"): ["container-name", "namespace", "pod"],
    ("003", "Issue (3)"): [],
    ("003", "Issue (5)"): ["storageclass"],
    ("003", "Issue (6)"): [],
    ("004", "docker の不要なイメージ"): [],
    ("004", "リポジトリの肥大化（リポジトリサーバ）"): [],
    ("004", "DRBDボリュームのディスク残量"): ["service", "volume"],
    ("004", "1. バックアップ採取"): ["service"],
    ("004", "2. ボリュームの削除"): ["service", "volume"],
    ("004", "4. ボリュームのビルド"): ["service", "volume"],
    ("004", "5. データのリストア"): ["service"],
    ("004", "コンテナ収容サーバのディスク残量"): ["host"],
    ("004", "1. Overlay ディレクトリの特定"): ["host"],
    ("004", "2. サービスの特定"): [],
    ("004", "ホスト内サービスの失敗"): ["host"],
    ("004", "DRBDディスクの同期の失敗"): ["host", "service", "volume"],
    ("004", "全部のホストで Outdated"): ["first-host", "host", "volume"],
    ("004", "接続が不完全"): ["host", "volume"],
    ("004", "DRBDのファイルシステムの破損"): ["first-host", "service", "volume"],
}


def seed_plans(store: Store) -> dict[tuple[str, str], Plan]:
    plans: dict[tuple[str, str], Plan] = {}
    for e in store.all_entries(searchable_only=True):
        name = Path(e.source).name
        if e.builtin or not name[:3].isdigit():
            continue
        plan = build_plan(store, e)
        if any(s.commands for s in [*plan.steps, *plan.rollback]):
            plans[(name[:3], e.title)] = plan
    return plans


def test_placeholders_of_every_seed_procedure(act_store: Store) -> None:
    plans = seed_plans(act_store)
    found = {key: sorted(p.name for p in plan.parameters) for key, plan in plans.items()}
    assert found == SEED_PARAMETERS


def test_same_placeholder_is_one_parameter(act_store: Store) -> None:
    plans = seed_plans(act_store)
    mongo = plans[("000", "Vantiq MongoDB の回復をしたい")]
    assert [(p.name, p.forms) for p in mongo.parameters] == [("namespace", ["xxxx", "xxx"])]
    minor = plans[("001", "Minor Version Upgrade")]
    cluster = next(p for p in minor.parameters if p.name == "cluster")
    assert cluster.forms == ["<クラスタ名>"]
    assert sum("<クラスタ名>" in c.template for s in minor.steps + minor.rollback for c in s.commands) >= 3
    keys = plans[("000", "Azure で Backup の設定ができない")].parameters
    assert [p.name for p in keys if p.secret] == ["storage-key"]


def test_seed_steps_kinds_and_rollback(act_store: Store) -> None:
    plans = seed_plans(act_store)
    pv = plans[("000", "undeployとdeployを繰り返したら、PVがReleaseされてしまった。再利用したい。")]
    assert [str(s.kind) for s in pv.steps] == [
        "read-only",  # kubectl get pv (the symptom)
        "mutating",  # scale to 0 (a $ session block)
        "mutating",  # patch claimRef
        "manual",  # vi + YAML
        "mutating",  # kubectl apply
        "manual",  # kubectl edit
        "mutating",  # scale up
    ]
    assert pv.steps[1].expected == ["deployment.apps/grafana scaled"]
    minor = plans[("001", "Minor Version Upgrade")]
    assert len(minor.steps) == 12 and len(minor.rollback) == 4
    assert minor.steps[0].manual and minor.steps[5].kind == "mutating"
    assert [c.template for c in minor.steps[4].commands] == ["./gradlew -Pcluster=<クラスタ名> setupCluster"]
    drbd = plans[("004", "全部のホストで Outdated")]
    assert [str(s.kind) for s in drbd.steps] == ["read-only", "manual", "manual", "manual"]
    assert "hive ssh" in drbd.steps[1].manual_reason
    grafana = plans[("000", "VantiqバージョンアップしたらGrafanaのDashboardがすべて消えてしまった")]
    sql = grafana.steps[3]
    assert sql.manual and any(c.lang == "sql" and c.kind == "mutating" for c in sql.commands)
    fixes = plans[("000", "Grafana でメトリクスが表示されない")]
    assert any("Possible Solution 2" in n for n in fixes.notes)


PROCEDURES = {
    "Procedure: reuse a Released PersistentVolume with a new claim": [
        "claim-file",
        "claim-name",
        "namespace",
        "pv-name",
        "replicas",
        "size",
        "storage-class",
        "workload",
    ],
    "Procedure: restore MongoDB from the backup CronJob": [
        "namespace",
        "replicas",
        "restore-job",
        "userdb-restore-job",
    ],
    "Procedure: Vantiq minor version upgrade (schema change, downtime)": [
        "backup-job",
        "cluster",
        "namespace",
        "restore-job",
        "tools-dir",
    ],
    "Procedure: Vantiq patch version upgrade": ["cluster", "namespace", "tools-dir"],
    "Procedure: renew the SSL certificate of a Vantiq installation": [
        "backup-suffix",
        "cluster",
        "sensitive-dir",
        "tools-dir",
    ],
    "Procedure: renew the Vantiq license files": [
        "backup-suffix",
        "cluster",
        "namespace",
        "sensitive-dir",
        "tools-dir",
    ],
    "Procedure: replace a failed etcd member (control-plane node)": ["etcd-pod", "member-id"],
    "Procedure: drain a node for maintenance": ["node"],
    "Procedure: recover DRBD when every host shows Outdated": ["resource", "service"],
    "Procedure: repair an XFS filesystem behind a crashing service": ["device", "service"],
    "Procedure: move Grafana from sqlite3 to MySQL": ["cluster", "grafana-pod", "mysql-pod", "namespace", "tools-dir"],
}


@pytest.mark.parametrize("title", sorted(PROCEDURES))
def test_builtin_procedures(act_store: Store, title: str) -> None:
    plan = build_plan(act_store, act_store.get(entry_by_title(act_store, title)))
    assert sorted(p.name for p in plan.parameters) == PROCEDURES[title]
    assert plan.steps and plan.rollback, "every procedure has a rollback"
    assert any(s.kind == "mutating" for s in plan.steps)
    assert not any("approximate" in n for n in plan.notes)


def test_procedure_details(act_store: Store) -> None:
    def plan(title: str) -> Plan:
        return build_plan(act_store, act_store.get(entry_by_title(act_store, title)))

    drain = plan("Procedure: drain a node for maintenance")
    assert "--ignore-daemonsets --delete-emptydir-data" in drain.steps[1].commands[0].template
    assert drain.rollback[0].commands[0].template == "kubectl uncordon <node>"
    xfs = plan("Procedure: repair an XFS filesystem behind a crashing service")
    assert [c.template for s in xfs.steps for c in s.commands][:3] == [
        "docker service scale <service>=0",
        "xfs_repair -n <device>",
        "xfs_repair <device>",
    ]
    assert [str(s.kind) for s in xfs.steps] == ["mutating", "read-only", "mutating", "mutating"]
    grafana = plan("Procedure: move Grafana from sqlite3 to MySQL")
    manual = [s.n for s in grafana.steps if s.manual]
    assert manual == [1, 6, 7] and grafana.rollback[0].manual
    drbd = plan("Procedure: recover DRBD when every host shows Outdated")
    assert drbd.steps[2].manual and [c.template for c in drbd.steps[2].commands] == [
        "drbdadm disconnect <resource>",
        "drbdadm connect <resource>",
    ]
    minor = plan("Procedure: Vantiq minor version upgrade (schema change, downtime)")
    assert len(minor.steps) == 10 and minor.steps[6].commands[1].template.endswith("--replicas=1")
    pv = plan("Procedure: reuse a Released PersistentVolume with a new claim")
    assert pv.steps[1].expected == ["the STATUS column reads Available."]
