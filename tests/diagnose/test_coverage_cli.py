"""Silent nothing is an error, and a gate that could not look does not pass: `medic collect` and
`medic diagnose` as processes against bundles, the loopback API emulator and a server that answers 404 to
everything; a check that raises on a malformed object, through the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medic.checks.registry import REGISTRY, Check, Hit, all_checks
from medic.cli import app, demo_bundle_path
from medic.evidence.bundle import read_bundle, write_bundle_dir
from medic.model import ObjectRef, Severity, Snapshot
from tests.collect.emulator import RESOURCE_GROUPS, Cluster, serve
from tests.collect.fixtures import Material, build_cluster, write_kubeconfig


def medic(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY")}
    env.update({"MEDIC_DB": str(tmp / "kb.db"), "HOME": str(tmp / "home"), "NO_PROXY": "127.0.0.1,localhost"})
    env.update({"COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def one_line(res: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert res.returncode == code, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert text in res.stderr, res.stderr


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kb")


def test_a_bundle_with_no_objects_is_an_error(tmp_path: Path, kb: Path) -> None:
    empty = Snapshot(
        objects={"pods": [], "nodes": [], "events": []},
        meta={"context": "c", "skipped": [{"kind": "secrets", "status": 403, "reason": "forbidden"}]},
    )
    write_bundle_dir(empty, tmp_path / "empty")
    for fmt in ("terminal", "json", "junit", "sarif"):
        res = medic("diagnose", "--bundle", str(tmp_path / "empty"), "-o", fmt, "--fail-on", "error", tmp=kb)
        one_line(res, 2, "medic: nothing to check: the bundle holds no objects (1 listing(s) refused: 403)")
        assert res.stdout == ""


def test_an_unknown_namespace_is_an_error(kb: Path) -> None:
    res = medic("diagnose", "--demo", "-n", "nosuchns", "-o", "junit", tmp=kb)
    one_line(res, 2, "medic: namespace nosuchns not found in the snapshot (namespaces: ")
    assert "vantiq" in res.stderr and res.stdout == ""


@pytest.fixture(scope="module")
def no_secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bundle as a collector that may not list secrets writes it (403; Helm releases derive from them)."""
    snap = read_bundle(demo_bundle_path())
    snap.objects.pop("secrets", None)
    snap.objects.pop("helmreleases", None)
    snap.meta["skipped"] = [
        {"kind": "secrets", "status": 403, "reason": "secrets is forbidden"},
        {"kind": "helmreleases", "status": 403, "reason": "derived from secrets, which could not be read"},
    ]
    folder = tmp_path_factory.mktemp("bundle") / "no-secrets"
    write_bundle_dir(snap, folder)
    return folder


def test_fail_on_fails_when_a_selected_check_was_not_evaluated(no_secrets: Path, kb: Path) -> None:
    args = ("diagnose", "--bundle", str(no_secrets), "--checks", "CP352,CP353")
    report = medic(*args, "-o", "json", tmp=kb)
    assert report.returncode == 0, report.stderr  # no --fail-on: the report says it, the exit code does not
    rows = {r["code"]: r for r in json.loads(report.stdout)["coverage"]["checks"]}
    assert rows["CP352"] == {"code": "CP352", "outcome": "not evaluated", "reason": "403 on secrets", "findings": 0}
    assert rows["POD101"]["outcome"] == "skipped" and rows["POD101"]["reason"] == "not selected by --checks"
    assert medic(*args, "--fail-on", "warning", tmp=kb).returncode == 1
    assert medic(*args, "--fail-on", "error", "-o", "sarif", tmp=kb).returncode == 1
    assert medic(*args, "--fail-on", "warning", "--allow-not-evaluated", tmp=kb).returncode == 0
    terminal = medic(*args, tmp=kb)
    assert "NOT EVALUATED (2)" in terminal.stdout and "CP352, CP353: 403 on secrets" in terminal.stdout
    assert "No findings, but some checks could not be evaluated" in terminal.stdout
    assert f"{len(all_checks())} checks: 0 failed, 0 passed, 2 not evaluated (403 on secrets)" in terminal.stdout


def test_junit_and_sarif_say_what_was_not_evaluated(no_secrets: Path, kb: Path) -> None:
    from xml.etree import ElementTree as ET

    junit = medic("diagnose", "--bundle", str(no_secrets), "-o", "junit", tmp=kb)
    suite = ET.fromstring(junit.stdout.encode("utf-8"))
    cases = {c.get("name", "").split(" ", 1)[0]: c for c in suite.iter("testcase")}
    skipped = cases["CP352"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not evaluated: 403 on secrets"
    sarif = json.loads(medic("diagnose", "--bundle", str(no_secrets), "-o", "sarif", tmp=kb).stdout)
    (invocation,) = sarif["runs"][0]["invocations"]
    notes = {n["descriptor"]["id"]: n["message"]["text"] for n in invocation["toolExecutionNotifications"]}
    assert notes["HYG703"] == "HYG703 not evaluated: 403 on helmreleases"
    assert invocation["executionSuccessful"] is False


# -- a check that raises on one malformed object, through the real command (in-process: the check is ours)


def _labelled(snap: Snapshot) -> Iterator[Hit]:
    """Reads every pod's labels as a mapping: a malformed pod (labels a list) makes it raise."""
    for pod in snap.items("pods"):
        labels = pod["metadata"].get("labels") or {}
        if labels.get("tier") == "forbidden-tier":
            yield Hit(ObjectRef("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"]))


