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

Where each placeholder sits is read with a real shell parser (:mod:`medic.act.placement`). A value is
substituted only where the quoting is fully understood, as one literal shell word (or a documented part of
one: ``--namespace=<ns>``, ``pvc-<id>``), closing and reopening the quotes open there: ``x; rm -rf /``,
``$(id)`` or a backtick run nothing. A placeholder anywhere else (inside ``$(...)``, an awk program, an
SQL string, ``sh -c '...'``...) makes its command manual: :func:`render_line` says why.

Each parameter has kinds (:mod:`medic.act.kinds`) from its name and from where it sits; every value is
validated before anything runs (:func:`validate_parameter`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from medic.act.kinds import ParamKind, kinds_from_name, normalise_dashes, validate
from medic.act.placement import Placement, Site, place
from medic.errors import InputError
from medic.evidence.redact import is_secret_key

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
    """A parameter whose value is never shown or stored: a name the redaction rules call secret (``db-pass``,
    ``passphrase``, ``pin``...) or one that names a key, password or token in any of our languages."""
    return is_secret_key(name) or bool(_SECRET_NAME.search(name))


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
    # kinds the places it is used in say it is (``-n <x>`` → namespace); its name adds more (:attr:`kinds`)
    context_kinds: set[ParamKind] = field(default_factory=set)
    # a leading '-' is refused unless every command place of it is after '--' or inside a word
    dash_ok: bool = False
    json_bare: bool = False  # used as a bare JSON value (a number, true, false or null)

    @property
    def secret(self) -> bool:
        return is_secret(self.name) or any(is_secret(f) for f in self.forms)

    @property
    def kinds(self) -> set[ParamKind]:
        named = kinds_from_name(self.name, self.secret)
        if self.context_kinds:
            named.discard(ParamKind.TEXT)
        return named | self.context_kinds

    def see(self, site: Site | None, first: bool) -> None:
        """Learn from one place in a command where this parameter is used."""
        if site is None:
            self.dash_ok = False
            return
        self.context_kinds |= site.kinds
        self.dash_ok = (self.dash_ok or first) and site.dash_ok
        self.json_bare = self.json_bare or site.json_bare

    def to_dict(self, reveal: bool = True) -> dict[str, object]:
        value = self.value if (reveal or not self.secret or self.value is None) else "<redacted>"
        return {
            "name": self.name,
            "forms": self.forms,
            "kinds": sorted(str(k) for k in self.kinds),
            "value": value,
            "missing": self.value is None,
        }


_JSON_SCALAR = re.compile(r"^(?:-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)$")


def validate_parameter(param: Parameter, value: str) -> None:
    """Raise :class:`InputError` (one line, the value hidden for a secret) unless ``value`` fits ``param``."""
    if not value.strip():
        raise InputError(f"--set {param.name}: the value is empty")
    validate(param.name, value, param.kinds, dash_ok=param.dash_ok, secret=param.secret)
    if param.json_bare and not _JSON_SCALAR.match(value):
        shown = "<redacted>" if param.secret else repr(value)
        raise InputError(f"--set {param.name}={shown}: it stands for a JSON number, true, false or null")


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
        if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in value):
            raise InputError(f"--set {key.strip()}: the value holds a control character (newline, NUL, escape...)")
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


_SAFE = re.compile(r"^[\w@%+=:,./-]+$", re.ASCII)


def shell_value(value: str, state: str, whole_word: bool = False) -> str:
    """``value`` as one literal word inserted where ``state`` quoting is open (closed, quoted, reopened).

    A plain value (letters, digits, ``@%+=:,./-``) goes in as it is inside quotes or as a whole bare word;
    anything else, or a value joined to other text outside quotes, is single-quoted.
    """
    if _SAFE.match(value) and (state or whole_word):
        return value
    quoted = "'" + value.replace("'", "'\"'\"'") + "'"
    return f"{state}{quoted}{state}" if state else quoted


def placement(text: str) -> tuple[list[Placeholder], Placement]:
    """The placeholders of a command line and where each sits (:func:`medic.act.placement.place`)."""
    found = find_placeholders(text)
    return found, place(text, tuple((p.start, p.end) for p in found))


def sites(text: str) -> list[tuple[str, Site | None]]:
    """(parameter name, site) of every placeholder of a command line; the site is None where it is unsafe."""
    found, placed = placement(text)
    return [(ph.name, placed.sites[i]) for i, ph in enumerate(found)]


@dataclass(frozen=True)
class Line:
    """A command line with its values in: ``manual_reason`` says why it must not be run by Medic."""

    text: str
    missing: list[str]
    manual_reason: str = ""


def _dash(value: str) -> bool:
    return normalise_dashes(unicodedata.normalize("NFKC", value[:1])) == "-"


def render_line(text: str, values: dict[str, str]) -> Line:
    """A command line with each bound placeholder replaced by its value, quoted for where it sits."""
    found, placed = placement(text)
    out: list[str] = []
    missing: list[str] = []
    reason = placed.manual_reason
    pos = 0
    for i, ph in enumerate(found):
        out.append(text[pos : ph.start])
        pos = ph.end
        if ph.name not in values:
            out.append(ph.form)
            if ph.name not in missing:
                missing.append(ph.name)
            continue
        value = values[ph.name]
        site = placed.sites[i]
        if site is None:  # shown to the operator, never run: quoted as well as a line scan can
            out.append(shell_value(value, _quote_state(text, ph.start)))
            continue
        if site.json_string:
            value = json.dumps(value, ensure_ascii=False)[1:-1]
        if not reason and any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value):
            reason = f"the value of {ph.name} holds a control character"
        if not reason and site.word_start and not site.dash_ok and _dash(value):
            reason = f"the value of {ph.name} starts with '-': it would be read as an option"
        out.append(shell_value(value, site.quote, site.whole_word))
    out.append(text[pos:])
    return Line("".join(out), missing, reason)


def render(text: str, values: dict[str, str], for_shell: bool = True) -> tuple[str, list[str]]:
    """Substitute bound placeholders; returns (text, names still missing).

    With ``for_shell`` each value is quoted for the shell context it lands in (:func:`render_line`);
    otherwise (prose shown to the operator) it is inserted as written.
    """
    if for_shell:
        line = render_line(text, values)
        return line.text, line.missing
    out: list[str] = []
    missing: list[str] = []
    pos = 0
    for ph in find_placeholders(text):
        out.append(text[pos : ph.start])
        if ph.name in values:
            out.append(values[ph.name])
        else:
            out.append(ph.form)
            if ph.name not in missing:
                missing.append(ph.name)
        pos = ph.end
    out.append(text[pos:])
    return "".join(out), missing
