"""Bearer tokens for the service: read from a file or the environment, compared in constant time, never
logged.

The token file has one token a line, ``SCOPE: TOKEN`` (``#`` starts a comment). Scopes:
``alertmanager``, ``grafana``, ``zabbix``, ``text`` (one sender's intake), ``alerts`` (every sender),
``read`` (the GET endpoints), ``write`` (triage requests and verdicts), ``admin`` (everything). A line
without a scope is an ``admin`` token. ``$MEDIC_SERVE_TOKEN`` adds one ``admin`` token.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from medic.errors import MedicError

SCOPES = ("alertmanager", "grafana", "zabbix", "text", "alerts", "read", "write", "admin")
MIN_TOKEN = 16  # shorter tokens are guessable: refused when the file is read
SENDERS = ("alertmanager", "grafana", "zabbix", "text")


class TokenFileError(MedicError):
    pass


@dataclass
class Tokens:
    by_scope: dict[str, list[bytes]] = field(default_factory=dict)

    def add(self, scope: str, token: str) -> None:
        self.by_scope.setdefault(scope, []).append(token.encode())

    def __bool__(self) -> bool:
        return any(self.by_scope.values())

    def allows(self, presented: str | None, scope: str) -> bool:
        """Whether the presented token grants ``scope``. Every configured token is compared (no early exit
        on the first match), so timing says nothing about which one matched."""
        if not presented:
            return False
        given = presented.encode()
        granted = {scope, "admin"}
        if scope in SENDERS:
            granted.add("alerts")
        if scope == "read":
            granted.add("write")
        ok = False
        for s in granted:
            for token in self.by_scope.get(s, []):
                ok |= hmac.compare_digest(given, token)
        return ok


def parse_tokens(text: str, where: str) -> Tokens:
    tokens = Tokens()
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        scope, _, token = line.partition(":")
        if not token:
            scope, token = "admin", scope
        scope, token = scope.strip(), token.strip()
        if scope not in SCOPES:
            raise TokenFileError(f"{where}:{n}: unknown scope {scope!r} (one of {', '.join(SCOPES)})")
        if len(token) < MIN_TOKEN or any(c.isspace() for c in token):
            raise TokenFileError(f"{where}:{n}: a token must be at least {MIN_TOKEN} characters without spaces")
        tokens.add(scope, token)
    return tokens


def load_tokens(path: Path | None) -> Tokens:
    tokens = Tokens()
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TokenFileError(f"{path}: cannot read the token file: {exc.strerror or exc}") from None
        tokens = parse_tokens(text, str(path))
    env = os.environ.get("MEDIC_SERVE_TOKEN", "").strip()
    if env:
        if len(env) < MIN_TOKEN:
            raise TokenFileError(f"MEDIC_SERVE_TOKEN must be at least {MIN_TOKEN} characters")
        tokens.add("admin", env)
    return tokens


def create_token_file(path: Path) -> str:
    """A new file with one admin token, readable by its owner only; returns the token."""
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# medic serve tokens: SCOPE: TOKEN a line (see README, Run as a service)\n")
        fh.write(f"admin: {token}\n")
    return token


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
