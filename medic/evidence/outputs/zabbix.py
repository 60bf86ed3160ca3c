"""Zabbix notifications → ``host["alerts"]``.

The default message templates (Zabbix 4.4+): a subject ``Problem: <name>`` / ``Resolved: <name>`` /
``Resolved in 5m: <name>`` and a body ``Problem started at 12:00:00 on 2026.01.01``, ``Problem name:``,
``Host:``, ``Severity:``, ``Operational data:``, ``Original problem ID:``; the recovery body ``Problem has
been resolved at ... on ...``. Older templates (``PROBLEM: <trigger>``, ``Trigger:``, ``Trigger status:``,
``Trigger severity:``) too, and one-line dashboard or mail-list forms such as
``2026-01-01 12:00:00  host1  Problem: <name>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser, next_text
from medic.model import Snapshot

_SUBJECT = re.compile(
    r"^(?P<prefix>.{0,80}?)(?<![\w-])(?P<status>Problem|PROBLEM|Resolved(?: in [^:]{1,40})?|RESOLVED|Recovery|OK)"
    r":\s+(?P<name>\S.*?)\s*$"
)
_STARTED = re.compile(r"^\s*Problem started at (?P<time>\S+) on (?P<date>\S+)")
_RESOLVED_AT = re.compile(r"^\s*Problem has been resolved(?: in (?P<duration>.+?))? at (?P<time>\S+) on (?P<date>\S+)")
_FIELD = re.compile(
    r"^\s*(?P<key>Problem name|Host|Host name|Hostname|Severity|Operational data|Original problem ID|Problem ID"
    r"|Event ID|Problem duration|Trigger|Trigger status|Trigger severity|Trigger URL|Item values|Last value"
    r"|Event time|Event date|Tags|Problem URL|Item|Item value|Host IP|Duration)\s*:\s*(?P<value>.*?)\s*$"
)
_FIELD_KEYS = {
    "Problem name": "name",
    "Trigger": "name",
    "Host": "host",
    "Host name": "host",
    "Hostname": "host",
    "Severity": "severity",
    "Trigger severity": "severity",
    "Operational data": "opdata",
    "Original problem ID": "event_id",
    "Problem ID": "event_id",
    "Event ID": "event_id",
}
# "2024-11-14 09:31:22  hive1.prod  Problem: ..." → the host is the word before the subject
_STAMP_HOST = re.compile(r"^\s*(?:\d{4}[-./]\d{2}[-./]\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?\s+)?(?P<host>[\w.-]+)\s*$")

_PREFIX_END = re.compile(r"(?:\d{1,2}:\d{2}|\s{2,}|\]\s*|-\s*|\|\s*)$")
_TEMPLATE_LINE = re.compile(r"^\s*(?:https?://\S+|\d+\. .+|[A-Z][A-Za-z ]{1,30}:(?:\s.*)?)$")


def _subject(line: str) -> re.Match[str] | None:
    m = _SUBJECT.match(line)
    if not m:
        return None
    status = m.group("status")
    prefix = m.group("prefix")
    if status == "OK" and prefix.strip():
        return None  # "OK: ..." only as a line of its own (old recovery subjects)
    if prefix.strip() and not _PREFIX_END.search(prefix):
        return None  # "the Problem: is that..." in a sentence
    return m


def _starts(line: str) -> bool:
    return bool(_subject(line) or _STARTED.match(line) or _RESOLVED_AT.match(line))


def _belongs(line: str) -> bool:
    # the default fields, a URL, "1. item value" lines, and custom "Key: value" lines of a site's template
    return bool(_starts(line) or _FIELD.match(line) or _TEMPLATE_LINE.match(line))


class ZabbixProblemParser(OutputParser):
    kind = "zabbix-problem"
    start = re.compile(r"Problem|PROBLEM|Resolved|RESOLVED|Recovery|OK:")

    def starts(self, line: str, command: str | None) -> bool:
        return _starts(line)

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        while end < limit:
            line = lines[end]
            if line.strip() and _belongs(line):
                end += 1
            elif not line.strip():
                nxt = next_text(lines, end)
                if nxt and _belongs(nxt):
                    end += 1
                else:
                    break
            else:
                break
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        alerts: list[dict[str, Any]] = []
        cur: dict[str, Any] | None = None

        def new(status: str, line: str) -> dict[str, Any]:
            alert: dict[str, Any] = {
                "status": status,
                "name": "",
                "host": "",
                "severity": "",
                "started": "",
                "line": line.strip(),
                "lines": [],
            }
            alerts.append(alert)
            return alert

        for raw in lines:
            if not raw.strip():
                continue
            m = _subject(raw)
            if m:
                word = m.group("status").lower()
                status = "problem" if word == "problem" else "resolved"
                cur = new(status, raw)
                cur["name"] = m.group("name")
                hm = _STAMP_HOST.match(m.group("prefix").strip(" -|[]")) if m.group("prefix").strip() else None
                if hm:
                    cur["host"] = hm.group("host")
                    stamp = m.group("prefix").strip()[: -len(hm.group("host"))].strip()
                    if stamp:
                        cur["started"] = stamp
                cur["lines"].append(raw.strip())
                continue
            m2 = _STARTED.match(raw) or _RESOLVED_AT.match(raw)
            if m2:
                resolved = bool(_RESOLVED_AT.match(raw))
                if cur is None or cur["started"] or (resolved and cur["status"] == "problem" and cur["name"]):
                    cur = new("resolved" if resolved else "problem", raw)
                if resolved:
                    cur["status"] = "resolved"
                    cur["resolved"] = f"{m2.group('date')} {m2.group('time')}"
                else:
                    cur["started"] = f"{m2.group('date')} {m2.group('time')}"
                cur["lines"].append(raw.strip())
                continue
            f = _FIELD.match(raw)
            if f and cur is not None:
                key = _FIELD_KEYS.get(f.group("key"))
                value = f.group("value")
                if key and value and not (key == "name" and cur["name"]):
                    cur[key] = value
                if f.group("key") == "Trigger status" and value.upper() in ("OK", "RESOLVED"):
                    cur["status"] = "resolved"
                cur["lines"].append(raw.strip())
                if f.group("key") == "Problem name" and cur["line"].startswith("Problem started"):
                    cur["line"] = raw.strip()
            elif cur is not None:
                cur["lines"].append(raw.strip())
        alerts = [a for a in alerts if a["name"] or a["host"]]
        return {"alerts": alerts} if alerts else None

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("alerts", []).extend(facts["alerts"])


PARSERS: list[OutputParser] = [ZabbixProblemParser()]
