"""Bundles: what is written is read back unchanged (minus the heavy fields), archive or folder."""

from __future__ import annotations

import io
import json
import re
import resource
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from medic.errors import InputError
from medic.evidence.bundle import MAX_LOG_LINE, MAX_LOG_LINES, read_bundle, write_bundle, write_bundle_dir
from medic.model import Snapshot
from tests.collect.emulator import Cluster
from tests.collect.seeded import KEEP, Seeds, plant
from tests.collect.test_cli_live import medic


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


# -- bundles not written by Medic: redacted when read, whatever the output format --------------------------


def _handmade(path: Path, seeds: Seeds, manifest: dict[str, Any] | None = None) -> None:
    """A bundle written without Medic (no redaction at all), holding the seeded secrets."""
    cluster = Cluster()
    cluster.objects.update({"namespaces": [], "pods": [], "events": []})
    plant(cluster, seeds)
    members: dict[str, bytes] = {}
    for kind, items in cluster.objects.items():
        members[f"objects/{kind}.jsonl"] = b"".join(orjson.dumps(o) + b"\n" for o in items)
    for (ns, pod, container, previous), text in cluster.logs.items():
        members[f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"] = text.encode()
    members["host/units.jsonl"] = orjson.dumps({"unit": "app.service", "cmdline": f"app --db-pass={seeds.db_pass}"})
    members["manifest.json"] = orjson.dumps(
        manifest
        or {
            "format": "medic-bundle",
            "version": 1,
            "context": "prod",
            "collected_at": "2026-11-20T03:00:00Z",
            "server": f"https://admin:{seeds.kubeconfig_password}@10.0.0.1:6443",
            "namespaces": "all",
            "skipped": [],
        }
    )
    _tar(path, members)


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_bundle_not_written_by_medic_is_redacted_when_read(tmp_path: Path) -> None:
    seeds = Seeds()
    _handmade(tmp_path / "b.tar.gz", seeds)
    snap = read_bundle(tmp_path / "b.tar.gz")
    dump = orjson.dumps({"o": snap.objects, "l": snap.logs, "h": snap.host, "m": snap.meta}).decode()
    assert [v for v in seeds.secrets() if v in dump] == []
    assert snap.meta["redacted_on_read"]["private_key"] >= 1 and sum(snap.meta["redacted_on_read"].values()) >= 20
    assert snap.meta["server"] == "https://admin:<redacted>@10.0.0.1:6443"
    for text in KEEP:
        assert text in dump, text


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeds]:
    """One hand-made bundle and one knowledge base for all the formats (the first run indexes the catalog)."""
    tmp = tmp_path_factory.mktemp("handmade")
    seeds = Seeds()
    _handmade(tmp / "b.tar.gz", seeds)
    return tmp, seeds


@pytest.mark.parametrize("fmt", ["json", "markdown", "sarif", "junit", "html", "terminal"])
def test_diagnose_of_a_handmade_bundle_shows_no_secret(handmade: tuple[Path, Seeds], fmt: str) -> None:
    tmp, seeds = handmade
    res = medic("diagnose", "--bundle", str(tmp / "b.tar.gz"), "-o", fmt, "--explain", tmp=tmp)
    assert res.returncode in (0, 1), res.stderr
    out = res.stdout + res.stderr
    assert "password-reset-service" in out  # the planted pod was read and reported on
    assert [v for v in seeds.secrets() if v in out] == []


# -- hostile bundles: one clear error or a recorded skip, never a traceback; memory stays bounded -----------


def _manifest(**extra: Any) -> bytes:
    return orjson.dumps({"format": "medic-bundle", "version": 1, **extra})


def test_a_huge_single_line_log_is_cut_not_held(tmp_path: Path) -> None:
    line = b"x" * (40 * 1024 * 1024)  # 40 MB without a line end: read in blocks, kept as one cut line
    _tar(tmp_path / "b.tar.gz", {"logs/a/p/c.log": line, "manifest.json": _manifest()})
    snap = read_bundle(tmp_path / "b.tar.gz")
    assert snap.logs["a/p/c"] == ["x" * MAX_LOG_LINE]


