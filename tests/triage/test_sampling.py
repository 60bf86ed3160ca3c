"""No silent caps on the evidence: what is sampled does not depend on where in the input it stands."""

from __future__ import annotations

import functools
import io
import random

import pytest

import medic.triage as triage_module
from medic.evidence.sample import TemplateSample, WordSample, windows
from medic.knowledge.store import Store
from medic.triage import evidence_words, triage
from tests.triage.test_lone_error import ERROR


def test_a_word_at_the_end_of_many_chunks_counts_as_at_the_start() -> None:
    filler = [f"request id=req{i:08x}z{i * 7919:x} served\n".encode() for i in range(5_000)]
    chunks = [b"".join(filler[k : k + 100]) for k in range(0, 5_000, 100)]
    rare = b"volumeattachment dangling\n"
    at_start, at_end = WordSample(budget=512), WordSample(budget=512)
    for i, chunk in enumerate(chunks):
        at_start.add(rare + chunk if i == 0 else chunk)
        at_end.add(chunk + rare if i == len(chunks) - 1 else chunk)
    assert at_start.words(evidence_words)["volumeattachment"] == 1
    assert at_end.words(evidence_words)["volumeattachment"] == 1


def test_the_word_table_stays_bounded_and_keeps_repeated_words() -> None:
    sample = WordSample(table=200, budget=1 << 20)
    for k in range(50):
        sample.add(b"".join(f"kubelet request id=req{k:04x}{i:08x} served\n".encode() for i in range(100)))
    assert len(sample.counts) <= 2 * 200
    words = sample.words(evidence_words)
    assert len(sample.counts) <= 200
    assert words["kubelet"] == 5_000 and words["served"] == 5_000
    assert {w for w, _ in words.most_common(3)} == {"kubelet", "request", "served"}


def test_windows_read_small_chunks_whole_and_spread_over_big_ones() -> None:
    chunk = b"".join(f"line {i}\n".encode() for i in range(10_000))
    assert windows(b"short\n", 64) == [b"short\n"]
    parts = windows(chunk, 1_000, 4)
    assert len(parts) == 4 and parts[0].startswith(b"line 0\n") and all(p.endswith(b"\n") for p in parts)
    assert int(parts[-1].split()[1]) > 7_000


def test_the_templates_kept_do_not_depend_on_their_order() -> None:
    templates = [f"error {chr(97 + i % 26)}{i} failed" for i in range(500)]
    shuffled = templates[:]
    random.Random(3).shuffle(shuffled)
    a, b = TemplateSample(50), TemplateSample(50)
    for i, t in enumerate(templates):
        a.add(t, i, t)
    for i, t in enumerate(shuffled):
        b.add(t, i, t)
    assert set(a.counts) == set(b.counts) and len(a.counts) == 50
    a.add(next(iter(a.counts)), 999, "again")
    assert max(a.counts.values()) == 2


def test_lone_error_after_100000_info_lines_with_the_caps_lowered(
    builtin_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chunks of 16 KB (the log spans ~600 of them), 1 KB of words and a handful of lines of each kind per chunk,
    # 20 templates and 300 words kept: every cap is reached many times before the error line
    monkeypatch.setattr(triage_module, "SCAN_CHUNK", 16 * 1024)
    monkeypatch.setattr(triage_module, "WordSample", functools.partial(WordSample, table=300, budget=1024))
    for name, value in [("SALIENT_PER_CHUNK", 4), ("ALERTS_PER_CHUNK", 2), ("TEMPLATED_PER_CHUNK", 2)]:
        monkeypatch.setattr(triage_module, name, value)
    monkeypatch.setattr(triage_module, "SALIENT_TEMPLATES", 20)
    info = [
        f"I1203 10:00:{i % 60:02d}.{i:06d} 1234 server.go:{i % 500}] request id=req{i:08x}z{i * 7919:x} "
        f"user=u{i % 977} path=/api/items/{i * 31:x} took {i % 97}ms"
        for i in range(100_000)
    ]
    first = triage(builtin_store, io.BytesIO(("\n".join([ERROR, *info]) + "\n").encode()), top=3)
    last = triage(builtin_store, io.BytesIO(("\n".join([*info, ERROR]) + "\n").encode()), top=3)
    assert first.matches, "the error at line 1 is matched"
    assert [m.entry.id for m in last.matches] == [m.entry.id for m in first.matches]
    assert [round(m.confidence, 6) for m in last.matches] == [round(m.confidence, 6) for m in first.matches]
    assert [round(m.search_score, 6) for m in last.matches] == [round(m.search_score, 6) for m in first.matches]
    assert last.matches[0].evidence[0].line_no == 100_001
