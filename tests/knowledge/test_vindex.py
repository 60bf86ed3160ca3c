"""The vector index finds what an exact scan finds."""

from __future__ import annotations

import numpy as np

from medic.knowledge.vindex import IVF_MIN, VectorIndex


def clustered(n: int, dim: int = 64, centers: int = 300, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, dim))
    x = c[rng.integers(0, centers, size=n)] + 0.35 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_small_sets_are_scanned_exactly() -> None:
    m = clustered(500)
    idx = VectorIndex.build(m)
    assert idx.centroids is None
    rows, sims = idx.search(m[7], 5)
    assert 7 in rows.tolist() and np.isclose(sims.max(), 1.0, atol=1e-5)


def test_ivf_recall_against_exact_scan() -> None:
    m = clustered(IVF_MIN + 10_000)
    idx = VectorIndex.build(m)
    assert idx.centroids is not None
    rng = np.random.default_rng(9)
    recall = []
    for qi in rng.integers(0, len(m), size=40):
        q = m[qi]
        exact = set(np.argsort(-(m @ q))[:10].tolist())
        rows, _ = idx.search(q, 10)
        recall.append(len(exact & set(rows.tolist())) / 10)
    assert float(np.mean(recall)) >= 0.9
