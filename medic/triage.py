"""Triage: evidence in, the runbook entries that explain it out, each with the lines that earned it.

One pass over the evidence (raw byte chunks, flat memory):

1. every signature of the knowledge base is matched by one multi-pattern engine; a hit records the
   evidence line and the runbook line the signature came from;
2. lines with error words are kept as *salient* lines (distinct templates, bounded), and their text is
   searched like a query (lexical + cross-lingual), which finds entries whose signatures did not fire.

The error words are patterns of the signatures' database (one scan; see ``medic.knowledge.scan``). What a
long input cannot afford to read whole is sampled with the same quota in every chunk (error lines, alert
fields, notes, words; ``medic.evidence.sample``): a lone error at the end of a 2 GB log counts as it would at
line 1.

An entry's score adds its signature weights (distinct evidence lines counting a little more) and the
search score of the salient lines; ``confidence`` maps the score to 0..1. Only confident matches are
printed by default: at 3 a.m. a wrong answer costs more than none.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from medic.evidence.sample import TemplateSample, WordSample
from medic.evidence.text import decode_line, iter_chunks
from medic.knowledge import embed
from medic.knowledge.scan import LINES_PER_PATTERN, LineFinder, SignatureSet, capped, evenly
from medic.knowledge.search import linked_entries, rare_terms, search
from medic.knowledge.signatures import template_of
from medic.knowledge.store import Store
from medic.model import CodeKind, Entry, Role

CONFIDENT = 0.6
USER_FIRST_RATIO = 0.75
WEAK = 0.2
SALIENT_TEMPLATES = 2000  # distinct error-line templates kept from the evidence (a hash sample when more)
# Per chunk (4 MB) of evidence, the same quota in every chunk, lines spread evenly over the chunk when there
# are more. The cost of a line looked at is ~3 us (~65 us when its shape is new and must be templated): the
# quotas keep a dense chunk's Python work (~7 ms) below its scan (~20 ms), and a paste of a few thousand
# lines is read whole.
SALIENT_PER_CHUNK = 1_000  # error lines looked at for salience (all lines are matched by signatures)
ALERTS_PER_CHUNK = 250  # alert-field lines: an alert payload has a few, a JSON log one per line
NOTE_MARKS_PER_CHUNK = 250  # lines with CJK text looked at while fewer than NOTES notes are found
TEMPLATED_PER_CHUNK = 64  # new line shapes templated
SHAPES_KEPT = 50_000
SEARCH_WEIGHT = 2.0
LINK_WEIGHT = 2.0
NOTE_SHARE = 1.0  # the search score of the user's notes, next to that of the error lines
_WORD = re.compile(rb"[A-Za-z][A-Za-z0-9_.-]{2,40}")


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
    lent_score: float = 0.0  # score lent by a built-in entry on the same problem
    finding_score: float = 0.0  # what a check's finding on pasted output added
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


_SIGSET_CACHE: dict[tuple[str, str], SignatureSet] = {}
STRONG_WORDS = (
    r"\b(?:error|fatal|exception|panic|fail(?:ed|ure)?|forbidden|denied|refused|unable|cannot|invalid|exceeded|"
    r"expired|unhealthy|back-?off|oomkilled|evicted|problem|outdated|rejected|timed? ?out)\b"
)
_STRONG = re.compile("(?i)" + STRONG_WORDS)
# A run of CJK characters: a sentence the user wrote about the problem ("after the upgrade the dashboards are
# gone"), or a message of localised software. Either says in words what the evidence is about.
NOTE_WORDS = r"[\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{ac00}-\x{d7af}]{4}"
# The fields of an alert that say what is wrong, in any of the shapes senders print them (Alertmanager's
# "alertname = X" and JSON, Grafana's "summary:", a template's "message = ..."): they are the query even though
# they hold no error word ("KubeControllerManagerDown", "PersistentVolume is filling up").
ALERT_FIELDS = r"\b(?:alertname|alert_name|summary|description|message)[\"']?\s*[:=]"
ERROR_MARK, NOTE_MARK, ALERT_MARK = 0, 1, 2
MARKS = (STRONG_WORDS, NOTE_WORDS, ALERT_FIELDS)  # in the order of the marks' numbers
NOTES = 6  # distinct note lines kept (the first ones: a paste starts or ends with what the user saw)
_NOTE_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def signature_set(store: Store, prefer: str = "hyperscan") -> SignatureSet:
    """The store's signatures and the marks of salience (error words, CJK notes, alert fields), one database."""
    key = (str(store.path) + ":" + store.generation(), prefer)
    if key not in _SIGSET_CACHE:
        _SIGSET_CACHE.clear()
        _SIGSET_CACHE[key] = SignatureSet.load(store, prefer, MARKS)
    return _SIGSET_CACHE[key]


