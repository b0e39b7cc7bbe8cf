"""POST /cds-services/{id}: validation, status codes, the pipeline's wiring, language, errors."""

from __future__ import annotations

import time

import orjson
import pytest

from cds_service.auth.base import AuthContext
from cds_service.fhir.resolve import PatientUnavailable
from tests.api.bodies import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW, body
from tests.api.conftest import serve
from tests.api.fakes import Recorder
from tests.conftest import FIXED_NOW

PV = "/cds-services/bone-health-patient-view"
SIGN = "/cds-services/bone-health-order-sign"
SELECT = "/cds-services/bone-health-order-select"


@pytest.fixture
def stages(monkeypatch) -> Recorder:
    return Recorder().install(monkeypatch)


async def test_patient_view_runs_the_pipeline(client, stages):
    response = await client.post(PV, json=PATIENT_VIEW)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    cards = response.json()["cards"]
    assert [c["source"]["topic"]["code"] for c in cards] == ["bone-supplements"]
    resolve = stages.calls["resolve"]
    assert resolve["templates"]["patient"] == "Patient/{{context.patientId}}"
    assert resolve["prefetch"] == PATIENT_VIEW["prefetch"]
    assert resolve["fhir_server"] is None and resolve["access_token"] is None
    assert 0 < resolve["deadline"] - time.monotonic() <= 2.0
    assert stages.calls["facts"]["now"] == FIXED_NOW
    assert stages.calls["facts"]["draft_orders"] is None
    assert stages.calls["rules"]["hook"] == "patient-view"
    assert stages.calls["cards"]["patient_id"] == "p1"
    assert stages.calls["cards"]["language"] == "nl"


async def test_order_sign_passes_draft_orders(client, stages):
    response = await client.post(SIGN, json=ORDER_SIGN)
    assert response.status_code == 200
    assert stages.calls["facts"]["draft_orders"] == ORDER_SIGN["context"]["draftOrders"]
    assert stages.calls["facts"]["selections"] is None
    assert stages.calls["rules"]["hook"] == "order-sign"


async def test_order_select_passes_selections(client, stages):
    response = await client.post(SELECT, json=ORDER_SELECT)
    assert response.status_code == 200
    assert stages.calls["facts"]["selections"] == ["MedicationRequest/mr1"]
    assert stages.calls["rules"]["hook"] == "order-select"


async def test_no_cards_is_an_empty_list(client, monkeypatch):
    Recorder(cards=[]).install(monkeypatch)
    response = await client.post(PV, json=PATIENT_VIEW)
    assert response.status_code == 200
    assert response.content == b'{"cards":[]}'


async def test_fhir_server_and_token_are_passed(client, stages):
    request = body(
        PATIENT_VIEW,
        fhirServer="http://localhost:8080/fhir",
        fhirAuthorization={
            "access_token": "secret-token", "token_type": "Bearer", "expires_in": 300,
            "scope": "patient/*.read", "subject": "cds",
        },
    )
    response = await client.post(PV, json=request)
    assert response.status_code == 200
    assert stages.calls["resolve"]["fhir_server"] == "http://localhost:8080/fhir"
    assert stages.calls["resolve"]["access_token"] == "secret-token"


