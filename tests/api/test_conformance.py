"""CDS Hooks conformance items (``cds-hooks.md`` §1-§6) not covered elsewhere, through the app."""

from __future__ import annotations

import copy
import logging
import time
import uuid
from datetime import timedelta

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, select

from cds_service.hooks import ServiceDefinition
from cds_service.api.models import HookRequest
from cds_service.pipeline import Pipeline
from cds_service.storage.db import feedback as feedback_table
from tests.api.bodies import ORDER_SELECT, PATIENT, PATIENT_VIEW, body
from tests.api.conftest import serve
from tests.api.fakes import Recorder
from tests.auth.helpers import ISS, ec_key, jwks, token
from tests.conftest import FIXED_NOW

PV = "/cds-services/bone-health-patient-view"
SELECT = "/cds-services/bone-health-order-select"
SANDBOX = "https://sandbox.cds-hooks.org"


@pytest.fixture
def stages(monkeypatch) -> Recorder:
    return Recorder().install(monkeypatch)


# --- §1 discovery ----------------------------------------------------------------------------


async def test_discovery_declares_the_spec_and_hook_versions(client):
    services = (await client.get("/cds-services")).json()["services"]
    assert {(s["version"], s["hookVersion"]) for s in services} == {("2.0.1", "1.0")}


async def test_head_on_discovery_is_answered_without_a_body(client):
    response = await client.head("/cds-services")
    assert response.status_code == 200 and response.content == b""


# --- §2 service calls ------------------------------------------------------------------------


@pytest.mark.parametrize("hook", ["order-sign", "foo-bar", "org.example.custom-hook", "patient-view "])
async def test_a_hook_other_than_the_services_is_400(client, stages, hook):
    response = await client.post(PV, json=body(PATIENT_VIEW, hook=hook))
    assert response.status_code == 400
    assert "resolve" not in stages.calls


async def test_hook_instance_that_is_not_a_uuid_is_answered_but_never_logged(client, stages, caplog):
    caplog.set_level(logging.INFO, logger="cds_service.call")
    odd = await client.post(PV, json=body(PATIENT_VIEW, hookInstance="Jansen 1950-01-01"))
    upper = "urn:uuid:2D7EF8F0-0A43-4C5B-9E83-3F1C4BB1F0A1"
    prefixed = await client.post(PV, json=body(PATIENT_VIEW, hookInstance=upper))
    assert odd.status_code == prefixed.status_code == 200
    logged = [r.hookInstance for r in caplog.records if r.name == "cds_service.call"]
    assert logged == ["not-a-uuid", "2d7ef8f0-0a43-4c5b-9e83-3f1c4bb1f0a1"]
    assert "Jansen" not in caplog.text


async def test_the_same_call_twice_is_answered_twice(client):
    first = await client.post(PV, json=PATIENT_VIEW)
    second = await client.post(PV, json=PATIENT_VIEW)  # hookInstance is no idempotency key (docs#499)
    assert first.status_code == second.status_code == 200


async def test_prefetch_keys_not_asked_for_are_ignored_whatever_their_value(client, stages):
    prefetch = {**PATIENT_VIEW["prefetch"], "notOurs": "Patient/p1", "alsoNotOurs": [1, 2], "third": 3}
    response = await client.post(PV, json=body(PATIENT_VIEW, prefetch=prefetch))
    assert response.status_code == 200
    assert stages.calls["resolve"]["prefetch"] == PATIENT_VIEW["prefetch"]


async def test_fhir_authorization_without_fhir_server_is_tolerated_and_the_token_unused(client, stages):
    """cds-r-1 binds the client; the call is still answerable from prefetch, so it is not refused."""
    auth = {"access_token": "t0ken", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "c"}
    response = await client.post(PV, json=body(PATIENT_VIEW, fhirAuthorization=auth))
    assert response.status_code == 200
    assert stages.calls["resolve"]["fhir_server"] is None and stages.calls["resolve"]["access_token"] is None