def sample_marks(marks: np.ndarray, notes_done: bool) -> np.ndarray:
    """The (mark, end) rows of a chunk worth a look: each kind's quota, spread evenly over the chunk; no note
    marks once enough notes are found (a log in a CJK language marks every line)."""
    kept = []
    for mark, quota in (
        (ERROR_MARK, SALIENT_PER_CHUNK),
        (NOTE_MARK, NOTE_MARKS_PER_CHUNK),
        (ALERT_MARK, ALERTS_PER_CHUNK),
    ):
        if mark == NOTE_MARK and notes_done:
            continue
        rows = marks[marks[:, 0] == mark]
        kept.append(rows[evenly(len(rows), quota)])
    return np.concatenate(kept)


def confidence(score: float) -> float:
    """Score → 0..1. A specific signature (weight ≈ 2-4) alone is confident; search alone needs to be strong."""
    return 1.0 - math.exp(-max(score, 0.0) / 2.2)


def choose(matches: list[TriageMatch], top: int, include_weak: bool) -> list[TriageMatch]:
    """The matches to show, best first. The user's own runbooks that explain the evidence confidently,
    about as well as the best built-in entry does, come before the built-in catalog."""
    best_builtin = max((m.score for m in matches if m.entry.builtin), default=0.0)

    def preferred(m: TriageMatch) -> bool:
        return not m.entry.builtin and m.confidence >= CONFIDENT and m.score >= USER_FIRST_RATIO * best_builtin

    ranked = sorted(matches, key=lambda m: (not preferred(m), -m.score, m.entry.id))
    floor = WEAK if include_weak else CONFIDENT
    return [m for m in ranked if m.confidence >= floor][:top]


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
    line_base = 0
    total_bytes = 0
    word_sample = WordSample()
    per_pattern: dict[int, dict[int, bytes]] = {}  # pattern → evidence line number → line bytes
    if embed.disabled_reason() is None:
        # load the sentence encoder while the evidence is scanned: it is needed only at the end
        threading.Thread(target=embed.available, daemon=True).start()
    scanner = sigset.scanner
    chunks = iter_chunks(stream)
    scanned = scanner.scan(chunks) if scanner is not None else ((c, np.empty((0, 2), np.int64)) for c in chunks)
    counts = np.zeros(len(scanner.patterns.regexes) if scanner is not None else 0, dtype=np.int64)
    first_mark = scanner.first_mark if scanner is not None else 0
    shift = np.array([first_mark, 0], dtype=np.int64)  # pattern numbers of the marks ↔ mark numbers
    for chunk, events in scanned:
        word_sample.add(chunk)
        total_bytes += len(chunk)
        if progress is not None:
            progress(total_bytes)
        is_mark = events[:, 0] >= first_mark
        kept = capped(events[~is_mark], counts, LINES_PER_PATTERN)
        marks = sample_marks(events[is_mark] - shift, len(notes) >= NOTES)
        todo = np.concatenate([kept, marks + shift]) if len(marks) else kept
        finder = LineFinder(chunk)
        templated = 0
        for pattern, end in todo[np.argsort(todo[:, 1], kind="stable")].tolist():
            idx, raw = finder.at(end)
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
            if mark == ALERT_MARK:
                if not is_alert_field(text):
                    continue
            elif not is_salient(text):
                continue
            # lines that differ only in digits (timestamps, counters, ids) share a template: templating
            # is the costly step of this loop, so each digit-free shape is templated once, and at most
            # TEMPLATED_PER_CHUNK new shapes per chunk
            shape = raw[:500].translate(None, b"0123456789")
            tmpl = shapes.get(shape) or ""
            if not tmpl:
                if templated >= TEMPLATED_PER_CHUNK:
                    continue
                templated += 1
                tmpl = template_of(text)[0]
                if len(shapes) < SHAPES_KEPT:
                    shapes[shape] = tmpl
            salient_sample.add(tmpl, line_no, text)
        line_base += finder.total()
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
        entry_scores[sig.entry_rowid] = entry_scores.get(sig.entry_rowid, 0.0) + sig.weight * (1 + 0.25 * math.log(n))
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
    if query_lines:
        text = "\n".join(_strip_noise(ln) for _, ln in query_lines)[:800]
        for hit in search(store, text, limit=15):
            search_scores[hit.id] = hit.score
    # 2b. what the user wrote about the problem, searched on its own (its words are not log words)
    note_lines = sorted(notes.values())
    if note_lines:
        text = "\n".join(_strip_noise(ln) for _, ln in note_lines)[:600]
        for hit in search(store, text, limit=15):
            search_scores[hit.id] = search_scores.get(hit.id, 0.0) + NOTE_SHARE * hit.score
            note_scores[hit.id] = NOTE_SHARE * hit.score

    # 3. words of the evidence that few entries share (identifiers, component and error names)
    # the words of the lines that report a problem count wherever they are: a lone error at the end of a
    # long log links as surely as one at its start (the other words are counted in the first WORDS_BYTES)
    problem_words = [w for _, ln in salient_first.values() for w in evidence_words(ln.encode("utf-8", "replace"))]
    link_scores: dict[int, float] = linked_entries(store, rare_terms(store, words, first=problem_words))
    for rowid in link_scores:
        entry_scores.setdefault(rowid, 0.0)

    by_rowid = store.entries_by_rowid(entry_scores)
    rowid_of = {e.id: r for r, e in by_rowid.items()}
    extra = [i for i in search_scores if i not in rowid_of]
    if extra:
        for rowid, entry in store.entries_with_rowids(extra).items():
            by_rowid[rowid] = entry
            rowid_of[entry.id] = rowid
    for rowid, entry in by_rowid.items():
        s_sig = entry_scores.get(rowid, 0.0)
        s_search = search_scores.get(entry.id, 0.0)
        s_link = link_scores.get(rowid, 0.0)
        # shared rare words alone, in evidence without a single error line (a healthy status listing the
        # same components as a runbook), are weak evidence
        score = s_sig + SEARCH_WEIGHT * s_search + (LINK_WEIGHT if query_lines else LINK_WEIGHT / 2) * s_link
        m = TriageMatch(
            entry=entry,
            score=score,
            confidence=confidence(score),
            signatures=entry_sigs.get(rowid, 0),
            search_score=s_search,
            link_score=s_link,
            signature_score=s_sig,
            note_score=note_scores.get(entry.id, 0.0),
        )
        m.evidence = sorted(evidence.get(rowid, []), key=lambda h: h.line_no)[:8]
        if not m.evidence and s_search:
            m.evidence = [
                EvidenceHit(line_no=line_no, text=ln[:400], matched="(similar wording)")
                for line_no, ln in (query_lines or note_lines)[:2]
            ]
        per_entry[rowid] = m
    bridge(store, per_entry)
    chosen = choose(list(per_entry.values()), top, include_weak)
    for m in chosen:
        m.tests, m.fixes = summarize(store, m.entry)
    return TriageResult(
        matches=chosen,
        lines=line_base,
        bytes=total_bytes,
        engine=sigset.engine.name if sigset.engine else "none",
        signatures=len(sigset.sigs),
        candidates=list(per_entry.values()),
    )


