"""The development profile cannot be driven by a web page on the developer's machine (issue 10).

A page at https://evil.example could POST text/plain without a CORS preflight (now 415), reach the
service through a DNS name it rebinds to 127.0.0.1 (now 400: Host allowlist), and name any
fhirServer to receive the fhirAuthorization token (now 403 without a request, unless the server is
loopback or in CDS_DEV_FHIR_SERVERS). Headers are bounded (431) and every answer carries security
headers; HSTS only in production; discovery says how long it may be cached.
"""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.api.bodies import PATIENT, PATIENT_VIEW, body
from tests.api.conftest import PRODUCTION, serve
from tests.fhirserver import start_fhir_server

PV = "/cds-services/bone-health-patient-view"
JSON = {"Content-Type": "application/json"}
TOKEN = {"access_token": "bearer-for-the-ehr", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
         "subject": "cds"}


@pytest.fixture
def dev_app(app_factory, knowledge):
    def make(**overrides):
        overrides.setdefault("allowed_hosts", [])
        return app_factory(knowledge=knowledge, **overrides)

    return make


async def _post(app, host: str, path: str = PV, **kwargs) -> httpx.Response:
    async with serve(app) as client:
        return await client.post(path, headers={**JSON, "Host": host}, content=orjson.dumps(PATIENT_VIEW), **kwargs)


# --- Host allowlist ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "127.9.9.9", "[::1]:8000",
                                  "app.localhost:8000", "LOCALHOST"])
async def test_development_answers_loopback_host_names(dev_app, host):
    assert (await _post(dev_app(), host)).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "10.0.0.5", "", "localhost.evil.example"])
async def test_development_refuses_other_host_names(dev_app, host):
    """DNS rebinding: evil.example resolving to 127.0.0.1 is same-origin for the page; its Host is not."""
    response = await _post(dev_app(), host)
    assert response.status_code == 400
    assert "Host" in response.json()["issue"][0]["diagnostics"]


async def test_allowed_hosts_extend_the_list(dev_app):
    app = dev_app(allowed_hosts=["cds.dev.example", "10.0.0.5"])
    assert (await _post(app, "cds.dev.example:8000")).status_code == 200
    assert (await _post(app, "10.0.0.5")).status_code == 200
    assert (await _post(app, "other.example")).status_code == 400


async def test_production_checks_hosts_only_when_configured(app_factory, knowledge):
    """Production sits behind a proxy that decides; CDS_ALLOWED_HOSTS makes the service check too."""
    open_app = app_factory(knowledge=knowledge, allowed_hosts=[], **PRODUCTION)
    async with serve(open_app) as client:
        assert (await client.get("/healthz", headers={"Host": "cds.internal:8000"})).status_code == 200
    checked = app_factory(knowledge=knowledge, allowed_hosts=["cds.example.org"], **PRODUCTION)
    async with serve(checked) as client:
        assert (await client.get("/healthz", headers={"Host": "cds.example.org"})).status_code == 200
        assert (await client.get("/healthz", headers={"Host": "localhost:8000"})).status_code == 200
        assert (await client.get("/healthz", headers={"Host": "evil.example"})).status_code == 400


# --- fhirServer of unauthenticated loopback calls ---------------------------------------------


async def test_an_unauthenticated_call_may_not_send_the_token_to_another_host(dev_app):
    """The page named a listener elsewhere: 403, and not one request is sent to it."""
    received = []

    def record(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(404)

    app = dev_app()
    async with serve(app) as client:
        app.state.pipeline.client = httpx.AsyncClient(transport=httpx.MockTransport(record))
        request = body(PATIENT_VIEW, prefetch={"patient": PATIENT}, fhirServer="https://evil.example/fhir",
                       fhirAuthorization=TOKEN)
        response = await client.post(PV, json=request, headers={"Host": "localhost"})
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert received == []


async def test_an_unauthenticated_call_may_name_a_loopback_fhir_server(dev_app):
    with start_fhir_server() as fhir:
        fhir.resource(PATIENT)
        app = dev_app()
        async with serve(app) as client:
            request = body(PATIENT_VIEW, prefetch=..., fhirServer=fhir.base_url, fhirAuthorization=TOKEN)
            response = await client.post(PV, json=request, headers={"Host": "localhost"})
    assert response.status_code == 200
    assert fhir.requests, "the loopback FHIR server was asked"


async def test_dev_fhir_servers_allow_more(dev_app):
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path.endswith("/Patient/p1"):
            return httpx.Response(200, json=PATIENT)
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset", "entry": []})

    app = dev_app(dev_fhir_servers=["https://ehr.dev.example/fhir"])
    async with serve(app) as client:
        app.state.pipeline.client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        request = body(PATIENT_VIEW, prefetch=..., fhirServer="https://ehr.dev.example/fhir", fhirAuthorization=TOKEN)
        response = await client.post(PV, json=request, headers={"Host": "localhost"})
        other = await client.post(PV, json=body(request, fhirServer="https://ehr2.dev.example/fhir"),
                                  headers={"Host": "localhost"})
    assert response.status_code == 200 and seen
    assert other.status_code == 403


# --- header limits and security headers -------------------------------------------------------


async def test_oversized_headers_are_431(dev_app):
    app = dev_app(max_header_bytes=8192)
    async with serve(app) as client:
        response = await client.post(PV, content=orjson.dumps(PATIENT_VIEW),
                                     headers={**JSON, "Host": "localhost", "X-Padding": "a" * 9000})
        split = await client.get("/healthz", headers={"Host": "localhost", **{f"X-P{i}": "a" * 100 for i in range(90)}})
        fine = await client.get("/healthz", headers={"Host": "localhost", "X-Padding": "a" * 7000})
    assert response.status_code == 431 and split.status_code == 431
    assert response.json()["issue"][0]["code"] == "too-long"
    assert fine.status_code == 200


SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer",
            "content-security-policy": "default-src 'none'; frame-ancestors 'none'"}


@pytest.mark.parametrize("production", [False, True])
async def test_every_answer_carries_security_headers_and_hsts_only_in_production(app_factory, knowledge, production):
    overrides = dict(PRODUCTION) if production else {}
    app = app_factory(knowledge=knowledge, **overrides)
    async with serve(app) as client:
        answers = [
            await client.get("/healthz"),
            await client.get("/nowhere"),
            await client.post(PV, content=b"{}", headers=JSON),  # 400 or 401
            await client.options(PV, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}),
            await client.get("/cds-services", headers={"Host": "evil.example"} if not production else {}),
        ]
    for answer in answers:
        for name, value in SECURITY.items():
            assert answer.headers.get(name) == value, (answer.request.url.path, answer.status_code, name)
        assert ("strict-transport-security" in answer.headers) is production
        assert answer.headers.get("cache-control")


async def test_discovery_may_be_cached_privately_and_cards_never(client):
    discovery = await client.get("/cds-services")
    assert discovery.headers["cache-control"] == "private, max-age=300"
    call = await client.post(PV, json=PATIENT_VIEW)
    assert call.headers["cache-control"] == "no-store"
    health = await client.get("/healthz")
    assert health.headers["cache-control"] == "no-store"
