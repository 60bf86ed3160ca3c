"""Classify a runbook code block: a command to run, output/log to recognise, config, or other."""

from __future__ import annotations

import re

from medic.model import CodeKind

CONFIG_LANGS = {"yaml", "yml", "json", "toml", "ini", "xml", "conf", "properties", "hcl", "cfg", "dockerfile"}
SHELL_LANGS = {"sh", "bash", "shell", "zsh", "console", "shell-session", "ps1", "powershell", "cmd", "fish"}
COMMAND_LANGS = SHELL_LANGS | {"sql", "mysql", "psql", "promql", "influxql"}
OUTPUT_LANGS = {"log", "logs", "text", "txt", "output", "plain", "plaintext", "none"}

COMMAND_WORDS = frozenset(
    [
        "kubectl",
        "oc",
        "helm",
        "docker",
        "docker-compose",
        "podman",
        "crictl",
        "ctr",
        "systemctl",
        "journalctl",
        "sudo",
        "su",
        "ssh",
        "scp",
        "ssh-add",
        "hive",
        "dsh",
        "dcp",
        "drbdadm",
        "drbdsetup",
        "etcdctl",
        "etcdutl",
        "konvoy",
        "kubeadm",
        "kubelet",
        "minikube",
        "kind",
        "git",
        "curl",
        "wget",
        "cd",
        "ls",
        "cat",
        "grep",
        "egrep",
        "sed",
        "awk",
        "head",
        "tail",
        "du",
        "df",
        "find",
        "rm",
        "mv",
        "cp",
        "mkdir",
        "chmod",
        "chown",
        "export",
        "echo",
        "vi",
        "vim",
        "nano",
        "mount",
        "umount",
        "xfs_repair",
        "fsck",
        "mkfs",
        "lsblk",
        "blkid",
        "ip",
        "ping",
        "nslookup",
        "dig",
        "host",
        "telnet",
        "nc",
        "openssl",
        "tar",
        "gzip",
        "stern",
        "influx",
        "mysql",
        "psql",
        "mongo",
        "mongosh",
        "sqlite3",
        "apt",
        "apt-get",
        "yum",
        "dnf",
        "rpm",
        "pip",
        "python",
        "python3",
        "make",
        "terraform",
        "ansible",
        "ansible-playbook",
        "aws",
        "az",
        "gcloud",
        "eksctl",
        "virtctl",
        "ceph",
        "rados",
        "rbd",
        "velero",
        "kustomize",
        "watch",
        "sort",
        "uniq",
        "xargs",
        "tee",
        "env",
        "set",
        "unset",
        "source",
        "reboot",
        "shutdown",
        "service",
        "iptables",
        "firewall-cmd",
        "crontab",
        "free",
        "top",
        "ps",
        "kill",
        "pkill",
        "uptime",
        "dmesg",
        "lsof",
        "netstat",
        "ss",
        "nmcli",
        "hostnamectl",
        "timedatectl",
        "chronyc",
        "ntpq",
        "date",
        "logout",
        "exit",
        "touch",
        "ln",
        "tr",
        "cut",
        "wc",
        "jq",
        "yq",
    ]
)

_PROMPT = re.compile(r"^\s*(?:[\w.@-]+[:~][^$#>]*)?[$#>]\s+\S")
_ROOT_PROMPT = re.compile(r"^\s*(?:\[[^\]]+\]|[\w@.-]+:[^#]*)#\s+\S")
_ASSIGN = re.compile(r"^\s*[A-Z_][A-Z0-9_]*=")
_LOGLIKE = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}|\b(?:ERROR|WARN(?:ING)?|FATAL|INFO|DEBUG|E!|W!)\b|"
    r"\b(?:[Ee]rror|[Ff]ailed|[Ee]xception|[Ff]orbidden|refused|denied|timed? ?out)\b|^Problem:|"
    r"^\s*(?:NAME|ID|NAMESPACE|TYPE|STAGE|PLAY|TASK)\b|^\s*at [\w.$]+\(|Caused by:|"
    r"^(?:Name|Namespace|Labels|Annotations|Events|Status):\s|^\s*\+[-+]+\+\s*$|^\w+>\s)"
)
_YAMLISH = re.compile(r"^\s*(?:-\s+)?[\w.\-/\"']+:\s*(?:\S.*)?$")
_SQL = re.compile(r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|DROP|CREATE|ALTER|SHOW|USE|GRANT|source)\b", re.I)


