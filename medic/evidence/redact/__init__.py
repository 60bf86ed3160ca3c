"""Redaction: secrets, tokens, keys and passwords are removed wherever data leaves Medic.

One path, used by the collector (objects and logs as they arrive), the bundle writer and reader (a bundle
is redacted when it is read, whatever wrote it), the audit log and triage output. The rule table is
``rules.py`` (secret key names, value limits); the text engine ``text.py`` (value shapes: PEM keys, base64
that holds a key or credentials, JWTs, bearer/basic credentials, URL userinfo, vendor tokens, ``key=value``,
``--flag value``, headers, ``mysql -pX``, ``redis-cli -a X``/``AUTH X``, ``curl -u user:pass``);
``structure.py`` walks objects (key names, name/value pairs, argument lists, env, Secret/ConfigMap data,
annotations, last-applied configuration); ``snapshot.py`` applies it all to a Snapshot.

Entry points count what they removed: ``redact_text(text) -> (text, n)``, ``redact_text_counts``,
``redact_lines(lines) -> (lines, n)``, ``redact_object(kind, obj) -> n`` (in place),
``redact_object_counts``, ``redact_json(value) -> (value, n)``, ``redact_snapshot(snapshot) -> Counter``.
Redaction is idempotent and linear in the size of its input.
"""

from __future__ import annotations

from medic.evidence.redact.rules import LAST_APPLIED, REDACTED, REDACTED_KEY, VERSION, is_secret_key, key_rule
from medic.evidence.redact.snapshot import redact_lines, redact_snapshot
from medic.evidence.redact.structure import redact_json, redact_object, redact_object_counts, redact_value
from medic.evidence.redact.text import may_hold_secrets, redact_text, redact_text_counts

__all__ = [
    "LAST_APPLIED",
    "REDACTED",
    "REDACTED_KEY",
    "VERSION",
    "is_secret_key",
    "key_rule",
    "may_hold_secrets",
    "redact_json",
    "redact_lines",
    "redact_object",
    "redact_object_counts",
    "redact_snapshot",
    "redact_text",
    "redact_text_counts",
    "redact_value",
]
