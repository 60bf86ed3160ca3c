"""Which lines of a paste are commands: one place for every parser.

A command line is a shell prompt followed by a command (``$ cmd``, ``# cmd``, ``[root@host ~]# cmd``,
``[13:59:01] $ cmd``,
``user@host:~$ cmd``, ``PS C:\\> cmd``, ``> cmd``, ``$> cmd``, ``➜  ~ cmd``, ``(base) [u@h dir]$ cmd``,
``bash-3.2$ cmd``), a ``watch`` banner (``Every 2.0s: kubectl get pods   host: Wed Aug  5 ...``), or any line
that starts with a known CLI, whatever comes before it: no prompt at all, ``#kubectl get nodes``, a
markdown quote (``> > kubectl ...``), inline-code backticks or a ``| `` table-cell prompt. Known CLIs are the
programs whose output Medic's parsers read, and kubectl's usual aliases (``k``, ``kc``, ``kubectl.exe``,
``microk8s.kubectl``, ``oc``); an alias must be followed by a kubectl verb so a sentence that starts with
``k`` is not taken for a command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# shell prompts: "$ cmd", "# cmd", "[root@host ~]# cmd", "user@host:~$ cmd", "PS C:\\> cmd", "> cmd"
PROMPT = re.compile(
    r"^\s*+(?:\([^)\n]{1,40}\)\s*)?"  # conda/venv/kube-ps1 prefix: "(base) ", "(⎈ |ctx:ns) "
    r"(?:\[[^\]\n]{1,80}\] ?[#$%]\s*|[\w.@-]+@[\w.-]+(?::[^\s$#]*)?[#$%]\s*|[\w.-]+:~[^\s$#]*[#$]\s*"
    r"|~[^\s$#]*[#$]\s*|(?:bash|sh|zsh)-\d[\d.]*[#$]\s*|\$>\s*|[$#%>]\s+|PS [A-Z]:\\[^>]*>\s*|(?:➜|❯)\s+(?:\S+\s+)?)"
    r"(?P<cmd>\S.*)$"
)

# programs whose output a parser reads (a line starting with one is a command, prompt or not)
CLIS = (
    "kubectl",
    "kubectl.exe",
    "kubectl.sh",
    "microk8s.kubectl",
    "microk8s",
    "minikube",
    "oc",
    "helm",
    "helm3",
    "etcdctl",
    "drbdadm",
    "drbdsetup",
    "drbd-overview",
    "docker",
    "systemctl",
    "ansible-playbook",
    "ansible",
    "konvoy",
    "crictl",
    "kubeadm",
    "sudo",
)
# kubectl aliases operators use: a command only when a kubectl verb follows
ALIASES = ("k", "kc", "kctl", "kub")
VERBS = (
    "get",
    "describe",
    "logs",
    "apply",
    "create",
    "delete",
    "edit",
    "top",
    "rollout",
    "events",
    "exec",
    "patch",
    "scale",
    "cordon",
    "drain",
    "uncordon",
    "label",
    "annotate",
    "explain",
    "version",
    "cluster-info",
)
_CLI = re.compile(
    r"^(?:[\s>|`*]|&gt;)*+#?\s*+(?P<cmd>(?:\S*/)?(?:"
    + "|".join(re.escape(c) for c in CLIS)
    + r")\s+[-a-z0-9./$\"'][^\s]*(?:\s.*)?|(?:"
    + "|".join(ALIASES)
    + r")\s+(?:"
    + "|".join(VERBS)
    + r")\b.*|(?:cat|grep|watch|df|du)\s+[-a-z0-9./~$]\S*(?:\s.*)?)$"
)
_WATCH = re.compile(r"^\s*Every\s+\d+(?:\.\d+)?s:\s+(?P<cmd>\S.*?)(?:\s{2,}\S.*)?$")
_CLEAN = re.compile(r"`+\s*$")


def _clean(cmd: str) -> str:
    return _CLEAN.sub("", cmd).strip()


def prompt_command(line: str) -> str | None:
    """The command of a command line (prompt, ``watch`` banner or known CLI first), or None."""
    if not line or len(line) > 4096:
        return None
    if "$" in line or "#" in line or ">" in line or "➜" in line or "❯" in line or "%" in line:
        m = PROMPT.match(line)
        if m:
            cmd = m.group("cmd")
            c = _CLI.match(cmd)  # "> > kubectl ...": the CLI after a quote's second marker
            return _clean(c.group("cmd") if c else cmd)
    if "Every" in line:
        w = _WATCH.match(line)
        if w:
            return _clean(w.group("cmd"))
    c = _CLI.match(line)
    if c:
        return _clean(c.group("cmd"))
    return None


def prompt_commands(lines: Sequence[str]) -> list[str | None]:
    """``prompt_command`` of every line, in one pass."""
    return [prompt_command(line) for line in lines]
