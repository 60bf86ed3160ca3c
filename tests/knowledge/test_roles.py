"""Heading roles: the keyword index (by a heading's first and last character) answers as a scan of every keyword
in order would, and a few headings of each kind get their role."""

from __future__ import annotations

import random
import re

from medic.knowledge import roles
from medic.knowledge.roles import ROLE_KEYWORDS, heading_role
from medic.model import Role

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def scan_role(heading: str) -> Role:
    """Every keyword in order, with the module's rules (the reference the index must agree with)."""
    text = roles._normalise(heading)
    if not text:
        return Role.NONE
    for role, words in ROLE_KEYWORDS:
        for word in words:
            cjk = bool(_CJK.search(word))
            if text == word:
                return role
            if text.startswith(word):
                rest = text[len(word) :]
                if (
                    rest.startswith(roles._SEPARATORS)
                    and (not cjk or rest[:1] in ":：(（-–— ")
                    and (cjk or len(text.split()) <= 4)
                ):
                    return role
            if cjk and text.endswith(word) and len(text) > len(word):
                return role
            if (
                not cjk
                and (text.endswith(" " + word) or text.endswith("-" + word))
                and role in (Role.ROLLBACK, Role.NOTE)
            ):
                return role
    return Role.NONE


def test_keyword_index_agrees_with_a_scan_of_every_keyword() -> None:
    words = [w for _, ws in ROLE_KEYWORDS for w in ws]
    glue = ["", " ", "-", ": ", "（", " - ", "(", "2", "1. ", "the ", "of pods", "ノード", "节点", "x"]
    rng = random.Random(7)
    headings = list(words)
    for _ in range(20_000):
        headings.append("".join(rng.choice(words + glue) + rng.choice(glue) for _ in range(rng.randint(1, 4))))
    found = {heading_role(h) for h in headings}
    assert found == set(Role)  # every role (and none) is among the answers
    for h in headings:
        assert heading_role(h) == scan_role(h), h


def test_headings_name_their_roles() -> None:
    assert heading_role("Solution 2") is Role.FIX
    assert heading_role("Rollback") is Role.ROLLBACK
    assert heading_role("Pod keeps restarting") is Role.NONE
    assert heading_role("") is Role.NONE
