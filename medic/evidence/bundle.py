"""Offline bundles: a Snapshot written to, and read back from, one documented ``.tar.gz``.

Layout (format version 1)::

    manifest.json            {"format": "medic-bundle", "version": 1, "collected_at", "context",
                              "cluster_version", "namespaces", "skipped", "redacted", "counts",
                              "files": {kind: {"path", "count"}}, "logs": n, ...}
    objects/<kind>.jsonl     one raw API object per line (list items: metadata/spec/status)
    host/<kind>.jsonl        host facts (DRBD resources, failed units, file systems...)
    logs/<ns>/<pod>/<container>.log            last lines of the current container
    logs/<ns>/<pod>/<container>.previous.log   ... and of the previous one

JSON Lines keep reading flat: one object is parsed at a time, and the fields no check reads (declared in
``medic.evidence.slim``: ``managedFields``, the ``last-applied-configuration`` annotation, env, probes...)
are dropped as it is read; pods and nodes are decoded straight into the fields kept. An unpacked bundle
(a folder with the same layout) is read the same way.

Redaction happens on both sides, through ``medic.evidence.redact``: the writer redacts what it writes (the
collector already did; a snapshot from elsewhere is not trusted), and the reader redacts every object, log
and host fact as it reads them, whatever wrote the bundle (``meta["redacted_on_read"]`` counts what it
removed). The manifest records the rule version that redacted a bundle (``"redaction"``).

Reading is bounded: logs are streamed (lines cut at ``MAX_LOG_LINE`` characters, the last ``MAX_LOG_LINES``
of a member kept, at most ``MAX_LOG_CHARS`` in all), one object line is at most ``MAX_OBJECT_LINE`` bytes,
members outside the bundle and links are refused, and a corrupt archive or manifest is one ``InputError``.
"""

from __future__ import annotations

import gc
import io
import queue
import tarfile
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from medic.errors import InputError
from medic.evidence.redact import VERSION as REDACTION_VERSION
from medic.evidence.redact import may_hold_secrets, redact_object_counts, redact_value
from medic.evidence.redact.snapshot import redact_lines_counts
from medic.evidence.sharing import Shared
from medic.evidence.slim import decode, strip_bookkeeping
from medic.model import Snapshot

FORMAT = "medic-bundle"
VERSION = 1
MAX_MEMBER = 4 * 1024**3
READ_BLOCK = 8 * 1024 * 1024
LOG_BLOCK = 1024 * 1024
MAX_OBJECT_LINE = 256 * 1024 * 1024  # bytes of one object line: far above any real object (a large CRD is MBs)
MAX_LOG_LINE = 8192  # characters kept of one log line, as the collector keeps them
MAX_LOG_LINES = 5000  # last lines kept of one log member (the collector writes 100 by default)
MAX_LOG_CHARS = 64 * 1024 * 1024  # characters of logs kept in all; members past it are skipped (and said so)


def _log_key_to_path(key: str) -> str:
    parts = key.split("/")
    previous = len(parts) == 4 and parts[3] == "previous"
    ns, pod, container = [*parts, "", "", ""][:3]
    return f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"


def _log_path_to_key(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) != 4 or parts[0] != "logs" or not parts[3].endswith(".log"):
        return None
    name = parts[3][: -len(".log")]
    if name.endswith(".previous"):
        return f"{parts[1]}/{parts[2]}/{name[: -len('.previous')]}/previous"
    return f"{parts[1]}/{parts[2]}/{name}"


def _jsonl(kind: str, items: list[dict[str, Any]], counts: Counter[str]) -> bytes:
    """The objects as JSON Lines, each redacted first (a no-op for what the collector already redacted)."""
    out = []
    for o in items:
        counts.update(redact_object_counts(kind, strip_bookkeeping(o)))
        out.append(orjson.dumps(o) + b"\n")
    return b"".join(out)


