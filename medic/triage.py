"""Triage: evidence in, the runbook entries that explain it out, each with the lines that earned it.

One pass over the evidence (raw byte chunks, flat memory):

1. every signature of the knowledge base is matched by one multi-pattern engine; a hit records the
   evidence line and the runbook line the signature came from;
2. lines with error words (also inside CamelCase reasons: FailedScheduling) are kept as *salient* lines
   (distinct templates, bounded), and their text is searched like a query (lexical + cross-lingual), which
   finds entries whose signatures did not fire;
3. the head of the evidence (where a paste says what was seen) is searched lexically as a whole and its lines
   one by one by sentence vectors, and the entries' titles are compared with the evidence's words: entries
   found only so are candidates with their own signals for the ranking model (``medic.rank``).

The error words are patterns of the signatures' database (one scan; see ``medic.knowledge.scan``). What a
long input cannot afford to read whole is sampled with the same quota in every chunk (error lines, alert
fields, notes, words; ``medic.evidence.sample``): a lone error at the end of a 2 GB log counts as it would at
line 1.

An entry's score adds its signature weights (distinct evidence lines counting a little more) and the
search score of the salient lines; ``confidence`` maps the score to 0..1. Only confident matches are
printed by default: at 3 a.m. a wrong answer costs more than none.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from medic import rank
from medic.evidence.sample import TemplateSample, WordSample
from medic.evidence.text import decode_line, iter_chunks
from medic.knowledge import embed
from medic.knowledge.document import is_reference
from medic.knowledge.scan import (
    LINES_PER_PATTERN,
    SignatureSet,
    capped,
    evenly,
    first_lines,
    line_spans,
    newlines,
)
from medic.knowledge.search import linked_entries, rare_terms, search, titled_entries
from medic.knowledge.signatures import template_of
from medic.knowledge.store import Store
from medic.knowledge.text import cjk_bigrams, evidence_words, expand_glossary, split_camel
from medic.model import CodeKind, Entry, Role

SALIENT_TEMPLATES = 2000  # distinct error-line templates kept from the evidence (a hash sample when more)
# Per chunk (SCAN_CHUNK) of evidence, the same quota in every chunk, lines spread evenly over the chunk when there
# are more. The cost of a line looked at is ~3 us (~65 us when its shape is new and must be templated): the
# quotas keep a dense chunk's Python work (~5 ms, on the one thread that reads the results, holding the GIL the
# scan threads' match handlers need too) well below its scan (~15 ms per 8 MB on each of two threads past the
# literal prefilter's start, medic.knowledge.prefilter; at 1,000 lines and 64 shapes a chunk it was ~10 ms, as
# long as the scan), and a paste of a few hundred error lines is read whole.
# SCAN_CHUNK: the reading thread's work is per chunk (quotas, word windows, numpy calls); a few chunks are in
# memory at once (medic.knowledge.scan.IN_FLIGHT, and the reader's). On the 1 GB near-miss log of bench/triage.py
# the reading thread took 2.2 s of CPU with 4 MB chunks and 1.6 s with 16 MB, and the peak RSS was 245 MB with
# 8 MB chunks, 290 MB with 16 MB (the target is 300 MB): 8 MB.
SCAN_CHUNK = 8 * 1024 * 1024
SALIENT_PER_CHUNK = 500  # error lines looked at for salience (all lines are matched by signatures)
ALERTS_PER_CHUNK = 250  # alert-field lines: an alert payload has a few, a JSON log one per line
NOTE_MARKS_PER_CHUNK = 250  # lines with CJK text looked at while fewer than NOTES notes are found
TEMPLATED_PER_CHUNK = 32  # new line shapes templated
SHAPES_KEPT = 50_000
# Candidate recall. Only error lines, alert fields and CJK notes become the query above, so evidence without them
# (Kubernetes reasons, status tables, prose) often has no candidate that is right. The head of the paste (where
# people put what they saw) is searched as a whole, and its lines one by one by sentence vectors.
# RECALL_LIMIT: on bench/triage_train the head search's answer is in its top 50 for 129/160 positives, top 20
# for 110, top 100 for 140; 50 keeps the candidate list small.
RECALL_HEAD = 800  # characters of the head searched as one query (search.search's own query budget)
RECALL_LIMIT = 50
VECTOR_LINES = 16  # distinct head lines encoded one by one (encoding is the costly step: ~10 ms a line)
VECTOR_LIMIT = 50  # nearest entries per line, and in all (by the best cosine of any line)


@dataclass
class EvidenceHit:
    line_no: int
    text: str
    matched: str  # the runbook line (or template) it matched
    runbook_line: int = 0


@dataclass
class TriageMatch:
    entry: Entry
    score: float
    confidence: float
    evidence: list[EvidenceHit] = field(default_factory=list)
    signatures: int = 0
    search_score: float = 0.0
    link_score: float = 0.0
    signature_score: float = 0.0
    note_score: float = 0.0  # search score of the user's own words (part of search_score)
    finding_score: float = 0.0  # what a check's finding on pasted output added
    # candidate-generation channels, kept apart for the ranking model (not part of ``score``):
    recall_score: float = 0.0  # lexical search score of the head of the evidence (search.search)
    vector_score: float = 0.0  # best cosine between an evidence line and the entry's vectors
    title_score: float = 0.0  # share of the entry title's words (or CJK bigrams) the evidence holds
    # best lexical search score of one error line alone (search.search); with a single error line, the joined
    # query's score (lexical and vector: that line's search), as the model was fitted
    line_score: float = 0.0
    title_name: bool = False  # the evidence holds whole a name the title gives (names_title)
    twin_of: str = ""  # the built-in entry on the same problem whose confidence this entry took (medic.rank)
    tests: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        e = self.entry
        return {
            "id": e.id,
            "source": e.source,
            "heading_path": e.heading_path,
            "title": e.title,
            "lang": e.lang,
            "score": round(self.score, 4),
            "confidence": round(self.confidence, 3),
            "evidence": [{"line_no": h.line_no, "text": h.text, "matched": h.matched} for h in self.evidence],
            "tests": self.tests,
            "fixes": self.fixes,
        }


@dataclass
class TriageResult:
    matches: list[TriageMatch]
    lines: int
    bytes: int
    engine: str
    signatures: int
    candidates: list[TriageMatch] = field(default_factory=list)  # every entry that got a signal, unranked
    quiet: bool = False  # no line of the evidence reports a problem (no error line, alert field or note)


_SIGSET_CACHE: dict[tuple[str, str], SignatureSet] = {}
STRONG_WORDS = (
    r"\b(?:error|fatal|exception|panic|fail(?:ed|ure)?|forbidden|denied|refused|unable|cannot|invalid|exceeded|"
    r"expired|unhealthy|back[- ]?off|oomkilled|evicted|problem|outdated|rejected|timed? ?out)\b"
)
_STRONG = re.compile("(?i)" + STRONG_WORDS)
# Kubernetes and Prometheus name states in CamelCase: an error word is a part of the name (FailedScheduling,
# ProgressDeadlineExceeded, CrashLoopBackOff, RunContainerError). The scan (case-blind) marks a line with such a
# part glued to other letters; is_salient splits the names into words and checks the error words again, so
# "mirrors" or "failedover" are not taken.
CAMEL_PARTS = r"[a-z](?:failed|failure|error|exceeded|evicted|unhealthy|backoff|cannot|denied|refused|rejected)"
STRONG_SCAN = STRONG_WORDS + "|" + CAMEL_PARTS + r"|\b(?:failed|error)[a-z]"
# A run of CJK characters: a sentence the user wrote about the problem ("after the upgrade the dashboards are
# gone"), or a message of localised software. Either says in words what the evidence is about.
NOTE_WORDS = r"[\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{ac00}-\x{d7af}]{4}"
# The fields of an alert that say what is wrong, in any of the shapes senders print them (Alertmanager's
# "alertname = X" and JSON, Grafana's "summary:", a template's "message = ..."): they are the query even though
# they hold no error word ("KubeControllerManagerDown", "PersistentVolume is filling up").
ALERT_FIELDS = r"\b(?:alertname|alert_name|summary|description|message)[\"']?\s*[:=]"
ERROR_MARK, NOTE_MARK, ALERT_MARK = 0, 1, 2
MARKS = (STRONG_SCAN, NOTE_WORDS, ALERT_FIELDS)  # in the order of the marks' numbers
NOTES = 6  # distinct note lines kept (the first ones: a paste starts or ends with what the user saw)
_NOTE_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CJK_RUN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


def signature_set(store: Store, prefer: str = "hyperscan") -> SignatureSet:
    """The store's signatures and the marks of salience (error words, CJK notes, alert fields): one database,
    and one of the error words, which a dense log may carry on most lines (``medic.knowledge.scan.Scanner``)."""
    key = (str(store.path) + ":" + store.generation(), prefer)
    if key not in _SIGSET_CACHE:
        _SIGSET_CACHE.clear()
        _SIGSET_CACHE[key] = SignatureSet.load(store, prefer, MARKS, dense_mark=ERROR_MARK)
    return _SIGSET_CACHE[key]


def sample_marks(marks: np.ndarray) -> np.ndarray:
    """The (mark, end) rows of a chunk worth a look: each kind's quota, spread evenly over the chunk (the reader
    drops the note marks once enough notes are found: a log in a CJK language marks every line)."""
    kept = []
    for mark, quota in (
        (ERROR_MARK, SALIENT_PER_CHUNK),
        (NOTE_MARK, NOTE_MARKS_PER_CHUNK),
        (ALERT_MARK, ALERTS_PER_CHUNK),
    ):
        rows = marks[marks[:, 0] == mark]
        kept.append(rows[evenly(len(rows), quota)])
    return np.concatenate(kept)


def choose(store: Store, matches: list[TriageMatch], top: int, include_weak: bool, quiet: bool) -> list[TriageMatch]:
    """The matches to show, best first (``medic.rank``): those from the fitted printing threshold on, or from
    WEAK on with ``include_weak``."""
    floor = rank.WEAK if include_weak else rank.printed_from()
    return [m for m in rank.rank(store, matches, quiet) if m.confidence >= floor][:top]


def triage(
    store: Store,
    stream: BinaryIO,
    top: int = 5,
    include_weak: bool = False,
    engine: str = "hyperscan",
    progress: Callable[[int], None] | None = None,
) -> TriageResult:
    """Match the evidence in ``stream`` against the knowledge base; ``progress`` hears the bytes read."""
    sigset = signature_set(store, engine)
    salient_sample = TemplateSample(SALIENT_TEMPLATES)
    notes: dict[str, tuple[int, str]] = {}  # template → (line number, text) of the user's notes
    shapes: dict[bytes, str] = {}
    salient_shapes: dict[bytes, bool] = {}  # digit-free line shape → is_salient (digits never decide it)
    head = b""
    line_base = 0
    total_bytes = 0
    word_sample = WordSample()
    per_pattern: dict[int, dict[int, bytes]] = {}  # pattern → evidence line number → line bytes
    if embed.disabled_reason() is None:
        # load the sentence encoder while the evidence is scanned: it is needed only at the end
        threading.Thread(target=embed.available, daemon=True).start()
    scanner = sigset.scanner
    chunks = iter_chunks(stream, SCAN_CHUNK)
    patterns = len(scanner.patterns.regexes) if scanner is not None else 0
    first_mark = scanner.first_mark if scanner is not None else 0
    shift = np.array([first_mark, 0], dtype=np.int64)  # pattern numbers of the marks ↔ mark numbers

    def prepare(events: np.ndarray, chunk: bytes, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A chunk's events reduced on the thread that scanned it: the first lines of each pattern (as many as
        the whole input keeps), the marks' quotas (mark numbers), and where its lines end."""
        is_mark = events[:, 0] >= first_mark
        found = first_lines(events[~is_mark], patterns, LINES_PER_PATTERN)
        return found, sample_marks(events[is_mark] - shift), breaks

    empty = np.empty((0, 2), np.int64)
    counts = np.zeros(patterns, dtype=np.int64)
    if scanner is not None:
        scanned = scanner.scan(
            chunks, prepare, SALIENT_PER_CHUNK, retired=lambda: np.flatnonzero(counts >= LINES_PER_PATTERN)
        )
    else:
        scanned = ((c, (empty, empty, newlines(c))) for c in chunks)
    for chunk, (found, marks, breaks) in scanned:
        word_sample.add(chunk)
        if len(head) < RECALL_HEAD * 4:
            head += chunk[: RECALL_HEAD * 4 - len(head)]
        total_bytes += len(chunk)
        if progress is not None:
            progress(total_bytes)
        kept = capped(found, counts, LINES_PER_PATTERN)
        if len(notes) >= NOTES:
            marks = marks[marks[:, 0] != NOTE_MARK]
        todo = np.concatenate([kept, marks + shift]) if len(marks) else kept
        todo = todo[np.argsort(todo[:, 1], kind="stable")]
        index, starts, stops = line_spans(chunk, breaks, todo[:, 1])
        templated = 0
        for pattern, idx, start, stop in zip(
            todo[:, 0].tolist(), index.tolist(), starts.tolist(), stops.tolist(), strict=True
        ):
            raw = chunk[start:stop]
            line_no = line_base + idx + 1
            if pattern < first_mark:
                per_pattern.setdefault(pattern, {})[line_no] = raw
                continue
            mark = pattern - first_mark
            if len(raw) < 12:
                continue
            text = decode_line(raw)[:500]
            if mark == NOTE_MARK:
                if len(notes) < NOTES and is_note(text):
                    notes.setdefault(template_of(text)[0], (line_no, text))
                continue
            # lines that differ only in digits (timestamps, counters, ids) share a shape: whether a line
            # reports a problem is decided once per shape (a dense log repeats a few shapes millions of
            # times), and templating, the costly step of this loop, is done once per shape, at most
            # TEMPLATED_PER_CHUNK new shapes per chunk
            shape = raw[:500].translate(None, b"0123456789")
            if mark == ALERT_MARK:
                if not is_alert_field(text):
                    continue
            else:
                reports = salient_shapes.get(shape)
                if reports is None:
                    reports = is_salient(text)
                    if len(salient_shapes) < SHAPES_KEPT:
                        salient_shapes[shape] = reports
                if not reports:
                    continue
            tmpl = shapes.get(shape) or ""
            if not tmpl:
                if templated >= TEMPLATED_PER_CHUNK:
                    continue
                templated += 1
                tmpl = template_of(text)[0]
                if len(shapes) < SHAPES_KEPT:
                    shapes[shape] = tmpl
            salient_sample.add(tmpl, line_no, text)
        line_base += len(breaks)
    hits = sigset.fan_out(per_pattern)
    words = word_sample.words(evidence_words)
    salient, salient_first = salient_sample.counts, salient_sample.first

    # 1. signature evidence per entry
    per_entry: dict[int, TriageMatch] = {}
    entry_scores: dict[int, float] = {}
    entry_sigs: dict[int, int] = {}
    evidence: dict[int, list[EvidenceHit]] = {}
    for pattern, lines in hits.items():
        sig = sigset.sigs[pattern]
        n = len(lines)
        entry_scores[sig.entry_rowid] = entry_scores.get(sig.entry_rowid, 0.0) + rank.signature_weight(sig.weight, n)
        entry_sigs[sig.entry_rowid] = entry_sigs.get(sig.entry_rowid, 0) + 1
        for line_no, raw in list(lines.items())[:3]:
            evidence.setdefault(sig.entry_rowid, []).append(
                EvidenceHit(
                    line_no=line_no, text=decode_line(raw)[:400], matched=sig.line[:400], runbook_line=sig.line_no
                )
            )

    # 2. the salient lines as a query (rarest error templates first), for cross-lingual similarity
    search_scores: dict[str, float] = {}
    note_scores: dict[str, float] = {}
    # (line number, text) of the rarest error templates; every one passed is_salient when it was kept
    query_lines = [
        salient_first[t] for t, _ in sorted(salient.items(), key=lambda kv: (kv[1], salient_first[kv[0]][0]))
    ][:8]
    line_scores: dict[str, float] = {}
    if query_lines:
        text = "\n".join(_strip_noise(ln) for _, ln in query_lines)[:800]
        for hit in search(store, text, limit=15, snippets=False):
            search_scores[hit.id] = hit.score
        # each error line on its own too (lexical: its vector is recall's): the rare line that names the problem
        # is outweighed in the joined query by lines that say more words about its consequences
        if len(query_lines) > 1:
            for _, ln in query_lines:
                for hit in search(store, _strip_noise(ln)[:400], limit=15, semantic=False, snippets=False):
                    line_scores[hit.id] = max(line_scores.get(hit.id, 0.0), hit.score)
        else:  # the joined query is that line: its score, vector part included (what the model was fitted on)
            line_scores = dict(search_scores)
    # 2b. what the user wrote about the problem, searched on its own (its words are not log words)
    # together, and each on its own: one sentence may name the problem among others that tell the story
    note_lines = sorted(notes.values())
    if note_lines:
        texts = ["\n".join(_strip_noise(ln) for _, ln in note_lines)[:600]]
        if len(note_lines) > 1:
            texts += [_strip_noise(ln)[:600] for _, ln in note_lines]
        for text in texts:
            for hit in search(store, text, limit=15, snippets=False):
                note_scores[hit.id] = max(note_scores.get(hit.id, 0.0), rank.NOTE_SHARE * hit.score)
        for entry_id, s_note in note_scores.items():
            search_scores[entry_id] = search_scores.get(entry_id, 0.0) + s_note

    # 3. words of the evidence that few entries share (identifiers, component and error names)
    # the words of the lines that report a problem count wherever they are: a lone error at the end of a
    # long log links as surely as one at its start (the other words are counted in the first WORDS_BYTES)
    problem_words = [w for _, ln in salient_first.values() for w in evidence_words(ln.encode("utf-8", "replace"))]
    rare = rare_terms(store, words, first=problem_words)
    link_scores: dict[int, float] = linked_entries(store, rare)
    for rowid in [*link_scores, *titled_entries(store, rare)]:
        entry_scores.setdefault(rowid, 0.0)

    # 4. recall: a paste (read whole in the head) as one query, and its lines by sentence vectors; of a long log,
    # whose first lines are just where it starts, its error lines and notes (found wherever they are)
    if total_bytes <= len(head):
        head_text = decode_line(head)
    else:
        head_text = "\n".join(ln for _, ln in sorted([*query_lines, *note_lines]))
    recall_scores, vector_scores = recall(store, head_text)
    for rowid in vector_scores:
        entry_scores.setdefault(rowid, 0.0)

    by_rowid = store.entries_by_rowid(entry_scores)
    rowid_of = {e.id: r for r, e in by_rowid.items()}
    extra = [i for i in {**search_scores, **recall_scores, **line_scores} if i not in rowid_of]
    if extra:
        for rowid, entry in store.entries_with_rowids(extra).items():
            by_rowid[rowid] = entry
            rowid_of[entry.id] = rowid
    for rowid, entry in by_rowid.items():
        if is_reference(entry.source):  # a licence or a change log names errors, it does not explain them
            continue
        s_sig = entry_scores.get(rowid, 0.0)
        s_search = search_scores.get(entry.id, 0.0)
        s_link = link_scores.get(rowid, 0.0)
        score = rank.combined(s_sig, s_search, s_link, has_error_lines=bool(query_lines))
        m = TriageMatch(
            entry=entry,
            score=score,
            confidence=0.0,  # the ranking model's, once every candidate is known (choose)
            signatures=entry_sigs.get(rowid, 0),
            search_score=s_search,
            link_score=s_link,
            signature_score=s_sig,
            note_score=note_scores.get(entry.id, 0.0),
            recall_score=recall_scores.get(entry.id, 0.0),
            vector_score=vector_scores.get(rowid, 0.0),
            title_score=title_share(entry.title, words, head_text),
            line_score=line_scores.get(entry.id, 0.0),
            title_name=names_title(entry.title, words),
        )
        m.evidence = sorted(evidence.get(rowid, []), key=lambda h: h.line_no)[:8]
        if not m.evidence and s_search:
            m.evidence = [
                EvidenceHit(line_no=line_no, text=ln[:400], matched="(similar wording)")
                for line_no, ln in (query_lines or note_lines)[:2]
            ]
        per_entry[rowid] = m
    quiet = not query_lines and not note_lines
    chosen = choose(store, list(per_entry.values()), top, include_weak, quiet) if top > 0 else []
    for m in chosen:
        m.tests, m.fixes = summarize(store, m.entry)
    return TriageResult(
        matches=chosen,
        lines=line_base,
        bytes=total_bytes,
        engine=sigset.engine.name if sigset.engine else "none",
        signatures=len(sigset.sigs),
        candidates=list(per_entry.values()),
        quiet=quiet,
    )


