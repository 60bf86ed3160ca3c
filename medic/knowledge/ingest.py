"""Index runbook files and folders into the store, incrementally (content hash per file)."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from medic.errors import MedicError, RunbookError
from medic.knowledge import embed
from medic.knowledge.document import ParsedDocument
from medic.knowledge.reader import RUNBOOK_SUFFIXES, RunbookText, decode_runbook, detect_format, read_runbook
from medic.knowledge.sections import build_entries, searchable
from medic.knowledge.store import SourceInfo, Store
from medic.knowledge.store.sqlite import IndexDoc, embed_texts, index_docs, now
from medic.knowledge.text import detect_language
from medic.knowledge.twins import METHOD as TWINS_METHOD
from medic.knowledge.twins import refresh_twins
from medic.model import Entry

# Bump when parsing changes what an unchanged file yields: every file is then parsed again.
PARSER_VERSION = "15"
BUILTIN_PREFIX = "builtin:"

Progress = Callable[[int, int, str], None]


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def parse_text(text: str, fmt: str) -> ParsedDocument:
    # the parsers (docutils, markdown-it) are imported when a runbook is parsed, not by every command
    if fmt == "rst":
        from medic.knowledge.rst import parse_rst

        return parse_rst(text)
    from medic.knowledge.markdown import parse_markdown

    return parse_markdown(text)


def entries_for(text: str, fmt: str, source: str, fallback_title: str, builtin: bool = False) -> list[Entry]:
    return build_entries(
        parse_text(text, fmt), source=source, source_key=source, fallback_title=fallback_title, builtin=builtin
    )


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in ("node_modules", "__pycache__"))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.suffix.lower() in RUNBOOK_SUFFIXES and not name.startswith("."):
                found.append(p)
    return found


def _fingerprint(sha256: str) -> str:
    return f"{sha256}:{PARSER_VERSION}"


@dataclass
class _Parsed:
    """A runbook parsed into entries, not stored yet."""

    info: SourceInfo
    entries: list[Entry]
    searchable: set[str]
    docs: dict[str, IndexDoc]  # the indexed text of the searchable entries (computed once: vectors, then store)


def _parse_runbook(rb: RunbookText, source: str, builtin: bool = False) -> _Parsed:
    entries = entries_for(rb.text, rb.fmt, source, fallback_title=rb.path.stem, builtin=builtin)
    lang = detect_language(rb.text[:20000])
    info = SourceInfo(
        path=source,
        sha256=_fingerprint(rb.sha256),
        fmt=rb.fmt,
        lang=lang,
        builtin=builtin,
        entries=len(entries),
        indexed_at=now(),
    )
    ids = searchable(entries)
    return _Parsed(info, entries, ids, index_docs(entries, ids))


def _store_runbook(store: Store, rb: RunbookText, source: str, builtin: bool = False) -> int:
    parsed = _parse_runbook(rb, source, builtin)
    store.replace_source(parsed.info, parsed.entries, parsed.searchable, docs=parsed.docs)
    return len(parsed.entries)


# New files are parsed in groups of about this many entries and their sentence vectors encoded in one call
# (the encoder shares the work of repeated pieces and windows within a call: see medic.knowledge.forward), while
# the next group is parsed and the one before is stored: the encoder's NumPy work runs beside the parser's
# Python. A group's entries are what is held in memory at once, three groups at most.
BATCH_ENTRIES = 500
# ... except the first group, of this many: the encoder waits for it (bench/startup.py's 2,000 sections: a first
# group of 500 is ~0.3 s of parsing before the first vector), and the last one, encoded in two halves (the first
# half is stored while the second is encoded: what is stored after the last vector halves)
FIRST_BATCH_ENTRIES = 125


@dataclass
class _Texts:
    """The texts of a batch to encode, by text hash, with the encoder's piece ids of them (None: not tokenized)."""

    texts: dict[str, str]
    tokens: list[list[int]] | None


def _texts(batch: list[_Parsed]) -> _Texts:
    """A batch's texts, tokenized here (the caller's thread; none when the encoder is off)."""
    if not batch or embed.disabled_reason() is not None or not embed.available():
        return _Texts({}, None)
    texts: dict[str, str] = {}
    for p in batch:
        texts.update(embed_texts(p.docs))
    return _Texts(texts, embed.tokenize(list(texts.values())) if texts else None)


