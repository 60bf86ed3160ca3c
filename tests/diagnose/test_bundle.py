"""Bundles: what is written is read back unchanged (minus the heavy fields), archive or folder."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from medic.errors import InputError
from medic.evidence.bundle import read_bundle, write_bundle, write_bundle_dir
from medic.model import Snapshot


def _snapshot() -> Snapshot:
    return Snapshot(
        objects={
            "pods": [
                {
                    "metadata": {
                        "name": "api-0",
                        "namespace": "shop",
                        "managedFields": [{"manager": "kubectl"}],
                        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "team": "a"},
                    },
                    "status": {"phase": "Running"},
                }
            ],
            "limitranges": [],
        },
        logs={"shop/api-0/api": ["line 1", "日本語の行"], "shop/api-0/api/previous": ["boom"]},
        host={"units": [{"unit": "docker.service", "active": "failed"}]},
        meta={"collected_at": "2026-11-20T03:00:00Z", "context": "kind-dev", "skipped": [{"kind": "secrets"}]},
    )


@pytest.mark.parametrize("folder", [False, True])
def test_round_trip(tmp_path: Path, folder: bool) -> None:
    path = tmp_path / ("b" if folder else "b.tar.gz")
    (write_bundle_dir if folder else write_bundle)(_snapshot(), path)
    back = read_bundle(path)
    pod = back.objects["pods"][0]
    assert pod["metadata"]["annotations"] == {"team": "a"} and "managedFields" not in pod["metadata"]
    assert back.objects["limitranges"] == []  # collected and empty is not the same as not collected
    assert back.logs == _snapshot().logs
    assert back.host == _snapshot().host
    assert back.meta["context"] == "kind-dev" and back.meta["format"] == "medic-bundle"
    assert back.meta["files"]["pods"] == {"path": "objects/pods.jsonl", "count": 1}


def test_manifest_is_documented_json(tmp_path: Path) -> None:
    write_bundle(_snapshot(), tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        names = set(tar.getnames())
        fh = tar.extractfile("manifest.json")
        assert fh is not None
        manifest = json.loads(fh.read())
    assert {
        "manifest.json",
        "objects/pods.jsonl",
        "logs/shop/api-0/api.log",
        "logs/shop/api-0/api.previous.log",
    } <= names
    assert manifest["version"] == 1 and manifest["logs"] == 2


def test_newer_format_and_broken_lines_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "b"
    write_bundle_dir(_snapshot(), path)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="newer than this Medic reads"):
        read_bundle(path)
    manifest["version"] = 1
    (path / "manifest.json").write_text(json.dumps(manifest))
    (path / "objects" / "pods.jsonl").write_text('{"metadata": {}}\n{broken\n')
    with pytest.raises(InputError, match=r"pods\.jsonl line 2 is not valid JSON"):
        read_bundle(path)


def test_reading_keeps_what_checks_read_and_the_file_keeps_everything(tmp_path: Path) -> None:
    pod = {
        "metadata": {"name": "api-0", "namespace": "shop"},
        "spec": {
            "containers": [
                {"name": "api", "env": [{"name": "MODE", "value": "<redacted>"}], "volumeMounts": [{"name": "d"}]}
            ]
        },
        "status": {"containerStatuses": [{"name": "api", "imageID": "sha256:1", "restartCount": 3}]},
    }
    write_bundle(Snapshot(objects={"pods": [pod]}), tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        fh = tar.extractfile("objects/pods.jsonl")
        assert fh is not None
        written = json.loads(fh.read())
    assert written["spec"]["containers"][0]["env"] and written["status"]["containerStatuses"][0]["imageID"]
    read = read_bundle(tmp_path / "b.tar.gz").objects["pods"][0]
    assert read["spec"]["containers"][0] == {"name": "api"}
    assert read["status"]["containerStatuses"][0] == {"name": "api", "restartCount": 3}
