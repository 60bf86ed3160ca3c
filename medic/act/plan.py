"""Entry → Plan: ordered steps (commands, kind, parameters, expected result), manual steps and rollback.

Where the steps come from:

- the entry's own section, its numbered child sections (``1. バックアップ採取`` in seed 004) and its
  first fix part (``リカバリー手順``, ``## Fix``); other fix parts are alternatives, named in the notes;
- the entry's rollback parts (``Minor Version Upgrade - Rollback``, ``## Rollback``) become the rollback.

The section is read again from its source (the built-in catalog or the indexed file, when unchanged), so
prose and code blocks keep their order. A numbered list item starts a step and owns the code blocks under
it; without a numbered list each command block is a step, titled by the paragraph before it. Output
blocks are the expected result of the step before them (``$ cmd`` lines in a lone session block are its
commands). Commands written inline in a step's prose (`` `./gradlew -Pcluster=<クラスタ名> deployVantiq` ``)
count when the step has no command block. YAML, SQL, editors and login shells make a step manual: its
text and commands are shown and the operator does it by hand. So does a placeholder where a value could
not be substituted safely (inside ``$(...)``, an awk program, an SQL string...: :mod:`medic.act.placement`).
Parameters get their kinds from their names and from where they sit; :meth:`Plan.bind` validates every
value before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from medic.act.classify import Kind, Verdict, classify, classify_sql
from medic.act.params import Parameter, find_placeholders, render, render_line, sites, validate_parameter
from medic.errors import InputError
from medic.knowledge.codeblocks import classify as classify_block
from medic.knowledge.codeblocks import is_command_line
from medic.knowledge.document import Block, ParsedDocument
from medic.knowledge.store import Store
from medic.model import CodeKind, Entry, Role

_NUMBERED = re.compile(r"^(\d+)[.．)]?\s+(.*)", re.S)
_CHILD_STEP = re.compile(r"^\d+[.．)]?\s+\S")
_INLINE = re.compile(r"`([^`\n]+)`")
_PROMPT = re.compile(r"^\s*\$\s+(.*)$")
_EXPECTED = re.compile(r"^\s*(?:expected(?: result)?|期待される結果|期待値|预期结果|예상 결과)\s*[:：]\s*(.+)$", re.I)
_MANUAL = re.compile(r"^\s*(?:\*\*)?(?:manual|by hand|手動|手作業|手动|수동)(?:\*\*)?\s*[:：]", re.I)
_SHELL_CHARS = set("|&;<>()$`*?[]{}~!#\\\"'\n")


def _classify(command: str) -> Verdict:
    """Classify with every placeholder read as a plain word (``<ns>`` is not a redirection)."""
    out, pos = [], 0
    for ph in find_placeholders(command):
        out.append(command[pos : ph.start] + "PARAM")
        pos = ph.end
    out.append(command[pos:])
    return classify("".join(out))


@dataclass
class Command:
    """One command of a step, as the runbook writes it (placeholders included)."""

    template: str
    kind: Kind
    reason: str
    lang: str = "sh"  # sh or sql
    manual_reason: str = ""  # a placeholder sits where no value can be substituted safely

    def to_dict(self) -> dict[str, str]:
        out = {"template": self.template, "kind": str(self.kind), "reason": self.reason, "lang": self.lang}
        if self.manual_reason:
            out["manual_reason"] = self.manual_reason
        return out


_HEREDOC = re.compile(r"(?<!<)<<-?\s*(['\"]?)[A-Za-z_][A-Za-z0-9_]*\1(?!\S)")


def shell_command(template: str) -> Command:
    """A shell command of a step: classified, and manual when a placeholder sits where a value is unsafe
    or when it opens a here-document (its text is a block of its own here: Medic would run it empty)."""
    v = _classify(template)
    if _HEREDOC.search(template):
        reason = "a here-document: Medic does not feed its text to the command"
    else:
        reason = render_line(template, {}).manual_reason
    return Command(template, v.kind, v.reason, manual_reason=reason)


def _add_command(step: Step, template: str) -> None:
    cmd = shell_command(template)
    step.commands.append(cmd)
    if step.manual_reason:
        return
    if cmd.manual_reason:
        step.manual_reason = f"{cmd.manual_reason}: run it by hand"
    elif cmd.kind is Kind.MANUAL:
        step.manual_reason = cmd.reason


@dataclass
class Step:
    """A step: its text, its commands, whether it is manual and what it should print."""

    n: int
    title: str
    text: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    manual_reason: str = ""
    expected: list[str] = field(default_factory=list)
    config: list[str] = field(default_factory=list)

    @property
    def manual(self) -> bool:
        return bool(self.manual_reason)

    @property
    def kind(self) -> Kind:
        if self.manual:
            return Kind.MANUAL
        if any(c.kind is Kind.MUTATING for c in self.commands):
            return Kind.MUTATING
        return Kind.READ_ONLY

    def to_dict(self, values: dict[str, str] | None = None) -> dict[str, object]:
        values = values or {}
        return {
            "n": self.n,
            "title": render(self.title, values, for_shell=False)[0],
            "text": [render(t, values, for_shell=False)[0] for t in self.text],
            "kind": str(self.kind),
            "manual_reason": self.manual_reason,
            "commands": [{**c.to_dict(), "rendered": render(c.template, values)[0]} for c in self.commands],
            "expected": self.expected,
            "config": [render(c, values, for_shell=False)[0] for c in self.config],
        }


@dataclass
class Plan:
    entry_id: str
    title: str
    source: str
    line: int
    steps: list[Step]
    rollback: list[Step]
    parameters: list[Parameter]
    notes: list[str] = field(default_factory=list)

    def bind(self, values: dict[str, str]) -> list[str]:
        """Give parameters their values; returns the names given that the plan does not have.

        Every value is validated first (:func:`validate_parameter`): one bad value raises
        :class:`InputError` and binds nothing.
        """
        known = {p.name: p for p in self.parameters}
        unknown = [k for k in values if k not in known]
        for name, value in values.items():
            if name in known:
                validate_parameter(known[name], value)
        for name, value in values.items():
            if name in known:
                known[name].value = value
        return unknown

    def bind_known(self, values: dict[str, str], given_as: str = "") -> None:
        """:meth:`bind`, refusing a name the plan does not have with one line that lists its parameters
        (``given_as``: how the user gave them, ``--set`` at the command line)."""
        unknown = self.bind(values)
        if unknown:
            known = ", ".join(p.name for p in self.parameters) or "none"
            raise InputError(f"{given_as}{', '.join(unknown)}: not a parameter of this plan (its parameters: {known})")

    @property
    def values(self) -> dict[str, str]:
        return {p.name: p.value for p in self.parameters if p.value is not None}

    @property
    def missing(self) -> list[str]:
        return [p.name for p in self.parameters if p.value is None]

    def digest(self) -> str:
        """What the steps are (not the values): a resumed run must meet the same plan."""
        shape = [[s.title, [c.template for c in s.commands], s.manual] for s in [*self.steps, *self.rollback]]
        return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, object]:
        """The plan as shown (``medic plan --json``): values of secret parameters read ``<redacted>``."""
        values = {p.name: "<redacted>" if p.secret else p.value for p in self.parameters if p.value is not None}
        return {
            "entry": {"id": self.entry_id, "title": self.title, "source": self.source, "line": self.line},
            "parameters": [p.to_dict(reveal=False) for p in self.parameters],
            "missing": self.missing,
            "steps": [s.to_dict(values) for s in self.steps],
            "rollback": [s.to_dict(values) for s in self.rollback],
            "notes": self.notes,
        }


# -- rendering a command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A command ready to run: ``argv`` (no shell) or ``script`` for ``sh -c``; ``display`` is exact."""

    display: str
    argv: list[str] | None
    script: str | None
    missing: list[str]
    # why Medic must not run it (then argv and script are None): the operator runs ``display`` by hand
    manual_reason: str = ""