def _vectors(todo: _Texts) -> dict[str, bytes]:
    """The sentence vectors of a batch's texts, by text hash."""
    if not todo.texts:
        return {}
    vecs = embed.encode_tokens(list(todo.texts.values()), todo.tokens)
    return {h: embed.to_blob(v) for h, v in zip(todo.texts, vecs, strict=True)}


def _load_encoder() -> None:
    """Load the sentence encoder (unless it is off)."""
    if embed.disabled_reason() is None:
        embed.available()


def _store_parsed(store: Store, batch: list[_Parsed], vectors: dict[str, bytes], report: IndexReport | None) -> None:
    """Store new sources in order with their texts' vectors. A source the store refuses is reported as failed
    (with ``report``; else the error is raised)."""
    for p in batch:
        try:
            store.replace_source(p.info, p.entries, p.searchable, vectors=vectors, docs=p.docs)
        except MedicError as exc:
            if report is None:
                raise
            report.failed.append((p.info.path, str(exc)))
            report.indexed.remove(p.info.path)
            report.entries -= len(p.entries)


class _Batches:
    """New sources stored in batches, each batch's vectors encoded on a thread of their own while the caller
    parses the next batch and the previous one is stored: ``add`` a parsed source, ``finish`` at the end."""

    def __init__(self, store: Store, report: IndexReport | None) -> None:
        self.store, self.report = store, report
        self.batch: list[_Parsed] = []
        self.entries = 0
        self.flushed = 0
        self.pending: tuple[list[_Parsed], Future[dict[str, bytes]]] | None = None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medic-encode")
        self.pool.submit(_load_encoder)  # loaded while the first files are parsed

    def add(self, parsed: _Parsed) -> None:
        self.batch.append(parsed)
        self.entries += len(parsed.entries)
        if self.entries >= (BATCH_ENTRIES if self.flushed else FIRST_BATCH_ENTRIES):
            self._flush()

    def _flush(self) -> None:
        """Start encoding the current batch, then store the previous one (its vectors were started first)."""
        # the batch's texts tokenized here (Python: beside the encoder's NumPy work on the batch before)
        started = (self.batch, self.pool.submit(_vectors, _texts(self.batch))) if self.batch else None
        self.batch, self.entries = [], 0
        self.flushed += 1
        if self.pending is not None:
            batch, vectors = self.pending
            self.pending = None
            _store_parsed(self.store, batch, vectors.result(), self.report)
        self.pending = started

    def finish(self) -> None:
        """Store everything added."""
        if len(self.batch) > 1:  # the last batch in two halves: the first stored while the second is encoded
            last, half = self.batch, len(self.batch) // 2
            self.batch = last[:half]
            self._flush()  # the first half started, the batch before stored
            self.batch = last[half:]
        self._flush()  # the last batch started, the one before stored
        self._flush()  # the last batch stored

    def close(self) -> None:
        """End the encoder's thread (after ``finish``, or when the caller failed: what was not stored is not)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


# seconds a thread holds the GIL while another waits for it (Python's default: 0.005), while files are indexed: the
# parser's Python runs beside the encoder's threads, whose NumPy calls each need the GIL back to start and end; at
# 5 ms they wait for it at every call (measured: a 1,500-text call beside a Python thread 1.6-2.4 s at 5 ms, 1.5 s
# at 1 ms, 1.35 s at 0.5 and 0.2 ms, 0.86 s alone)
GIL_SWITCH = 0.0005


@contextmanager
def _gil_switch(seconds: float) -> Iterator[None]:
    """Python's thread switch interval set to ``seconds`` for the block (then back to what it was)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def index_paths(
    store: Store, paths: Iterable[str], progress: Progress | None = None, force: bool = False
) -> IndexReport:
    """Index files and folders (recursively). Unchanged files are skipped, changed ones replaced, and
    files that disappeared from an indexed folder are removed. A file that cannot be read is reported
    and skipped; everything else is still indexed."""
    with _gil_switch(GIL_SWITCH):
        return _index_paths(store, paths, progress, force)


