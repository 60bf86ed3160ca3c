"""Talking to a ``medic serve`` from the command line: ``medic collect --post URL`` sends the bundle it wrote,
so a periodic job in the cluster feeds the server's diagnoses."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from medic.errors import MedicError

TOKEN_ENV = "MEDIC_TOKEN"


class ServerError(MedicError):
    pass


def token_from(token_file: str | None) -> str:
    """The bearer token: from ``--token-file`` (its first non-comment line, a bare token or ``SCOPE: TOKEN``),
    else ``$MEDIC_TOKEN``."""
    if token_file:
        try:
            text = Path(token_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ServerError(f"{token_file}: {exc.strerror or exc}") from None
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                return line.rpartition(":")[2].strip() if ": " in line else line
        raise ServerError(f"{token_file}: no token in the file")
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ServerError(f"--post needs a token: --token-file FILE or ${TOKEN_ENV}")
    return token


def check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ServerError(f"--post must be an http(s) URL of a medic serve (got {url!r})")


def post_bundle(url: str, bundle: Path, token: str, timeout: float = 300.0) -> dict[str, Any]:
    """POST a bundle to ``URL/api/v1/diagnose``; the server's report summary back, or one-line error."""
    check_url(url)
    target = url.rstrip("/") + "/api/v1/diagnose"
    request = urllib.request.Request(
        target,
        data=bundle.read_bytes(),
        method="POST",
        headers={"authorization": f"Bearer {token}", "content-type": "application/gzip"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            doc: dict[str, Any] = json.loads(resp.read())
            return doc
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read()).get("error", "")
        except ValueError:
            reason = ""
        raise ServerError(f"{target}: HTTP {exc.code} {reason}".strip()) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ServerError(f"{target}: {getattr(exc, 'reason', exc)}") from None
