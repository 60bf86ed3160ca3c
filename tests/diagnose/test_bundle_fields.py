"""The fields the bundle reader cuts change no finding and no redaction.

Real-shaped bundles (bench/bundlegen.py: pods with managed fields, env, probes, mounts, init containers and
sidecars; nodes with their image lists; unhealthy pods of eight kinds) are read whole and read by the
reader; the checks find the same things in both. Pods whose template parts hold secrets are redacted the
same, with the same counts, as when each pod is parsed whole, slimmed and redacted on its own.
"""

from __future__ import annotations

import importlib.util
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from medic.checks.registry import all_checks, evaluate
from medic.evidence.bundle import read_bundle, write_bundle
from medic.evidence.redact import may_hold_secrets, redact_object_counts
from medic.evidence.slim import decode, slim
from medic.model import Snapshot

ROOT = Path(__file__).resolve().parents[2]


def _bundlegen() -> Any:
    spec = importlib.util.spec_from_file_location("bundlegen", ROOT / "bench" / "bundlegen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("gen") / "bundle.tar.gz"
    stats = _bundlegen().generate(path, 3000, 100)
    return path, stats


def _whole(path: Path) -> Snapshot:
    """Every object of a bundle parsed whole, only redacted (deep: every value read by the text rules)."""
    snap = Snapshot()
    with tarfile.open(path) as tar:
        for member in tar:
            if member.name.startswith("objects/") and member.name.endswith(".jsonl"):
                fh = tar.extractfile(member)
                assert fh is not None
                kind = member.name[len("objects/") : -len(".jsonl")]
                items = [orjson.loads(line) for line in fh.read().splitlines() if line.strip()]
                for obj in items:
                    redact_object_counts(kind, obj, deep=True)
                snap.objects[kind] = items
            elif member.name == "manifest.json":
                fh = tar.extractfile(member)
                assert fh is not None
                snap.meta = orjson.loads(fh.read())
    return snap


def _findings(snap: Snapshot) -> list[tuple[Any, ...]]:
    run = evaluate(snap, all_checks())
    return sorted((f.code, f.severity, str(f.object), f.message, tuple(f.evidence)) for f in run.findings)


def test_a_realistic_bundle_gives_the_same_findings_read_whole_or_read_slim(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    path, stats = generated
    slim_snap = read_bundle(path)
    whole = _whole(path)
    whole.logs = slim_snap.logs
    found = _findings(slim_snap)
    assert found == _findings(whole)
    # the comparison compares something: every kind of unhealthy pod the generator planted is found
    assert len(stats["by_kind"]) == 8
    codes = {f[0] for f in found}
    assert {"POD101", "POD102", "POD103", "POD104", "SCH101"} <= codes
    # and what was cut is gone: no managed fields, env, image lists in memory
    pod = slim_snap.objects["pods"][0]
    assert "managedFields" not in pod["metadata"] and "env" not in pod["spec"]["containers"][0]
    assert "images" not in slim_snap.objects["nodes"][0]["status"]
    # ... while the whole objects have them (redaction drops managedFields in both)
    assert "env" in whole.objects["pods"][0]["spec"]["containers"][0]
    assert "images" in whole.objects["nodes"][0]["status"]


def test_pods_and_nodes_decode_to_what_slimming_the_whole_object_keeps(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    path, _ = generated
    with tarfile.open(path) as tar:
        for kind in ("pods", "nodes"):
            fh = tar.extractfile(f"objects/{kind}.jsonl")
            assert fh is not None
            lines = fh.read().splitlines()
            for line in lines[:400]:
                obj, fitted = decode(kind, line)
                assert fitted
                assert obj == slim(orjson.loads(line))


@pytest.mark.parametrize(
    "line",
    [
        b'{"metadata": {"name": "p"}, "spec": {"containers": null}}',  # not a list: parsed whole
        b'{"metadata": null, "spec": {"containers": []}}',
        b'{"metadata": {"name": "p"}, "spec": {"containers": ["x"]}}',
        b'{"metadata": {"name": "p"}, "spec": {"volumes": [{"name": "t", "projected": null}], "containers": []}}',
        b'{"metadata": {"name": "p"}}',  # no spec: not a pod to slim
        b"[1, 2]",
    ],
)
def test_other_shapes_are_parsed_whole_and_slimmed(line: bytes) -> None:
    obj, fitted = decode("pods", line)
    assert not fitted
    expected = orjson.loads(line)
    assert obj == (slim(expected) if isinstance(expected, dict) else expected)


def test_a_line_that_is_not_json_is_the_parsers_error() -> None:
    with pytest.raises(orjson.JSONDecodeError):
        decode("pods", b'{"metadata": {"name": "p"}, "spec": ')


def _secret_pod(i: int, template: str, **extra: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"{template}-7d9f-{i:05d}",
            "namespace": "shop",
            "uid": f"uid-{i}",
            "labels": {"app": template},
            "annotations": {"example.com/db-password": "hunter2-hunter2", "note": "plain"},
            "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:metadata": {}}}],
        },
        "spec": {
            "nodeName": "n1",
            "containers": [
                {
                    "name": "app",
                    "image": f"{template}:1",
                    "command": ["/app", "--password", "hunter2-hunter2", "-u", "admin:s3cr3t-pass"],
                    "env": [
                        {"name": "DB_PASSWORD", "value": "literal-in-env"},
                        {"name": "MODE", "value": "prod"},
                    ],
                    "volumeMounts": [{"name": f"kube-api-access-{i:05d}", "mountPath": "/var/run/secrets"}],
                }
            ],
            "initContainers": [{"name": "init", "image": f"{template}:1", "command": ["mysql", "-pHunter2pw"]}],
            "volumes": [
                {"name": "creds", "secret": {"secretName": f"{template}-creds"}},
                {"name": f"kube-api-access-{i:05d}", "projected": {"sources": [{"serviceAccountToken": {}}]}},
            ],
        },
        "status": {"phase": "Running", **extra},
    }