def write_bundle(snapshot: Snapshot, path: Path) -> None:
    """Write the snapshot as a bundle (atomically: a temporary file renamed into place)."""
    manifest: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    manifest.update({k: v for k, v in snapshot.meta.items() if k not in ("format", "version", "files")})
    manifest.setdefault("collected_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    files: dict[str, dict[str, Any]] = {}
    manifest["files"] = files
    manifest["logs"] = len(snapshot.logs)
    manifest["redaction"] = {"by": "medic", "version": REDACTION_VERSION}
    counts: Counter[str] = Counter()
    tmp = path.with_name(path.name + ".part")
    try:
        with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
            for folder, groups in (("objects", snapshot.objects), ("host", snapshot.host)):
                for kind, items in sorted(groups.items()):
                    name = f"{folder}/{kind}.jsonl"
                    _add(tar, name, _jsonl(f"host:{kind}" if folder == "host" else kind, items, counts))
                    files[f"{folder}:{kind}" if folder == "host" else kind] = {"path": name, "count": len(items)}
            for key, lines in sorted(snapshot.logs.items()):
                clean, c = redact_lines_counts(lines)
                counts.update(c)
                _add(tar, _log_key_to_path(key), ("\n".join(clean) + "\n").encode("utf-8", "replace"))
            if counts:  # what this writer still found (a snapshot that did not come from the collector)
                manifest["redacted_on_write"] = dict(sorted(counts.items()))
            redact_value(manifest, Counter())
            _add(tar, "manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the bundle ({exc.strerror or exc})") from None


def write_bundle_dir(snapshot: Snapshot, folder: Path) -> None:
    """Write the snapshot as an unpacked bundle folder (same layout; the demo bundle ships this way)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + ".part.tar.gz")
    write_bundle(snapshot, tmp)
    try:
        with tarfile.open(tmp, "r:gz") as tar:
            tar.extractall(folder, filter="data")
    finally:
        tmp.unlink(missing_ok=True)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _safe_name(bundle: Path, name: str) -> str:
    """A member's name inside the bundle; one clear error for a name that points outside it."""
    clean = name.removeprefix("./")
    parts = clean.split("/")
    if clean.startswith("/") or ".." in parts or "\\" in clean or "\x00" in clean:
        raise InputError(f"{bundle}: member {name[:200]!r} points outside the bundle; refused")
    return clean


def _members(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """(relative name, binary stream) of each file of a bundle archive or folder (links are refused)."""
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_symlink():
                raise InputError(f"{path}: {p.relative_to(path).as_posix()} is a link; refused")
            if p.is_file():
                with p.open("rb") as fh:
                    yield p.relative_to(path).as_posix(), fh
        return
    with tarfile.open(path, "r:*") as tar:
        for m in tar:
            name = _safe_name(path, m.name)
            if m.issym() or m.islnk():
                raise InputError(f"{path}: member {name[:200]!r} is a link; refused")
            if not m.isfile() or m.size > MAX_MEMBER:
                continue
            member = tar.extractfile(m)
            if member is not None:
                yield name, member


def read_bundle(path: Path) -> Snapshot:
    """Read a bundle archive (or unpacked folder) into a Snapshot, redacted. One clear error if it is not one."""
    if not path.exists():
        raise InputError(f"{path}: no such bundle")
    # hundreds of thousands of long-lived dicts: the cyclic GC would rescan them over and over while
    # they are created (4x the parse time); they are frozen out of its reach once read
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(path)
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise InputError(f"{path}: not a readable bundle archive ({reason})") from None
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class _Reading:
    """What is learnt while a bundle is read: redaction counts, skipped parts, the log budget left."""

    def __init__(self) -> None:
        self.redacted: Counter[str] = Counter()
        self.skipped: list[dict[str, Any]] = []
        self.log_chars = MAX_LOG_CHARS
        self.logs_over_budget = 0
        self.shared = Shared()


def _read(path: Path) -> Snapshot:
    snap = Snapshot()
    manifest: Any = None
    state = _Reading()
    for name, fh in _members(path):
        if name == "manifest.json":
            data = fh.read(16 * 1024 * 1024 + 1)  # a manifest is a few KB
            if len(data) > 16 * 1024 * 1024:
                raise InputError(f"{path}: manifest.json is too large")
            try:
                manifest = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise InputError(f"{path}: manifest.json is not valid JSON ({exc})") from None
        elif name.endswith(".jsonl") and name.startswith(("objects/", "host/")) and name.count("/") == 1:
            folder, _, file = name.partition("/")
            kind = file[: -len(".jsonl")]
            target = snap.objects if folder == "objects" else snap.host
            target[kind] = list(_read_jsonl(path, name, fh, kind if folder == "objects" else f"host:{kind}", state))
        elif name.startswith("logs/"):
            key = _log_path_to_key(name)
            if key:
                lines = _read_log(fh, state)
                if lines is not None:
                    snap.logs[key] = lines
    snap.meta = _check_manifest(path, manifest)
    if state.logs_over_budget:
        state.skipped.append(
            {
                "kind": "logs",
                "status": "limit",
                "reason": f"{state.logs_over_budget} log files not read: over {MAX_LOG_CHARS >> 20} MiB of logs",
            }
        )
    snap.meta["skipped"] = [*snap.meta.get("skipped", []), *state.skipped]
    redact_value(snap.meta, state.redacted)
    snap.meta["redacted_on_read"] = dict(sorted(state.redacted.items()))
    return snap


# manifest fields that Medic reads, and the types they must have
_MANIFEST_TYPES: dict[str, tuple[type, ...]] = {
    "version": (int,),
    "collected_at": (str, type(None)),
    "context": (str, type(None)),
    "cluster_version": (str, type(None)),
    "server_version": (str, type(None)),
    "server": (str, type(None)),
    "namespaces": (list, str, type(None)),
    "skipped": (list, type(None)),
    "redacted": (dict, type(None)),
    "counts": (dict, type(None)),
    "files": (dict, type(None)),
    "logs": (int, type(None)),
    "partial": (bool, type(None)),
    "redaction": (dict, type(None)),
}


def _check_manifest(path: Path, manifest: Any) -> dict[str, Any]:
    """The manifest, its known fields checked (one clear error each), or an error if there is none."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}: not a Medic bundle (no manifest.json with format {FORMAT!r})")
    for key, types in _MANIFEST_TYPES.items():
        value = manifest.get(key)
        if key in manifest and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
            raise InputError(
                f"{path}: manifest.json field {key!r} should be {' or '.join(_TYPE_NAMES[t] for t in types)}"
            )
    if any(not isinstance(s, dict) for s in manifest.get("skipped") or []):
        raise InputError(f"{path}: manifest.json field 'skipped' should be a list of objects")
    if any(
        not isinstance(n, str) for n in manifest.get("namespaces") or [] if isinstance(manifest["namespaces"], list)
    ):
        raise InputError(f"{path}: manifest.json field 'namespaces' should be a list of names")
    if int(manifest.get("version") or 0) > VERSION:
        raise InputError(
            f"{path}: bundle format version {manifest.get('version')} is newer than this Medic reads "
            f"({VERSION}); upgrade Medic"
        )
    manifest.setdefault("skipped", [])
    if manifest["skipped"] is None:
        manifest["skipped"] = []
    return manifest


_TYPE_NAMES = {
    int: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
    bool: "true or false",
    type(None): "null",
}


def _blocks(fh: IO[bytes], size: int) -> Iterator[bytes]:
    """The blocks of a stream, read one ahead by a thread: inflating a compressed bundle's next block (zlib
    lets other threads run meanwhile) overlaps the parsing of this one. Whatever the reading raises is
    raised here; the thread is done when this ends, however it ends."""
    ready: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: bytes | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            while put(block := fh.read(size)) and block:
                pass
        except BaseException as exc:  # handed to the reading thread, which raises it
            put(exc)

    thread = threading.Thread(target=produce, name="bundle-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _lines(fh: IO[bytes], block_size: int, max_line: int) -> Iterator[tuple[bytes | memoryview, bool]]:
    """(line, cut) of a stream, read in blocks; a line longer than ``max_line`` bytes comes cut to it (the
    rest is skipped as it is read, never held). The lines inside a block are views of it (no copy of
    each line: a large bundle is gigabytes of them), valid while the caller handles that line."""
    rest = b""
    cut = False
    for block in _blocks(fh, block_size):
        end = block.find(b"\n")
        if end < 0:  # no line end in this block
            if not cut:
                rest += block
                if len(rest) > max_line:
                    rest, cut = rest[:max_line], True
            continue
        first = block[:end]
        if not cut:
            first = rest + first
        yield (first[:max_line], True) if (cut or len(first) > max_line) else (first, False)
        view = memoryview(block)
        start = end + 1
        while (end := block.find(b"\n", start)) >= 0:
            yield (view[start : start + max_line], True) if end - start > max_line else (view[start:end], False)
            start = end + 1
        rest, cut = block[start:], False
        if len(rest) > max_line:
            rest, cut = rest[:max_line], True
    if rest or cut:
        yield rest, cut


_BLANK = frozenset(b" \t\r\n")


def _read_jsonl(path: Path, name: str, fh: IO[bytes], kind: str, state: _Reading) -> Iterator[dict[str, Any]]:
    """Objects of a JSON Lines member, read in large blocks (line-by-line reads of a compressed tar member are
    several times slower), parsed, slimmed and redacted one line at a time."""
    malformed = 0
    for n, (line, cut) in enumerate(_lines(fh, READ_BLOCK, MAX_OBJECT_LINE), 1):
        if cut:
            raise InputError(f"{path}: {name} line {n} is longer than {MAX_OBJECT_LINE >> 20} MiB")
        if not line or (line[0] in _BLANK and not bytes(line).strip()):
            continue
        try:
            obj, fitted = decode(kind, line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{path}: {name} line {n} is not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            malformed += 1
            continue
        if kind == "pods" and fitted:
            counts = state.shared.redacted_pod(obj)
        else:
            counts = redact_object_counts(kind, obj, deep=may_hold_secrets(bytes(line)))
            if kind == "pods":
                state.shared.pod(obj)  # after redaction: the shared parts are final
        if counts:
            state.redacted.update(counts)
        yield obj
    if malformed:
        state.skipped.append(
            {
                "kind": kind,
                "status": "malformed",
                "reason": f"{malformed} line{'s' if malformed != 1 else ''} of {name} are not JSON objects",
            }
        )


class _LogTail:
    """The last ``MAX_LOG_LINES`` lines of a stream, each cut to ``max_bytes``, in bounded memory.

    Blocks are kept raw until one holds more line ends than lines are kept: everything before it can no
    longer be among the last lines and is dropped unsplit (most logs are short lines: nearly every block is
    dropped this way, at the cost of counting its line ends). Raw blocks waiting past ``MAX_PENDING`` bytes
    (long lines) are split into the kept lines then.
    """

    MAX_PENDING = 16 * 1024 * 1024

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.kept: deque[bytes] = deque(maxlen=MAX_LOG_LINES)
        self.rest = b""
        self.cut = False  # the line being read is already longer than kept: the rest of it is skipped
        self.pending: list[bytes] = []
        self.pending_bytes = 0

    def add(self, block: bytes) -> None:
        if block.count(b"\n") > MAX_LOG_LINES:
            self.kept.clear()
            self.rest, self.cut = b"", False
            self.pending, self.pending_bytes = [block[block.index(b"\n") + 1 :]], len(block)
            return
        self.pending.append(block)
        self.pending_bytes += len(block)
        if self.pending_bytes > self.MAX_PENDING:
            self._split()

    def _split(self) -> None:
        for block in self.pending:
            parts = block.split(b"\n")
            if len(parts) == 1:
                if not self.cut:
                    self.rest += block
                    if len(self.rest) > self.max_bytes:
                        self.rest, self.cut = self.rest[: self.max_bytes], True
                continue
            self.kept.append(self.rest if self.cut else (self.rest + parts[0])[: self.max_bytes])
            self.kept.extend(line[: self.max_bytes] for line in parts[max(1, len(parts) - 1 - MAX_LOG_LINES) : -1])
            self.rest = parts[-1][: self.max_bytes]
            self.cut = len(parts[-1]) > self.max_bytes
        self.pending, self.pending_bytes = [], 0

    def lines(self) -> list[bytes]:
        self._split()
        if self.rest:
            self.kept.append(self.rest)
            self.rest = b""
        return list(self.kept)


def _read_log(fh: IO[bytes], state: _Reading) -> list[str] | None:
    """The last lines of a log member, streamed block by block (never the whole member, never a whole long
    line in memory), redacted together; None when the budget of log characters is spent."""
    if state.log_chars <= 0:
        state.logs_over_budget += 1
        return None
    tail = _LogTail(MAX_LOG_LINE * 4)  # up to 4 bytes per character
    while block := fh.read(LOG_BLOCK):
        tail.add(block)
    lines, counts = redact_lines_counts(line.decode("utf-8", "replace")[:MAX_LOG_LINE] for line in tail.lines())
    state.redacted.update(counts)
    state.log_chars -= sum(len(x) for x in lines)
    return lines
