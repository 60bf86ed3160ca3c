"""The five seed runbooks become the right entries: titles, languages, heading paths, parts, tags, code."""

from __future__ import annotations

import pytest

from medic.knowledge.ingest import entries_for
from medic.knowledge.reader import read_runbook
from medic.model import CodeKind, Entry, Role
from tests.conftest import SEEDS, need_shared, seed
from tests.knowledge.seed_titles import SEED_TITLES

SEED_LANG = {"000": "ja", "001": "ja", "002": "zh", "003": "ko", "004": "ja"}


def load(prefix: str) -> list[Entry]:
    path = seed(prefix)
    rb = read_runbook(path)
    return entries_for(rb.text, rb.fmt, str(path), fallback_title=path.stem)


def by_title(entries: list[Entry], title: str) -> Entry:
    found = [e for e in entries if e.title == title]
    assert len(found) == 1, f"{title!r}: {len(found)} entries"
    return found[0]


@pytest.mark.parametrize("prefix", sorted(SEED_LANG))
def test_every_section_is_an_entry_with_exact_titles(prefix: str) -> None:
    entries = load(prefix)
    assert [e.title for e in entries] == SEED_TITLES[seed(prefix).name]


@pytest.mark.parametrize("prefix", sorted(SEED_LANG))
def test_language_is_the_runbooks(prefix: str) -> None:
    assert {e.lang for e in load(prefix)} == {SEED_LANG[prefix]}


def test_formats_are_sniffed_from_content() -> None:
    assert read_runbook(seed("000")).fmt == "markdown"
    assert read_runbook(seed("002")).fmt == "markdown"
    assert read_runbook(seed("004")).fmt == "rst"


def test_titles_drop_html_and_keep_anchor() -> None:
    pv = by_title(load("000"), "undeployとdeployを繰り返したら、PVがReleaseされてしまった。再利用したい。")
    assert pv.anchor == "reuse_old_pv"
    assert pv.heading_path == [pv.title]
    assert pv.level == 1
    assert 86 <= pv.line_start <= 87 and pv.line_end >= 150


def test_heading_paths_of_nested_problems() -> None:
    entries = load("004")
    outdated = by_title(entries, "全部のホストで Outdated")
    assert outdated.heading_path == ["障害からの復旧方法", "DRBDディスクの同期の失敗", "全部のホストで Outdated"]
    xfs = by_title(entries, "DRBDのファイルシステムの破損")
    assert xfs.heading_path == ["障害からの復旧方法", "サービスが再起動を繰り返す", "DRBDのファイルシステムの破損"]
    issue = by_title(load("003"), "Issue (3)")
    assert issue.heading_path == ["Containerized Data Importer Issues", "Issue (3)"]


def test_seed_004_yields_every_rst_section() -> None:
    titles = [e.title for e in load("004")]
    for expected in (
        "サーバのディスク残量",
        "docker の不要なイメージ",
        "3 ボリュームのサイズを修正",
        "1. Overlay ディレクトリの特定",
        "ホスト内サービスの失敗",
        "接続が不完全",
        "DRBDのファイルシステムの破損",
    ):
        assert expected in titles
    assert len(titles) == 22


def test_korean_issue_parts_have_roles() -> None:
    entries = load("003")
    for n in range(1, 7):
        issue = by_title(entries, f"Issue ({n})")
        assert [p.role for p in issue.parts] == [Role.SYMPTOM, Role.TEST, Role.FIX], n
        assert not issue.is_part


def test_seed_003_tags() -> None:
    entries = load("003")
    expected = {
        1: ["webhook", "cdi-apiserver pod", "apiserver pod", "version", "authentication 정보", "finalizer"],
        2: ["cdi-deployment pod", "limits.cpu", "importer pod", "v1.11", "pvcbound"],
        3: [
            "importer pod",
            "v1.11",
            "resourceQuota",
            "resourcequota",
            "quota",
            "exceeded",
            "exceeded quota",
            "pvcbound",
        ],
        4: [
            "importer pod",
            "crashloopbackoff",
            "namespace",
            "docker",
            "registry",
            "insecure registry",
            "configmap",
            "networkpolicy",
        ],
        5: ["importer pod", "pending", "containercreating", "storageclass", "cdiconfig", "stuck"],
        6: ["cdi-operator pod", "crd", "v1.11.0", "삭제", "uninstall", "delete", "설치", "install", "deploy"],
    }
    for n, tags in expected.items():
        assert by_title(entries, f"Issue ({n})").tags == tags
    # the "keyword examples" prose mentions tags in backticks: those are not tags of that section
    assert by_title(entries, "이슈 분류").tags == []


def test_japanese_roles_and_notes() -> None:
    entries = load("000")
    pv = by_title(entries, "undeployとdeployを繰り返したら、PVがReleaseされてしまった。再利用したい。")
    assert [(p.role, p.title) for p in pv.parts] == [
        (Role.FIX, "リカバリー手順"),
        (Role.NOTE, "リカバリーに関する留意事項"),
    ]
    grafana = by_title(entries, "Grafana でメトリクスが表示されない")
    assert [p.role for p in grafana.parts] == [Role.TEST, Role.TEST, Role.FIX, Role.FIX]


def test_rollback_sections_attach_to_their_procedure() -> None:
    entries = load("001")
    for name in (
        "Minor Version Upgrade",
        "Patch Version Upgrade",
        "SSL 証明書を更新する",
        "License ファイルを更新する",
    ):
        proc = by_title(entries, name)
        assert [(p.role, p.title) for p in proc.parts] == [(Role.ROLLBACK, f"{name} - Rollback")]


def test_code_blocks_are_classified() -> None:
    pv = by_title(load("000"), "リカバリー手順")
    kinds = [(b.kind, b.text.split("\n")[0][:30]) for b in pv.code_blocks]
    assert kinds[0] == (CodeKind.OUTPUT, "$ kubectl scale deploy -n shar")
    assert (CodeKind.COMMAND, "kubectl patch pv pvc-ec37c469-") in kinds
    assert (CodeKind.CONFIG, "kind: PersistentVolumeClaim") in kinds
    outdated = by_title(load("004"), "全部のホストで Outdated")
    assert [b.kind for b in outdated.code_blocks] == [
        CodeKind.OUTPUT,
        CodeKind.COMMAND,
        CodeKind.COMMAND,
        CodeKind.COMMAND,
    ]
    symptom = by_title(load("003"), "Issue (1)").parts[0]
    issue1 = next(e for e in load("003") if e.id == symptom.id)
    assert issue1.code_blocks[0].kind is CodeKind.OUTPUT
    assert issue1.code_blocks[0].lang == "log"
    konvoy = by_title(load("002"), "过期或无效的credentials")
    assert konvoy.code_blocks[0].kind is CodeKind.OUTPUT


def test_ids_are_stable_across_parses() -> None:
    assert [e.id for e in load("002")] == [e.id for e in load("002")]
    assert len({e.id for e in load("000")}) == len(load("000"))


def test_seeds_folder_exists() -> None:
    assert sorted(p.name[:3] for p in need_shared(SEEDS).glob("0*.txt")) == ["000", "001", "002", "003", "004"]
