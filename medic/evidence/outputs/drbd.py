"""DRBD state: ``drbdadm status`` (drbd 9, and drbd-utils 8.9+ on a drbd 8.4 kernel; ``--verbose`` too) and
``/proc/drbd`` (drbd 8: ``cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate``, and ``drbd-overview``
lines) → ``host["drbd"]``: one record per resource with its role, local disk state and peers.

``drbdadm status`` leaves out what is normal: a peer printed without ``connection:`` is Connected, and a
connected peer without ``replication:`` is Established. The records fill these in, so the checks compare
states without knowing which output they came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser
from medic.model import Snapshot

# "billing_data role:Secondary", "r0 node-id:2 role:Primary suspended:no"
_RESOURCE = re.compile(r"^(?P<name>[^\s:]+)\s+(?:node-id:\d+\s+)?role:(?P<role>[A-Za-z]+)\b(?P<rest>.*)$")
_KV = re.compile(r"([\w-]+):(\S*)")
_NOT_CONNECTED = {
    "StandAlone",
    "Disconnecting",
    "Unconnected",
    "Timeout",
    "BrokenPipe",
    "NetworkFailure",
    "ProtocolError",
    "TearDown",
    "Connecting",
    "WFConnection",
    "WFReportParams",
    "Off",
}

_OOS = re.compile(r"\boos:(\d+)")


def _kv(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _KV.finditer(text)}


def _is_peer_line(stripped: str) -> bool:
    first = stripped.split(None, 1)[0] if stripped else ""
    return bool(first) and ":" not in first and bool(_KV.search(stripped))


class DrbdadmStatusParser(OutputParser):
    kind = "drbdadm-status"
    start = _RESOURCE
    command = re.compile(r"\bdrbd(?:adm|setup)\s+status\b")

    def starts(self, line: str, command: str | None) -> bool:
        return bool(_RESOURCE.match(line))  # the resource line always comes first

    def block_end(self, lines: Sequence[str], start: int) -> int:
        # indented state lines; several resources are separated by one blank line
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        while end < limit and self._keeps(lines, end, limit):
            end += 1
        return end

    @staticmethod
    def _keeps(lines: Sequence[str], i: int, limit: int) -> bool:
        line = lines[i]
        if not line.strip():
            return i + 1 < limit and bool(_RESOURCE.match(lines[i + 1]))
        return bool((line[:1] in " \t" and _KV.search(line)) or _RESOURCE.match(line))

    def parse(self, lines: Sequence[str]) -> Any:
        resources: list[dict[str, Any]] = []
        res: dict[str, Any] | None = None
        peer: dict[str, Any] | None = None
        peer_indent = 0
        for raw in lines:
            if not raw.strip():
                continue
            m = _RESOURCE.match(raw)
            if m:
                res = {
                    "resource": m.group("name"),
                    "role": m.group("role"),
                    "disk": "",
                    "peers": [],
                    "lines": [raw.rstrip()],
                    "line": raw.strip(),
                }
                extra = _kv(m.group("rest"))
                if "suspended" in extra:
                    res["suspended"] = extra["suspended"]
                resources.append(res)
                peer = None
                continue
            if res is None:
                continue
            res["lines"].append(raw.rstrip())
            indent = len(raw) - len(raw.lstrip())
            stripped = raw.strip()
            if _is_peer_line(stripped):
                name, rest = [*stripped.split(None, 1), ""][:2]
                kv = _kv(rest)
                connection = kv.get("connection", "Connected")
                peer = {
                    "name": name,
                    "role": kv.get("role", "Unknown"),
                    "connection": connection,
                    "disk": "",
                    "replication": "" if connection in _NOT_CONNECTED else "Established",
                    "line": stripped,
                }
                res["peers"].append(peer)
                peer_indent = indent
                continue
            kv = _kv(stripped)
            if peer is not None and indent > peer_indent:
                if "replication" in kv and (not peer["replication"] or peer["replication"] == "Established"):
                    peer["replication"] = kv["replication"]
                if "peer-disk" in kv and (not peer["disk"] or peer["disk"] == "UpToDate"):
                    peer["disk"] = kv["peer-disk"]
                if "done" in kv:
                    peer["done"] = kv["done"]
                peer["line"] = peer["line"] + " | " + stripped
                continue
            peer = None
            if "disk" in kv and (not res["disk"] or res["disk"] == "UpToDate"):
                res["disk"] = kv["disk"]  # the worst volume wins: UpToDate only when every volume is
            if kv.get("client") == "yes":
                res["client"] = True
        for r in resources:
            for p in r["peers"]:
                if not p["disk"]:
                    p["disk"] = "DUnknown" if p["connection"] in _NOT_CONNECTED else ""
        return {"drbd": resources} if resources else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("drbd", []).extend(facts["drbd"])


# " 1: cs:WFConnection ro:Secondary/Unknown ds:Inconsistent/DUnknown C r-----" (st: before drbd 8.3)
_PROC_DEVICE = re.compile(
    r"^\s*(?P<minor>\d+): cs:(?P<cs>\w+) (?:ro|st):(?P<role>\w+)/(?P<peer_role>\w+) ds:(?P<disk>\w+)/(?P<peer_disk>\w+)"
)
_PROC_VERSION = re.compile(r"^version: \d+\.\d+\S* \((?:api|proto):")
# drbd-overview: " 1:ha_disk/0  StandAlone Primary/Unknown UpToDate/Inconsistent /drbd ext4 39G 29G 7.6G 80%"
_OVERVIEW = re.compile(
    r"^\s*(?P<minor>\d+):(?P<name>[^\s/]+)(?:/\d+)?\s+(?P<cs>[A-Z]\w+)\s+(?P<role>[A-Z]\w+)/(?P<peer_role>[A-Z]\w+)\s+"
    r"(?P<disk>[A-Z]\w+)/(?P<peer_disk>[A-Z]\w+)\b"
)
_PROC_DETAIL = re.compile(
    r"^\s*(?:ns:\d|resync:|act_log:|\[[=>.]*\]|finish:|sync'ed:|\d+% sectors)|^\s+\.\.\.|^(?:GIT-hash|srcversion):"
)


def _from_states(name: str, minor: str, m: re.Match[str], raw: str) -> dict[str, Any]:
    cs = m.group("cs")
    connected = cs not in _NOT_CONNECTED
    return {
        "resource": name,
        "minor": int(minor),
        "role": m.group("role"),
        "disk": m.group("disk"),
        "peers": [
            {
                "name": "peer",
                "role": m.group("peer_role"),
                "connection": "Connected" if connected else cs,
                "disk": m.group("peer_disk"),
                "replication": ("Established" if cs == "Connected" else cs) if connected else "Off",
                "line": raw.strip(),
            }
        ],
        "lines": [raw.rstrip()],
        "line": raw.strip(),
    }


class ProcDrbdParser(OutputParser):
    kind = "proc-drbd"
    start = re.compile(r"^version: |^\s*\d+: cs:|^\s*\d+:\S+\s")
    command = re.compile(r"/proc/drbd|drbd-overview")

    def starts(self, line: str, command: str | None) -> bool:
        return bool(_PROC_VERSION.match(line) or _PROC_DEVICE.match(line) or _OVERVIEW.match(line))

    def _belongs(self, line: str) -> bool:
        return bool(_PROC_DEVICE.match(line) or _OVERVIEW.match(line) or _PROC_DETAIL.match(line))

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        while end < limit and self._keeps(lines, end, limit):
            end += 1
        return end

    def _keeps(self, lines: Sequence[str], i: int, limit: int) -> bool:
        if lines[i].strip():
            return self._belongs(lines[i])
        return i + 1 < limit and bool(_PROC_DEVICE.match(lines[i + 1]) or _OVERVIEW.match(lines[i + 1]))

    def parse(self, lines: Sequence[str]) -> Any:
        resources: list[dict[str, Any]] = []
        version = ""
        for raw in lines:
            if _PROC_VERSION.match(raw):
                version = raw.split()[1]
                continue
            m = _PROC_DEVICE.match(raw)
            if m:
                resources.append(_from_states(f"drbd{m.group('minor')}", m.group("minor"), m, raw))
                continue
            m = _OVERVIEW.match(raw)
            if m:
                resources.append(_from_states(m.group("name"), m.group("minor"), m, raw))
                continue
            if resources and raw.strip():
                resources[-1]["lines"].append(raw.rstrip())
                oos = _OOS.search(raw)
                if oos:
                    resources[-1]["out_of_sync_kib"] = int(oos.group(1))
        if not resources:
            return None
        if version:
            for r in resources:
                r["version"] = version
        return {"drbd": resources}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("drbd", []).extend(facts["drbd"])


PARSERS: list[OutputParser] = [DrbdadmStatusParser(), ProcDrbdParser()]
