"""``etcdctl member list`` (table, plain comma form, etcd 2 ``id: name=... peerURLs=...``) and ``etcdctl
endpoint health`` / ``endpoint status`` (lines, plain and table) → host facts ``etcd_members`` and
``etcd_endpoints``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser
from medic.model import Snapshot

_BORDER = re.compile(r"^\s*\+(?:-+\+){2,}\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MEMBER_PLAIN = re.compile(r"^\s*[0-9a-f]{1,16}, (?:started|unstarted), ")
_MEMBER_V2 = re.compile(r"^\s*[0-9a-f]{1,16}(?:\[unstarted\])?: (?:name=|peerURLs=)")
_HEALTH = re.compile(
    r"^\s*(?P<endpoint>\S+?) is (?P<state>healthy|unhealthy): (?P<rest>.*)$|"
    r"^\s*member (?P<member>[0-9a-f]+) is (?P<mstate>healthy|unhealthy|unreachable): (?P<mrest>.*)$"
)
_STATUS_FAILED = re.compile(r"^\s*Failed to get the status of endpoint (?P<endpoint>\S+) \((?P<error>.*)\)\s*$")
_STATUS_PLAIN = re.compile(r"^\s*(?:https?://)?[\w.:\[\]-]+, [0-9a-f]{1,16}, \d+\.\d+\.\d+, ")
_ENDPOINT_TABLE_HEADER = re.compile(r"^\s*\|\s*ENDPOINT\s*\|")
_MEMBER_TABLE_HEADER = re.compile(r"^\s*\|\s*ID\s*\|\s*STATUS\s*\|\s*NAME\s*\|")

_URL_SEP = re.compile(r"[,\s]+")
_V2_KV = re.compile(r"(\w+)=(\S*)")
_CLUSTER_LINE = re.compile(
    r"^\s*(?:Error: unhealthy cluster|cluster is (?:un)?healthy|\{\"level\""
    r"|Error: +client: etcd cluster is unavailable)"
)
# etcd 2 ``cluster-health`` when it cannot even list the members, then one ``error #N:`` line per endpoint tried
_LIST_FAILED = re.compile(r"^\s*cluster may be unhealthy: failed to list members\s*$")
_CLIENT_ERROR = re.compile(
    r"^\s*error #\d+: (?:client: endpoint (?P<url>\S+) (?P<why>.+)|dial tcp (?P<addr>\S+): (?P<err>.+))$"
)
_TOOK = re.compile(r"took = (\S+)")
_URL = re.compile(r"(https?://\S+)")


def _table(lines: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Header cells and row cells of an ASCII table (``+---+`` borders, ``|`` separators)."""
    header: list[str] = []
    rows: list[list[str]] = []
    for raw in lines:
        if not _TABLE_ROW.match(raw):
            continue
        parts = [p.strip() for p in raw.strip().strip("|").split("|")]
        if not header:
            header = [p.upper() for p in parts]
        else:
            rows.append(parts)
    return header, rows


def _bool(text: str) -> bool | None:
    t = text.strip().lower()
    return True if t == "true" else False if t == "false" else None


def _urls(text: str) -> list[str]:
    return [u.strip() for u in _URL_SEP.split(text) if u.strip()]


def _member(mid: str, status: str, name: str, peers: str, clients: str, learner: str) -> dict[str, Any]:
    return {
        "id": mid,
        "status": status or ("unstarted" if not name else "started"),
        "name": name,
        "peer_urls": _urls(peers),
        "client_urls": _urls(clients),
        "is_learner": bool(_bool(learner)),
    }


class EtcdMemberListParser(OutputParser):
    kind = "etcdctl-member-list"
    start = re.compile(f"{_BORDER.pattern}|{_MEMBER_TABLE_HEADER.pattern}|{_MEMBER_PLAIN.pattern}|{_MEMBER_V2.pattern}")

    def parse(self, lines: Sequence[str]) -> Any:
        members: list[dict[str, Any]] = []
        if _BORDER.match(lines[0]) or _TABLE_ROW.match(lines[0]):
            header, rows = _table(lines)
            if header[:3] != ["ID", "STATUS", "NAME"]:
                return None
            for r in rows:
                cell = dict(zip(header, r, strict=False))
                members.append(
                    _member(
                        cell.get("ID", ""),
                        cell.get("STATUS", ""),
                        cell.get("NAME", ""),
                        cell.get("PEER ADDRS", ""),
                        cell.get("CLIENT ADDRS", ""),
                        cell.get("IS LEARNER", ""),
                    )
                )
        else:
            for raw in lines:
                text = raw.strip()
                if _MEMBER_PLAIN.match(text):
                    p = [x.strip() for x in text.split(", ")]
                    p += [""] * (6 - len(p))
                    members.append(_member(p[0], p[1], p[2], p[3], p[4], p[5]))
                elif _MEMBER_V2.match(text):
                    head, _, rest = text.partition(": ")
                    kv = dict(_V2_KV.findall(rest))
                    mid = head.replace("[unstarted]", "")
                    status = "unstarted" if "[unstarted]" in head else "started"
                    m = _member(mid, status, kv.get("name", ""), kv.get("peerURLs", ""), kv.get("clientURLs", ""), "")
                    if "isLeader" in kv:
                        m["is_leader"] = kv["isLeader"] == "true"
                    members.append(m)
        return {"members": members} if members else None

    def continues(self, line: str, first: str) -> bool:
        if _BORDER.match(first) or _TABLE_ROW.match(first):
            return bool(_BORDER.match(line) or _TABLE_ROW.match(line))
        return bool(_MEMBER_PLAIN.match(line) or _MEMBER_V2.match(line))

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("etcd_members", []).extend(facts["members"])


