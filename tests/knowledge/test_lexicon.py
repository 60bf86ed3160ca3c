"""The lexicon bridge: CJK operations terms indexed and searched with their English words."""

from __future__ import annotations

from pathlib import Path

from medic.knowledge import lexicon
from medic.knowledge.ingest import index_paths
from medic.knowledge.search import search
from medic.knowledge.store import Store


def test_english_words_of_the_terms_in_each_language() -> None:
    assert lexicon.english_of("証明書の有効期限が切れた") == "certificate expired expiry"
    assert lexicon.english_of("磁盘空间不足") == "disk space insufficient shortage"
    assert lexicon.english_of("인증서가 만료되었습니다") == "certificate expired expiry"


def test_the_longest_term_wins_and_words_come_once() -> None:
    # ログイン (login) holds ログ (log); ディスク容量 holds ディスク
    assert lexicon.english_of("ログインできない") == "login"
    assert lexicon.english_of("ディスク容量、ディスク容量") == "disk space"


def test_text_without_cjk_has_no_english_words_added() -> None:
    assert lexicon.english_of("certificate has expired") == ""
    assert lexicon.english_of("") == ""


def test_every_line_has_english_and_three_languages() -> None:
    pattern, english = lexicon._table()
    assert pattern is not None and len(english) > 300
    assert all(words and words.isascii() for words in english.values())


# a small Japanese runbook written for this test: its words share nothing with the English query but the terms
JA_RUNBOOK = """# 運用手順

## ノードのディスク容量が不足する

コンテナのログが溜まり、空き容量がなくなる。不要なイメージを削除する。

## ログインできない

管理画面にログインするとエラーになる。パスワードを確認する。
"""


def test_an_english_query_finds_a_japanese_section_by_its_terms(tmp_path: Path) -> None:
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / "ops.md").write_text(JA_RUNBOOK, encoding="utf-8")
    store = Store(tmp_path / "kb.db")
    assert index_paths(store, [str(tmp_path / "rb")]).ok
    hits = search(store, "node disk space insufficient", semantic=False, include_builtin=False)
    assert hits and hits[0].title == "ノードのディスク容量が不足する"
    hits = search(store, "login error password", semantic=False, include_builtin=False)
    assert hits and hits[0].title == "ログインできない"


def test_a_cjk_query_finds_an_english_section(tmp_path: Path) -> None:
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / "ops.md").write_text(
        "# Ops\n\n## Certificate expired\n\nThe ingress certificate expired: renew it.\n\n"
        "## Disk full\n\nThe registry disk is full.\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "kb.db")
    assert index_paths(store, [str(tmp_path / "rb")]).ok
    hits = search(store, "证书过期", semantic=False, include_builtin=False)
    assert hits and hits[0].title == "Certificate expired"
