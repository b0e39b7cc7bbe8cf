"""The service's metrics. Every label value comes from a fixed set; see :func:`bounded`."""

from __future__ import annotations

import os
import re
from typing import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, REGISTRY
from prometheus_client import multiprocess

from cds_service.metrics.multiproc import ENV

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
FHIR_RESOURCES = frozenset(
    {
        "Patient", "Condition", "Procedure", "MedicationRequest", "MedicationStatement",
        "MedicationDispense", "Medication", "Observation", "ServiceRequest",
    }
)
INDICATORS = frozenset({"info", "warning", "critical"})
FEEDBACK_OUTCOMES = frozenset({"accepted", "overridden"})
_REASON = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")

CALLS = Histogram(
    "cds_call_duration_seconds", "Service call latency by service and outcome",
    ["service", "outcome"], buckets=LATENCY_BUCKETS,
)
FHIR_FETCHES = Histogram(
    "cds_fhir_fetch_duration_seconds", "FHIR server request latency by resource type and outcome",
    ["resource", "outcome"], buckets=LATENCY_BUCKETS,
)
CARDS = Counter("cds_cards", "Cards returned, by service, recommendation code and indicator",
                ["service", "recommendation", "indicator"])
FEEDBACK = Counter("cds_feedback", "Feedback items stored, by service, outcome and override reason",
                   ["service", "outcome", "override_reason"])
AUTH_REJECTIONS = Counter("cds_auth_rejections", "Requests refused by authentication, by reason", ["reason"])


def bounded(value: str | None, allowed: Iterable[str] | None = None, *, none: str = "none") -> str:
    """``value`` if it is in ``allowed`` (or, without ``allowed``, a short lower-case word); else ``other``."""
    if value is None or value == "":
        return none
    if allowed is not None:
        return value if value in allowed else "other"
    return value if _REASON.match(value) else "other"


def record_call(service: str, outcome: str, seconds: float) -> None:
    CALLS.labels(service, bounded(outcome)).observe(seconds)


def record_cards(service: str, cards: Iterable[tuple[str | None, str]], codes: Iterable[str]) -> None:
    """``cards``: (recommendation code, indicator) per card; ``codes``: the knowledge's recommendation codes."""
    known = frozenset(codes)
    for code, indicator in cards:
        CARDS.labels(service, bounded(code, known), bounded(indicator, INDICATORS)).inc()


def record_feedback(service: str, outcome: str, reason: str | None, reasons: Iterable[str]) -> None:
    FEEDBACK.labels(service, bounded(outcome, FEEDBACK_OUTCOMES), bounded(reason, frozenset(reasons))).inc()


def record_auth_rejection(reason: str) -> None:
    # the reason's first words only ("missing claim exp" -> "missing claim"): no value a client sent
    words = reason.split()
    if reason.startswith("missing claim") or reason.endswith("is not a number"):
        reason = " ".join(words[:2]) if reason.startswith("missing") else "claim not a number"
    AUTH_REJECTIONS.labels(bounded(reason)).inc()


def record_fhir_fetch(resource: str | None, outcome: str, seconds: float) -> None:
    FHIR_FETCHES.labels(bounded(resource, FHIR_RESOURCES), bounded(outcome)).observe(seconds)


def collecting_registry() -> CollectorRegistry:
    """The registry to expose: every worker's files in multi-process mode, else this process's."""
    if os.environ.get(ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def worker_exit(pid: int) -> None:
    if os.environ.get(ENV):
        multiprocess.mark_process_dead(pid)
