"""Event messages pasted alone (``event-messages``): the line a kubelet or scheduler message starts, after
a timestamp, bullet or indentation, becomes that component's event. Real samples: SOURCES-kube.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.event_messages import parse_line
from medic.evidence.outputs.registry import parse_text

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs" / "event-messages"


def findings(text: str) -> set[tuple[str, str]]:
    return {(f.code, str(f.object)) for f in run_checks(parse_text(text).snapshot(), all_checks())}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mittwald-65-probe-messages.txt", {("POD107", "Pod/(unnamed)"), ("POD108", "Pod/(unnamed)")}),
        ("dashboard-5054-liveness-in-prose.txt", {("POD108", "Pod/(unnamed)")}),
        ("helm-charts-12409-liveness-line.txt", {("POD108", "Pod/(unnamed)")}),
    ],
)
def test_samples_give_exactly_these_findings(name: str, expected: set[tuple[str, str]]) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert [b.kind for b in parse_text(text).blocks] == ["event-messages"]
    assert findings(text) == expected


def test_reason_and_type_of_each_message() -> None:
    line = (DATA / "helm-charts-12409-liveness-line.txt").read_text(encoding="utf-8").splitlines()[0]
    assert parse_line("6/11/2020, 17:52:33.000 " + line) == {"reason": "Unhealthy", "type": "Warning", "message": line}
    assert parse_line("- Back-off restarting failed container") == {
        "reason": "BackOff",
        "type": "Warning",
        "message": "Back-off restarting failed container",
    }


def test_a_sentence_about_a_probe_is_not_a_message() -> None:
    # the author's own words (helm/charts#12409) and a kubelet log line that merely mentions a probe
    assert parse_line("often my pod ahs been restarted as because liveness probe is failed") is None
    assert parse_line('I0101 prober.go:116] "Probe failed" probeType="Liveness" pod="a/b"') is None


def test_a_table_or_describe_keeps_its_own_rows() -> None:
    describe = (DATA.parent / "kubectl-describe" / "tarantool-88-events-backoff.txt").read_text(encoding="utf-8")
    assert [b.kind for b in parse_text(describe).blocks] == ["kubectl-describe"]
