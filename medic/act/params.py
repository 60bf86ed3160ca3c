"""Placeholders in runbook commands → named parameters, and their safe substitution.

A runbook writes the parts an operator must fill in as placeholders. Four forms are recognised:

- ``<...>``: ``<namespace name>``, ``<クラスタ名>``, ``<bucket名>``, ``<worker-node-id>``;
- ``{$...}``: ``{$PodName}``, ``{$Namespace 이름}`` (seed 003 style);
- stand-ins: ``xxx``/``xxxx`` as a word (after ``-n`` it is the namespace), and example names whose
  variable part is masked with one repeated letter (``grafana-yyyyyyyyy-bbbbbb``,
  ``pvc-ec37c469-...-aaaaaaaaaaaa``);
- CJK placeholder words: ``ボリューム名``, ``サービス名``, ``ホスト名``, ``クラスタ名``, ``１号機``...

Every placeholder gets a canonical name (``namespace``, ``cluster``, ``volume``...): the same placeholder
in several steps, or two spellings of one thing (``xxx`` after ``-n`` and ``<namespace name>``), is one
parameter, bound once with ``--set namespace=shop``.

Values are substituted with :func:`shlex.quote`, closing and reopening the quotes the template has open
at that point, so a value is always one literal shell word: ``x; rm -rf /``, ``$(id)`` or a backtick run
nothing.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass, field

from medic.errors import InputError

_ANGLE = re.compile(r"<([^\s<>=&|;'\"`$()][^<>\n]{0,60}?)>")
_BRACE = re.compile(r"\{\$([^{}\n]{1,60})\}")
_XWORD = re.compile(r"(?<![\w.-])(x{3,}|X{3,})(?![\w.-])")
_MASKED = re.compile(
    r"(?<![\w.-])([a-z][a-z0-9]*(?:-[a-z0-9]+)*?)-((?:[0-9a-f]+-)*?)([a-z])\3{5,}(?:-([a-z])\4{3,})?(?![\w.-])"
)
_CJK = "\u3040-\u30ff\u4e00-\u9fff\uff10-\uff19\u30fc"
_CJK_WORD = re.compile(rf"(?<![{_CJK}\w])([{_CJK}]+?(?:名|号機|キー)|[0-9０-９]+号機)(?![{_CJK}\w])")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# spellings of one thing → one name
ALIASES = {
    "namespace-name": "namespace",
    "ns": "namespace",
    "pod-namespace": "namespace",
    "namespace-이름": "namespace",
    "네임스페이스": "namespace",
    "クラスタ名": "cluster",
    "cluster-name": "cluster",
    "ボリューム名": "volume",
    "volume-name": "volume",
    "サービス名": "service",
    "service-name": "service",
    "ホスト名": "host",
    "host-name": "host",
    "hostname": "host",
    "ノード名": "node",
    "vantiqのnamespace": "vantiq-namespace",
    "name-of-etcd-member-from-previous-step": "etcd-member",
    "name-of-etcd-member-from-previous-steps": "etcd-member",
    "etcd-member-id-from-previous-step": "etcd-member-id",
    "node名": "node",
    "node-name": "node",
    "ドメイン名": "domain",
    "domain-name": "domain",
    "pod-name": "pod",
    "podname": "pod",
    "1号機": "first-host",
    "ストレージアカウント名": "storage-account",
    "ストレージキー": "storage-key",
    "bucket名": "bucket",
    "bucket-name": "bucket",
    "storage-class-name": "storageclass",
    "storageclassname": "storageclass",
}

_SECRET_NAME = re.compile(r"key|password|passwd|token|secret|credential|キー|パスワード|비밀번호", re.I)
_NAMESPACE_FLAGS = ("-n", "--namespace")
# resource words that name what a masked example value is (kubectl get pv <name>)
_RESOURCE_WORDS = {
    "pv": "pv",
    "persistentvolume": "pv",
    "pvc": "pvc",
    "persistentvolumeclaim": "pvc",
    "pod": "pod",
    "po": "pod",
    "node": "node",
    "nodes": "node",
    "deploy": "deployment",
    "deployment": "deployment",
    "sts": "statefulset",
    "statefulset": "statefulset",
}


def canonical(raw: str) -> str:
    """``<Namespace Name>`` → ``namespace``; ``{$PodName}`` → ``pod``; ``クラスタ名`` → ``cluster``."""
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _CAMEL.sub(" ", text)
    key = re.sub(r"[\s_\-]+", "-", text.lower()).strip("-")
    return ALIASES.get(key, key)


def is_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


@dataclass(frozen=True)
class Placeholder:
    """One placeholder occurrence in a text: where it is, how it is written and its parameter name."""

    start: int
    end: int
    form: str
    name: str


@dataclass
class Parameter:
    """A named value the operator supplies; ``forms`` are the spellings the runbook used."""

    name: str
    forms: list[str] = field(default_factory=list)
    value: str | None = None

    @property
    def secret(self) -> bool:
        return is_secret(self.name) or any(is_secret(f) for f in self.forms)

    def to_dict(self, reveal: bool = True) -> dict[str, object]:
        value = self.value if (reveal or not self.secret or self.value is None) else "<redacted>"
        return {"name": self.name, "forms": self.forms, "value": value, "missing": self.value is None}


def _previous_word(text: str, start: int) -> str:
    before = text[:start].rstrip()
    m = re.search(r"(\S+)$", before)
    return m.group(1) if m else ""


def find_placeholders(text: str) -> list[Placeholder]:
    """Every placeholder in ``text``, in order, without overlaps."""
    found: list[Placeholder] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, form: str, name: str) -> None:
        if any(s < end and start < e for s, e in taken) or not name:
            return
        taken.append((start, end))
        found.append(Placeholder(start, end, form, name))

    for m in _BRACE.finditer(text):
        add(m.start(), m.end(), m.group(0), canonical(m.group(1)))
    for m in _ANGLE.finditer(text):
        inner = m.group(1).strip()
        if inner.startswith("/") or inner.lower() in ("br", "p", "b", "i", "a", "tag"):
            continue
        add(m.start(), m.end(), m.group(0), canonical(inner))
    for m in _XWORD.finditer(text):
        prev = _previous_word(text, m.start())
        name = "namespace" if prev in _NAMESPACE_FLAGS or prev.endswith("namespace=") else "name"
        add(m.start(), m.end(), m.group(0), name)
    for m in _MASKED.finditer(text):
        prev = _previous_word(text, m.start()).lower()
        prefix = m.group(1)
        if prev in _RESOURCE_WORDS:
            name = _RESOURCE_WORDS[prev]
        elif prefix in ("pvc", "pv"):
            name = "pv"
        else:
            name = f"{prefix}-pod" if m.group(4) else prefix
        add(m.start(), m.end(), m.group(0), name)
    for m in _CJK_WORD.finditer(text):
        add(m.start(), m.end(), m.group(0), canonical(m.group(1)))
    found.sort(key=lambda p: p.start)
    return found


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``--set k=v`` values → {name: value}; a name may be a runbook spelling (``--set 'クラスタ名=prod'``)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set {pair!r}: write NAME=VALUE")
        if any(ord(c) < 32 for c in value):
            raise InputError(f"--set {key}: the value holds a control character")
        out[canonical(key.strip().strip("<>{}$"))] = value
    return out


def _quote_state(text: str, upto: int) -> str:
    """The shell quoting open at ``upto``: '' (none), "'" or '"'. Backslash escapes are honoured."""
    state = ""
    i = 0
    while i < upto:
        c = text[i]
        if state == "'":
            if c == "'":
                state = ""
        elif state == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                state = ""
        else:
            if c == "\\":
                i += 1
            elif c in "'\"":
                state = c
        i += 1
    return state


def shell_value(value: str, state: str) -> str:
    """``value`` as one literal word inserted where ``state`` quoting is open (closed, quoted, reopened)."""
    quoted = shlex.quote(value)
    return f"{state}{quoted}{state}" if state else quoted


def render(text: str, values: dict[str, str], for_shell: bool = True) -> tuple[str, list[str]]:
    """Substitute bound placeholders; returns (text, names still missing).

    With ``for_shell`` each value is quoted for the shell context it lands in; otherwise (prose shown
    to the operator) it is inserted as written.
    """
    out: list[str] = []
    missing: list[str] = []
    pos = 0
    for ph in find_placeholders(text):
        out.append(text[pos : ph.start])
        if ph.name in values:
            value = values[ph.name]
            out.append(shell_value(value, _quote_state(text, ph.start)) if for_shell else value)
        else:
            out.append(ph.form)
            if ph.name not in missing:
                missing.append(ph.name)
        pos = ph.end
    out.append(text[pos:])
    return "".join(out), missing
