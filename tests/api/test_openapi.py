"""The contract: /openapi.json is valid OpenAPI 3.x, names every endpoint with its real models, and
real answers match those models; /docs works offline; GET / lists the services."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from openapi_spec_validator import validate

from cds_service.api.schemas import Discovery, Health, OperationOutcome, Ready
from cds_service.cards.model import CdsResponse
from tests.api.conftest import PRODUCTION, serve

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "patients" / "01-f68-osteoporosis-no-supplements.json"
REF = "#/components/schemas/"


def _schema_ref(operation: dict, status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].removeprefix(REF)


async def test_the_document_validates_as_openapi_3(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)  # raises on an invalid document


async def test_every_endpoint_is_in_the_document_with_its_models(app, client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    for route in app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                assert method.lower() in paths[route.path], (method, route.path)
    call = paths["/cds-services/{service_id}"]["post"]
    assert call["requestBody"]["content"]["application/json"]["schema"]["$ref"] == REF + "HookRequest"
    assert _schema_ref(call, "200") == "CdsResponse"
    for status in ("400", "401", "403", "404", "412", "413", "415", "500"):
        assert _schema_ref(call, status) == "OperationOutcome"
    feedback = paths["/cds-services/{service_id}/feedback"]["post"]
    assert feedback["requestBody"]["content"]["application/json"]["schema"]["$ref"] == REF + "FeedbackRequest"
    assert _schema_ref(paths["/cds-services"]["get"], "200") == "Discovery"
    assert _schema_ref(paths["/healthz"]["get"], "200") == "Health"
    assert _schema_ref(paths["/readyz"]["get"], "503") == "OperationOutcome"


async def test_the_response_models_are_the_cds_hooks_ones(client):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("Card", "Suggestion", "Action", "Link", "OverrideReason", "Source", "OperationOutcome"):
        assert name in schemas, name
    response = schemas["CdsResponse"]["properties"]
    assert response["cards"]["items"]["$ref"] == REF + "Card"
    assert response["systemActions"]["items"]["$ref"] == REF + "Action"
    card = schemas["Card"]
    assert set(card["required"]) == {"summary", "indicator", "source"}
    assert card["properties"]["indicator"]["enum"] == ["info", "warning", "critical"]


async def test_real_answers_match_the_documented_models(client, settings):
    Discovery.model_validate_json((await client.get("/cds-services")).content)
    Health.model_validate_json((await client.get("/healthz")).content)
    Ready.model_validate_json((await client.get("/readyz")).content)
    missing = await client.post("/cds-services/no-such-service", json={})
    assert missing.status_code == 404
    OperationOutcome.model_validate_json(missing.content)
    case = json.loads(GOLDEN.read_text())
    answer = await client.post("/cds-services/bone-health-patient-view", json=case["request"])
    assert answer.status_code == 200
    cards = CdsResponse.model_validate_json(answer.content).cards
    assert cards  # the golden patient gets cards; each one parsed as the documented Card


async def test_docs_render_from_assets_the_service_serves(client):
    page = await client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert not re.search(r"(https?:)?//[a-z0-9]", html, re.IGNORECASE), "the page names an outside URL"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        fetched = await client.get(asset)
        assert fetched.status_code == 200 and fetched.content, asset
    assert "url: '/openapi.json'" in html
    # the security headers' default (default-src 'none') would block it: the page allows itself
    policy = page.headers["content-security-policy"]
    inline = re.search(r"<script>(.*?)</script>", html, re.S).group(1).encode()
    digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in policy
    assert "style-src 'self'" in policy and "connect-src 'self'" in policy and "http" not in policy


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
async def test_production_hides_the_contract_unless_asked(app_factory, knowledge, path):
    async with serve(app_factory(knowledge=knowledge, **PRODUCTION)) as client:
        assert (await client.get(path)).status_code == 404
    async with serve(app_factory(knowledge=knowledge, docs=True, **PRODUCTION)) as client:
        assert (await client.get(path)).status_code == 200


async def test_home_page_lists_the_services_and_links_guideline_and_docs(client):
    page = await client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for service_id in ("bone-health-patient-view", "bone-health-order-select", "bone-health-order-sign"):
        assert f"/cds-services/{service_id}" in page.text
    assert 'href="/guideline"' in page.text and 'href="/docs"' in page.text


async def test_home_page_in_production_does_not_link_hidden_docs(app_factory, knowledge):
    async with serve(app_factory(knowledge=knowledge, **PRODUCTION)) as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert 'href="/guideline"' in page.text and 'href="/docs"' not in page.text
