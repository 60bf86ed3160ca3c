"""Every parser, fuzzed: random text, real samples truncated and mangled, wrong column counts, CJK names,
very long lines. Parsing never raises (not even inside the registry's safety net), and text no parser can
read stays plain lines.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.registry import parse_lines, parsers

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "outputs"


def _sample_lines() -> list[list[str]]:
    found = [p.read_text(encoding="utf-8", errors="replace").splitlines() for p in sorted(SAMPLES.rglob("*.txt"))]
    return [lines for lines in found if lines] or [
        ["Filesystem Size Used Avail Use% Mounted on", "/dev/sda1 1G 1G 0 99% /"]
    ]


SAMPLE_LINES = _sample_lines()
WORDS = st.sampled_from(
    [
        "",
        " ",
        "  ",
        "\t",
        "Running",
        "CrashLoopBackOff",
        "93%",
        "/",
        "UpToDate",
        "Outdated",
        "ok=3",
        "unreachable=1",
        "[ERROR]",
        "Problem:",
        "NAME",
        "STATUS",
        "ボリューム名",
        "服务",
        "볼륨",
        "\x00",
        "|",
        "+----+",
        ":",
        "=>",
        "{",
        "}",
        "0/3",
        "5 (3m ago)",
        "<none>",
        "x" * 5000,
    ]
)
LINE = st.lists(WORDS, max_size=12).map(" ".join)


@st.composite
def mangled_sample(draw: st.DrawFn) -> list[str]:
    lines = list(draw(st.sampled_from(SAMPLE_LINES)))
    cut = draw(st.integers(0, len(lines)))
    lines = lines[:cut] if draw(st.booleans()) else lines[cut:]
    out = []
    for line in lines:
        action = draw(st.integers(0, 9))
        if action == 0:
            line = line[: draw(st.integers(0, len(line)))]  # truncated
        elif action == 1:
            words = line.split()
            line = "  ".join(words[: draw(st.integers(0, len(words)))])  # missing columns
        elif action == 2:
            line = line + "  extra  columns  名前"
        elif action == 3:
            line = draw(LINE)
        out.append(line)
    return out


def _check_never_raises(lines: list[str]) -> None:
    for p in parsers():
        for i, line in enumerate(lines):
            if p.starts(line, None):
                end = p.block_end(lines, i)
                assert i <= end <= len(lines)
                if end > i:
                    p.parse(lines[i:end])
    result = parse_lines(lines)
    covered = sum(b.end_line - b.start_line + 1 for b in result.blocks) + len(result.plain)
    assert covered == len(lines), "every line is either in a block or plain"
    run_checks(result.snapshot(), all_checks())  # facts that reach a snapshot never break a check


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=30))
def test_random_text(lines: list[str]) -> None:
    _check_never_raises(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_sample())
def test_mangled_real_samples(lines: list[str]) -> None:
    _check_never_raises(lines)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SAMPLE_LINES), st.text(max_size=200))
def test_samples_inside_chatter(lines: list[str], chatter: str) -> None:
    _check_never_raises([*chatter.splitlines(), "$ some-command --flag", *lines, *chatter.splitlines()])


def test_unknown_text_stays_plain() -> None:
    text = ["I restarted the node at 03:10 and the app came back.", "", "Then it failed again:", "boom"]
    result = parse_lines(text)
    assert not result.blocks and [n for n, _ in result.plain] == [1, 2, 3, 4]
