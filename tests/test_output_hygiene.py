"""No command prints a control character, a bidi override or live Rich markup that came from data.

Real processes, real files: a runbook whose file name, title, body and code carry escape sequences is
indexed, then searched, shown, listed and triaged; pasted output and a bundle carry the same payloads
through `medic parse` and every `medic diagnose` format. Output is captured from a pipe, where Rich adds no
sequences of its own, so any control character in it came from the data.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from medic.evidence.bundle import write_bundle_dir
from medic.model import Snapshot

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
CSI8 = "\x9b31m"
BIDI = "\u202e"
MARKUP = "[bold red]loud[/]"
PAYLOAD = f"{TITLE}{CLEAR}{CSI8}{BIDI}{MARKUP}<script>alert(1)</script>"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
WORD = "zorblaxquux"  # a word no other runbook has, so search and triage find this one


def medic(*args: str, db: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "MEDIC_DB": str(db), "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], input=stdin, capture_output=True, env=env, timeout=300
    )


def clean(res: subprocess.CompletedProcess[bytes]) -> str:
    """The output as text, asserted free of raw controls (stdout and stderr) and of tracebacks."""
    out, err = res.stdout.decode("utf-8"), res.stderr.decode("utf-8")
    assert not RAW.search(out), [m.group() for m in RAW.finditer(out)][:5]
    assert not RAW.search(err), err
    assert "Traceback" not in err, err
    return out


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    books = root / "books"
    books.mkdir()
    (books / f"evil{CLEAR}{BIDI}.md").write_text(
        f"# Disk pressure {WORD} {PAYLOAD} :warning:\n\n"
        f"The kubelet reports {WORD} eviction threshold {PAYLOAD}.\n\n"
        "## Symptom\n\n"
        f"```\nkubelet: {WORD} eviction manager: attempting to reclaim ephemeral-storage {TITLE}\n```\n\n"
        "## Fix\n\n"
        f"```sh\nkubectl get pods {CSI8}\n```\n",
        encoding="utf-8",
    )
    db = root / "kb.db"
    res = medic("index", str(books), db=db)
    assert res.returncode == 0, res.stderr
    clean(res)
    return db


def test_search_and_show(indexed: Path) -> None:
    out = clean(medic("search", WORD, db=indexed))
    assert "loud" in out and MARKUP in out and "\\x1b]0;pwned\\x07" in out
    assert ":warning:" in out  # an emoji code in data stays text
    hits = json.loads(clean(medic("search", WORD, "--json", db=indexed)))["results"]
    assert f"{TITLE}{CLEAR}{CSI8}{BIDI}{MARKUP}" in hits[0]["title"]  # JSON stays exact (the parser drops the HTML)
    shown = clean(medic("show", hits[0]["id"], db=indexed))
    assert MARKUP in shown and "\\x9b31m" in shown and "\\u202e" in shown
    clean(medic("show", hits[0]["id"], "--json", db=indexed))


def test_sources_and_checks(indexed: Path) -> None:
    out = clean(medic("sources", db=indexed))
    assert "evil\\x1b[2J\\u202e.md" in out
    clean(medic("sources", "--json", db=indexed))
    assert "POD101" in clean(medic("checks", db=indexed))


def test_triage(indexed: Path) -> None:
    log = f"kubelet: {WORD} eviction manager: attempting to reclaim ephemeral-storage {PAYLOAD}\n".encode() * 3
    out = clean(medic("triage", "-", "--all", db=indexed, stdin=log))
    assert "Disk pressure" in out and MARKUP in out
    data = json.loads(clean(medic("triage", "-", "--all", "--json", db=indexed, stdin=log)))
    assert data["matches"]


def test_parse(indexed: Path) -> None:
    pasted = (
        f"$ kubectl get pods -n shop {TITLE}\n"
        "NAME                  READY   STATUS             RESTARTS   AGE\n"
        f"web{CLEAR}-0            0/1     CrashLoopBackOff   5          10m\n"
        f"api-{BIDI}1             1/1     Running            0          10m\n"
    ).encode()
    clean(medic("parse", "-", db=indexed, stdin=pasted))
    clean(medic("parse", "-", "--json", db=indexed, stdin=pasted))


def test_an_error_message_is_shown_not_obeyed(indexed: Path) -> None:
    res = medic("show", f"nope{CLEAR}{MARKUP}", db=indexed)
    assert res.returncode == 2
    clean(res)


@pytest.fixture(scope="module")
def hostile_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = f"web{CLEAR}{BIDI}{MARKUP}-0"
    pod = {
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"containers": [{"name": "api", "image": "x"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 9,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": PAYLOAD}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
                }
            ],
        },
    }
    event = {
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": name},
        "type": "Warning",
        "reason": "BackOff",
        "message": "Back-off restarting failed container " + PAYLOAD,
        "count": 3,
        "lastTimestamp": "2026-11-20T02:59:00Z",
    }
    snap = Snapshot(
        objects={"pods": [pod], "events": [event], "namespaces": [{"metadata": {"name": "shop"}}]},
        logs={f"shop/{name}/api": [f"fatal: {PAYLOAD}"] * 3},
        meta={"collected_at": "2026-11-20T03:00:00Z", "context": "ctx" + PAYLOAD, "cluster_version": "v1.29"},
    )
    folder = tmp_path_factory.mktemp("bundle") / "hostile"
    write_bundle_dir(snap, folder)
    return folder


@pytest.mark.parametrize("fmt", ["terminal", "json", "markdown", "html", "junit", "sarif"])
def test_diagnose_every_format(hostile_bundle: Path, indexed: Path, fmt: str) -> None:
    args = ["diagnose", "--bundle", str(hostile_bundle), "-o", fmt]
    res = medic(*args, *(["--explain"] if fmt == "terminal" else []), db=indexed)
    assert res.returncode == 0, res.stderr
    out = clean(res)
    if fmt == "terminal":
        assert MARKUP in out and "web\\x1b[2J\\u202e" in out
    elif fmt == "json":
        assert json.loads(out)["cluster"]["context"] == "ctx" + PAYLOAD
    elif fmt == "junit":
        ET.fromstring(out.encode("utf-8"))
    elif fmt == "sarif":
        assert json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    elif fmt == "html":
        assert "<script>" not in out and "&lt;script&gt;" in out
    else:
        assert "<script>" not in out and "&lt;script&gt;" in out and "## Coverage" in out


def test_triage_output_carries_no_credentials(indexed: Path) -> None:
    secret = "hunter2-s3cr3t-pw"
    log = f"kubelet: {WORD} eviction manager: attempting to reclaim ephemeral-storage password={secret}\n".encode()
    for extra in ([], ["--json"]):
        out = clean(medic("triage", "-", "--all", *extra, db=indexed, stdin=log * 3))
        assert WORD in out and secret not in out and "password=<redacted>" in out
