"""``helm list`` / ``helm ls`` (Helm 3: ``NAME NAMESPACE REVISION UPDATED STATUS CHART APP VERSION``; Helm 2:
``NAME REVISION UPDATED STATUS CHART [APP VERSION] NAMESPACE``) → releases, and ``helmreleases`` objects
shaped as the collector derives them (``metadata``, ``chart``, ``revision``, ``status``, ``app_version``,
``updated``) so HYG703/HYG704 run on a pasted list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from medic.evidence.outputs.base import OutputParser
from medic.evidence.outputs.kubectl_get import iso
from medic.model import Snapshot

_HEADER = re.compile(
    r"^\s*NAME\s+(?:NAMESPACE\s+REVISION\s+UPDATED\s+STATUS\s+CHART|REVISION\s+UPDATED\s+STATUS\s+CHART)\b"
)
_STATUSES = (
    "deployed|failed|pending[-_]install|pending[-_]upgrade|pending[-_]rollback|superseded|uninstalling|uninstalled|"
    "unknown|deleted|deleting"
)
_STATUS_WORD = re.compile(_STATUSES, re.I)
_COMMAND = re.compile(r"(?:^|[\s/])helm[23]?\s+(?:\S+\s+)*?(?:ls|list)\b")
_V3 = re.compile(
    rf"^(?P<name>\S+)\s+(?P<namespace>\S+)\s+(?P<revision>\d+)\s+(?P<updated>.+?)\s+(?P<status>{_STATUSES})\s+"
    r"(?P<chart>\S+)(?:\s+(?P<app>\S.*?))?\s*$",
    re.I,
)
_V2 = re.compile(
    rf"^(?P<name>\S+)\s+(?P<revision>\d+)\s+(?P<updated>.+?)\s+(?P<status>{_STATUSES})\s+"
    r"(?P<chart>\S+)\s+(?:(?P<app>\S+)\s+)?(?P<namespace>\S+)\s*$",
    re.I,
)

_HELM3_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.\d+)? ([+-]\d{4})")
_V3_HEADER = re.compile(r"^\s*NAME\s+NAMESPACE\b")


def helm_time(text: str) -> str | None:
    """``2019-07-01 15:03:00.997536 +0800 CST`` (Helm 3) or ``Mon Nov 19 11:59:41 2018`` (Helm 2) → RFC 3339."""
    t = text.strip()
    m = _HELM3_TIME.match(t)
    if m:
        try:
            return iso(datetime.strptime(f"{m.group(1)} {m.group(2)} {m.group(3)}", "%Y-%m-%d %H:%M:%S %z"))
        except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out of range by its offset
            return None
    try:
        return iso(datetime.strptime(t, "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC))
    except (ValueError, OverflowError):
        return None


def _status(text: str) -> str:
    return text.lower().replace("_", "-")


class HelmListParser(OutputParser):
    kind = "helm-list"
    start = _HEADER
    command = _COMMAND

    def starts(self, line: str, command: str | None) -> bool:
        if _HEADER.search(line):
            return True
        # ``helm list | grep name`` prints rows without the header
        return bool(command and _COMMAND.search(command) and (_V3.match(line.strip()) or _V2.match(line.strip())))

    def continues(self, line: str, first: str) -> bool:
        text = line.strip()
        if "\t" in text:
            parts = [p.strip() for p in text.split("\t")]
            return _from_tabs(parts, True) is not None or _from_tabs(parts, False) is not None
        return bool(_V3.match(text) or _V2.match(text))

    def parse(self, lines: Sequence[str]) -> Any:
        headers = bool(_HEADER.match(lines[0]))
        if headers:
            v2 = not _V3_HEADER.match(lines[0])
        else:
            first = lines[0].strip()
            v2 = not (first.split("\t")[2:3] and first.split("\t")[2].strip().isdigit()) and bool(_V2.match(first))
        releases: list[dict[str, Any]] = []
        for raw in lines[1:] if headers else lines:
            text = raw.strip()
            if not text:
                continue
            parts = [p.strip() for p in text.split("\t")] if "\t" in text else []
            m = None if parts else (_V2 if v2 else _V3).match(text)
            if parts:
                rel = _from_tabs(parts, v2)
                if rel is None:
                    continue
            elif m:
                rel = {
                    "name": m.group("name"),
                    "namespace": m.group("namespace"),
                    "revision": int(m.group("revision")),
                    "updated": m.group("updated").strip(),
                    "status": _status(m.group("status")),
                    "chart": m.group("chart"),
                    "app_version": (m.group("app") or "").strip(),
                }
            else:
                continue
            releases.append(rel)
        return {"releases": releases} if releases else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        for rel in facts["releases"]:
            obj: dict[str, Any] = {
                "metadata": {"name": rel["name"], "namespace": rel.get("namespace") or ""},
                "chart": rel.get("chart") or "",
                "revision": rel.get("revision"),
                "status": rel.get("status") or "",
                "app_version": rel.get("app_version") or "",
            }
            updated = helm_time(str(rel.get("updated") or ""))
            if updated:
                obj["updated"] = updated
            snap.objects.setdefault("helmreleases", []).append(obj)


def _from_tabs(parts: list[str], v2: bool) -> dict[str, Any] | None:
    """A tab-separated row (Helm pads cells and separates them with tabs)."""
    if v2:
        if len(parts) < 6:
            return None
        name, revision, updated, status, chart = parts[:5]
        app, namespace = (parts[5], parts[6]) if len(parts) >= 7 else ("", parts[5])
    else:
        if len(parts) < 6:
            return None
        name, namespace, revision, updated, status, chart = parts[:6]
        app = parts[6] if len(parts) > 6 else ""
    if not revision.isdigit() or not _STATUS_WORD.fullmatch(status):
        return None
    return {
        "name": name,
        "namespace": namespace,
        "revision": int(revision),
        "updated": updated,
        "status": _status(status),
        "chart": chart,
        "app_version": app,
    }


PARSERS: list[OutputParser] = [HelmListParser()]
