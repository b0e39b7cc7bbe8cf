"""Rules core: facts to cards for every golden patient, in-process (no HTTP, no parsing, no facts)."""

from __future__ import annotations

import gc
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from cds_service.cards.model import CdsResponse, dump_json
from cds_service.cards.render import render_cards
from cds_service.facts.build import build_facts
from cds_service.fhir.resolve import resolve
from cds_service.knowledge.loader import load_knowledge
from cds_service.rules.engine import RuleConfig, evaluate
from cds_service.runtime import tune_gc

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "patients"


async def rules_core(iterations: int) -> dict[str, Any]:
    """Median microseconds per evaluation (rules + cards + response JSON) for each golden patient.

    Patients are timed round-robin (one evaluation of each, ``iterations`` times over), so a burst
    of noise from a neighbour on a shared machine spreads over all patients instead of spoiling
    one patient's series. The collector is tuned as in a serving worker (:func:`tune_gc`).
    """
    knowledge = load_knowledge()
    config = RuleConfig()
    cases: dict[str, Any] = {}
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
            cases[path.stem] = (facts, fixture.get("hook", "patient-view"), fixture.get("language", "nl"),
                                context["patientId"])

    def evaluate_once(case: tuple) -> None:
        facts, hook, language, patient_id = case
        cards = render_cards(evaluate(facts, knowledge, config, hook), knowledge, language=language,
                             patient_id=patient_id)
        dump_json(CdsResponse(cards=tuple(cards)))

    timings: dict[str, list[float]] = {name: [] for name in cases}
    threshold = gc.get_threshold()
    tune_gc()
    try:
        for case in cases.values():  # first use (templates, catalogues) is start-up work
            evaluate_once(case)
        for _ in range(iterations):
            for name, case in cases.items():
                t0 = time.perf_counter()
                evaluate_once(case)
                timings[name].append((time.perf_counter() - t0) * 1e6)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    per_patient = {name: round(statistics.median(values), 1) for name, values in timings.items()}
    values = list(per_patient.values())
    return {
        "patients": len(per_patient),
        "iterations": iterations,
        "per_patient_us": per_patient,
        "median_us": round(statistics.median(values), 1) if values else None,
        "max_us": max(values) if values else None,
        "slowest": sorted(per_patient, key=per_patient.__getitem__, reverse=True)[:3],
    }