BRIDGE_MIN = 0.4  # a built-in match must be at least this confident to lend its score
BRIDGE_SIM = 0.42  # cosine between the two entries' vectors below which nothing is lent
BRIDGE_SURE = 0.6  # above this the vectors alone decide; below, the keyword search must agree
BRIDGE_CANDIDATES = 5  # nearest user entries looked at
BRIDGE_AGREED = 0.25  # how much surer the keyword search's agreement makes a bridge
BRIDGE_BOTH = 0.5  # share of the weaker of (own score, lent score) added to the stronger
BRIDGE_MARGIN = 0.06  # another built-in entry this much closer to the target owns it
_KEYWORDS = re.compile(r"^Keywords:\s*(.+)$", re.M)


def closest_entries(store: Store, rowid: int, builtin: bool, k: int = 3) -> list[tuple[int, float]]:
    """Entries nearest to an entry by sentence vectors (any language), user or built-in ones: (rowid, cosine)."""
    rowids, index = store.vectors()
    best: dict[int, float] = {}
    for vec in store.vectors_of(rowid):
        rows, sims = index.search(vec, 60)
        for i, sim in zip(rows.tolist(), sims.tolist(), strict=True):
            r = int(rowids[i])
            if r != rowid:
                best[r] = max(best.get(r, -1.0), sim)
    meta = store.entry_meta(best)
    kept = [(r, s) for r, s in best.items() if bool(meta.get(r, ("", 1, ""))[1]) == builtin]
    return sorted(kept, key=lambda t: -t[1])[:k]