def needs_shell(text: str) -> bool:
    """Whether a line uses shell syntax (pipes, lists, redirection, expansion, globs) outside quotes."""
    state = ""
    for i, c in enumerate(text):
        if state == "'":
            if c == "'":
                state = ""
            continue
        if state == '"':
            if c == '"' and text[i - 1] != "\\":
                state = ""
            elif c in "$`":
                return True
            continue
        if c in "'\"":
            state = c
        elif c in _SHELL_CHARS - {"'", '"'}:
            return True
    words = text.split()
    return bool(words) and "=" in words[0] and not words[0].startswith("-")


def render_command(command: Command, values: dict[str, str]) -> Rendered:
    line = render_line(command.template, values)
    text, missing = line.text, line.missing
    reason = command.manual_reason or line.manual_reason
    if command.lang == "sql":
        reason = reason or "an SQL statement: run it in the database shell"
    if missing or reason:
        return Rendered(display=text, argv=None, script=None, missing=missing, manual_reason=reason)
    if not needs_shell(text):
        try:
            return Rendered(display=text, argv=shlex.split(text), script=None, missing=[])
        except ValueError:
            pass
    return Rendered(display=text, argv=None, script=text, missing=[])


# -- reading sections back from their source -------------------------------------------------------


_PARSED: dict[tuple[str, str], ParsedDocument] = {}