def _reference(kind: str, lines: list[bytes]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Each object parsed whole, slimmed and redacted on its own (the prefilter reading the whole line)."""
    counts: Counter[str] = Counter()
    out = []
    for line in lines:
        obj = slim(orjson.loads(line))
        counts.update(redact_object_counts(kind, obj, deep=may_hold_secrets(line)))
        out.append(obj)
    return out, counts


def _quiet_pod(i: int, template: str) -> dict[str, Any]:
    """A pod whose only secret is under an annotation key no prefilter word gives away: it is redacted by
    the annotation rule alone (a pod that passes no prefilter: its template's parts are redacted once)."""
    pod = _secret_pod(i, template)
    pod["metadata"]["annotations"] = {"example.com/secretvalue": "abcdef123456", "note": "plain"}
    for c in pod["spec"]["containers"] + pod["spec"]["initContainers"]:
        c["command"] = ["/app", "--listen=:8080"]
    return pod


def _read_lines(tmp_path: Path, lines: list[bytes]) -> Snapshot:
    path = tmp_path / "b"
    (path / "objects").mkdir(parents=True)
    (path / "objects" / "pods.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (path / "manifest.json").write_bytes(orjson.dumps({"format": "medic-bundle", "version": 1}))
    return read_bundle(path)


def test_pods_of_a_template_with_secrets_are_redacted_as_if_each_was_alone(tmp_path: Path) -> None:
    pods = [_quiet_pod(i, "api") for i in range(4)]
    pods += [_quiet_pod(i, "web") for i in range(4, 6)]
    pods += [_secret_pod(i, "db") for i in range(6, 9)]  # secrets the prefilter sees: each read whole
    pods.append(_quiet_pod(9, "api"))
    pods[9]["status"]["message"] = "Authorization: Bearer abcdefghijklmnopqrstu"  # a secret of its own
    eph = _quiet_pod(10, "api")
    eph["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "busybox", "command": ["sh", "--token", "t0ken"]}]
    pods.append(eph)
    lines = [orjson.dumps(p) for p in pods]
    snap = _read_lines(tmp_path, lines)
    expected, counts = _reference("pods", lines)
    assert snap.objects["pods"] == expected
    assert snap.meta["redacted_on_read"] == dict(sorted(counts.items()))
    assert counts["annotation"] == 11  # each pod's annotation counted (8 quiet, 3 loud), not its template's once
    assert counts["password"] >= 6
    read = snap.objects["pods"]
    for pod in read:  # what redaction removed is gone from every pod, however many share the template's parts
        text = orjson.dumps(pod).decode().lower()
        assert "hunter2" not in text and "abcdef123456" not in text and "s3cr3t" not in text
    assert (
        "abcdefghijklmnopqrstu" not in read[9]["status"]["message"] and "t0ken" not in orjson.dumps(read[10]).decode()
    )
    assert read[0]["spec"]["containers"] is read[1]["spec"]["containers"] is read[9]["spec"]["containers"]
    assert read[0]["metadata"]["annotations"] is read[3]["metadata"]["annotations"]
    assert read[0]["spec"]["containers"] is not read[4]["spec"]["containers"]


def test_a_bundle_written_and_read_keeps_the_findings_of_its_secret_pods(tmp_path: Path) -> None:
    """The same pods through write_bundle (which redacts too): reading changes nothing more."""
    pods = [_secret_pod(i, "api", reason="Evicted", message="The node was low on resource: memory.") for i in range(3)]
    write_bundle(Snapshot(objects={"pods": pods}), tmp_path / "b.tar.gz")
    snap = read_bundle(tmp_path / "b.tar.gz")
    whole = _whole(tmp_path / "b.tar.gz")
    assert _findings(snap) == _findings(whole)
