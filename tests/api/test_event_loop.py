"""A large call's CPU-bound work runs off the event loop: health checks on the same worker are
answered while it runs (issue 10: /healthz waited 4 s behind an 8,000-resource call).

Proved by order of events, not by time: the facts stage of a large call blocks until a health
check has been answered. On the event loop that could never happen (the loop is the blocked
thread), so the wait would run out and the test fail; off the loop the health check gets through.
"""

from __future__ import annotations

import asyncio
import threading

import orjson

from bench import data
from cds_service import pipeline
from cds_service.pipeline import OFFLOAD_RESOURCES
from tests.api.conftest import serve


async def test_health_checks_are_answered_while_a_large_call_computes(app, monkeypatch):
    in_facts = threading.Event()
    health_answered = threading.Event()
    real_build_facts = pipeline.build_facts

    def slow_facts(*args, **kwargs):
        in_facts.set()
        answered = health_answered.wait(timeout=10)
        assert answered, "no health check was answered while the facts were built"
        return real_build_facts(*args, **kwargs)

    monkeypatch.setattr(pipeline, "build_facts", slow_facts)
    body = orjson.dumps(data.scaling_request(OFFLOAD_RESOURCES + 50))
    async with serve(app) as client:
        call = asyncio.create_task(client.post("/cds-services/bone-health-patient-view", content=body,
                                               headers={"Content-Type": "application/json"}))
        while not in_facts.is_set():
            await asyncio.sleep(0.005)
        health = await client.get("/healthz")
        health_answered.set()
        response = await call
    assert health.status_code == 200
    assert response.status_code == 200


async def test_small_calls_stay_on_the_event_loop(app, monkeypatch):
    """Below the threshold the thread hop would cost more than it protects: the work runs inline."""
    threads = []
    real_build_facts = pipeline.build_facts

    def recording(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_build_facts(*args, **kwargs)

    monkeypatch.setattr(pipeline, "build_facts", recording)
    async with serve(app) as client:
        response = await client.post("/cds-services/bone-health-patient-view", json=data.scaling_request(20))
    assert response.status_code == 200
    assert threads == [threading.get_ident()]
