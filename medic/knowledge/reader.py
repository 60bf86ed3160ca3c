"""Read a runbook file as text, refusing what is not one, and tell Markdown from reStructuredText."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from medic.errors import RunbookError

MAX_BYTES = 8 * 1024 * 1024  # the longest real runbook we know is well under 1 MB
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
RST_SUFFIXES = {".rst", ".rest"}
TEXT_SUFFIXES = {".txt", ".text"}
RUNBOOK_SUFFIXES = MARKDOWN_SUFFIXES | RST_SUFFIXES | TEXT_SUFFIXES
_LEGACY_ENCODINGS = (
    ("shift_jis", "Shift_JIS"),
    ("euc_jp", "EUC-JP"),
    ("gbk", "GBK"),
    ("euc_kr", "EUC-KR"),
    ("big5", "Big5"),
)

_KOREAN_COMMON = "이는을의에가다하고서를지한기로도있습니"
_RST_ADORNMENT = re.compile(r"""^([=\-~^"'`#*+_:.])\1{2,}\s*$""")
_MD_HEADING = re.compile(r"^#{1,6}\s+\S")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_RST_DIRECTIVE = re.compile(r"^\.\. [\w-]+::|^::\s*$|\S::\s*$")


@dataclass(frozen=True)
class RunbookText:
    path: Path
    text: str
    sha256: str
    fmt: str  # "markdown" | "rst"


def _legacy_guess(data: bytes) -> str | None:
    """The legacy CJK encoding a file most plausibly uses (kana for Japanese, Hangul for Korean)."""
    from medic.knowledge.text import script_counts

    decoded: dict[str, dict[str, int]] = {}
    korean_common = 0
    for codec, name in _LEGACY_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        decoded[name] = script_counts(text)
        if name == "EUC-KR":
            korean_common = sum(text.count(ch) for ch in _KOREAN_COMMON)

    def share(name: str, script: str) -> float:
        c = decoded[name]
        return c[script] / max(1, c["kana"] + c["hangul"] + c["han"])

    for name in ("Shift_JIS", "EUC-JP"):  # real Japanese text has plenty of kana
        if name in decoded and share(name, "kana") >= 0.2:
            return name
    # Korean is mostly Hangul with frequent particles; GBK bytes read as EUC-KR give rare syllables
    if "EUC-KR" in decoded and share("EUC-KR", "hangul") >= 0.6 and korean_common * 20 >= decoded["EUC-KR"]["hangul"]:
        return "EUC-KR"
    for name in ("GBK", "Big5"):
        if name in decoded:
            return name
    return next(iter(decoded), None)


def decode_runbook(path: Path, data: bytes) -> str:
    """UTF-8 text of a runbook (BOM allowed), or a RunbookError that says what the file is."""
    shown = str(path)
    if not data.strip():
        raise RunbookError(shown, "empty file")
    head = data[:8192]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RunbookError(shown, "not valid UTF-16 text") from None
    if b"\x00" in head:
        raise RunbookError(shown, "binary file (contains NUL bytes), not a runbook")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = _legacy_guess(data)
        hint = f"; it looks like {guess}: convert it with `iconv -f {guess} -t UTF-8`" if guess else ""
        raise RunbookError(shown, f"not valid UTF-8 (byte {exc.start}){hint}") from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 32 and controls * 20 > len(text[:8192]):
        raise RunbookError(shown, "binary file (control characters), not a runbook")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in RST_SUFFIXES:
        return "rst"
    return sniff_format(text)


def sniff_format(text: str) -> str:
    """Markdown or reStructuredText, from what the text uses: ATX headings and fences vs adornments."""
    md = rst = 0
    lines = text.split("\n")[:4000]
    for i, line in enumerate(lines):
        if _MD_HEADING.match(line) or _MD_FENCE.match(line):
            md += 1
        elif (
            _RST_ADORNMENT.match(line) and i > 0 and lines[i - 1].strip() and not _RST_ADORNMENT.match(lines[i - 1])
        ) or _RST_DIRECTIVE.search(line):
            rst += 1
    return "rst" if rst > md else "markdown"


def read_runbook(path: Path) -> RunbookText:
    shown = str(path)
    try:
        if not path.is_file():
            reason = "no such file" if not path.exists() else "not a regular file"
            raise RunbookError(shown, reason)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RunbookError(
                shown,
                f"too large for a runbook ({size / 1048576:.1f} MB > "
                f"{MAX_BYTES // 1048576} MB); split it or index its sections",
            )
        data = path.read_bytes()
    except PermissionError:
        raise RunbookError(shown, "permission denied") from None
    except OSError as exc:
        raise RunbookError(shown, exc.strerror or str(exc)) from None
    text = decode_runbook(path, data)
    return RunbookText(path=path, text=text, sha256=hashlib.sha256(data).hexdigest(), fmt=detect_format(path, text))
