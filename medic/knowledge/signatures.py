"""Symptom signatures: normalised templates of the error, log, event and alert lines a runbook shows.

A line such as

    Warning  Unhealthy  8m (x14 over 10m)  kubelet  Readiness probe failed: Get "http://10.1.2.3:3000/
    api/health": dial tcp 10.1.2.3:3000: connect: connection refused     (one line)

becomes the template ``Readiness probe failed: Get "<*>": dial tcp <ip>: connect: connection refused``
and a regular expression that matches the same message with other addresses, names and numbers.
Lines too generic to mean anything (table headers, ``Running``, prompts, stack frames, plain INFO)
are dropped. How much a signature counts (its weight) is decided later, across the whole knowledge
base: a template that many entries share says little.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from medic.model import CodeKind, Entry, Role

# Words that make a line a symptom: errors, failures, alert texts and the states runbooks react to.
SIGNAL = re.compile(
    r"(?i)\b(?:error|errored|errors|fail(?:ed|ure|ing|s)?|fatal|exception|panic|forbidden|denied|refused|"
    r"timed? ?out|timeout|unable|cannot|can't|couldn't|could not|invalid|not found|no such|unknown|exceeded|"
    r"expired|unhealthy|unreachable|unauthorized|back-?off|crashloopbackoff|imagepullbackoff|errimagepull|"
    r"oomkilled|evicted|outdated|inconsistent|standalone|diskless|wfbitmaps|split-brain|rejected|"
    r"notready|not ready|pressure|too many|no space|disk space|is low|usage|problem|deadline|"
    r"released|lost|terminating|pending|unschedulable|insufficient|conflict|missing|corrupt\w*|killed|"
    r"abort(?:ed|ing)?|warning|nospace|alarm|skew|mismatch)\b"
)
# States that are the symptom themselves when they appear in a table row or status line.
STATUS_WORDS = re.compile(
    r"\b(?:CrashLoopBackOff|ImagePullBackOff|ErrImagePull|CreateContainerConfigError|OOMKilled|Evicted|"
    r"Error|Failed|Pending|Released|Lost|Terminating|NotReady|Unknown|Outdated|Inconsistent|StandAlone|"
    r"Diskless|WFBitMapS|Rejected|ContainerCreating|Init:Error|Init:CrashLoopBackOff|\[ERROR\])"
)
_PROMPT = re.compile(r"^\s*(?:[\w.@-]+[:~][^$#>]*)?[$#>]\s+\S|^\s*(?:mysql|influx|postgres)[>=#]")
_STACK = re.compile(r"^\s*(?:at\s+[\w.$/@<>]+\(|\.\.\.\s*\d+\s+more|File \"|\^+$)")
_KEY_COUNT = re.compile(r"\b\w+=\d+\b")  # ansible's "failed=0": a counter, not a failure
_EVENT_ROW = re.compile(r"^\s*(Normal|Warning)\s{1,}(\w+)\s{2,}(\S.*?)\s{2,}(\S.*?)\s{2,}(\S.*)$")
_INLINE_CODE = re.compile(r"`([^`\n]{12,400})`")
_QUOTED = re.compile(r"\"([^\"\n]{15,400})\"|「([^」\n]{8,400})」|“([^”\n]{15,400})”")

# Leading parts of a log line that never identify a problem: timestamps, klog headers, log levels.
_LEADING = [
    re.compile(r"^\s*\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s*"),
    re.compile(r"^\s*[IWEF]\d{4}\s+\d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w./-]+:\d+\]\s*"),
    re.compile(r"^\s*[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+[\w.-]+\s+[\w./-]+(?:\[\d+\])?:\s*"),
    re.compile(r"^\s*\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s*"),
    re.compile(r"^\s*(?:level=)?(?:INFO|WARN(?:ING)?|ERROR|FATAL|DEBUG|TRACE|E!|W!|I!)(?=[\s:]|$):?\s*"),
    # alert prefixes of monitoring systems: "Problem: ...", "Problem name: ...", "Resolved: ...", maybe after
    # the host name column of an event list ("hive2.prod  Problem: ...")
    re.compile(
        r"^\s*(?:[\w.-]+\s+)?(?:Subject:\s*)?(?:Problem(?: name)?|PROBLEM|Resolved|RESOLVED|OK|Trigger|Alert(?:name)?|"
        r"\[FIRING:\d+\])\s*:?\s+(?=\S)"
    ),
    # logger names, thread names and other bracketed prefixes: "[org.jboss.jca...] (Pool -- 65) "
    re.compile(
        r"^\s*(?:\[[^\]]{1,120}\]|\([^)]{1,80}\)|Caused by:|[\w$-]+(?:\.[\w$-]+){2,}:(?=\s)|[\w.-]+\.go:\d+\])\s*"
    ),
]
# a timestamp near the start of a line: what stands before it (pod and container names) is dropped
_TS_NEAR_START = re.compile(
    r"^.{0,100}?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s+"
)
# Variable parts, most specific first. Each becomes a placeholder with its own regex.
_VARIABLES: list[tuple[str, re.Pattern[str], str]] = [
    # placeholders a runbook writer left for the reader: {$PodName}, <namespace>, xxxx, ボリューム名
    (
        "ph",
        re.compile(
            r"\{\$[^}\n]{1,40}\}|<(?!none>)[^<>\n]{1,40}>|\b(?:x{3,}|X{3,})\b|[\u30a0-\u30ff\u4e00-\u9fff]{1,8}名"
        ),
        r"\S+",
    ),
    # a timestamp may hold one space ("2018-01-21 21:52:35.07"): its wildcard allows a time after a space
    (
        "ts",
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
        r"\S+(?: \d\d:\d\d\S*)?",
    ),
    (
        "uuid",
        re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
        r"[0-9a-fA-F-]+",
    ),
    ("ip", re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\w.])|\[[0-9a-fA-F:]+\](?::\d+)?"), r"\S+"),
    ("path", re.compile(r"(?<![\w/.-])(?:/[\w.@+-]+){3,}/?"), r"[^\s:]+"),
    ("podname", re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)*-[a-z0-9]{8,10}-[a-z0-9]{5}\b"), r"\S+"),
    ("hex", re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"), r"[0-9a-fA-F]+"),
    ("id", re.compile(r"\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{12,}\b"), r"\w+"),
    ("size", re.compile(r"\b\d+(?:\.\d+)?(?:[KMGTPE]i?B?|[kmgt]b)\b"), r"[\d.]+\w*"),
    ("dur", re.compile(r"\b\d+(?:\.\d+)?(?:ms|s|m|h|d)(?:\d+(?:ms|s|m|h))*\b"), r"[\d.]+\w*"),
    ("num", re.compile(r"\d+(?:\.\d+)*"), r"\d+(?:\.\d+)*"),
]
_MARK = 0xE000  # private-use characters stand for placeholders while a line is being rewritten
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# where the message proper starts inside a longer line: after the last exception/severity marker
_CORE_START = re.compile(r"(?:\w*Exception|\w*Error|FATAL|ERROR|E!|error|fatal)\s*:\s+(?=\S)")
_SHORT_QUOTED = re.compile(r"\"([^\"\s]{1,80})\"|'([^'\s]{1,80})'")
# a template's placeholders: ``<kind>`` for variable parts, ``<*>`` for a short quoted value (kubectl's literal
# ``<none>`` is text)
_PLACEHOLDER = re.compile(r"<(?!none>)(\w+|\*)>")


FULL, STATUS, FRAGMENT = 0, 1, 2
SYMPTOM_LETTERS = 12  # a line shown as the symptom needs no error word, but this many letters


@dataclass(frozen=True)
class Signature:
    """A symptom template of an entry: ``regex`` matches evidence lines, ``template`` is shown to people."""

    entry_id: str
    template: str
    regex: str
    line: str  # the runbook line it came from
    line_no: int  # where that line is in the runbook
    literal_chars: int  # letters outside placeholders: how specific the template is
    kind: int  # FULL line, STATUS words of a table row, or a FRAGMENT of a line between its variable parts


def _strip_leading(line: str) -> str:
    line = _TS_NEAR_START.sub("", line, count=1)
    prev = None
    while prev != line:
        prev = line
        for rx in _LEADING:
            line = rx.sub("", line, count=1)
    return line.strip()


def template_of(line: str) -> tuple[str, str]:
    """(human template, regex) for a line, variable parts turned into wildcards."""
    # private-use characters stand for placeholders below: any in the line itself become spaces
    text = _PRIVATE_USE.sub(" ", _strip_leading(line))
    placeholders: list[str] = []

    def hold(kind: str, value: str) -> str:
        placeholders.append(kind)
        return chr(_MARK + len(placeholders) - 1)

    def quoted(m: re.Match[str]) -> str:
        mark = '"' if m.group(1) is not None else "'"
        return mark + hold("q", m.group(0)) + mark

    def holder(kind: str) -> Callable[[re.Match[str]], str]:
        return lambda m: hold(kind, m.group(0))

    text = _SHORT_QUOTED.sub(quoted, text)
    for kind, rx, _ in _VARIABLES:
        text = rx.sub(holder(kind), text)
    parts = re.split(f"([{chr(_MARK)}-{chr(_MARK + 4000)}])", text)
    human: list[str] = []
    regex: list[tuple[str, bool]] = []  # (regex, whether it is a literal with words)
    regex_of = {kind: rx for kind, _, rx in _VARIABLES}
    regex_of["q"] = r"""[^"'\s]*"""
    for i, part in enumerate(parts):
        if i % 2:
            kind = placeholders[ord(part) - _MARK]
            human.append("<*>" if kind == "q" else f"<{kind}>")
            regex.append((regex_of[kind], False))
        else:
            human.append(part)
            literal = loose_literal(part, first=i == 0, last=i == len(parts) - 1)
            regex.append((literal, bool(_WORD_RUN.search(part))))
    # matching is unanchored: wildcards before the first word and after the last one only cost time
    while regex and not regex[0][1]:
        regex.pop(0)
    while regex and not regex[-1][1]:
        regex.pop()
    return "".join(human).strip(), "".join(r for r, _ in regex).removeprefix(r"\W*").removeprefix(r"\W+")


_RUNS = re.compile(r"\w+|\W+")
_WORD_RUN = re.compile(r"\w+")


# runbook lines repeat their words and separators: a literal's regex is made once (a few µs each, ~10 a line)
@functools.lru_cache(maxsize=1 << 16)
def loose_literal(text: str, first: bool = True, last: bool = True) -> str:
    """A literal run as a regex that ignores how words are separated: ``Post https://x`` also matches
    ``Post "https://x"``, a newer tool's quoting or a re-wrapped line. Words stay in order and exact."""
    out: list[str] = []
    runs = _RUNS.findall(text)
    for n, run in enumerate(runs):
        if _WORD_RUN.fullmatch(run):
            out.append(re.escape(run))
        elif (n == 0 and first) or (n == len(runs) - 1 and last):
            continue  # punctuation at either end of the whole template
        else:
            out.append(r"\W+" if n not in (0, len(runs) - 1) else r"\W*")
    return "".join(out)


# Words that are values of a column (state, mode, policy), not names: kept in table-row signatures.
ENUM_WORDS = frozenset(
    "RWO RWX ROX RWOP ReadWriteOnce ReadWriteMany ReadOnlyMany Retain Delete Recycle Bound Released Available "
    "Failed Lost Pending Running Succeeded Unknown Terminating Completed Error CrashLoopBackOff ImagePullBackOff "
    "ErrImagePull CreateContainerConfigError OOMKilled Evicted ContainerCreating NotReady Ready SchedulingDisabled "
    "Rejected Shutdown Outdated Inconsistent UpToDate StandAlone Diskless Primary Secondary Init:Error "
    "Init:CrashLoopBackOff [ERROR] [OK] inactive failed activating".split()
)


def status_row_regex(line: str) -> tuple[str, str] | None:
    """A table row's template from its state words alone (``Retain Released``): names vary, states don't."""
    tokens = re.split(r"\s+", line.strip())
    kept = [t for t in tokens if t in ENUM_WORDS]
    if not kept or not STATUS_WORDS.search(" ".join(kept)):
        return None
    template = " … ".join(kept)
    return template, r".*".join(loose_literal(t) for t in kept)


def core_of(line: str) -> str | None:
    """The message after the last exception or severity marker (``...PSQLException: FATAL: <core>``)."""
    text = _strip_leading(line)
    last = None
    for m in _CORE_START.finditer(text):
        last = m
    if last is None or last.end() < 8:
        return None
    core = text[last.end() :]
    return core if sum(ch.isalpha() for ch in core) >= 20 else None


# Messages that come with almost any failure of their kind: seeing one says "something crashed" or
# "something was slow", not which runbook applies. Signatures made only of these count for little.
GENERIC_MESSAGES = (
    "back-off restarting failed container",
    "crashloopbackoff",
    "context deadline exceeded",
    "connection refused",
    "connect: connection refused",
    "i/o timeout",
    "no such host",
    "timed out waiting for the condition",
    "error syncing pod",
    "error from server",
    "internal error occurred",
    "the server is currently unable to handle the request",
    "client rate limiter wait returned an error",
    "dial tcp",
    "eof",
    "readiness probe failed",
    "liveness probe failed",
    "startup probe failed",
    "failed to sync",
    "permission denied",
    "not found",
)
_GENERIC = re.compile("|".join(re.escape(m) for m in sorted(GENERIC_MESSAGES, key=len, reverse=True)), re.I)


def is_generic(template: str) -> bool:
    """True when a template says no more than the generic messages it contains (< 12 other letters)."""
    rest = _GENERIC.sub(" ", _PLACEHOLDER.sub(" ", template))
    rest = re.sub(
        r"\b(?:get|post|put|warning|error|failed|kubelet|tcp|https?|unhealthy|backoff)\b", " ", rest, flags=re.I
    )
    return sum(ch.isalpha() for ch in rest) < 12


def fragments(template: str) -> list[str]:
    """Literal runs of a template between its variable parts that still say something on their own
    (three words or more, a signal word among them): they match a message a newer version words a little
    differently, or one pasted without its prefix."""
    out = []
    for seg in _PLACEHOLDER.split(template)[::2]:
        seg = seg.strip(" \"'.,;:()[]{}=-").strip()
        words = re.findall(r"[A-Za-z][A-Za-z'-]+", seg)
        if len(words) >= 3 and sum(c.isalpha() for c in seg) >= 16 and SIGNAL.search(seg) and seg != template:
            out.append(seg)
    return out


def fragment_regex(fragment: str) -> str:
    return loose_literal(fragment)


def literal_letters(template: str) -> int:
    return sum(1 for ch in _PLACEHOLDER.sub("", template) if ch.isalpha())


def is_header(line: str) -> bool:
    """A table header: three or more words, all upper case (NAME  READY  STATUS, ID  NAME  DESIRED STATE)."""
    words = [w for w in re.split(r"\s+", line.strip()) if w]
    alpha = [w for w in words if re.fullmatch(r"[A-Za-z()%-]+", w)]
    return len(words) >= 3 and len(alpha) == len(words) and all(w.isupper() for w in alpha)


def _candidate_lines(entry: Entry) -> Iterator[tuple[str, int, bool]]:
    """(text, runbook line number, from prose) of lines that may be symptoms."""
    for line, line_no, prose, _ in _candidates(entry):
        yield line, line_no, prose


# escaped line breaks inside one printed line (a JSON or Python string: Ansible's ``"msg": "...\\r\\nDisconnected"``)
_ESCAPED_BREAK = re.compile(r"(?:\\r)?\\n|\\r")


def _split_escaped(line: str) -> list[str]:
    """A line that prints several lines through escape sequences, as those lines (each may be a symptom)."""
    return [part for part in _ESCAPED_BREAK.split(line) if part.strip()]


def _candidates(entry: Entry) -> Iterator[tuple[str, int, bool, bool]]:
    """(text, runbook line number, from prose, shown under a symptom heading) of lines that may be symptoms."""
    for text, line_no, prose, symptom in _raw_candidates(entry):
        for part in _split_escaped(text):
            yield part, line_no, prose, symptom


def _raw_candidates(entry: Entry) -> Iterator[tuple[str, int, bool, bool]]:
    symptom = entry.role is Role.SYMPTOM
    # a heading that quotes a message (an FAQ's 'What does "mvcc: database space exceeded" mean?') shows it
    # as plainly as a log block would
    quoted = [*_INLINE_CODE.finditer(entry.title), *_QUOTED.finditer(entry.title)]
    for m in quoted:
        yield next(g for g in m.groups() if g), entry.line_start, True, False
    # a heading that is the message itself ("Too many authentication failures")
    if not quoted and SIGNAL.search(entry.title):
        yield entry.title, entry.line_start, True, False
    for block in entry.code_blocks:
        if block.kind is not CodeKind.OUTPUT and not (block.kind is CodeKind.OTHER and block.lang in ("text", "log")):
            continue
        for offset, raw in enumerate(block.text.split("\n"), start=1):
            line = raw.rstrip()
            if not line.strip() or _PROMPT.match(line) or _STACK.match(line) or is_header(line):
                continue
            event = _EVENT_ROW.match(line)
            if event:
                if event.group(1) == "Normal":
                    continue
                line = event.group(5)
            yield line, block.line + offset, False, symptom
    for m in [*_INLINE_CODE.finditer(entry.body), *_QUOTED.finditer(entry.body)]:
        text = next(g for g in m.groups() if g)
        yield text, entry.line_start, True, False


def is_plain_symptom(line: str) -> bool:
    """A line without error words that can still be a symptom when a runbook shows it as one: not a table
    row (a row's meaning is its state column, names vary) and not a summary of counters (``unreachable=0``)."""
    if len(re.split(r"\s{2,}|\t", line.strip())) >= 3:
        return False
    return not SIGNAL.search(line)


def mine(entry: Entry, owner_id: str | None = None) -> list[Signature]:
    """Signatures of one entry's text (attributed to ``owner_id``, the entry triage returns)."""
    out: dict[str, Signature] = {}
    for line, line_no, prose, symptom in _candidates(entry):
        if len(line) > 600:
            line = line[:600]
        quoted = [
            m.group(1)
            for m in re.finditer(r'"([^"]{15,400})"', line)
            if SIGNAL.search(m.group(1)) and len(m.group(1).split()) >= 3
        ]
        if quoted and len(re.split(r"\s{2,}|\t", line.strip())) >= 3:
            line = quoted[0]  # a table row whose ERROR column holds the message: the message is the symptom
        status = bool(STATUS_WORDS.search(line)) and len(re.split(r"\s{2,}|\t", line.strip())) >= 3
        # under a symptom heading the runbook says the line is the symptom, error words or not
        # ("dbtype=sqlite3" in a log, "Endpoints: <none>" in a describe)
        signal = bool(SIGNAL.search(_KEY_COUNT.sub(" ", line)))
        if not signal and not status and not (symptom and is_plain_symptom(line)):
            continue
        row = status_row_regex(line) if status else None
        variants: list[tuple[str, str, int]] = []
        if row is not None:
            variants.append((row[0], row[1], STATUS))
        else:
            full = template_of(line)
            variants.append((*full, FULL))
            core = core_of(line)
            if core is not None:
                variants.append((*template_of(core), FULL))
            variants.extend((frag, fragment_regex(frag), FRAGMENT) for frag in fragments(full[0]))
        for template, regex, kind in variants:
            letters = literal_letters(template)
            words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", _PLACEHOLDER.sub(" ", template))
            cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", template))
            least = 14 if signal else SYMPTOM_LETTERS
            if kind != STATUS and (letters < least or len(words) < (3 if prose else 2)) and cjk < 6:
                continue
            if kind == STATUS and letters < 6:
                continue
            # one signature per pattern: a message quoted in the heading and shown in a log block is one symptom
            if regex not in out:
                out[regex] = Signature(
                    entry_id=owner_id or entry.id,
                    template=template,
                    regex=regex,
                    line=line.strip(),
                    line_no=line_no,
                    literal_chars=letters,
                    kind=kind,
                )
    return list(out.values())