def closest_user_entries(store: Store, rowid: int, k: int = 3) -> list[tuple[int, float]]:
    """User entries nearest to an entry by sentence vectors (any language): (rowid, cosine)."""
    return closest_entries(store, rowid, builtin=False, k=k)


def is_contents(store: Store, entry: Entry) -> bool:
    """A table of contents: most lines of the body name other sections of the same runbook."""
    lines = [ln.strip().lstrip("-*+0123456789. ").strip() for ln in entry.body.split("\n") if ln.strip()]
    if len(lines) < 3:
        return False
    titles = {e.title.strip().rstrip("。.").lower() for e in store.source_entries(entry.source) if e.id != entry.id}
    named = sum(ln.rstrip("。.").lower() in titles for ln in lines)
    return named >= 3 and named * 2 >= len(lines)


def bridge_target(store: Store, builtin_rowid: int, builtin: Entry) -> tuple[Entry, float] | None:
    """The user entry on the same problem as a built-in entry, and how sure that is (0..1).

    Candidates are the user entries nearest by sentence vectors. The keyword search with the built-in
    title and its ja/zh/ko keywords names the one the words agree on; a candidate the vectors alone put
    far ahead needs no such agreement. Tables of contents, which name every problem, are never targets."""
    near = [(r, sim) for r, sim in closest_user_entries(store, builtin_rowid, k=BRIDGE_CANDIDATES) if sim >= BRIDGE_SIM]
    if not near:
        return None
    entries = store.entries_by_rowid(r for r, _ in near)
    agreed = keyword_counterpart(store, builtin)
    for rowid, sim in near:
        entry = entries.get(rowid)
        if entry is None or is_contents(store, entry):
            continue
        if entry.id == agreed or (sim >= BRIDGE_SURE and rowid == near[0][0]):
            if taken_by_other(store, rowid, builtin_rowid, sim):
                return None
            sure = min(1.0, (sim - 0.35) / 0.2 + (BRIDGE_AGREED if entry.id == agreed else 0.0))
            return entry, sure
    return None


def keyword_counterpart(store: Store, builtin: Entry) -> str | None:
    """Id of the user entry the keyword search with the built-in title and its ja/zh/ko keywords finds first."""
    keywords = _KEYWORDS.search(builtin.body)
    text = builtin.title + (" " + keywords.group(1) if keywords else "")
    for hit in search(store, text, limit=3, include_builtin=False):
        if not is_contents(store, store.get(hit.id)):
            return hit.id
    return None


def taken_by_other(store: Store, target: int, builtin_rowid: int, sim: float) -> bool:
    """Whether another built-in entry is clearly closer to the target and names it by keywords too: the target
    is that entry's counterpart (a Japanese "reuse a Released PV" page is not the counterpart of "PVC Pending
    with ProvisioningFailed", however close the two are)."""
    closest = closest_entries(store, target, builtin=True, k=1)
    if not closest or closest[0][0] == builtin_rowid or closest[0][1] < sim + BRIDGE_MARGIN:
        return False
    other = store.entries_by_rowid([closest[0][0]]).get(closest[0][0])
    target_entry = store.entries_by_rowid([target]).get(target)
    return other is not None and target_entry is not None and keyword_counterpart(store, other) == target_entry.id


