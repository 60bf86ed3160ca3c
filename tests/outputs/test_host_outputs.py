"""Host output parsers on real outputs (tests/data/outputs, sources in SOURCES-hosts.md) and the HOST6xx checks
on the snapshots they build: facts, block boundaries in mixed pastes, and the findings an operator expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.registry import ParseResult, parse_text
from medic.model import Finding

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs"
HOST_KINDS = (
    "drbdadm-status",
    "proc-drbd",
    "docker-service-ps",
    "docker-ps",
    "systemctl-failed",
    "ansible-recap",
    "konvoy-check",
    "du",
    "zabbix-problem",
)


def sample(name: str) -> ParseResult:
    return parse_text((DATA / name).read_text(encoding="utf-8"))


def kinds(result: ParseResult) -> list[str]:
    return [b.kind for b in result.blocks]


def findings(result: ParseResult) -> list[Finding]:
    return run_checks(result.snapshot(), all_checks())


def codes(result: ParseResult) -> set[str]:
    return {f.code for f in findings(result)}


def by_code(result: ParseResult, code: str) -> list[Finding]:
    return [f for f in findings(result) if f.code == code]


@pytest.mark.parametrize("kind", HOST_KINDS)
def test_every_kind_has_samples_that_parse_as_that_kind(kind: str) -> None:
    files = sorted((DATA / kind).glob("*.txt"))
    assert len(files) >= 3, kind
    for path in files:
        result = parse_text(path.read_text(encoding="utf-8"))
        assert kind in kinds(result), path.name
        assert not [f for f in findings(result) if f.code == "MEDIC001"], path.name


def test_sources_name_every_sample() -> None:
    sources = (DATA / "SOURCES-hosts.md").read_text(encoding="utf-8")
    for kind in HOST_KINDS:
        for path in (DATA / kind).glob("*.txt"):
            assert f"{kind}/{path.name}" in sources, path


# --- DRBD -------------------------------------------------------------------------------------------------


def test_drbd9_standalone_on_both_nodes() -> None:
    result = sample("drbdadm-status/hwameistor-326-standalone.txt")
    assert kinds(result) == ["drbdadm-status", "drbdadm-status"]
    res = result.snapshot().host["drbd"][0]
    assert (res["resource"], res["role"], res["disk"]) == (
        "pvc-4d6880e8-50ef-42fe-8b8d-e8f987987992",
        "Secondary",
        "UpToDate",
    )
    assert res["peers"][0]["name"] == "k8s-node2"
    assert res["peers"][0]["connection"] == "StandAlone"
    hits = by_code(result, "HOST603")
    assert len(hits) == 2 and "StandAlone towards k8s-node2" in hits[0].message
    assert any("connection:StandAlone" in line for line in hits[0].evidence)


def test_drbd9_inconsistent_resync_and_verbose_drbdsetup() -> None:
    result = sample("drbdadm-status/linstor-218-inconsistent.txt")
    plain, verbose = (b.facts["drbd"][0] for b in result.blocks)
    for res in (plain, verbose):
        assert res["disk"] == "Inconsistent"
        peers = {p["name"]: p for p in res["peers"]}
        assert peers["m14c19"]["replication"] == "SyncTarget"
        assert peers["m14c19"]["disk"] == "UpToDate"
        assert peers["m14c36"]["disk"] == "Diskless"
        assert peers["m14c36"]["role"] == "Primary"
    hits = by_code(result, "HOST604")
    assert hits and "the local disk is Inconsistent (resync from m14c19" in hits[0].message
    assert not {"HOST601", "HOST602", "HOST603"} & codes(result)


def test_drbd_sync_phases_end_healthy() -> None:
    result = sample("drbdadm-status/crowbar-1238-sync-phases.txt")
    phases = result.snapshot().host["drbd"]
    assert [r["disk"] for r in phases] == ["Inconsistent", "Inconsistent", "UpToDate"]
    assert phases[0]["peers"][0]["connection"] == "Connecting"
    assert phases[1]["peers"][0]["done"] == "0.08"
    assert phases[2]["peers"][0] == {**phases[2]["peers"][0], "disk": "UpToDate", "replication": "Established"}


def test_proc_drbd_84_standalone_and_overview() -> None:
    result = sample("proc-drbd/trinity-651-drbd84.txt")
    assert kinds(result) == ["proc-drbd", "proc-drbd", "proc-drbd"]
    first, overview, last = (b.facts["drbd"][0] for b in result.blocks)
    assert first["version"] == "8.4.6" and first["disk"] == "Inconsistent"
    assert first["peers"][0]["connection"] == "WFConnection"
    assert overview["resource"] == "ha_disk"
    assert last["role"] == "Primary" and last["peers"][0]["disk"] == "Inconsistent"
    assert last["out_of_sync_kib"] == 40448716
    assert {"HOST603", "HOST604"} <= codes(result)


def test_proc_drbd_82_users_guide_st_field() -> None:
    result = sample("proc-drbd/drbd-users-guide-82.txt")
    res = result.snapshot().host["drbd"][0]
    assert (res["resource"], res["role"], res["disk"]) == ("drbd0", "Secondary", "UpToDate")
    assert res["peers"][0]["replication"] == "Established"
    assert not {c for c in codes(result) if c.startswith("HOST60")}


def test_proc_drbd_84_sync_source_and_target() -> None:
    result = sample("proc-drbd/cockpit-17042-sync-84.txt")
    assert kinds(result) == ["proc-drbd"]
    source, target = result.snapshot().host["drbd"]
    assert source["version"] == "8.4.11" and (source["role"], source["disk"]) == ("Primary", "UpToDate")
    assert source["peers"][0]["replication"] == "SyncSource" and source["peers"][0]["disk"] == "Inconsistent"
    assert (target["role"], target["disk"]) == ("Secondary", "Inconsistent")
    assert target["peers"][0]["replication"] == "SyncTarget" and target["out_of_sync_kib"] == 1389772624
    assert [str(f.object) for f in by_code(result, "HOST604")] == ["DRBDResource/drbd1", "DRBDResource/drbd2"]


ALL_OUTDATED = """\
$ sudo drbdadm status orders_pg
orders_pg role:Secondary
  disk:Outdated
  store-b role:Secondary
    peer-disk:Outdated
  store-c role:Secondary
    peer-disk:Outdated
