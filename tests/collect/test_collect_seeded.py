"""A real ``medic collect`` against the emulator with secrets planted everywhere: none reaches the bundle."""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

from tests.collect.conftest import Live
from tests.collect.seeded import KEEP, Seeds, plant
from tests.collect.test_cli_live import medic


def _bundle_bytes(path: Path) -> bytes:
    with tarfile.open(path) as tar:
        return b"\n".join(f.read() for m in tar if m.isfile() and (f := tar.extractfile(m)) is not None)


def test_no_seeded_secret_survives_collect(make_live: Callable[..., Live], tmp_path: Path) -> None:
    seeds = Seeds()
    live = make_live(n_pods=4, prepare=lambda c: plant(c, seeds))
    bundle = tmp_path / "cluster.tar.gz"
    res = medic("collect", "--kubeconfig", str(live.kubeconfig), "-o", str(bundle), "--timeout", "5", tmp=tmp_path)
    assert res.returncode == 0, res.stderr
    with tarfile.open(bundle) as tar:
        names = set(tar.getnames())
    # the planted objects and both logs were collected
    assert {"logs/vault/password-reset-service-5d8f-abcde/mysql.log", "objects/storageclasses.jsonl"} <= names
    assert "logs/vault/password-reset-service-5d8f-abcde/mysql.previous.log" in names
    blob = _bundle_bytes(bundle)
    assert b"password-reset-service-5d8f-abcde" in blob and b"redis> AUTH <redacted>" in blob
    leaked = [v for v in seeds.secrets() if v.encode() in blob]
    assert leaked == []
    for text in KEEP:
        assert text.encode() in blob, text
    # what replaced them says so
    assert blob.count(b"<redacted>") >= 20 and b"<redacted private key>" in blob
