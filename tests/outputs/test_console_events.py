"""Event lists copied from the OpenShift web console (``console-events``): `` | ``-joined rows, a reason in
words, ``N times in the last ...``. Real rows: openshiftio/openshift.io#2187 (SOURCES-kube.md)."""

from __future__ import annotations

from pathlib import Path

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.console_events import parse_row
from medic.evidence.outputs.registry import parse_text

SAMPLE = (
    Path(__file__).resolve().parents[1] / "data" / "outputs" / "console-events" / "openshiftio-2187-console-quota.txt"
)


def findings(text: str) -> set[tuple[str, str]]:
    return {(f.code, str(f.object)) for f in run_checks(parse_text(text).snapshot(), all_checks())}


def test_quota_refusals_of_two_deployment_configs() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert [b.kind for b in parse_text(text).blocks] == ["console-events"]
    assert findings(text) == {
        ("QTA251", "DeploymentConfig/content-repository"),
        ("QTA251", "DeploymentConfig/jenkins"),
    }


def test_row_cells() -> None:
    row = parse_row(SAMPLE.read_text(encoding="utf-8").splitlines()[2])
    assert row is not None
    assert (row["time"], row["name"], row["kind"], row["type"], row["reason"], row["count"]) == (
        "8:06:42 AM",
        "jenkins",
        "DeploymentConfig",
        "Warning",
        "FailedCreate",
        16,
    )
    assert row["message"].startswith('Error creating deployer pod: pods "jenkins-1-deploy" is forbidden')
    assert row["message"].endswith("limited: pods=0")  # the count was glued to it: "pods=016 times"


def test_markdown_separator_row_is_skipped() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    as_markdown = "\n".join([lines[0], "-- | -- | -- | -- | -- | --", *lines[1:]])  # GitHub's table conversion
    (block,) = parse_text(as_markdown).blocks
    assert (block.kind, block.start_line, block.end_line, len(block.facts["events"])) == ("console-events", 1, 4, 3)


def test_a_row_without_type_is_not_an_event() -> None:
    assert parse_row("8:06:42 AM | jenkins | started") is None
