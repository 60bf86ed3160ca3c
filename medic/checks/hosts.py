"""Host checks (HOST6xx): DRBD, systemd units, file systems, swarm tasks, etcd members, ansible runs,
konvoy stages and Zabbix problems. They read ``snap.host`` (facts from pasted command output or a host
collector) and never know where the facts came from.

Objects: ``DRBDResource``, ``SystemdUnit``, ``FileSystem``, ``SwarmTask``, ``EtcdMember``, ``AnsibleHost``,
``KonvoyStage`` and ``Alert``; the namespace is the host when the facts name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

DRBD_ALL_OUTDATED = "hosts-swarm-drbd.md#zabbix-drbd-resource-status-is-not-uptodatediskless-client-all-hosts-outdated"
DRBD_HALF_CONNECTED = "hosts-swarm-drbd.md#drbd-half-connected-one-side-shows-replicationwfbitmaps-peer-diskconsistent"
FAILED_UNITS = "hosts-swarm-drbd.md#zabbix-at-least-one-of-the-services-is-in-a-failed-state-failed-systemd-units"
DISK_LOW = "hosts-swarm-drbd.md#zabbix-disk-space-is-low-used--80-unused-docker-images-and-containers"
DISK_OVERLAY = (
    "hosts-swarm-drbd.md#container-host-disk-filling-up-find-the-overlay2-directory-and-the-service-behind-it"
)
DISK_VOLUME_90 = "hosts-swarm-drbd.md#zabbix-exceed-90-docker-volume-usage-enlarge-a-drbd-backed-volume"
SWARM_MOUNT = "hosts-swarm-drbd.md#swarm-service-keeps-restarting-failed-to-mount-local-volume--invalid-argument"
XFS_REPAIR = "hosts-swarm-drbd.md#repair-a-corrupted-xfs-filesystem-on-a-drbd-service-volume-xfs_repair"
ETCD_UNHEALTHY = (
    "kubernetes-nodes-control-plane.md#etcd-has-no-leader-or-an-unhealthy-member-etcdserver-no-leader-request-timed-out"
)
ETCD_REPLACE = "konvoy-cluster-ops.md#replace-a-failed-konvoy-control-plane-node-remove-its-etcd-member"
ETCD_PROCEDURE = "procedures.md#procedure-replace-a-failed-etcd-member-control-plane-node"
SSH_AUTH = "konvoy-cluster-ops.md#konvoy-ssh-fails-too-many-authentication-failures"
SSH_THROTTLE = "konvoy-cluster-ops.md#hosts-become-unreachable-right-after-a-konvoy-deploy-api-or-ssh-throttling"
SSH_IP_CHANGED = "konvoy-cluster-ops.md#konvoy-cannot-reach-a-node-after-its-ip-address-changed"
KONVOY_ADDON = "konvoy-cluster-ops.md#konvoy-addon-failed-to-deploy-error-in-the-addons-stage"
KONVOY_CLOUD = "konvoy-cluster-ops.md#konvoy-up-or-deploy-fails-on-cloud-api-errors-during-provisioning"

# fill levels of a file system: above WARN a warning, above ERROR an error (Zabbix's defaults)
DISK_WARN_PERCENT = 80
DISK_ERROR_PERCENT = 90


def facts(snap: Snapshot, kind: str) -> list[dict[str, Any]]:
    """The host facts of one kind that are records (odd entries are skipped, never raised on)."""
    return [f for f in snap.host.get(kind, []) if isinstance(f, dict)]


def _s(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value)


def _host(record: dict[str, Any]) -> str:
    return _s(record, "host") or _s(record, "node_name")


def _lines(record: dict[str, Any]) -> list[str]:
    lines = record.get("lines")
    if isinstance(lines, list) and lines:
        return [str(x) for x in lines]
    return [_s(record, "line")] if record.get("line") else []


# --- DRBD ----------------------------------------------------------------------------------------------


def _peers(res: dict[str, Any]) -> list[dict[str, Any]]:
    peers = res.get("peers")
    return [p for p in peers if isinstance(p, dict)] if isinstance(peers, list) else []


def _drbd_ref(res: dict[str, Any]) -> ObjectRef:
    return ObjectRef("DRBDResource", _host(res), _s(res, "resource") or "?")


def _all_outdated(res: dict[str, Any]) -> bool:
    peers = _peers(res)
    return _s(res, "disk") == "Outdated" and bool(peers) and all(_s(p, "disk") == "Outdated" for p in peers)


def _half_connected(res: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in _peers(res) if _s(p, "replication").startswith("WFBitMap")]


def _standalone(res: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in _peers(res) if _s(p, "connection") == "StandAlone"]


@check(
    "HOST601",
    Severity.ERROR,
    "DRBD resource Outdated on every replica",
    "DRBD resource {resource} is Outdated here and on all {peers} peer(s): no replica holds current data",
    looks_at=("host:drbd",),
    links=(DRBD_ALL_OUTDATED,),
)
def drbd_all_outdated(snap: Snapshot) -> Iterator[Hit]:
    """The local disk and every peer disk of a resource are ``Outdated``: no node considers its data
    current, so none becomes Primary and the volume is unusable. Recovery forces the replica with the
    newest data to Primary (``drbdadm primary --force``) and lets the others resync from it; pick it with
    care, as forcing the wrong one discards newer writes."""
    for res in facts(snap, "drbd"):
        if _all_outdated(res):
            yield Hit(_drbd_ref(res), {"resource": _s(res, "resource"), "peers": len(_peers(res))}, _lines(res))


@check(
    "HOST602",
    Severity.ERROR,
    "DRBD connection half established (WFBitMapS/WFBitMapT)",
    "DRBD resource {resource}: peer {peer} stays in {replication} with peer disk {peer_disk}; "
    "the resync handshake stalled",
    looks_at=("host:drbd",),
    links=(DRBD_HALF_CONNECTED,),
)
def drbd_half_connected(snap: Snapshot) -> Iterator[Hit]:
    """A peer connection waits in ``WFBitMapS``/``WFBitMapT`` (the bitmap exchange before a resync) and
    stays there, typically with the peer disk only ``Consistent``: the two ends disagree about the state.
    Reconnecting (``drbdadm disconnect``/``connect``) from the side whose view looks healthy restarts the
    handshake. A single snapshot cannot tell a stall from a handshake in progress: look twice."""
    for res in facts(snap, "drbd"):
        for peer in _half_connected(res):
            yield Hit(
                _drbd_ref(res),
                {
                    "resource": _s(res, "resource"),
                    "peer": _s(peer, "name"),
                    "replication": _s(peer, "replication"),
                    "peer_disk": _s(peer, "disk") or "unknown",
                },
                _lines(res),
            )


@check(
    "HOST603",
    Severity.ERROR,
    "DRBD connection StandAlone (split brain or refused connection)",
    "DRBD resource {resource} is StandAlone towards {peer} (local disk {disk}, peer disk {peer_disk}); "
    "replication is off",
    looks_at=("host:drbd",),
    links=(DRBD_ALL_OUTDATED,),
)
def drbd_standalone(snap: Snapshot) -> Iterator[Hit]:
    """A connection is ``StandAlone``: DRBD gave up connecting to the peer, most often after detecting a
    split brain (both sides wrote as Primary) or after an administrator disconnected it. Nothing is
    replicated until one side discards its changes (``drbdadm connect --discard-my-data`` on the victim)
    and both reconnect. Check the kernel log for ``Split-Brain detected`` first."""
    for res in facts(snap, "drbd"):
        for peer in _standalone(res):
            yield Hit(
                _drbd_ref(res),
                {
                    "resource": _s(res, "resource"),
                    "peer": _s(peer, "name"),
                    "disk": _s(res, "disk") or "unknown",
                    "peer_disk": _s(peer, "disk") or "unknown",
                },
                _lines(res),
            )


# local disk states that are not a healthy replica; Diskless is normal on a diskless client
_BAD_DISK = {"Inconsistent", "Outdated", "Failed", "Consistent", "DUnknown", "Negotiating", "Attaching", "Detaching"}


@check(
    "HOST604",
    Severity.WARNING,
    "DRBD disk not UpToDate (Inconsistent, Outdated, Failed, Diskless)",
    "DRBD resource {resource}: {where} disk is {state}{sync}",
    looks_at=("host:drbd",),
    links=(DRBD_ALL_OUTDATED,),
)
def drbd_not_uptodate(snap: Snapshot) -> Iterator[Hit]:
    """A replica of a resource is not ``UpToDate`` in a way the checks above do not already explain: an
    ``Inconsistent`` disk (a resync target, or a new replica that never synced), a single ``Outdated``
    replica, a ``Failed`` disk (I/O error on the backing device) or a detached one (``Diskless`` where a
    disk is expected). A disk being resynced (``SyncTarget``) is reported with its progress: it heals by
    itself unless the progress stops."""
    for res in facts(snap, "drbd"):
        if _all_outdated(res) or _half_connected(res) or _standalone(res):
            continue
        name = _s(res, "resource")
        disk = _s(res, "disk")
        syncing = [p for p in _peers(res) if _s(p, "replication") in ("SyncTarget", "PausedSyncT")]
        sync = ""
        if syncing:
            done = _s(syncing[0], "done")
            sync = f" (resync from {_s(syncing[0], 'name')}{', ' + done + '% done' if done else ''})"
        if disk in _BAD_DISK or (disk == "Diskless" and not res.get("client")):
            yield Hit(
                _drbd_ref(res), {"resource": name, "where": "the local", "state": disk, "sync": sync}, _lines(res)
            )
            continue
        for peer in _peers(res):
            pdisk = _s(peer, "disk")
            if pdisk in ("Inconsistent", "Outdated", "Failed") and _s(peer, "connection") == "Connected":
                yield Hit(
                    _drbd_ref(res),
                    {"resource": name, "where": f"peer {_s(peer, 'name')}'s", "state": pdisk, "sync": ""},
                    _lines(res),
                )
                break


# --- systemd -------------------------------------------------------------------------------------------


@check(
    "HOST610",
    Severity.WARNING,
    "Failed systemd unit",
    "systemd unit {unit} is failed ({description})",
    looks_at=("host:units",),
    links=(FAILED_UNITS,),
)
def failed_units(snap: Snapshot) -> Iterator[Hit]:
    """A unit is in the ``failed`` state (``systemctl --failed``). Monitoring (Zabbix's "At least one of
    the services is in a failed state") stays in problem until each failed unit is either fixed and
    restarted or, when not needed on this host, disabled and cleared with ``systemctl reset-failed``."""
    for unit in facts(snap, "units"):
        if _s(unit, "active") != "failed" and _s(unit, "sub") != "failed":
            continue
        name = _s(unit, "unit") or "?"
        yield Hit(
            ObjectRef("SystemdUnit", _host(unit), name),
            {"unit": name, "description": _s(unit, "description") or _s(unit, "sub")},
            _lines(unit),
        )


# --- file systems --------------------------------------------------------------------------------------


def _fs_line(fs: dict[str, Any]) -> str:
    if fs.get("line"):
        return _s(fs, "line")
    cells = [_s(fs, k) for k in ("filesystem", "size", "used", "avail")]
    return " ".join([*(c for c in cells if c), f"{_s(fs, 'use_percent')}%", _s(fs, "mount")])


def _use(fs: dict[str, Any]) -> int | None:
    try:
        return int(str(fs.get("use_percent", "")).rstrip("%"))
    except ValueError:
        return None


# file systems that are full by design: read-only images (snap packages, live media) and their loop devices
READ_ONLY_TYPES = {"squashfs", "iso9660", "udf", "cramfs", "erofs"}
_READ_ONLY_MOUNT = re.compile(r"(?:^|/)snap/|^/media/cdrom|^/run/live/")


def _read_only_image(fs: dict[str, Any]) -> bool:
    return _s(fs, "type") in READ_ONLY_TYPES or bool(_READ_ONLY_MOUNT.search(_s(fs, "mount")))


def _fs_hits(snap: Snapshot, low: int, high: int) -> Iterator[Hit]:
    for fs in facts(snap, "filesystems"):
        pct = _use(fs)
        if pct is None or not low < pct <= high or _read_only_image(fs):
            continue
        mount = _s(fs, "mount") or _s(fs, "filesystem") or "?"
        yield Hit(
            ObjectRef("FileSystem", _host(fs), mount),
            {
                "mount": mount,
                "percent": pct,
                "what": "inodes" if fs.get("inodes") else "space",
                "avail": _s(fs, "avail") or "?",
            },
            [_fs_line(fs)],
        )


@check(
    "HOST620",
    Severity.ERROR,
    "File system more than 90% full",
    "file system {mount} is {percent}% full ({what}; {avail} free)",
    looks_at=("host:filesystems",),
    links=(DISK_LOW, DISK_OVERLAY, DISK_VOLUME_90),
)
def disk_above_90(snap: Snapshot) -> Iterator[Hit]:
    """A mounted file system (``df``) uses more than 90% of its space or inodes. Writes start failing
    soon: databases stop, Docker cannot pull or create containers, the kubelet evicts pods. Find what
    grows (``du -sh``, ``docker system df``), clean up or enlarge the volume."""
    yield from _fs_hits(snap, DISK_ERROR_PERCENT, 10_000)


@check(
    "HOST621",
    Severity.WARNING,
    "File system more than 80% full",
    "file system {mount} is {percent}% full ({what}; {avail} free)",
    looks_at=("host:filesystems",),
    links=(DISK_LOW, DISK_OVERLAY),
)
def disk_above_80(snap: Snapshot) -> Iterator[Hit]:
    """A mounted file system uses more than 80% (and at most 90%, see HOST620) of its space or inodes:
    the level at which Zabbix raises "Disk space is low". Time to look at unused images, old logs and
    volumes before it fills."""
    yield from _fs_hits(snap, DISK_WARN_PERCENT, DISK_ERROR_PERCENT)


# --- swarm tasks ---------------------------------------------------------------------------------------

_MOUNT_INVALID = re.compile(r"failed to mount local volume.*invalid argument", re.I | re.S)


def _failed_tasks(snap: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Rejected or failed swarm tasks by task name (service slot), newest first as printed."""
    out: dict[str, list[dict[str, Any]]] = {}
    for task in facts(snap, "swarm_tasks"):
        state = _s(task, "current_state").split(" ", 1)[0]
        if state in ("Rejected", "Failed"):
            out.setdefault(_s(task, "name") or _s(task, "id") or "?", []).append(task)
    return out


def _task_hit(name: str, tasks: list[dict[str, Any]]) -> Hit:
    first = tasks[0]
    return Hit(
        ObjectRef("SwarmTask", _s(first, "node"), name),
        {
            "task": name,
            "state": _s(first, "current_state").split(" ", 1)[0],
            "count": len(tasks),
            "nodes": ", ".join(sorted({_s(t, "node") for t in tasks if _s(t, "node")})) or "no node",
            "error": _s(first, "error") or "no error text (docker service ps --no-trunc shows it)",
        },
        [_s(t, "line") for t in tasks[:6]],
    )


@check(
    "HOST630",
    Severity.ERROR,
    "Swarm task rejected or failed",
    "swarm task {task} {state} {count} time(s) on {nodes}: {error}",
    looks_at=("host:swarm_tasks",),
    links=(SWARM_MOUNT,),
)
def swarm_task_failed(snap: Snapshot) -> Iterator[Hit]:
    """Tasks of a swarm service end ``Rejected`` (the node could not even start it: image, volume,
    network, constraints) or ``Failed`` (the container exited), and swarm reschedules them again and again.
    The error column says why; plain ``docker service ps`` cuts it, ``--no-trunc`` shows it whole. Volume
    mount failures with ``invalid argument`` are HOST631."""
    for name, tasks in _failed_tasks(snap).items():
        if not any(_MOUNT_INVALID.search(_s(t, "error")) for t in tasks):
            yield _task_hit(name, tasks)


@check(
    "HOST631",
    Severity.ERROR,
    "Swarm task cannot mount its local volume (invalid argument)",
    "swarm task {task} {state} {count} time(s) on {nodes}: {error}",
    looks_at=("host:swarm_tasks",),
    links=(SWARM_MOUNT, XFS_REPAIR, DRBD_ALL_OUTDATED),
)
def swarm_task_mount_invalid(snap: Snapshot) -> Iterator[Hit]:
    """Tasks are rejected with ``failed to mount local volume: mount /dev/drbdN:...: invalid argument``:
    the file system on the (DRBD-backed) device cannot be mounted. Either the DRBD resource is not usable
    (Outdated, half-connected: fix DRBD first) or the XFS file system on it is damaged and needs
    ``xfs_repair`` before the service is restarted."""
    for name, tasks in _failed_tasks(snap).items():
        if any(_MOUNT_INVALID.search(_s(t, "error")) for t in tasks):
            yield _task_hit(name, tasks)


# --- etcd ----------------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "healthy", "1"):
        return True
    if text in ("false", "no", "unhealthy", "0"):
        return False
    return None


@check(
    "HOST640",
    Severity.ERROR,
    "etcd endpoint unhealthy",
    "etcd endpoint {endpoint} is unhealthy: {error}",
    looks_at=("host:etcd_endpoints",),
    links=(ETCD_UNHEALTHY, ETCD_REPLACE, ETCD_PROCEDURE),
)
def etcd_endpoint_unhealthy(snap: Snapshot) -> Iterator[Hit]:
    """``etcdctl endpoint health`` reports an endpoint as unhealthy (or it failed to answer
    ``endpoint status``). With three members one may fail; two failing cost the quorum and the API server
    stops. Look at the member's logs and disk latency; a member whose data or node is lost is removed and
    added again."""
    for ep in facts(snap, "etcd_endpoints"):
        healthy = _truthy(ep.get("healthy"))
        error = _s(ep, "error")
        if healthy is False or (healthy is None and error):
            endpoint = _s(ep, "endpoint") or "?"
            yield Hit(
                ObjectRef("EtcdMember", _host(ep), endpoint),
                {"endpoint": endpoint, "error": error or "no error text"},
                _lines(ep) or [f"{endpoint} is unhealthy: {error}".strip()],
            )


@check(
    "HOST641",
    Severity.WARNING,
    "etcd member not started",
    "etcd member {member} is {status} (peer URLs {peers})",
    looks_at=("host:etcd_members",),
    links=(ETCD_REPLACE, ETCD_PROCEDURE, ETCD_UNHEALTHY),
)
def etcd_member_unstarted(snap: Snapshot) -> Iterator[Hit]:
    """``etcdctl member list`` shows a member as ``unstarted`` (added but never joined: its etcd was not
    started with the right ``--initial-cluster``) or with no name. It counts towards the quorum without
    serving, so an unstarted member in a three-member cluster leaves no room for another failure. Start it
    or remove it (``etcdctl member remove <id>``)."""
    for member in facts(snap, "etcd_members"):
        status = _s(member, "status").lower()
        if status not in ("unstarted", "unhealthy") and (status or _s(member, "name")):
            continue
        ident = _s(member, "name") or _s(member, "id") or "?"
        peers = member.get("peer_urls")
        peer_text = ", ".join(str(p) for p in peers) if isinstance(peers, list) else _s(member, "peer_urls")
        yield Hit(
            ObjectRef("EtcdMember", _host(member), ident),
            {"member": ident, "status": status or "unstarted", "peers": peer_text or "none"},
            _lines(member),
        )


# --- ansible and konvoy --------------------------------------------------------------------------------


def _count(record: dict[str, Any], key: str) -> int:
    try:
        return int(record.get(key) or 0)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        return 0


def _failures(snap: Snapshot, host: str, kind: str) -> list[dict[str, Any]]:
    return [f for f in facts(snap, "ansible_failures") if _s(f, "host") == host and _s(f, "kind") == kind]


def _ansible_hits(snap: Snapshot, kind: str, key: str) -> Iterator[Hit]:
    seen: set[str] = set()
    for row in facts(snap, "ansible_hosts"):
        host = _s(row, "host") or "?"
        if _count(row, key) <= 0 or host in seen:
            continue
        seen.add(host)
        fails = _failures(snap, host, kind)
        yield Hit(
            ObjectRef("AnsibleHost", "", host),
            {
                "host": host,
                "count": _count(row, key),
                "task": _s(fails[0], "task") if fails else "?",
                "message": _s(fails[0], "message") if fails else "see the fatal: line above the recap",
            },
            [_s(f, "line") for f in fails[:3]] + [_s(row, "line")],
        )
    for fail in facts(snap, "ansible_failures"):  # fatal lines pasted without their recap
        host = _s(fail, "host") or "?"
        if _s(fail, "kind") != kind or host in seen:
            continue
        seen.add(host)
        yield Hit(
            ObjectRef("AnsibleHost", "", host),
            {"host": host, "count": 1, "task": _s(fail, "task") or "?", "message": _s(fail, "message") or "?"},
            [_s(fail, "line")],
        )


@check(
    "HOST650",
    Severity.ERROR,
    "Ansible could not reach a host (UNREACHABLE)",
    "ansible could not reach host {host} (task {task}): {message}",
    looks_at=("host:ansible_hosts", "host:ansible_failures"),
    links=(SSH_AUTH, SSH_THROTTLE, SSH_IP_CHANGED),
)
def ansible_unreachable(snap: Snapshot) -> Iterator[Hit]:
    """A host ended the play ``unreachable`` (``PLAY RECAP ... unreachable=1``, ``fatal: [host]:
    UNREACHABLE!``): SSH did not connect or authenticate. The message says which: name resolution,
    ``Connection timed out``/``No route to host`` (network, security groups, a changed IP), ``Permission
    denied`` (user or key), ``Too many authentication failures`` (too many keys in the agent)."""
    yield from _ansible_hits(snap, "UNREACHABLE", "unreachable")


@check(
    "HOST651",
    Severity.ERROR,
    "Ansible task failed on a host",
    "ansible task {task} failed on host {host}: {message}",
    looks_at=("host:ansible_hosts", "host:ansible_failures"),
    links=(SSH_AUTH, KONVOY_CLOUD),
)
def ansible_failed(snap: Snapshot) -> Iterator[Hit]:
    """A host ended the play with ``failed=`` above zero (``fatal: [host]: FAILED!``). The task name and
    its ``msg`` say what failed; a ``wait for ... connection`` task that times out is an SSH problem in
    disguise, like HOST650."""
    yield from _ansible_hits(snap, "FAILED", "failed")


@check(
    "HOST660",
    Severity.ERROR,
    "Konvoy addon or stage in [ERROR]",
    "konvoy {what} {stage} is in ERROR{detail}",
    looks_at=("host:konvoy_stages",),
    links=(KONVOY_ADDON, KONVOY_CLOUD),
)
def konvoy_error(snap: Snapshot) -> Iterator[Hit]:
    """``konvoy up``/``deploy``/``check`` printed ``[ERROR]`` for an addon or a stage. Most addons are Helm
    releases: ``helm list``, then the addon's pods and their events say why it did not become ready;
    ``konvoy deploy addons`` retries once the cause is fixed."""
    for stage in facts(snap, "konvoy_stages"):
        if _s(stage, "status").upper() not in ("ERROR", "FAILED"):
            continue
        name = _s(stage, "stage") or "?"
        group = _s(stage, "group")
        addon = "addon" in group.lower()
        message = _s(stage, "message")
        yield Hit(
            ObjectRef("KonvoyStage", "", name),
            {
                "what": "addon" if addon and name != group else "stage",
                "stage": name,
                "detail": f": {message}" if message else "",
            },
            [x for x in (_s(stage, "line"), message) if x],
        )


# --- Zabbix --------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@check(
    "HOST670",
    Severity.WARNING,
    "Open Zabbix problem",
    "Zabbix problem on {host}: {name}{severity}",
    looks_at=("host:alerts",),
)
def zabbix_problem(snap: Snapshot) -> Iterator[Hit]:
    """A Zabbix problem notification with no matching ``Resolved`` one in the same paste. The finding
    carries the problem text as evidence, so triage links it to the runbook entry written for that alert
    (disk space low, failed units, DRBD not UpToDate...)."""
    alerts = facts(snap, "alerts")
    resolved = {(_norm(_s(a, "name")), _s(a, "host")) for a in alerts if _s(a, "status") == "resolved"}
    seen: set[tuple[str, str]] = set()
    for alert in alerts:
        if _s(alert, "status") != "problem":
            continue
        key = (_norm(_s(alert, "name")), _s(alert, "host"))
        if key in resolved or key in seen:
            continue
        seen.add(key)
        severity = _s(alert, "severity")
        yield Hit(
            ObjectRef("Alert", _s(alert, "host"), _s(alert, "name") or "?"),
            {
                "host": _s(alert, "host") or "unknown host",
                "name": _s(alert, "name") or "?",
                "severity": f" ({severity})" if severity else "",
            },
            _lines(alert) or [_s(alert, "name")],
        )
