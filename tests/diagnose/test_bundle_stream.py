"""Object members are read in blocks, one ahead by a thread: lines across blocks, errors inside a member."""

from __future__ import annotations

import io
import tarfile
import threading
from pathlib import Path

import orjson
import pytest

from medic.errors import InputError
from medic.evidence import bundle
from medic.evidence.bundle import read_bundle

MANIFEST = orjson.dumps({"format": "medic-bundle", "version": 1})


def _pods(n: int) -> list[dict[str, object]]:
    # names of every length, so that lines end at every offset of a block
    return [
        {"metadata": {"name": "p" * (1 + i % 97), "namespace": "ns"}, "spec": {"containers": [{"name": "c"}]}}
        for i in range(n)
    ]


def _bundle(path: Path, pods: bytes) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("objects/pods.jsonl", pods), ("manifest.json", MANIFEST)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_lines_across_block_boundaries_are_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "READ_BLOCK", 1000)
    pods = _pods(500)
    _bundle(tmp_path / "b.tar.gz", b"\n".join(orjson.dumps(p) for p in pods) + b"\n\n  \n")
    assert read_bundle(tmp_path / "b.tar.gz").objects["pods"] == pods


def test_a_bad_line_deep_in_a_member_is_one_error_and_the_reader_thread_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle, "READ_BLOCK", 4096)
    lines = [orjson.dumps(p) for p in _pods(2000)]
    lines[1500] = b'{"metadata": '
    _bundle(tmp_path / "b.tar.gz", b"\n".join(lines) + b"\n")
    before = threading.active_count()
    with pytest.raises(InputError, match=r"objects/pods.jsonl line 1501 is not valid JSON"):
        read_bundle(tmp_path / "b.tar.gz")
    assert threading.active_count() == before


def test_an_archive_cut_inside_a_member_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inflating fails in the reading thread: the error is the reader's, one line."""
    monkeypatch.setattr(bundle, "READ_BLOCK", 64 * 1024)
    data = b"\n".join(orjson.dumps({**p, "pad": str(i) * 200}) for i, p in enumerate(_pods(20000)))
    _bundle(tmp_path / "b.tar.gz", data)
    whole = (tmp_path / "b.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) * 2 // 3])
    before = threading.active_count()
    with pytest.raises(InputError, match=r"not a readable bundle archive"):
        read_bundle(tmp_path / "cut.tar.gz")
    assert threading.active_count() == before
