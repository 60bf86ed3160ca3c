"""Is a command read-only or does it change something? Decided by parsing it, never by guessing.

``classify(command)`` splits a shell line with :mod:`shlex` into simple commands (pipes, ``&&``, ``;``,
``$(...)``), drops ``sudo``/``VAR=value``/``time`` prefixes, skips global flags, and looks the program and
its verb up: ``kubectl get`` is read-only, ``kubectl scale`` mutating; ``xfs_repair -n`` read-only,
``xfs_repair`` mutating; SQL ``SELECT`` read-only, ``DELETE``/``DROP`` mutating. A program it does not know
counts as mutating, and so does output redirected to a file. Interactive commands (an editor, a login
shell, ``kubectl exec -it ... -- sh``) cannot be run unattended: the plan makes them manual steps.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    READ_ONLY = "read-only"
    MUTATING = "mutating"
    MANUAL = "manual"


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str


_PREFIXES = {"sudo", "time", "nohup", "env", "exec", "command", "nice"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SQL_READ = {"select", "show", "describe", "desc", "explain", "use", "with"}
_SQL_WORD = re.compile(
    r"^\s*(select|show|describe|desc|explain|use|with|insert|update|delete|drop|alter|truncate|create|grant"
    r"|revoke|replace|rename|source)\b",
    re.I,
)

# program → (read-only verbs, flags that take a value before the verb)
_VERB_TOOLS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "kubectl": (
        frozenset(
            "get describe logs log top explain api-resources api-versions version cluster-info events diff wait".split()
        ),
        frozenset(
            "-n --namespace --context --kubeconfig -s --server --cluster --user --token -l --selector -o "
            "--output --as --request-timeout".split()
        ),
    ),
    "oc": (
        frozenset("get describe logs log top explain api-resources version status whoami".split()),
        frozenset("-n --namespace --context --kubeconfig -s --server".split()),
    ),
    "helm": (
        frozenset("list ls status get history show search template version env lint verify".split()),
        frozenset("-n --namespace --kube-context --kubeconfig".split()),
    ),
    "docker": (
        frozenset("ps images inspect logs info version stats top events history diff port search".split()),
        frozenset("-H --host --context --config -c".split()),
    ),
    "podman": (frozenset("ps images inspect logs info version stats top events history".split()), frozenset()),
    "crictl": (frozenset("ps pods images inspect inspectp inspecti logs info version stats".split()), frozenset()),
    "docker-compose": (frozenset("ps logs config top images version ls".split()), frozenset("-f --file -p".split())),
    "systemctl": (
        frozenset(
            "status show list-units list-unit-files list-timers list-sockets list-dependencies is-active "
            "is-enabled is-failed is-system-running cat get-default".split()
        ),
        frozenset("-H --host -M --machine --type -t --state -p --property".split()),
    ),
    "drbdadm": (frozenset("status dstate cstate role dump show-gi get-gi sh-resources".split()), frozenset()),
    "drbdsetup": (frozenset("status show events2 show-gi".split()), frozenset()),
    "etcdctl": (
        frozenset("get version check endpoint member-list".split()),
        frozenset("--endpoints --cert --key --cacert -w --write-out".split()),
    ),
    "konvoy": (frozenset("check diagnose version get".split()), frozenset()),
    "git": (frozenset("status log diff show branch remote rev-parse describe".split()), frozenset("-C".split())),
    "virtctl": (frozenset("version guestosinfo fslist userlist".split()), frozenset("-n --namespace".split())),
    "velero": (frozenset("get describe version".split()), frozenset("-n --namespace".split())),
    "ceph": (frozenset("status health df osd pg mon versions -s".split()), frozenset()),
}
# (program, verb) → sub-verbs that are read-only
_SUB_READ: dict[tuple[str, str], frozenset[str]] = {
    ("kubectl", "rollout"): frozenset({"status", "history"}),
    ("kubectl", "config"): frozenset({"view", "get-contexts", "current-context", "get-clusters", "get-users"}),
    ("kubectl", "auth"): frozenset({"can-i", "whoami"}),
    ("kubectl", "certificate"): frozenset(),
    ("docker", "service"): frozenset({"ls", "ps", "inspect", "logs"}),
    ("docker", "volume"): frozenset({"ls", "inspect"}),
    ("docker", "network"): frozenset({"ls", "inspect"}),
    ("docker", "node"): frozenset({"ls", "inspect", "ps"}),
    ("docker", "system"): frozenset({"df", "info", "events"}),
    ("docker", "stack"): frozenset({"ls", "ps", "services"}),
    ("docker", "container"): frozenset({"ls", "inspect", "logs", "top", "stats", "port", "diff"}),
    ("docker", "image"): frozenset({"ls", "inspect", "history"}),
    ("docker", "secret"): frozenset({"ls", "inspect"}),
    ("docker", "config"): frozenset({"ls", "inspect"}),
    ("etcdctl", "member"): frozenset({"list"}),
    ("etcdctl", "endpoint"): frozenset({"health", "status", "hashkv"}),
    ("etcdctl", "alarm"): frozenset({"list"}),
    ("helm", "repo"): frozenset({"list", "ls"}),
    ("ceph", "osd"): frozenset({"tree", "df", "stat", "dump", "ls", "status"}),
}
_READ_ONLY = frozenset(
    "ls cat grep egrep fgrep zgrep rg head tail less more du df lsblk blkid findmnt ping nslookup dig host "
    "getent echo printf date uptime free ps pgrep dmesg lsof netstat ss wc sort uniq cut tr jq stern "
    "hostname whoami id uname which type stat file md5sum sha256sum test true timedatectl chronyc ntpq "
    "showmount journalctl pwd basename dirname realpath readlink env printenv diff cmp column nl "
    "kubectx kubens".split()
)
_MUTATING = frozenset(
    "rm rmdir mv cp mkdir chmod chown chgrp touch ln dd mkfs mkfs.xfs mkfs.ext4 mount umount reboot shutdown "
    "halt poweroff kill pkill killall tee truncate shred wipefs fdisk parted xfs_growfs resize2fs lvextend "
    "apt apt-get yum dnf rpm pip pip3 exportfs iptables firewall-cmd crontab useradd usermod passwd "
    "sqlite3 wget scp rsync tar gzip gunzip unzip make terraform ansible ansible-playbook kubeadm "
    "hive hive-backup.sh".split()
)
# a login shell, an editor or a REPL: the operator works in it by hand
_INTERACTIVE = frozenset(
    "vi vim nano emacs ed less more top htop watch mysql mongo mongosh psql influx redis-cli sqlite3-shell "
    "bash sh zsh".split()
)
_SHELLS = frozenset({"sh", "bash", "zsh", "/bin/sh", "/bin/bash", "ash"})


def _split_words(command: str) -> list[str] | None:
    try:
        lex = shlex.shlex(command, posix=True, punctuation_chars="|&;<>()")
        lex.whitespace_split = True
        lex.commenters = ""
        return list(lex)
    except ValueError:
        return None


def substitutions(command: str) -> list[str]:
    """The inner commands of ``$(...)`` and backticks (one level)."""
    inner = re.findall(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)", command)
    inner += re.findall(r"`([^`]*)`", command)
    return inner


def simple_commands(command: str) -> tuple[list[list[str]], bool]:
    """Split a shell line into simple commands; the flag says output goes to a file."""
    words = _split_words(command)
    if words is None:
        return [], False
    parts: list[list[str]] = [[]]
    writes = False
    skip_next = False
    for w in words:
        if skip_next:
            skip_next = False
            target = w
            if target not in ("/dev/null", "/dev/stderr", "/dev/stdout", "&1", "&2") and not target.startswith("&"):
                writes = True
            continue
        if w and set(w) <= set("|&;()"):
            parts.append([])
            continue
        if w in (">", ">>", ">|", "&>", "&>>"):
            skip_next = True
            continue
        if w in ("<", "<<", "<<<"):
            skip_next = False
            continue
        if re.fullmatch(r"\d?>", w) or (w.endswith(">") and w[:-1].isdigit()):
            skip_next = True
            continue
        parts[-1].append(w)
    return [p for p in parts if p], writes


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
            if w in value_flags and "=" not in w:
                i += 2
            else:
                i += 1
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
        verb, tail = _verb(argv, _VERB_TOOLS["kubectl"][1])
        if verb == "edit":
            return "kubectl edit opens an editor"
        if verb in ("logs", "log") and any(w in ("-f", "--follow") or w.startswith("--follow=true") for w in tail):
            return f"{prog} logs -f follows the log until it is stopped"
        if verb == "get" and any(w in ("-w", "--watch", "--watch-only") for w in tail):
            return f"{prog} get -w watches until it is stopped"
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
    if prog in _SHELLS and "-c" not in rest:
        return "a shell"
    if prog in ("logout", "exit"):
        return "ends a login session"
    if prog in ("tail", "journalctl") and any(w in ("-f", "-F", "--follow") for w in rest):
        return f"{prog} -f follows until it is stopped"
    if prog == "stern":
        return "stern follows logs until it is stopped"
    if prog in ("watch", "top", "htop", "less", "more"):
        return f"{prog} runs until it is stopped"
    return ""


def classify_argv(argv: list[str]) -> Verdict:
    argv = _strip_prefixes(argv)
    if not argv:
        return Verdict(Kind.READ_ONLY, "nothing to run")
    raw = argv[0]
    prog = raw.rsplit("/", 1)[-1] if not raw.startswith("./") else raw
    rest = argv[1:]
    if prog in ("cd", "export", "set", "unset", "source", "."):
        return Verdict(Kind.READ_ONLY, f"{prog} changes only the session")
    if prog in _VERB_TOOLS:
        read, value_flags = _VERB_TOOLS[prog]
        verb, tail = _verb(argv, value_flags)
        sub_read = _SUB_READ.get((prog, verb))
        if sub_read is not None:
            sub = next((w for w in tail if not w.startswith("-")), "")
            if sub in sub_read:
                return Verdict(Kind.READ_ONLY, f"{prog} {verb} {sub} only reads")
            return Verdict(Kind.MUTATING, f"{prog} {verb} {sub or ''}".strip() + " changes state")
        if prog == "ceph" and verb in read:
            return Verdict(Kind.READ_ONLY, f"ceph {verb} only reads")
        if verb in read:
            return Verdict(Kind.READ_ONLY, f"{prog} {verb} only reads")
        if not verb:
            return Verdict(Kind.READ_ONLY, f"{prog} without a verb prints help")
        return Verdict(Kind.MUTATING, f"{prog} {verb} changes state")
    if prog in ("xfs_repair", "fsck", "e2fsck", "fsck.xfs", "fsck.ext4"):
        if "-n" in rest:
            return Verdict(Kind.READ_ONLY, f"{prog} -n only checks")
        return Verdict(Kind.MUTATING, f"{prog} writes to the filesystem")
    if prog == "sed" and not any(w.startswith("-i") or w == "--in-place" for w in rest):
        return Verdict(Kind.READ_ONLY, "sed without -i only prints")
    if prog == "awk" or prog == "gawk":
        return Verdict(Kind.READ_ONLY, "awk prints")
    if prog == "yq" and not any(w in ("-i", "--inplace") for w in rest):
        return Verdict(Kind.READ_ONLY, "yq without -i only prints")
    if prog == "find":
        if any(w in ("-delete", "-exec", "-execdir", "-ok", "-fprint") for w in rest):
            return Verdict(Kind.MUTATING, "find -delete/-exec changes files")
        return Verdict(Kind.READ_ONLY, "find only lists")
    if prog == "curl":
        methods = {rest[i + 1].upper() for i, w in enumerate(rest[:-1]) if w in ("-X", "--request")}
        sends = any(w.startswith(("-d", "--data", "-F", "--form", "-T", "--upload-file", "-o", "-O")) for w in rest)
        if sends or methods - {"GET", "HEAD"}:
            return Verdict(Kind.MUTATING, "curl sends data or writes a file")
        return Verdict(Kind.READ_ONLY, "curl GET only reads")
    if prog == "openssl":
        if "-out" in rest or (rest[:1] and rest[0] in ("genrsa", "genpkey", "req", "ca")):
            return Verdict(Kind.MUTATING, "openssl writes a key or certificate")
        return Verdict(Kind.READ_ONLY, "openssl only inspects")
    if prog == "ssh-add":
        if any(w in ("-l", "-L") for w in rest):
            return Verdict(Kind.READ_ONLY, "ssh-add -l/-L only lists")
        return Verdict(Kind.MUTATING, "ssh-add changes the agent")
    if prog == "ip":
        if len(rest) <= 1 or any(w in ("show", "list", "ls", "get") for w in rest[1:2]):
            return Verdict(Kind.READ_ONLY, "ip show only reads")
        return Verdict(Kind.MUTATING, "ip changes the network")
    if prog in ("mysql", "psql"):
        sql = " ".join(rest)
        return (
            classify_sql(sql)
            if _SQL_WORD.search(sql.split("-e", 1)[-1].strip("'\" "))
            else Verdict(Kind.MUTATING, f"{prog} runs statements")
        )
    if prog == "sqlite3" and rest and all(w.startswith(".") and w in (".dump", ".tables", ".schema") for w in rest[1:]):
        return Verdict(Kind.READ_ONLY, "sqlite3 .dump only reads")
    if prog in _READ_ONLY:
        if prog == "journalctl" and any(w.startswith(("--vacuum", "--rotate", "--flush")) for w in rest):
            return Verdict(Kind.MUTATING, "journalctl --vacuum removes logs")
        return Verdict(Kind.READ_ONLY, f"{prog} only reads")
    if prog in _MUTATING:
        return Verdict(Kind.MUTATING, f"{prog} changes state")
    return Verdict(Kind.MUTATING, f"{prog} is not a command Medic knows: counted as mutating")


def classify_sql(text: str) -> Verdict:
    """SQL statements: read-only only when every statement is."""
    verbs = [m.group(1).lower() for m in (_SQL_WORD.match(s) for s in re.split(r";\s*", text)) if m]
    changing = [v for v in verbs if v not in _SQL_READ]
    if changing:
        return Verdict(Kind.MUTATING, f"SQL {changing[0].upper()} changes data")
    return Verdict(Kind.READ_ONLY, "SQL that only reads")


def classify(command: str) -> Verdict:
    """The kind of one shell line (a pipeline or list counts as its most dangerous part)."""
    first = command.strip().split(None, 1)[0].lower() if command.strip() else ""
    if _SQL_WORD.match(command) and first != "source":
        return classify_sql(command)
    parts, writes = simple_commands(command)
    if not parts:
        return Verdict(Kind.MUTATING, "cannot be parsed: counted as mutating")
    for argv in parts:
        why = interactive(argv)
        if why:
            return Verdict(Kind.MANUAL, why)
    worst: Verdict | None = None
    for argv in parts:
        v = classify_argv(argv)
        if v.kind is Kind.MUTATING:
            worst = v
            break
        worst = worst or v
    for inner in substitutions(command):
        v = classify(inner)
        if v.kind is not Kind.READ_ONLY:
            return v
    if writes:
        return Verdict(Kind.MUTATING, "writes its output to a file")
    assert worst is not None
    return worst
