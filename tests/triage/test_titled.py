"""An alert or a reason the evidence names whole is a candidate through the title that names it, and counts as
naming every part of that title; a sentence a user wrote around such a name is still the user's sentence."""

from __future__ import annotations

import io
from pathlib import Path

from medic.knowledge.ingest import index_paths
from medic.knowledge.search import rare_terms, titled_entries
from medic.knowledge.store import Store
from medic.triage import is_note, names_title, title_share, triage

RUNBOOK = """# KubeletTooManyPods

## Meaning

The kubelet of a node runs close to the most pods it may hold.

# Pods evicted under memory pressure

## Meaning

A node short of memory evicts pods; KubeletTooManyPods may fire on the nodes that take them in.

# Registry mirror unreachable

## Meaning

Image pulls through the mirror time out.
"""


def test_a_camelcase_name_held_whole_names_every_part_of_the_title() -> None:
    assert title_share("KubeletTooManyPods", {"kubelettoomanypods": 1}, "") == 1.0
    # a part alone names that part only: kubelet, too, many, pods and the whole name are five words
    assert title_share("KubeletTooManyPods", {"kubelet": 1}, "") == 1 / 5
    assert title_share("KubeletTooManyPods", {"scheduler": 1}, "") == 0.0


def test_a_cjk_sentence_around_an_alert_name_is_a_note() -> None:
    assert is_note("监控里一直有KubeletTooManyPods这个告警，节点上的新Pod起不来")
    assert is_note("ノードでKubeletTooManyPodsのアラートが出続けている")
    assert not is_note("E0101 12:00:00 failed to open /data/报告.txt: permission denied for user medic")
    assert not is_note("$ kubectl describe node 节点一号机器")  # a command the user typed


def test_a_rare_word_of_a_title_brings_its_entry_not_the_entries_that_only_mention_it(
    tmp_path: Path, store: Store
) -> None:
    (tmp_path / "alerts.md").write_text(RUNBOOK, encoding="utf-8")
    assert index_paths(store, [str(tmp_path / "alerts.md")]).ok
    terms = rare_terms(store, {"kubelettoomanypods": 1, "mirror": 1})
    found = store.entries_by_rowid(titled_entries(store, terms))
    assert {e.title for e in found.values()} == {"KubeletTooManyPods", "Registry mirror unreachable"}
    assert titled_entries(store, []) == []


def test_a_long_paste_naming_an_alert_once_has_its_entry_as_a_candidate(tmp_path: Path, store: Store) -> None:
    (tmp_path / "alerts.md").write_text(RUNBOOK, encoding="utf-8")
    assert index_paths(store, [str(tmp_path / "alerts.md")]).ok
    chatter = "".join(f"节点{i}上的内存一直很高，驱逐了很多Pod，镜像拉取也很慢\n" for i in range(40))
    paste = chatter + "后来监控里出现了KubeletTooManyPods\n" + chatter
    result = triage(store, io.BytesIO(paste.encode()), include_weak=True)
    by_title = {m.entry.title: m for m in result.candidates}
    assert by_title["KubeletTooManyPods"].title_score == 1.0


def test_a_title_is_named_by_its_identifier_not_by_a_plain_word() -> None:
    assert names_title("KubeletTooManyPods", {"kubelettoomanypods": 1})
    assert names_title("Renew the x509 serving certificate", {"x509": 1, "renew": 1})
    assert not names_title("Ubuntu", {"ubuntu": 1})  # a plain word, however rare
    assert not names_title("KubeletTooManyPods", {"kubelet": 1})  # a part is not the name
