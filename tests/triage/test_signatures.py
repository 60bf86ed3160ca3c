"""Signature mining and the multi-pattern engines."""

from __future__ import annotations

import io
import re
from array import array

import pytest

from medic.knowledge.matcher import HyperscanEngine, Re2Engine
from medic.knowledge.signatures import core_of, is_header, mine, status_row_regex, template_of
from medic.model import CodeBlock, CodeKind, Entry


def entry_with(log: str, body: str = "") -> Entry:
    return Entry(
        id="e1",
        source="s",
        title="t",
        anchor="",
        heading_path=["t"],
        level=1,
        line_start=1,
        line_end=9,
        lang="en",
        body=body,
        code_blocks=[CodeBlock(text=log, kind=CodeKind.OUTPUT, lang="log", line=3)],
    )


def test_variable_parts_become_wildcards() -> None:
    template, regex = template_of(
        'Readiness probe failed: Get "http://10.2.3.4:3000/api/health": dial tcp 10.2.3.4:3000: connect: '
        "connection refused"
    )
    assert template == 'Readiness probe failed: Get "<*>": dial tcp <ip>: connect: connection refused'
    other = (
        'Readiness probe failed: Get "http://172.16.0.9:8080/healthz": dial tcp 172.16.0.9:8080: connect: '
        "connection refused"
    )
    assert re.search(regex, other)


def test_leading_timestamps_loggers_and_pod_prefixes_are_dropped() -> None:
    line = (
        "telegraf-abc-86c55969cb-fxmnx telegraf 2024-01-02T03:04:05Z E! [inputs.prometheus] Unable to watch "
        'resources: kubernetes api: Failure 403 pods is forbidden: User "system:serviceaccount:a:b" cannot '
        'watch resource "pods" in API group "" at the cluster scope'
    )
    template, _ = template_of(line)
    assert template.startswith("Unable to watch resources")
    java = 'Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "kc"'
    assert template_of(java)[0] == 'password authentication failed for user "<*>"'
    prefixed = "kc-1 keycloak 12:00:01 WARN [pool] IJ000604: Unable to get a connection: Error: disk quota exceeded now"
    assert core_of(prefixed) == "disk quota exceeded now"


def test_runbook_placeholders_are_wildcards() -> None:
    template, regex = template_of("Problem: DRBD resource ボリューム名 status is not UpToDate/Diskless client")
    assert "<ph>" in template
    assert re.search(regex, "Problem: DRBD resource data01 status is not UpToDate/Diskless client")
    _, regex2 = template_of("pods importer-XXXXX is forbidden: failed quota: {$Namespace} : must specify limits.cpu")
    assert re.search(regex2, "pods importer-dv-7 is forbidden: failed quota: vm-ns : must specify limits.cpu")


def test_table_rows_keep_their_state_words_only() -> None:
    row = "pvc-ec37c469-782a-473f-a6f9-aaaaaaaaaaaa   5Gi   RWO   Retain   Released   shared/grafana   sc   247d"
    template, regex = status_row_regex(row) or ("", "")
    assert template == "RWO … Retain … Released"
    assert re.search(regex, "pvc-1   8Gi   RWO   Retain   Released   mon/prom   fast   <unset>   3d")
    assert is_header("NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS")
    assert not is_header("keycloak-0   0/1   CrashLoopBackOff   4   2m")


def test_generic_lines_are_not_signatures() -> None:
    sigs = mine(
        entry_with(
            "$ kubectl get pods\nNAME   READY   STATUS\nweb-1   1/1   Running   0   1d\n"
            "Connected to http://localhost:8086 version 1.8.1\n    at org.foo.Bar(Bar.java:12)\n"
            "10.0.0.1 : ok=5 changed=0 unreachable=0 failed=0"
        )
    )
    assert sigs == []


def test_prose_quotes_and_events_are_mined() -> None:
    log = (
        "  Warning  BackOff  52s (x24 over 8m)  kubelet  Back-off restarting failed container\n"
        '  Normal   Pulled   10m  kubelet  Successfully pulled image "busybox"'
    )
    sigs = mine(entry_with(log, body='Zabbix raises "Problem: /: Disk space is low (used > 80%)" on the host.'))
    templates = {s.template for s in sigs}
    assert "Back-off restarting failed container" in templates
    assert "/: Disk space is low (used > <num>%)" in templates  # the alert prefix is not part of it
    assert all(s.entry_id == "e1" for s in sigs)


PATTERNS = [
    template_of('failed calling webhook "x.io": Post https://svc:443/mutate?timeout=30s')[1],
    status_row_regex("a   1/1   Retain   Released   x   y")[1]
    if status_row_regex("a   1/1   Retain   Released   x   y")
    else "Released",
]
TEXT = (
    b'noise\nInternal error occurred: failed calling webhook "dv.cdi.io": Post https://svc:8443/mutate?'
    b"timeout=10s\nother\npv-9   2Gi   RWO   Retain   Released   a/b   sc   1d\n\x00binary\xff\n"
)


@pytest.mark.parametrize("engine_cls", [HyperscanEngine, Re2Engine])
def test_engines_report_each_matching_line_once(engine_cls: type) -> None:
    engine = engine_cls(PATTERNS)
    out: array[int] = array("q")
    engine.scan(TEXT, out)
    found = list(zip(out[::2], out[1::2], strict=True))
    lines = sorted({(p, TEXT[:end].count(b"\n") + 1) for p, end in found})
    assert lines == [(0, 2), (1, 4)]
    assert len(found) == 2


def test_engine_cache_roundtrip(store: object) -> None:
    from medic.knowledge.store import Store

    assert isinstance(store, Store)
    first = HyperscanEngine(PATTERNS, store)
    second = HyperscanEngine(PATTERNS, store)  # loaded from the cache table
    out: array[int] = array("q")
    second.scan(TEXT, out)
    assert len(out) == 4 and first.name == "hyperscan"
    _ = io
