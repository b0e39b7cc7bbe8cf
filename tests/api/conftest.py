"""HTTP test fixtures: the app with its lifespan run, and a client that checks every response.

Every response the tests receive through :func:`serve` is checked: 200s from service calls against
every CDS Hooks response rule, discovery against the discovery rules, and every 4xx/5xx for an
OperationOutcome body.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from cds_service.knowledge.loader import load_knowledge
from tests.cds_invariants import assert_operation_outcome, assert_valid_cds_response, assert_valid_discovery

ROOT = Path(__file__).resolve().parents[2]
# settings overrides for the production profile (the auth layer refuses to start without them)
PRODUCTION = {
    "env": "production",
    "trusted_issuers": ROOT / "docker" / "issuers.example.yaml",
    "public_base_url": "https://cds.example.org",
}


async def check_response(response: httpx.Response) -> None:
    await response.aread()
    request = response.request
    path = request.url.path
    if request.method == "OPTIONS":
        return
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/json")
        assert_operation_outcome(response.json())
    elif response.status_code == 200 and path.startswith("/cds-services"):
        if request.method == "GET" and path == "/cds-services":
            assert_valid_discovery(response.json())
        elif request.method == "POST" and not path.endswith("/feedback"):
            assert response.headers["content-type"].startswith("application/json")
            assert_valid_cds_response(response.json())


@asynccontextmanager
async def serve(app: Starlette, client_addr: tuple[str, int] = ("127.0.0.1", 50000)) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a checking client talking to it in process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client_addr)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", event_hooks={"response": [check_response]}
        ) as client:
            yield client


@pytest.fixture(scope="session")
def knowledge():
    """The real knowledge from fhir_profiles/, loaded once."""
    return load_knowledge()


@pytest.fixture
def app(app_factory, knowledge) -> Starlette:
    return app_factory(knowledge=knowledge)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as c:
        yield c