def test_a_key_header_without_its_end_on_a_400kb_line(tmp_path: Path) -> None:
    body = "-----BEGIN RSA PRIVATE KEY-----" + "MIIEowIBAAKCAQEA" * 25_000  # 400 KB, no END marker
    log = body.encode() + b"\nMIIEow\n2026-11-20 ERROR after the key\n"
    _tar(tmp_path / "b.tar.gz", {"logs/a/p/c.log": log, "manifest.json": _manifest()})
    snap = read_bundle(tmp_path / "b.tar.gz")
    assert snap.logs["a/p/c"] == ["<redacted private key>", "2026-11-20 ERROR after the key"]


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not gzip", "empty"])
def test_damaged_archives_are_one_line_errors(tmp_path: Path, damage: str) -> None:
    good = tmp_path / "good.tar.gz"
    write_bundle(_snapshot(), good)
    data = good.read_bytes()
    bad = {
        "truncated": data[: len(data) // 2],
        "corrupt": data[:40] + bytes(b ^ 0x5A for b in data[40:200]) + data[200:],
        "not gzip": b"hello, this is not a bundle\n" * 10,
        "empty": b"",
    }[damage]
    (tmp_path / "bad.tar.gz").write_bytes(bad)
    with pytest.raises(InputError, match=r"bad\.tar\.gz: "):
        read_bundle(tmp_path / "bad.tar.gz")
    res = medic("diagnose", "--bundle", str(tmp_path / "bad.tar.gz"), "-o", "json", tmp=tmp_path)
    assert res.returncode != 0 and "Traceback" not in res.stderr and "bad.tar.gz" in res.stderr


@pytest.mark.parametrize("name", ["../x.log", "/etc/x.jsonl", "objects/../../x.jsonl", "logs/../../../etc/x.log"])
def test_members_outside_the_bundle_are_refused(tmp_path: Path, name: str) -> None:
    _tar(tmp_path / "b.tar.gz", {name: b"{}\n", "manifest.json": _manifest()})
    with pytest.raises(InputError, match="points outside the bundle"):
        read_bundle(tmp_path / "b.tar.gz")


def test_links_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    write_bundle_dir(_snapshot(), folder)
    (tmp_path / "outside.log").write_text("not yours\n")
    (folder / "logs" / "shop" / "api-0" / "evil.log").symlink_to(tmp_path / "outside.log")
    with pytest.raises(InputError, match="is a link; refused"):
        read_bundle(folder)
    with tarfile.open(tmp_path / "l.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("logs/a/p/c.log")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(InputError, match="is a link; refused"):
        read_bundle(tmp_path / "l.tar.gz")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"version": "abc"}, "'version' should be a number"),
        ({"skipped": 5}, "'skipped' should be a list"),
        ({"skipped": [1, 2]}, "'skipped' should be a list of objects"),
        ({"namespaces": {"a": 1}}, "'namespaces' should be a list"),
        ({"namespaces": [1]}, "'namespaces' should be a list of names"),
        ({"collected_at": 5}, "'collected_at' should be a string"),
        ({"counts": "x"}, "'counts' should be an object"),
        ({"partial": "yes"}, "'partial' should be true or false"),
        ({"version": True}, "'version' should be a number"),
    ],
)
def test_wrong_typed_manifest_fields_are_one_line_errors(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    _tar(tmp_path / "b.tar.gz", {"objects/pods.jsonl": b"", "manifest.json": _manifest(**fields)})
    with pytest.raises(InputError, match=re.escape(message)):
        read_bundle(tmp_path / "b.tar.gz")


def test_unknown_manifest_fields_are_kept_and_a_manifest_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    _tar(tmp_path / "b.tar.gz", {"manifest.json": _manifest(kinds=5)})
    assert read_bundle(tmp_path / "b.tar.gz").meta["kinds"] == 5
    _tar(tmp_path / "c.tar.gz", {"manifest.json": b"[1, 2]"})
    with pytest.raises(InputError, match="not a Medic bundle"):
        read_bundle(tmp_path / "c.tar.gz")


def test_lines_that_are_not_objects_are_recorded_as_skipped(tmp_path: Path) -> None:
    pods = b'{"metadata": {"name": "a"}}\n5\n"text"\n[1]\nnull\n{"metadata": {"name": "b"}}\n'
    _tar(tmp_path / "b.tar.gz", {"objects/pods.jsonl": pods, "manifest.json": _manifest()})
    snap = read_bundle(tmp_path / "b.tar.gz")
    assert [p["metadata"]["name"] for p in snap.objects["pods"]] == ["a", "b"]
    assert snap.meta["skipped"] == [
        {"kind": "pods", "status": "malformed", "reason": "4 lines of objects/pods.jsonl are not JSON objects"}
    ]


class _Repeat(io.RawIOBase):
    """``size`` bytes of a repeated line, produced as read (a test bundle far larger than memory)."""

    def __init__(self, line: bytes, size: int) -> None:
        self.chunk = line * (1024 * 1024 // len(line))
        self.left = size
        self.at = 0  # offset in the chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        n = min(len(buf), self.left, len(self.chunk) - self.at)
        buf[:n] = self.chunk[self.at : self.at + n]
        self.at = (self.at + n) % len(self.chunk)
        self.left -= n
        return n


def test_memory_stays_bounded_for_logs_far_larger_than_it(tmp_path: Path) -> None:
    """A log that expands to 512 MB, read under a 128 MB address-space limit: the last lines are kept."""
    line = b"GET /healthz 200 token=abcdef0123456789\n"
    size = len(line) * (512 * 1024 * 1024 // len(line))  # whole lines, 512 MB
    path = tmp_path / "big.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("logs/a/p/c.log")
        info.size = size
        tar.addfile(info, io.BufferedReader(_Repeat(line, size)))
        manifest = _manifest()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    code = (
        "import sys; from pathlib import Path; from medic.evidence.bundle import read_bundle\n"
        "s = read_bundle(Path(sys.argv[1])); lines = s.logs['a/p/c']\n"
        "print(len(lines), lines[-1])\n"
    )
    limit = 128 * 1024 * 1024  # the reader itself needs about 30 MB; the log is four times the limit

    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    res = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300, preexec_fn=preexec
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == [str(MAX_LOG_LINES), "GET", "/healthz", "200", "token=<redacted>"]
