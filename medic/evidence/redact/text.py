"""Redaction of text: every rule finds spans, the spans are merged, and each becomes ``<redacted>``.

Linear time on any input: each rule is either a fixed-string search or a regular expression that starts only
at a token boundary and whose repeats are possessive or bounded, so no start position is re-read more than a
bounded number of times; scanning always resumes after the last span.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterator

import re2

from medic.evidence.redact.rules import (
    AUTH_SCHEMES,
    HEADER_WORDS,
    MAX_DECODE,
    MAX_PEM,
    MAX_VALUE,
    MYSQL_PROGRAMS,
    REDACTED,
    REDACTED_KEY,
    REDIS_PROGRAMS,
    WEAK_ALONE,
    is_placeholder,
    key_rule,
    key_words,
    looks_like_credential,
)

Span = tuple[int, int, str, str]  # start, end, kind, replacement
Finder = Callable[[str], Iterator[Span]]

# -- the prefilter: a fast first look (RE2, linear) that every rule below needs to pass -----------------------
_WORDS_RE = (
    r"(?:pass(?:w(?:or)?d|phrase|code)?|pwd|secret|token|auth(?:orization)?|cookie|session|credentials?|pin|sig"
    r"|(?:tls|ssh|api|access|secret|private|account|client|master|shared|signing|encryption)[._-]?key"
    r"|key[._-]?data|masterauth)"
)
_SPACE = r"(?:\s|\\[nrt])"
_PREFILTER = re2.compile(
    r"(?i)private key|ls0tls1crudjti|0tls0tqkvhsu4|tls0tlujfr0lo|eyj[a-z0-9_-]{8,}"
    r"|bearer" + _SPACE + r"+[a-z0-9._~+/-]{8}|basic" + _SPACE + r"+[a-z0-9+/]{6}"
    r"|://[^\s/?#\"'<>]*@|(?:akia|asia|agpa|aida|aroa|anpa)[a-z0-9]{16}"
    r"|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|aiza|sk_live_|sk-[a-z0-9_-]{32}|npm_[a-z0-9]{36}"
    r"|mysql|mariadb|redis-cli|keydb-cli|valkey-cli|(?:^|[^a-z0-9_-])auth[ \t]+[^\s]"
    r"|(?:^|[\s\"'])(?:-u|--user|--proxy-user)(?:[ \t]+|=)?[\"']?[^\s:\"']*:"
    r"|\"(?:-u|-U|--user|--proxy-user)\"\s*,\s*\"[^\"]*:"
    r"|" + _WORDS_RE + r"(?:\\?[\"']?\s*[:=]\s*(?:\\?[\"'])?[^\s{\[]|\\?[\"']?\s*,|" + _SPACE + r")"
    r"|\"name\"\s*:\s*\"[^\"]{0,80}(?:pass|pwd|secret|token|key|auth|cookie|session|credential|pin)"
)


def may_hold_secrets(text: str | bytes) -> bool:
    """False when ``text`` (plain or a serialized object) certainly holds nothing the text rules redact."""
    return _PREFILTER.search(text) is not None


# -- value scanning ------------------------------------------------------------------------------------------
_UNQUOTED = re.compile(r"[^\s\"',;&<>\\{}\[\]`]{1,%d}+".replace("%d", str(MAX_VALUE)))
_TOKEN = re.compile(r"[^\s\"'`]{1,%d}+".replace("%d", str(MAX_VALUE)))
_TO_EOL = re.compile(r"[^\r\n]{1,%d}+".replace("%d", str(MAX_VALUE)))


def _quoted(text: str, i: int) -> tuple[int, int] | None:
    """(start, end) of the inside of a quoted value at ``i`` (``"x"``, ``'x'``, JSON-escaped ``\\"x\\"``)."""
    if text.startswith('\\"', i):
        end = text.find('\\"', i + 2, i + 2 + MAX_VALUE)
        return (i + 2, end) if end > 0 and "\n" not in text[i + 2 : end] else None
    if i < len(text) and text[i] in "\"'":
        end = text.find(text[i], i + 1, i + 1 + MAX_VALUE)
        return (i + 1, end) if end > 0 and "\n" not in text[i + 1 : end] else None
    return None


def _value(text: str, i: int, pattern: re.Pattern[str] = _UNQUOTED) -> tuple[int, int] | None:
    """(start, end) of the value at ``i``: quoted (spaces and ``@`` allowed inside) or one unquoted token."""
    q = _quoted(text, i)
    if q is not None:
        return q if q[1] > q[0] else None
    m = pattern.match(text, i)
    return (m.start(), m.end()) if m else None


# -- PEM private keys ----------------------------------------------------------------------------------------
_KEY_REST = re.compile(r"[A-Za-z0-9+/=\\]*+")  # the rest of the header's line (JSON-escaped line breaks too)
_KEY_LINE = re.compile(r"(?:[A-Za-z0-9+/=]++|(?:Proc-Type|DEK-Info): [A-Za-z0-9,-]{1,100}+|)\r?(?=\n|\Z)")


def _cut_key_end(text: str, start: int) -> int:
    """Where a PEM key whose END marker is missing ends: after its last line of key characters."""
    m = _KEY_REST.match(text, start)
    end = m.end() if m else start
    blank = 0
    pos = end
    while pos < len(text) and text[pos] == "\n":
        line = _KEY_LINE.match(text, pos + 1)
        if line is None:
            break
        if line.end() == pos + 1 or text[pos + 1 : line.end()].strip() == "":
            blank += 1
            if blank > 1:
                break
        else:
            blank = 0
            end = line.end()
        pos = line.end()
    return end


_KEY_CHAR_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\\\r\n")
_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")


def _private_keys(text: str) -> Iterator[Span]:
    """Whole PEM private keys, a key whose end is cut off (to the end of its key characters), and the tail of a
    key whose beginning is cut off (from the start of the line where its key characters begin)."""
    spans: list[Span] = []
    pos = 0
    next_end = _END.search(text)
    while True:
        i = text.find("PRIVATE KEY", pos)
        if i < 0:
            break
        header_end = i + 11 + (6 if text.startswith(" BLOCK", i + 11) else 0)
        begin = text.rfind("-----BEGIN ", max(0, i - 48), i)
        if begin < 0 or not text.startswith("-----", header_end):
            pos = i + 11
            continue
        if next_end is not None and next_end.start() < header_end:
            next_end = _END.search(text, header_end)  # the next END marker, looked for once per marker
        m = next_end if next_end is not None and next_end.start() < header_end + MAX_PEM else None
        # cut off (no END): the key lines that follow go, up to the first line that is not one
        end = m.end() if m else _cut_key_end(text, header_end + 5)
        spans.append((begin, end, "private_key", REDACTED_KEY))
        pos = end
    yield from spans
    # tails: an END marker outside every block found above
    covered = iter(spans)
    block = next(covered, None)
    pos = 0
    for m in _END.finditer(text):
        while block is not None and block[1] <= m.start():
            pos = max(pos, block[1])
            block = next(covered, None)
        if block is not None and block[0] <= m.start():
            continue
        start = m.start()
        floor = max(pos, start - MAX_PEM)
        while start > floor and text[start - 1] in _KEY_CHAR_SET:
            start -= 1
        if start > 0:  # stopped on other text: the key starts after the next line break
            breaks = [j + 1 for j in (text.find("\n", start, m.start()),) if j >= 0]
            breaks += [j + 2 for j in (text.find("\\n", start, m.start()),) if j >= 0]
            start = min(breaks) if breaks else m.start()
        yield start, m.end(), "private_key", REDACTED_KEY
        pos = m.end()


# -- base64 that holds a key or credentials ------------------------------------------------------------------
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}+={0,2}")
_B64_MARKS = ("LS0tLS1CRUdJTi", "0tLS0tQkVHSU4", "tLS0tLUJFR0lO", "eyJ")
_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")


def decode_b64(blob: str) -> bytes | None:
    """The bytes of a base64 (or base64url) blob, at most ``MAX_DECODE`` characters of it, or None."""
    blob = blob[:MAX_DECODE].rstrip("=")
    blob = blob[: len(blob) - len(blob) % 4] if len(blob) % 4 == 1 else blob
    try:
        return base64.b64decode(blob.replace("-", "+").replace("_", "/") + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def decoded_holds_secret(raw: bytes, depth: int = 1) -> bool:
    """Whether decoded bytes are a private key, or text the text rules would redact something in."""
    if b"PRIVATE KEY" in raw:
        return True
    if depth <= 0:
        return False
    text = raw.decode("utf-8", "replace")
    return bool(_find(text, depth - 1))


def _base64(text: str, depth: int) -> Iterator[Span]:
    """Base64 blobs that decode to a PEM private key or to text holding credentials (a docker config, a
    kubeconfig, an env file): the whole blob goes."""
    if depth < 0:
        return
    pos = 0
    n = len(text)
    nxt = {mark: text.find(mark) for mark in _B64_MARKS}  # next hit of each mark (each found once per hit)
    while pos < n:
        for mark, at in nxt.items():
            if 0 <= at < pos:
                nxt[mark] = text.find(mark, pos)
        hits = [at for at in nxt.values() if at >= 0]
        if not hits:
            return
        j = min(hits)
        start = j
        while start > pos and text[start - 1] in _B64_CHARS:
            start -= 1
        m = _B64_RUN.match(text, start)
        end = m.end() if m else j + 3
        if m and m.end() > j:
            raw = decode_b64(m.group(0))
            if raw is not None and decoded_holds_secret(raw, depth):
                yield start, end, "base64", REDACTED
        pos = max(end, j + 1)


# -- key = value, --flag value, headers ----------------------------------------------------------------------
_KV = re.compile(
    r"(?i)(?<![a-z0-9_.-])([a-z0-9_.-]{0,60}" + _WORDS_RE + r")"
    r"(\\?[\"']?[ \t]{0,8}(?:=|:(?!//))[ \t]{0,8})"
)
_FLAG = re.compile(r"(?i)(?<![a-z0-9_.-])(--?[a-z][a-z0-9_.-]{0,60}+)([ \t]{1,8})(?=[^\s-])")


def _kv_value(text: str, key: str, sep: str, i: int) -> tuple[int, int, str] | None:
    """The value span after a secret key and its separator at ``i``, or None when it is not a credential."""
    rule = key_rule(key)
    if rule is None:
        return None
    words = key_words(key)
    if words[-1] in HEADER_WORDS:
        q = _quoted(text, i)
        start, end = q if q is not None else ((m.start(), m.end()) if (m := _TO_EOL.match(text, i)) else (i, i))
        value = text[start:end]
        if end <= start:
            return None
        scheme, _, rest = value.partition(" ")
        if words[-1] == "authorization" and scheme.lower() in AUTH_SCHEMES and rest.strip():
            start += len(scheme) + 1 + (len(rest) - len(rest.lstrip()))
            value = text[start:end]
        value = value.rstrip()
        end = start + len(value)
        return (start, end, "header") if value and not is_placeholder(value) else None
    span = _value(text, i)
    if span is None:
        return None
    value = text[span[0] : span[1]]
    if is_placeholder(value):
        return None
    alone = len(words) == 1 and words[0] in WEAK_ALONE and not key.startswith("-") and ":" in sep
    weak = not rule.strong or alone
    if weak and not looks_like_credential(value):
        return None
    return span[0], span[1], rule.kind


def _block_scalar(text: str, line_start: int, after: int) -> tuple[int, int] | None:
    """The lines of a YAML block scalar (``password: |``) that follow the key's line, more indented than it."""
    indent = len(text[line_start:after]) - len(text[line_start:after].lstrip(" "))
    eol = text.find("\n", after)
    if eol < 0:
        return None
    pos = eol + 1
    end = pos
    while pos < len(text):
        nxt = text.find("\n", pos)
        line = text[pos : nxt if nxt >= 0 else len(text)]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            break
        end = nxt if nxt >= 0 else len(text)
        if nxt < 0:
            break
        pos = nxt + 1
    return (eol + 1, end) if end > eol + 1 else None


