"""CORS: preflights without authentication, headers on success and on errors, origins per profile."""

from __future__ import annotations

import pytest

from cds_service.auth.base import Unauthorized
from tests.api.bodies import PATIENT_VIEW
from tests.api.conftest import PRODUCTION, serve

PV = "/cds-services/bone-health-patient-view"
SANDBOX = "https://sandbox.cds-hooks.org"


class DenyAll:
    def __init__(self) -> None:
        self.calls = 0

    async def authenticate(self, request):
        self.calls += 1
        raise Unauthorized("no token")

    async def aclose(self):
        return None


def preflight(origin: str, headers: str = "authorization,content-type") -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": "POST", "access-control-request-headers": headers}


@pytest.mark.parametrize("path", ["/cds-services", PV, PV + "/feedback", "/healthz"])
async def test_preflight_is_answered_without_authentication(app, path):
    async with serve(app) as client:
        deny = app.state.authenticator = DenyAll()
        response = await client.options(path, headers=preflight(SANDBOX))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert deny.calls == 0


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:8080", "https://localhost"])
async def test_development_allows_localhost_on_any_port(client, origin):
    response = await client.options(PV, headers=preflight(origin))
    assert response.headers.get("access-control-allow-origin") == origin


async def test_other_origins_are_refused(client):
    response = await client.options(PV, headers=preflight("https://evil.example.com"))
    assert "access-control-allow-origin" not in response.headers
    response = await client.get("/healthz", headers={"origin": "https://localhost.evil.com"})
    assert "access-control-allow-origin" not in response.headers


async def test_cors_headers_on_success_and_errors(app, client):
    headers = {"origin": SANDBOX}
    ok = await client.get("/cds-services", headers=headers)
    bad = await client.post(PV, content=b"{", headers={**headers, "content-type": "application/json"})
    missing = await client.post("/cds-services/nope", json=PATIENT_VIEW, headers=headers)
    app.state.authenticator = DenyAll()
    unauthorized = await client.get("/cds-services", headers=headers)
    for response, status in ((ok, 200), (bad, 400), (missing, 404), (unauthorized, 401)):
        assert response.status_code == status
        assert response.headers["access-control-allow-origin"] == SANDBOX


async def test_cors_headers_on_internal_errors(client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cds_service.api.services.negotiate_language", explode)
    response = await client.post(PV, json=PATIENT_VIEW, headers={"origin": SANDBOX})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == SANDBOX


async def test_production_allows_no_origin_by_default(app_factory, knowledge):
    async with serve(app_factory(knowledge=knowledge, **PRODUCTION)) as client:
        response = await client.get("/healthz", headers={"origin": SANDBOX})
    assert "access-control-allow-origin" not in response.headers


async def test_configured_origins_replace_the_defaults(app_factory, knowledge):
    app = app_factory(knowledge=knowledge, cors_origins=["https://ehr.example.org"])
    async with serve(app) as client:
        ok = await client.options(PV, headers=preflight("https://ehr.example.org"))
        local = await client.options(PV, headers=preflight("http://localhost:3000"))
    assert ok.headers["access-control-allow-origin"] == "https://ehr.example.org"
    assert "access-control-allow-origin" not in local.headers