def first_word(line: str) -> str:
    """The program a shell line runs (after a prompt, ``sudo`` and ``VAR=value`` prefixes)."""
    s = re.sub(r"^\s*(?:\$|#|>)\s+", "", line.strip())
    words = s.split()
    while words and (words[0] in ("sudo", "time", "nohup", "exec") or _ASSIGN.match(words[0])):
        words = words[1:]
    if not words:
        return ""
    return words[0].rsplit("/", 1)[-1] if not words[0].startswith("./") else words[0]


def is_command_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    if _PROMPT.match(line):
        return True
    word = first_word(s)
    return word in COMMAND_WORDS or word.startswith("./") or word.endswith(".sh") or bool(_ASSIGN.match(s))


def classify(text: str, lang: str) -> CodeKind:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return CodeKind.OTHER
    lang = lang.lower()
    if lang in CONFIG_LANGS:
        return CodeKind.CONFIG
    body = [ln for ln in lines if not ln.lstrip().startswith("#") or _ROOT_PROMPT.match(ln)] or lines
    commands = sum(1 for ln in body if is_command_line(ln))
    prompts = sum(1 for ln in body if _PROMPT.match(ln))
    if lang in ("sql", "mysql", "psql") or (
        lang == "" and all(_SQL.match(ln) or ln.lstrip().startswith("--") for ln in lines)
    ):
        return CodeKind.COMMAND
    if prompts and commands < len(body):
        return CodeKind.OUTPUT  # a session: prompts followed by what they printed
    if commands == len(body):
        return CodeKind.COMMAND
    if lang in SHELL_LANGS and commands * 2 >= len(body):
        return CodeKind.COMMAND
    loglike = sum(1 for ln in lines if _LOGLIKE.search(ln))
    if loglike * 2 > len(lines):
        return CodeKind.OUTPUT
    if (
        lines[0].lstrip().startswith(("apiVersion:", "kind:", "["))
        or sum(1 for ln in lines if _YAMLISH.match(ln)) * 10 >= len(lines) * 8
    ):
        return CodeKind.CONFIG
    if lang in OUTPUT_LANGS or loglike:
        return CodeKind.OUTPUT
    if lang in COMMAND_LANGS and commands:
        return CodeKind.COMMAND
    if len(lines) > 1 and _tabular(lines):
        return CodeKind.OUTPUT
    return CodeKind.OTHER


def _tabular(lines: list[str]) -> bool:
    """Several lines with the same number of wide-spaced columns (kubectl get, df, docker ps...)."""
    counts = [len(re.split(r"\s{2,}|\t", ln.strip())) for ln in lines]
    if min(counts) >= 3 and max(counts) - min(counts) <= 2:
        return True
    return len(lines) >= 3 and min(counts) >= 2 and min(counts) == max(counts)


def guess_lang(text: str, kind: CodeKind, lang: str) -> str:
    if lang:
        return lang
    if kind is CodeKind.COMMAND:
        return (
            "sql"
            if all(_SQL.match(ln) or not ln.strip() or ln.lstrip().startswith("--") for ln in text.splitlines())
            else "sh"
        )
    if kind is CodeKind.CONFIG:
        stripped = text.lstrip()
        if stripped.startswith(("{", "[{")):
            return "json"
        return "ini" if stripped.startswith("[") else "yaml"
    if kind is CodeKind.OUTPUT:
        return "log" if any(_LOGLIKE.search(ln) for ln in text.splitlines()[:5]) else "text"
    return "text"
