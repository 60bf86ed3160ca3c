"""Alert payloads are evidence although they hold no error word: their name and summary are the query."""

from __future__ import annotations

import io
from pathlib import Path

from medic.knowledge.ingest import index_paths
from medic.knowledge.store import Store
from medic.triage import ALERTS_PER_CHUNK, SALIENT_PER_CHUNK, is_alert_field, triage

RUNBOOK = """# KubeletTooManyPods

## Meaning

The kubelet of a node runs close to the most pods it may hold, and new pods cannot be placed there.

## Mitigation

Spread the workloads or raise the node's pod limit.

# EtcdDatabaseQuotaLowSpace

## Meaning

The etcd database is close to its size quota; writes will be refused when it is reached.
"""
ALERT = """Labels
 alertname = KubeletTooManyPods
 node = worker-7
 severity = info
Annotations
 summary = Kubelet is running at capacity.
 description = Kubelet 'worker-7' is running at 98% of its Pod capacity.
"""


def test_alert_field_lines() -> None:
    assert is_alert_field(" alertname = KubeletTooManyPods")
    assert is_alert_field('"summary": "Kubelet is running at capacity."')
    assert not is_alert_field("alertname =")  # no value
    assert not is_alert_field("$ grep summary: notes.txt")  # a command the user typed


def test_an_alert_without_error_words_finds_its_runbook(tmp_path: Path, store: Store) -> None:
    (tmp_path / "alerts.md").write_text(RUNBOOK, encoding="utf-8")
    assert index_paths(store, [str(tmp_path / "alerts.md")]).ok
    result = triage(store, io.BytesIO(ALERT.encode()), include_weak=True)
    assert result.matches and result.matches[0].entry.title == "KubeletTooManyPods"
    assert result.matches[0].search_score > 0


def test_a_structured_log_does_not_use_up_the_error_lines(tmp_path: Path, store: Store) -> None:
    (tmp_path / "alerts.md").write_text(RUNBOOK, encoding="utf-8")
    assert index_paths(store, [str(tmp_path / "alerts.md")]).ok
    info = "".join(
        f'{{"level": "info", "message": "request {i} served to client {i % 7}"}}\n'
        for i in range(SALIENT_PER_CHUNK + ALERTS_PER_CHUNK + 5_000)
    )
    error = '{"level": "error", "error": "etcdserver: mvcc: database space exceeded, quota low space"}\n'
    with_error = triage(store, io.BytesIO((info + error).encode()), include_weak=True)
    titles = [m.entry.title for m in with_error.matches]
    assert "EtcdDatabaseQuotaLowSpace" in titles
