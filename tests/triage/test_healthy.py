"""A healthy status pasted on its own: recognised output, no finding, no line reporting a problem. Triage prints
no runbook for it, unless --all asks for the weak candidates too."""

from __future__ import annotations

import io

from medic.knowledge.store import Store
from medic.pasted import triage_pasted

# written for this test: every pod running and ready
HEALTHY = """NAME                        READY   STATUS    RESTARTS   AGE
keycloak-0                  1/1     Running   0          12d
vantiq-0                    1/1     Running   0          12d
vantiq-1                    1/1     Running   0          12d
mongodb-0                   2/2     Running   0          12d
grafana-6b7c9d8f5-k2x7q     1/1     Running   0          3d
"""


def triage(store: Store, text: str, include_weak: bool):  # type: ignore[no-untyped-def]
    return triage_pasted(store, io.BytesIO(text.encode()), top=5, include_weak=include_weak)


def test_a_healthy_paste_prints_no_runbook(seeded_store: Store) -> None:
    result = triage(seeded_store, HEALTHY, include_weak=False)
    assert result.parsed.blocks and result.findings == [] and result.triage.quiet
    assert result.triage.matches == []


def test_all_shows_the_weak_candidates_of_a_healthy_paste(seeded_store: Store) -> None:
    result = triage(seeded_store, HEALTHY, include_weak=True)
    assert result.triage.matches, "--all asks for weak candidates too"
    assert all(m.confidence < 0.9 for m in result.triage.matches)