"""

HALF_CONNECTED = """\
orders_pg role:Primary
  disk:UpToDate
  store-a role:Secondary
    replication:WFBitMapS peer-disk:Consistent
  store-c role:Secondary
    peer-disk:UpToDate
"""


def test_all_peers_outdated_is_the_all_outdated_finding() -> None:
    result = parse_text(ALL_OUTDATED)
    assert kinds(result) == ["drbdadm-status"]
    hits = by_code(result, "HOST601")
    assert len(hits) == 1
    assert str(hits[0].object) == "DRBDResource/orders_pg"
    assert "Outdated here and on all 2 peer(s)" in hits[0].message
    assert "peer-disk:Outdated" in " ".join(hits[0].evidence)
    assert "HOST604" not in codes(result)
    check = {c.code: c for c in all_checks()}["HOST601"]
    assert any("all-hosts-outdated" in link for link in check.links)


def test_wfbitmaps_consistent_is_the_half_connected_finding() -> None:
    result = parse_text(HALF_CONNECTED)
    hits = by_code(result, "HOST602")
    assert len(hits) == 1
    assert "peer store-a stays in WFBitMapS with peer disk Consistent" in hits[0].message
    check = {c.code: c for c in all_checks()}["HOST602"]
    assert any("half-connected" in link for link in check.links)


# --- docker -----------------------------------------------------------------------------------------------

MOUNT_INVALID = """\
$ docker service ps --no-trunc billing
ID                          NAME              IMAGE                        NODE      DESIRED STATE   CURRENT STATE            ERROR                                                                                                 PORTS
q1w2e3r4t5y6u7i8o9p0a1s2d   billing.1         registry:5000/billing:2.1    store-a   Ready           Rejected 2 seconds ago   "failed to mount local volume: mount /dev/drbd4:/var/lib/docker/volumes/billing_pg/_data: invalid argument"
z9x8c7v6b5n4m3l2k1j0h9g8f    \\_ billing.1     registry:5000/billing:2.1    store-b   Shutdown        Rejected 8 seconds ago   "failed to mount local volume: mount /dev/drbd4:/var/lib/docker/volumes/billing_pg/_data: invalid argument"
"""  # noqa: E501


def test_service_ps_mount_invalid_argument_is_the_xfs_finding() -> None:
    result = parse_text(MOUNT_INVALID)
    tasks = result.snapshot().host["swarm_tasks"]
    assert [t["node"] for t in tasks] == ["store-a", "store-b"]
    assert tasks[1]["name"] == "billing.1" and tasks[1]["history"] is True
    assert tasks[0]["error"].endswith("billing_pg/_data: invalid argument")
    hits = by_code(result, "HOST631")
    assert len(hits) == 1
    assert str(hits[0].object) == "SwarmTask/store-a/billing.1"
    assert "Rejected 2 time(s) on store-a, store-b" in hits[0].message
    assert "HOST630" not in codes(result)
    check = {c.code: c for c in all_checks()}["HOST631"]
    assert any("xfs_repair" in link for link in check.links)


def test_service_ps_no_such_image() -> None:
    result = sample("docker-service-ps/sillyproxy-2-no-such-image.txt")
    tasks = result.snapshot().host["swarm_tasks"]
    assert len(tasks) == 4
    assert tasks[0] == {
        **tasks[0],
        "id": "3mux30y3f696p43451vjgchoo",
        "name": "myapp-v1.1",
        "image": "myapp",
        "node": "cloud-02",
        "desired_state": "Ready",
        "current_state": "Rejected less than a second ago",
        "error": "No such image: myapp:latest",
    }
    hits = by_code(result, "HOST630")
    assert len(hits) == 1 and "Rejected 4 time(s) on cloud-01, cloud-02: No such image" in hits[0].message


def test_service_ps_truncated_errors_and_ports_column() -> None:
    truncated = sample("docker-service-ps/moby-25951-truncated.txt").snapshot().host["swarm_tasks"]
    assert truncated[0]["current_state"] == "Preparing 2 seconds ago" and truncated[0]["error"] == ""
    assert truncated[1]["error"] == "No such image: blabla:somethi…"
    ports = sample("docker-service-ps/docker-py-1692-ports-column.txt").snapshot().host["swarm_tasks"]
    assert ports[0]["id"] == "u2olg9x9tdw9" and ports[0]["node"] == "manager"
    running = sample("docker-service-ps/docs-150-running.txt")
    assert running.snapshot().host["swarm_tasks"][0]["current_state"] == "Running 58 seconds ago"
    assert not {"HOST630", "HOST631"} & codes(running)


def test_docker_ps_rows_and_empty_table() -> None:
    rows = sample("docker-ps/moby-12328-exited.txt").snapshot().host["containers"]
    assert len(rows) == 5
    assert rows[0]["names"] == "agitated_blackwell"
    assert rows[0]["status"] == "Exited (1) 9 days ago"
    assert rows[0]["created"] == "9 days ago"
    empty = sample("docker-ps/moby-23811-empty.txt")
    assert kinds(empty) == ["docker-ps"] and empty.snapshot().host["containers"] == []
    restarting = sample("docker-ps/engine-181-restarting.txt").snapshot().host["containers"]
    assert [(r["names"], r["status"], r["ports"]) for r in restarting] == [("test", "Restarting (1) 4 minutes ago", "")]


# --- systemd ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "unit"),
    [("systemd-3335-no-marker.txt", "apache2.service"), ("systemd-13733-marker.txt", "user@975.service")],
)
def test_systemctl_failed_units(name: str, unit: str) -> None:
    result = sample(f"systemctl-failed/{name}")
    units = result.snapshot().host["units"]
    assert [u["unit"] for u in units] == [unit]
    assert units[0]["active"] == "failed" and units[0]["load"] == "loaded"
    assert not [ln for _, ln in result.plain if "LOAD" in ln or "units listed" in ln]  # the legend is the block's
    hits = by_code(result, "HOST610")
    assert [str(f.object) for f in hits] == [f"SystemdUnit/{unit}"]
    check = {c.code: c for c in all_checks()}["HOST610"]
    assert any("failed-systemd-units" in link for link in check.links)


def test_systemctl_failed_four_units_after_prompt() -> None:
    result = sample("systemctl-failed/bottle-imp-33-four-units.txt")
    assert kinds(result) == ["systemctl-failed"] and [n for n, _ in result.plain] == [1]
    units = result.snapshot().host["units"]
    assert [u["unit"] for u in units][::3] == ["systemd-sysctl.service", "systemd-tmpfiles-setup.service"]
    assert {(u["active"], u["sub"]) for u in units} == {("failed", "failed")}
    assert len(by_code(result, "HOST610")) == 4


def test_systemctl_no_legend_rows_without_header() -> None:
    text = (
        "# systemctl list-units --type=service --state=failed --no-pager --no-legend\n"
        "● kdump.service   loaded failed failed Crash recovery kernel arming\n"
        "● getty@tty1.service loaded failed failed Getty on tty1\n"
    )
    result = parse_text(text)
    assert [u["unit"] for u in result.snapshot().host["units"]] == ["kdump.service", "getty@tty1.service"]
    assert len(by_code(result, "HOST610")) == 2


# --- ansible and konvoy -----------------------------------------------------------------------------------


def test_ansible_recap_unreachable_is_the_ssh_finding() -> None:
    result = sample("ansible-recap/algo-375-unreachable.txt")
    snap = result.snapshot()
    hosts = {h["host"]: h for h in snap.host["ansible_hosts"]}
    assert hosts["159.203.143.172"]["unreachable"] == 1 and hosts["localhost"]["ok"] == 20
    fail = snap.host["ansible_failures"][0]
    assert (fail["host"], fail["task"], fail["kind"]) == ("159.203.143.172", "Check the system", "UNREACHABLE")
    assert "Permission denied (publickey,password)" in fail["message"]
    hits = by_code(result, "HOST650")
    assert [str(f.object) for f in hits] == ["AnsibleHost/159.203.143.172"]
    assert "(task Check the system)" in hits[0].message
    check = {c.code: c for c in all_checks()}["HOST650"]
    assert any("ssh" in link for link in check.links)


def test_ansible_glued_recap_and_multiline_result() -> None:
    glued = sample("ansible-recap/internet-pi-379-glued.txt").snapshot()
    assert glued.host["ansible_hosts"][0] == {**glued.host["ansible_hosts"][0], "host": "192.168.1.15", "ignored": 0}
    assert glued.host["ansible_failures"][0]["task"] == "Gathering Facts"
    multi = sample("ansible-recap/ansible-66210-multiline.txt")
    assert multi.plain == []
    assert "Connection timed out" in multi.snapshot().host["ansible_failures"][0]["message"]
    assert "HOST650" in codes(multi)


def test_ansible_stderr_message_and_failed_task() -> None:
    result = sample("ansible-recap/ansible-17598-stderr.txt")
    fail = result.snapshot().host["ansible_failures"][0]
    assert fail["host"] == "cantconnect" and fail["task"] == "ping"
    text = """\
