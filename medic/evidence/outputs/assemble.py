"""The adapter step after every parser's ``apply``: one partial Snapshot out of a paste's outputs.

- Ages are counted from the paste's own time: the newest absolute timestamp in its recognised outputs (a
  2016 describe says "for 3d" of 2016, not of today); without one, from now.
- An object or event whose name the paste does not show (a bare ``status:``, an events table cut from a
  describe) belongs to the object the paste is about: the named object of its kind, the pod a ``Scheduled``
  event names, or the one named object of the paste.
- The same object pasted twice (a ``get`` row and its describe, a describe and its ``-o yaml``) is one
  object: the copy pasted last (the latest state), with what only an earlier copy shows added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from medic.evidence.kinds import CLUSTER_SCOPED, KIND_OF, event_subject_kind, resource_for
from medic.model import Snapshot

# meta.collected_at_source of a paste timed by its own newest timestamp (no clock of its own)
NEWEST_IN_PASTE = "newest timestamp in the paste"
UNNAMED = "(unnamed)"  # the name of an object whose name no line of the paste shows
_RFC3339 = re.compile(r"\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?\s?(Z|[+-]\d{2}:?\d{2})?")
_RFC1123 = re.compile(r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")
_ASSIGNED = re.compile(r"Successfully assigned (?:(?P<ns>[a-z0-9-]+)/)?(?P<name>[a-z0-9][a-z0-9.-]*) to ")


def newest_time(lines: Iterable[str]) -> datetime | None:
    """The newest absolute time (RFC 3339 or describe's RFC 1123) in these lines, or None."""
    best: datetime | None = None
    for line in lines:
        if ":" not in line or len(line) > 4096:
            continue
        for m in _RFC3339.finditer(line):
            try:
                zone = (m.group(3) or "Z").replace("Z", "+00:00")
                if len(zone) == 5:
                    zone = zone[:3] + ":" + zone[3:]
                t = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{zone}")
            except ValueError:
                continue
            best = t if best is None or t > best else best
        for m in _RFC1123.finditer(line):
            try:
                t = parsedate_to_datetime(m.group(0))
            except (TypeError, ValueError, IndexError, OverflowError):
                continue
            best = t if best is None or t > best else best
    if best is not None and best > datetime.now(UTC):
        return None  # a time after today is a typo or a certificate's expiry, not when the paste was made
    return best


def _md(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = {}
        obj["metadata"] = md
    return md


def _subject(snap: Snapshot, resource: str) -> tuple[str, str] | None:
    """(namespace, name) of the object the paste is about, for an unnamed object or event of ``resource``."""
    named = [o for o in snap.objects.get(resource, []) if _md(o).get("name") not in (None, "", UNNAMED)]
    if named:
        md = _md(named[0])
        return str(md.get("namespace") or ""), str(md["name"])
    if resource == "pods":
        for ev in snap.objects.get("events", []):
            if ev.get("reason") == "Scheduled":
                m = _ASSIGNED.search(str(ev.get("message") or ""))
                if m:
                    return m.group("ns") or "", m.group("name")
    others = [
        (res, o)
        for res, objs in snap.objects.items()
        if res != "events"
        for o in objs
        if _md(o).get("name") not in (None, "", UNNAMED)
    ]
    if resource == "" and len(others) == 1:
        md = _md(others[0][1])
        return str(md.get("namespace") or ""), str(md["name"])
    return None


def _subject_kind(snap: Snapshot) -> str:
    """The Kind of the one named object the paste shows ("" when it shows none or several)."""
    named = [
        res
        for res, objs in snap.objects.items()
        if res != "events"
        for o in objs
        if _md(o).get("name") not in (None, "", UNNAMED)
    ]
    return KIND_OF.get(named[0], "") if len(named) == 1 else ""


def _event_kind(ev: dict[str, Any]) -> str:
    """The kind of object an event is about, from its reason or reporting component ("" when neither says)."""
    source = ev.get("source")
    component = str(source.get("component") or "") if isinstance(source, dict) else ""
    return event_subject_kind(str(ev.get("reason") or ""), component)


def name_orphans(snap: Snapshot) -> None:
    """Give unnamed objects and events the name of the object the paste is about."""
    for resource, objs in snap.objects.items():
        if resource == "events":
            continue
        for obj in objs:
            md = _md(obj)
            if md.get("name") in (None, ""):
                found = _subject(snap, resource)
                if found:
                    ns, name = found
                    md["name"] = name
                    if ns and not md.get("namespace") and resource not in CLUSTER_SCOPED:
                        md["namespace"] = ns
                else:
                    md["name"] = UNNAMED
    for ev in snap.objects.get("events", []):
        inv = ev.get("involvedObject")
        if not isinstance(inv, dict):
            continue
        if inv.get("name") not in (None, ""):
            kind = str(inv.get("kind") or "") or _event_kind(ev)  # named by a field selector, kind not shown
            if kind:
                inv["kind"] = kind
            continue
        kind = str(inv.get("kind") or "")
        if not kind:
            # the kind its reason or reporter says it is about, when the paste shows no object to attach it
            # to or only an object of another kind (a kubelet's Evicted row beside a node's describe is about
            # a pod, not the node)
            told = _event_kind(ev)
            shown = _subject_kind(snap)
            if told and (not _subject(snap, "") or (shown and shown != told)):
                kind = told
                inv["kind"] = kind
        found = _subject(snap, resource_for(kind) if kind else "")
        if found is None and not kind:
            found = _subject(snap, "pods")
            if found:
                inv["kind"] = "Pod"
        if found is None:
            inv["name"] = UNNAMED
            continue
        ns, name = found
        inv["name"] = name
        if ns and not inv.get("namespace"):
            inv["namespace"] = ns
        if not inv.get("kind"):
            named = [r for r, objs in snap.objects.items() if r != "events" and objs]
            inv["kind"] = KIND_OF.get(named[0], "Pod") if named else "Pod"


def _typed(items: Any) -> dict[str, Any] | None:
    """A list of conditions by their ``type`` (None when it is not such a list)."""
    if not isinstance(items, list) or not all(isinstance(c, dict) and c.get("type") for c in items):
        return None
    return {str(c["type"]): c for c in items}


def _merge(base: dict[str, Any], other: dict[str, Any]) -> None:
    """Add to ``base`` what only ``other`` has (recursively for mappings; a list or value of base stays,
    except conditions: those of a type only ``other`` shows are added, a ``get`` row's Ready beside a
    describe's cut Conditions table)."""
    for k, v in other.items():
        if k not in base or base[k] in (None, "", [], {}):
            base[k] = v
        elif isinstance(base[k], dict) and isinstance(v, dict):
            _merge(base[k], v)
        elif k == "conditions" and (mine := _typed(base[k])) is not None and (theirs := _typed(v)) is not None:
            base[k] = list(mine.values()) + [c for t, c in theirs.items() if t not in mine]


def merge_duplicates(snap: Snapshot) -> None:
    """One object per (resource, namespace, name): a copy without a namespace is the namespaced one."""
    for resource, objs in list(snap.objects.items()):
        if resource == "events" or resource not in KIND_OF or len(objs) < 2:
            continue  # (a Helm release listed twice is its history, not one object)
        by_name: dict[str, list[dict[str, Any]]] = {}
        for o in objs:
            by_name.setdefault(str(_md(o).get("name") or ""), []).append(o)
        if all(len(group) == 1 for group in by_name.values()):
            continue
        out: list[dict[str, Any]] = []
        for name, group in by_name.items():
            if len(group) == 1 or not name:
                out.extend(group)
                continue  # (unnamed fragments of one kind are the one object the paste is about)
            spaces = {str(_md(o).get("namespace") or "") for o in group} - {""}
            if len(spaces) > 1:
                out.extend(group)  # same name in different namespaces: different objects
                continue
            # the copy pasted last shows the latest state; what only an earlier one shows is added
            latest = group[-1]
            merged = json.loads(json.dumps(latest, default=str))
            for o in reversed(group[:-1]):
                _merge(merged, o)
            if spaces:
                _md(merged)["namespace"] = next(iter(spaces))
            out.append(merged)
        snap.objects[resource] = out
    # events about an object pasted without a namespace name it as the object now does
    known: dict[tuple[str, str], str] = {}
    for resource, objs in snap.objects.items():
        if resource == "events" or resource not in KIND_OF:
            continue
        for o in objs:
            md = _md(o)
            if md.get("namespace"):
                known.setdefault((KIND_OF[resource], str(md.get("name") or "")), str(md["namespace"]))
    for ev in snap.objects.get("events", []):
        inv = ev.get("involvedObject")
        if isinstance(inv, dict) and not inv.get("namespace"):
            ns = known.get((str(inv.get("kind") or ""), str(inv.get("name") or "")))
            if ns:
                inv["namespace"] = ns
                ev.setdefault("metadata", {}).setdefault("namespace", ns)


def finish(snap: Snapshot) -> None:
    """Everything after the parsers' ``apply``: orphans named, duplicates merged."""
    name_orphans(snap)
    merge_duplicates(snap)