def _key_values(text: str) -> Iterator[Span]:
    pos = 0
    while True:
        m = _KV.search(text, pos)
        if not m:
            return
        key, sep_end = m.group(1), m.end()
        found = _kv_value(text, key, m.group(2), sep_end)
        if found:
            yield found[0], found[1], found[2], REDACTED
            pos = max(found[1], sep_end)
            continue
        rest = text[sep_end : sep_end + 3].rstrip()
        if rest in ("|", ">", "|-", ">-", "|+", ">+") and key_rule(key):
            line_start = text.rfind("\n", 0, m.start()) + 1
            block = _block_scalar(text, line_start, m.start())
            if block:
                yield block[0], block[1], "password", REDACTED
                pos = block[1]
                continue
        pos = sep_end


def _flags(text: str) -> Iterator[Span]:
    pos = 0
    while True:
        m = _FLAG.search(text, pos)
        if not m:
            return
        flag = m.group(1)
        pos = m.end()
        rule = key_rule(flag)
        if rule is None or "=" in flag:
            continue
        span = _value(text, m.end(), _TOKEN)
        if span is None:
            continue
        value = text[span[0] : span[1]]
        if is_placeholder(value) or (not rule.strong and not looks_like_credential(value)):
            continue
        yield span[0], span[1], rule.kind, REDACTED
        pos = span[1]