async def test_versions_and_unknown_fields_are_accepted(client, stages):
    # 1.0 shape (no fhirAuthorization.patient), 3.0 extras, unknown fields everywhere
    request = body(
        PATIENT_VIEW,
        fhirServer="http://localhost:8080/fhir",
        fhirAuthorization={"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                           "scope": "user/*.read", "subject": "cds", "futureField": 1},
        extension={"org.example.flag": True},
        somethingNew={"a": 1},
    )
    request["context"] = {**request["context"], "encounterId": "e1", "newContextField": [1, 2]}
    response = await client.post(PV, json=request)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/fhir+json", "Application/JSON"]
)
async def test_json_media_types_are_accepted(client, stages, content_type):
    response = await client.post(PV, content=orjson.dumps(PATIENT_VIEW), headers={"content-type": content_type})
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["application/xml", "text/plain", "text/plain; charset=utf-8", "text/json",
                                          "application/x-www-form-urlencoded", "multipart/form-data", None])
@pytest.mark.parametrize("path", [PV, PV + "/feedback"])
async def test_other_media_types_and_none_are_415(client, stages, content_type, path):
    """Issue 10: a text/plain POST (or one without Content-Type) needs no CORS preflight, so any web
    page could drive the service; only the JSON types, which need a preflight, are accepted."""
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(path, content=orjson.dumps(PATIENT_VIEW), headers=headers)
    assert response.status_code == 415
    assert response.json()["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
    ],
)
async def test_malformed_bodies_are_400(client, stages, raw, fragment):
    response = await client.post(PV, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert fragment in response.json()["issue"][0]["diagnostics"]
    assert "resolve" not in stages.calls


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"hook": ...}, "hook"),
        ({"hookInstance": ...}, "hookInstance"),
        ({"context": ...}, "context"),
        ({"hook": 7}, "hook"),
        ({"context": "p1"}, "context"),
        ({"prefetch": ["x"]}, "prefetch"),
        ({"prefetch": {"patient": "Patient/p1"}}, "prefetch"),
        ({"fhirServer": "not a url"}, "fhirServer"),
        ({"fhirServer": 3}, "fhirServer"),
        ({"fhirAuthorization": {"token_type": "Bearer"}}, "access_token"),
        ({"hook": "order-sign"}, "patient-view"),
        ({"context": {"userId": "Practitioner/u1"}}, "patientId"),
        ({"context": {"patientId": "a/b"}}, "patientId"),
        ({"context": {"patientId": 12}}, "patientId"),
    ],
)
async def test_invalid_requests_are_400(client, stages, changes, fragment):
    response = await client.post(PV, json=body(PATIENT_VIEW, **changes))
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["issue"][0]["code"] == "invalid"
    assert fragment in outcome["issue"][0]["diagnostics"]
    assert "resolve" not in stages.calls


@pytest.mark.parametrize(
    "context, fragment",
    [
        ({"userId": "Practitioner/u1", "patientId": "p1"}, "draftOrders"),
        ({"patientId": "p1", "draftOrders": "x"}, "draftOrders"),
        ({"patientId": "p1", "draftOrders": {"resourceType": "Patient"}}, "draftOrders"),
        ({"patientId": "p1", "draftOrders": {"resourceType": "Bundle", "entry": {}}}, "entry"),
    ],
)
async def test_order_hooks_need_draft_orders(client, stages, context, fragment):
    response = await client.post(SIGN, json=body(ORDER_SIGN, context=context))
    assert response.status_code == 400
    assert fragment in response.json()["issue"][0]["diagnostics"]


async def test_selections_must_be_references(client, stages):
    context = {**ORDER_SELECT["context"], "selections": [1]}
    response = await client.post(SELECT, json=body(ORDER_SELECT, context=context))
    assert response.status_code == 400


async def test_error_diagnostics_never_echo_values(client, stages):
    secret = "Jansen-1234567"
    request = body(PATIENT_VIEW, hook=secret)
    request["context"] = {"patientId": "bad id " + secret}
    for payload in (body(PATIENT_VIEW, hook=[secret]), request, body(PATIENT_VIEW, prefetch={"patient": secret})):
        response = await client.post(PV, json=payload)
        assert response.status_code == 400
        assert secret not in response.text


async def test_unknown_service_is_404(client, stages):
    response = await client.post("/cds-services/no-such-service", json=PATIENT_VIEW)
    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"


async def test_unknown_path_and_wrong_method_carry_operation_outcomes(client):
    assert (await client.get("/nowhere")).status_code == 404
    response = await client.get(PV)
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


async def test_body_over_the_limit_is_413_by_content_length(app_factory, knowledge, stages):
    app = app_factory(knowledge=knowledge, max_body_bytes=2048)
    async with serve(app) as client:
        request = body(PATIENT_VIEW, padding="x" * 4000)
        response = await client.post(PV, json=request)
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-long"
    assert "resolve" not in stages.calls


async def test_streamed_body_over_the_limit_is_413(app_factory, knowledge, stages):
    app = app_factory(knowledge=knowledge, max_body_bytes=2048)
    sent = []

    async def chunks():
        for _ in range(100):  # 100 KB announced by no Content-Length
            sent.append(1)
            yield b" " * 1024

    async with serve(app) as client:
        response = await client.post(PV, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "resolve" not in stages.calls


async def test_patient_unavailable_is_412(client, monkeypatch):
    recorder = Recorder().install(monkeypatch)

    async def no_patient(*args, **kwargs):
        raise PatientUnavailable("no patient")

    monkeypatch.setattr("cds_service.pipeline.resolve", no_patient)
    response = await client.post(PV, json=PATIENT_VIEW)
    assert response.status_code == 412
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "facts" not in recorder.calls


class RestrictedIssuer:
    """An authenticator whose issuer may use one FHIR server only."""

    async def authenticate(self, request):
        return AuthContext(issuer="https://ehr.example.org", authenticated=True,
                           fhir_servers=("https://ehr.example.org/fhir",))

    async def aclose(self):
        return None


async def test_forbidden_fhir_server_is_403_and_nothing_is_fetched(app, stages):
    async with serve(app) as client:
        app.state.authenticator = RestrictedIssuer()
        allowed = await client.post(PV, json=body(PATIENT_VIEW, fhirServer="https://ehr.example.org/fhir/"))
        assert allowed.status_code == 200
        stages.calls.clear()
        response = await client.post(PV, json=body(PATIENT_VIEW, fhirServer="https://evil.example.com/fhir"))
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert "resolve" not in stages.calls


@pytest.mark.parametrize("stage", ["build_facts", "evaluate", "render_cards"])
async def test_internal_errors_are_500_with_type_only_logged(client, stages, monkeypatch, caplog, stage):
    def broken(*args, **kwargs):
        raise KeyError("Jansen")  # a message that could be patient data

    monkeypatch.setattr(f"cds_service.pipeline.{stage}", broken)
    response = await client.post(PV, json=PATIENT_VIEW)
    assert response.status_code == 500
    assert response.json()["issue"][0]["code"] == "exception"
    assert "Jansen" not in response.text
    assert "KeyError" in caplog.text
    assert "Jansen" not in caplog.text


async def test_unexpected_errors_anywhere_are_500_operation_outcomes(client, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret detail p1")

    monkeypatch.setattr("cds_service.api.services.negotiate_language", explode)
    response = await client.post(PV, json=PATIENT_VIEW)
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "RuntimeError" in caplog.text and "secret" not in caplog.text


@pytest.mark.parametrize(
    "header, language",
    [
        (None, "nl"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE, en;q=0.5, nl;q=0.8", "nl"),
        ("fr", "nl"),
        ("nl;q=0, en;q=0.1", "en"),
    ],
)
async def test_language_from_accept_language(client, stages, header, language):
    headers = {"accept-language": header} if header else {}
    response = await client.post(PV, json=PATIENT_VIEW, headers=headers)
    assert response.status_code == 200
    assert stages.calls["cards"]["language"] == language


async def test_default_language_is_configurable(app_factory, knowledge, stages):
    async with serve(app_factory(knowledge=knowledge, default_language="en")) as client:
        await client.post(PV, json=PATIENT_VIEW, headers={"accept-language": "fr"})
    assert stages.calls["cards"]["language"] == "en"


async def test_rule_config_comes_from_settings(app_factory, knowledge, stages):
    app = app_factory(knowledge=knowledge, disabled_triggers=["diabetes"], disabled_rules=["safety-ipriflavone"])
    async with serve(app) as client:
        await client.post(PV, json=PATIENT_VIEW)
    config = stages.calls["rules"]["config"]
    assert config.disabled_triggers == frozenset({"diabetes"})
    assert config.disabled_rules == frozenset({"safety-ipriflavone"})
