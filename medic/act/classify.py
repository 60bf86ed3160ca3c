"""Is a command read-only, mutating or manual? Decided by a grammar, never by looking for bad words.

A step is **read-only** only when the whole line can be proven to read. ``classify(command)``:

1. parses the line with a real shell parser (:mod:`medic.act.shell`, over ``bashlex``) into simple
   commands — of pipelines, ``&&``/``;`` lists, subshells, groups, loops, and of every ``$(...)``, backtick
   and ``<(...)`` substitution — each with its words, ``NAME=value`` assignments and redirections. A line
   the parser cannot read is mutating;
2. refuses what it cannot reason about: a function definition, ``eval``, ``exec``, ``source``/``.``, a
   here-document that expands ``$(...)``, an expansion that assigns (``${PATH:=...}``);
3. refuses every write through the shell: a redirection to a file (``>``, ``>>``, ``>|``, ``&>``, ``<>``;
   ``/dev/null`` and descriptor copies such as ``2>&1`` are fine) and an assignment to a variable that
   decides what later commands run or read (``PATH``, ``LD_PRELOAD``, ``KUBECONFIG``, ``HOME``, ``IFS``...
   see :data:`medic.act.allowlist.PATH_LIKE`) — as a prefix, a plain assignment, ``export``/``declare``,
   ``env NAME=value`` or a ``for`` variable;
4. unwraps wrappers (``sudo``, ``env``, ``timeout``, ``nice``, ``nohup``, ``stdbuf``, ``xargs``, ``watch``),
   whose own options must be known, and classifies the command they run (``watch`` runs a shell string,
   which is parsed again; ``xargs`` adds words read from standard input, which may become options);
5. reads each remaining command against the allowlist (:mod:`medic.act.allowlist`): the program must be
   listed (and, written as a path, live in /usr/bin, /bin, /usr/sbin, /sbin or /usr/local/bin); its words
   are read with the program's grammar — options with their arity (an option's value is consumed and never
   taken for a verb), nested read-only subcommands, operand limits — and every option and subcommand must
   be listed as read-only. Content that is code is read with its own grammar (:mod:`medic.act.codecheck`):
   a ``sed`` script (no ``e``, ``w``, ``s///e``, ``s///w``), an ``awk`` program (no ``system()``, pipes,
   ``print >``, ``@`` directives), SQL given to ``mysql -e``/``psql -c``/``sqlite3``; a runbook placeholder
   inside such code makes the command mutating (a value there is code). curl URLs must be http or https
   and ``-H @file`` is refused;
6. words computed when the line runs (``$VAR``, ``$(...)``, ``$'...'``, braces, a leading glob) are
   allowed only where they cannot become options or verbs: as the value of a known option or as an operand
   that starts with literal text, and never unquoted (an unquoted expansion may split into several words).

Everything else is **mutating**, with a reason naming what was not proven ("kubectl: option --cache-dir
is not known to be read-only", "writes to file out.txt", "PATH is reassigned before kubectl runs").
Commands that need a person at a terminal (an editor, a login shell, ``kubectl exec -it ... -- sh``,
``tail -f``, ``watch``) are **manual**: the plan shows them and the operator runs them by hand.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from medic.act.allowlist import FLAG, ONE, OPTIONAL, TOOLS, WRAPPERS, Node, Option, Tool, Wrapper, path_like
from medic.act.codecheck import SQL_WORD, awk_problem, classify_sql, sed_problem
from medic.act.shell import Redirect, ShellSyntax, SimpleCommand, Word, parse_line
from medic.act.verdict import Kind, Verdict

__all__ = [
    "Kind",
    "Verdict",
    "classify",
    "classify_argv",
    "classify_sql",
    "interactive",
    "program_of",
    "simple_commands",
    "substitutions",
]


def _mutating(reason: str) -> Verdict:
    return Verdict(Kind.MUTATING, reason)


# ---------------------------------------------------------------- the grammar of one program


@dataclass
class _Args:
    path: list[str]
    options: list[tuple[str, list[Word]]] = field(default_factory=list)
    operands: list[Word] = field(default_factory=list)


_COMPUTED_NAME = re.compile(r"[$`*?\[]")


def _read_option(
    allowed: dict[str, Option], words: list[Word], i: int, style: str, fail: Callable[[str], Verdict]
) -> tuple[list[tuple[str, list[Word]]], int] | Verdict:
    """The option word ``words[i]`` (a bundle of short flags counts as several) and the values it takes."""
    w = words[i]
    t = w.text
    i += 1
    found: list[tuple[str, list[Word]]] = []

    def take(count: int, attached: str | None) -> list[Word] | Verdict:
        nonlocal i
        values: list[Word] = [Word(text=attached, raw=attached)] if attached is not None else []
        while len(values) < count and i < len(words):
            values.append(words[i])
            i += 1
        for v in values:
            if v.splits:
                return fail(f"{v.raw} is expanded when the line runs and may add words")
        return values

    if t.startswith("--") or style == "single":
        opt_name, eq, value = t.partition("=")
        if _COMPUTED_NAME.search(opt_name):
            return fail(f"option {w.raw} is computed when the line runs")
        opt = allowed.get(opt_name)
        if opt is None:
            return fail(f"option {opt_name} is not known to be read-only")
        if opt.arity in (FLAG, OPTIONAL):
            got: list[Word] | Verdict = [Word(text=value, raw=value)] if eq else []
        else:
            got = take(opt.arity, value if eq else None)
        if isinstance(got, Verdict):
            return got
        found.append((opt_name, got))
    else:
        j = 1
        while j < len(t):
            opt_name = "-" + t[j]
            if _COMPUTED_NAME.search(opt_name):
                return fail(f"option {w.raw} is computed when the line runs")
            opt = allowed.get(opt_name)
            if opt is None:
                inside = f" (in {t})" if len(t) > 2 else ""
                return fail(f"option {opt_name}{inside} is not known to be read-only")
            if opt.arity == FLAG:
                found.append((opt_name, []))
                j += 1
                continue
            rest = t[j + 1 :]
            if opt.arity == OPTIONAL:
                got = [Word(text=rest, raw=rest)] if rest else []
            else:
                got = take(opt.arity, rest.removeprefix("=") if rest else None)
            if isinstance(got, Verdict):
                return got
            found.append((opt_name, got))
            break
    for opt_name, got in found:
        restricted = allowed[opt_name].values
        if restricted is not None:
            for v in got:
                if v.dynamic or v.text.upper() not in restricted:
                    return fail(f"{opt_name} {v.text} is not known to be read-only")
    return found, i


def _read_args(name: str, tool: Tool, words: list[Word]) -> _Args | Verdict:
    """Read the words after the program with its grammar; a Verdict when something is not read-only."""
    node: Node = tool.root
    args = _Args(path=[name])
    allowed = dict(node.options)
    ended = False
    operands_here = 0

    def fail(msg: str) -> Verdict:
        return _mutating(f"{' '.join(args.path)}: {msg}")

    i = 0
    while i < len(words):
        w = words[i]
        t = w.text
        if tool.style == "none":
            args.operands.append(w)
            i += 1
            continue
        if w.splits and not ended:
            return fail(f"{w.raw} is expanded when the line runs and may add options")
        if t == "--" and not ended and not w.dynamic:
            ended = True
            i += 1
            continue
        options_open = not ended and (tool.intersperse or not args.operands)
        if options_open and t.startswith("-") and len(t) > 1:
            if node.numeric and re.fullmatch(r"-\d+", t):
                args.options.append(("-#", []))
                i += 1
                continue
            read = _read_option(allowed, words, i, tool.style, fail)
            if isinstance(read, Verdict):
                return read
            found, i = read
            args.options.extend(found)
            continue
        i += 1
        if w.dynamic and w.may_dash and not ended:
            return fail(f"{w.raw} is computed when the line runs and may become an option")
        if node.subcommands and operands_here == 0:
            if w.dynamic:
                return fail(f"the subcommand {w.raw} is computed when the line runs")
            sub = node.subcommands.get(t)
            if sub is None:
                return fail(f"{t} is not a read-only subcommand")
            node = sub
            args.path.append(t)
            allowed = {**allowed, **sub.options} if tool.inherit else dict(sub.options)
            continue
        operands_here += 1
        if node.operands is not None and operands_here > node.operands:
            return fail(f"operand {t} is not read-only" if node.operands == 0 else f"too many operands ({t})")
        if node.operand and (w.dynamic or not re.fullmatch(node.operand, t, re.S)):
            return fail(f"operand {t} is not read-only")
        args.operands.append(w)
    if node.subcommands and not node.bare and operands_here == 0 and len(args.path) == 1:
        return fail("needs a read-only subcommand")
    if node.require and not any(o in node.require for o, _ in args.options):
        return fail(f"only reads with {' or '.join(node.require)}")
    return args


# medic.act.plan classifies a template with each placeholder read as this word; inside a sed or awk program or
# SQL a value is code, which no quoting makes safe
_PLACEHOLDER = re.compile(r"\bPARAM\b")
_SAFE_SINKS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
_WRITES = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})


def _content_check(tool: Tool, args: _Args, cmd: SimpleCommand) -> str:
    """The extra check of a program whose arguments are code, SQL or URLs ('' when they only read)."""
    name = " ".join(args.path)
    values = {o: v for o, v in args.options}
    if tool.check in ("sed", "awk"):
        scripts = [v for o, vs in args.options if o in ("-e", "--expression") for v in vs]
        if not scripts:
            if not args.operands:
                return f"{name} without a program"
            scripts = [args.operands[0]]
        for s in scripts:
            if s.dynamic:
                return f"{name} program {s.raw} is computed when the line runs"
            if _PLACEHOLDER.search(s.text):
                return f"{name}: a parameter inside the program becomes code; its value cannot be checked"
            why = sed_problem(s.text) if tool.check == "sed" else awk_problem(s.text)
            if why:
                return why
        return ""
    if tool.check == "sql":
        for o in ("-e", "--execute", "-c", "--command"):
            for v in values.get(o, []):
                if v.dynamic:
                    return f"{name}: the SQL {v.raw} is computed when the line runs"
                if _PLACEHOLDER.search(v.text):
                    return f"{name}: a parameter inside the SQL becomes code; its value cannot be checked"
                verdict = classify_sql(v.text)
                if verdict.kind is not Kind.READ_ONLY:
                    return verdict.reason
        return ""
    if tool.check == "sqlite":
        for w in args.operands[1:]:
            t = w.text.strip()
            if w.dynamic:
                return f"{name}: {w.raw} is computed when the line runs"
            if _PLACEHOLDER.search(t):
                return f"{name}: a parameter inside the SQL becomes code; its value cannot be checked"
            if t.startswith("."):
                if t.split()[0] not in (".dump", ".tables", ".schema", ".indexes", ".databases"):
                    return f"sqlite3 {t.split()[0]} is not known to be read-only"
                continue
            verdict = classify_sql(t)
            if verdict.kind is not Kind.READ_ONLY:
                return verdict.reason
        return ""
    if tool.check == "curl":
        urls = [*args.operands, *values.get("--url", [])]
        for u in urls:
            scheme = u.text.split("://", 1)[0].lower() if "://" in u.text else ""
            if scheme not in ("", "http", "https"):
                return f"curl: the {scheme} scheme may send commands; only http and https are read-only"
        for o in ("-w", "--write-out"):
            for v in values.get(o, []):
                if "%output{" in v.text or v.text.startswith("@"):
                    return "curl --write-out writes to a file"
        for o in ("-H", "--header", "-b", "--cookie"):
            for v in values.get(o, []):
                if v.text.startswith("@") or (o in ("-b", "--cookie") and "=" not in v.text):
                    return f"curl {o} {v.text} sends a local file to the server"
        return ""
    if tool.check == "openssl" and args.path[1:2] == ["s_client"]:
        reads_null = any(r.op == "<" and r.target is not None and r.target.text == "/dev/null" for r in cmd.redirects)
        return "" if reads_null else "openssl s_client sends its standard input to the server (add </dev/null)"
    return ""


# ---------------------------------------------------------------- one simple command

_SESSION_DECLARE = frozenset({"export", "declare", "typeset", "readonly", "local"})
_SHELL_CODE = {
    "source": "source runs another script in this shell",
    ".": ". runs another script in this shell",
    "eval": "eval runs a string as shell code",
    "exec": "exec replaces the shell with another program",
    "alias": "alias changes what later commands run",
    "trap": "trap runs shell code on a signal",
    "hash": "hash changes where later commands are found",
    "enable": "enable changes the shell's builtins",
    "shopt": "shopt changes how the shell reads later commands",
    "builtin": "builtin runs a shell builtin Medic does not check",
}
_INTERPRETERS = frozenset(
    "sh bash zsh ash dash ksh fish csh tcsh busybox python python2 python3 perl ruby node nodejs php lua tclsh "
    "osascript pwsh powershell expect".split()
)
_KNOWN_MUTATING = frozenset(
    "rm rmdir mv cp mkdir chmod chown chgrp touch ln dd mkfs mkfs.xfs mkfs.ext4 mount umount reboot shutdown "
    "halt poweroff kill pkill killall tee truncate shred wipefs fdisk parted xfs_growfs resize2fs lvextend "
    "apt apt-get yum dnf rpm pip pip3 exportfs iptables firewall-cmd crontab useradd usermod passwd "
    "wget scp rsync tar gzip gunzip unzip make terraform ansible ansible-playbook kubeadm "
    "hive hive-backup.sh install patch".split()
)
_TRUSTED_DIRS = ("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/", "/usr/local/sbin/")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _declared(words: list[Word], prog: str) -> Verdict | None:
    """export/declare/unset/set: which variables they change; None when they only change harmless ones."""
    for w in words:
        t = w.text
        if w.dynamic and "=" not in t.split("$", 1)[0]:
            return _mutating(f"{prog} {w.raw}: the variable is computed when the line runs")
        if prog == "set":
            if t == "--" or not re.fullmatch(r"[-+][euxvo]+|pipefail|errexit|nounset|xtrace|verbose", t):
                return _mutating(f"set {t} changes the shell in a way Medic does not check")
            continue
        if t.startswith(("-", "+")):
            if prog == "unset" and t in ("-v", "-f"):
                continue
            if prog != "unset" and re.fullmatch(r"[-+][xrgilaAuptf]+", t):
                continue
            return _mutating(f"{prog} {t} is not known to be harmless")
        name = t.split("=", 1)[0].rstrip("+")
        if not _NAME.match(name):
            return _mutating(f"{prog} {t} is not a plain variable")
        if path_like(name) and ("=" in t or prog == "unset"):
            return _mutating(f"{name} is reassigned, so later commands may run other programs or read other files")
    return None


def _interactive_reason(cmd: SimpleCommand, alone: bool) -> str:
    """Why the command needs a person; a shell or database client fed by a pipe or a file runs that input."""
    if not cmd.words or cmd.words[0].dynamic:
        return ""
    why = interactive(cmd.argv)
    prog = program_of(cmd.argv)
    if why and (prog in _SHELLS or prog in _INTERPRETERS or prog in _CLIENTS) and not alone:
        return ""
    return why


def _classify_simple(cmd: SimpleCommand, depth: int) -> Verdict:
    for r in cmd.redirects:
        why = _redirect_problem(r)
        if why:
            return _mutating(why)
    for name, _value in cmd.assignments:
        if path_like(name):
            after = f" before {cmd.words[0].text} runs" if cmd.words else ", so later commands may run other programs"
            return _mutating(f"{name} is reassigned{after}")
    if not cmd.words:
        return Verdict(Kind.READ_ONLY, "sets a variable of this shell only" if cmd.assignments else "nothing to run")
    return _classify_words(cmd.words, cmd, depth)


def _redirect_problem(r: Redirect) -> str:
    if r.target is not None and r.target.text.startswith(("/dev/tcp/", "/dev/udp/")):
        return f"opens a network connection through {r.target.text}"
    if r.op not in _WRITES or r.target is None:
        return ""
    if r.target.dynamic:
        return f"writes to a file named when the line runs ({r.target.raw})"
    if r.op == ">&" and r.target.text.isdigit():
        return ""
    if r.target.text in _SAFE_SINKS:
        return ""
    return f"writes to file {r.target.text}"


def _classify_words(words: list[Word], cmd: SimpleCommand, depth: int) -> Verdict:
    first = words[0]
    if first.dynamic:
        return _mutating(f"the program {first.raw} is computed when the line runs")
    raw_name = first.text
    if "/" in raw_name:
        if not raw_name.startswith(_TRUSTED_DIRS):
            return _mutating(f"{raw_name} runs a program from a path Medic does not trust")
        raw_name = raw_name.rsplit("/", 1)[-1]
    prog = raw_name
    rest = words[1:]
    if prog in _SHELL_CODE:
        return _mutating(_SHELL_CODE[prog])
    if prog in _SESSION_DECLARE or prog in ("unset", "set"):
        bad = _declared(rest, prog)
        return bad or Verdict(Kind.READ_ONLY, f"{prog} changes only this shell")
    if prog in WRAPPERS:
        return _classify_wrapped(prog, WRAPPERS[prog], rest, cmd, depth)
    if prog in _INTERPRETERS:
        return _mutating(f"{prog} runs a program Medic cannot check")
    tool = TOOLS.get(prog)
    if tool is None:
        if prog in _KNOWN_MUTATING:
            return _mutating(f"{prog} changes state")
        return _mutating(f"{prog} is not a command Medic knows: counted as mutating")
    args = _read_args(prog, tool, rest)
    if isinstance(args, Verdict):
        return args
    why = _content_check(tool, args, cmd)
    if why:
        return _mutating(why)
    if prog == "cd":
        return Verdict(Kind.READ_ONLY, "cd changes only this shell")
    return Verdict(Kind.READ_ONLY, f"{' '.join(args.path)} only reads")


def _classify_wrapped(prog: str, wrapper: Wrapper, words: list[Word], cmd: SimpleCommand, depth: int) -> Verdict:
    """A wrapper's own options, then the command it runs."""

    def fail(msg: str) -> Verdict:
        return _mutating(f"{prog}: {msg}")

    allowed = dict(wrapper.options)
    options: list[tuple[str, list[Word]]] = []
    i = 0
    while i < len(words):
        t = words[i].text
        if words[i].dynamic and words[i].may_dash:
            return fail(f"{words[i].raw} is computed when the line runs and may become an option")
        if t == "--":
            i += 1
            break
        if not t.startswith("-") or t == "-":
            break
        if prog == "sudo" and (t in ("-s", "-i", "--shell", "--login") or re.fullmatch(r"-[a-zA-Z]*[si][a-zA-Z]*", t)):
            if not words[i + 1 :]:
                return Verdict(Kind.MANUAL, "a root shell")
            return fail(f"{t} runs the command through a shell")
        read = _read_option(allowed, words, i, "gnu", fail)
        if isinstance(read, Verdict):
            return read
        found, i = read
        options.extend(found)
    for name, values in options:
        if name in ("-u", "--unset") and any(path_like(v.text) or v.dynamic for v in values):
            return fail(f"{name} {values[0].text} changes what the command runs or reads")
    replace = ""
    if wrapper.stdin_args:
        for name, values in options:
            if name in ("-I", "-i", "--replace"):
                replace = values[0].text if values and values[0].text else "{}"
    rest = words[i:]
    if wrapper.assignments:
        while rest and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", rest[0].text):
            name = rest[0].text.split("=", 1)[0]
            if path_like(name):
                after = f" before {rest[1].text} runs" if len(rest) > 1 else ""
                return _mutating(f"{name} is reassigned{after}")
            rest = rest[1:]
    for _ in range(wrapper.operands):
        if not rest:
            return fail("no command to run")
        if rest[0].dynamic and rest[0].may_dash:
            return fail(f"{rest[0].raw} is computed when the line runs")
        rest = rest[1:]
    if not rest:
        if wrapper.bare_reads:
            return Verdict(Kind.READ_ONLY, f"{prog} without a command only prints")
        return fail("no command to run")
    if depth > _MAX_DEPTH:
        return fail("wrappers nested too deeply")
    if wrapper.shell_string:
        if any(w.dynamic for w in rest):
            return fail("runs a shell string computed when the line runs")
        inner = _classify_line(" ".join(w.text for w in rest), depth + 1)
    else:
        if wrapper.stdin_args:
            if replace:
                rest = [
                    Word(text=w.text, dynamic=True, may_dash=w.text.startswith(replace), raw=w.raw)
                    if replace in w.text
                    else w
                    for w in rest
                ]
            else:
                rest = [*rest, Word(text="", dynamic=True, may_dash=True, raw="(words read from standard input)")]
        inner_cmd = SimpleCommand(words=rest, redirects=cmd.redirects, origin=cmd.origin, source=cmd.source)
        why = interactive(inner_cmd.argv) if not rest[0].dynamic else ""
        inner = Verdict(Kind.MANUAL, why) if why else _classify_words(rest, inner_cmd, depth + 1)
    if inner.kind is Kind.READ_ONLY and wrapper.writes:
        return _mutating(wrapper.writes)
    if inner.kind is Kind.READ_ONLY and wrapper.manual:
        return Verdict(Kind.MANUAL, wrapper.manual)
    return inner


