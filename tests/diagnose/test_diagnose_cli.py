"""`medic diagnose` and `medic checks` end to end: the demo bundle, every output format, exit codes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "medic" / "samples" / "demo"


def medic(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDIC_DB": str(db), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kb") / "kb.db"


@pytest.fixture(scope="module")
def demo_json(db: Path) -> dict[str, object]:
    res = medic("diagnose", "--demo", "-o", "json", db=db)
    assert res.returncode == 0, res.stderr
    data: dict[str, object] = json.loads(res.stdout)
    return data


def test_demo_bundle_is_up_to_date(tmp_path: Path) -> None:
    """The shipped demo is exactly what scripts/make_demo.py builds."""
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_demo.py"), str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    built = {p.relative_to(tmp_path / "demo"): p.read_bytes() for p in (tmp_path / "demo").rglob("*") if p.is_file()}
    shipped = {p.relative_to(DEMO): p.read_bytes() for p in DEMO.rglob("*") if p.is_file()}
    assert built == shipped, "run `python scripts/make_demo.py` and commit medic/samples/demo"


def test_demo_findings_link_to_runbook_entries(demo_json: dict[str, object]) -> None:
    findings = demo_json["findings"]
    assert isinstance(findings, list)
    codes = {f["code"] for f in findings}
    assert {"POD101", "LOG802"} <= codes
    by_code = {f["code"]: f for f in findings}
    keycloak = by_code["LOG802"]
    assert keycloak["object"] == {"kind": "Pod", "namespace": "vantiq", "name": "keycloak-0"}
    assert any("PostgreSQL password" in e["title"] for e in keycloak["entries"])
    assert all(f["entries"] for f in findings if f["severity"] == "error"), "every error names a runbook entry"
    counts = demo_json["counts"]
    assert isinstance(counts, dict) and counts["error"] >= 1


def test_fail_on_turns_findings_into_an_exit_code(db: Path) -> None:
    assert medic("diagnose", "--demo", "--fail-on", "error", db=db).returncode == 1
    quiet = medic("diagnose", "--demo", "--checks", "LOG802", "--fail-on", "error", db=db)
    assert quiet.returncode == 0, quiet.stderr  # LOG802 findings are warnings
    assert medic("diagnose", "--demo", "--checks", "LOG802", "--fail-on", "warning", db=db).returncode == 1


def test_terminal_report_groups_by_severity_and_namespace(db: Path) -> None:
    res = medic("diagnose", "--demo", db=db)
    assert res.returncode == 0, res.stderr
    assert "ERRORS (" in res.stdout and "vantiq" in res.stdout and "finding(s):" in res.stdout


@pytest.mark.parametrize("fmt", ["markdown", "html", "junit", "sarif"])
def test_document_formats(db: Path, fmt: str) -> None:
    res = medic("diagnose", "--demo", "-o", fmt, db=db)
    assert res.returncode == 0, res.stderr
    if fmt == "junit":
        suite = ET.fromstring(res.stdout.split("?>", 1)[1])
        assert suite.tag == "testsuite" and int(suite.get("failures", "0")) >= 1
    elif fmt == "sarif":
        doc = json.loads(res.stdout)
        assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]
        assert {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]} >= {"POD101"}
    elif fmt == "html":
        assert res.stdout.startswith("<!doctype html>") and "keycloak-0" in res.stdout
    else:
        assert res.stdout.startswith("# Medic diagnosis") and "| POD101 |" in res.stdout


def test_namespace_filter(db: Path) -> None:
    res = medic("diagnose", "--demo", "-n", "vantiq", "-o", "json", db=db)
    findings = json.loads(res.stdout)["findings"]
    assert findings and {f["object"]["namespace"] for f in findings} == {"vantiq"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bundle", "/nonexistent/b.tar.gz"], "no such bundle"),
        (["--demo", "-o", "csv"], "--output must be one of"),  # yaml became a format
        (["--demo", "--fail-on", "info"], "--fail-on must be"),
        (["--demo", "--checks", "NOPE999"], "no check has such a code"),
        (["--demo", "-n", "a", "-A"], "either -n"),
    ],
)
def test_bad_input_is_one_line(db: Path, args: list[str], message: str) -> None:
    res = medic("diagnose", *args, db=db)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_not_a_bundle(db: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"hello, not a tarball")
    res = medic("diagnose", "--bundle", str(bogus), db=db)
    assert res.returncode == 2 and "not a readable bundle" in res.stderr
    # tarfile explains every compression it tried on a line of its own: still one line of ours
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(ROOT / "README.md", arcname="README.md")
    res = medic("diagnose", "--bundle", str(other), db=db)
    assert res.returncode == 2 and "not a Medic bundle" in res.stderr


def test_checks_lists_every_code_with_links(db: Path) -> None:
    res = medic("checks", "--json", db=db)
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["checks"]
    by_code = {r["code"]: r for r in rows}
    assert "POD101" in by_code and by_code["POD101"]["entries"]
    assert set(by_code["POD101"]) >= {"code", "severity", "title", "looks_at", "entries", "doc"}


def test_docs_are_generated_from_the_registry(db: Path) -> None:
    res = medic("checks", "--markdown", db=db)
    assert res.returncode == 0
    docs = ROOT / "docs" / "checks.md"
    assert docs.read_text(encoding="utf-8") == res.stdout, "run `medic checks --markdown > docs/checks.md`"