def head_lines(text: str) -> list[str]:
    """Distinct lines of the head worth a vector each: some words, not a command, timestamps stripped."""
    out: dict[str, None] = {}
    for raw in text.split("\n"):
        line = _strip_noise(raw.strip())[:300]
        if sum(ch.isalpha() for ch in line) < 12 or _PROMPT.match(line):
            continue
        out.setdefault(line, None)
        if len(out) >= VECTOR_LINES:
            break
    return list(out)


def recall(store: Store, head: str) -> tuple[dict[str, float], dict[int, float]]:
    """Candidates from the head of the evidence: (entry id → search score of the head as one query,
    rowid → best cosine between one of its lines and the entry's vectors)."""
    text = "\n".join(_strip_noise(ln) for ln in head.split("\n"))[:RECALL_HEAD].strip()
    lexical: dict[str, float] = {}
    if any(ch.isalnum() for ch in text):
        # lexical only: the sentence vectors of the head are its lines' (below), one encoding each
        lexical = {hit.id: hit.score for hit in search(store, text, limit=RECALL_LIMIT, semantic=False, snippets=False)}
    vectors: dict[int, float] = {}
    lines = head_lines(head)
    if lines and embed.available():
        rowids, index = store.vectors()
        if len(rowids):
            for vec in embed.encode([expand_glossary(split_camel(ln)) for ln in lines]):
                rows, sims = index.search(vec, VECTOR_LIMIT)
                for i, sim in zip(rows.tolist(), sims.tolist(), strict=True):
                    r = int(rowids[i])
                    vectors[r] = max(vectors.get(r, -1.0), float(sim))
    kept = sorted(vectors, key=lambda r: -vectors[r])[:VECTOR_LIMIT]
    return lexical, {r: vectors[r] for r in kept}