def _endpoint(endpoint: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "endpoint": endpoint,
        "healthy": None,
        "took": "",
        "error": "",
        "version": "",
        "db_size": "",
        "is_leader": None,
        "raft_term": None,
    }
    out.update(extra)
    return out


def _int(text: str) -> int | None:
    t = text.strip()
    return int(t) if t.isdigit() else None


class EtcdEndpointParser(OutputParser):
    kind = "etcdctl-endpoint"
    start = re.compile(
        f"{_BORDER.pattern}|{_ENDPOINT_TABLE_HEADER.pattern}|{_HEALTH.pattern}|{_STATUS_PLAIN.pattern}|"
        r"^\s*Failed to get the status of endpoint \S+ \(|" + _LIST_FAILED.pattern
    )

    def continues(self, line: str, first: str) -> bool:
        if _BORDER.match(first) or _TABLE_ROW.match(first):
            return bool(_BORDER.match(line) or _TABLE_ROW.match(line))
        return bool(
            _HEALTH.match(line)
            or _STATUS_PLAIN.match(line)
            or _STATUS_FAILED.match(line)
            or _CLUSTER_LINE.match(line)
            or _CLIENT_ERROR.match(line)
        )

    def parse(self, lines: Sequence[str]) -> Any:
        endpoints: list[dict[str, Any]] = []
        if _BORDER.match(lines[0]) or _TABLE_ROW.match(lines[0]):
            header, rows = _table(lines)
            if not header or header[0] != "ENDPOINT":
                return None
            for r in rows:
                c = dict(zip(header, r, strict=False))
                if "HEALTH" in c:
                    endpoints.append(
                        _endpoint(
                            c["ENDPOINT"], healthy=_bool(c["HEALTH"]), took=c.get("TOOK", ""), error=c.get("ERROR", "")
                        )
                    )
                else:
                    endpoints.append(
                        _endpoint(
                            c["ENDPOINT"],
                            healthy=not c.get("ERRORS", ""),
                            id=c.get("ID", ""),
                            version=c.get("VERSION", ""),
                            db_size=c.get("DB SIZE", ""),
                            is_leader=_bool(c.get("IS LEADER", "")),
                            raft_term=_int(c.get("RAFT TERM", "")),
                            error=c.get("ERRORS", ""),
                        )
                    )
            return {"endpoints": endpoints} if endpoints else None
        for raw in lines:
            text = raw.strip()
            m = _HEALTH.match(text)
            if m and m.group("endpoint"):
                rest = m.group("rest")
                took = _TOOK.search(rest)
                healthy = m.group("state") == "healthy"
                endpoints.append(
                    _endpoint(
                        m.group("endpoint"),
                        healthy=healthy,
                        took=took.group(1) if took else "",
                        error="" if healthy else rest.strip(),
                    )
                )
            elif m:
                healthy = m.group("mstate") == "healthy"
                url = _URL.search(m.group("mrest"))
                endpoints.append(
                    _endpoint(
                        url.group(1).rstrip("],") if url else m.group("member"),
                        member=m.group("member"),
                        healthy=healthy,
                        error="" if healthy else m.group("mrest").strip(),
                    )
                )
            elif f := _STATUS_FAILED.match(text):
                endpoints.append(_endpoint(f.group("endpoint"), healthy=False, error=f.group("error")))
            elif e := _CLIENT_ERROR.match(text):
                # (each endpoint the etcd 2 client tried and why it failed: none answered)
                where, why = (e.group("url"), e.group("why")) if e.group("url") else (e.group("addr"), e.group("err"))
                endpoints.append(_endpoint(where, healthy=False, error=why.strip()))
            elif _STATUS_PLAIN.match(text):
                p = [x.strip() for x in text.split(",")]
                # 3.3: endpoint, id, version, db size, leader, raft term, raft index
                # 3.4+: endpoint, id, version, db size, leader, learner, term, index, applied index, errors
                new = len(p) >= 9
                errors = ", ".join(x for x in p[9:] if x) if new else ""
                endpoints.append(
                    _endpoint(
                        p[0],
                        healthy=not errors,
                        id=p[1],
                        version=p[2],
                        db_size=p[3],
                        is_leader=_bool(p[4]) if len(p) > 4 else None,
                        raft_term=_int(p[6] if new else p[5]) if len(p) > 5 else None,
                        error=errors,
                    )
                )
        return {"endpoints": endpoints} if endpoints else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("etcd_endpoints", []).extend(facts["endpoints"])


PARSERS: list[OutputParser] = [EtcdMemberListParser(), EtcdEndpointParser()]
