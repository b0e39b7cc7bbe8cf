"""/healthz and /readyz; start-up fails fast on invalid knowledge."""

from __future__ import annotations

import shutil

import pytest

from cds_service.auth.base import Unauthorized
from cds_service.knowledge.loader import DEFAULT_DIR, KnowledgeError
from tests.api.conftest import serve


class DenyAll:
    async def authenticate(self, request):
        raise Unauthorized("no token")

    async def aclose(self):
        return None


async def test_health_and_readiness(client, knowledge):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "knowledge": knowledge.version}


async def test_probes_need_no_authentication(app):
    async with serve(app) as client:
        app.state.authenticator = DenyAll()
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        denied = await client.get("/cds-services")
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == "Bearer"
    assert denied.json()["issue"][0]["code"] == "login"


async def test_not_ready_when_the_database_is_unreachable(app, client, monkeypatch):
    async def broken(job, timeout=None):
        raise OSError("unreachable")

    monkeypatch.setattr(app.state.writer, "run", broken)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["issue"][0]["code"] == "transient"
    assert (await client.get("/healthz")).status_code == 200


async def test_not_ready_before_start_up(app, client):
    app.state.knowledge = None
    assert (await client.get("/readyz")).status_code == 503


async def test_invalid_knowledge_stops_start_up(app_factory, tmp_path):
    broken = tmp_path / "fhir_profiles"
    shutil.copytree(DEFAULT_DIR, broken)
    victim = next(broken.glob("PlanDefinition-*.json"))
    victim.write_text("{not json")
    app = app_factory(knowledge_dir=broken)
    with pytest.raises(KnowledgeError):
        async with app.router.lifespan_context(app):
            pass


async def test_real_knowledge_loads_from_settings(app_factory):
    async with serve(app_factory()) as client:
        assert (await client.get("/readyz")).status_code == 200
