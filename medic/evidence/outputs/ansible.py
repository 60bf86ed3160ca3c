"""Ansible runs (``ansible-playbook`` and the plays ``konvoy`` runs): the ``PLAY RECAP`` host lines →
``host["ansible_hosts"]`` and ``fatal: [host]: UNREACHABLE!/FAILED! => {...}`` (one line or a JSON object
over several lines, with the task it belongs to) → ``host["ansible_failures"]``.

A block is the run from its first ``PLAY [``/``TASK [``/``fatal:``/``PLAY RECAP`` line through the recap;
``ok:``/``changed:``/``skipping:`` lines belong to it but carry no facts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser, next_text
from medic.evidence.outputs.bounded import loads_json
from medic.model import Snapshot

_RECAP = re.compile(r"^PLAY RECAP\b")
_RECAP_HOST = re.compile(r"^\s*(?P<host>\S+)\s*:\s*(?P<counts>ok=\d+\s+changed=\d+.*)$")
_FATAL = re.compile(
    r"^\s*(?:fatal|failed): \[(?P<host>[^\]]+)\](?:: | \(item=.*?\) )?(?P<kind>UNREACHABLE|FAILED)! => ?(?P<rest>.*)$"
)
_ADHOC = re.compile(r"^(?P<host>\S+) \| (?P<kind>UNREACHABLE|FAILED)!?(?: => ?(?P<rest>.*))?$")
_TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<task>.*)\]")
_START = re.compile(r"^(?:PLAY RECAP\b|PLAY \[.*\]|TASK \[.*\]|(?:fatal|failed): \[|\S+ \| (?:UNREACHABLE|FAILED)!)")
_ANSIBLE_LINE = re.compile(
    r"^(?:PLAY RECAP\b|PLAY \[|TASK \[|RUNNING HANDLER \[|PLAYBOOK: |(?:ok|changed|skipping|fatal|failed|included"
    r"|rescued|ignored): |\.\.\.ignoring|FAILED - RETRYING|NO MORE HOSTS LEFT|\s*to retry, use:|MSG:|task path:"
    r"|skipping: no hosts matched|\[WARNING\]|\S+ \| (?:SUCCESS|CHANGED|UNREACHABLE|FAILED)|\s*\S+\s*:\s*ok=\d+)"
)

_COUNT = re.compile(r"(\w+)=(\d+)")
_MSG = re.compile(r'"msg":\s*"((?:[^"\\]|\\.)*)"')
_GLUED = re.compile(r"^((?:PLAY|TASK|RUNNING HANDLER|PLAY RECAP)\b.*?\*{3,})(\S.*)$")
_OPEN_JSON = re.compile(r"=> \{\s*$")
_PLAY_OR_TASK = re.compile(r"^(?:PLAY|TASK) \[")


def _counts(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in _COUNT.findall(text)}


def _message(payload: str) -> str:
    """The ``msg`` of a result JSON (one line or several), else the text itself."""
    text = payload.strip()
    try:
        data = loads_json(text)
    except ValueError:
        m = _MSG.search(text)
        if not m:
            return text
        try:
            return str(json.loads('"' + m.group(1) + '"'))
        except ValueError:
            return m.group(1)
    if isinstance(data, dict):
        for key in ("msg", "stderr", "module_stderr", "reason"):
            if data.get(key):
                return str(data[key])
    return text


def _unglue(lines: Sequence[str]) -> list[str]:
    """Split "TASK [x] *****fatal: ..." and "PLAY RECAP ****host : ok=0": pastes that lost a newline."""
    out: list[str] = []
    for line in lines:
        m = _GLUED.match(line)
        if m:
            out.extend((m.group(1), m.group(2)))
        else:
            out.append(line)
    return out


class AnsibleRecapParser(OutputParser):
    kind = "ansible-recap"
    start = _START
    command = re.compile(r"\b(?:ansible(?:-playbook)?|konvoy)\b")

    def starts(self, line: str, command: str | None) -> bool:
        return bool(_START.match(line))

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        first = lines[start]
        depth = 1 if _OPEN_JSON.search(first) or (_ADHOC.match(first) and first.rstrip().endswith("{")) else 0
        after_msg = 0  # the free text under "MSG:" (one paragraph): 1 after "MSG:", 2 inside the paragraph
        while end < limit:
            line = lines[end]
            stripped = line.strip()
            if depth > 0:
                depth += line.count("{") - line.count("}")
                depth = max(depth, 0)
                end += 1
                continue
            if not stripped:
                nxt = next_text(lines, end, within=3)
                if _ANSIBLE_LINE.match(nxt) or (after_msg == 1 and nxt):
                    end += 1
                    continue
                break
            if _ANSIBLE_LINE.match(line):
                after_msg = 1 if stripped == "MSG:" else 0
                if _OPEN_JSON.search(line) or (_ADHOC.match(line) and line.rstrip().endswith("{")):
                    depth = 1
                end += 1
                continue
            if after_msg:
                after_msg = 2
                end += 1
                continue
            break
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        lines = _unglue(lines)
        hosts: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        task = ""
        in_recap = False
        i = 0
        while i < len(lines):
            raw = lines[i]
            i += 1
            m = _TASK.match(raw)
            if m:
                task = m.group("task").strip()
                in_recap = False
                continue
            if _RECAP.match(raw):
                in_recap = True
                continue
            if in_recap:
                m = _RECAP_HOST.match(raw)
                if m:
                    counts = _counts(m.group("counts"))
                    row: dict[str, Any] = {"host": m.group("host")}
                    for key in ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"):
                        row[key] = counts.get(key, 0)
                    row["line"] = " ".join(raw.split())
                    hosts.append(row)
                continue
            m = _FATAL.match(raw) or _ADHOC.match(raw)
            if not m:
                continue
            host = m.group("host").split(" -> ")[0].strip()
            rest = m.group("rest") or ""
            if rest.strip().startswith("{") and rest.count("{") > rest.count("}"):
                depth = rest.count("{") - rest.count("}")
                payload = [rest]
                while i < len(lines) and depth > 0:
                    payload.append(lines[i])
                    depth += lines[i].count("{") - lines[i].count("}")
                    i += 1
                rest = "\n".join(payload)
            message = _message(rest) if rest.strip() else ""
            if i < len(lines) and not message.strip("{} \n"):
                message = ""
            # "MSG:" paragraph right after the result
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j].strip() == "MSG:":
                k = j + 1
                while k < len(lines) and not lines[k].strip():
                    k += 1
                text = []
                while k < len(lines) and lines[k].strip():
                    text.append(lines[k].strip())
                    k += 1
                if text:
                    message = " ".join(text)
            failures.append(
                {
                    "host": host,
                    "task": task,
                    "kind": m.group("kind"),
                    "message": " ".join(message.split())[:2000],
                    "line": raw.strip()[:2000],
                }
            )
        if not hosts and not failures and not _PLAY_OR_TASK.match(lines[0]):
            return None
        return {"ansible_hosts": hosts, "ansible_failures": failures}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("ansible_hosts", []).extend(facts["ansible_hosts"])
        snap.host.setdefault("ansible_failures", []).extend(facts["ansible_failures"])


PARSERS: list[OutputParser] = [AnsibleRecapParser()]
