"""``kubectl top nodes`` / ``kubectl top pods`` (``-A``, ``--containers``) → usage rows, and metrics.k8s.io
shaped objects (``nodemetrics``, ``podmetrics``) in the snapshot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medic.evidence.outputs.base import OutputParser, split_columns
from medic.evidence.outputs.kubectl_get import cells
from medic.model import Snapshot

# (an agent's or TUI's frame glyph may stand before the header, the rows keep its column offsets)
_HEADER = re.compile(
    r"^\s*(?:[⎿│┃|]\s+)?(?:NAMESPACE\s+)?(?:POD\s+)?NAME\s+CPU(?:\(cores\))?\s+(?:CPU(?:%|\(%\))\s+)?MEMORY"
)
_PCT = re.compile(r"^(\d+)%$")

_CPU = re.compile(r"^\d+m?$")


class KubectlTopParser(OutputParser):
    kind = "kubectl-top"
    start = _HEADER

    def parse(self, lines: Sequence[str]) -> Any:
        cols = split_columns(lines[0])
        names = [n for n, _ in cols]
        nodes = any(n.startswith("CPU%") or n.startswith("CPU(%") for n in names) or "MEMORY%" in names
        rows: list[dict[str, Any]] = []
        for raw in lines[1:]:
            c = cells(raw, cols)
            cpu = c.get("CPU(cores)") or c.get("CPU") or ""
            mem = c.get("MEMORY(bytes)") or c.get("MEMORY") or ""
            if not c.get("NAME") or not (_CPU.match(cpu) or cpu == "<unknown>"):
                continue
            row: dict[str, Any] = {"name": c["NAME"], "cpu": cpu, "memory": mem.replace(" ", "")}
            for key, col in (("cpu_percent", "CPU%"), ("memory_percent", "MEMORY%")):
                m = _PCT.match(c.get(col, "") or c.get(col.replace("%", "(%)"), ""))
                if m:
                    row[key] = int(m.group(1))
            if c.get("NAMESPACE"):
                row["namespace"] = c["NAMESPACE"]
            if c.get("POD"):
                row["pod"] = c["POD"]
            rows.append(row)
        if not rows:
            return None
        return {"resource": "nodes" if nodes else "pods", "rows": rows}

    def apply(self, facts: Any, snap: Snapshot) -> None:
        if facts["resource"] == "nodes":
            for row in facts["rows"]:
                if row["cpu"] == "<unknown>":
                    continue
                snap.objects.setdefault("nodemetrics", []).append(
                    {"metadata": {"name": row["name"]}, "usage": {"cpu": row["cpu"], "memory": row["memory"]}}
                )
            return
        pods: dict[tuple[str, str], dict[str, Any]] = {}
        for row in facts["rows"]:
            pod_name = row.get("pod") or row["name"]
            key = (str(row.get("namespace") or ""), pod_name)
            pm = pods.get(key)
            if pm is None:
                md: dict[str, Any] = {"name": pod_name}
                if key[0]:
                    md["namespace"] = key[0]
                pm = pods[key] = {"metadata": md, "containers": []}
                snap.objects.setdefault("podmetrics", []).append(pm)
            container = row["name"] if row.get("pod") else "?"
            pm["containers"].append({"name": container, "usage": {"cpu": row["cpu"], "memory": row["memory"]}})


PARSERS: list[OutputParser] = [KubectlTopParser()]
