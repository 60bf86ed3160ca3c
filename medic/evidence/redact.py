"""Redaction: secrets, tokens, keys and passwords are removed before anything leaves the collector.

Two entry points, both counting what they removed:

- ``redact_text(text) -> (text, n)``: text patterns (PEM private keys, JWTs, bearer and basic credentials,
  AWS access key ids, Azure storage keys, passwords in connection strings and ``key=value`` pairs,
  well-known vendor tokens). Used on logs and on every string of an object.
- ``redact_object(kind, obj) -> n``: in place, for one raw API object of a snapshot resource ``kind``
  (``pods``, ``deployments``...): literal container env values, sensitive command-line flags, annotation
  values under sensitive keys, ``kubectl.kubernetes.io/last-applied-configuration`` (redacted inside),
  values under keys such as ``password``/``token``, the values of Secret and ConfigMap ``data``, and the
  text patterns in every other string. ``metadata.managedFields`` is dropped.

The ``*_counts`` variants return a ``Counter`` by what was removed (``env``, ``private_key``, ``jwt``...);
the collector adds them up into ``snapshot.meta["redacted"]``. Redaction is idempotent: redacting
redacted text finds nothing more.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
import re2

REDACTED = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_SENSITIVE_WORD = (
    r"(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key"
    r"|credentials?)"
)
_SPACE = r"(?:\s|\\[nrt])"  # white space, also as a JSON escape (the prefilter reads serialized objects)

# A fast first look (RE2: linear time, no per-character Python): text this does not match cannot match any
# rule below, nor hold a sensitive key. It reads plain text and serialized JSON alike, so it is a superset
# of the rules (each rule needs one of these).
_PREFILTER = re2.compile(
    r"(?i)private key|eyj[a-z0-9_-]{8,}\.|bearer" + _SPACE + r"+[a-z0-9._~+/-]{8}|basic" + _SPACE + r"+[a-z0-9+/]{6}"
    r"|://[^\s:/?#@\"'<>]*:[^\s/?#@\"'<>]+@|accountkey\s*=|sharedaccesskey\s*=|sig="
    r"|(?:akia|asia)[a-z0-9]{16}|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|aiza|sk_live_|sk-[a-z0-9_-]{32}"
    r"|" + _SENSITIVE_WORD + r"(?:\\?[\"']?\s*[:=]\s*(?:\\?[\"'])?[^\s{\[]|" + _SPACE + r")"
)

_Rule = tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]]

# Words that are not credentials, after a sensitive key (``token: expired``, ``password=<redacted>``).
_NOT_VALUES = frozenset({"", "null", "none", "nil", "true", "false", "yes", "no", "required", "***", "xxx", "empty"})
_STRONG_KEYS = ("password", "passwd", "pwd", "passphrase")
_WORDS = re.compile(r"[a-z]+(?:[-_ ][a-z]+)*")


def _is_credential(key: str, value: str) -> bool:
    """Whether ``value`` after the sensitive ``key`` looks like a credential worth removing."""
    low = value.lower()
    if low in _NOT_VALUES or value.startswith(("$", "<", "{{", "%")) or set(value) <= {"*", "x", "X"}:
        return False  # references ($VAR, ${VAR}, $(VAR), {{ .Values.x }}), placeholders, masks
    if key.lower().endswith(_STRONG_KEYS):
        return True
    # token/secret/key: something that is not a plain word (``token: expired``, ``secret: missing``)
    return len(value) >= 8 and not _WORDS.fullmatch(value)


def _basic_is_credential(raw: str) -> bool:
    """``Basic xxx`` only when xxx decodes to ``user:password`` (not ``basic authentication``)."""
    try:
        decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and all(32 <= b < 127 or b >= 128 for b in decoded)


def _keep_group(n: int) -> Callable[[re.Match[str]], str]:
    """Replacement keeping groups 1..n-1 and redacting group n."""

    def repl(m: re.Match[str]) -> str:
        return "".join(m.group(i) or "" for i in range(1, n)) + REDACTED

    return repl


def _whole(_m: re.Match[str]) -> str:
    return REDACTED


def _kv(m: re.Match[str]) -> str:
    key, sep, value = m.group(1), m.group(2), m.group(3)
    return key + sep + REDACTED if _is_credential(key, value) else m.group(0)


def _basic(m: re.Match[str]) -> str:
    return m.group(1) + REDACTED if _basic_is_credential(m.group(2)) else m.group(0)


def _userinfo(m: re.Match[str]) -> str:
    return m.group(0) if m.group(3) == REDACTED else f"{m.group(1)}{m.group(2)}:{REDACTED}@"


# A PEM private key, whole or with its end cut off (``Proc-Type``/``DEK-Info`` headers included).
_KEY_BLOCK = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,-]*)",
    re.DOTALL,
)
_KEY_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "+/=\\\r\n")
REDACTED_KEY = "<redacted private key>"

_RULES: list[_Rule] = [
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), _whole),
    ("bearer", re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/-]{8,}=*)"), _keep_group(2)),
    ("basic", re.compile(r"(?i)\b(basic\s+)([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])"), _basic),
    (
        "connection_string",
        re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{0,30}://)([^\s:/?#@\"'<>]*):([^\s/?#@\"'<>]+|<redacted>)@"),
        _userinfo,
    ),
    (
        "azure_key",
        re.compile(r"(?i)\b((?:Account|SharedAccess)Key\s*=\s*)([A-Za-z0-9+/]{20,}={0,2})"),
        _keep_group(2),
    ),
    ("azure_key", re.compile(r"(?i)([?&;]sig=)([A-Za-z0-9%+/=]{20,})"), _keep_group(2)),
    ("aws_key", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), _whole),
    (
        "token",
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}"
            r"|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{20,}|sk-[A-Za-z0-9_-]{32,})"
        ),
        _whole,
    ),
    (
        "password",
        re.compile(r"(?i)(?<![A-Za-z0-9_.-])(--?[A-Za-z0-9-]*?" + _SENSITIVE_WORD + r")(\s+)([^\s\"'<>-][^\s\"'<>]*)"),
        _kv,
    ),
    (
        "password",
        re.compile(
            r"(?i)(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]*?" + _SENSITIVE_WORD + r")"
            r"([\"']?\s*[:=]\s*[\"']?)([^\s\"',;&<>\\]+)"
        ),
        _kv,
    ),
]


def _private_keys(text: str, counts: Counter[str]) -> str:
    """PEM private keys, whole or cut at either end, replaced by ``<redacted private key>``."""

    def block(_m: re.Match[str]) -> str:
        counts["private_key"] += 1
        return REDACTED_KEY

    return _key_tails(_KEY_BLOCK.sub(block, text), counts)


def _key_tails(text: str, counts: Counter[str]) -> str:
    """The end of a key whose beginning was cut off (the last lines of a log): its whole lines before go too.

    Walks back from each END marker over base64 and line breaks (linear; such a regex would be quadratic),
    then forward to the first line break, so a line that is not all key is kept.
    """
    out: list[str] = []
    pos = 0
    for m in _KEY_END.finditer(text):
        start = m.start()
        while start > pos and text[start - 1] in _KEY_CHARS:
            start -= 1
        if start > 0:  # stopped on other text: the key starts after the next line break
            breaks = [i + 1 for i in (text.find("\n", start, m.start()),) if i >= 0]
            breaks += [i + 2 for i in (text.find("\\n", start, m.start()),) if i >= 0]
            start = min(breaks) if breaks else m.start()
        out.append(text[pos:start])
        out.append(REDACTED_KEY)
        counts["private_key"] += 1
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def redact_text_counts(text: str) -> tuple[str, Counter[str]]:
    """``text`` with every credential replaced by ``<redacted>``, and how many of each kind were replaced."""
    counts: Counter[str] = Counter()
    if not text or not _PREFILTER.search(text):
        return text, counts
    if "PRIVATE KEY" in text:
        text = _private_keys(text, counts)
    for what, pattern, repl in _RULES:

        def counted(m: re.Match[str], repl: Callable[[re.Match[str]], str] = repl, what: str = what) -> str:
            out = repl(m)
            if out != m.group(0):
                counts[what] += 1
            return out

        text = pattern.sub(counted, text)
    return text, counts


def redact_text(text: str) -> tuple[str, int]:
    """``text`` with credentials replaced by ``<redacted>``, and the number replaced."""
    out, counts = redact_text_counts(text)
    return out, sum(counts.values())


# Keys whose string value is a credential wherever they appear (compared lower-case without - and _).
_SENSITIVE_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "token",
        "bearertoken",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "authtoken",
        "apikey",
        "accesskey",
        "secretkey",
        "secretaccesskey",
        "clientsecret",
        "privatekey",
        "secret",
    }
)
_SENSITIVE_ANNOTATION = re.compile(r"(?i)password|passwd|secret|token|credential|api-?key|private-?key|auth-?key")
# Annotations that name things rather than hold them (a secret's name, a token's type): kept.
_NAME_ANNOTATION = re.compile(r"(?i)(?:name|names|type|ref|path|uid|id|namespace|count|ttl|expir\w*)$")


def _norm_key(key: str) -> str:
    return key.lower().replace("-", "").replace("_", "")


def _walk(value: Any, counts: Counter[str]) -> Any:
    """Redact strings anywhere under ``value`` (in place for containers); returns the new value."""
    if isinstance(value, str):
        if len(value) < 8:
            return value
        out, c = redact_text_counts(value)
        if c:
            counts.update(c)
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str):
                if v and v != REDACTED and isinstance(k, str) and _norm_key(k) in _SENSITIVE_KEYS:
                    value[k] = REDACTED
                    counts["password"] += 1
                elif len(v) >= 8:
                    value[k] = _walk(v, counts)
            elif isinstance(v, dict | list):
                _walk(v, counts)
        return value
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                if len(v) >= 8:
                    value[i] = _walk(v, counts)
            elif isinstance(v, dict | list):
                _walk(v, counts)
        return value
    return value


_FLAG = re.compile(r"(?i)^--?[a-z0-9-]*" + _SENSITIVE_WORD + r"$")


def _redact_args(args: Any, counts: Counter[str]) -> None:
    """``["--password", "x"]``: the value after a sensitive flag given as its own argument."""
    if not isinstance(args, list):
        return
    for i in range(len(args) - 1):
        flag, value = args[i], args[i + 1]
        if (
            isinstance(flag, str)
            and flag[:1] == "-"
            and isinstance(value, str)
            and _FLAG.match(flag)
            and value != REDACTED
            and not value.startswith("-")
            and _is_credential(flag, value)
        ):
            args[i + 1] = REDACTED
            counts["password"] += 1


def _pod_specs(kind: str, obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod specs an object carries: a pod's own, a workload's template, a CronJob's job template."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    if kind == "pods" or ("containers" in spec and isinstance(spec.get("containers"), list)):
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
    """Literal env values (``valueFrom`` references are kept) and values after sensitive flags."""
    n = 0
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
                        n += 1
            for field_name in ("args", "command"):
                if field_name in c:
                    _redact_args(c[field_name], counts)
    if n:
        counts["env"] += n


def _redact_data(obj: dict[str, Any], what: str, counts: Counter[str]) -> None:
    """Secret and ConfigMap values: replaced, keys kept."""
    for field in ("data", "stringData", "binaryData"):
        data = obj.get(field)
        if isinstance(data, dict):
            for k, v in data.items():
                if v != REDACTED:
                    data[k] = REDACTED
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
    inner = redact_object_counts(_PLURALS.get(str(applied.get("kind")), str(applied.get("kind", "")).lower()), applied)
    if inner:
        counts.update(inner)
        return orjson.dumps(applied).decode()
    return text


def _redact_metadata(meta: dict[str, Any], counts: Counter[str]) -> None:
    meta.pop("managedFields", None)
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        return
    texts = [v for v in annotations.values() if isinstance(v, str)]
    scan = may_hold_secrets("\n".join(texts)) if texts else False  # one look for all the values
    for key, value in annotations.items():
        if not isinstance(value, str) or not value or value == REDACTED:
            continue
        if key == LAST_APPLIED:
            annotations[key] = _redact_last_applied(value, counts)
        elif _SENSITIVE_ANNOTATION.search(key.rsplit("/", 1)[-1]) and not _NAME_ANNOTATION.search(key):
            annotations[key] = REDACTED
            counts["annotation"] += 1
        elif scan:
            out, c = redact_text_counts(value)
            if c:
                annotations[key] = out
                counts.update(c)


def may_hold_secrets(text: str | bytes) -> bool:
    """False when ``text`` (plain or a serialized object) certainly holds nothing the text rules redact."""
    return _PREFILTER.search(text) is not None


def redact_object_counts(kind: str, obj: dict[str, Any], *, deep: bool | None = None) -> Counter[str]:
    """Redact one raw API object of snapshot resource ``kind`` in place; what was removed, by kind.

    Env values, sensitive flags and annotations, Secret and ConfigMap values are always handled. Every other
    string is read by the text rules when ``deep`` is True; when it is None (the default) only if the
    serialized object passes the fast prefilter. The collector passes False for objects of a page the
    prefilter already cleared as a whole.
    """
    counts: Counter[str] = Counter()
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        _redact_metadata(meta, counts)
    if kind == "secrets":
        _redact_data(obj, "secret_values", counts)
    elif kind == "configmaps":
        _redact_data(obj, "configmap_values", counts)
    for spec in _pod_specs(kind, obj):
        _redact_pod_spec(spec, counts)
    if deep is None:
        deep = may_hold_secrets(orjson.dumps({k: v for k, v in obj.items() if k != "metadata"}))
    if deep:
        for key, value in obj.items():
            if key != "metadata" and isinstance(value, dict | list):
                _walk(value, counts)
            elif key != "metadata" and isinstance(value, str):
                obj[key] = _walk(value, counts)  # an event's message, a Secret's type
    return counts


def redact_object(kind: str, obj: dict[str, Any]) -> int:
    """Redact one raw API object in place; returns how many values were removed."""
    return sum(redact_object_counts(kind, obj).values())
