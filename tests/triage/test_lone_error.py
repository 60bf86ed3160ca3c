"""A single error line counts the same wherever it stands in a long normal log."""

from __future__ import annotations

import io

from medic.knowledge.store import Store
from medic.triage import triage

INFO_LINES = 100_000
ERROR = (
    "2024-12-03 10:00:00 ERROR keycloak startup: org.postgresql.util.PSQLException: FATAL: password authentication "
    'failed for user "keycloak"'
)


def log_with_error_at(pos: int) -> bytes:
    # ids unique per line, as in a real access log: every INFO line adds words nobody else has
    lines = [
        f"I1203 10:00:{i % 60:02d}.{i:06d} 1234 server.go:{i % 500}] request id=req{i:08x}z{i * 7919:x} "
        f"user=u{i % 977} path=/api/items/{i * 31:x} took {i % 97}ms"
        for i in range(INFO_LINES)
    ]
    lines.insert(pos, ERROR)
    return ("\n".join(lines) + "\n").encode()


def test_lone_error_after_100000_info_lines_counts_as_at_line_one(builtin_store: Store) -> None:
    first = triage(builtin_store, io.BytesIO(log_with_error_at(0)), top=3)
    last = triage(builtin_store, io.BytesIO(log_with_error_at(INFO_LINES)), top=3)
    assert first.matches, "the error at line 1 is matched"
    assert [m.entry.id for m in last.matches] == [m.entry.id for m in first.matches]
    assert [round(m.confidence, 6) for m in last.matches] == [round(m.confidence, 6) for m in first.matches]
    assert last.matches[0].evidence[0].line_no == INFO_LINES + 1
