"""Hostile evidence given to ``medic triage`` and ``medic parse`` as real processes with a real memory limit:
bombs are refused or read in bounded memory, broken gzip is one line with exit 2, nothing ends in a
traceback, a crash or an out-of-memory kill."""

from __future__ import annotations

import gzip
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# 1.5 GB of address space: the interpreter, hyperscan and the built-in catalog take a few hundred MB;
# an alias bomb or a container list built from a hostile count takes many GB
MEMORY_LIMIT = 1536 * 1024 * 1024
TIMEOUT = 180  # seconds: generous for a loaded 2-core CI machine; a bomb that expands never finishes


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def medic(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDIC_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "medic.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base with the built-in catalog, made once (each process would index it again)."""
    path = tmp_path_factory.mktemp("kb") / "kb.db"
    res = medic(path, "search", "crashloop")
    assert res.returncode == 0, res.stderr
    return path


def one_line_or_nothing(stderr: str) -> None:
    assert "Traceback" not in stderr and "Aborted" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) <= 1, stderr[-2000:]


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  namespace: shop\n"


def alias_bomb() -> str:
    lines = [POD + "spec:", '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, n in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"  {n}: &{n} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def pod_rows(ready: str, age: str, n: int) -> str:
    head = f"{'NAME':<12}{'READY':<16}{'STATUS':<19}{'RESTARTS':<11}AGE\n"
    return head + "".join(f"{f'web-{i}':<12}{ready:<16}{'CrashLoopBackOff':<19}{'5':<11}{age}\n" for i in range(n))


HOSTILE: dict[str, Callable[[], str]] = {
    "alias-bomb": alias_bomb,
    "alias-bomb-in-container-status": lambda: alias_bomb().replace("spec:", "status:\n  containerStatuses:\n  - x:"),
    "deep-yaml-flow": lambda: POD + "spec: " + "[" * 100_000 + "\n",
    "deep-yaml-block": lambda: POD + "spec:\n" + "".join(f"{' ' * (i + 1)}k:\n" for i in range(5000)),
    "deep-json": lambda: '{\n"kind": "Pod", "metadata": {"name": "x"}, "spec":\n' + "[\n" * 100_000,
    "deep-json-one-line": lambda: '{"kind": "Pod", "metadata": {"name": "x"}, "spec": ' + "[" * 100_000 + "\n",
    "single-20mb-line": lambda: "x" * (20 * 1024 * 1024) + "\n",
    "million-bracket-lines": lambda: "[\n" * 1_000_000,
    "pod-rows-huge-ready-count": lambda: pod_rows("0/999999999", "3d", 2000),
    "pod-rows-ages-beyond-the-calendar": lambda: pod_rows("0/1", "800000d", 50) + pod_rows("0/1", "9" * 5000 + "d", 5),
}


@pytest.mark.parametrize("command", ["triage", "parse"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_in_bounded_memory(name: str, command: str, db: Path, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_text(HOSTILE[name](), encoding="utf-8")
    res = medic(db, command, str(path))
    one_line_or_nothing(res.stderr)
    assert res.returncode == 0, res.stderr[-2000:]


def test_alias_bomb_refusal_is_shown_by_parse(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    res = medic(db, "parse", "--json", str(path))
    assert res.returncode == 0, res.stderr
    assert '"error": "YAML aliases expand to more than 100,000 nodes; not decoded"' in res.stdout


def test_alias_bomb_refusal_is_shown_by_triage(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    res = medic(db, "triage", str(path))
    assert res.returncode == 0, res.stderr
    assert "YAML aliases expand to more than 100,000 nodes; not decoded" in res.stdout
    assert res.stdout.count("note: lines ") == 1


def test_ages_beyond_the_calendar_still_give_findings(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "ages.txt"
    path.write_text(pod_rows("0/1", "800000d", 2), encoding="utf-8")
    res = medic(db, "triage", "--json", str(path))
    assert res.returncode == 0, res.stderr
    assert res.stdout.count('"code": "POD101"') == 2


def _gzip_bytes() -> bytes:
    return gzip.compress(b"Back-off restarting failed container web in pod web-0\n" * 2000)


BROKEN_GZIP: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "truncated": (lambda d: d[: len(d) // 2], "truncated: Compressed file ended before the end-of-stream marker"),
    "corrupt": (lambda d: d[:20] + bytes(b ^ 0x55 for b in d[20:60]) + d[60:], "Error -3 while decompressing"),
    "bad-method": (lambda d: b"\x1f\x8b\x09" + d[3:], "Unknown compression method"),
    "bad-crc": (lambda d: d[:-8] + b"\0\0\0\0" + d[-4:], "CRC check failed"),
    "magic-only": (lambda d: b"\x1f\x8b", "truncated"),
}


@pytest.mark.parametrize("command", ["triage", "parse"])
@pytest.mark.parametrize("name", sorted(BROKEN_GZIP))
def test_broken_gzip_is_one_line_and_exit_2(name: str, command: str, db: Path, tmp_path: Path) -> None:
    mangle, reason = BROKEN_GZIP[name]
    path = tmp_path / "evidence.gz"
    path.write_bytes(mangle(_gzip_bytes()))
    res = medic(db, command, str(path))
    assert res.returncode == 2
    one_line_or_nothing(res.stderr)
    assert res.stderr.startswith(f"medic: {path}: not a valid gzip file (")
    assert reason in res.stderr


def test_good_gzip_and_binary_input_still_work(db: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.gz"
    good.write_bytes(_gzip_bytes())
    res = medic(db, "triage", "--json", str(good))
    assert res.returncode == 0, res.stderr
    assert '"matches"' in res.stdout
    binary = tmp_path / "core.bin"
    binary.write_bytes(bytes(range(256)) * 4000 + b"\x1f\x8b" + os.urandom(5000))
    for command in ("triage", "parse"):
        res = medic(db, command, str(binary))
        assert res.returncode == 0, res.stderr
        one_line_or_nothing(res.stderr)