# nesting of wrappers and shell strings (watch 'sudo timeout 5 ...'): far beyond any runbook, bounded work
_MAX_DEPTH = 8


# ---------------------------------------------------------------- interactive commands

# a login shell, an editor or a REPL: the operator works in it by hand
_SHELLS = frozenset({"sh", "bash", "zsh", "/bin/sh", "/bin/bash", "ash"})
_CLIENTS = frozenset({"mysql", "psql", "mongo", "mongosh", "influx", "redis-cli", "sqlite3"})
_PREFIXES = {"sudo", "time", "nohup", "env", "exec", "command", "nice"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_KUBECTL_VALUE_FLAGS = frozenset(k for k, o in TOOLS["kubectl"].root.options.items() if o.arity == ONE)


def _strip_prefixes(argv: list[str]) -> list[str]:
    i = 0
    while i < len(argv):
        w = argv[i]
        if w in _PREFIXES or _ASSIGN.match(w):
            i += 1
            # sudo -u user, env -i
            while i < len(argv) and argv[i].startswith("-") and argv[i - 1] in ("sudo", "env", "nice"):
                if argv[i] in ("-u", "-g", "-n") and argv[i - 1] != "env":
                    i += 1
                i += 1
            continue
        break
    return argv[i:]


def _verb(argv: list[str], value_flags: frozenset[str]) -> tuple[str, list[str]]:
    """The first word after the program that is not a flag (skipping values of known flags)."""
    i = 1
    while i < len(argv):
        w = argv[i]
        if w.startswith("-"):
            i += 2 if w in value_flags and "=" not in w else 1
            continue
        return w, argv[i + 1 :]
    return "", []


def program_of(argv: list[str]) -> str:
    argv = _strip_prefixes(argv)
    return argv[0].rsplit("/", 1)[-1] if argv and not argv[0].startswith("./") else (argv[0] if argv else "")


def interactive(argv: list[str]) -> str:
    """Why a simple command needs a person at a terminal ('' when it does not)."""
    argv = _strip_prefixes(argv)
    if not argv:
        return ""
    prog = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if prog in ("kubectl", "oc"):
        verb, tail = _verb(argv, _KUBECTL_VALUE_FLAGS)
        if verb == "edit":
            return "kubectl edit opens an editor"
        if verb in ("logs", "log") and any(w in ("-f", "--follow") or w.startswith("--follow=true") for w in tail):
            return f"{prog} logs -f follows the log until it is stopped"
        if verb in ("get", "events") and any(w in ("-w", "--watch", "--watch-only") for w in tail):
            return f"{prog} {verb} -w watches until it is stopped"
        if verb in ("exec", "attach", "run", "debug") and any(w in ("-it", "-ti", "-i", "--stdin") for w in tail):
            after = tail[tail.index("--") + 1 :] if "--" in tail else []
            if not after or (after[0] in _SHELLS and "-c" not in after):
                return f"kubectl {verb} -it opens an interactive session"
        return ""
    if prog in ("vi", "vim", "nano", "emacs", "ed"):
        return f"{prog} is an editor"
    if prog in ("ssh",):
        hosts = [w for w in rest if not w.startswith("-")]
        return "" if len(hosts) > 1 else "ssh without a command opens a login shell"
    if prog == "hive" and rest[:1] == ["ssh"]:
        return "hive ssh opens a login shell on a host"
    if prog in ("su",) or (argv[0] == "sudo" and ("-i" in rest or "-s" in rest)):
        return "a root shell"
    if prog in ("mysql", "psql", "mongo", "mongosh", "influx", "redis-cli"):
        if not any(w in ("-e", "-c", "--eval", "--execute", "--command", "-execute") for w in rest):
            return f"{prog} opens an interactive shell"
        return ""
    if prog in _SHELLS and "-c" not in rest and all(w.startswith("-") for w in rest):
        return "a shell"
    if prog in ("logout", "exit"):
        return "ends a login session"
    if prog in ("tail", "journalctl") and any(w in ("-f", "-F", "--follow") for w in rest):
        return f"{prog} -f follows until it is stopped"
    if prog == "stern":
        return "stern follows logs until it is stopped"
    if prog in ("top", "htop", "less", "more"):
        return f"{prog} runs until it is stopped"
    if prog == "watch" and not rest:
        return "watch runs until it is stopped"
    return ""


# ---------------------------------------------------------------- the line


def substitutions(command: str) -> list[str]:
    """The inner commands of ``$(...)``, backticks and ``<(...)`` (every level)."""
    try:
        parsed = parse_line(command)
    except ShellSyntax:
        return []
    out = []
    for s in parsed.substitutions:
        out.append(s[1:-1] if s.startswith("`") else s[2:-1])
    return out


def simple_commands(command: str) -> tuple[list[list[str]], bool]:
    """The simple commands of a shell line (argv each); the flag says output goes to a file."""
    try:
        parsed = parse_line(command)
    except ShellSyntax:
        return [], False
    writes = any(_redirect_problem(r) for c in parsed.commands for r in c.redirects)
    return [c.argv for c in parsed.commands if c.words], writes


def classify_argv(argv: list[str]) -> Verdict:
    """The kind of one command given as argv (each element one word)."""
    return classify(shlex.join(argv))


def _classify_line(command: str, depth: int) -> Verdict:
    try:
        parsed = parse_line(command)
    except ShellSyntax as e:
        return _mutating(f"cannot be parsed ({e}): counted as mutating")
    if parsed.problems:
        return _mutating(parsed.problems[0])
    for name in parsed.loop_variables:
        if path_like(name):
            return _mutating(f"the loop reassigns {name}")
    if not parsed.commands:
        return _mutating("cannot be parsed: counted as mutating")
    alone = len(parsed.commands) == 1 and not any(r.op.startswith("<") for r in parsed.commands[0].redirects)
    for cmd in parsed.commands:
        why = _interactive_reason(cmd, alone)
        if why:
            return Verdict(Kind.MANUAL, why)
    verdicts: list[Verdict] = []
    for k, cmd in enumerate(parsed.commands):
        v = _classify_simple(cmd, depth)
        if v.kind is not Kind.READ_ONLY:
            if cmd.assignments and not cmd.words and v.reason.endswith("may run other programs"):
                later = next((c.words[0].text for c in parsed.commands[k + 1 :] if c.words), "")
                name = next(n for n, _ in cmd.assignments if path_like(n))
                if later:
                    return _mutating(f"{name} is reassigned before {later} runs")
            if v.reason.startswith(tuple(f"{n} is reassigned, so" for n in _path_names(cmd))):
                later = next((c.words[0].text for c in parsed.commands[k + 1 :] if c.words), "")
                if later:
                    return _mutating(v.reason.split(",", 1)[0] + f" before {later} runs")
            return v
        verdicts.append(v)
    main = [
        v
        for v, c in zip(verdicts, parsed.commands, strict=True)
        if c.words and c.origin == "top" and c.words[0].text not in _SESSION_DECLARE | {"set", "unset", "cd"}
    ]
    top = [v for v, c in zip(verdicts, parsed.commands, strict=True) if c.words and c.origin == "top"]
    return (main or top or verdicts)[0]


def _path_names(cmd: SimpleCommand) -> list[str]:
    names = [n for n, _ in cmd.assignments]
    for w in cmd.words[1:]:
        names.append(w.text.split("=", 1)[0])
    return [n for n in names if path_like(n)]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(v: Verdict) -> Verdict:
    """Reasons quote the runbook's words: control characters in them are shown escaped, never sent raw."""
    if not _CONTROL.search(v.reason):
        return v
    return Verdict(v.kind, _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", v.reason))


def classify(command: str) -> Verdict:
    """The kind of one shell line: read-only only when every command in it is proven to read."""
    first = command.strip().split(None, 1)[0].lower() if command.strip() else ""
    if SQL_WORD.match(command) and first != "source" and first not in TOOLS:
        return _printable(classify_sql(command))
    return _printable(_classify_line(command, 0))
