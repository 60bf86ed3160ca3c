"""Offline bundles: a Snapshot written to, and read back from, one documented ``.tar.gz``.

Layout (format version 1)::

    manifest.json            {"format": "medic-bundle", "version": 1, "collected_at", "context",
                              "cluster_version", "namespaces", "skipped", "redacted", "counts",
                              "files": {kind: {"path", "count"}}, "logs": n, ...}
    objects/<kind>.jsonl     one raw API object per line (list items: metadata/spec/status)
    host/<kind>.jsonl        host facts (DRBD resources, failed units, file systems...)
    logs/<ns>/<pod>/<container>.log            last lines of the current container
    logs/<ns>/<pod>/<container>.previous.log   ... and of the previous one

JSON Lines keep reading flat: one object is parsed at a time, and the fields no check reads and that
weigh the most (``managedFields``, the ``last-applied-configuration`` annotation) are dropped as it is
read. The collector redacts before it hands a snapshot over; the writer never sees a secret value.
An unpacked bundle (a folder with the same layout) is read the same way.
"""

from __future__ import annotations

import gc
import io
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from medic.errors import InputError
from medic.model import Snapshot

FORMAT = "medic-bundle"
VERSION = 1
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_MEMBER = 4 * 1024**3
READ_BLOCK = 8 * 1024 * 1024


# per-container fields no check reads, dropped as pods are read (about a fifth of a pod's memory):
# environment (values are redacted anyway), mounts, and the runtime's image and container ids
CONTAINER_FIELDS_DROPPED = ("env", "envFrom", "volumeMounts")
STATUS_FIELDS_DROPPED = ("imageID", "containerID")


def strip_bookkeeping(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop the server's bookkeeping (managed fields, last-applied configuration): never written."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        ann = meta.get("annotations")
        if isinstance(ann, dict) and LAST_APPLIED in ann:
            ann.pop(LAST_APPLIED)
    return obj


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    """What is kept in memory when a bundle is read: no bookkeeping, and no per-container fields that no
    check reads (the bundle file keeps them)."""
    strip_bookkeeping(obj)
    spec = obj.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("containers"), list):
        for key in ("containers", "initContainers"):
            for c in spec.get(key) or ():
                if isinstance(c, dict):
                    for f in CONTAINER_FIELDS_DROPPED:
                        c.pop(f, None)
        status = obj.get("status")
        if isinstance(status, dict):
            for key in ("containerStatuses", "initContainerStatuses"):
                for cs in status.get(key) or ():
                    if isinstance(cs, dict):
                        for f in STATUS_FIELDS_DROPPED:
                            cs.pop(f, None)
    return obj


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


def _jsonl(items: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(strip_bookkeeping(o)) + b"\n" for o in items)


def write_bundle(snapshot: Snapshot, path: Path) -> None:
    """Write the snapshot as a bundle (atomically: a temporary file renamed into place)."""
    manifest: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    manifest.update({k: v for k, v in snapshot.meta.items() if k not in ("format", "version", "files")})
    manifest.setdefault("collected_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    files: dict[str, dict[str, Any]] = {}
    manifest["files"] = files
    manifest["logs"] = len(snapshot.logs)
    tmp = path.with_name(path.name + ".part")
    try:
        with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
            for folder, groups in (("objects", snapshot.objects), ("host", snapshot.host)):
                for kind, items in sorted(groups.items()):
                    name = f"{folder}/{kind}.jsonl"
                    _add(tar, name, _jsonl(items))
                    files[f"{folder}:{kind}" if folder == "host" else kind] = {"path": name, "count": len(items)}
            for key, lines in sorted(snapshot.logs.items()):
                _add(tar, _log_key_to_path(key), ("\n".join(lines) + "\n").encode("utf-8", "replace"))
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


def _members(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """(relative name, binary stream) of each file of a bundle archive or folder."""
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                with p.open("rb") as fh:
                    yield p.relative_to(path).as_posix(), fh
        return
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                if not m.isfile() or m.size > MAX_MEMBER:
                    continue
                member = tar.extractfile(m)
                if member is not None:
                    yield m.name.removeprefix("./"), member
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InputError(f"{path}: not a readable bundle archive ({exc})") from None


def read_bundle(path: Path) -> Snapshot:
    """Read a bundle archive (or unpacked folder) into a Snapshot. One clear error if it is not one."""
    if not path.exists():
        raise InputError(f"{path}: no such bundle")
    # hundreds of thousands of long-lived dicts: the cyclic GC would rescan them over and over while
    # they are created (4x the parse time); they are frozen out of its reach once read
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(path)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _read(path: Path) -> Snapshot:
    snap = Snapshot()
    manifest: dict[str, Any] | None = None
    for name, fh in _members(path):
        if name == "manifest.json":
            try:
                manifest = orjson.loads(fh.read())
            except orjson.JSONDecodeError as exc:
                raise InputError(f"{path}: manifest.json is not valid JSON ({exc})") from None
        elif name.endswith(".jsonl") and name.startswith(("objects/", "host/")):
            folder, _, file = name.partition("/")
            target = snap.objects if folder == "objects" else snap.host
            target[file[: -len(".jsonl")]] = list(_read_jsonl(path, name, fh))
        elif name.startswith("logs/"):
            key = _log_path_to_key(name)
            if key:
                snap.logs[key] = fh.read().decode("utf-8", "replace").splitlines()
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}: not a Medic bundle (no manifest.json with format {FORMAT!r})")
    if int(manifest.get("version") or 0) > VERSION:
        raise InputError(
            f"{path}: bundle format version {manifest.get('version')} is newer than this Medic reads "
            f"({VERSION}); upgrade Medic"
        )
    snap.meta = manifest
    return snap


def _read_jsonl(path: Path, name: str, fh: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Objects of a JSON Lines member, read in large blocks (line-by-line reads of a compressed tar
    member are several times slower) and parsed one line at a time."""
    n = 0
    rest = b""
    while True:
        block = fh.read(READ_BLOCK)
        lines = (rest + block).split(b"\n")
        rest = lines.pop() if block else b""
        for line in lines:
            n += 1
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(f"{path}: {name} line {n} is not valid JSON ({exc})") from None
            if isinstance(obj, dict):
                yield slim(obj)
        if not block:
            return
