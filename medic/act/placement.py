"""Where each placeholder of a command line sits, read with a real shell parser (bashlex).

Each placeholder is replaced by a sentinel word, the line is parsed, and every sentinel is found in the
tree. A value may be substituted only where Medic fully understands what the shell and the program will
do with it:

- as (part of) a plain word, an assignment value or a redirection target of a simple command, at top
  level or in a pipeline or ``&&``/``||``/``;`` list;
- unquoted, single-quoted, or double-quoted with no enclosing ``$(...)``, backticks, ``${...}``,
  ``$((...))``, ``$'...'`` or ``$"..."``, not right after a backslash or a ``$``;
- not where a program reads it as code: ``sh -c``/``bash``/``eval``/``source``, awk, sed scripts, jq
  filters, perl/python/ruby/node programs, SQL strings (``mysql -e``, ``psql -c``, ``sqlite3 db SQL``),
  ``ssh host CMD``/``watch``/``su -c`` (they hand a joined string to a shell), ``git -c``, ``ssh -o``;
  wrappers (``sudo``, ``env``, ``timeout``, ``xargs``, ``kubectl exec ... --``, ``docker exec``, ``find
  -exec``...) are looked through to the command they run;
- not naming the program to run, a variable, or a PATH-like variable's value.

Anything else — compound commands, here-documents, here-strings, a line the parser cannot read — makes
the command manual: Medic shows it with the value and does not run it (:attr:`Placement.manual_reason`).

Each site also says how its value must be written (the quoting open there, JSON string escaping inside a
``kubectl patch -p`` document), whether the value begins a word (then a leading ``-`` would make it an
option, unless the placeholder sits after ``--``) and what the context says the value is
(``-n <x>`` → namespace, ``kubectl get pod <x>`` → Kubernetes name, ``ssh <x>`` → host).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any

import bashlex

from medic.act.allowlist import path_like
from medic.act.kinds import ParamKind


@dataclass(frozen=True)
class Site:
    """How one placeholder occurrence may take a value."""

    index: int
    quote: str = ""  # '', "'" or '"': the quoting open at the placeholder
    whole_word: bool = False  # the placeholder is a whole bare word (no quotes, nothing around it)
    word_start: bool = False  # the value begins the word the program sees
    dash_ok: bool = False  # a leading '-' is harmless here (after '--', inside a word, a file name)
    json_string: bool = False  # inside a JSON string: the value is JSON-escaped
    json_bare: bool = False  # a bare JSON value (number, true, false, null)
    kinds: frozenset[ParamKind] = frozenset()


@dataclass(frozen=True)
class Placement:
    """Where the placeholders of one line sit; ``manual_reason`` is set when one of them is unsafe."""

    sites: tuple[Site | None, ...]
    manual_reason: str = ""


# runbook command lines are a few hundred characters; the parser takes seconds on tens of kilobytes
MAX_LINE = 8192
_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish", "busybox", "pwsh", "powershell"}
_EVAL = {"eval", "source", ".", "trap", "alias", "exec", "builtin", "fc"}
_INTERPRETERS = {
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "deno",
    "php",
    "lua",
    "luajit",
    "rscript",
    "tclsh",
    "expect",
    "osascript",
    "groovy",
    "jshell",
    "irb",
    "ipython",
}
_AWK = {"awk", "gawk", "mawk", "nawk"}
_SED = {"sed", "gsed"}
_JQ = {"jq", "yq", "gojq", "jaq"}
# SQL and other query clients → the options whose value is a statement
_SQL_OPTIONS: dict[str, tuple[str, ...]] = {
    "mysql": ("-e", "--execute"),
    "mariadb": ("-e", "--execute"),
    "psql": ("-c", "--command"),
    "cqlsh": ("-e", "--execute"),
    "clickhouse-client": ("-q", "--query"),
    "mongo": ("--eval",),
    "mongosh": ("--eval",),
    "influx": ("-execute", "--execute"),
    "sqlcmd": ("-Q", "-q"),
    "beeline": ("-e",),
    "hive": ("-e",),
    "trino": ("--execute",),
    "presto": ("--execute",),
    "etcdctl": (),
}
_DECLARE = {"export", "declare", "typeset", "readonly", "local"}
_K8S_TOOLS = {"kubectl", "oc", "helm", "istioctl", "velero", "linkerd", "cilium", "flux", "argocd", "stern", "virtctl"}
# kubectl options that take a value (so the operands can be told apart)
_KUBECTL_ARG = {
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "-o",
    "--output",
    "-c",
    "--container",
    "-f",
    "--filename",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-p",
    "--patch",
    "--type",
    "--field-selector",
    "--sort-by",
    "--tail",
    "--since",
    "--timeout",
    "--for",
    "--from",
    "--replicas",
    "-L",
    "--label-columns",
    "--template",
    "--as",
    "--token",
    "-s",
    "--server",
    "--grace-period",
    "--image",
    "--requests",
    "--limits",
    "--since-time",
    "--max-log-requests",
    "--pod-running-timeout",
    "-k",
    "--kustomize",
    "--request-timeout",
}
_RESOURCES: dict[str, ParamKind] = {
    **dict.fromkeys(("node", "nodes", "no"), ParamKind.NODE),
    **dict.fromkeys(("namespace", "namespaces", "ns"), ParamKind.NAMESPACE),
    **dict.fromkeys(
        (
            "pod pods po deployment deployments deploy statefulset statefulsets sts daemonset daemonsets ds "
            "replicaset replicasets rs service services svc configmap configmaps cm secret secrets pv pvc "
            "persistentvolume persistentvolumes persistentvolumeclaim persistentvolumeclaims job jobs cronjob "
            "cronjobs cj ingress ingresses ing serviceaccount serviceaccounts sa storageclass storageclasses sc "
            "endpoints ep networkpolicy networkpolicies netpol pdb poddisruptionbudget role roles rolebinding "
            "rolebindings clusterrole clusterroles clusterrolebinding clusterrolebindings hpa limitrange "
            "resourcequota quota lease leases certificate certificates issuer clusterissuer apiservice "
            "validatingwebhookconfiguration mutatingwebhookconfiguration dv vm vmi csr"
        ).split(),
        ParamKind.K8S_NAME,
    ),
}
_KUBECTL_NAMED_VERBS = {
    "get",
    "describe",
    "delete",
    "edit",
    "label",
    "annotate",
    "patch",
    "scale",
    "top",
    "taint",
    "wait",
    "expose",
    "autoscale",
}
_KUBECTL_POD_VERBS = {"logs", "exec", "attach", "port-forward", "debug"}
_HOST_PROGRAMS = {"ping", "ping6", "dig", "nslookup", "host", "traceroute", "tracepath", "mtr", "nc", "telnet"}
_CURL_ARG = set(
    "-o -O -d -H -u -X -A -e -b -c -F -K -T -w -x -m -r -E -y -Y -z --data --data-raw --data-binary --header "
    "--user --request --user-agent --cookie --form --config --output --max-time --connect-timeout --cacert "
    "--cert --key --proxy --resolve --write-out --retry -P --post-data --header --output-document".split()
)
_SSH_ARG = set("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B".split())
_PARTS_REASON = {
    "commandsubstitution": "the value would land inside a command substitution ($(...) or backticks)",
    "processsubstitution": "the value would land inside a process substitution (<(...))",
    "parameter": "the value would land inside a ${...} parameter expansion",
    "tilde": "the value would land inside a ~user expansion",
}


def _base(word: str) -> str:
    name = os.path.basename(word).lower()
    return re.sub(r"(?<=[a-z])[0-9.]+$", "", name) if name.startswith(("python", "perl", "ruby", "lua")) else name


@dataclass
class _Seg:
    """One command of a word list: words[start] is its program, words up to ``end`` belong to it."""

    start: int
    end: int
    program: str
    remote_from: int | None = None  # words from here are handed to a shell as one string
    remote: str = ""


def _skip_options(words: list[str], j: int, end: int, with_arg: set[str]) -> int:
    """The index of the first operand from ``j``: options skipped (``with_arg`` ones take the next word)."""
    while j < end:
        w = words[j]
        if w == "--":
            return j + 1
        if not w.startswith("-") or w == "-":
            return j
        j += 2 if w in with_arg else 1
    return j


def _inner_start(seg: _Seg, words: list[str]) -> int | None:
    """Where the command a wrapper runs starts (``sudo -u x kubectl`` → 3), or None."""
    p, i, end = seg.program, seg.start, seg.end
    if p == "sudo":
        j = i + 1
        while j < end and words[j].startswith("-"):
            w = words[j]
            if w == "--":
                j += 1
                break
            if w in ("-s", "-i", "--shell", "--login"):
                seg.remote_from, seg.remote = j + 1, "sudo -s/-i hands the command line to a shell"
            j += 2 if w in ("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group") else 1
        return j
    if p == "env":
        j = i + 1
        while j < end:
            w = words[j]
            if w.startswith(("-S", "--split-string")):
                seg.remote_from, seg.remote = j, "env -S splits a string into a command line"
                return None
            if w in ("-u", "-C", "--unset", "--chdir"):
                j += 2
            elif w.startswith("-") or ("=" in w and w.split("=", 1)[0].isidentifier()):
                j += 1
            else:
                break
        return j
    if p == "timeout":
        return _skip_options(words, i + 1, end, {"-s", "-k", "--signal", "--kill-after"}) + 1
    if p in ("nice", "ionice", "stdbuf", "nohup", "time", "command", "setsid", "chrt", "taskset", "xargs", "nsenter"):
        with_arg = {
            "nice": {"-n", "--adjustment"},
            "ionice": {"-c", "-n", "-p", "-P", "-u"},
            "stdbuf": {"-i", "-o", "-e"},
            "xargs": {"-a", "-E", "-I", "-L", "-n", "-P", "-s", "-d", "--arg-file", "--delimiter", "--max-args"},
            "nsenter": {"-t", "-S", "-G", "--target", "--setuid", "--setgid"},
        }.get(p, set())
        if p == "command" and i + 1 < end and words[i + 1] in ("-v", "-V"):
            return None
        j = _skip_options(words, i + 1, end, with_arg)
        return j + 1 if p in ("taskset", "chrt") else j
    if p == "chroot":
        return _skip_options(words, i + 1, end, set()) + 1
    if p in _K8S_TOOLS and "--" in words[i + 1 : end]:
        dd = words.index("--", i + 1)
        if any(w in ("exec", "debug", "run", "attach") for w in words[i + 1 : dd]):
            return dd + 1
        return None
    if p in ("docker", "podman", "nerdctl", "crictl"):
        j = _skip_options(words, i + 1, end, {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level"})
        if j < end and words[j] in ("exec", "run"):
            opts = {"-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys"}
            if words[j] == "run":
                opts |= set(
                    "-v --volume -p --publish --name --entrypoint --network --net -h --hostname --mount -l --label "
                    "--add-host --cpus -m --memory --platform --pull --restart --device --cap-add --cap-drop "
                    "--log-driver --log-opt --security-opt --tmpfs --ulimit --dns --shm-size --ipc --pid --runtime "
                    "--gpus --cidfile --stop-signal --stop-timeout -a --attach --label-file --link".split()
                )
            return _skip_options(words, j + 1, end, opts) + 1
        return None
    if p == "ssh":
        host = _skip_options(words, i + 1, end, _SSH_ARG)
        seg.remote_from = host + 1
        seg.remote = "ssh joins the remote command into one line that the remote shell reads"
        return None
    if p == "watch":
        seg.remote_from, seg.remote = i + 1, "watch runs its arguments with sh -c"
        return None
    if p in ("su", "runuser") and any(w in ("-c", "--command") or w.startswith("--command=") for w in words[i:end]):
        seg.remote_from, seg.remote = i + 1, f"{p} -c hands the command to a shell"
        return None
    return None


def _segments(words: list[str], start: int, end: int) -> list[_Seg]:
    """The commands of one simple command, outermost first: ``sudo timeout 5 kubectl ...`` → 3."""
    segs: list[_Seg] = []
    i = start
    while i < end:
        seg = _Seg(i, end, _base(words[i]))
        segs.append(seg)
        if seg.program == "find":
            k = i + 1
            while k < end:
                if words[k] in ("-exec", "-execdir", "-ok", "-okdir"):
                    m = next((x for x in range(k + 1, end) if words[x] in (";", "+")), end)
                    segs.extend(_segments(words, k + 1, m))
                    k = m
                k += 1
            break
        nxt = _inner_start(seg, words)
        if nxt is None or nxt >= end:
            break
        seg.end = nxt
        i = nxt
    return segs


def _operands(words: list[str], seg: _Seg, with_arg: set[str]) -> list[int]:
    out: list[int] = []
    j = seg.start + 1
    while j < seg.end:
        w = words[j]
        if w == "--":
            out.extend(range(j + 1, seg.end))
            break
        if w.startswith("-") and w != "-":
            j += 2 if w in with_arg else 1
            continue
        out.append(j)
        j += 1
    return out


def _option_value(words: list[str], j: int, seg: _Seg, options: tuple[str, ...]) -> bool:
    """Whether word ``j`` is (or holds) the value of one of ``options`` (``-e X``, ``-eX``, ``--execute=X``)."""
    w = words[j]
    if j - 1 > seg.start and words[j - 1] in options:
        return True
    for o in options:
        if o.startswith("--") and w.startswith(o + "="):
            return True
        if not o.startswith("--") and len(o) == 2 and w.startswith(o) and len(w) > 2:
            return True
    return False


def _variable_reason(word: str, sentinel_at: int) -> str:
    eq = word.find("=")
    if eq < 0 or sentinel_at < eq:
        return "the value would name a variable"
    name = word[:eq]
    if path_like(name):
        return f"the value would set {name}, which decides what programs, libraries or settings are used"
    return ""


def _program_reason(seg: _Seg, words: list[str], j: int, sentinel_at: int) -> str:
    """Why a value in word ``j`` of command ``seg`` would be read as code ('' when it is only data)."""
    p = seg.program
    if j == seg.start:
        return "the value would choose the program to run"
    if seg.remote_from is not None and j >= seg.remote_from:
        return seg.remote
    if p in _EVAL:
        return f"{p} runs its arguments as shell code"
    if p in _SHELLS:
        return f"the value would land inside a {p} command line ({p} reads its arguments as code)"
    if p in _INTERPRETERS:
        return f"the value would land inside a {p} program"
    if p in _AWK:
        return "the value would land inside an awk program"
    if p in _DECLARE or (p == "env" and "=" in words[j]):
        return _variable_reason(words[j], sentinel_at)
    if p in _SED:
        if _option_value(words, j, seg, ("-e", "--expression", "-f", "--file")):
            return "the value would land inside a sed script"
        scripted = any(w in ("-e", "--expression", "-f", "--file") for w in words[seg.start + 1 : seg.end])
        ops = _operands(words, seg, {"-e", "--expression", "-f", "--file", "-l", "--line-length"})
        if not scripted and ops and ops[0] == j:
            return "the value would land inside a sed script"
        return ""
    if p in _JQ:
        two = ("--arg", "--argjson", "--slurpfile", "--rawfile")
        if j - 2 > seg.start and words[j - 2] in two:
            return ""  # the value of --arg NAME VALUE: a literal string
        if j - 1 > seg.start and words[j - 1] in (*two, "-L", "--indent"):
            return f"the value would land inside a {p} option"
        ops = [
            k
            for k in _operands(words, seg, {"-f", "--from-file", "-L", "--indent"})
            if not (k - 2 > seg.start and words[k - 2] in two) and not (k - 1 > seg.start and words[k - 1] in two)
        ]
        from_file = any(w in ("-f", "--from-file") for w in words[seg.start + 1 : seg.end])
        if (not from_file and ops and ops[0] == j) or words[j].startswith("-"):
            return f"the value would land inside a {p} program"
        return ""
    if p in _SQL_OPTIONS:
        if _option_value(words, j, seg, _SQL_OPTIONS[p]):
            return f"the value would land inside an SQL statement ({p} {_SQL_OPTIONS[p][0]})"
        return ""
    if p == "sqlite3":
        if _option_value(words, j, seg, ("-cmd",)):
            return "the value would land inside an SQL statement (sqlite3 -cmd)"
        ops = _operands(words, seg, {"-cmd", "-separator", "-nullvalue", "-newline", "-init"})
        if ops and j in ops[1:]:
            return "the value would land inside an SQL statement (sqlite3 DB SQL)"
        return ""
    if p == "redis-cli":
        ops = _operands(words, seg, {"-h", "-p", "-a", "-n", "-u", "-s", "-r", "-i", "-d", "--user", "--pass"})
        script = [k for k in ops if words[k].lower() in ("eval", "evalsha", "eval_ro", "script", "fcall", "function")]
        if script and j > script[0]:
            return "the value would land inside a Redis script"
        return ""
    if p == "git" and _option_value(words, j, seg, ("-c", "--config-env")):
        return "the value would land inside git configuration (it can name programs to run)"
    if p in ("ssh", "scp", "sftp") and _option_value(words, j, seg, ("-o",)):
        return "the value would land inside an ssh option (ProxyCommand and others run programs)"
    return ""


def _context_kinds(seg: _Seg, words: list[str], j: int, prefix: str, suffix: str) -> set[ParamKind]:
    """What the words around a value say it is (``-n <x>``, ``kubectl get pod <x>``, ``ssh <x>``)."""
    if suffix:
        return set()
    p = seg.program
    prev = words[j - 1] if j - 1 > seg.start else ""
    opt = prev if not prefix else prefix[:-1] if prefix.endswith("=") else ""
    out: set[ParamKind] = set()
    if p in _K8S_TOOLS:
        if opt in ("-n", "--namespace"):
            out.add(ParamKind.NAMESPACE)
        elif opt in ("--node-name", "--node", "spec.nodeName"):
            out.add(ParamKind.NODE)
        elif opt in ("-c", "--container") and p != "helm":
            out.add(ParamKind.CONTAINER)
        elif opt in ("-f", "--filename", "--kubeconfig"):
            out.add(ParamKind.PATH)
        if prefix.endswith("/") and prefix[:-1].lower() in _RESOURCES and "/" not in prefix[:-1]:
            out.add(_RESOURCES[prefix[:-1].lower()])
        if p in ("kubectl", "oc") and not prefix:
            ops = _operands(words, seg, _KUBECTL_ARG)
            if j in ops and ops:
                verb = words[ops[0]]
                k = ops.index(j)
                if verb in ("drain", "cordon", "uncordon") and k >= 1:
                    out.add(ParamKind.NODE)
                elif verb in _KUBECTL_POD_VERBS and k == 1:
                    out.add(ParamKind.K8S_NAME)
                elif verb in _KUBECTL_NAMED_VERBS and k >= 2:
                    resource = words[ops[1]].lower().split(",")[0]
                    if resource in _RESOURCES:
                        out.add(_RESOURCES[resource])
                    elif "." in resource:
                        out.add(ParamKind.K8S_NAME)
    elif p in ("ssh", "scp", "sftp"):
        if seg.remote_from is not None and j == seg.remote_from - 1:
            out.add(ParamKind.HOST)
    elif p in _HOST_PROGRAMS:
        ops = _operands(words, seg, {"-c", "-i", "-W", "-w", "-t", "-p", "-q", "-s"})
        if ops and ops[0] == j:
            out.add(ParamKind.HOST)
    elif p in ("cd", "pushd"):
        out.add(ParamKind.PATH)
    elif p in ("curl", "wget") and not prefix and prev not in _CURL_ARG:
        out.add(ParamKind.URL)
    if opt in ("-h", "--host") and p in ("mysql", "mariadb", "psql", "redis-cli", "mongo", "mongosh", "cqlsh"):
        out.add(ParamKind.HOST)
    return out


class _Walker:
    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.text = text
        self.spans = spans
        self.starts = {s: i for i, (s, _e) in enumerate(spans)}
        self.sites: dict[int, Site] = {}
        self.reasons: dict[int, str] = {}

    def within(self, pos: tuple[int, int]) -> list[int]:
        return [i for i, (s, e) in enumerate(self.spans) if pos[0] <= s and e <= pos[1]]

    def unsafe(self, pos: tuple[int, int], reason: str) -> None:
        for i in self.within(pos):
            self.reasons.setdefault(i, reason)

    def top(self, node: Any) -> None:
        kind = node.kind
        if kind in ("list", "pipeline"):
            for part in node.parts:
                self.top(part)
        elif kind == "command":
            self.command(node)
        elif kind not in ("operator", "pipe", "reservedword"):
            self.unsafe(node.pos, "the value would land inside a compound command (subshell, group, loop, function)")

    def scan(self, node: Any) -> dict[int, tuple[str, bool] | str]:
        """Quoting open at each sentinel of a word, and whether literal text comes before it (or a reason)."""
        start, end = node.pos
        skips = {p.pos[0]: p for p in getattr(node, "parts", []) if p.kind in _PARTS_REASON}
        out: dict[int, tuple[str, bool] | str] = {}
        text = self.text
        state = ""
        literal = False
        i = start
        while i < end:
            if i in self.starts:
                idx = self.starts[i]
                out[idx] = (state, literal) if state in ("", "'", '"') else f"the value would land inside {state}"
                i = self.spans[idx][1]
                literal = True
                continue
            if state == "" and text[i] == "$" and text[i + 1 : i + 2] in ("'", '"'):
                # $'...' (escapes decoded) and $"..." (translated): bashlex reads them as a bare '$'
                state = "a $'...' string" if text[i + 1] == "'" else 'a $"..." string'
                i += 2
                continue
            if i in skips:
                part = skips[i]
                for idx in self.within(part.pos):
                    out[idx] = _PARTS_REASON[part.kind]
                i = max(part.pos[1], i + 1)
                continue
            c = text[i]
            nxt = text[i + 1] if i + 1 < end else ""
            if state == "'":
                state = "" if c == "'" else state
                literal = literal or c != "'"
            elif state in ("a $'...' string", 'a $"..." string'):
                if c == "\\":
                    i += 1
                elif c == state[3]:
                    state = ""
            elif state == "backticks":
                if c == "`":
                    state = ""
            elif c == "\\" and state in ("", '"'):
                if i + 1 in self.starts:
                    out[self.starts[i + 1]] = "the value would follow a backslash"
                i += 2
                literal = True
                continue
            elif c == "$" and (nxt in "({" or (i + 1) in self.starts):
                # an expansion the parser did not report: nothing after it in this word is understood
                for idx in self.within((i, end)):
                    out.setdefault(idx, "the value would land inside a $ expansion Medic cannot read")
                return out
            elif c == "`":
                state = "backticks"
            elif state == '"':
                state = "" if c == '"' else state
                literal = literal or c != '"'
            elif c == "$" and nxt in "'\"":
                state = "a $'...' string" if nxt == "'" else 'a $"..." string'
                i += 1
            elif c in "'\"":
                state = c
            else:
                literal = True
            i += 1
        return out

    def place_word(self, node: Any, on_site: Any) -> None:
        for idx, got in self.scan(node).items():
            if isinstance(got, str):
                self.reasons.setdefault(idx, got)
                continue
            on_site(idx, got[0], got[1])

    def command(self, node: Any) -> None:
        words = [p for p in node.parts if p.kind == "word"]
        for part in node.parts:
            if part.kind == "assignment":
                self.assignment(part)
            elif part.kind == "redirect":
                self.redirect(part)
            elif part.kind != "word":
                self.unsafe(part.pos, "the value would land in a part of the line Medic cannot quote")
        values = [str(w.word) for w in words]
        segs = _segments(values, 0, len(values))
        for j, w in enumerate(words):
            if not self.within(w.pos):
                continue
            seg = next((s for s in reversed(segs) if s.start <= j < s.end), None)
            if seg is None:
                self.unsafe(w.pos, "the value would land in a part of the line Medic cannot place")
                continue
            self.word_site(w, j, seg, values)

    def word_site(self, w: Any, j: int, seg: _Seg, values: list[str]) -> None:
        value = values[j]

        def on_site(idx: int, quote: str, literal: bool) -> None:
            sentinel = self.text[self.spans[idx][0] : self.spans[idx][1]]
            at = value.find(sentinel)
            reason = _program_reason(seg, values, j, at)
            if reason:
                self.reasons.setdefault(idx, reason)
                return
            prefix, suffix = value[: max(at, 0)], value[at + len(sentinel) :] if at >= 0 else ""
            if prefix in ("-", "--") and not values[seg.start + 1 : j].count("--"):
                self.reasons.setdefault(idx, "the value would name an option")
                return
            dashdash = "--" in values[seg.start + 1 : j]
            json_ctx = (
                seg.program in ("kubectl", "oc")
                and (values[j - 1] in ("-p", "--patch") or prefix.startswith("--patch="))
            ) or value.lstrip().startswith(("{", "["))
            json_string = json_bare = False
            if json_ctx:
                body = prefix.split("=", 1)[1] if prefix.startswith("--patch=") else prefix
                quotes = len(re.findall(r'(?<!\\)"', body))
                json_string, json_bare = quotes % 2 == 1, quotes % 2 == 0
            self.sites[idx] = Site(
                index=idx,
                quote=quote,
                whole_word=self.text[w.pos[0] : w.pos[1]] == sentinel,
                word_start=not literal,
                dash_ok=literal or dashdash,
                json_string=json_string,
                json_bare=json_bare,
                kinds=frozenset(_context_kinds(seg, values, j, prefix, suffix)),
            )

        self.place_word(w, on_site)

    def assignment(self, node: Any) -> None:
        word = str(node.word)

        def on_site(idx: int, quote: str, literal: bool) -> None:
            sentinel = self.text[self.spans[idx][0] : self.spans[idx][1]]
            reason = _variable_reason(word, word.find(sentinel))
            if reason:
                self.reasons.setdefault(idx, reason)
                return
            self.sites[idx] = Site(index=idx, quote=quote, dash_ok=True)

        self.place_word(node, on_site)

    def redirect(self, node: Any) -> None:
        heredoc = getattr(node, "heredoc", None)
        if heredoc is not None or node.type in ("<<", "<<-"):
            self.unsafe(node.pos, "the value would land inside a here-document")
            if heredoc is not None:
                self.unsafe(heredoc.pos, "the value would land inside a here-document")
            return
        if node.type == "<<<":
            self.unsafe(node.pos, "the value would land inside a here-string (it feeds the program's input)")
            return
        target = node.output
        if not hasattr(target, "pos") or node.type not in (">", ">>", "<", ">|", "&>", "&>>", "<>"):
            self.unsafe(node.pos, "the value would land in a redirection Medic cannot quote")
            return

        def on_site(idx: int, quote: str, literal: bool) -> None:
            self.sites[idx] = Site(index=idx, quote=quote, dash_ok=True, kinds=frozenset({ParamKind.PATH}))

        self.place_word(target, on_site)


def _sentinel_text(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[str, list[tuple[int, int]]]:
    tag = "MEDICPH"
    while tag in text:
        tag += "Q"
    out: list[str] = []
    placed: list[tuple[int, int]] = []
    pos = 0
    length = 0
    for i, (s, e) in enumerate(spans):
        out.append(text[pos:s])
        length += s - pos
        word = f"{tag}{i}X"
        placed.append((length, length + len(word)))
        out.append(word)
        length += len(word)
        pos = e
    out.append(text[pos:])
    return "".join(out), placed


@functools.lru_cache(maxsize=4096)
def place(text: str, spans: tuple[tuple[int, int], ...]) -> Placement:
    """The sites of the placeholders at ``spans`` in the command line ``text``."""
    if not spans:
        return Placement(())
    if len(text) > MAX_LINE:
        return Placement((None,) * len(spans), f"the line is longer than {MAX_LINE} characters: not parsed")
    stext, placed = _sentinel_text(text, spans)
    walker = _Walker(stext, placed)
    try:
        trees = bashlex.parse(stext)
    except Exception as exc:  # bashlex raises ParsingError, NotImplementedError and others on what it cannot read
        detail = str(exc).split("(position")[0].strip() or type(exc).__name__
        return Placement((None,) * len(spans), f"Medic's shell parser cannot read this line ({detail})")
    for tree in trees:
        walker.top(tree)
    sites = tuple(None if i in walker.reasons else walker.sites.get(i) for i in range(len(spans)))
    reasons = [walker.reasons[i] for i in range(len(spans)) if i in walker.reasons]
    if not reasons and any(s is None for s in sites):
        reasons.append("the value would land in a part of the line Medic cannot place")
    return Placement(sites, reasons[0] if reasons else "")


__all__ = ["Placement", "Site", "place"]