def _index_paths(store: Store, paths: Iterable[str], progress: Progress | None, force: bool) -> IndexReport:
    store.require_writable()  # a read-only database fails once, not once per file
    report = IndexReport()
    files: list[Path] = []
    roots: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            roots.append(p.resolve())
            files.extend(_walk(p))
        elif p.exists() or p.is_symlink():
            files.append(p)
        else:
            report.failed.append((str(p), "no such file or directory"))
    seen: set[str] = set()
    total = len(files)
    batches = _Batches(store, report)  # new files parsed, stored together once they hold BATCH_ENTRIES entries
    try:
        for n, path in enumerate(files, start=1):
            source = str(path.resolve()) if path.exists() else str(path.absolute())
            if progress:
                progress(n - 1, total, str(path))
            if source in seen:
                continue
            seen.add(source)
            try:
                rb = read_runbook(path)
                known = store.source(source)
                if known is not None and known.sha256 == _fingerprint(rb.sha256) and not force:
                    report.unchanged.append(source)
                    continue
                if known is None:
                    parsed = _parse_runbook(rb, source)
                    report.entries += len(parsed.entries)
                    report.indexed.append(source)
                    batches.add(parsed)
                else:  # a changed file: stored now, reusing the vectors of its unchanged texts
                    report.entries += _store_runbook(store, rb, source)
                    report.indexed.append(source)
            except RunbookError as exc:
                report.failed.append((str(path), exc.reason))
            except MedicError as exc:
                report.failed.append((str(path), str(exc)))
        batches.finish()
    finally:
        batches.close()
    # files that left an indexed folder leave the index too
    for root in roots:
        prefix = str(root) + os.sep
        for info in store.sources(builtin=False):
            if info.path.startswith(prefix) and info.path not in seen and not Path(info.path).exists():
                store.remove_source(info.path)
                report.removed.append(info.path)
    if progress:
        progress(total, total, "")
    refresh_twins(store)
    return report


# -- the built-in catalog -----------------------------------------------------------------------


def builtin_files() -> list[tuple[str, bytes]]:
    """(name, content) of every catalog file shipped in the package."""
    root = resources.files("medic.knowledge") / "catalog"
    out: list[tuple[str, bytes]] = []
    if not root.is_dir():
        return out
    for item in sorted(root.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".md"):
            out.append((item.name, item.read_bytes()))
    return out


def builtin_fingerprint(files: list[tuple[str, bytes]]) -> str:
    """What the catalog's stored form depends on: its files, the parser, and the twin finder (its twins with the
    user's runbooks are derived from it): a change of any is an upgrade that ``ensure_builtin`` carries out."""
    h = hashlib.sha256(PARSER_VERSION.encode() + b"\x00" + TWINS_METHOD.encode())
    for name, data in files:
        h.update(name.encode() + b"\x00" + data + b"\x00")
    return h.hexdigest()


def ensure_builtin(store: Store) -> bool:
    """Index the shipped catalog when it is missing or differs from what is stored. True if it changed."""
    files = builtin_files()
    fp = builtin_fingerprint(files)
    if store.meta("builtin_fingerprint") == fp:
        return False
    names = {BUILTIN_PREFIX + name for name, _ in files}
    for info in store.sources(builtin=True):
        if info.path not in names:
            store.remove_source(info.path)
    batch: list[_Parsed] = []  # the catalog is a few hundred entries: one batch, encoded then stored
    for name, data in files:
        source = BUILTIN_PREFIX + name
        text = decode_runbook(Path(name), data)
        rb = RunbookText(
            path=Path(name), text=text, sha256=hashlib.sha256(data).hexdigest(), fmt=detect_format(Path(name), text)
        )
        known = store.source(source)
        if known is None:
            batch.append(_parse_runbook(rb, source, builtin=True))
        elif known.sha256 != _fingerprint(rb.sha256):
            _store_runbook(store, rb, source, builtin=True)
    _store_parsed(store, batch, _vectors(_texts(batch)), None)
    store.set_meta("builtin_fingerprint", fp)
    refresh_twins(store)
    return True