def _parse_cached(key: tuple[str, str], text: str, fmt: str) -> ParsedDocument:
    from medic.knowledge.ingest import parse_text

    if key not in _PARSED:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = parse_text(text, fmt)
    return _PARSED[key]


def _load_document(store: Store, source: str) -> ParsedDocument | None:
    """The parsed source of an entry: a catalog file, or an indexed file still as it was indexed."""
    from medic.knowledge.ingest import BUILTIN_PREFIX, builtin_files
    from medic.knowledge.reader import decode_runbook, detect_format, read_runbook

    if source.startswith(BUILTIN_PREFIX):
        name = source[len(BUILTIN_PREFIX) :]
        for fname, data in builtin_files():
            if fname == name:
                text = decode_runbook(Path(fname), data)
                digest = hashlib.sha256(data).hexdigest()
                return _parse_cached((source, digest), text, detect_format(Path(fname), text))
        return None
    info = store.source(source)
    try:
        rb = read_runbook(Path(source))
    except Exception:
        return None
    if info is None or info.sha256.split(":", 1)[0] != rb.sha256:
        return None
    return _parse_cached((source, rb.sha256), rb.text, rb.fmt)


def _section_index(doc: ParsedDocument, entry: Entry) -> int | None:
    for i, sec in enumerate(doc.sections):
        if sec.line == entry.line_start:
            return i
    return None


def _subtree(doc: ParsedDocument, idx: int) -> list[int]:
    level = doc.sections[idx].level
    out = [idx]
    for j in range(idx + 1, len(doc.sections)):
        if doc.sections[j].level <= level:
            break
        out.append(j)
    return out


def _fallback_blocks(entry: Entry) -> list[Block]:
    blocks = [Block(text=line, line=0) for line in entry.body.split("\n") if line.strip()]
    blocks += [Block(text=b.text, line=b.line, code=True, lang=b.lang) for b in entry.code_blocks]
    return blocks


