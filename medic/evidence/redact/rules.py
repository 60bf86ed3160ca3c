"""The redaction rule table: which key names hold secrets, and which value shapes are secrets wherever they are.

Data, not code: the engines (``text.py`` for text, ``structure.py`` for objects) read these tables, and each
row has a test (``tests/collect/test_redact_rules.py``).

Key names are compared as words: ``dbPassword``, ``DB_PASSWORD``, ``db-password`` and ``db.password`` are all
``[db, password]``. A key holds a secret when its last word is in ``SECRET_WORDS`` or its last two words are in
``SECRET_PAIRS``; ``passwordless``, ``secretName``, ``tokenTTL`` and ``password-reset-service`` do not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

REDACTED = "<redacted>"
REDACTED_KEY = "<redacted private key>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Bumped whenever a rule is added or changed: a bundle's manifest records the version that redacted it.
VERSION = 2


@dataclass(frozen=True)
class KeyRule:
    """A key name that holds a secret. ``strong``: its value is a secret whatever it looks like; otherwise (in
    free text only) the value must look like a credential (``token: expired`` is prose)."""

    words: tuple[str, ...]
    strong: bool
    kind: str = "password"


KEY_RULES: tuple[KeyRule, ...] = (
    KeyRule(("password",), True),
    KeyRule(("passwd",), True),
    KeyRule(("pwd",), True),
    KeyRule(("pass",), True),  # a single-word key ``pass`` in prose is weak: see WEAK_ALONE
    KeyRule(("passphrase",), True),
    KeyRule(("passcode",), True),
    KeyRule(("requirepass",), True),
    KeyRule(("masterauth",), True),  # redis replica password
    KeyRule(("pin",), True),
    KeyRule(("secret",), False),
    KeyRule(("clientsecret",), True),
    KeyRule(("client", "secret"), True),
    KeyRule(("token",), False, "token"),
    KeyRule(("apikey",), True),
    KeyRule(("api", "key"), True),
    KeyRule(("accesskey",), True),
    KeyRule(("access", "key"), True),
    KeyRule(("secretkey",), True),
    KeyRule(("secret", "key"), True),
    KeyRule(("privatekey",), True, "private_key"),
    KeyRule(("private", "key"), True, "private_key"),
    KeyRule(("tls", "key"), True, "private_key"),
    KeyRule(("ssh", "key"), True, "private_key"),
    KeyRule(("client", "key"), True, "private_key"),
    KeyRule(("key", "data"), True, "private_key"),  # kubeconfig client-key-data
    KeyRule(("accountkey",), True, "azure_key"),
    KeyRule(("account", "key"), True, "azure_key"),  # storageAccountKey, AccountKey=
    KeyRule(("master", "key"), True),
    KeyRule(("shared", "key"), True),
    KeyRule(("signing", "key"), True),
    KeyRule(("encryption", "key"), True),
    KeyRule(("sig",), True, "azure_key"),  # SAS signature in a query string
    KeyRule(("credential",), False),
    KeyRule(("credentials",), False),
    KeyRule(("auth",), True),  # docker config ``auth`` (base64 user:password)
    KeyRule(("authorization",), True, "header"),
    KeyRule(("cookie",), True, "header"),
    KeyRule(("session",), False),
)

_BY_WORDS = {r.words: r for r in KEY_RULES}
# single-word keys that, alone and in prose, are weak (``PASS: 3 tests``, ``auth: failed``)
WEAK_ALONE = frozenset({"pass", "auth", "pin"})
# header names whose whole value (to the end of the line) is the secret; an auth scheme word is kept
HEADER_WORDS = frozenset({"authorization", "cookie"})
AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest", "negotiate", "apikey", "aws4-hmac-sha256", "sharedkey"})

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def key_words(key: str) -> tuple[str, ...]:
    """``storageAccountKey`` → (storage, account, key); ``--db-pass`` → (db, pass). Lower case."""
    return tuple(w.lower() for w in _WORD.findall(key[:128]))


# Last words that end with a secret word written together (``PGPASSWORD``, ``authToken`` in lower case).
_SUFFIXES = (
    ("password", _BY_WORDS[("password",)]),
    ("passwd", _BY_WORDS[("passwd",)]),
    ("passphrase", _BY_WORDS[("passphrase",)]),
    ("apikey", _BY_WORDS[("apikey",)]),
    ("secretkey", _BY_WORDS[("secretkey",)]),
    ("accesskey", _BY_WORDS[("accesskey",)]),
    ("privatekey", _BY_WORDS[("privatekey",)]),
    ("clientsecret", _BY_WORDS[("clientsecret",)]),
    ("secret", _BY_WORDS[("secret",)]),
    ("token", _BY_WORDS[("token",)]),
)


@functools.lru_cache(maxsize=4096)
def key_rule(key: str) -> KeyRule | None:
    """The rule a key name falls under, or None."""
    words = key_words(key)
    if not words:
        return None
    if len(words) >= 2 and words[-2:] in _BY_WORDS:
        return _BY_WORDS[words[-2:]]
    rule = _BY_WORDS.get(words[-1:])
    if rule is None:
        last = words[-1]
        rule = next((r for suffix, r in _SUFFIXES if last.endswith(suffix)), None)
    return rule


def is_secret_key(key: str) -> bool:
    return key_rule(key) is not None


# Values that are not credentials even after a secret key (``password: required``, ``token=<redacted>``).
NOT_VALUES = frozenset(
    {
        "",
        "null",
        "none",
        "nil",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "required",
        "***",
        "xxx",
        "empty",
        "redacted",
        "hidden",
        "unset",
        "missing",
        "invalid",
        "expired",
        "failed",
        "|",
        ">",
        "|-",
        ">-",
        "|+",
        ">+",
    }
)
_PLAIN_WORDS = re.compile(r"[A-Za-z]+(?:[-_ .][A-Za-z]+)*")


def is_placeholder(value: str) -> bool:
    """A reference, template or mask rather than a value: ``$VAR``, ``${VAR}``, ``{{ .Values.x }}``, ``<redacted>``."""
    return (
        value.lower() in NOT_VALUES
        or value.startswith(("$", "<", "{{", "%", "*"))
        or set(value) <= {"*", "x", "X", "."}
    )


def looks_like_credential(value: str) -> bool:
    """For weak keys in text: not a plain word or phrase, and long enough to be a credential."""
    return len(value) >= 8 and not _PLAIN_WORDS.fullmatch(value)


# Annotations: a key naming a credential holds one, unless it names a reference to it.
SENSITIVE_ANNOTATION = re.compile(r"(?i)password|passwd|secret|token|credential|api-?key|private-?key|auth-?key")
NAME_ANNOTATION = re.compile(r"(?i)(?:name|names|type|ref|path|uid|id|namespace|count|ttl|expir\w*)$")

# Programs whose short options carry a password: ``mysql -pPASS``, ``redis-cli -a PASS``.
MYSQL_PROGRAMS = ("mysql", "mariadb")
REDIS_PROGRAMS = ("redis-cli", "keydb-cli", "valkey-cli")

# Longest value of one key taken from text, and longest PEM block looked for an end marker in (the largest
# RSA keys, 16384 bits, are about 13 KB of PEM): both bound the work per match, so redaction stays linear.
MAX_VALUE = 4096
MAX_PEM = 64 * 1024
# Base64 blobs longer than this are decoded only up to it: enough to see a PEM header or a JSON document.
MAX_DECODE = 256 * 1024
