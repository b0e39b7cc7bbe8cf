"""HTTP test fixtures: the app with its lifespan run, and a client that checks every response.

Every response the tests receive through :func:`serve` is checked: 200s from service calls against
every CDS Hooks response rule, discovery against the discovery rules, and every 4xx/5xx (refused
CORS preflights included) for an OperationOutcome body. Synchronous clients (the golden tests'
TestClient) install :func:`checking_hook` for the same checks.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from cds_service.knowledge.loader import load_knowledge
from tests.cds_invariants import assert_valid_http_answer

ROOT = Path(__file__).resolve().parents[2]
# settings overrides for the production profile (the auth layer refuses to start without them)
PRODUCTION = {
    "env": "production",
    "trusted_issuers": ROOT / "docker" / "issuers.example.yaml",
    "public_base_url": "https://cds.example.org",
}


async def check_response(response: httpx.Response) -> None:
    await response.aread()
    check_read_response(response)


def check_read_response(response: httpx.Response) -> None:
    """The invariants of :func:`tests.cds_invariants.assert_valid_http_answer` on a read response."""
    request = response.request
    content_type = response.headers.get("content-type", "")
    assert_valid_http_answer(request.method, request.url.path, response.status_code, content_type, response.content)


def checking_hook(response: httpx.Response) -> None:
    """A response event hook for synchronous clients (e.g. Starlette's TestClient)."""
    response.read()
    check_read_response(response)


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
