"""One hook call, in process: resolve data -> facts -> rules -> cards -> response JSON.

The HTTP layer (``cds_service.api.services``) and the benchmark both call :meth:`Pipeline.call`.
Errors are domain exceptions, mapped to HTTP answers by the API:

* :class:`~cds_service.auth.base.ForbiddenFhirServer`: the request names a FHIR server its issuer
  may not send us to (403); nothing is sent to it.
* :class:`~cds_service.fhir.resolve.PatientUnavailable`: no Patient from prefetch or server (412).
* :class:`StageError`: a bug in data resolution, facts, rules or cards (500). Input problems are rejected before the
  pipeline runs (400), and data problems are the layers' job to absorb (unknown data withholds
  advice, guideline decision 9), so an exception here is an internal error, reported as one rather
  than hidden behind an empty card list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any, Callable, Collection

import httpx

from cds_service.auth.base import AuthContext
from cds_service.cards.language import DEFAULT_LANGUAGE
from cds_service.cards.model import Card, CdsResponse, dump_json
from cds_service.cards.render import CardParts, build_card_parts, render_cards
from cds_service.facts.build import Prepared, build_facts, prepare
from cds_service.fhir.data import ResolvedData
from cds_service.fhir.model import AnyResource, Patient
from cds_service.fhir.resolve import PatientUnavailable, resolve
from cds_service.hooks import ORDER_HOOKS, ORDER_SELECT, Catalogue, HookCall, ServiceDefinition
from cds_service.knowledge.model import Knowledge
from cds_service.rules.engine import RuleConfig, evaluate
from cds_service.rules.model import Severity
from cds_service.rules.scope import ORDER_HOOKS

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# From this many resources (prefetch, fetched and draft orders) a call's facts, rules and cards run
# in a worker thread instead of on the event loop, so health checks and other calls on this worker
# are answered meanwhile (the thread yields the GIL every few ms). Measured: 0.03-0.3 ms of CPU per
# resource (bench: 2,000 filler resources 52 ms; bench.scaling: supplement orders ~0.3 ms each), so
# 250 resources hold the loop for 7-75 ms; below that the thread hop (~0.1 ms) would cost the small
# calls, which are most calls, more than it protects.
OFFLOAD_RESOURCES = 250


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class StageError(Exception):
    """An internal error in one pipeline stage (``stage``: facts, rules or cards)."""

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f"{stage} failed: {type(error).__name__}")
        self.stage = stage
        self.error = error


@dataclass(frozen=True)
class HookResult:
    body: bytes  # the JSON response
    cards: tuple[Card, ...]
    data: ResolvedData
    timings: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds


@dataclass
class Pipeline:
    knowledge: Knowledge
    catalogue: Catalogue
    client: httpx.AsyncClient
    rule_config: RuleConfig = field(default_factory=RuleConfig)
    fetch_deadline_seconds: float = 2.0
    fetch_concurrency: int = 6  # parallel fetches per call to its FHIR server
    clock: Clock = utc_now
    extra_codings: dict[str, tuple] = field(default_factory=dict)  # site orderable codings per nutrient
    parts: CardParts = field(init=False)  # what every card of a language shares, built once
    prepared: Prepared = field(init=False)  # what the facts derive from the knowledge, built once

    def __post_init__(self) -> None:
        self.parts = build_card_parts(self.knowledge)
        self.prepared = prepare(self.knowledge)

    async def call(
        self,
        service: ServiceDefinition,
        request: HookCall,
        *,
        auth: AuthContext = AuthContext(),
        language: str = DEFAULT_LANGUAGE,
        guideline_page: str | None = None,
        suppressed: Collection[str] = (),
    ) -> HookResult:
        """Answer one validated hook request for ``service``; ``guideline_page``: the absolute URL of
        the service's guideline page, linked from every card; ``suppressed``: recommendation codes
        the patient's feedback suppresses (info cards only: warnings and critical alerts always show)."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        fhir_server = request.fhirServer
        if fhir_server is not None:
            auth.check_fhir_server(fhir_server)  # ForbiddenFhirServer: refuse before any request
        context = request.context
        now = self.clock()  # one instant per call: template dates (today() - N days) and the rules
        try:
            data = await resolve(
                dict(service.prefetch),
                context,
                request.prefetch,
                fhir_server,
                request.access_token if fhir_server else None,
                self.client,
                time.monotonic() + self.fetch_deadline_seconds,
                today=now.date(),
                concurrency=self.fetch_concurrency,
            )
        except PatientUnavailable:
            raise
        except Exception as exc:
            raise StageError("resolve", exc) from exc
        timings["resolve"] = _ms(started)
        draft_orders = context.get("draftOrders") if service.hook in ORDER_HOOKS else None
        evaluate_call = partial(
            self._evaluate, service, request, data, now, language, draft_orders, guideline_page, timings, suppressed
        )
        if _size(data, draft_orders) >= OFFLOAD_RESOURCES:
            cards, body = await asyncio.to_thread(evaluate_call)  # health checks stay answered meanwhile
        else:
            cards, body = evaluate_call()
        timings["total"] = _ms(started)
        return HookResult(body=body, cards=cards, data=data, timings=timings)

    def _evaluate(
        self,
        service: ServiceDefinition,
        request: HookCall,
        data: ResolvedData,
        now: datetime,
        language: str,
        draft_orders: Any,
        guideline_page: str | None,
        timings: dict[str, float],
        suppressed: Collection[str] = (),
    ) -> tuple[tuple[Card, ...], bytes]:
        """Facts, rules and cards: the CPU-bound part of a call (no I/O)."""
        mark = time.perf_counter()
        try:
            facts = build_facts(
                data,
                self.knowledge,
                now,
                draft_orders=draft_orders,
                selections=request.context.get("selections") if service.hook == ORDER_SELECT else None,
                prepared=self.prepared,
            )
        except Exception as exc:
            raise StageError("facts", exc) from exc
        timings["facts"] = _ms(mark)
        mark = time.perf_counter()
        try:
            recommendations = evaluate(facts, self.knowledge, self.rule_config, service.hook)
            hidden: list[str] = []
            if suppressed:
                hidden = list(dict.fromkeys(r.code for r in recommendations if r.code in suppressed and r.severity is Severity.INFO))
                recommendations = [r for r in recommendations if r.code not in hidden or r.severity is not Severity.INFO]
        except Exception as exc:
            raise StageError("rules", exc) from exc
        timings["rules"] = _ms(mark)
        mark = time.perf_counter()
        try:
            cards = tuple(
                render_cards(
                    recommendations, self.knowledge, language=language, patient_id=request.patient_id,
                    extra_codings=self.extra_codings, guideline_page=guideline_page,
                    parts=self.parts, suppressed=hidden,
                )
            )
            body = dump_json(CdsResponse(cards=cards))
        except Exception as exc:
            raise StageError("cards", exc) from exc
        timings["cards"] = _ms(mark)
        return cards, body

    async def warm_up(self) -> None:
        """Run every service once on a synthetic, data-free patient (imports, model first use)."""
        patient: Patient = {"resourceType": "Patient", "id": "warm-up", "gender": "female", "birthDate": "1950-01-01"}
        for service in self.catalogue.services.values():
            context: dict[str, Any] = {"patientId": "warm-up", "userId": "Practitioner/warm-up"}
            if service.hook in ORDER_HOOKS:
                context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": []}
                context["selections"] = []
            prefetch: dict[str, AnyResource | None] = {key: None for key in service.prefetch}
            prefetch["patient"] = patient
            try:
                await self.call(service, _WarmUpCall(context, prefetch))
            except Exception as exc:  # the first real call will report it properly
                error = exc.error if isinstance(exc, StageError) else exc
                log.warning("warm-up of %s failed: %s", service.id, type(error).__name__)


@dataclass(frozen=True)
class _WarmUpCall:
    context: dict[str, Any]
    prefetch: dict[str, AnyResource | None]
    fhirServer: str | None = None
    access_token: str | None = None

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])


def _size(data: ResolvedData, draft_orders: Any) -> int:
    """Resources a call's facts, rules and cards work through (prefetched or fetched, and drafts)."""
    entries = draft_orders.get("entry") if isinstance(draft_orders, dict) else None
    return sum(len(found) for found in data.resources.values()) + (len(entries) if isinstance(entries, list) else 0)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
