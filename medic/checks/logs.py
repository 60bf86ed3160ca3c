"""Log checks (LOG8xx): what the collected container logs say that the API objects do not.

LOG802 (log lines matching runbook signatures) lives in ``log_signatures`` and is filled in by diagnose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot

# `pods is forbidden: User "system:serviceaccount:shared:telegraf-prom" cannot watch resource "pods" in API group ""
# at the cluster scope`, and the older `cannot list pods in the namespace "x"` form
_FORBIDDEN = re.compile(
    r'User "(?P<user>[^"]+)" cannot (?P<verb>[\w-]+) '
    r'(?:resource "(?P<resource>[^"]+)"(?: in API group "(?P<group>[^"]*)")?|(?P<old>[\w./-]+))'
    r'(?: (?:(?P<cluster>at the cluster scope)|in the namespace "(?P<ns>[^"]+)"))?'
)
SA_PREFIX = "system:serviceaccount:"


@dataclass
class _Denied:
    count: int = 0
    pods: set[tuple[str, str]] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    shapes: set[str] = field(default_factory=set)


_DIGITS = re.compile(r"\d+")


@check(
    "LOG801",
    Severity.ERROR,
    "Container denied by RBAC (403 forbidden)",
    "{who} may not {verb} {resource} {scope}: {count} denied call(s) logged by container {container} in {pods} pod(s)",
    looks_at=("logs",),
    links=("apps-vantiq-stack.md#grafana-metrics-missing-telegraf-gets-failure-403-pods-is-forbidden-rbac",),
)
def rbac_forbidden(snap: Snapshot) -> Iterator[Hit]:
    """A container logs API calls refused by RBAC: ``<resource> is forbidden: User
    "system:serviceaccount:<namespace>:<name>" cannot <verb> resource "<resource>" in API group "<group>"
    at the cluster scope`` (or ``in the namespace "<ns>"``). The workload runs, but whatever needs that
    access silently does nothing: metrics collectors (telegraf, Prometheus) gather no pod metrics, and
    operators reconcile nothing. Common after enabling RBAC on a cluster (AKS, EKS) or installing a chart
    without its RBAC objects.

    Looks at the collected container logs (current and previous) and parses the service account, verb,
    resource, API group and scope; one finding per denied permission, on the first pod that logs it.
    Grant exactly that: a Role (namespace) or ClusterRole (cluster scope) with the verb on the resource,
    bound to the service account (``kubectl create clusterrole ... --verb=<verb> --resource=<resource>``,
    ``kubectl create clusterrolebinding ... --serviceaccount=<namespace>:<name>``); check it with
    ``kubectl auth can-i <verb> <resource> --as=system:serviceaccount:<namespace>:<name>``.
    """
    found: dict[tuple[str, str, str, str, str], _Denied] = {}
    for key, lines in snap.logs.items():
        parts = key.split("/")
        if len(parts) < 3:
            continue
        for line in lines:
            if "forbidden" not in line or "cannot" not in line:
                continue
            m = _FORBIDDEN.search(line)
            if not m:
                continue
            resource = m.group("resource") or m.group("old") or "?"
            if m.group("group"):
                resource = f"{resource}.{m.group('group')}"
            scope = f'in the namespace "{m.group("ns")}"' if m.group("ns") else m.group("cluster") or ""
            denied = found.setdefault((m.group("user"), m.group("verb"), resource, scope, parts[2]), _Denied())
            denied.count += 1
            denied.pods.add((parts[0], parts[1]))
            shape = _DIGITS.sub("", line.strip())  # the same line again, at another time
            if len(denied.lines) < 2 and shape not in denied.shapes:
                denied.shapes.add(shape)
                denied.lines.append(line.strip())
    for (user, verb, resource, scope, container), denied in sorted(found.items()):
        who = f"service account {user[len(SA_PREFIX) :].replace(':', '/', 1)}" if user.startswith(SA_PREFIX) else user
        ns, pod = min(denied.pods)
        yield Hit(
            ObjectRef("Pod", ns, pod),
            {
                "who": who,
                "verb": verb,
                "resource": resource,
                "scope": scope,
                "count": denied.count,
                "pods": len(denied.pods),
                "container": container,
            },
            denied.lines,
        )