def bridge(store: Store, matches: dict[int, TriageMatch], top: int = 4) -> None:
    """Let the built-in catalog carry a match over to the user's own runbook on the same problem.

    The catalog's English entries have rich signatures; a team's runbook in Japanese or Korean may
    describe the same failure with no error text at all. For a confident built-in match, the user entry
    on the same problem (see ``bridge_target``) receives part of its score, and its evidence says where
    the match came from."""
    if not embed.available():
        return
    builtins = sorted(
        (m for m in matches.values() if m.entry.builtin and m.confidence >= BRIDGE_MIN), key=lambda m: -m.score
    )[:top]
    rowid_of = {m.entry.id: r for r, m in matches.items()}
    lent: dict[int, tuple[float, TriageMatch]] = {}  # target rowid → (best score lent, by which built-in match)
    for b in builtins:
        found = bridge_target(store, rowid_of[b.entry.id], b.entry)
        if found is None:
            continue
        target_entry, sure = found
        target = rowid_of.get(target_entry.id)
        if target is None:
            target = next(iter(store.entries_with_rowids([target_entry.id])), None)
            if target is None:
                continue
            rowid_of[target_entry.id] = target
        matches.setdefault(target, TriageMatch(entry=target_entry, score=0.0, confidence=0.0))
        if b.score * sure > lent.get(target, (0.0, b))[0]:
            lent[target] = (b.score * sure, b)
    for target, (score, b) in lent.items():
        m = matches[target]
        # the entry's own evidence and the built-in entry's are two routes to the same answer: when both
        # lead there, the answer is surer than either alone
        m.lent_score = score
        m.score = max(m.score, score) + BRIDGE_BOTH * min(m.score, score)
        m.confidence = confidence(m.score)
        m.evidence = m.evidence or [
            EvidenceHit(line_no=h.line_no, text=h.text, matched=f"(via built-in entry: {b.entry.title})")
            for h in b.evidence[:3]
        ]


_COUNTER = re.compile(r"\b\w+=\d+\b")  # "failed=0" in a recap counts, it does not report a failure
# a command the user typed ("$ kubectl logs ... | grep -E 'error|expired'", "[root@host ~]# du ..."): what they
# asked, not what the system answered
_PROMPT = re.compile(r"^\s*(?:\[[^\]\n]{1,60}\]|[\w.@-]+:[^$#\s]*)?\s?[$#%>]\s+\S")


def is_salient(line: str) -> bool:
    """A line that reports a problem: an error word that is not just the name of a zero counter, in a line
    that is not a command the user typed."""
    return bool(_STRONG.search(_COUNTER.sub(" ", line))) and not _PROMPT.match(line)


_ALERT_FIELD = re.compile(r"(?i)" + ALERT_FIELDS + r"\s*[\"']?(?=\S)")


def is_alert_field(line: str) -> bool:
    """A line that gives an alert's name or says in words what the alert is about (a value, not a command)."""
    m = _ALERT_FIELD.search(line)
    if m is None:
        return False
    return sum(ch.isalpha() for ch in line[m.end() :]) >= 8 and not _PROMPT.match(line)


def is_note(line: str) -> bool:
    """A line the user wrote in words (CJK text makes up a good part of it), not a command."""
    letters = sum(ch.isalpha() for ch in line)
    return len(_NOTE_CJK.findall(line)) >= max(6, letters // 4) and not _PROMPT.match(line)


def evidence_words(chunk: bytes) -> list[str]:
    """Word tokens of the evidence: dotted and dashed names split into their parts, kept whole too."""
    out: list[str] = []
    for m in _WORD.finditer(chunk):
        token = m.group(0).decode("ascii", "replace").strip(".-_").lower()
        if not token or token.isdigit():
            continue
        parts = [p for p in re.split(r"[._-]", token) if len(p) >= 3 and not p.isdigit()]
        out.extend(parts)
        if len(parts) > 1:
            out.append(token)
    return out


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
