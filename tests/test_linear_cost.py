"""Linear cost, counted in operations (not time): every stage of a call does about twice the work for
twice the resources or draft orders (issue 10: 8,000 MedicationRequests made 9 M comparisons of
record pairs in the dose totals).

Operations are Python and C function calls (generator steps included) counted with
``sys.setprofile`` while one stage runs: deterministic, and blind to a noisy neighbour on the
machine. Linear work plus a constant start-up part doubles at most; a scan per record is close to 4x.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable

import httpx
import pytest

from bench import data
from cds_service.hooks import build_catalogue
from cds_service.api.models import HookRequest
from cds_service.cards.model import CdsResponse, dump_json
from cds_service.cards.render import render_cards
from cds_service.facts.build import build_facts
from cds_service.fhir.resolve import resolve
from cds_service.rules.engine import RuleConfig, evaluate

NOW = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
SIZES = (400, 800, 1600)
MAX_RATIO = 2.2


def _count(work: Callable[[], Any]) -> tuple[int, Any]:
    calls = 0

    def profile(frame, event, arg):  # noqa: ANN001 - sys.setprofile signature
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        result = work()
    finally:
        sys.setprofile(None)
    return calls, result


def _stages(knowledge, hook: str, size: int) -> dict[str, int]:
    body = data.scaling_request(size, hook)
    request = HookRequest.model_validate(body)
    service = next(s for s in build_catalogue(knowledge).services.values() if s.hook == hook)

    async def resolved():
        async with httpx.AsyncClient() as client:  # everything is prefetched: no request is made
            return await resolve(dict(service.prefetch), request.context, request.prefetch, None, None, client,
                                 time.monotonic() + 5, today=NOW.date())

    resolved_data = asyncio.run(resolved())
    counts = {}
    counts["facts"], facts = _count(lambda: build_facts(
        resolved_data, knowledge, NOW, draft_orders=request.context.get("draftOrders"), selections=None))
    counts["rules"], recommendations = _count(lambda: evaluate(facts, knowledge, RuleConfig(), hook))
    counts["cards"], _ = _count(lambda: dump_json(CdsResponse(cards=tuple(render_cards(
        recommendations, knowledge, language="nl", patient_id=request.patient_id)))))
    return counts


@pytest.mark.parametrize("hook", ["patient-view", "order-sign"])
def test_every_stage_costs_twice_the_operations_for_twice_the_resources(knowledge, hook):
    by_size = {size: _stages(knowledge, hook, size) for size in SIZES}
    ratios = {
        stage: [round(by_size[b][stage] / by_size[a][stage], 2) for a, b in zip(SIZES, SIZES[1:])]
        for stage in by_size[SIZES[0]]
    }
    assert all(ratio <= MAX_RATIO for values in ratios.values() for ratio in values), ratios
    assert by_size[SIZES[-1]]["facts"] > 100 * SIZES[-1]  # the stages really looked at every resource


@pytest.fixture(scope="module")
def knowledge():
    from cds_service.knowledge.loader import load_knowledge

    return load_knowledge()
