"""Rules core: facts to cards for every golden patient, in-process (no HTTP, no parsing)."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from cds_service.cards.model import CdsResponse, dump_response
from cds_service.cards.render import render_cards
from cds_service.facts.build import build_facts
from cds_service.fhir.resolve import resolve
from cds_service.knowledge.loader import load_knowledge
from cds_service.rules.engine import RuleConfig, evaluate

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "patients"


async def rules_core(iterations: int) -> dict[str, Any]:
    """Median microseconds per evaluation (rules + cards) for each golden patient."""
    knowledge = load_knowledge()
    config = RuleConfig()
    per_patient: dict[str, float] = {}
    async with httpx.AsyncClient() as unused_client:  # every key is in the prefetch: no request is made
        for path in sorted(GOLDEN.glob("*.json")):
            fixture = orjson.loads(path.read_bytes())
            request = fixture["request"]
            context = request["context"]
            now = datetime.fromisoformat(fixture["clock"].replace("Z", "+00:00"))
            prefetch = request.get("prefetch") or {}
            templates = {key: key for key in prefetch}
            data = await resolve(templates, context, prefetch, None, None, unused_client, time.monotonic() + 5)
            facts = build_facts(data, knowledge, now, draft_orders=context.get("draftOrders"),
                                selections=context.get("selections"))
            hook = fixture.get("hook", "patient-view")
            timings = []
            for _ in range(iterations):
                t0 = time.perf_counter()
                cards = render_cards(evaluate(facts, knowledge, config, hook), knowledge,
                                     language=fixture.get("language", "nl"), patient_id=context["patientId"])
                dump_response(CdsResponse(cards=tuple(cards)))
                timings.append((time.perf_counter() - t0) * 1e6)
            per_patient[path.stem] = round(statistics.median(timings), 1)
    values = list(per_patient.values())
    return {
        "patients": len(per_patient),
        "iterations": iterations,
        "per_patient_us": per_patient,
        "median_us": round(statistics.median(values), 1) if values else None,
        "max_us": max(values) if values else None,
    }
