"""Search finds the right entry first: tags, CJK two-character words, cross-lingual queries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from medic.knowledge.lexicon import english_of
from medic.knowledge.search import fts_expression, parse_query, search
from medic.knowledge.store import Store
from medic.knowledge.text import segment
from tests.conftest import SEEDS


def first(store: Store, query: str, **kw: object) -> tuple[str, str]:
    hits = search(store, query, limit=5, **kw)  # type: ignore[arg-type]
    assert hits, f"no results for {query!r}"
    return hits[0].title, hits[0].source


def test_tag_query_finds_cdi_issue_1(seeded_store: Store) -> None:
    title, source = first(seeded_store, "!webhook")
    assert title == "Issue (1)" and source.endswith(".txt") and "/003_" in source


@pytest.mark.parametrize("query", ["削除", "重启", "삭제"])
def test_two_character_cjk_queries_return_results(seeded_store: Store, query: str) -> None:
    hits = search(seeded_store, query, limit=5)
    assert hits
    # the query itself, or its English words (the lexicon: 重启 finds a Japanese section that says "Restart")
    shown = (hits[0].snippet.replace("**", "") + json.dumps(hits[0].title, ensure_ascii=False)).lower()
    assert query in shown or any(w in shown for w in english_of(query).split())


def test_korean_word_inside_a_longer_word(seeded_store: Store) -> None:
    hits = search(seeded_store, "삭제", limit=10, include_builtin=False)
    assert {"Issue (1)", "Issue (6)"} <= {h.title for h in hits}


def test_english_query_finds_japanese_pv_section(seeded_store: Store) -> None:
    title, source = first(seeded_store, "reuse a released persistent volume")
    assert title.startswith("undeployとdeployを繰り返したら") and "/000_" in source


def test_english_query_finds_drbd_outdated(seeded_store: Store) -> None:
    title, source = first(seeded_store, "DRBD disks outdated on all hosts")
    assert title == "全部のホストで Outdated" and "/004_" in source


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Prometheus 규칙 평가 실패", "PrometheusRuleFailures"),
        ("Alertmanager 알림 전송 실패", "AlertmanagerClusterFailedToSendAlerts"),
        ("etcd 리더 없음", "etcdNoLeader"),
        ("etcd 没有 leader", "etcdNoLeader"),
        ("Alertmanager 发送告警失败", "AlertmanagerFailedToSendAlerts"),
        # "rule evaluation failed": the alert of failed evaluations (as the Korean query above), not of missed ones
        ("Prometheus 规则评估失败", "PrometheusRuleFailures"),
    ],
)
def test_korean_and_chinese_queries_find_english_pages(corpus_store: Store, query: str, expected: str) -> None:
    hits = search(corpus_store, query, limit=3, include_builtin=False)
    assert hits[0].lang == "en"
    assert hits[0].title == expected


def test_lang_filter(seeded_store: Store) -> None:
    hits = search(seeded_store, "DRBD", lang="ko", limit=5)
    assert all(h.lang == "ko" for h in hits)


def test_builtin_catalog_is_searched_and_can_be_left_out(seeded_store: Store) -> None:
    hits = search(seeded_store, "ImagePullBackOff", limit=5)
    assert any(h.builtin for h in hits)
    assert not any(h.builtin for h in search(seeded_store, "ImagePullBackOff", limit=5, include_builtin=False))


def test_query_parsing_quotes_terms_and_bigrams_cjk() -> None:
    q = parse_query('kubectl "drain" 再起動')
    assert fts_expression(q) == '"kubectl" OR "drain" OR "restart" OR "restarting" OR "再起 起動"'  # + lexicon words
    assert segment("DRBDディスク") == "DRBD ディ ィス スク"
    assert parse_query("!insecure registry").tags == ["insecure registry"]


def test_cli_search_json_shape(tmp_path: Path) -> None:
    env = {**os.environ, "MEDIC_DB": str(tmp_path / "m.db")}

    def medic(*args: str) -> str:
        res = subprocess.run(
            [sys.executable, "-m", "medic.cli", *args], env=env, capture_output=True, text=True, timeout=300, check=True
        )
        return res.stdout

    medic("index", str(SEEDS))
    top = json.loads(medic("search", "!webhook", "--json"))["results"][0]
    assert set(top) == {"id", "source", "heading_path", "title", "lang", "score", "snippet"}
    assert top["title"] == "Issue (1)" and top["lang"] == "ko"
    entry = json.loads(medic("show", top["id"], "--json"))
    assert [p["role"] for p in entry["parts"]] == ["symptom", "test", "fix"]
    assert entry["tags"][0] == "webhook"
    text = medic("show", top["id"][:6])
    assert "Issue (1)" in text and "datavolume-mutate.cdi.kubevirt.io" in text