class _Programs:
    """Where the programs of a rule are named in a text, to ask whether a match's line names one before it."""

    def __init__(self, text: str, programs: tuple[str, ...]) -> None:
        self.text = text
        pattern = re.compile("|".join(re.escape(p) for p in programs), re.IGNORECASE)
        self.at = [m.start() for m in pattern.finditer(text)] if any(p in text.lower() for p in programs) else []

    def before(self, at: int) -> bool:
        i = bisect.bisect_left(self.at, at) - 1
        return i >= 0 and at - self.at[i] <= 2048 and self.text.find("\n", self.at[i], at) < 0


_MYSQL_P = re.compile(r"(?<![A-Za-z0-9_-])-p(?=[^\s-])")
_REDIS_A = re.compile(r"(?<![A-Za-z0-9_-])(?:-a|--pass)[ \t]{1,8}(?=[^\s-])")
_REDIS_AUTH = re.compile(r"(?<![A-Za-z0-9_-])(?:AUTH|auth)[ \t]{1,8}(?=[^\s])")
_USER_PASS = re.compile(r"(?<![A-Za-z0-9_-])(?:-u|--user|--proxy-user|-U)(?:[ \t]{1,8}|=)?(?=[^\s-])")


def _after(pattern: re.Pattern[str], text: str, value: re.Pattern[str]) -> Iterator[tuple[re.Match[str], int, int]]:
    """(match, value start, value end) of each match of ``pattern`` and the value after it; the search resumes
    after the value, so no text is read twice."""
    pos = 0
    while m := pattern.search(text, pos):
        span = _value(text, m.end(), value)
        if span is None:
            pos = m.end()
            continue
        yield m, span[0], span[1]
        pos = max(span[1], m.end())