@pytest.fixture()
def raising_check() -> Iterator[str]:
    REGISTRY["TST902"] = Check(
        code="TST902",
        severity=Severity.WARNING,
        title="pods in a forbidden tier",
        message="pod in a forbidden tier",
        looks_at=("pods",),
        links=(),
        doc="test",
        area="test",
        run=_labelled,
    )
    try:
        yield "TST902"
    finally:
        del REGISTRY["TST902"]


def test_a_check_that_raises_is_not_evaluated_and_fails_the_gate(raising_check: str, tmp_path: Path) -> None:
    healthy = {
        "metadata": {"name": "ok-0", "namespace": "shop", "labels": {"tier": "web"}},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0}]},
    }
    malformed = {**healthy, "metadata": {"name": "odd-0", "namespace": "shop", "labels": ["tier", "web"]}}
    snap = Snapshot(
        objects={"pods": [healthy, malformed], "events": [], "namespaces": [{"metadata": {"name": "shop"}}]},
        meta={"collected_at": "2026-11-20T03:00:00Z", "context": "t", "namespaces": "all", "skipped": []},
    )
    write_bundle_dir(snap, tmp_path / "b")
    runner = CliRunner()
    base = ["--db", str(tmp_path / "kb.db"), "diagnose", "--bundle", str(tmp_path / "b"), "--checks", "TST902,POD10"]
    res = runner.invoke(app, [*base, "-o", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["code"]: r for r in json.loads(res.stdout)["coverage"]["checks"]}
    assert rows["TST902"] == {
        "code": "TST902",
        "outcome": "not evaluated",
        "reason": "stopped on malformed input: AttributeError: 'list' object has no attribute 'get'",
        "findings": 0,
    }
    assert rows["POD101"]["outcome"] == "passed"  # the other checks still ran on both pods
    assert runner.invoke(app, [*base, "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(app, [*base, "--fail-on", "warning", "--allow-not-evaluated"]).exit_code == 0


# -- collecting nothing


class _NotFound(BaseHTTPRequestHandler):
    """What a misconfigured proxy in front of nothing answers: 404 to every request."""

    def do_GET(self) -> None:
        body = b"404 page not found\n"
        self.send_response(404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def not_found(tmp_path: Path) -> Iterator[Path]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{server.server_address[1]}", "t0ken")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_collect_from_a_server_that_answers_404_everywhere_is_an_error(not_found: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "b.tar.gz"
    res = medic("collect", "--kubeconfig", str(not_found), "-o", str(bundle), "--timeout", "5", tmp=tmp_path)
    one_line(res, 2, "medic: collected 0 objects from http://127.0.0.1:")
    assert "listing(s) answered 404" in res.stderr and not bundle.exists()
    res = medic("diagnose", "--kubeconfig", str(not_found), "-o", "junit", "--fail-on", "error", tmp=tmp_path)
    one_line(res, 2, "medic: nothing to check: the cluster holds no objects")
    assert res.stdout == ""


def test_collect_from_the_emulator_with_every_list_refused_is_an_error(tmp_path: Path) -> None:
    cluster = Cluster(status=dict.fromkeys(RESOURCE_GROUPS, 404))
    with serve(cluster) as url:
        config = write_kubeconfig(tmp_path / "kubeconfig", url, cluster.token)
        res = medic("collect", "--kubeconfig", str(config), "-o", str(tmp_path / "b.tar.gz"), tmp=tmp_path)
        one_line(res, 2, f"medic: collected 0 objects from {url}")
    assert {m for m, _p, _q in cluster.requests} == {"GET"}


def test_live_diagnose_of_an_unknown_namespace_is_an_error(tmp_path: Path) -> None:
    cluster = build_cluster(Material(), n_pods=3)
    with serve(cluster) as url:
        config = write_kubeconfig(tmp_path / "kubeconfig", url, cluster.token)
        res = medic("diagnose", "--kubeconfig", str(config), "-n", "nosuchns", tmp=tmp_path)
    one_line(res, 2, "nosuchns")
    assert res.stdout == ""


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--checks", "HOST"], "15 selected check(s) applies (no host facts in this snapshot)"),
        (["--checks", "NODE301", "-n", "vantiq"], "1 selected check(s) applies (about cluster-scoped nodes, outside"),
    ],
)
def test_a_run_where_no_selected_check_applies_is_an_error(kb: Path, args: list[str], why: str) -> None:
    res = medic("diagnose", "--demo", *args, "--fail-on", "error", "-o", "junit", tmp=kb)
    one_line(res, 2, "medic: nothing to check: none of the " + why)
    assert res.stdout == ""
