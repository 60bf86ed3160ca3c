"""Flags with kubectl's habits, the same on every command: the flag table of each command's help, the
spellings of ``-o``, global options before or after the subcommand, colours, completion."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from medic.cli import app
from tests.cli.conftest import clean_env, run

COMMON = {"--db", "--no-color", "--help"}
DATA = {"--output", "--json"}  # every command that prints data
CLUSTER = {"--context", "--kubeconfig", "--namespace", "--all-namespaces"}  # every command that reads a cluster
FLAGS = {
    "index": COMMON | DATA | {"--force", "--exclude"},
    "search": COMMON | DATA | {"--lang", "--limit", "--no-builtin"},
    "show": COMMON | DATA,
    "sources": COMMON | DATA,
    "sources rm": COMMON,
    "triage": COMMON | DATA | {"--all", "--top", "--engine"},
    "parse": COMMON | DATA,
    "collect": COMMON | CLUSTER | {"--file", "--logs", "--timeout", "--post", "--send", "--token-file"},
    "diagnose": COMMON
    | DATA
    | CLUSTER
    | {"--bundle", "--demo", "--fail-on", "--allow-not-evaluated", "--checks", "--explain"},
    "checks": COMMON | DATA | {"--markdown"},
    "plan": COMMON | DATA | {"--set"},
    "run": COMMON | {"--set", "--execute", "--yes", "--allow-mutating", "--resume", "--rollback", "--timeout"},
    "audit": COMMON | DATA | {"--limit"},
    "completion": COMMON,
    "serve": COMMON
    | {"--host", "--port", "--state", "--token-file", "--grafana-secret-file", "--grafana-timestamp-header"}
    | {"--public-url", "--open-reads", "--no-open-reads", "--workers"},
}
SHORT = {"--help": "-h", "--output": "-o", "--namespace": "-n", "--all-namespaces": "-A", "--file": "-f"}
PYTHON_TYPES = re.compile(r"<(?:bool|str|int|float|path|list\[[^\]]*\])>")


def _help(*args: str) -> str:
    res = CliRunner().invoke(app, [*args, "--help"], terminal_width=200, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


def _table(text: str) -> dict[str, str | None]:
    """The options table of a help page: long flag -> its short form (or None)."""
    body = text.split("Options", 1)[1]
    rows: dict[str, str | None] = {}
    for line in body.splitlines():
        if not line.startswith("│ -"):
            continue  # a help text's continuation line
        cells = []
        for cell in line.strip("│ ").split():
            if not cell.startswith("-"):
                break
            cells.append(cell)
        longs = [c for c in cells if c.startswith("--")]
        shorts = [c for c in cells if re.fullmatch(r"-[a-zA-Z]", c)]
        for flag in longs:
            rows[flag] = shorts[0] if shorts else None
    return rows


def test_every_command_is_in_the_table() -> None:
    listed = set(re.findall(r"^│ (\w+) ", _help().split("Commands", 1)[1], flags=re.M))
    assert listed == {c.split()[0] for c in FLAGS}


@pytest.mark.parametrize("command", sorted(FLAGS))
def test_flag_table(command: str) -> None:
    text = _help(*command.split())
    table = _table(text)
    assert set(table) == FLAGS[command]
    for flag, short in table.items():
        assert short == SHORT.get(flag), flag
    assert not PYTHON_TYPES.search(text), PYTHON_TYPES.search(text)


def test_root_help_and_version() -> None:
    text = _help()
    assert set(_table(text)) == {"--db", "--no-color", "--version", "--help"}
    assert not PYTHON_TYPES.search(text)
    short = CliRunner().invoke(app, ["-h"])
    assert short.exit_code == 0 and "Usage:" in short.output
    version = CliRunner().invoke(app, ["--version"])
    assert version.exit_code == 0 and re.fullmatch(r"medic \d+\.\d+\.\d+\n", version.output)


def test_every_spelling_of_the_output_flag_is_the_same(tmp_path: Path, catalog_db: Path) -> None:
    env = clean_env(tmp_path, MEDIC_DB=str(catalog_db))
    spellings = [["-o", "json"], ["-ojson"], ["-o=json"], ["--output", "json"], ["--output=json"], ["--json"]]
    outputs = {run(["sources", *s], env).stdout for s in spellings}
    assert len(outputs) == 1
    doc = json.loads(outputs.pop())
    assert any(s["builtin"] for s in doc["sources"])
    as_yaml = run(["sources", "-o", "yaml"], env)
    assert as_yaml.returncode == 0 and yaml.safe_load(as_yaml.stdout) == doc


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sources", "-o", "xml"], "-o/--output must be one of text, json, yaml (got 'xml')"),
        (["sources", "--json", "-o", "yaml"], "--json and -o yaml disagree"),
        (["diagnose", "--demo", "-o", "csv"], "-o/--output must be one of text, json, yaml, markdown, html"),
        (["completion", "tcsh"], "completion: the shell must be one of bash, zsh, fish"),
    ],
)
def test_bad_output_values_are_one_line(tmp_path: Path, catalog_db: Path, args: list[str], message: str) -> None:
    res = run(args, clean_env(tmp_path, MEDIC_DB=str(catalog_db)))
    assert res.returncode == 2
    assert res.stderr.startswith("medic: " + message) and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr


def test_db_before_or_after_the_subcommand(tmp_path: Path, catalog_db: Path) -> None:
    env = clean_env(tmp_path)  # $MEDIC_DB names an empty place: only --db finds the catalog
    before = run(["--db", str(catalog_db), "sources", "--json"], env)
    after = run(["sources", "--json", "--db", str(catalog_db)], env)
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout and json.loads(before.stdout)["sources"]
    # given twice, the later one (after the subcommand) wins
    both = run(["--db", str(tmp_path / "nowhere" / "x.db"), "sources", "--json", "--db", str(catalog_db)], env)
    assert both.stdout == before.stdout
    assert not (tmp_path / "kb.db").exists() and not (tmp_path / "nowhere").exists()


COLOUR = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-79]|9[0-7]|38;[25])[;m]")


def test_no_color_flag_and_env(tmp_path: Path, catalog_db: Path) -> None:
    env = clean_env(tmp_path, MEDIC_DB=str(catalog_db), FORCE_COLOR="1", TERM="xterm-256color")
    coloured = run(["checks"], env)
    assert COLOUR.search(coloured.stdout)
    assert not COLOUR.search(run(["checks", "--no-color"], env).stdout)
    assert not COLOUR.search(run(["--no-color", "checks"], env).stdout)
    assert not COLOUR.search(run(["checks"], {**env, "NO_COLOR": "1"}).stdout)


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete")])
def test_completion_scripts(tmp_path: Path, shell: str, marker: str) -> None:
    res = run(["completion", shell], clean_env(tmp_path))
    assert res.returncode == 0 and marker in res.stdout and "_MEDIC_COMPLETE" in res.stdout


def test_the_shell_gets_completions(tmp_path: Path) -> None:
    env = clean_env(tmp_path, _MEDIC_COMPLETE="complete_bash", COMP_WORDS="medic diagnose --fail", COMP_CWORD="2")
    res = subprocess.run([sys.executable, "-m", "medic.cli"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.split() == ["--fail-on"]
