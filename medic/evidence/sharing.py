"""One copy of the parts many pods repeat, redacted once: what keeps a large bundle small and quick to read.

The pods of one template (a ReplicaSet, a StatefulSet, a DaemonSet) have the same labels, annotations,
owner, containers and tolerations. The bundle reader keeps one copy of each such part (the objects it
returns are never modified after reading) and interns the words every pod's statuses repeat ("Ready",
"True", an image name): the objects of a bench/bundlegen.py bundle weigh 6.7 KB a pod instead of 17 KB
(sys.getsizeof of every distinct object, pods, nodes and the rest, over the pods).

A pod's template parts are looked up together, by a digest of their JSON as decoded (BLAKE2b, 128 bits:
a chance collision is as likely as a random 128-bit number repeating; the JSON itself is not held, it would
double what sharing saves and hold unredacted text). When the pod's JSON as a whole passes no redaction
prefilter (nearly every pod), the template parts of a pod seen before are taken as that pod's were once
redacted (redaction of these parts depends on them alone), with their redaction counts; the rest of the
pod needs no redaction (what redacts a pod that passes no prefilter reads the template's parts alone). Anything
else is redacted whole, then its parts shared one by one. The
prefilter itself looks at a template's parts once and at each pod's rest (``_json_around``).

Bounded: past ``limit`` digests a table starts over (sharing is an economy, never needed for correctness).
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from typing import Any

import orjson

from medic.evidence.redact import may_hold_secrets, redact_object_counts

# pod fields that are the same in every pod of a template
POD_SHARED_META = ("labels", "annotations", "ownerReferences")
POD_SHARED_SPEC = ("containers", "initContainers", "tolerations", "nodeSelector")
# of them, those that redaction reads when the pod passes no prefilter (the others it never changes)
REDACTED_META = ("annotations",)
REDACTED_SPEC = ("containers", "initContainers")
CONDITION_WORDS = ("type", "status", "reason")
CONTAINER_WORDS = ("name", "image")


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Shared:
    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.seen: dict[bytes, Any] = {}
        # template digest → (the kept parts, meta's then spec's; what redacting them removed)
        self.templates: dict[bytes, tuple[tuple[Any, ...], Counter[str]]] = {}
        # template digest → whether the parts' JSON passes the redaction prefilter
        self.deep_templates: dict[bytes, bool] = {}

    def _kept(self, value: Any) -> Any:
        """The kept value equal to ``value`` (``value`` itself the first time)."""
        try:
            key = _digest(orjson.dumps(value))
        except TypeError:  # not JSON (cannot happen for what was parsed from JSON; kept as it is)
            return value
        seen = self.seen
        kept = seen.get(key)
        if kept is None:
            if len(seen) >= self.limit:
                seen.clear()
            seen[key] = value
            return value
        return kept

    def share(self, parent: Any, keys: tuple[str, ...]) -> None:
        if not isinstance(parent, dict):
            return
        for key in keys:
            value = parent.get(key)
            if value and isinstance(value, (dict, list)):
                parent[key] = self._kept(value)

    def share_items(self, items: Any) -> None:
        """Each item of a list shared on its own (a pod's volumes: the template's, then its own token)."""
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    items[i] = self._kept(item)

    def pod(self, obj: dict[str, Any]) -> None:
        """An already redacted pod's template parts shared one by one, the words of its statuses interned."""
        spec = obj.get("spec")
        self.share(obj.get("metadata"), POD_SHARED_META)
        self.share(spec, POD_SHARED_SPEC)
        self._rest(obj)

    def redacted_pod(self, obj: dict[str, Any]) -> Counter[str]:
        """A pod redacted (what was removed is returned), its template parts shared, its words interned."""
        meta = obj.get("metadata")
        spec = obj.get("spec")
        if (
            not isinstance(meta, dict)
            or not isinstance(spec, dict)
            or "ephemeralContainers" in spec
            or type(meta.get("annotations", {})) is not dict
        ):
            return self._whole(obj, may_hold_secrets(orjson.dumps(obj)))
        parts = _parts(meta, spec)
        if any(p is not None and type(p) not in (dict, list) for p in parts):
            return self._whole(obj, may_hold_secrets(orjson.dumps(obj)))
        parts_json = orjson.dumps(parts)
        key = _digest(parts_json)
        # the prefilter of the whole pod, in two looks: the template's parts (once per template) and the rest
        # (see _prefilter_apart)
        deep = self.deep_templates.get(key)
        if deep is None:
            deep = may_hold_secrets(parts_json)
            if len(self.deep_templates) >= self.limit:
                self.deep_templates.clear()
            self.deep_templates[key] = deep
        if deep or may_hold_secrets(_json_around(obj, meta, spec)):
            return self._whole(obj, True)
        template = self.templates.get(key)
        if template is None:
            counts = _redact_template(meta, spec)
            self.share(meta, POD_SHARED_META)
            self.share(spec, POD_SHARED_SPEC)
            if len(self.templates) >= self.limit:
                self.templates.clear()
            template = self.templates[key] = (_parts(meta, spec), counts)
        else:
            # equal JSON: the same parts present, each of the same type and emptiness as the kept one
            kept = template[0]
            for i, k in enumerate(POD_SHARED_META):
                if kept[i] and isinstance(kept[i], (dict, list)):
                    meta[k] = kept[i]
            for i, k in enumerate(POD_SHARED_SPEC, len(POD_SHARED_META)):
                if kept[i] and isinstance(kept[i], (dict, list)):
                    spec[k] = kept[i]
        # the rest of the pod needs nothing: it passed the prefilter, so only the rules that read every object
        # apply (env, flags, annotations: all in the template's parts) and the managed fields (never decoded)
        # (tests/diagnose/test_bundle_slim.py: redacting a rest changes nothing, whatever it holds)
        self._rest(obj)
        return template[1].copy() if template[1] else Counter()

    def _whole(self, obj: dict[str, Any], deep: bool) -> Counter[str]:
        """A pod redacted whole, then its parts shared one by one."""
        counts = redact_object_counts("pods", obj, deep=deep)
        self.pod(obj)
        return counts

    def _rest(self, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            self.share_items(spec.get("volumes"))
        status = obj.get("status")
        if not isinstance(status, dict):
            return
        intern = sys.intern
        # the words every pod's statuses repeat ("Ready", "True", an image name): one string each
        for cond in status.get("conditions") or ():
            if type(cond) is dict:
                for k in CONDITION_WORDS:
                    v = cond.get(k)
                    if type(v) is str:
                        cond[k] = intern(v)
                if cond.get("lastProbeTime", 0) is None:
                    del cond["lastProbeTime"]  # always null in a pod's conditions
        for key in ("containerStatuses", "initContainerStatuses"):
            for cs in status.get(key) or ():
                if type(cs) is dict:
                    for k in CONTAINER_WORDS:
                        v = cs.get(k)
                        if type(v) is str:
                            cs[k] = intern(v)


def _parts(meta: dict[str, Any], spec: dict[str, Any]) -> tuple[Any, ...]:
    """The template parts, in the order of POD_SHARED_META then POD_SHARED_SPEC (spelt out: every pod)."""
    get, spec_get = meta.get, spec.get
    return (
        get("labels"),
        get("annotations"),
        get("ownerReferences"),
        spec_get("containers"),
        spec_get("initContainers"),
        spec_get("tolerations"),
        spec_get("nodeSelector"),
    )


def _json_around(obj: dict[str, Any], meta: dict[str, Any], spec: dict[str, Any]) -> bytes:
    """The pod's JSON with each template part that is an object or a list emptied (``{}``, ``[]``).

    The prefilter finds in a pod's JSON what it finds in this and in the JSON of the parts (the list
    ``_parts`` gives) together, and nothing else (tests/diagnose/test_bundle_slim.py compares them): each of
    its patterns lies within one JSON string, or within one key and its value, or within an array's
    adjacent strings; a part is a whole JSON object or array, so no such span starts inside a part and
    ends outside it, and the keys that hold the parts (``labels``, ``containers``...) are none of its words.
    """
    held = [
        (d, k, d[k])
        for d, keys in ((meta, POD_SHARED_META), (spec, POD_SHARED_SPEC))
        for k in keys
        if type(d.get(k)) in (dict, list)
    ]
    for d, k, v in held:
        d[k] = type(v)()
    try:
        return orjson.dumps(obj)
    finally:
        for d, k, v in held:
            d[k] = v


def _redact_template(meta: dict[str, Any], spec: dict[str, Any]) -> Counter[str]:
    """The template parts that redaction reads, redacted on their own (in place)."""
    view: dict[str, Any] = {
        "metadata": {k: meta[k] for k in REDACTED_META if k in meta},
        "spec": {k: spec[k] for k in REDACTED_SPEC if k in spec},
    }
    counts = redact_object_counts("pods", view, deep=False)
    for target, part, keys in ((meta, view["metadata"], REDACTED_META), (spec, view["spec"], REDACTED_SPEC)):
        for k in keys:
            if k in part:
                target[k] = part[k]
            else:
                target.pop(k, None)
    return counts