TASK [all : wait 180 seconds for target connection to become reachable] *******

fatal: [10.0.9.25]: FAILED! => {
   "changed": false,
   "elapsed": 180
}

MSG:

timed out waiting for ping module test success: Too many authentication failures

PLAY RECAP ********************************************************************
10.0.9.25                  : ok=0    changed=0    unreachable=0    failed=1
"""
    failed = parse_text(text)
    assert kinds(failed) == ["ansible-recap"] and failed.plain == []
    hits = by_code(failed, "HOST651")
    assert len(hits) == 1 and "Too many authentication failures" in hits[0].message


def test_konvoy_addon_error() -> None:
    result = sample("konvoy-check/dcos-docs-14-failed-addons.txt")
    stages = result.snapshot().host["konvoy_stages"]
    assert len(stages) == 13 and stages[0]["group"] == "Deploying Addons"
    assert [s["stage"] for s in stages if s["status"] == "ERROR"] == ["traefik"]
    hits = by_code(result, "HOST660")
    assert [str(f.object) for f in hits] == ["KonvoyStage/traefik"]
    assert "konvoy addon traefik is in ERROR" in hits[0].message


def test_konvoy_glued_error_and_success() -> None:
    glued = sample("konvoy-check/konvoy-18-bastion-glued-error.txt")
    stage = glued.snapshot().host["konvoy_stages"][0]
    assert stage["stage"] == "Deploying Enabled Addons" and stage["status"] == "ERROR"
    assert stage["message"].endswith("i/o timeout")
    assert "HOST660" in codes(glued)
    ok = sample("konvoy-check/konvoy-training-up.txt")
    assert len(ok.snapshot().host["konvoy_stages"]) == 16
    assert "HOST660" not in codes(ok)


# --- du, df and Zabbix ------------------------------------------------------------------------------------


def test_du_samples() -> None:
    total = sample("du/docker-cli-942-total.txt").snapshot().host["du"]
    assert {"size": "5.7G", "path": "/var/lib/docker/overlay2"}.items() <= total[4].items()
    assert total[-1]["path"] == "total" and total[-1]["bytes"] == 33 * 1024**3
    relative = sample("du/for-mac-2297-relative.txt").snapshot().host["du"]
    assert relative[0]["path"] == "./bin" and relative[-1]["path"] == "."
    assert len(sample("du/convox-571-depth5.txt").snapshot().host["du"]) == 5


def test_du_needs_tabs_or_several_rows() -> None:
    assert "du" not in kinds(parse_text("it used 12 /tmp in the end"))


DF_93 = """\
[root@store-a ~]# df -h
Filesystem      Size  Used Avail Use% Mounted on
/dev/sda2        50G   47G  3.5G  93% /
/dev/sdb1       200G  170G   30G  85% /var/lib/docker
tmpfs           3.9G     0  3.9G   0% /dev/shm
"""


def test_df_at_93_and_85_percent() -> None:
    result = parse_text(DF_93)
    errors = by_code(result, "HOST620")
    warnings = by_code(result, "HOST621")
    assert [str(f.object) for f in errors] == ["FileSystem//"]
    assert "93% full (space; 3.5G free)" in errors[0].message
    assert [str(f.object) for f in warnings] == ["FileSystem//var/lib/docker"]
    check = {c.code: c for c in all_checks()}["HOST620"]
    assert any("disk-space-is-low" in link for link in check.links)


def test_zabbix_default_messages() -> None:
    alert = sample("zabbix-problem/webhook-load-average.txt").snapshot().host["alerts"][0]
    assert alert == {
        **alert,
        "status": "problem",
        "name": "Load average is too high (per CPU load over 1.5 for 5m)",
        "host": "zabbix-test",
        "severity": "Average",
        "started": "2021.08.27 11:58:49",
    }
    subject = sample("zabbix-problem/helpdesk-http-down.txt")
    alerts = subject.snapshot().host["alerts"]
    assert len(alerts) == 1 and alerts[0]["host"] == "reliance.reliance"
    hits = by_code(subject, "HOST670")
    assert [str(f.object) for f in hits] == ["Alert/reliance.reliance/HTTP service is down on reliance.reliance"]
    mail = sample("zabbix-problem/mail-crlf-write-iops.txt")
    assert mail.plain == [] and mail.snapshot().host["alerts"][0]["severity"] == "Severe"


def test_zabbix_resolved_closes_the_problem_and_one_line_forms() -> None:
    text = """\
