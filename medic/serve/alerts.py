"""Sender payloads → alert events: Alertmanager's webhook (version 4), Grafana's unified alerting webhook
(version 1), the JSON of Medic's Zabbix media type, and plain alert text ("Problem: ..." / "Resolved: ...").

Pure functions: a payload in, a list of ``AlertEvent`` out, or ``PayloadError`` saying in one line what is
wrong. Nothing here touches a database; the intake stores what these return.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from medic.errors import MedicError

FIRING, RESOLVED = "firing", "resolved"
SOURCES = ("alertmanager", "grafana", "zabbix", "text")
# what an alert may carry: a sender that goes beyond these is a bug or an attack, not an alert
MAX_ALERTS = 1000
MAX_FIELD = 16 * 1024
MAX_LABELS = 200
# Grafana's "Test" button on a contact point sends this alertname: it is acknowledged, never an incident
GRAFANA_TEST_ALERT = "TestAlert"


class PayloadError(MedicError):
    """A payload that is not what its sender sends (answered with a 4xx)."""


@dataclass
class AlertEvent:
    """One alert's state as one sender reported it at one moment."""

    source: str
    fingerprint: str  # what stays the same for one alert across notifications
    status: str  # firing | resolved
    at: str  # RFC 3339: when this state began (startsAt, endsAt for resolved, the event time)
    title: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # this alert's part of the payload

    @property
    def key(self) -> str:
        """The idempotency key: the same alert in the same state from the same sender is the same event
        (HA pairs of Alertmanager or Grafana send each notification twice). A Zabbix event is its id and
        value: Zabbix retries a failed delivery with the same ones."""
        if self.source == "zabbix":
            return f"zabbix:{self.fingerprint}:{self.status}"
        return f"{self.source}:{self.fingerprint}:{self.at}:{self.status}"

    def evidence(self) -> str:
        """What triage reads: the alert's name and the sentences a person wrote about it, in the
        ``field: value`` shape triage takes as alert fields. Labels that name one instance (pod, node, IP)
        stay out: they say where, not what."""
        lines = [f"alertname: {self.title}"]
        for name in ("summary", "description", "message"):
            value = self.annotations.get(name, "").strip()
            if value:
                lines.append(f"{name}: {value}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float | bool):
        raise PayloadError(f"{what} must be a string")
    text = str(value)
    if len(text) > MAX_FIELD:
        raise PayloadError(f"{what} is longer than {MAX_FIELD} characters")
    return text


def _mapping(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be an object of strings")
    if len(value) > MAX_LABELS:
        raise PayloadError(f"{what} has more than {MAX_LABELS} entries")
    return {_text(k, what): _text(v, f"{what}.{k}") for k, v in value.items()}


def _time(value: Any, what: str) -> str:
    """An RFC 3339 time as the sender wrote it, checked; Go's zero time ("0001-01-01T00:00:00Z") is empty."""
    text = _text(value, what)
    if not text or text.startswith("0001-01-01"):
        return ""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{what} is not an RFC 3339 time: {text[:40]!r}") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    # one spelling for one moment: states are ordered by comparing these strings, and the idempotency key
    # holds one (senders write fractions and offsets as they like)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def label_fingerprint(labels: dict[str, str]) -> str:
    """A fingerprint from the label set, for senders that give none (an alert is its labels)."""
    blob = "\x00".join(f"{k}\x01{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _alerts(payload: dict[str, Any], sender: str) -> list[Any]:
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError(f"not a {sender} webhook payload: 'alerts' must be a list")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"{len(alerts)} alerts in one payload (at most {MAX_ALERTS})")
    return alerts


def _status(value: Any, what: str) -> str:
    status = _text(value, what).lower()
    if status not in (FIRING, RESOLVED):
        raise PayloadError(f"{what} must be 'firing' or 'resolved' (got {status[:20]!r})")
    return status


def _prom_alert(alert: Any, n: int, source: str, extra_links: tuple[str, ...]) -> AlertEvent:
    """One alert of Alertmanager's or Grafana's list: both follow Alertmanager's template data."""
    if not isinstance(alert, dict):
        raise PayloadError(f"alerts[{n}] must be an object")
    labels = _mapping(alert.get("labels"), f"alerts[{n}].labels")
    annotations = _mapping(alert.get("annotations"), f"alerts[{n}].annotations")
    status = _status(alert.get("status"), f"alerts[{n}].status")
    starts = _time(alert.get("startsAt"), f"alerts[{n}].startsAt")
    ends = _time(alert.get("endsAt"), f"alerts[{n}].endsAt")
    fingerprint = _text(alert.get("fingerprint"), f"alerts[{n}].fingerprint") or label_fingerprint(labels)
    links = {k: _text(alert.get(k), f"alerts[{n}].{k}") for k in ("generatorURL", *extra_links)}
    title = labels.get("alertname") or annotations.get("summary") or fingerprint
    # a resolved notification's moment is its end; a firing one's its start (each notification of one
    # firing repeats the same startsAt: the same event, counted once)
    at = (ends or starts) if status == RESOLVED else starts
    return AlertEvent(
        source=source,
        fingerprint=fingerprint,
        status=status,
        at=at or now_rfc3339(),
        title=title,
        labels=labels,
        annotations=annotations,
        links={k: v for k, v in links.items() if v},
        raw=alert,
    )


def alertmanager_events(payload: Any) -> list[AlertEvent]:
    """Alertmanager's webhook body (``version: "4"``); each POST carries the whole group's state."""
    if not isinstance(payload, dict):
        raise PayloadError("not an Alertmanager webhook payload: the body must be a JSON object")
    version = payload.get("version")
    if version is None:
        raise PayloadError(
            "no 'version' field: this is not Alertmanager's webhook payload (a custom template?); "
            "point a webhook_configs receiver at this URL without a custom body: see README, Run as a service"
        )
    if str(version) != "4":
        raise PayloadError(f"Alertmanager webhook version {str(version)[:10]!r} is not supported (4 is)")
    return [_prom_alert(a, n, "alertmanager", ()) for n, a in enumerate(_alerts(payload, "Alertmanager"))]


def grafana_events(payload: Any) -> list[AlertEvent]:
    """Grafana's unified alerting webhook (``version: "1"``). The contact point's Test button sends one
    alert named TestAlert: it yields no event (the intake acknowledges it)."""
    if not isinstance(payload, dict):
        raise PayloadError("not a Grafana webhook payload: the body must be a JSON object")
    version = payload.get("version")
    if version is not None and str(version) != "1":
        raise PayloadError(f"Grafana webhook version {str(version)[:10]!r} is not supported (1 is)")
    alerts = _alerts(payload, "Grafana")
    events = [_prom_alert(a, n, "grafana", ("dashboardURL", "panelURL", "silenceURL")) for n, a in enumerate(alerts)]
    return [e for e in events if e.labels.get("alertname") != GRAFANA_TEST_ALERT]


ZABBIX_FIELDS = ("event_id", "event_value")


def zabbix_events(payload: Any) -> list[AlertEvent]:
    """The JSON Medic's Zabbix media type sends (deploy/zabbix/): one event per call. A recovery carries the
    problem's event id (Zabbix's {EVENT.ID} in a recovery operation is the problem event), so it closes the
    incident the problem opened."""
    if not isinstance(payload, dict):
        raise PayloadError("not a Zabbix media type payload: the body must be a JSON object")
    missing = [f for f in ZABBIX_FIELDS if f not in payload]
    if missing:
        raise PayloadError(f"not a Zabbix media type payload: missing {', '.join(missing)}")
    event_id = _text(payload.get("event_id"), "event_id")
    if not re.fullmatch(r"[0-9]{1,20}", event_id):
        raise PayloadError(f"event_id must be a number (got {event_id[:20]!r}); is {{EVENT.ID}} a macro there?")
    value = _text(payload.get("event_value"), "event_value")
    if value not in ("0", "1"):
        raise PayloadError("event_value must be 1 (problem) or 0 (recovery)")
    status = FIRING if value == "1" else RESOLVED
    title = _text(payload.get("event_name") or payload.get("trigger_name") or payload.get("subject"), "event_name")
    message = _text(payload.get("message"), "message")
    host = _text(payload.get("host"), "host")
    tags = payload.get("event_tags")
    labels = {"host": host, "severity": _text(payload.get("severity"), "severity")}
    if isinstance(tags, dict):
        labels.update(_mapping(tags, "event_tags"))
    at = _time(payload.get("event_time"), "event_time") or now_rfc3339()
    url = _text(payload.get("event_url"), "event_url")
    return [
        AlertEvent(
            source="zabbix",
            fingerprint=event_id,
            status=status,
            at=at,
            title=title or f"Zabbix event {event_id}",
            labels={k: v for k, v in labels.items() if v},
            annotations={"summary": title, "message": message} if message else {"summary": title},
            links={"event": url} if url else {},
            raw=payload,
        )
    ]


# "Problem: X", "Resolved: X", "Resolved in 5m 3s: X", "PROBLEM: X", "OK: X" (Zabbix's default mail
# subjects and the shape chat bridges forward)
_TEXT_STATUS = re.compile(r"^\s*(problem|resolved(?: in [^:]{1,40})?|recovery|ok)\s*:\s*(.+)$", re.IGNORECASE)


def text_events(text: str) -> list[AlertEvent]:
    """Alert text from mail or chat: the first line names the alert and says whether it fires or resolved;
    the rest is the message. One alert per text; its fingerprint is the alert's name."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise PayloadError("empty alert text")
    if len(text) > 64 * 1024:
        raise PayloadError("alert text longer than 64 KiB")
    first = lines[0].strip()
    m = _TEXT_STATUS.match(first)
    status = FIRING
    title = first
    if m:
        word, title = m.group(1).lower(), m.group(2).strip()
        status = FIRING if word == "problem" else RESOLVED
    message = "\n".join(lines[1:])
    return [
        AlertEvent(
            source="text",
            fingerprint=hashlib.sha256(title.encode()).hexdigest()[:16],
            status=status,
            at=now_rfc3339(),
            title=title[:500],
            annotations={"summary": title[:500], **({"message": message} if message else {})},
            raw={"text": text},
        )
    ]
