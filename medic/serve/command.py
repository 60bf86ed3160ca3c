"""``medic serve``: the API and alert intake on one port, in one process or in ``--workers N`` processes.

With several workers uvicorn starts each process from ``worker_app`` (it cannot hand a built application to a
new process): the settings travel in ``$MEDIC_SERVE_CONFIG`` as paths and flags, never tokens or secrets, and
each worker reads the token and secret files itself. Metrics are added up over the processes (prometheus_client's
multiprocess mode, in a folder made for this run). Claims of the inbox that a previous run left are released
once, before the workers start; a worker that dies while the others run leaves its claims to the lease, as a
replica on PostgreSQL does.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medic.config import data_dir
from medic.errors import MedicError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from medic.serve.app import ServeConfig

CONFIG_ENV = "MEDIC_SERVE_CONFIG"  # the settings of a multi-process server, for worker_app in each process
MAX_WORKERS = 32  # each worker loads the knowledge base and the encoder (~150 MB): more is a typo


@dataclass(frozen=True)
class Settings:
    """What a server process needs to build its application: paths and flags, no secret."""

    state: str
    knowledge: str
    token_file: str
    grafana_secret_file: str | None
    grafana_timestamp_header: str | None
    public_url: str
    open_reads: bool
    release_claims: bool  # release the inbox claims a previous run left (only a lone process may)


def read_secret(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as exc:
        raise MedicError(f"{path}: {exc.strerror or exc}") from None
    if not secret:
        raise MedicError(f"{path}: the secret is empty")
    return secret


def config_of(settings: Settings) -> ServeConfig:
    """The application's configuration: tokens and the Grafana secret read from their files."""
    from medic.serve.app import ServeConfig
    from medic.serve.auth import load_tokens

    tokens_path = Path(settings.token_file)
    tokens = load_tokens(tokens_path)
    if not tokens:
        raise MedicError(f"{tokens_path}: no token in the file; add a line 'admin: <token>'")
    return ServeConfig(
        state_path=settings.state,
        knowledge_path=Path(settings.knowledge),
        tokens=tokens,
        open_reads=settings.open_reads,
        grafana_secret=read_secret(settings.grafana_secret_file),
        grafana_timestamp_header=settings.grafana_timestamp_header,
        public_url=settings.public_url,
        release_claims=settings.release_claims,
    )


def worker_app() -> FastAPI:
    """The application of one worker process of ``medic serve --workers N`` (uvicorn calls it in each)."""
    from medic.serve.app import create_app

    raw = os.environ.get(CONFIG_ENV)
    if not raw:
        raise MedicError(f"${CONFIG_ENV} is not set: start the server with `medic serve --workers N`")
    data: dict[str, Any] = json.loads(raw)
    return create_app(config_of(Settings(**data)))


def release_stale_claims(state: str) -> None:
    """Before the workers start: claims held now belong to a run that stopped (see State)."""
    from medic.serve.state import State

    released = State(state).release_claims_of_the_dead()
    if released:
        print(f"medic serve: {released} alert(s) claimed by a run that stopped are taken again", file=sys.stderr)


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
        workers: Annotated[
            int,
            typer.Option(
                "--workers",
                help="Server processes (each loads the knowledge base; they share the state database).",
            ),
        ] = 1,
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

        from medic.serve.app import create_app
        from medic.serve.auth import create_token_file

        if not 0 < port < 65536:
            raise MedicError(f"--port must be 1-65535 (got {port})")
        if not 0 < workers <= MAX_WORKERS:
            raise MedicError(f"--workers must be 1-{MAX_WORKERS} (got {workers})")
        loopback = _loopback(host)
        if open_reads and not loopback:
            raise MedicError("--open-reads is only allowed on a loopback address; give readers a 'read' token")
        tokens_path = Path(token_file) if token_file else data_dir() / "serve-tokens"
        if token_file is None and not tokens_path.exists():
            create_token_file(tokens_path)
            print(f"medic serve: created an admin token in {tokens_path} (mode 0600)", file=sys.stderr)
        settings = Settings(
            state=str(state or data_dir() / "serve.db"),
            knowledge=str(knowledge_path()),
            token_file=str(tokens_path),
            grafana_secret_file=grafana_secret_file,
            grafana_timestamp_header=grafana_timestamp_header,
            public_url=public_url or f"http://{host}:{port}",
            open_reads=loopback if open_reads is None else open_reads,
            release_claims=workers == 1,
        )
        config = config_of(settings)  # bad tokens or secret files are refused here, before any process starts
        where = f"http://{host}:{port}"
        if workers == 1:
            application = create_app(config)
            print(f"medic serve: listening on {where} (API under /api/v1)", file=sys.stderr)
            uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
            return
        release_stale_claims(settings.state)
        metrics_dir = tempfile.mkdtemp(prefix="medic-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        os.environ[CONFIG_ENV] = json.dumps(asdict(settings))
        print(f"medic serve: listening on {where} with {workers} workers (API under /api/v1)", file=sys.stderr)
        try:
            uvicorn.run(
                "medic.serve.command:worker_app",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
            )
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)
