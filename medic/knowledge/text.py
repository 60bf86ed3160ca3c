"""Script-aware text helpers: language of a text, CJK segmentation for the lexical index."""

from __future__ import annotations

import re
import unicodedata

# Unicode blocks by script. Han covers CJK Unified Ideographs (+Ext A) and compatibility ideographs.
_KANA = r"\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HANGUL = r"\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CLASS = f"{_KANA}{_HANGUL}{_HAN}"

_RE_KANA = re.compile(f"[{_KANA}]")
_RE_HANGUL = re.compile(f"[{_HANGUL}]")
_RE_HAN = re.compile(f"[{_HAN}]")
_RE_LATIN = re.compile(r"[A-Za-z]")
_RE_TOKEN = re.compile(f"[{CJK_CLASS}]+|[^\\W_{CJK_CLASS}]+(?:['.][^\\W_{CJK_CLASS}]+)*")
_RE_CJK_RUN = re.compile(f"[{CJK_CLASS}]+")

LANGS = ("en", "ja", "zh", "ko")


def script_counts(text: str) -> dict[str, int]:
    """Characters per script: kana, hangul, han, latin."""
    return {
        "kana": len(_RE_KANA.findall(text)),
        "hangul": len(_RE_HANGUL.findall(text)),
        "han": len(_RE_HAN.findall(text)),
        "latin": len(_RE_LATIN.findall(text)),
    }


def detect_language(text: str, default: str = "en", min_chars: int = 12) -> str:
    """Language of a text among en/ja/zh/ko, from the scripts it uses.

    Kana means Japanese and Hangul means Korean; Han without either means Chinese, unless the
    caller's ``default`` (the document's language) is Japanese, where kanji-only text is common in
    headings. Text with fewer than ``min_chars`` letters returns ``default``.
    """
    c = script_counts(text)
    cjk = c["kana"] + c["hangul"] + c["han"]
    if cjk + c["latin"] < min_chars and cjk < 4:
        return default
    if c["hangul"] >= max(2, c["kana"]) and c["hangul"] * 3 >= cjk:
        return "ko"
    if c["kana"] >= 2 or (c["kana"] >= 1 and c["han"] >= 1):
        return "ja"
    if c["han"] >= 2:
        return "ja" if default == "ja" else "zh"
    if default in ("ja", "zh", "ko") and (cjk >= 1 or c["latin"] < 200):
        return default  # English phrases inside a CJK runbook stay with the runbook's language
    return "en"


def cjk_bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a run of CJK characters (the run itself when shorter than 2)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> list[str]:
    """Word tokens: Latin/digit words as they are, CJK runs as whole runs."""
    return _RE_TOKEN.findall(unicodedata.normalize("NFKC", text))


def segment(text: str) -> str:
    """Text for the FTS index: Latin words kept, CJK runs expanded into overlapping bigrams.

    unicode61 would keep a whole CJK run as one token, so a two-character query such as 削除
    would find nothing inside 削除する. Bigrams make every two-character substring a token.
    """
    out: list[str] = []
    for tok in tokens(text):
        if _RE_CJK_RUN.fullmatch(tok):
            out.extend(cjk_bigrams(tok))
        else:
            out.append(tok)
    return " ".join(out)


def is_cjk(token: str) -> bool:
    return bool(_RE_CJK_RUN.fullmatch(token))


_RE_SCRIPT_RUN = re.compile(f"[{_KANA}]+|[{_HANGUL}]+|[{_HAN}]+")
_RE_HIRAGANA = re.compile(r"[\u3040-\u309f]+")
_RE_KATAKANA = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+")
LONG_RUN = 4  # a CJK run longer than this is a phrase or a sentence, not a word


def query_pieces(run: str) -> list[str]:
    """The content words of a CJK run for a lexical query.

    A short run (a word: 削除, 再起動) stays whole. A longer one is part of a sentence, which no runbook
    repeats verbatim: it is cut where the script changes (kanji, katakana, hiragana, hangul), hiragana
    (Japanese particles and endings) is dropped, and a piece still longer than a word is split into its
    overlapping character pairs, the usual unit of CJK retrieval."""
    if len(run) <= LONG_RUN:
        return [run]
    out: list[str] = []
    for m in _RE_SCRIPT_RUN.finditer(run):
        for piece in _RE_HIRAGANA.split(m.group(0)) if not _RE_KATAKANA.fullmatch(m.group(0)) else [m.group(0)]:
            if len(piece) < 2:
                continue
            if len(piece) <= LONG_RUN or _RE_KATAKANA.fullmatch(piece):
                out.append(piece)
            else:
                out.extend(cjk_bigrams(piece))
    return list(dict.fromkeys(out)) or [run]


# Kubernetes shorthand → the words a person searching in plain language would use. Applied the same
# way to indexed text and to queries, so "PV", "PersistentVolume" and "persistent volume" all meet.
GLOSSARY: dict[str, str] = {
    "pv": "persistent volume",
    "pvs": "persistent volumes",
    "pvc": "persistent volume claim",
    "pvcs": "persistent volume claims",
    "persistentvolume": "persistent volume",
    "persistentvolumes": "persistent volumes",
    "persistentvolumeclaim": "persistent volume claim",
    "persistentvolumeclaims": "persistent volume claims",
    "sc": "storage class",
    "storageclass": "storage class",
    "storageclasses": "storage classes",
    "sts": "statefulset",
    "ds": "daemonset",
    "ns": "namespace",
    "k8s": "kubernetes",
    "dv": "datavolume",
    "cr": "custom resource",
    "crd": "custom resource definition",
    "crds": "custom resource definitions",
    "hpa": "horizontal pod autoscaler",
    "pdb": "pod disruption budget",
    "oom": "out of memory",
    "oomkilled": "out of memory killed",
    "rbac": "role based access control",
    "sa": "service account",
    "svc": "service",
    "ep": "endpoints",
    "cm": "configmap",
    "fs": "file system",
}
_RE_GLOSSARY = re.compile(
    r"(?<![A-Za-z0-9_-])(" + "|".join(sorted(map(re.escape, GLOSSARY), key=len, reverse=True)) + r")(?![A-Za-z0-9_-])",
    re.I,
)


def expand_glossary(text: str) -> str:
    """Replace Kubernetes shorthand by plain words (for the sentence encoder)."""
    return _RE_GLOSSARY.sub(lambda m: GLOSSARY[m.group(1).lower()], text)


def glossary_terms(text: str) -> str:
    """The plain words of every shorthand found in ``text`` (added to the lexical index)."""
    found = dict.fromkeys(GLOSSARY[m.group(1).lower()] for m in _RE_GLOSSARY.finditer(text))
    return " ".join(found)


_RE_CAMEL = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z]*\b")
_RE_CAMEL_SPLIT = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_camel(text: str) -> str:
    """``NodeFilesystemAlmostOutOfSpace`` → ``Node Filesystem Almost Out Of Space`` (alert and kind names)."""
    return _RE_CAMEL.sub(lambda m: " ".join(_RE_CAMEL_SPLIT.split(m.group(0))), text)


_WORD = re.compile(rb"[A-Za-z][A-Za-z0-9_.-]{2,40}")


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