def _programs(text: str) -> Iterator[Span]:
    """Passwords given to programs as short options: ``mysql -pX``, ``redis-cli -a X``/``AUTH X``, ``curl -u u:p``."""
    mysql = _Programs(text, MYSQL_PROGRAMS)
    redis = _Programs(text, REDIS_PROGRAMS)
    if mysql.at:
        for m, start, end in _after(_MYSQL_P, text, _TOKEN):
            if mysql.before(m.start()) and not is_placeholder(text[start:end]):
                yield start, end, "password", REDACTED
    if redis.at:
        for m, start, end in _after(_REDIS_A, text, _TOKEN):
            if redis.before(m.start()) and not is_placeholder(text[start:end]):
                yield start, end, "password", REDACTED
    for m, start, end in _after(_REDIS_AUTH, text, _TO_EOL):
        if m.group(0).strip() == "auth" and not redis.before(m.start()):
            continue
        if not is_placeholder(text[start:end].strip()):
            yield start, end, "password", REDACTED
    for _m, start, end in _after(_USER_PASS, text, _TOKEN):
        colon = text.find(":", start, end)
        if colon > 0 and colon + 1 < end and not is_placeholder(text[colon + 1 : end]):
            yield colon + 1, end, "password", REDACTED


# -- value shapes found anywhere -----------------------------------------------------------------------------
def _basic_is_credential(m: re.Match[str]) -> bool:
    raw = decode_b64(m.group(2))
    return raw is not None and b":" in raw and all(32 <= b < 127 or b >= 128 for b in raw)


