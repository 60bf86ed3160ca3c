"""The knowledge base as the service uses it: one store per thread, triage and search one at a time.

Triage is CPU-bound Python and its compiled signature set is shared; running two at once gains nothing
under the GIL and would share the matcher's scratch space, so a lock serialises them. Reads of entries
take no lock (each thread has its own SQLite connection).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from medic.errors import MedicError
from medic.knowledge.ingest import ensure_builtin, index_paths
from medic.knowledge.search import search
from medic.knowledge.store import Store
from medic.report.entry_doc import entry_document
from medic.report.triage_doc import triage_document


class Knowledge:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self.error: str | None = None

    def store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db_path)
            self._local.store = store
        return store

    def load(self) -> None:
        """Bring the knowledge base up to date and compile the signatures: /readyz says ready after this."""
        from medic.triage import signature_set

        with self._lock:
            store = self.store()
            again = store.pending_reindex()
            if again:
                index_paths(store, [p for p in again if Path(p).exists()])
            ensure_builtin(store)
            signature_set(store)
        self.ready.set()

    def triage(self, text: str, top: int = 5) -> dict[str, Any]:
        """The same document ``medic triage --json`` prints for this text."""
        from medic.pasted import triage_pasted

        with self._lock:
            pasted = triage_pasted(self.store(), io.BytesIO(text.encode("utf-8", "replace")), top=top)
            return triage_document(pasted)

    def search(self, query: str, limit: int = 10, lang: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [h.to_dict() for h in search(self.store(), query, lang=lang, limit=limit)]

    def diagnose(self, bundle: Path) -> dict[str, Any]:
        """The document ``medic diagnose --bundle B -o json`` prints."""
        import json

        from medic.diagnose import diagnose, require_applicable, require_something
        from medic.evidence.bundle import read_bundle
        from medic.report import render

        snap = read_bundle(bundle)
        require_something(snap, "the bundle")
        with self._lock:
            result = diagnose(snap, self.store())
        require_applicable(result)
        doc: dict[str, Any] = json.loads(render(result, "json"))
        return doc

    def parse(self, text: str) -> dict[str, Any]:
        """The document ``medic parse --json`` prints for this text."""
        from medic.report.parse_doc import parse_document

        return parse_document(text)

    def plan(self, entry_id: str, assignments: dict[str, str]) -> dict[str, Any] | None:
        """The document ``medic plan ENTRY --json`` prints (None: no such entry); parameters bound from
        ``assignments``, a name that is not a parameter of the plan refused with an InputError."""
        from medic.act.plan import build_plan

        store = self.store()
        try:
            entry = store.get(entry_id)
        except (MedicError, KeyError):
            return None
        plan = build_plan(store, entry)
        plan.bind_known(assignments)
        return plan.to_dict()

    def audit(self, run_id: str | None, limit: int = 50) -> dict[str, Any]:
        """The runs of the audit log beside the knowledge base (``medic audit --json``), or one run with its
        events (``medic audit RUN --json``)."""
        from medic.act.audit import AuditLog, audit_path, run_document

        log = AuditLog(audit_path(self.db_path), write=False)
        try:
            if run_id is not None:
                return run_document(log, run_id)
            return {"runs": [r.to_dict() for r in log.runs(limit)]}
        finally:
            log.close()

    def entry(self, entry_id: str) -> dict[str, Any] | None:
        store = self.store()
        try:
            entry = store.get(entry_id)
        except (MedicError, KeyError):
            return None
        return entry_document(store, entry)  # as `medic show --json`
