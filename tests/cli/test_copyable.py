"""Output that copies: nothing is hard-wrapped when stdout is not a terminal, and in a terminal long lines fold
at spaces only, with a continuation marker; no command, flag or token is ever cut."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
from rich.cells import cell_len

from medic.report.console import MARKER, CopyConsole, clip_words, fold_points
from tests.cli.conftest import clean_env, run

PATCH = (
    "kubectl patch deployment checkout-api -n shop --type merge -p "
    '\'{"spec":{"template":{"spec":{"containers":[{"name":"api","env":[{"name":"JAVA_TOOL_OPTIONS",'
    '"value":"-XX:MaxRAMPercentage=75.0"}]}]}}}}\''
)
RUNBOOK = f"""# Checkout API runs out of heap

## Symptoms

```
java.lang.OutOfMemoryError: Java heap space in checkout-api worker pool quartz-7
```

## Fix

Give the JVM a share of the container's memory limit:

```sh
{PATCH}
```
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, catalog_db: Path) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("copyable")
    db = tmp / "kb.db"
    shutil.copy(catalog_db, db)
    (tmp / "runbooks").mkdir()
    (tmp / "runbooks" / "heap.md").write_text(RUNBOOK, encoding="utf-8")
    env = clean_env(tmp, MEDIC_DB=str(db), COLUMNS="40")  # a narrow COLUMNS must not wrap a pipe either
    res = run(["index", str(tmp / "runbooks")], env)
    assert res.returncode == 0, res.stderr
    return tmp, env


def _entry_id(env: dict[str, str]) -> str:
    hits = json.loads(run(["search", "checkout api heap", "--no-builtin", "-o", "json"], env).stdout)["results"]
    return str(hits[0]["id"])


@pytest.mark.parametrize("command", ["show", "plan"])
def test_piped_commands_are_one_line(kb: tuple[Path, dict[str, str]], command: str) -> None:
    _, env = kb
    res = run([command, _entry_id(env)], env)
    assert res.returncode == 0, res.stderr
    assert any(PATCH in line for line in res.stdout.splitlines()), res.stdout


def test_piped_triage_prints_fix_lines_whole(kb: tuple[Path, dict[str, str]]) -> None:
    _, env = kb
    evidence = "java.lang.OutOfMemoryError: Java heap space in checkout-api worker pool quartz-7\n"
    doc = json.loads(run(["triage", "-o", "json", "-"], env, stdin=evidence).stdout)
    fixes = [f for m in doc["matches"] for f in m["fixes"]]
    assert "$ " + PATCH in fixes
    text = run(["triage", "-"], env, stdin=evidence).stdout
    assert any(line.strip() == "$ " + PATCH for line in text.splitlines()), text


def _unfold(lines: list[str]) -> list[str]:
    """Folded pieces joined back: a piece ending in the marker continues on the next line."""
    joined: list[str] = []
    carry = ""
    for line in lines:
        if line.endswith(MARKER):
            carry += line[: -len(MARKER)].strip() + " "
            continue
        joined.append((carry + line.strip()) if carry else line)
        carry = ""
    return joined


@pytest.mark.parametrize("width", [20, 33, 47, 80])
def test_folding_cuts_at_spaces_only(width: int) -> None:
    lines = [
        "     $ " + PATCH,
        "  ERROR POD101 Pod/web-0: container api is crash-looping (restarted 14 times; last exit code 137 OOMKilled)",
        "     line 3: ボリュームのマウントに失敗しました volume pvc-1234 を Node worker-1 にアタッチできません",
        "x" * (width + 5) + " short",
    ]
    for original in lines:
        out = io.StringIO()
        CopyConsole(file=out, force_terminal=True, width=width, color_system=None).print(original)
        printed = out.getvalue().splitlines()
        for piece in printed:
            body = piece.removesuffix(MARKER).strip()
            assert cell_len(piece) <= width or " " not in body, (width, piece)  # over the width: one whole token
        assert _unfold(printed)[0].split() == original.split()  # every token whole, in order
        assert len(printed) == len(fold_points(original, width))


def test_a_pipe_is_never_folded() -> None:
    out = io.StringIO()
    CopyConsole(file=out, width=20).print("     $ " + PATCH)
    assert out.getvalue() == "     $ " + PATCH + "\n"


def test_quoted_log_lines_are_cut_between_words() -> None:
    line = "E1204 kubelet.go:2412] " + " ".join(f"token-{n}" for n in range(100))
    short = clip_words(line, 60)
    assert short.endswith(" …") and len(short) <= 62
    assert set(short.removesuffix(" …").split()) <= set(line.split())


def test_a_terminal_folds_at_its_width(kb: tuple[Path, dict[str, str]]) -> None:
    _, env = kb
    env = {k: v for k, v in env.items() if k != "COLUMNS"}
    width = 50
    child = pexpect.spawn(
        sys.executable, ["-m", "medic.cli", "show", _entry_id(env)], env=env, dimensions=(200, width), encoding="utf-8"
    )
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    assert child.exitstatus == 0
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw) for raw in (child.before or "").split("\r\n")]
    for line in lines:
        assert cell_len(line) <= width or " " not in line.removesuffix(MARKER).strip(), line
    assert any(PATCH in line for line in _unfold(lines)), lines


def test_search_says_why_scores_are_out_of_order() -> None:
    from medic.cli.knowledge import _print_hits
    from medic.model import SearchHit

    def hit(n: int, score: float, builtin: bool) -> SearchHit:
        return SearchHit(f"id{n}", "runbook.md", ["T"], f"title {n}", "en", score, "snippet", 1, builtin)

    out = io.StringIO()
    _print_hits(CopyConsole(file=out, width=100), [hit(1, 0.40, False), hit(2, 0.90, True), hit(3, 0.10, True)])
    assert out.getvalue().startswith("your runbooks first, then the built-in catalog")
    out = io.StringIO()
    _print_hits(CopyConsole(file=out, width=100), [hit(1, 0.90, False), hit(2, 0.40, True)])
    assert out.getvalue().startswith("1. title 1")
