"""The web UI of ``medic serve``: incidents (live), paste to triage, search, entries, diagnoses.

Server-rendered Jinja2 templates (``templates/*.html``: autoescaped, nothing of a runbook, an alert or a paste
is ever marked safe), htmx and one small script served from the package: no CDN, no build step, works in a
closed network. Pages read through the same objects as the API (State, Knowledge), so they show what the
API answers.

A browser signs in with a token of the server (kept in an HttpOnly, SameSite=Strict cookie); a form post
must also come from this server's own pages (its Origin), so another site cannot post a verdict with it.
"""

from __future__ import annotations

import asyncio
import gzip
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from medic.errors import MedicError
from medic.model import Role
from medic.serve.state import STATUSES, State

COOKIE = "medic_token"
STATIC = Path(__file__).parent / "static"
MAX_PASTE = 1024 * 1024  # as the API's triage: a paste, not a log
STREAM_POLL_S = 1.0  # how often the live list looks for changes (any replica's, through the database)
ROLE_LABELS = {
    str(Role.SYMPTOM): "Symptoms",
    str(Role.TEST): "Is it this issue?",
    str(Role.CAUSE): "Cause",
    str(Role.FIX): "Fix",
    str(Role.ROLLBACK): "Rollback",
    str(Role.NOTE): "Notes",
}
SOURCES = ("alertmanager", "grafana", "zabbix", "text")
MAX_ROW_ID = 2**63 - 1  # a database row id: anything past it is a 422, never an overflow


def row_id() -> Any:
    """A row-id path parameter; one object per parameter (FastAPI binds it to the parameter's name)."""
    return PathParam(ge=1, le=MAX_ROW_ID)