def _userinfo_ok(m: re.Match[str]) -> bool:
    return not is_placeholder(m.group(3))


# (name, pattern, group to redact, check of the match or None): the value shapes that are secrets anywhere
SHAPES: tuple[tuple[str, re.Pattern[str], int, Callable[[re.Match[str]], bool] | None], ...] = (
    ("jwt", re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}+\.[A-Za-z0-9_-]{8,}+\.[A-Za-z0-9_-]*+"), 0, None),
    ("bearer", re.compile(r"(?i)(?<![a-z0-9_-])(bearer[ \t]{1,8})([A-Za-z0-9._~+/-]{8,}+=*+)"), 2, None),
    (
        "basic",
        re.compile(r"(?i)(?<![a-z0-9_-])(basic[ \t]{1,8})([A-Za-z0-9+/]{6,}+={0,2}+)(?![A-Za-z0-9+/=])"),
        2,
        _basic_is_credential,
    ),
    (
        "connection_string",
        re.compile(
            r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,30}+://)([^\s:/?#@\"'<>]{0,256}+):"
            r"([^\s/?#\"'<>]{1,1024})@"
        ),
        3,
        _userinfo_ok,
    ),
    ("aws_key", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?![A-Z0-9])"), 0, None),
    (
        "token",
        re.compile(
            r"(?<![A-Za-z0-9_-])(?:gh[pousr]_[A-Za-z0-9]{30,}+|github_pat_[A-Za-z0-9_]{30,}+|glpat-[A-Za-z0-9_-]{20,}+"
            r"|xox[abposr]-[A-Za-z0-9-]{10,}+|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{20,}+|sk-[A-Za-z0-9_-]{32,}+"
            r"|npm_[A-Za-z0-9]{36})"
        ),
        0,
        None,
    ),
)


def _shapes(text: str) -> Iterator[Span]:
    for kind, pattern, group, check in SHAPES:
        for m in pattern.finditer(text):
            if check is None or check(m):
                yield m.start(group), m.end(group), kind, REDACTED


def _find(text: str, depth: int = 1) -> list[Span]:
    """Every span to redact in ``text`` (unmerged)."""
    if not text or not may_hold_secrets(text):
        return []
    spans: list[Span] = []
    if "PRIVATE KEY" in text:
        spans.extend(_private_keys(text))
    spans.extend(_base64(text, depth))
    spans.extend(_shapes(text))
    spans.extend(_key_values(text))
    spans.extend(_flags(text))
    spans.extend(_programs(text))
    return spans


def _merge(text: str, spans: list[Span], counts: Counter[str]) -> str:
    """``text`` with the spans replaced; overlapping spans become one (a private key's marker wins)."""
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[Span] = []
    for span in spans:
        if span[1] <= span[0]:
            continue
        if merged and span[0] < merged[-1][1]:
            start, end, kind, repl = merged[-1]
            if span[3] == REDACTED_KEY:
                kind, repl = span[2], span[3]
            merged[-1] = (start, max(end, span[1]), kind, repl)
        else:
            merged.append(span)
    out: list[str] = []
    pos = 0
    for start, end, kind, repl in merged:
        out.append(text[pos:start])
        out.append(repl)
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_text_counts(text: str) -> tuple[str, Counter[str]]:
    """``text`` with every credential replaced by ``<redacted>``, and how many of each kind were replaced."""
    counts: Counter[str] = Counter()
    spans = _find(text)
    if not spans:
        return text, counts
    return _merge(text, spans, counts), counts


def redact_text(text: str) -> tuple[str, int]:
    """``text`` with credentials replaced by ``<redacted>``, and the number replaced."""
    out, counts = redact_text_counts(text)
    return out, sum(counts.values())