async def test_production_refuses_an_http_fhir_server_before_any_request(tmp_path, app_factory, knowledge):
    key = ec_key("conformance-1")
    https = "https://ehr.example.org/fhir"
    issuers = tmp_path / "issuers.yaml"
    issuers.write_text(yaml.safe_dump({"issuers": [{"iss": ISS, "jwks": jwks(key), "fhir_servers": [https]}]}))
    base = "https://cds.example.org"
    app = app_factory(knowledge=knowledge, env="production", trusted_issuers=issuers, public_base_url=base)
    request = body(PATIENT_VIEW, prefetch=..., fhirServer=https.replace("https:", "http:"),
                   fhirAuthorization={"access_token": "t0ken", "token_type": "Bearer", "expires_in": 300,
                                      "scope": "patient/*.read", "subject": "c"})
    now = int(time.time())
    claims = {"iss": ISS, "aud": base + PV, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    async with serve(app, client_addr=("10.1.2.3", 50000)) as client:
        response = await client.post(PV, json=request, headers={"authorization": f"Bearer {token(key, claims)}"})
    assert response.status_code == 403  # nothing was sent: ehr.example.org does not even resolve here


async def test_selections_not_in_draft_orders_select_nothing(client, stages):
    context = {**ORDER_SELECT["context"], "selections": ["MedicationRequest/not-in-the-draft"]}
    response = await client.post(SELECT, json=body(ORDER_SELECT, context=context))
    assert response.status_code == 200
    assert stages.calls["facts"]["selections"] == ["MedicationRequest/not-in-the-draft"]


async def test_today_in_a_template_is_the_service_clock(knowledge):
    """``{{today() - 90 days}}`` (3.0 token) is filled from the service clock, not the machine date."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

    service = ServiceDefinition(
        "s", "patient-view", "t", "d", "u",
        {"patient": "Patient/{{context.patientId}}",
         "recent": "Observation?patient={{context.patientId}}&date=ge{{today() - 90 days}}"},
    )
    clock_now = FIXED_NOW - timedelta(days=3650)  # far from the machine's date
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        pipeline = Pipeline(knowledge=knowledge, catalogue=None, client=http, clock=lambda: clock_now)
        request = HookRequest.model_validate(
            body(PATIENT_VIEW, prefetch={"patient": PATIENT}, fhirServer="https://ehr.example.org/fhir")
        )
        await pipeline.call(service, request)
    expected = (clock_now.date() - timedelta(days=90)).isoformat()
    assert seen == [f"https://ehr.example.org/fhir/Observation?patient=p1&date=ge{expected}"]


# --- JSON edge cases (§6) --------------------------------------------------------------------


async def test_a_utf8_byte_order_mark_is_ignored(client, stages):
    raw = httpx.Request("POST", "/", json=PATIENT_VIEW).content
    response = await client.post(PV, content=b"\xef\xbb\xbf" + raw, headers={"content-type": "application/json"})
    assert response.status_code == 200


async def test_duplicate_keys_take_the_last_value(client, stages):
    raw = httpx.Request("POST", "/", json=PATIENT_VIEW).content
    good = b'{"hook":"order-sign",' + raw[1:]  # the later "hook" (patient-view) wins, as in JavaScript
    bad = raw[:-1] + b',"hook":"order-sign"}'
    headers = {"content-type": "application/json"}
    assert (await client.post(PV, content=good, headers=headers)).status_code == 200
    assert (await client.post(PV, content=bad, headers=headers)).status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting far beyond any parser's limit
        b'{"hook": "patient-view", "x": 1e400}',
        b'{"hook": NaN}',
        b'{"hook": "patient-\xe9view"}',  # Latin-1, not UTF-8
        b'{"hook": "\\ud800"}',  # a lone surrogate
        '{"hook": "patient-view"}'.encode("utf-16"),
    ],
    ids=["deep", "overflow", "nan", "latin1", "surrogate", "utf16"],
)
async def test_hostile_json_is_400(client, stages, raw):
    response = await client.post(PV, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400


async def test_deep_but_parseable_nesting_and_huge_numbers_are_answered(client):
    deep: object = {"resourceType": "Observation"}
    for _ in range(150):
        deep = {"entry": [{"resource": deep}]}
    request = copy.deepcopy(PATIENT_VIEW)
    request["extension"] = {"org.example.deep": deep}
    request["context"]["encounterId"] = 10**40
    request["prefetch"]["vitaminD"] = deep
    response = await client.post(PV, json=request)
    assert response.status_code == 200


# --- §4 feedback -----------------------------------------------------------------------------


async def test_user_comment_is_stored_but_never_logged(client, settings, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "mevrouw Jansen weigert, geboren 12-03-1948"
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "overrideReason": {"userComment": secret},
            "outcomeTimestamp": "2025-06-02T09:31:00Z"}
    response = await client.post(PV + "/feedback", json={"feedback": [item]})
    assert response.status_code == 200
    assert secret not in caplog.text and "Jansen" not in caplog.text
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        assert [r.user_comment for r in conn.execute(select(feedback_table))] == [secret]
    engine.dispose()


async def test_an_override_code_longer_than_storable_is_400(client):
    item = {"card": str(uuid.uuid4()), "outcome": "overridden",
            "overrideReason": {"reason": {"system": "http://x.example", "code": "c" * 201, "display": "d"}},
            "outcomeTimestamp": "2025-06-02T09:31:00Z"}
    assert (await client.post(PV + "/feedback", json={"feedback": [item]})).status_code == 400


# --- §5.4 CORS and §6.1 status codes ---------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [("GET", PV), ("PUT", PV), ("DELETE", PV), ("POST", "/cds-services"), ("GET", PV + "/feedback"),
     ("PATCH", "/cds-services")],
)
async def test_wrong_methods_are_405_with_allow_operation_outcome_and_cors(client, method, path):
    response = await client.request(method, path, headers={"origin": SANDBOX})
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"
    assert response.headers["allow"]
    assert response.headers["access-control-allow-origin"] == SANDBOX


async def test_head_on_a_service_is_405(client):
    response = await client.head(PV, headers={"origin": SANDBOX})
    assert response.status_code == 405 and "POST" in response.headers["allow"]


@pytest.mark.parametrize(
    "origin, request_headers, refused",
    [("https://evil.example.com", "content-type", "origin"), (SANDBOX, "x-custom", "headers")],
)
async def test_a_refused_preflight_is_an_operation_outcome(client, origin, request_headers, refused):
    response = await client.options(PV, headers={
        "origin": origin, "access-control-request-method": "POST", "access-control-request-headers": request_headers})
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["code"] == "forbidden" and refused in issue["diagnostics"]
    assert "evil" not in response.text and "x-custom" not in response.text
    if origin == SANDBOX:
        assert response.headers["access-control-allow-origin"] == SANDBOX


async def test_private_network_preflight_is_granted_to_allowed_origins_only(client):
    """Chrome asks before a public site (the sandbox) may call a service on localhost."""
    pna = {"access-control-request-method": "POST", "access-control-request-private-network": "true",
           "access-control-request-headers": "authorization,content-type"}
    allowed = await client.options(PV, headers={**pna, "origin": SANDBOX})
    refused = await client.options(PV, headers={**pna, "origin": "https://evil.example.com"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-private-network"] == "true"
    assert refused.status_code == 400 and "access-control-allow-private-network" not in refused.headers
