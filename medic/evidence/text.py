"""Read evidence as a stream of byte chunks that end on line boundaries: memory stays flat.

Plain files, ``.gz`` files and standard input are accepted. Bytes are scanned as they are; lines are
decoded (UTF-8 with replacement, NULs dropped) only when shown, so binary or mixed-encoding input
degrades to odd characters, never to a crash.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from medic.errors import InputError

CHUNK = 4 * 1024 * 1024
MAX_LINE = 64 * 1024  # a longer line is cut into pieces


def open_evidence(path: str | None) -> BinaryIO:
    """A binary stream for a path, ``-``/None for standard input; ``.gz`` (or gzip magic) is decompressed."""
    if path in (None, "-"):
        return sys.stdin.buffer
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory; give a log file, or - for standard input")
    try:
        fh: BinaryIO = p.open("rb")
        magic = fh.read(2)
        fh.seek(0)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    if magic == b"\x1f\x8b":
        fh.close()
        return GzipEvidence(path, p)  # type: ignore[return-value]
    return fh


_GZIP_ERRORS = (OSError, EOFError, zlib.error)  # gzip.BadGzipFile is an OSError


class GzipEvidence(gzip.GzipFile):
    """A gzip file whose read errors (corrupt data, a bad CRC, a truncated file) are one ``InputError``
    naming the file, not a zlib/gzip traceback (nor click's bare "Aborted." for an ``EOFError``)."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(filename=path, mode="rb")
        self.evidence_name = name

    def _failed(self, exc: BaseException) -> InputError:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, EOFError):
            reason = "truncated: " + reason
        return InputError(f"{self.evidence_name}: not a valid gzip file ({reason})")

    def read(self, size: int | None = -1) -> bytes:
        try:
            return super().read(size)
        except _GZIP_ERRORS as exc:
            raise self._failed(exc) from None

    def read1(self, size: int = -1) -> bytes:
        try:
            return super().read1(size)
        except _GZIP_ERRORS as exc:
            raise self._failed(exc) from None

    def readline(self, size: int | None = -1) -> bytes:
        try:
            return super().readline(size)
        except _GZIP_ERRORS as exc:
            raise self._failed(exc) from None


def iter_chunks(stream: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    """Chunks of about ``size`` bytes, each ending with a newline (except maybe the last)."""
    rest = b""
    while True:
        try:
            data = stream.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"cannot read the evidence: {exc}") from None
        if not data:
            break
        cut = data.rfind(b"\n")
        if cut < 0:
            rest += data
            if len(rest) < MAX_LINE:
                continue
            yield rest
            rest = b""
            continue
        # one copy of the chunk (the rest of the last one and this one up to its last newline)
        if rest:
            yield b"".join((rest, memoryview(data)[: cut + 1]))
        else:
            yield data if cut == len(data) - 1 else data[: cut + 1]
        rest = data[cut + 1 :]
    if rest:
        yield rest + b"\n"


def decode_text(raw: bytes) -> str:
    """Evidence bytes as text: UTF-8 with replacement characters, NULs dropped."""
    return raw.replace(b"\x00", b"").decode("utf-8", errors="replace")


def decode_line(raw: bytes) -> str:
    return decode_text(raw).rstrip("\r\n")
