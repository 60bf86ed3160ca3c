"""The terminal report of ``diagnose`` keeps its grouping at any width: folded lines stay indented under
their finding, and groups are named (cluster-scoped, namespace X)."""

from __future__ import annotations

import io
import itertools
import re

import pytest

from medic.cli.cluster import demo_bundle_path
from medic.diagnose import DiagnoseResult, diagnose
from medic.evidence.bundle import read_bundle
from medic.knowledge.store import Store
from medic.report.console import MARKER, CopyConsole
from medic.report.terminal import print_report


@pytest.fixture(scope="module")
def demo(builtin_store: Store) -> DiagnoseResult:
    return diagnose(read_bundle(demo_bundle_path()), builtin_store)


@pytest.mark.parametrize("width", [50, 80, 120])
def test_findings_stay_in_their_group(demo: DiagnoseResult, width: int) -> None:
    out = io.StringIO()
    print_report(CopyConsole(file=out, force_terminal=True, width=width, color_system=None), demo)
    lines = out.getvalue().splitlines()
    assert "  cluster-scoped (" in "\n".join(lines) and "(cluster)" not in "\n".join(lines)
    assert any(re.fullmatch(r"  namespace \S+ \(\d+\)", line) for line in lines)
    section = None
    head = 0  # indentation of the line being folded
    for before, line in itertools.pairwise(lines):
        indent = len(line) - len(line.lstrip(" "))
        if re.fullmatch(r"(ERRORS|WARNINGS|INFOS) \(\d+\)", line):
            section = line
        elif line == "" or line.startswith(("NOT EVALUATED", "SKIPPED")):
            section = None
        if before.endswith(MARKER):  # a continuation: indented deeper than the line it continues
            assert indent > head, (before, line)
            continue
        head = indent
        if section and line != section:
            assert indent >= 2, line  # nothing in a severity section starts at column 0
