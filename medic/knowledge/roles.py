"""The role of a runbook sub-section, recognised from its heading in en/ja/zh/ko.

A heading names a role when, once numbering and words such as "possible" are stripped, it is a role
keyword, starts with one followed by a separator ("Solution 2", "診断：...", "Diagnosis - pods"), or (for
CJK headings) ends with one ("…を診断する", "…に関する留意事項"). "检查组件的完整性" (check the integrity of
the components) is a procedure of its own, not the test part of its parent, so a CJK keyword at the
start counts only when a separator follows it.
"""

from __future__ import annotations

import re

from medic.model import Role

# Order matters: the first role whose keyword fits wins ("リカバリー手順について補足" is a note).
ROLE_KEYWORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (
        Role.ROLLBACK,
        (
            "rollback",
            "roll back",
            "roll-back",
            "backout",
            "revert",
            "切り戻し",
            "切戻し",
            "ロールバック",
            "回滚",
            "回退",
            "롤백",
            "원복",
        ),
    ),
    (
        Role.NOTE,
        (
            "notes",
            "note",
            "caveats",
            "caveat",
            "warnings",
            "remarks",
            "impact",
            "留意事項",
            "注意事項",
            "注意点",
            "補足",
            "备注",
            "补充",
            "注意事项",
            "注意",
            "참고",
            "주의사항",
            "주의",
            "비고",
        ),
    ),
    (
        Role.TEST,
        (
            "tests",
            "test",
            "diagnosis",
            "diagnose",
            "diagnostics",
            "diagnosing",
            "troubleshooting steps",
            "investigation",
            "verification",
            "how to check",
            "check",
            "診断する",
            "診断",
            "確認方法",
            "切り分け",
            "调查",
            "诊断",
            "排查",
            "检查方法",
            "테스트",
            "진단",
            "점검",
            "확인 방법",
        ),
    ),
    (Role.CAUSE, ("root cause", "causes", "cause", "reason", "原因", "원인")),
    (
        Role.FIX,
        (
            "solutions",
            "solution",
            "fix",
            "fixes",
            "resolution",
            "remediation",
            "mitigation",
            "workaround",
            "recovery",
            "how to fix",
            "resolve",
            "リカバリー手順",
            "リカバリー",
            "復旧手順",
            "復旧方法",
            "対処方法",
            "対処法",
            "対処",
            "対応方法",
            "解決方法",
            "解決策",
            "解決",
            "回避策",
            "解决方法",
            "解决方案",
            "解决办法",
            "解决",
            "处理方法",
            "修复",
            "해결방법",
            "해결 방법",
            "해결책",
            "해결",
            "조치 방법",
            "조치",
        ),
    ),
    (
        Role.SYMPTOM,
        (
            "symptoms",
            "symptom",
            "situation",
            "meaning",
            "現象",
            "症状",
            "事象",
            "现象",
            "问题现象",
            "상황",
            "증상",
            "현상",
        ),
    ),
)

_STRIP = re.compile(r"^[\s\d.()\[\]#:：\-–—)）]*|[\s\d.()（）\[\]:：\-–—]*$")
_FILLERS = re.compile(r"^(?:possible|potential|suggested|recommended|quick|temporary|the)\s+", re.I)
_SEPARATORS = (":", "：", " -", " –", " —", "(", "（", " ")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _normalise(heading: str) -> str:
    text = _STRIP.sub("", heading.strip()).lower()
    prev = None
    while prev != text:
        prev = text
        text = _FILLERS.sub("", text)
    return text


# (role, keyword, whether the keyword is CJK), in ``ROLE_KEYWORDS`` order: the script of a keyword is looked up once
_KEYWORDS: tuple[tuple[Role, str, bool], ...] = tuple(
    (role, word, bool(_CJK.search(word))) for role, words in ROLE_KEYWORDS for word in words
)
_TAIL_ROLES = (Role.ROLLBACK, Role.NOTE)


def _by_char(first: bool) -> dict[str, tuple[int, ...]]:
    """Positions in ``_KEYWORDS`` of the keywords a heading starting (``first``) or ending with a character may
    match: every keyword by its first character; by its last one, those that count at a heading's end."""
    out: dict[str, list[int]] = {}
    for i, (role, word, cjk) in enumerate(_KEYWORDS):
        if first:
            out.setdefault(word[0], []).append(i)
        elif cjk or role in _TAIL_ROLES:
            out.setdefault(word[-1], []).append(i)
    return {ch: tuple(ids) for ch, ids in out.items()}


# a heading is compared with the keywords that share its first or last character only (in keyword order)
_BY_FIRST = _by_char(first=True)
_BY_LAST = _by_char(first=False)


def heading_role(heading: str) -> Role:
    """The role a heading names, or ``Role.NONE``."""
    text = _normalise(heading)
    if not text:
        return Role.NONE
    short = len(text.split()) <= 4
    ids = _BY_FIRST.get(text[0], ())
    last = _BY_LAST.get(text[-1], ())
    if last:
        ids = tuple(sorted({*ids, *last}))
    for i in ids:
        role, word, cjk = _KEYWORDS[i]
        if text == word:
            return role
        if text.startswith(word):
            rest = text[len(word) :]
            # a Latin keyword followed by more words ("solution 2", "diagnosis of pods") counts only
            # when the heading stays short, a CJK one only with a separator
            if rest.startswith(_SEPARATORS) and (not cjk or rest[:1] in ":：(（-–— ") and (cjk or short):
                return role
        if cjk and text.endswith(word) and len(text) > len(word):
            return role
        if not cjk and role in _TAIL_ROLES and (text.endswith(" " + word) or text.endswith("-" + word)):
            return role
    return Role.NONE
