"""The service's Prometheus metrics, in a registry of its own (one per app: tests start several).

Under ``medic serve --workers N`` (``$PROMETHEUS_MULTIPROC_DIR`` set) every process writes its values to that
folder and /metrics adds them up over the processes, whichever process answers."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter(
            "medic_alerts_received", "Alert events received, by sender", ["source"], registry=self.registry
        )
        self.deduplicated = Counter(
            "medic_alerts_deduplicated",
            "Alert events already stored (HA duplicates, retries)",
            ["source"],
            registry=self.registry,
        )
        self.processed = Counter(
            "medic_alerts_processed", "Alert events processed by the worker", ["source"], registry=self.registry
        )
        self.refused = Counter(
            "medic_requests_refused", "Requests refused, by reason", ["reason"], registry=self.registry
        )
        self.findings = Counter(
            "medic_findings",
            "Findings of the diagnoses received (uploaded bundles), by check code and severity",
            ["code", "severity"],
            registry=self.registry,
        )
        # every process reads the same count from the database: the latest reading is the depth
        self.inbox_depth = Gauge(
            "medic_inbox_depth",
            "Stored alert events not processed yet",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.triage_seconds = Histogram(
            "medic_triage_seconds",
            "Time to triage one alert kind",
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.triage_cached = Counter(
            "medic_triage_cached", "Alerts answered from the per-kind triage cache", registry=self.registry
        )
        self.process_seconds = Histogram(
            "medic_process_seconds", "Time to process one stored alert event", registry=self.registry
        )
        self.accept_seconds = Histogram(
            "medic_accept_seconds",
            "Time from request to stored, per intake request",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0),
        )

    def exposed(self) -> CollectorRegistry:
        """The registry /metrics shows: this process's, or the sum over the workers in multiprocess mode."""
        if not multiprocess():
            return self.registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
