"""``medic sources rm``: indexed files leave the knowledge base; ``medic checks CODE``: one check in full."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env, run

RUNBOOK = """# Ingress controller answers 502 after a certificate rotation

The controller keeps the old secret until it reloads.

```
upstream sent too big header while reading response header from upstream, client: 10.2.3.4
```
"""


@pytest.fixture()
def kb(tmp_path: Path, catalog_db: Path) -> dict[str, str]:
    shutil.copy(catalog_db, tmp_path / "kb.db")
    folder = tmp_path / "runbooks" / "ingress"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(RUNBOOK, encoding="utf-8")
    (folder / "b.md").write_text(RUNBOOK.replace("502", "504"), encoding="utf-8")
    (tmp_path / "runbooks" / "c.md").write_text(RUNBOOK.replace("Ingress", "Gateway"), encoding="utf-8")
    env = clean_env(tmp_path)
    assert run(["index", str(tmp_path / "runbooks")], env).returncode == 0
    return env


def _user_sources(env: dict[str, str]) -> list[str]:
    doc = json.loads(run(["sources", "-o", "json"], env).stdout)
    return sorted(Path(s["path"]).name for s in doc["sources"] if not s["builtin"])


def test_rm_a_file_and_a_folder(tmp_path: Path, kb: dict[str, str]) -> None:
    assert _user_sources(kb) == ["a.md", "b.md", "c.md"]
    res = run(["sources", "rm", str(tmp_path / "runbooks" / "c.md")], kb)
    assert res.returncode == 0 and res.stdout.startswith("removed ")
    assert _user_sources(kb) == ["a.md", "b.md"]
    hits = json.loads(run(["search", "Gateway certificate rotation", "--no-builtin", "--json"], kb).stdout)
    assert all(Path(h["source"]).name != "c.md" for h in hits["results"])
    assert run(["sources", "rm", str(tmp_path / "runbooks" / "ingress")], kb).returncode == 0
    assert _user_sources(kb) == []
    assert (tmp_path / "runbooks" / "ingress" / "a.md").is_file()  # the file itself is left alone


@pytest.mark.parametrize(
    ("target", "message"),
    [("nowhere.md", "not an indexed source"), ("builtin:kubernetes-pods.md", "the built-in catalog stays")],
)
def test_rm_refuses_what_is_not_a_user_source(kb: dict[str, str], target: str, message: str) -> None:
    res = run(["sources", "rm", target], kb)
    assert res.returncode == 2 and message in res.stderr and res.stderr.count("\n") == 1
    assert _user_sources(kb) == ["a.md", "b.md", "c.md"]


def test_one_check_in_full(tmp_path: Path, catalog_db: Path) -> None:
    env = clean_env(tmp_path, MEDIC_DB=str(catalog_db))
    res = run(["checks", "pod101"], env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("POD101 ") and "message:" in res.stdout
    doc = json.loads(run(["checks", "POD101", "-o", "json"], env).stdout)
    assert [c["code"] for c in doc["checks"]] == ["POD101"]
    md = run(["checks", "POD101", "-o", "markdown"], env).stdout
    assert "### POD101" in md and "### POD102" not in md
    bad = run(["checks", "NOPE1"], env)
    assert bad.returncode == 2 and "no check has the code 'NOPE1'" in bad.stderr


def _names(env: dict[str, str]) -> list[str]:
    doc = json.loads(run(["sources", "-o", "json"], env).stdout)
    root = (Path(env["HOME"]).parent / "runbooks").resolve()
    return sorted(Path(s["path"]).relative_to(root).as_posix() for s in doc["sources"] if not s["builtin"])


def test_index_exclude_leaves_files_and_folders_out(tmp_path: Path, catalog_db: Path) -> None:
    shutil.copy(catalog_db, tmp_path / "kb.db")
    root = tmp_path / "runbooks"
    (root / "drafts").mkdir(parents=True)
    (root / "ingress.md").write_text(RUNBOOK, encoding="utf-8")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## 1.2\n\n- Ingress runbook added.\n", encoding="utf-8")
    (root / "drafts" / "gateway.md").write_text(RUNBOOK.replace("Ingress", "Gateway"), encoding="utf-8")
    env = clean_env(tmp_path)
    res = run(["index", str(root), "--exclude", "CHANGELOG*", "--exclude", "drafts", "-o", "json"], env)
    assert res.returncode == 0, res.stderr
    assert _names(env) == ["ingress.md"]
    # without the excludes everything is indexed; with them again, the excluded files leave the index
    assert run(["index", str(root)], env).returncode == 0
    assert _names(env) == ["CHANGELOG.md", "drafts/gateway.md", "ingress.md"]
    again = json.loads(run(["index", str(root), "--exclude", "drafts", "-o", "json"], env).stdout)
    assert [Path(p).name for p in again["removed"]] == ["gateway.md"]
    assert _names(env) == ["CHANGELOG.md", "ingress.md"]
