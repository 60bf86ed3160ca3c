"""The HTTP API: alert intake, incidents, triage, search. JSON shapes are the CLI's ``--json`` shapes.

Intake persists first and processes after: a request is authenticated, its body checked and its events
stored in one short transaction; then it is answered, and a worker thread triages. A sender never waits for
triage, and an accepted alert survives the process being killed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as Path_
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from medic.act.params import parse_assignments
from medic.errors import InputError, MedicError
from medic.serve.alerts import (
    AlertEvent,
    PayloadError,
    alertmanager_events,
    grafana_events,
    text_events,
    zabbix_events,
)
from medic.serve.auth import Tokens, bearer
from medic.serve.knowledge import Knowledge
from medic.serve.metrics import Metrics
from medic.serve.state import STATUSES, State, StateError, db_errors
from medic.serve.ui import register_ui, row_id
from medic.serve.worker import Worker

log = logging.getLogger("medic.serve")
API = "/api/v1"


MAX_BODY = 4 * 1024 * 1024  # an Alertmanager group of 1,000 alerts with long annotations fits; more is refused
MAX_TEXT = 1024 * 1024  # a triage request: a paste, not a log (the CLI takes logs)
GRAFANA_SKEW_S = 300  # a signed Grafana request older or newer than this is a replay


@dataclass
class ServeConfig:
    state_path: str | Path  # a SQLite file, sqlite:PATH, or a postgresql:// URL
    knowledge_path: Path
    tokens: Tokens
    open_reads: bool = False  # GET endpoints without a token (only when bound to loopback)
    grafana_secret: bytes | None = None
    grafana_timestamp_header: str | None = None
    public_url: str = ""  # how senders and people reach this server (links in Zabbix tags)
    max_bundle: int = 512 * 1024 * 1024  # a collect of 150,000 pods is ~100 MB gzipped: room for 5x that
    start_worker: bool = True
    release_claims: bool = True  # a lone process releases the claims a stopped run left (not one of N workers)


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        message = " ".join(message.split())  # one line, as the CLI prints errors
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


async def body_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks, refused with 413 as soon as it passes ``limit`` (a lying Content-Length included)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"body larger than {limit} bytes")
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"body larger than {limit} bytes")
        yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    return b"".join([chunk async for chunk in body_chunks(request, limit)])


async def save_body(request: Request, path: Path, limit: int) -> None:
    """Stream the body to a file (an upload is never held in memory)."""
    size = 0
    with path.open("wb") as fh:
        async for chunk in body_chunks(request, limit):
            size += len(chunk)
            fh.write(chunk)
    if size == 0:
        raise ApiError(400, "empty body: send the bundle file that `medic collect` wrote")


async def text_of(request: Request) -> str:
    """A paste sent as a text/plain body or as JSON ``{"text": ...}``; an empty one is refused."""
    body = await read_body(request, MAX_TEXT)
    if request.headers.get("content-type", "").startswith("application/json"):
        doc = json_body(body)
        if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
            raise ApiError(400, 'JSON body must be {"text": "..."}')
        text: str = doc["text"]
    else:
        text = body.decode("utf-8", "replace")
    if not text.strip():
        raise ApiError(400, "nothing to read: the body is empty")
    return text


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not JSON: {exc}") from None


def create_app(config: ServeConfig) -> FastAPI:
    state = State(config.state_path)
    store_errors: tuple[type[BaseException], ...] = (*db_errors(), StateError)
    knowledge = Knowledge(config.knowledge_path)
    metrics = Metrics()
    worker = Worker(state, knowledge, metrics, release_claims=config.release_claims)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if config.start_worker:
            worker.start()
        yield
        if config.start_worker:
            worker.stop()

    app = FastAPI(
        title="Medic",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: nothing is fetched in a closed network
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.medic_state = state
    app.state.worker = worker
    app.state.knowledge = knowledge

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        metrics.refused.labels(reason=str(exc.status)).inc()
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.refused.labels(reason="422").inc()
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()[:5]
        )
        return JSONResponse({"error": " ".join(problems.split())}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("internal error", exc_info=exc)  # a bug: its traceback goes to the log, the client gets one line
        return JSONResponse({"error": "internal error (logged by the server)"}, status_code=500)

    @app.exception_handler(PayloadError)
    async def payload_error(_: Request, exc: PayloadError) -> JSONResponse:
        metrics.refused.labels(reason="400").inc()
        return JSONResponse({"error": str(exc)}, status_code=400)

    def require(request: Request, scope: str) -> None:
        if scope == "read" and config.open_reads:
            return
        token = bearer(request.headers.get("authorization"))
        if token is None:
            raise ApiError(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
        if not config.tokens.allows(token, scope):
            raise ApiError(403, f"this token does not allow {scope}")

    async def intake(
        request: Request, source: str, parse: Callable[[Any], list[AlertEvent]], text: bool = False
    ) -> tuple[list[AlertEvent], list[int], int, int]:
        started = time.perf_counter()
        require(request, source)
        body = await read_body(request, MAX_BODY)
        if source == "grafana":
            check_grafana_signature(request, body)
        if text:
            try:
                events = text_events(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise ApiError(400, "alert text must be UTF-8") from None
        else:
            events = parse(json_body(body))
        metrics.received.labels(source=source).inc(len(events))
        try:
            accepted = await run_in_threadpool(state.accept, events)
        except store_errors as exc:
            # Alertmanager and Zabbix retry a failed delivery; Grafana does not before its next group interval
            # (its error says so in its log), so it gets a plain 500, never a 503 that invites a retry storm
            if source == "alertmanager":
                raise ApiError(503, f"could not store the alerts: {exc}", {"Retry-After": "5"}) from None
            raise ApiError(500, f"could not store the alerts: {exc}") from None
        metrics.deduplicated.labels(source=source).inc(accepted.duplicates)
        metrics.accept_seconds.observe(time.perf_counter() - started)
        if accepted.accepted:
            worker.wake.set()
        return events, accepted.incidents, accepted.accepted, accepted.duplicates

    def check_grafana_signature(request: Request, body: bytes) -> None:
        if config.grafana_secret is None:
            return
        signature = request.headers.get("x-grafana-alerting-signature", "").strip().lower()
        signed = body
        if config.grafana_timestamp_header:
            stamp = request.headers.get(config.grafana_timestamp_header, "").strip()
            if not stamp.isdigit() or abs(time.time() - int(stamp)) > GRAFANA_SKEW_S:
                raise ApiError(401, "Grafana signature timestamp missing or outside the allowed window")
            signed = stamp.encode() + b":" + body
        expected = hmac.new(config.grafana_secret, signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise ApiError(401, "Grafana signature does not match the configured secret")

    def answer(events: list[AlertEvent], incidents: list[int], new: int, dups: int) -> dict[str, Any]:
        return {"received": len(events), "accepted": new, "duplicates": dups, "incidents": sorted(set(incidents))}

    @app.post(f"{API}/alerts/alertmanager", status_code=202, tags=["alerts"])
    async def alerts_alertmanager(request: Request) -> dict[str, Any]:
        """Alertmanager's webhook (``webhook_configs``, payload version 4)."""
        return answer(*await intake(request, "alertmanager", alertmanager_events))

    @app.api_route(f"{API}/alerts/grafana", methods=["POST", "PUT"], status_code=202, tags=["alerts"])
    async def alerts_grafana(request: Request) -> dict[str, Any]:
        """Grafana unified alerting's webhook contact point (version 1); the Test button is acknowledged."""
        return answer(*await intake(request, "grafana", grafana_events))

    @app.post(f"{API}/alerts/zabbix", status_code=202, tags=["alerts"])
    async def alerts_zabbix(request: Request) -> dict[str, Any]:
        """Medic's Zabbix media type (deploy/zabbix/). The answer's tags are stored on the Zabbix event."""
        events, incidents, new, dups = await intake(request, "zabbix", zabbix_events)
        doc = answer(events, incidents, new, dups)
        if incidents:
            doc["tags"] = {
                "medic_incident": str(incidents[0]),
                "medic_url": f"{config.public_url.rstrip('/')}{API}/incidents/{incidents[0]}",
            }
        return doc

    @app.post(f"{API}/alerts/text", status_code=202, tags=["alerts"])
    async def alerts_text(request: Request) -> dict[str, Any]:
        """Alert text from mail or chat: 'Problem: ...', 'Resolved: ...', 'Resolved in 5m: ...'."""
        return answer(*await intake(request, "text", text_events, text=True))

    @app.get(f"{API}/incidents", tags=["incidents"])
    async def list_incidents(
        request: Request,
        status: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=2**31),
    ) -> dict[str, Any]:
        require(request, "read")
        if status not in (None, *STATUSES):
            raise ApiError(400, f"status must be one of {', '.join(STATUSES)}")
        rows = await run_in_threadpool(state.incidents, status, limit, offset)
        return {"incidents": rows, "counts": await run_in_threadpool(state.counts)}

    @app.get(f"{API}/incidents/{{incident_id}}", tags=["incidents"])
    async def get_incident(request: Request, incident_id: int = row_id()) -> dict[str, Any]:
        require(request, "read")
        row = await run_in_threadpool(state.incident, incident_id)
        if row is None:
            raise ApiError(404, f"no incident {incident_id}")
        return row

    @app.post(f"{API}/incidents/{{incident_id}}/verdict", tags=["incidents"])
    async def set_verdict(request: Request, incident_id: int = row_id()) -> dict[str, Any]:
        """An operator's word on the incident's top match: right, wrong, or none (no entry explains it)."""
        require(request, "write")
        doc = json_body(await read_body(request, 64 * 1024))
        if not isinstance(doc, dict) or not isinstance(doc.get("verdict"), str):
            raise ApiError(400, 'body must be {"verdict": "right" | "wrong" | "none", "entry": "<entry id>"}')
        entry = doc.get("entry")
        if entry is not None and not isinstance(entry, str):
            raise ApiError(400, "entry must be an entry id")
        try:
            found = await run_in_threadpool(state.set_verdict, incident_id, doc["verdict"], entry)
        except StateError as exc:
            raise ApiError(400, str(exc)) from None
        if not found:
            raise ApiError(404, f"no incident {incident_id}")
        return {"incident": incident_id, "verdict": doc["verdict"], "entry": entry}

    @app.post(f"{API}/triage", tags=["knowledge"])
    async def triage(request: Request, top: int = Query(5, ge=1, le=50)) -> dict[str, Any]:
        """Triage a paste (text/plain body, or JSON ``{"text": ...}``): the document ``medic triage --json``
        prints."""
        require(request, "write")
        text = await text_of(request)
        ensure_ready()
        return await run_in_threadpool(knowledge.triage, text, top)

    def diagnose_bundle(path: Path) -> tuple[int, dict[str, Any]]:
        """Diagnose an uploaded bundle (the API's body, the web UI's file), keep the report, count its findings."""
        try:
            report = knowledge.diagnose(path)
        except MedicError as exc:  # the bundle's path means nothing to the sender
            raise MedicError(str(exc).replace(str(path), "the uploaded bundle")) from None
        report_id = state.add_diagnosis(report)
        for f in report.get("findings", []):
            metrics.findings.labels(code=f["code"], severity=f["severity"]).inc()
        return report_id, report

    @app.post(f"{API}/diagnose", status_code=201, tags=["diagnose"])
    async def diagnose(request: Request) -> dict[str, Any]:
        """Diagnose a bundle written by ``medic collect`` (the request body, as the file); the report is the
        one ``medic diagnose --bundle B -o json`` prints, kept under ``/diagnoses``."""
        require(request, "write")
        ensure_ready()
        with tempfile.TemporaryDirectory(prefix="medic-upload-") as tmp:
            path = Path(tmp) / "bundle.tar.gz"
            await save_body(request, path, config.max_bundle)
            try:
                report_id, report = await run_in_threadpool(diagnose_bundle, path)
            except MedicError as exc:
                raise ApiError(400, str(exc)) from None
        return {"id": report_id, **report}

    @app.get(f"{API}/diagnoses", tags=["diagnose"])
    async def list_diagnoses(request: Request, limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        require(request, "read")
        return {"diagnoses": await run_in_threadpool(state.diagnoses, limit)}

    @app.get(f"{API}/diagnoses/{{diagnosis_id}}", tags=["diagnose"])
    async def get_diagnosis(request: Request, diagnosis_id: int = row_id()) -> dict[str, Any]:
        require(request, "read")
        report = await run_in_threadpool(state.diagnosis, diagnosis_id)
        if report is None:
            raise ApiError(404, f"no diagnosis {diagnosis_id}")
        return {"id": diagnosis_id, **report}

    @app.get(f"{API}/search", tags=["knowledge"])
    async def search(
        request: Request, q: str = Query(max_length=2000), limit: int = Query(10, ge=1, le=100), lang: str | None = None
    ) -> dict[str, Any]:
        require(request, "read")
        if lang not in (None, "en", "ja", "zh", "ko"):
            raise ApiError(400, "lang must be en, ja, zh or ko")
        if not q.strip():
            raise ApiError(400, "q is empty")
        ensure_ready()
        try:
            results = await run_in_threadpool(knowledge.search, q, limit, lang)
        except MedicError as exc:
            raise ApiError(400, str(exc)) from None
        return {"results": results}

    @app.get(f"{API}/entries/{{entry_id}}", tags=["knowledge"])
    async def get_entry(request: Request, entry_id: str) -> dict[str, Any]:
        require(request, "read")
        ensure_ready()
        entry = await run_in_threadpool(knowledge.entry, entry_id)
        if entry is None:
            raise ApiError(404, f"no entry {entry_id!r}")
        return entry

    @app.get(f"{API}/entries/{{entry_id}}/plan", tags=["act"])
    async def get_plan(
        request: Request, entry_id: str, set_: list[str] = Query([], alias="set", max_length=50)
    ) -> dict[str, Any]:
        """The entry as a plan (``medic plan ENTRY --json``): steps, parameters, rollback; ``set=NAME=VALUE``
        binds a parameter, as ``--set`` does. Nothing is run: runs happen at a terminal, with confirmation."""
        require(request, "read")
        ensure_ready()
        try:
            plan = await run_in_threadpool(knowledge.plan, entry_id, parse_assignments(set_))
        except MedicError as exc:
            raise ApiError(400, str(exc)) from None
        if plan is None:
            raise ApiError(404, f"no entry {entry_id!r}")
        return plan

    @app.post(f"{API}/parse", tags=["knowledge"])
    async def parse(request: Request) -> dict[str, Any]:
        """The command outputs recognised in a paste (text/plain body, or JSON ``{"text": ...}``) with the facts
        read from them: the document ``medic parse --json`` prints."""
        require(request, "write")
        text = await text_of(request)
        return await run_in_threadpool(knowledge.parse, text)

    @app.get(f"{API}/audit", tags=["act"])
    async def audit_runs(request: Request, limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
        """The runs recorded in the audit log beside the knowledge base, newest first (``medic audit --json``)."""
        require(request, "read")
        try:
            return await run_in_threadpool(knowledge.audit, None, limit)
        except MedicError as exc:
            raise ApiError(500, str(exc)) from None

    @app.get(f"{API}/audit/{{run_id}}", tags=["act"])
    async def audit_run(request: Request, run_id: str = Path_(max_length=64)) -> dict[str, Any]:
        """One run with its events (``medic audit RUN --json``); a unique prefix of the id is enough."""
        require(request, "read")
        try:
            return await run_in_threadpool(knowledge.audit, run_id)
        except InputError as exc:
            raise ApiError(404, str(exc)) from None
        except MedicError as exc:
            raise ApiError(500, str(exc)) from None

    register_ui(app, state, knowledge, config.tokens, config.open_reads, diagnose_bundle, config.max_bundle)

    def ensure_ready() -> None:
        if not knowledge.ready.is_set():
            raise ApiError(503, knowledge.error or "the knowledge base is loading", {"Retry-After": "2"})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        if knowledge.ready.is_set():
            return JSONResponse({"ready": True})
        return JSONResponse({"ready": False, "error": knowledge.error or "loading"}, status_code=503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        metrics.inbox_depth.set(await run_in_threadpool(state.depth))
        return PlainTextResponse(generate_latest(metrics.exposed()), media_type=CONTENT_TYPE_LATEST)

    return app
