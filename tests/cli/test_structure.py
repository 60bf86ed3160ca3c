"""The command line is the edge: ``medic.act`` is a library that never imports it, and the ``medic`` and
``kubectl-medic`` entry points run the same application."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("package", ["act", "knowledge", "evidence", "checks", "report", "serve"])
def test_libraries_do_not_import_the_command_line(package: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n == "medic.cli" or n.startswith("medic.cli."))
        for p in (ROOT / "medic" / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_act_has_no_typer_in_it() -> None:
    uses = {str(p.relative_to(ROOT)) for p in (ROOT / "medic" / "act").rglob("*.py") if "typer" in _imports(p)}
    assert uses == set()


def _plugin_path(tmp_path: Path) -> Path:
    """A PATH holding only the installed ``kubectl-medic`` script (and the interpreter it names)."""
    script = Path(sys.executable).parent / "kubectl-medic"
    assert script.is_file(), "the kubectl-medic entry point is not installed (pip install -e .)"
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "kubectl-medic").symlink_to(script)
    return folder


def test_kubectl_medic_runs_as_a_plugin(tmp_path: Path) -> None:
    folder = _plugin_path(tmp_path)
    env = clean_env(tmp_path, PATH=f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    kubectl = shutil.which("kubectl")
    # kubectl finds kubectl-medic on PATH and hands it the remaining words; without kubectl here, the plugin is
    # run as kubectl would run it: by its name, found on PATH
    cmd = [kubectl, "medic"] if kubectl else ["kubectl-medic"]
    cmd += ["checks", "-o", "json"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert '"code": "POD101"' in proc.stdout
    version = subprocess.run(["kubectl-medic", "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("medic ")
    usage = subprocess.run(["kubectl-medic", "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert "Usage: kubectl medic" in usage.stdout  # help names the command the user typed


def test_python_dash_m_and_the_console_script_agree(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    script = subprocess.run(
        [str(Path(sys.executable).parent / "medic"), "--version"], env=env, capture_output=True, text=True
    )
    module = subprocess.run([sys.executable, "-m", "medic.cli", "--version"], env=env, capture_output=True, text=True)
    assert script.returncode == module.returncode == 0
    assert script.stdout == module.stdout
