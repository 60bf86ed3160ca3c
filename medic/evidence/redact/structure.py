"""Redaction of structured data: API objects, host facts, any JSON-like value, whole snapshots.

Per-format rules on top of the text rules: a secret key name's scalar value goes whatever its shape;
``name``/``value`` (and ``key``/``value``) pairs whose name is a secret key name (env variables, probe
``httpHeaders``) lose their value; command-line lists lose the value after a secret flag; every literal
container env value goes; Secret and ConfigMap values go (keys kept); annotations under secret-looking keys
go; the last applied configuration is redacted inside; ``metadata.managedFields`` is dropped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from medic.evidence.redact.rules import (
    LAST_APPLIED,
    MYSQL_PROGRAMS,
    NAME_ANNOTATION,
    REDACTED,
    REDIS_PROGRAMS,
    SENSITIVE_ANNOTATION,
    is_placeholder,
    key_rule,
)
from medic.evidence.redact.text import may_hold_secrets, redact_text_counts

MAX_DEPTH = 200  # deeper values are replaced whole: no real object nests this far, and recursion stays bounded


def _secret_scalar(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return bool(value) and value != REDACTED
    return isinstance(value, int | float)


def _text(value: str, counts: Counter[str]) -> str:
    out, c = redact_text_counts(value)
    if c:
        counts.update(c)
    return out


def _args(items: list[Any], counts: Counter[str]) -> None:
    """A command line as a list: the element after a secret flag (``["--password", "x"]``), ``-pX`` after
    mysql, ``-a X`` after redis-cli, ``-u user:pass``."""
    words = [w.lower() for w in items if isinstance(w, str)]
    mysql = any(p in w for w in words for p in MYSQL_PROGRAMS)
    redis = any(p in w for w in words for p in REDIS_PROGRAMS)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.startswith("-") or "=" in item:
            continue
        nxt = items[i + 1] if i + 1 < len(items) else None
        if (
            mysql
            and item.startswith("-p")
            and len(item) > 2
            and not item.startswith("--")
            and not is_placeholder(item[2:])
        ):
            items[i] = "-p" + REDACTED
            counts["password"] += 1
            continue
        if not isinstance(nxt, str) or nxt.startswith("-") or is_placeholder(nxt):
            continue
        rule = key_rule(item)
        if rule is not None or (redis and item == "-a"):
            items[i + 1] = REDACTED
            counts[rule.kind if rule else "password"] += 1
        elif (
            item in ("-u", "--user", "--proxy-user", "-U") and ":" in nxt and not is_placeholder(nxt.partition(":")[2])
        ):
            user, _, _secret = nxt.partition(":")
            items[i + 1] = f"{user}:{REDACTED}"
            counts["password"] += 1


def _pair(d: dict[str, Any], counts: Counter[str]) -> None:
    """``{"name": "DB_PASSWORD", "value": "x"}``, ``{"name": "Authorization", "value": "Bearer x"}``."""
    for name_key in ("name", "key"):
        name = d.get(name_key)
        if isinstance(name, str) and "value" in d and key_rule(name) is not None and _secret_scalar(d["value"]):
            d["value"] = REDACTED
            counts["header" if name.lower() in ("authorization", "cookie", "set-cookie") else "env"] += 1
            return


def redact_value(value: Any, counts: Counter[str], depth: int = 0) -> Any:
    """Redact any JSON-like value (in place for containers); returns the new value."""
    if isinstance(value, str):
        return _text(value, counts) if len(value) >= 6 else value
    if depth > MAX_DEPTH:
        counts["too_deep"] += 1
        return REDACTED
    if isinstance(value, dict):
        _pair(value, counts)
        for k, v in value.items():
            rule = key_rule(k) if isinstance(k, str) else None
            if rule is not None and _secret_scalar(v):
                value[k] = REDACTED
                counts[rule.kind] += 1
            elif isinstance(v, str):
                if len(v) >= 6:
                    value[k] = _text(v, counts)
            elif isinstance(v, dict | list):
                redact_value(v, counts, depth + 1)
        return value
    if isinstance(value, list):
        if any(isinstance(v, str) and v.startswith("-") for v in value):
            _args(value, counts)
        for i, v in enumerate(value):
            if isinstance(v, str):
                if len(v) >= 6:
                    value[i] = _text(v, counts)
            elif isinstance(v, dict | list):
                redact_value(v, counts, depth + 1)
        return value
    return value


def _pod_specs(kind: str, obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod specs an object carries: a pod's own, a workload's template, a CronJob's job template."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    if kind == "pods" or isinstance(spec.get("containers"), list):
        return [spec]
    out = []
    for path in (("template", "spec"), ("jobTemplate", "spec", "template", "spec")):
        cur: Any = spec
        for p in path:
            cur = cur.get(p) if isinstance(cur, dict) else None
        if isinstance(cur, dict):
            out.append(cur)
    return out


def _redact_pod_spec(spec: dict[str, Any], counts: Counter[str]) -> None:
    """Literal env values (``valueFrom`` references are kept) and values after secret flags."""
    for field in ("containers", "initContainers", "ephemeralContainers"):
        containers = spec.get(field)
        if not isinstance(containers, list):
            continue
        for c in containers:
            if not isinstance(c, dict):
                continue
            env_list = c.get("env")
            if isinstance(env_list, list):
                for env in env_list:
                    if isinstance(env, dict) and env.get("value") not in ("", REDACTED, None):
                        env["value"] = REDACTED
                        counts["env"] += 1
            for field_name in ("args", "command"):
                if isinstance(c.get(field_name), list):
                    _args(c[field_name], counts)


def _redact_data(obj: dict[str, Any], what: str, counts: Counter[str]) -> None:
    """Secret and ConfigMap values: replaced, keys kept."""
    for field in ("data", "stringData", "binaryData"):
        data = obj.get(field)
        if isinstance(data, dict):
            for k, v in data.items():
                if v != REDACTED:
                    data[k] = REDACTED
                    counts[what] += 1
        elif data is not None:
            obj[field] = REDACTED
            counts[what] += 1


_PLURALS = {"Secret": "secrets", "ConfigMap": "configmaps", "Pod": "pods"}


def _redact_last_applied(text: str, counts: Counter[str]) -> str:
    """The last applied configuration, redacted inside like the object it describes (or wholly, if not JSON)."""
    try:
        applied = orjson.loads(text)
    except orjson.JSONDecodeError:
        counts["last_applied"] += 1
        return REDACTED
    if not isinstance(applied, dict):
        counts["last_applied"] += 1
        return REDACTED
    kind = str(applied.get("kind", ""))
    inner = redact_object_counts(_PLURALS.get(kind, kind.lower()), applied, deep=True)
    if inner:
        counts.update(inner)
        return orjson.dumps(applied).decode()
    return text


def _redact_metadata(meta: dict[str, Any], counts: Counter[str], deep: bool) -> None:
    meta.pop("managedFields", None)
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        texts = [v for v in annotations.values() if isinstance(v, str)]
        scan = may_hold_secrets("\n".join(texts)) if texts else False  # one look for all the values
        for key, value in annotations.items():
            if not isinstance(value, str) or not value or value == REDACTED:
                if isinstance(value, dict | list):
                    redact_value(value, counts)
                continue
            name = str(key)
            if name == LAST_APPLIED:
                annotations[key] = _redact_last_applied(value, counts)
            elif SENSITIVE_ANNOTATION.search(name.rsplit("/", 1)[-1]) and not NAME_ANNOTATION.search(name):
                annotations[key] = REDACTED
                counts["annotation"] += 1
            elif scan:
                annotations[key] = _text(value, counts)
    if deep:  # labels, names and the rest: only when the object may hold a secret at all
        for key, value in meta.items():
            if key != "annotations" and isinstance(value, dict | list | str):
                meta[key] = redact_value(value, counts)


def redact_object_counts(kind: str, obj: dict[str, Any], *, deep: bool | None = None) -> Counter[str]:
    """Redact one raw API object of snapshot resource ``kind`` in place; what was removed, by kind.

    Env values, secret flags, annotations, Secret and ConfigMap values are always handled. Every other value
    is read by the key-name and text rules when ``deep`` is True; when it is None (the default) only if the
    serialized object passes the fast prefilter. The collector passes False for objects of a page the prefilter
    already cleared as a whole.
    """
    counts: Counter[str] = Counter()
    if deep is None:
        try:
            deep = may_hold_secrets(orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS))
        except TypeError:  # not serializable as JSON (a hand-made value): read it all
            deep = True
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        _redact_metadata(meta, counts, deep)
    if kind == "secrets":
        _redact_data(obj, "secret_values", counts)
    elif kind == "configmaps":
        _redact_data(obj, "configmap_values", counts)
    for spec in _pod_specs(kind, obj):
        _redact_pod_spec(spec, counts)
    if deep:
        for key, value in obj.items():
            if key == "metadata":
                continue
            if isinstance(key, str) and key_rule(key) is not None and _secret_scalar(value):
                obj[key] = REDACTED
                counts["password"] += 1
            elif isinstance(value, dict | list | str):
                obj[key] = redact_value(value, counts)
    return counts


def redact_object(kind: str, obj: dict[str, Any]) -> int:
    """Redact one raw API object in place; returns how many values were removed."""
    return sum(redact_object_counts(kind, obj).values())


def redact_json(value: Any) -> tuple[Any, int]:
    """Any JSON-like value (a triage result, an alert payload) with its secrets redacted (in place for
    containers), and how many were removed."""
    counts: Counter[str] = Counter()
    out = redact_value(value, counts)
    return out, sum(counts.values())
