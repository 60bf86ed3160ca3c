"""`medic triage` from the command line: files, .gz, stdin, binary input, JSON shape, exit codes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from medic import rank

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "evidence" / "pod-events.txt"


def medic(*args: str, db: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "MEDIC_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], input=stdin, capture_output=True, env=env, timeout=300
    )


def test_sample_from_the_readme_names_the_oom_entry(tmp_path: Path) -> None:
    res = medic("triage", str(SAMPLE), "--json", db=tmp_path / "m.db")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    top = data["matches"][0]
    assert set(top) == {
        "id",
        "source",
        "heading_path",
        "title",
        "lang",
        "score",
        "confidence",
        "evidence",
        "tests",
        "fixes",
    }
    assert "OOMKilled" in top["title"] and top["confidence"] >= rank.printed_from()
    assert any("OOMKilled" in e["text"] for e in top["evidence"])
    assert all({"line_no", "text", "matched"} == set(e) for e in top["evidence"])
    assert top["tests"] and top["fixes"]


def test_gzip_and_stdin_give_the_same_answer(tmp_path: Path) -> None:
    gz = tmp_path / "events.txt.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    a = json.loads(medic("triage", str(gz), "--json", db=tmp_path / "m.db").stdout)
    b = json.loads(medic("triage", "-", "--json", db=tmp_path / "m.db", stdin=SAMPLE.read_bytes()).stdout)
    assert [m["id"] for m in a["matches"]] == [m["id"] for m in b["matches"]]
    assert a["matches"]


def test_binary_and_mixed_encodings_do_not_crash(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 64 + "ディスク\n".encode("shift_jis") + b"\x00\x00OOMKilled\xff\xfe\n"
    (tmp_path / "blob.bin").write_bytes(blob + SAMPLE.read_bytes())
    res = medic("triage", str(tmp_path / "blob.bin"), db=tmp_path / "m.db")
    assert res.returncode == 0 and b"Traceback" not in res.stderr


def test_nothing_fits_prints_that_and_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "ok.log").write_text("all good\nstarted in 2.1s\n", encoding="utf-8")
    res = medic("triage", str(tmp_path / "ok.log"), db=tmp_path / "m.db")
    assert res.returncode == 0 and b"no confident match" in res.stdout
    res = medic("triage", str(tmp_path / "ok.log"), "--json", db=tmp_path / "m.db")
    assert json.loads(res.stdout) == {"matches": [], "findings": [], "outputs": []}


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    for args in (
        ["triage", str(tmp_path / "missing.log")],
        ["triage", str(tmp_path)],
        ["triage", str(SAMPLE), "--top", "0"],
        ["triage", str(SAMPLE), "--engine", "grep"],
    ):
        res = medic(*args, db=tmp_path / "m.db")
        assert res.returncode == 2, args
        assert res.stderr.startswith(b"medic: ") and res.stderr.count(b"\n") == 1 and b"Traceback" not in res.stderr


def test_re2_engine_gives_the_same_first_match(tmp_path: Path) -> None:
    hs = json.loads(medic("triage", str(SAMPLE), "--json", db=tmp_path / "m.db").stdout)
    re2 = json.loads(medic("triage", str(SAMPLE), "--json", "--engine", "re2", db=tmp_path / "m.db").stdout)
    assert hs["matches"][0]["id"] == re2["matches"][0]["id"]


def test_pasted_command_output_becomes_findings_and_matches(tmp_path: Path) -> None:
    """A `kubectl get pv` paste whose only symptom is a state word: the check fires and names its entry."""
    paste = (
        "the volume of the old mongodb is still there after the redeploy:\n"
        "$ kubectl get pv\n"
        "NAME                                       CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS     "
        "CLAIM                        STORAGECLASS   REASON   AGE\n"
        "pvc-0c7e9a51-3b2d-4f4e-9a61-2f0d8b7c6e11   50Gi       RWO            Retain           Released   "
        "shop/data-mongo-0            managed-csi             41d\n"
    )
    (tmp_path / "pv.txt").write_text(paste)
    res = medic("triage", str(tmp_path / "pv.txt"), "--json", db=tmp_path / "m.db")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [o["kind"] for o in data["outputs"]] == ["kubectl-get"]
    assert "PV201" in {f["code"] for f in data["findings"]}
    top = data["matches"][0]
    assert "Released" in top["title"] and top["confidence"] >= rank.printed_from()
    assert any(e["matched"].startswith("check PV201") for e in top["evidence"])


def test_findings_are_printed_worst_first_and_carry_their_title(tmp_path: Path) -> None:
    """A pasted table with a crash-looping pod: the finding is news in text mode, before any runbook match."""
    paste = (
        b"$ kubectl get pods -n shop\n"
        b"NAME                   READY   STATUS             RESTARTS   AGE\n"
        b"web-7d9c8b6f5-x2x9q    0/1     CrashLoopBackOff   12         40m\n"
        b"api-0                  1/1     Running            0          2d\n"
    )
    text = medic("triage", "-", db=tmp_path / "m.db", stdin=paste)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.decode().splitlines()
    shown = [i for i, ln in enumerate(lines) if ln.strip().startswith("ERROR POD101 Pod/shop/web-7d9c8b6f5-x2x9q")]
    assert len(shown) == 1
    first_match = next((i for i, ln in enumerate(lines) if ln.startswith("1. ")), len(lines))
    assert shown[0] < first_match
    data = json.loads(medic("triage", "-", "--json", db=tmp_path / "m.db", stdin=paste).stdout)
    assert [(f["code"], f["title"], f["object"]["name"]) for f in data["findings"]] == [
        ("POD101", "Container restarting in CrashLoopBackOff", "web-7d9c8b6f5-x2x9q")
    ]
