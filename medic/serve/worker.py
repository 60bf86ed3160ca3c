"""Inbox → triaged incidents. A worker thread claims stored alerts, triages each alert kind once and stores
the answer with the incident.

An alert storm is mostly one alert on many instances: the evidence triage reads (alert name and the
annotations, with numbers and ids masked) is the cache key, so 1,000 instances of one alert cost one triage.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from typing import Any

from medic.errors import MedicError
from medic.serve.knowledge import Knowledge
from medic.serve.metrics import Metrics
from medic.serve.state import Claimed, State, db_errors

log = logging.getLogger("medic.serve")

CACHE_SIZE = 4096  # alert kinds remembered: far more than the distinct alerts a team defines
_VOLATILE = re.compile(r"[0-9a-f]{8,}|[0-9]+(?:\.[0-9]+)*", re.IGNORECASE)


def kind_key(evidence: str) -> str:
    """The alert kind of an evidence text: numbers, addresses and hex ids masked."""
    return _VOLATILE.sub("#", evidence)


class Worker:
    def __init__(self, state: State, knowledge: Knowledge, metrics: Metrics, release_claims: bool = True) -> None:
        self.state = state
        self.release_claims = release_claims
        self.knowledge = knowledge
        self.metrics = metrics
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._thread = threading.Thread(target=self._run, name="medic-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        failures: tuple[type[BaseException], ...] = (MedicError, OSError, *db_errors())
        try:
            released = self.state.release_claims_of_the_dead() if self.release_claims else 0
            if released:
                log.warning("%d alert(s) claimed by a process that stopped are taken again", released)
            self.knowledge.load()
        except failures as exc:
            self.knowledge.error = str(exc)
            log.error("knowledge base not loaded: %s", exc)
            return
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:  # a bug here must not stop intake: it is logged and the rows are retried later
                log.exception("worker pass failed")
                done = 0
            if not done:
                self.wake.wait(1.0)
                self.wake.clear()

    def run_once(self, limit: int = 32) -> int:
        claimed = self.state.claim(limit)
        for c in claimed:
            self._process(c)
        self.metrics.inbox_depth.set(self.state.depth())
        return len(claimed)

    def _process(self, c: Claimed) -> None:
        started = time.perf_counter()
        try:
            doc = None if c.triaged else self._triage(c.event.evidence())
            self.state.finish(c, doc)
        except (MedicError, OSError, ValueError) as exc:
            log.warning("alert %s: %s", c.inbox_id, exc)
            self.state.finish(c, None, error=str(exc))
            return
        self.metrics.processed.labels(source=c.event.source).inc()
        self.metrics.process_seconds.observe(time.perf_counter() - started)

    def _triage(self, evidence: str) -> dict[str, Any]:
        key = kind_key(evidence)
        doc = self._cache.get(key)
        if doc is not None:
            self._cache.move_to_end(key)
            self.metrics.triage_cached.inc()
            return doc
        started = time.perf_counter()
        doc = self.knowledge.triage(evidence)
        self.metrics.triage_seconds.observe(time.perf_counter() - started)
        self._cache[key] = doc
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return doc