_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")
_TITLE_STOP = frozenset("the and for with not from into when after are has have can cannot does how what why".split())


def title_share(title: str, words: dict[str, int], head: str) -> float:
    """Share of the title's words the evidence holds (a CamelCase name held whole names each of its parts), or
    of its CJK bigrams the head holds: an alert or reason named in a runbook's title is named in the evidence.

    Measured and left: comparing the words by stem ("finalizers" named by "finalizer") lost 3 of 273 right
    answers on the training set's cross-validation."""
    latin: set[str] = set()
    named: set[str] = set()  # words the evidence holds, or parts of a CamelCase name it holds whole
    for whole in _TITLE_WORD.findall(title):
        parts = {w.lower() for w in _TITLE_WORD.findall(split_camel(whole)) if w.lower() not in _TITLE_STOP}
        if whole.lower() not in _TITLE_STOP:
            parts.add(whole.lower())
        latin |= parts
        if whole.lower() in words:
            named |= parts
    grams = {g for run in _CJK_RUN.findall(title) for g in cjk_bigrams(run)}
    if not latin and not grams:
        return 0.0
    found = sum(w in words or w in named for w in latin) + sum(g in head for g in grams)
    return found / (len(latin) + len(grams))


_NAME = re.compile(r"[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*|[A-Za-z]+[0-9][A-Za-z0-9]*")  # CamelCase or letters with digits


