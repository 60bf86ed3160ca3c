"""A log dense with near-misses of a generic symptom gives the answer a sparse one gives.

Runbooks in the shape of a large knowledge base: many entries quote the same generic fragment ("failed to mount
volume pvc-N: <reason>"), so the fragment is one pattern for all of them. The dense log repeats near-miss lines
of that fragment and other error lines thousands of times around the one line that names the problem; the
sparse log has only the line. The scan caps lines per pattern and samples marks per chunk (chunks and caps
lowered here, so both happen many times): the line that names the problem must still win, with its line.
"""

from __future__ import annotations

import io
import random

import pytest

import medic.triage as triage_module
from medic.knowledge.ingest import index_paths
from medic.knowledge.store import Store

REASONS = [
    "quota cartridge", "stale lease", "bad superblock", "fenced replica", "orphan handle", "frozen journal",
    "locked keyring", "torn inode", "missing keyfile", "wrong fstype", "dirty bitmap", "broken symlink",
]  # fmt: skip


@pytest.fixture(scope="module")
def mount_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("mount-runbooks")
    body = []
    for i, reason in enumerate(REASONS):
        body.append(
            f"# Volume mount fails with {reason}\n\nThe kubelet log shows:\n\n```\n"
            f"failed to mount volume pvc-{1000 + i}: {reason} detected on device\n```\n\n"
            f"## Fix\n\nClear the {reason} and restart the pod.\n"
        )
    (root / "mount.md").write_text("\n".join(body), encoding="utf-8")
    store = Store(tmp_path_factory.mktemp("mount-db") / "medic.db")
    report = index_paths(store, [str(root)])
    assert report.ok, report.failed
    return store


def info(i: int) -> str:
    return f"I1122 10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d} 4242 kubelet.go:{i % 900}] Started container app-{i}"


def log(dense: bool, problem_at: int, lines: int = 6_000) -> bytes:
    rng = random.Random(9)
    out = []
    for i in range(lines):
        if i == problem_at:
            out.append(f"E1122 10:00:00.000001 4242 kubelet.go:77] failed to mount volume pvc-5120: {REASONS[7]} "
                       "detected on device")  # fmt: skip
        elif dense and i % 3 == 0:
            out.append(f"I1122 10:00:00.{i:06d} 4242 kubelet.go:12] failed to mount volume pvc-{rng.randint(1, 9999)}"
                       ": not ready yet, retrying")  # fmt: skip
        elif dense and i % 3 == 1:
            out.append(f"W1122 10:00:00.{i:06d} 4242 kubelet.go:13] container app-{i} exceeded nothing; usage 3Mi")
        else:
            out.append(info(i))
    return ("\n".join(out) + "\n").encode()


@pytest.mark.parametrize("small_chunks", [True, False])
def test_near_miss_lines_do_not_change_the_answer(
    mount_store: Store, monkeypatch: pytest.MonkeyPatch, small_chunks: bool
) -> None:
    if small_chunks:
        # 16 KB chunks (the dense log spans ~30), 3 lines per pattern over the whole input, 5 error lines per chunk
        monkeypatch.setattr(triage_module, "SCAN_CHUNK", 16 * 1024)
        monkeypatch.setattr(triage_module, "LINES_PER_PATTERN", 3)
        monkeypatch.setattr(triage_module, "SALIENT_PER_CHUNK", 5)
        lines = 6_000
    else:
        lines = 40_000  # one chunk of ~3 MB, two lines in three with an error word: the windows hold the quota
    for problem_at in (0, lines - 1_000):
        sparse = triage_module.triage(mount_store, io.BytesIO(log(False, problem_at, lines)), top=3, include_weak=True)
        dense = triage_module.triage(mount_store, io.BytesIO(log(True, problem_at, lines)), top=3, include_weak=True)
        expected = f"Volume mount fails with {REASONS[7]}"
        assert sparse.matches[0].entry.title == expected
        assert dense.matches[0].entry.title == expected
        assert problem_at + 1 in [h.line_no for h in dense.matches[0].evidence]
