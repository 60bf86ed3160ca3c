"""Licences, change logs and lists of sources beside runbooks: searchable, never triage's answer, never a twin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from medic.knowledge.document import is_reference
from medic.knowledge.ingest import ensure_builtin, index_paths
from medic.knowledge.search import search
from medic.knowledge.store import Store
from medic.pasted import triage_pasted

# written for this test: a change log that quotes the error it fixed, and nothing else about it
CHANGELOG = """# Changelog

## 2.4.1

- Fixed: the exporter crashed with `panic: runtime error: invalid memory address or nil pointer dereference`
  when the scrape target list was empty.
"""


@pytest.mark.parametrize(
    ("source", "reference"),
    [
        ("/srv/runbooks/CHANGELOG.md", True),
        ("/srv/runbooks/LICENSES/Apache-2.0.txt", True),
        ("/srv/runbooks/SOURCES.md", True),
        ("/srv/runbooks/NOTICE", True),
        ("/srv/runbooks/exporter.md", False),
        ("/srv/runbooks/license-server-down.md", False),
        ("builtin:kubernetes-pods.md", False),
    ],
)
def test_reference_files_are_known_by_name_or_folder(source: str, reference: bool) -> None:
    assert is_reference(source) is reference


def test_a_change_log_is_searchable_but_never_the_answer(tmp_path: Path) -> None:
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    store = Store(tmp_path / "kb.db")
    ensure_builtin(store)
    assert index_paths(store, [str(tmp_path / "rb")]).ok
    assert any(h.source.endswith("CHANGELOG.md") for h in search(store, "nil pointer dereference exporter"))
    paste = "panic: runtime error: invalid memory address or nil pointer dereference\n"
    result = triage_pasted(store, io.BytesIO(paste.encode()), top=10, include_weak=True)
    assert not any(m.entry.source.endswith("CHANGELOG.md") for m in result.triage.candidates)
    assert not any(store.get(u).source.endswith("CHANGELOG.md") for _, u, _, _ in store.twin_rows())