class _Sections:
    """Blocks of entries, read from their source documents (cached per source)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.docs: dict[str, ParsedDocument | None] = {}
        self.approximate = False

    def doc(self, source: str) -> ParsedDocument | None:
        if source not in self.docs:
            self.docs[source] = _load_document(self.store, source)
        return self.docs[source]

    def blocks(self, entry: Entry, skip_lines: set[int], numbered_children_only: bool) -> list[Block]:
        doc = self.doc(entry.source)
        idx = _section_index(doc, entry) if doc else None
        if doc is None or idx is None:
            self.approximate = True
            return _fallback_blocks(entry)
        out: list[Block] = list(doc.sections[idx].blocks)
        tree = _subtree(doc, idx)
        skip_until_level = 0
        for j in tree[1:]:
            sec = doc.sections[j]
            if skip_until_level and sec.level > skip_until_level:
                continue
            skip_until_level = 0
            if sec.line in skip_lines or (numbered_children_only and not _CHILD_STEP.match(sec.title)):
                skip_until_level = sec.level
                continue
            out.append(Block(text=sec.title, line=sec.line))
            out.extend(sec.blocks)
        return out


# -- blocks → steps ---------------------------------------------------------------------------------


def _shell_lines(text: str) -> tuple[list[str], list[str]]:
    """(commands, other lines) of a shell block: prompts stripped, comments dropped, continuations joined."""
    commands: list[str] = []
    other: list[str] = []
    joined: list[str] = []
    buf = ""
    for raw in text.split("\n"):
        line = raw.rstrip()
        if line.endswith("\\") and not line.endswith("\\\\"):
            buf += line[:-1] + " "
            continue
        joined.append(buf + line)
        buf = ""
    if buf:
        joined.append(buf)
    for line in joined:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = _PROMPT.match(s)
        if m:
            s = m.group(1).strip()
        if is_command_line(s) or s.startswith("./") or m:
            commands.append(s)
        else:
            other.append(line)
    return commands, other


def _sql_statements(text: str) -> list[str]:
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("--")]
    stmts = [s.strip() for s in re.split(r";\s*(?:\n|$)", "\n".join(lines)) if s.strip()]
    return [s if s.endswith(";") else s + ";" for s in stmts]


def _is_sql_block(block: Block) -> bool:
    if block.lang in ("sql", "mysql", "psql"):
        return True
    lines = [ln for ln in block.text.split("\n") if ln.strip() and not ln.strip().startswith("--")]
    return (
        bool(lines)
        and all(
            re.match(r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|DROP|ALTER|TRUNCATE|SHOW|USE|source)\b", ln, re.I)
            or not re.match(r"^\s*[A-Za-z]", ln)
            or ln.startswith((" ", "\t"))
            for ln in lines
        )
        and bool(re.match(r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|DROP|ALTER|TRUNCATE|SHOW|USE)\b", lines[0], re.I))
    )


class _Builder:
    def __init__(self, prose_is_step: bool) -> None:
        self.steps: list[Step] = []
        self.prose_is_step = prose_is_step
        self.pending: list[str] = []
        self.cur: Step | None = None

    def new(self, title: str, text: list[str] | None = None) -> Step:
        step = Step(n=len(self.steps) + 1, title=title.strip(), text=list(text or []))
        self.steps.append(step)
        self.cur = step
        return step

    def last(self) -> Step | None:
        return self.cur or (self.steps[-1] if self.steps else None)


def _add_commands(step: Step, block: Block) -> None:
    if _is_sql_block(block):
        for stmt in _sql_statements(block.text):
            v = classify_sql(stmt)
            step.commands.append(Command(stmt, v.kind, v.reason, lang="sql"))
        step.manual_reason = step.manual_reason or "SQL statements: run them in the database shell"
        return
    commands, other = _shell_lines(block.text)
    for c in commands:
        _add_command(step, c)
    if other and commands:
        step.expected.extend(ln for ln in other if ln.strip())


def steps_from_blocks(blocks: list[Block], prose_is_step: bool) -> list[Step]:
    """The steps of one group of blocks (a section and what it owns), in order."""
    # a numbered line inside a paragraph ("3." cannot interrupt a Markdown paragraph) still starts a step
    split: list[Block] = []
    for b in blocks:
        if b.code or "\n" not in b.text:
            split.append(b)
            continue
        chunk: list[str] = []
        for line in b.text.split("\n"):
            if chunk and _NUMBERED.match(line):
                split.append(Block(text="\n".join(chunk), line=b.line))
                chunk = []
            chunk.append(line)
        split.append(Block(text="\n".join(chunk), line=b.line))
    blocks = split
    numbered = any(not b.code and _NUMBERED.match(b.text) and not b.text[:1].isspace() for b in blocks)
    b_ = _Builder(prose_is_step)
    intro: list[str] = []
    for block in blocks:
        if not block.code:
            m = _NUMBERED.match(block.text) if not block.text[:1].isspace() else None
            if numbered:
                if m:
                    b_.new(m.group(2).split("\n", 1)[0], m.group(2).split("\n")[1:])
                elif b_.cur is not None:
                    b_.cur.text.append(block.text)
                else:
                    intro.append(block.text)
            else:
                b_.pending.append(block.text)
            continue
        kind = classify_block(block.text, block.lang)
        first = next((ln for ln in block.text.split("\n") if ln.strip()), "")
        if kind is CodeKind.OTHER and is_command_line(first) and not _PROMPT.match(first):
            kind = CodeKind.COMMAND
        if kind is CodeKind.COMMAND or (kind is CodeKind.OTHER and _is_sql_block(block)):
            if numbered:
                step = b_.cur or b_.new(intro[-1] if intro else "", intro[:-1])
            else:
                title = b_.pending[-1] if b_.pending else ""
                step = b_.new(title, b_.pending[:-1])
                b_.pending = []
            _add_commands(step, block)
        elif kind is CodeKind.OUTPUT:
            prompts = [m.group(1) for m in (_PROMPT.match(ln) for ln in block.text.split("\n")) if m]
            rest = [ln for ln in block.text.split("\n") if not _PROMPT.match(ln) and ln.strip()]
            target = b_.last()
            lone = (numbered and b_.cur is not None and not b_.cur.commands) or (
                not numbered and (target is None or bool(b_.pending))
            )
            if prompts and lone:
                if numbered:
                    assert b_.cur is not None
                    step = b_.cur
                else:
                    step = b_.new(b_.pending[-1] if b_.pending else "", b_.pending[:-1])
                    b_.pending = []
                for c in prompts:
                    _add_command(step, c)
                step.expected.extend(rest)
            elif target is not None:
                target.expected.extend(ln for ln in block.text.split("\n") if ln.strip())
        else:
            target = b_.cur if numbered else None
            if target is None and not numbered:
                if b_.pending or not b_.steps:
                    target = b_.new(b_.pending[-1] if b_.pending else "", b_.pending[:-1])
                    b_.pending = []
                else:
                    target = b_.steps[-1]
            if target is None:
                target = b_.new(intro[-1] if intro else "", intro[:-1])
            target.config.append(block.text)
    if not numbered and b_.pending:
        lines = [ln for p in b_.pending for ln in p.split("\n") if ln.strip()]
        inline = [ln for ln in lines if _inline_commands(ln)]
        if b_.steps:
            b_.steps[-1].text.extend(b_.pending)
        elif inline:
            # prose only, commands written inline: each line holding a command is a step of its own
            context: list[str] = []
            for ln in lines:
                if _inline_commands(ln):
                    b_.new(ln.strip(), context)
                    context = []
                else:
                    context.append(ln.strip())
        elif prose_is_step:
            b_.new(b_.pending[0].split("\n", 1)[0], [*b_.pending[0].split("\n")[1:], *b_.pending[1:]])
    for step in b_.steps:
        _finish(step)
    return [s for s in b_.steps if s.title or s.commands or s.config or s.text]


def _inline_commands(line: str) -> list[str]:
    """Commands written in backticks inside prose (`` `kubectl get sc` ``, `` `./gradlew ...` ``)."""
    out = []
    for span in _INLINE.findall(line):
        span = span.strip()
        if (is_command_line(span) and len(span.split()) >= 2) or span.startswith("./"):
            out.append(span)
    return out


def _finish(step: Step) -> None:
    """Inline commands, expected results, and what makes a step manual."""
    prose = [step.title, *step.text]
    for line in prose:
        m = _EXPECTED.match(line)
        if m:
            step.expected.append(m.group(1))
    if not step.commands:
        for line in prose:
            for span in _inline_commands(line):
                _add_command(step, span)
    if _MANUAL.match(step.title):
        step.manual_reason = step.manual_reason or "marked manual in the runbook"
    if step.config and not step.manual_reason:
        writes = [c for c in step.commands if c.kind is not Kind.READ_ONLY]
        if not writes:
            step.manual_reason = "configuration to edit or apply by hand"
    if not step.commands and not step.manual_reason:
        step.manual_reason = "no command: done by hand"


def _number(steps: list[Step]) -> list[Step]:
    for i, s in enumerate(steps, start=1):
        s.n = i
    return steps


def _parameters(steps: list[Step]) -> list[Parameter]:
    params: dict[str, Parameter] = {}

    used: set[str] = set()

    def see(text: str) -> None:
        for ph in find_placeholders(text):
            p = params.setdefault(ph.name, Parameter(ph.name))
            if ph.form not in p.forms:
                p.forms.append(ph.form)

    for step in steps:
        for c in step.commands:
            see(c.template)
            if c.lang == "sh":
                for name, site in sites(c.template):
                    params[name].see(site, first=name not in used)
                    used.add(name)
        for cfg in step.config:
            see("\n".join(ln for ln in cfg.split("\n") if not ln.lstrip().startswith("#")))
        for line in [step.title, *step.text]:
            for span in _INLINE.findall(line):
                see(span)
    return list(params.values())


def build_plan(store: Store, entry: Entry) -> Plan:
    """The plan of an entry (a problem with its fix and rollback parts, or one part on its own)."""
    sections = _Sections(store)
    parts = store.entries(p.id for p in entry.parts)
    part_lines = {e.line_start for e in parts.values()}
    fixes = [parts[p.id] for p in entry.parts if p.role is Role.FIX and p.id in parts]
    rollbacks = [parts[p.id] for p in entry.parts if p.role is Role.ROLLBACK and p.id in parts]
    notes: list[str] = []

    own = sections.blocks(entry, part_lines, numbered_children_only=not entry.is_part)
    own_steps = steps_from_blocks(own, prose_is_step=entry.role in (Role.FIX, Role.ROLLBACK))
    if fixes:
        own_steps = [s for s in own_steps if s.commands or _NUMBERED.match(s.title)] if own_steps else []
    steps = list(own_steps)
    if fixes:
        steps += steps_from_blocks(sections.blocks(fixes[0], set(), numbered_children_only=False), prose_is_step=True)
        for alt in fixes[1:]:
            notes.append(f"another fix: {alt.title} (medic plan {alt.id})")
    rollback: list[Step] = []
    for rb in rollbacks:
        rollback += steps_from_blocks(sections.blocks(rb, set(), numbered_children_only=False), prose_is_step=True)
    if entry.role is Role.FIX and entry.parent_id:
        parent = store.entries([entry.parent_id]).get(entry.parent_id)
        if parent is not None:
            siblings = store.entries(p.id for p in parent.parts if p.role is Role.ROLLBACK)
            for sib in siblings.values():
                rollback += steps_from_blocks(
                    sections.blocks(sib, set(), numbered_children_only=False), prose_is_step=True
                )
    if sections.approximate:
        notes.append("the source changed or is missing since it was indexed: step order is approximate")
    if any(s.manual for s in steps):
        notes.append("manual steps are not run by Medic: it shows them and waits for the operator")
    if not steps:
        notes.append("this entry has no steps to run")
    _number(steps)
    _number(rollback)
    return Plan(
        entry_id=entry.id,
        title=entry.title,
        source=entry.source,
        line=entry.line_start,
        steps=steps,
        rollback=rollback,
        parameters=_parameters([*steps, *rollback]),
        notes=notes,
    )


def plan_for(store: Store, entry_id: str) -> Plan:
    return build_plan(store, store.get(entry_id))


__all__ = ["Command", "Kind", "Plan", "Rendered", "Step", "Verdict", "build_plan", "plan_for", "render_command"]