Problem: /: Disk space is low (used > 80%)
Problem started at 09:31:22 on 2026.03.02
Problem name: /: Disk space is low (used > 80%)
Host: store-a
Severity: Warning

Resolved in 12m: /: Disk space is low (used > 80%)
Problem has been resolved at 09:43:10 on 2026.03.02
Problem name: /: Disk space is low (used > 80%)
Host: store-a
Severity: Warning
"""
    result = parse_text(text)
    statuses = [a["status"] for a in result.snapshot().host["alerts"]]
    assert statuses == ["problem", "resolved"]
    assert "HOST670" not in codes(result)
    line = parse_text("2026-03-02 09:31:22  store-b  Problem: At least one of the services is in a failed state")
    alert = line.snapshot().host["alerts"][0]
    assert (alert["host"], alert["name"]) == ("store-b", "At least one of the services is in a failed state")
    assert "HOST670" in codes(line)
    assert "zabbix-problem" not in kinds(parse_text("the Problem: nobody knows why it restarts"))


# --- mixed pastes and odd input ---------------------------------------------------------------------------


def test_mixed_paste_of_every_host_output() -> None:
    text = "\n".join(
        [
            "Here is what I see on store-a after the outage:",
            ALL_OUTDATED,
            "and the service:",
            MOUNT_INVALID,
            "$ systemctl list-units --state=failed",
            (DATA / "systemctl-failed/systemd-13733-marker.txt").read_text(encoding="utf-8"),
            "$ ansible-playbook site.yml",
            (DATA / "ansible-recap/algo-375-unreachable.txt").read_text(encoding="utf-8"),
            DF_93,
            "$ du -sh /var/lib/docker/overlay2/*",
            "1.2G\t/var/lib/docker/overlay2/3f1c",
            "",
            "Problem: Disk space is low (used > 80%)",
            "Host: store-a",
            "thanks for any help",
        ]
    )
    result = parse_text(text)
    assert kinds(result) == [
        "drbdadm-status",
        "docker-service-ps",
        "systemctl-failed",
        "ansible-recap",
        "df",
        "du",
        "zabbix-problem",
    ]
    plain = [ln for _, ln in result.plain]
    assert "Here is what I see on store-a after the outage:" in plain and "thanks for any help" in plain
    found = codes(result)
    assert {"HOST601", "HOST631", "HOST610", "HOST650", "HOST620", "HOST621", "HOST670"} <= found
    assert "MEDIC001" not in found


@pytest.mark.parametrize(
    "text",
    [
        "r0 role:\n  disk:\n  peer connection:\n",
        " 1: cs:X ro:/ ds:/\n",
        "ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR\nabcdefabcdef \\_  Running Running\n",
        "UNIT LOAD ACTIVE SUB DESCRIPTION\n● x.service loaded failed\n",
        'PLAY RECAP ***\nfatal: [h]: FAILED! => {"msg": \n}}}\n',
        "STAGE [x]\n[ERROR]\nError:\n",
        "1.2G\t\n\t/x\n",
        "Problem: \nProblem started at  on \nHost:\n",
        "ボリューム名 role:Secondary\n  disk:Outdated\n  服务 role:Secondary\n    peer-disk:Outdated\n",
    ],
)
def test_odd_input_never_raises(text: str) -> None:
    result = parse_text(text)
    total = sum(b.end_line - b.start_line + 1 for b in result.blocks) + len(result.plain)
    assert total == len(text.splitlines())
    assert "MEDIC001" not in {f.code for f in findings(result)}


def test_cjk_resource_names() -> None:
    text = "ボリューム名 role:Secondary\n  disk:Outdated\n  服务 role:Secondary\n    peer-disk:Outdated\n"
    hits = by_code(parse_text(text), "HOST601")
    assert [str(f.object) for f in hits] == ["DRBDResource/ボリューム名"]