templates = Environment(
    loader=PackageLoader("medic.serve", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(ts: float | None) -> str:
    if not ts:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def split_links(links: dict[str, str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """http(s) links become links; anything else (javascript:, data:) is shown as text."""
    safe: list[tuple[str, str]] = []
    unsafe: list[tuple[str, str]] = []
    for name, url in links.items():
        (safe if urlsplit(url).scheme in ("http", "https") else unsafe).append((name, url))
    return safe, unsafe


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Search snippets mark hits with **…**: split them so the template marks them, escaping every part."""
    return [(part, i % 2 == 1) for i, part in enumerate(snippet.split("**")) if part]


# the labels that say where an alert fires: the incidents list filters on them ("namespace or host")
PLACE_LABELS = ("namespace", "node", "instance", "host", "hostname", "pod", "cluster", "exported_namespace")
MAX_WHERE = 200


def is_at(incident: dict[str, Any], where: str) -> bool:
    """Whether one of the incident's place labels holds ``where`` (case-insensitive)."""
    labels = incident.get("labels") or {}
    needle = where.lower()
    return any(needle in str(labels.get(k, "")).lower() for k in PLACE_LABELS)


def finding_rows(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {"error": 0, "warning": 1, "info": 2}
    rows = []
    for f in findings:
        obj = f.get("object") or {}
        parts = [obj.get("kind", ""), obj.get("namespace", ""), obj.get("name", "")]
        rows.append({**f, "object_text": "/".join(p for p in parts if p)})
    return sorted(rows, key=lambda f: (order.get(str(f.get("severity")), 3), str(f.get("code"))))


def match_rows(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not doc:
        return []
    return [{**m, "builtin": str(m.get("source", "")).startswith("builtin:")} for m in doc.get("matches", [])]


def register_ui(
    app: FastAPI,
    state: State,
    knowledge: Any,
    tokens: Any,
    open_reads: bool,
    diagnose_bundle: Callable[[Path], tuple[int, dict[str, Any]]],
    max_bundle: int,
) -> None:
    """Add the /ui pages to the app (``diagnose_bundle``: the API's own handling of an uploaded bundle)."""
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")

    def token_of(request: Request) -> str | None:
        return request.cookies.get(COOKIE)

    def allowed(request: Request, scope: str) -> bool:
        if scope == "read" and open_reads:
            return True
        return bool(tokens.allows(token_of(request), scope))

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin") or request.headers.get("referer") or ""
        return bool(origin) and urlsplit(origin).netloc == request.headers.get("host", "")

    def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("signed_in", token_of(request) is not None)
        return HTMLResponse(templates.get_template(name).render(**context), status_code=code)

    def error_page(request: Request, code: int, error: str) -> HTMLResponse:
        """What went wrong (no such row, a refused scope, bad input), shown on the sign-in page: another token
        may be allowed where this one is not."""
        return render(request, "login.html", code=code, error=error)

    def need(request: Request, scope: str) -> Response | None:
        if allowed(request, scope):
            return None
        if token_of(request):
            return error_page(request, 403, f"this token does not allow {scope}")
        return RedirectResponse(f"/ui/login?next={request.url.path}", status_code=303)

    def refused_post(request: Request) -> Response | None:
        """Why a form post is refused: it does not come from this server's own pages, or its token may not
        write; None when it may go on."""
        if not same_origin(request):
            return Response("cross-site form posts are refused", status_code=403)
        return need(request, "write")

    def loading() -> Response | None:
        """The answer while the knowledge base is still loading (None once it is ready)."""
        if knowledge.ready.is_set():
            return None
        return Response("the knowledge base is loading; try again in a moment", status_code=503)

    @app.get("/ui", include_in_schema=False)
    async def ui_home() -> Response:
        return RedirectResponse("/ui/incidents", status_code=303)

    @app.get("/ui/login", include_in_schema=False)
    async def login_page(request: Request) -> Response:
        return render(request, "login.html", error=None)

    @app.post("/ui/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        token = str(form.get("token") or "").strip()
        if not same_origin(request) or not any(tokens.allows(token, s) for s in ("read", "write", "admin")):
            return render(request, "login.html", code=401, error="not a token of this server")
        resp = RedirectResponse("/ui/incidents", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp

    @app.get("/ui/logout", include_in_schema=False)
    async def logout() -> Response:
        resp = RedirectResponse("/ui/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    async def incident_rows(status: str | None, source: str | None, where: str = "") -> list[dict[str, Any]]:
        rows = await run_in_threadpool(state.incidents, status or None, 500, 0)
        out = []
        for i in rows:
            if source and i["source"] != source:
                continue
            if where and not is_at(i, where):
                continue
            matches = match_rows(i["triage"])
            out.append({**i, "top": matches[0] if matches else None, "last_seen_text": when(i["last_seen"])})
        # firing first, then stale, then resolved; the most recent first within each
        rank = {"firing": 0, "stale": 1, "resolved": 2}
        return sorted(out, key=lambda i: (rank.get(i["status"], 3), -i["last_seen"]))

    def filters(status: str | None, source: str | None) -> tuple[str | None, str | None]:
        return (status if status in STATUSES else None, source if source in SOURCES else None)

    def place(where: str | None) -> str:
        return (where or "").strip()[:MAX_WHERE]

    @app.get("/ui/incidents", include_in_schema=False)
    async def incidents_page(
        request: Request, status: str | None = None, source: str | None = None, where: str | None = None
    ) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        status, source = filters(status, source)
        at = place(where)
        query = urlencode({k: v for k, v in (("status", status), ("source", source), ("where", at)) if v})
        return render(
            request,
            "incidents.html",
            incidents=await incident_rows(status, source, at),
            where=at,
            counts=await run_in_threadpool(state.counts),
            statuses=STATUSES,
            sources=SOURCES,
            status=status,
            source=source,
            query=query,
        )

    @app.get("/ui/incidents/table", include_in_schema=False)
    async def incidents_table(
        request: Request, status: str | None = None, source: str | None = None, where: str | None = None
    ) -> Response:
        if not allowed(request, "read"):
            return Response(status_code=403)
        status, source = filters(status, source)
        rows = await incident_rows(status, source, place(where))
        return render(request, "_incidents_table.html", incidents=rows, status=status)

    @app.get("/ui/stream", include_in_schema=False)
    async def stream(request: Request) -> Response:
        """Server-sent events: 'incidents' whenever an incident changes (polled from the database, so a change
        made by another replica is seen too)."""
        if not allowed(request, "read"):
            return Response(status_code=403)

        async def events() -> AsyncIterator[bytes]:
            last = await run_in_threadpool(state.change_mark)
            yield b"retry: 3000\n\n"
            while not await request.is_disconnected():
                await asyncio.sleep(STREAM_POLL_S)
                mark = await run_in_threadpool(state.change_mark)
                if mark != last:
                    last = mark
                    yield b"event: incidents\ndata: changed\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-cache"})

    @app.get("/ui/incidents/{incident_id}", include_in_schema=False)
    async def incident_page(request: Request, incident_id: int = row_id()) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        incident = await run_in_threadpool(state.incident, incident_id)
        if incident is None:
            return error_page(request, 404, f"no incident {incident_id}")
        incident["first_seen_text"] = when(incident["first_seen"])
        incident["last_seen_text"] = when(incident["last_seen"])
        links, unsafe = split_links(incident["links"])
        return render(
            request,
            "incident.html",
            incident=incident,
            matches=match_rows(incident["triage"]),
            incident_findings=finding_rows((incident["triage"] or {}).get("findings", [])),
            links=links,
            unsafe_links=unsafe,
        )

    @app.post("/ui/incidents/{incident_id}/verdict", include_in_schema=False)
    async def verdict(request: Request, incident_id: int = row_id()) -> Response:
        if (denied := refused_post(request)) is not None:
            return denied
        form = await request.form()
        value = str(form.get("verdict") or "")
        entry = str(form.get("entry") or "") or None
        if value not in ("right", "wrong", "none"):
            return Response("verdict must be right, wrong or none", status_code=400)
        await run_in_threadpool(state.set_verdict, incident_id, value, entry if value != "none" else None)
        return RedirectResponse(f"/ui/incidents/{incident_id}", status_code=303)

    @app.get("/ui/triage", include_in_schema=False)
    async def triage_page(request: Request) -> Response:
        return render(request, "triage.html", text="", result=None)

    @app.post("/ui/triage", include_in_schema=False)
    async def triage_post(request: Request) -> Response:
        if (denied := refused_post(request)) is not None:
            return denied
        form = await request.form(max_part_size=MAX_PASTE)
        text = str(form.get("text") or "")
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read(MAX_PASTE + 1)
            if data[:2] == b"\x1f\x8b":
                try:
                    data = gzip.decompress(data)[: MAX_PASTE + 1]
                except (OSError, EOFError):
                    return render(request, "triage.html", code=400, text=text, result=None)
            text = data[:MAX_PASTE].decode("utf-8", "replace")
        if not text.strip():
            return render(request, "triage.html", text=text, result=None)
        if (busy := loading()) is not None:
            return busy
        doc = await run_in_threadpool(knowledge.triage, text[:MAX_PASTE], 5)
        triage_id = await run_in_threadpool(state.add_triage, doc)
        return RedirectResponse(f"/ui/triage/{triage_id}", status_code=303)  # a permalink, and no re-post on reload

    @app.get("/ui/triage/{triage_id}", include_in_schema=False)
    async def triage_result_page(request: Request, triage_id: int = row_id()) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        kept = await run_in_threadpool(state.triage_result, triage_id)
        if kept is None:
            return error_page(request, 404, f"no triage result {triage_id} (the newest are kept)")
        doc = kept["doc"]
        outputs = ", ".join(f"{o['kind']} (lines {o['start_line']}-{o['end_line']})" for o in doc["outputs"][:6])
        return render(
            request,
            "triage.html",
            text="",
            result=doc,
            matches=match_rows(doc),
            result_findings=finding_rows(doc["findings"]),
            outputs=outputs,
            triage_id=triage_id,
            triaged_at=when(kept["created_at"]),
        )

    @app.get("/ui/search", include_in_schema=False)
    async def search_page(request: Request, q: str = Query("", max_length=2000), lang: str = "") -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        lang = lang if lang in ("en", "ja", "zh", "ko") else ""
        hits: list[dict[str, Any]] = []
        if q.strip():
            if (busy := loading()) is not None:
                return busy
            hits = await run_in_threadpool(knowledge.search, q, 20, lang or None)
            for h in hits:
                h["builtin"] = str(h.get("source", "")).startswith("builtin:")
                h["snippet_parts"] = snippet_parts(str(h.get("snippet", "")))
        return render(request, "search.html", q=q, lang=lang, hits=hits, page_lang=lang or "en")

    @app.get("/ui/entries/{entry_id}", include_in_schema=False)
    async def entry_page(request: Request, entry_id: str) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        entry = await run_in_threadpool(knowledge.entry, entry_id)
        if entry is None:
            return error_page(request, 404, f"no entry {entry_id}")
        return render(request, "entry.html", entry=entry, role_labels=ROLE_LABELS, page_lang=entry["lang"])

    @app.get("/ui/entries/{entry_id}/plan", include_in_schema=False)
    async def plan_page(request: Request, entry_id: str) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        values = {k[2:]: v for k, v in request.query_params.items() if k.startswith("v_") and v}
        try:
            plan = await run_in_threadpool(knowledge.plan, entry_id, values)
        except MedicError as exc:
            return error_page(request, 400, str(exc))
        if plan is None:
            return error_page(request, 404, f"no entry {entry_id}")
        entry = await run_in_threadpool(knowledge.entry, entry_id)
        return render(request, "plan.html", plan=plan, page_lang=(entry or {}).get("lang", "en"))

    @app.get("/ui/audit", include_in_schema=False)
    async def audit_page(request: Request) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        doc = await run_in_threadpool(knowledge.audit, None, 200)
        return render(request, "audit.html", runs=doc["runs"])

    @app.get("/ui/audit/{run_id}", include_in_schema=False)
    async def audit_run_page(request: Request, run_id: str) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        try:
            run = await run_in_threadpool(knowledge.audit, run_id[:64])
        except MedicError as exc:
            return error_page(request, 404, str(exc))
        return render(request, "audit_run.html", run=run)

    async def diagnoses_page_with(request: Request, error: str | None = None, code: int = 200) -> Response:
        rows = await run_in_threadpool(state.diagnoses, 100)
        for d in rows:
            d["received_text"] = when(d["received_at"])
        return render(request, "diagnoses.html", code=code, diagnoses=rows, error=error)

    @app.get("/ui/diagnoses", include_in_schema=False)
    async def diagnoses_page(request: Request) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        return await diagnoses_page_with(request)

    @app.post("/ui/diagnoses", include_in_schema=False)
    async def diagnose_upload(request: Request) -> Response:
        """A bundle written by `medic collect`, uploaded from the page: diagnosed and kept as the API does."""
        if (denied := refused_post(request)) is not None:
            return denied
        if (busy := loading()) is not None:
            return busy
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("bundle")
        if upload is None or isinstance(upload, str) or not upload.filename:
            return await diagnoses_page_with(request, "choose the bundle file that `medic collect` wrote", 400)
        with tempfile.TemporaryDirectory(prefix="medic-upload-") as tmp:
            path = Path(tmp) / "bundle.tar.gz"
            size = 0
            with path.open("wb") as fh:
                while chunk := await upload.read(1 << 20):
                    size += len(chunk)
                    if size > max_bundle:
                        return await diagnoses_page_with(request, f"bundle larger than {max_bundle} bytes", 413)
                    fh.write(chunk)
            try:
                report_id, _ = await run_in_threadpool(diagnose_bundle, path)
            except MedicError as exc:
                return await diagnoses_page_with(request, str(exc), 400)
        return RedirectResponse(f"/ui/diagnoses/{report_id}", status_code=303)

    @app.get("/ui/diagnoses/{diagnosis_id}", include_in_schema=False)
    async def diagnosis_page(
        request: Request,
        diagnosis_id: int = row_id(),
        severity: str = "",
        namespace: str = "",
    ) -> Response:
        if (denied := need(request, "read")) is not None:
            return denied
        report = await run_in_threadpool(state.diagnosis, diagnosis_id)
        if report is None:
            return error_page(request, 404, f"no diagnosis {diagnosis_id}")
        findings = report.get("findings", [])
        namespaces = sorted({str((f.get("object") or {}).get("namespace") or "") for f in findings} - {""})
        shown = [
            f
            for f in findings
            if (not severity or f.get("severity") == severity)
            and (not namespace or (f.get("object") or {}).get("namespace") == namespace)
        ]
        coverage = (report.get("coverage") or {}).get("checks", [])
        return render(
            request,
            "diagnosis.html",
            id=diagnosis_id,
            report=report,
            findings=finding_rows(shown),
            namespaces=namespaces,
            severity=severity,
            namespace=namespace,
            not_evaluated=[c for c in coverage if c.get("outcome") == "not evaluated"],
        )
