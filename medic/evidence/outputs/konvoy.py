"""``konvoy up|deploy|check`` progress: ``STAGE [...]`` lines and the status lines under them
(``name   [OK]``, ``[ERROR]``, ``[WARNING]``), with the ``Error: ...`` text that follows a failure →
``host["konvoy_stages"]``.

The ansible plays a stage runs (``PLAY [...]`` ... ``PLAY RECAP``) are the ansible parser's block; this one
stops where they begin. A status may be glued to the text before it (``... i/o timeout[ERROR]``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser, next_text
from medic.model import Snapshot

_STAGE = re.compile(r"^STAGE \[(?P<stage>[^\]]+)\]\s*$")
_STATUS = re.compile(r"^(?P<name>.*?)\s*\[(?P<status>OK|ERROR|WARNING|WARN|SKIPPED|FAILED)\]\s*$")
_ERROR = re.compile(r"^(?:Error|error|FATA\[\d+\]|exit status \d+)\b:?")

_EXIT_STATUS = re.compile(r"exit status \d+")


class KonvoyCheckParser(OutputParser):
    kind = "konvoy-check"
    start = re.compile(r"^STAGE \[[^\]]+\]\s*$|^\S+\s{2,}\[(?:OK|ERROR|WARNING|WARN|SKIPPED)\]\s*$")
    command = re.compile(r"\bkonvoy\b")

    def _belongs(self, line: str) -> bool:
        return bool(_STAGE.match(line) or _STATUS.match(line) or _ERROR.match(line))

    def block_end(self, lines: Sequence[str], start: int) -> int:
        end = start + 1
        limit = min(len(lines), start + self.max_lines)
        in_error = False  # an "Error:" message may go on over a few lines ("]" of a stderr dump)
        while end < limit:
            line = lines[end]
            if line.strip() and self._belongs(line):
                in_error = bool(_ERROR.match(line))
                end += 1
            elif line.strip() and in_error and (line[:1] in " \t]" or line.startswith("exit status")):
                end += 1
            elif not line.strip():
                nxt = next_text(lines, end)
                if nxt and self._belongs(nxt):
                    end += 1
                else:
                    break
            else:
                break
        return end

    def parse(self, lines: Sequence[str]) -> Any:
        stages: list[dict[str, Any]] = []
        group = ""
        group_failed_without_lines = False
        errors: list[str] = []
        for raw in lines:
            line = raw.rstrip()
            m = _STAGE.match(line)
            if m:
                group = m.group("stage")
                group_failed_without_lines = False
                continue
            m = _STATUS.match(line)
            if m:
                status = m.group("status").replace("WARN", "WARNING").replace("WARNINGING", "WARNING")
                name = m.group("name").strip()
                message = ""
                if not name or len(name.split()) > 1:  # "<error text>[ERROR]": the stage's own status
                    message, name = name, group or "?"
                stages.append(
                    {
                        "stage": name,
                        "group": group,
                        "status": status,
                        "message": message,
                        "line": line.strip(),
                    }
                )
                continue
            if _ERROR.match(line) or (errors and line.strip()):
                errors.append(line.strip())
                if group and not group_failed_without_lines and not any(s["status"] == "ERROR" for s in stages):
                    stages.append({"stage": group, "group": group, "status": "ERROR", "message": "", "line": ""})
                    group_failed_without_lines = True
        text = " ".join(e for e in errors if not _EXIT_STATUS.fullmatch(e))
        if text:
            for s in stages:
                if s["status"] == "ERROR" and not s["message"]:
                    s["message"] = text[:2000]
                    if not s["line"]:
                        s["line"] = errors[0][:2000]
        if not stages and not _STAGE.match(lines[0]):
            return None
        return {"konvoy_stages": stages}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        snap.host.setdefault("konvoy_stages", []).extend(facts["konvoy_stages"])


PARSERS: list[OutputParser] = [KonvoyCheckParser()]
