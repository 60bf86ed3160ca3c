"""Outside this checkout's layout (no ../shared), the tests that read the seeds skip and say why; CI sets
MEDIC_REQUIRE_SHARED=1 and then they fail instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("MEDIC_SHARED", "MEDIC_REQUIRE_SHARED")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", "tests/knowledge/test_seeds.py"],
        cwd=ROOT,
        env={**base, "MEDIC_SHARED": str(tmp_path / "no-shared"), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_shared_the_tests_skip_with_a_reason(tmp_path: Path) -> None:
    res = _pytest(tmp_path)
    assert res.returncode == 0, res.stdout[-2000:]
    assert "SKIPPED" in res.stdout and "FAILED" not in res.stdout
    assert f"seed runbooks not found at {tmp_path / 'no-shared' / 'seeds'}" in res.stdout


def test_ci_requires_shared(tmp_path: Path) -> None:
    res = _pytest(tmp_path, MEDIC_REQUIRE_SHARED="1")
    assert res.returncode == 1 and "FAILED" in res.stdout
    assert "MEDIC_REQUIRE_SHARED=1 requires them" in res.stdout
    assert "MEDIC_REQUIRE_SHARED=1" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