def names_title(title: str, words: dict[str, int]) -> bool:
    """Whether the evidence holds whole a name the title gives (an alert, a reason, an error code: a CamelCase
    word or letters with digits, e.g. KubeSchedulerDown, x509), not only an ordinary word of it."""
    return any(w.lower() in words for w in _TITLE_WORD.findall(title) if _NAME.fullmatch(w))


_COUNTER = re.compile(r"\b\w+=\d+\b")  # "failed=0" in a recap counts, it does not report a failure
# a command the user typed ("$ kubectl logs ... | grep -E 'error|expired'", "[root@host ~]# du ..."): what they
# asked, not what the system answered
_PROMPT = re.compile(r"^\s*(?:\[[^\]\n]{1,60}\]|[\w.@-]+:[^$#\s]*)?\s?[$#%>]\s+\S")


def is_salient(line: str) -> bool:
    """A line that reports a problem: an error word that is not just the name of a zero counter, in a line
    that is not a command the user typed."""
    return bool(_STRONG.search(split_camel(_COUNTER.sub(" ", line)))) and not _PROMPT.match(line)


_ALERT_FIELD = re.compile(r"(?i)" + ALERT_FIELDS + r"\s*[\"']?(?=\S)")


def is_alert_field(line: str) -> bool:
    """A line that gives an alert's name or says in words what the alert is about (a value, not a command)."""
    m = _ALERT_FIELD.search(line)
    if m is None:
        return False
    return sum(ch.isalpha() for ch in line[m.end() :]) >= 8 and not _PROMPT.match(line)


