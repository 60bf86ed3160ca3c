"""Docker: ``docker service ps`` (swarm tasks, ``--no-trunc`` errors too) → ``host["swarm_tasks"]`` and
``docker ps`` → ``host["containers"]``.

``docker service ps`` rows are read by their state words, not by column offsets: ``--no-trunc`` IDs and
errors are wider than their headers, history rows start with ``\\_``, a pending task has no node, and an
operator may paste the rows without the header line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser, cut_row, split_columns
from medic.model import Snapshot

_SERVICE_HEADER = re.compile(r"^\s*ID\s+NAME\s+(?:IMAGE\s+)?NODE\s+DESIRED STATE\s+CURRENT STATE\b")
_DESIRED = r"(?:Running|Ready|Shutdown|Accepted|Complete|Remove|Orphaned|New|Pending|Starting)"
_CURRENT = (
    r"(?:New|Pending|Assigned|Accepted|Preparing|Ready|Starting|Running|Complete|Shutdown|Failed|Rejected|Remove"
    r"|Orphaned|Allocated)"
)
# id, name (history rows: "\_ name.1"), image and node words, desired state, current state "... ago", rest
_TASK = re.compile(
    r"^\s*(?P<id>[a-z0-9]{12,26})\s+(?P<name>(?:\\_\s+)?[^\s\\]\S*)\s+(?P<between>(?:\S+\s+){0,2}?)"
    rf"(?P<desired>{_DESIRED})\s+(?P<current>{_CURRENT}\b(?:[^\"]*?\bago\b)?)\s*(?P<rest>.*)$"
)

_IMAGE_WORD = re.compile(r"\bIMAGE\b")
_HISTORY_MARK = re.compile(r"^\\_\s+")
_PS_ID_ROW = re.compile(r"^\s*[0-9a-f]{12,64}\s+\S")
_PS_ID = re.compile(r"[0-9a-f]{12,64}")


class DockerServicePsParser(OutputParser):
    kind = "docker-service-ps"
    start = _SERVICE_HEADER
    command = re.compile(r"\bdocker\s+(?:service\s+ps|stack\s+ps)\b")

    def starts(self, line: str, command: str | None) -> bool:
        return bool(_SERVICE_HEADER.match(line) or _TASK.match(line))

    def continues(self, line: str, first: str) -> bool:
        return bool(_TASK.match(line))

    def parse(self, lines: Sequence[str]) -> Any:
        header = lines[0] if _SERVICE_HEADER.match(lines[0]) else ""
        has_image = not header or bool(_IMAGE_WORD.search(header))
        tasks: list[dict[str, Any]] = []
        for raw in lines:
            m = _TASK.match(raw)
            if not m:
                continue
            between = m.group("between").split()
            image, node = "", ""
            if len(between) == 2:
                image, node = between
            elif len(between) == 1:
                image, node = (between[0], "") if has_image else ("", between[0])
            rest = m.group("rest").strip()
            error, ports = "", rest
            if rest.startswith('"'):
                close = rest.rfind('"')
                error = rest[1:close] if close > 0 else rest[1:]
                ports = rest[close + 1 :].strip() if close > 0 else ""
            name = m.group("name")
            tasks.append(
                {
                    "id": m.group("id"),
                    "name": _HISTORY_MARK.sub("", name),
                    "history": name.startswith("\\_"),
                    "image": image,
                    "node": node,
                    "desired_state": m.group("desired"),
                    "current_state": " ".join(m.group("current").split()),
                    "error": error,
                    "ports": ports,
                    "line": raw.strip(),
                }
            )
        return {"swarm_tasks": tasks} if tasks else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("swarm_tasks", []).extend(facts["swarm_tasks"])


_PS_HEADER = re.compile(r"^\s*CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\b")
_PS_KEYS = {
    "CONTAINER ID": "id",
    "IMAGE": "image",
    "COMMAND": "command",
    "CREATED": "created",
    "STATUS": "status",
    "PORTS": "ports",
    "NAMES": "names",
    "SIZE": "size",
}


# rows whose cells are wider than their header (--no-trunc, re-typed pastes): read by their words
_PS_ROW = re.compile(
    r"^\s*(?P<id>[0-9a-f]{12,64})\s+(?P<image>\S+)\s+(?P<command>\".*?)\s{2,}(?P<created>\S.*?\bago)\s{2,}"
    r"(?P<status>(?:Up|Exited|Created|Restarting|Paused|Dead|Removal)\b.*?)"
    r"(?:\s{2,}(?P<ports>\S.*?))?\s{2,}(?P<names>\S+)\s*$"
)


class DockerPsParser(OutputParser):
    kind = "docker-ps"
    start = _PS_HEADER

    def continues(self, line: str, first: str) -> bool:
        return bool(_PS_ID_ROW.match(line))

    def parse(self, lines: Sequence[str]) -> Any:
        cols = split_columns(lines[0])
        if not cols:
            return None
        containers: list[dict[str, Any]] = []
        for raw in lines[1:]:
            m = _PS_ROW.match(raw)
            if m:
                row: dict[str, Any] = {k: (v or "").strip() for k, v in m.groupdict().items()}
            else:
                row = {_PS_KEYS.get(k, k.lower()): v for k, v in cut_row(raw, cols).items()}
            if not _PS_ID.fullmatch(str(row.get("id", ""))):
                continue
            for key in ("image", "command", "created", "status", "ports", "names"):
                row.setdefault(key, "")
            row["line"] = raw.strip()
            containers.append(row)
        return {"containers": containers} if containers else {"containers": []}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("containers", []).extend(facts["containers"])


PARSERS: list[OutputParser] = [DockerServicePsParser(), DockerPsParser()]
