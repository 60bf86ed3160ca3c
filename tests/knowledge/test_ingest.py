"""Indexing: bad input is reported per file, good files still land, re-indexing is incremental."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from medic.knowledge.ingest import index_paths
from medic.knowledge.reader import MAX_BYTES, sniff_format
from medic.knowledge.rst import parse_rst, widen_cjk_adornments
from medic.knowledge.store import Store

GOOD = "# Disk full on node\n\n## Symptoms\n\n```log\nno space left on device\n```\n\n## Fix\n\n1. Prune images.\n"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path: Path, store: Store) -> None:
    d = tmp_path / "books"
    write(d / "good.md", GOOD)
    write(d / "binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(d / "sjis.txt", "# 障害対応\n\nディスクを削除する\n".encode("shift_jis"))
    write(d / "gbk.md", "# 节点故障\n\n重启节点后检查日志\n".encode("gbk"))
    write(d / "empty.md", "")
    big = d / "huge.md"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 50 MB
    (d / "dangling.md").symlink_to(d / "missing-target.md")
    report = index_paths(store, [str(d), str(tmp_path / "nowhere")])
    reasons = {Path(p).name: r for p, r in report.failed}
    assert [Path(p).name for p in report.indexed] == ["good.md"]
    assert "binary" in reasons["binary.md"]
    assert "UTF-8" in reasons["sjis.txt"] and "Shift_JIS" in reasons["sjis.txt"]
    assert "UTF-8" in reasons["gbk.md"] and "GBK" in reasons["gbk.md"]
    assert reasons["empty.md"] == "empty file"
    assert "too large" in reasons["huge.md"]
    assert "no such file" in reasons["dangling.md"]
    assert "no such file" in reasons["nowhere"]
    assert store.count()["sources"] == 1


def test_reindex_is_incremental(tmp_path: Path, store: Store) -> None:
    d = tmp_path / "books"
    a = write(d / "a.md", GOOD)
    b = write(d / "b.md", GOOD.replace("Disk full", "Memory full"))
    first = index_paths(store, [str(d)])
    assert len(first.indexed) == 2
    again = index_paths(store, [str(d)])
    assert again.indexed == [] and len(again.unchanged) == 2
    write(a, GOOD.replace("Disk full on node", "Disk full on worker"))
    b.unlink()
    third = index_paths(store, [str(d)])
    assert [Path(p).name for p in third.indexed] == ["a.md"]
    assert [Path(p).name for p in third.removed] == ["b.md"]
    titles = {e.title for e in store.all_entries()}
    assert "Disk full on worker" in titles and "Memory full on node" not in titles
    assert "Disk full on node" not in titles


def test_failed_reindex_keeps_what_was_stored(tmp_path: Path, store: Store) -> None:
    a = write(tmp_path / "a.md", GOOD)
    index_paths(store, [str(a)])
    write(a, b"\x00\x01binary now")
    report = index_paths(store, [str(a)])
    assert report.failed and store.count()["entries"] == 3  # the earlier entries are still there


def test_cjk_underline_shorter_than_display_width_is_still_a_title() -> None:
    text = "手順\n===\n\n本文です。\n\n確認\n---\n\n確認します。\n"
    assert "手順\n====" in widen_cjk_adornments(text)
    doc = parse_rst(text)
    assert [(s.level, s.title, s.line) for s in doc.sections] == [(1, "手順", 1), (2, "確認", 6)]
    # a literal-block marker after a CJK line is left alone
    assert widen_cjk_adornments("出力例：\n::\n\n  x\n") == "出力例：\n::\n\n  x\n"


def test_format_sniffing() -> None:
    assert sniff_format("Title\n=====\n\ntext\n\nSub\n---\n") == "rst"
    assert sniff_format("# Title\n\ntext\n\n```sh\nls\n```\n") == "markdown"


def test_max_bytes_is_generous_for_runbooks() -> None:
    assert MAX_BYTES >= 4 * 1024 * 1024


def run_cli(*args: str, env_db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDIC_DB": str(env_db), "MEDIC_SEMANTIC": "0"}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_index_exit_code_and_one_line_warnings(tmp_path: Path) -> None:
    d = tmp_path / "books"
    write(d / "good.md", GOOD)
    write(d / "bad.md", b"\xff\xfe\xfa\x00\x00binary")
    res = run_cli("index", str(d), env_db=tmp_path / "db" / "medic.db")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "warning:" in res.stderr and "bad.md" in res.stderr
    assert "indexed 1 file(s)" in res.stdout


@pytest.mark.parametrize(
    "args", [["show", "nope"], ["search", "  "], ["search", "x", "--lang", "fr"], ["search", "x", "--limit", "0"]]
)
def test_cli_user_mistakes_are_one_line(tmp_path: Path, args: list[str]) -> None:
    res = run_cli(*args, env_db=tmp_path / "medic.db")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("medic: ") and res.stderr.count("\n") == 1


def test_cli_unusable_db_path_is_one_line(tmp_path: Path) -> None:
    blocker = write(tmp_path / "file", "x")
    res = run_cli("--db", str(blocker / "sub" / "medic.db"), "search", "x", env_db=tmp_path / "unused.db")
    assert res.returncode == 2 and res.stderr.startswith("medic: ") and "Traceback" not in res.stderr


def test_markdown_keeps_placeholders_in_prose_and_drops_html() -> None:
    from medic.knowledge.markdown import parse_markdown

    doc = parse_markdown(
        '# T\n\nRun `x` on <namespace> for <pod name> and <クラスタ名>, see <a href="u">docs</a><br>\n'
    )
    assert doc.sections[0].blocks[0].text == "Run `x` on <namespace> for <pod name> and <クラスタ名>, see docs"
