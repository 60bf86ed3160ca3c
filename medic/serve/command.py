"""``medic serve``: the API and alert intake on one port."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from medic.config import data_dir
from medic.errors import MedicError


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer, knowledge_path: Callable[[], Path]) -> None:
    @app.command("serve")
    def serve_cmd(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
        state: Annotated[
            str | None,
            typer.Option(
                "--state",
                help="Incidents database: a SQLite file or a postgresql:// URL (default: serve.db in the data dir).",
                show_default=False,
            ),
        ] = None,
        token_file: Annotated[
            str | None,
            typer.Option(
                "--token-file",
                help="Bearer tokens, 'SCOPE: TOKEN' a line (default: serve-tokens in the data dir, created).",
                show_default=False,
            ),
        ] = None,
        grafana_secret_file: Annotated[
            str | None,
            typer.Option("--grafana-secret-file", help="Verify Grafana's HMAC signature with this secret."),
        ] = None,
        grafana_timestamp_header: Annotated[
            str | None,
            typer.Option("--grafana-timestamp-header", help="The timestamp header set in Grafana's HMAC settings."),
        ] = None,
        public_url: Annotated[
            str | None, typer.Option("--public-url", help="How people reach this server (links in Zabbix tags).")
        ] = None,
        open_reads: Annotated[
            bool | None,
            typer.Option(
                "--open-reads/--no-open-reads",
                help="Serve GET endpoints without a token (default: only when listening on loopback).",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Run the HTTP API and alert intake (Alertmanager, Grafana, Zabbix, alert text)."""
        import uvicorn

        from medic.serve.app import ServeConfig, create_app
        from medic.serve.auth import create_token_file, load_tokens

        if not 0 < port < 65536:
            raise MedicError(f"--port must be 1-65535 (got {port})")
        loopback = _loopback(host)
        if open_reads and not loopback:
            raise MedicError("--open-reads is only allowed on a loopback address; give readers a 'read' token")
        tokens_path = Path(token_file) if token_file else data_dir() / "serve-tokens"
        if token_file is None and not tokens_path.exists():
            create_token_file(tokens_path)
            print(f"medic serve: created an admin token in {tokens_path} (mode 0600)", file=sys.stderr)
        tokens = load_tokens(tokens_path)
        if not tokens:
            raise MedicError(f"{tokens_path}: no token in the file; add a line 'admin: <token>'")
        secret = None
        if grafana_secret_file:
            try:
                secret = Path(grafana_secret_file).read_bytes().strip()
            except OSError as exc:
                raise MedicError(f"{grafana_secret_file}: {exc.strerror or exc}") from None
            if not secret:
                raise MedicError(f"{grafana_secret_file}: the secret is empty")
        config = ServeConfig(
            state_path=state or data_dir() / "serve.db",
            knowledge_path=knowledge_path(),
            tokens=tokens,
            open_reads=loopback if open_reads is None else open_reads,
            grafana_secret=secret,
            grafana_timestamp_header=grafana_timestamp_header,
            public_url=public_url or f"http://{host}:{port}",
        )
        application = create_app(config)
        print(f"medic serve: listening on http://{host}:{port} (API under /api/v1)", file=sys.stderr)
        uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