def is_note(line: str) -> bool:
    """A line the user wrote in words (CJK text makes up a good part of it), not a command. CJK characters are
    weighed against Latin words, not letters: a sentence naming an alert or a reason (one long CamelCase word) is
    still the user's sentence."""
    cjk = len(_NOTE_CJK.findall(line))
    return cjk >= max(6, len(_LATIN_WORD.findall(line))) and not _PROMPT.match(line)


_NOISE = re.compile(
    r"^\s*(?:\[?\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]?|[IWEF]\d{4} [\d:.]+\s+\d+ \S+\]|"
    r"[A-Z][a-z]{2} +\d+ [\d:]+ \S+ \S+:)\s*"
)


def _strip_noise(line: str) -> str:
    return _NOISE.sub("", line)


def _lines(text: str, limit: int) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()][:limit]


def summarize(store: Store, entry: Entry, limit: int = 6) -> tuple[list[str], list[str]]:
    """The entry's tests and fix steps, shortened: prose lines and the commands they give."""
    parts = store.entries(p.id for p in entry.parts)
    tests: list[str] = []
    fixes: list[str] = []
    for ref in entry.parts:
        part = parts.get(ref.id)
        if part is None:
            continue
        target = tests if ref.role is Role.TEST else fixes if ref.role is Role.FIX else None
        if target is None:
            continue
        target.extend(_lines(part.body, limit))
        target.extend(f"$ {ln}" for b in part.code_blocks if b.kind is CodeKind.COMMAND for ln in _lines(b.text, 3))
    if not fixes:  # a section without parts: its own steps and commands are the fix
        fixes.extend(_lines(entry.body, limit))
        fixes.extend(f"$ {ln}" for b in entry.code_blocks if b.kind is CodeKind.COMMAND for ln in _lines(b.text, 3))
    return tests[: limit * 2], fixes[: limit * 2]
