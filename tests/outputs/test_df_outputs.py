"""`df` output on real samples (tests/data/outputs/df, sources in SOURCES-df.md): facts and the HOST62x checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medic.checks.registry import all_checks, run_checks
from medic.evidence.outputs.registry import parse_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "outputs"
SAMPLES = sorted((DATA / "df").glob("*.txt"))


def _parse(name: str) -> tuple[list[dict[str, object]], set[str]]:
    result = parse_lines((DATA / "df" / name).read_text(encoding="utf-8").splitlines())
    rows = [fs for b in result.blocks if b.kind == "df" for fs in b.facts["filesystems"]]
    codes = {f.code for f in run_checks(result.snapshot(), all_checks())}
    return rows, codes


def test_every_sample_is_listed_with_its_source() -> None:
    sources = (DATA / "SOURCES-df.md").read_text(encoding="utf-8")
    assert len(SAMPLES) >= 3
    for path in SAMPLES:
        assert f"df/{path.name}" in sources


def test_gnu_df_h_full_root_and_data() -> None:
    rows, codes = _parse("cmc-csci143-688-root-full.txt")
    by_mount = {r["mount"]: r for r in rows}
    assert len(rows) == 9
    assert by_mount["/"]["use_percent"] == 100 and by_mount["/"]["filesystem"] == "/dev/mapper/ubuntu--vg-ubuntu--lv"
    assert by_mount["/data"]["use_percent"] == 92 and by_mount["/data"]["size"] == "48T"
    assert "HOST620" in codes  # above 90 %


def test_posix_kpt_with_type_column() -> None:
    rows, codes = _parse("dashdot-944-posix-kPT.txt")
    assert rows[0] == {
        "filesystem": "overlay",
        "type": "overlay",
        "size": "486202568",
        "used": "195889092",
        "avail": "265542252",
        "use_percent": 42,
        "mount": "/",
    }
    assert {r["mount"] for r in rows if r["use_percent"] == 100} == {
        "/mnt/host/snap/bare/5",
        "/mnt/host/snap/core18/2812",
    }
    # read-only images (snap squashfs loops) are always full: not a disk-space finding
    assert "HOST620" not in codes


def test_busybox_df_after_a_prompt() -> None:
    result = parse_lines((DATA / "df" / "home-assistant-os-755-busybox.txt").read_text(encoding="utf-8").splitlines())
    assert [(b.kind, b.start_line, b.end_line, b.command) for b in result.blocks] == [("df", 2, 11, "df -h")]
    rows, codes = _parse("home-assistant-os-755-busybox.txt")
    assert rows[0]["filesystem"] == "/dev/root" and rows[0]["use_percent"] == 100
    assert "HOST620" in codes


def test_two_outputs_with_chatter_and_inodes() -> None:
    result = parse_lines((DATA / "df" / "dokku-6272-overlay-and-inodes.txt").read_text(encoding="utf-8").splitlines())
    assert [(b.kind, b.start_line, b.end_line) for b in result.blocks] == [("df", 2, 9), ("df", 12, 15)]
    assert [n for n, _ in result.plain] == [1, 10, 11]
    inodes = result.blocks[1].facts["filesystems"]
    assert all(r.get("inodes") for r in inodes) and inodes[1]["use_percent"] == 11


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_no_row_is_lost(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [fs for b in parse_lines(lines).blocks for fs in b.facts["filesystems"]]
    rows_in_text = [ln for ln in lines if re.search(r"\d%\s+/", ln)]
    assert len(rows) == len(rows_in_text)
