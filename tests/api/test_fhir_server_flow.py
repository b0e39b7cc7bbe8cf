"""Through HTTP with no prefetch: data comes from a real FHIR server on loopback with the token."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, unquote

import pytest

from cds_service.hooks import PATIENT as PATIENT_TOKEN
from cds_service.hooks import prefetch_templates

from tests.api.bodies import PATIENT, PATIENT_VIEW, body
from tests.api.conftest import serve
from tests.fhirserver import Reply, start_fhir_server

PV = "/cds-services/bone-health-patient-view"
AUTH = {"access_token": "t0ken", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "cds"}


@pytest.fixture
def fhir():
    with start_fhir_server() as server:
        yield server


def request_for(fhir) -> dict:
    return body(PATIENT_VIEW, prefetch=..., fhirServer=fhir.base_url, fhirAuthorization=AUTH)


async def test_missing_prefetch_is_fetched_with_the_bearer_token(client, fhir, knowledge):
    fhir.resource(PATIENT)
    searches = {
        key: template.replace(PATIENT_TOKEN, "p1")
        for key, template in prefetch_templates(knowledge).items()
        if key != "patient"
    }
    for target in searches.values():
        fhir.search(target, [])
    response = await client.post(PV, json=request_for(fhir))
    assert response.status_code == 200
    # every key (the Patient read and each search, with its exact parameters) was fetched once
    wanted = sorted(_route(t) for t in ["Patient/p1", *searches.values()])
    assert sorted(_route(r.raw_target.removeprefix("/fhir/")) for r in fhir.requests) == wanted
    assert {r.authorization for r in fhir.requests} == {"Bearer t0ken"}


def _route(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    path, _, query = target.partition("?")
    return unquote(path), tuple(sorted(parse_qsl(query, keep_blank_values=True)))


async def test_patient_refused_by_the_server_is_412(client, fhir):
    fhir.on("Patient/p1", Reply(status=401))
    response = await client.post(PV, json=request_for(fhir))
    assert response.status_code == 412


async def test_a_slow_server_is_cut_off_at_the_deadline(app_factory, knowledge, fhir):
    fhir.resource(PATIENT)
    fhir.search("Condition?patient=p1", [], delay=3.0)
    app = app_factory(knowledge=knowledge, fetch_deadline_seconds=0.5)
    async with serve(app) as client:
        started = time.perf_counter()
        response = await client.post(PV, json=request_for(fhir))
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 2.0


async def test_the_call_log_names_each_missing_key_and_why(client, fhir, knowledge, caplog):
    """Keys that could not be fetched are logged by name with a short reason (never data, never the token)."""
    fhir.resource(PATIENT)
    templates = {k: t.replace(PATIENT_TOKEN, "p1") for k, t in prefetch_templates(knowledge).items() if k != "patient"}
    for key, target in templates.items():
        fhir.search(target, []) if key != "vitaminD" else fhir.on(target, Reply(status=500))
    caplog.set_level("INFO", logger="cds_service.call")
    response = await client.post(PV, json=request_for(fhir))
    assert response.status_code == 200
    [call] = [r for r in caplog.records if r.getMessage() == "cds.call"]
    assert call.missing == ["vitaminD"] and "vitaminD" in call.problems and "500" in call.problems["vitaminD"]
    assert "patient" in call.fetched and "t0ken" not in caplog.text


SIGN = "/cds-services/bone-health-order-sign"
DRAFT_K2 = {
    "resourceType": "MedicationRequest", "id": "draft-k2", "status": "draft", "intent": "order",
    "subject": {"reference": "Patient/p1"},
    "medicationCodeableConcept": {"text": "Vitamine K2 (menaquinon-7, MenaQ7) 180 microgram capsule"},
    "dosageInstruction": [{"text": "1 capsule per dag", "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                           "doseAndRate": [{"doseQuantity": {"value": 180, "unit": "ug", "system": "http://unitsofmeasure.org", "code": "ug"}}]}],
}


async def test_order_sign_answers_by_the_deadline_and_says_what_could_not_be_checked(app_factory, knowledge, fhir, caplog):
    """Issue 4: a slow FHIR server never delays order-sign past the deadline; the K2 draft's VKA check
    is reported as open (decision 9), and the log names the key that did not arrive and why."""
    fhir.resource(PATIENT)
    templates = {k: t.replace(PATIENT_TOKEN, "p1") for k, t in prefetch_templates(knowledge).items() if k != "patient"}
    for key, target in templates.items():
        if key.startswith("medication"):
            fhir.search(target, [], delay=3.0)  # the medication list is too slow
        else:
            fhir.search(target, [])
    request = {
        "hook": "order-sign", "hookInstance": "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d", "fhirServer": fhir.base_url,
        "fhirAuthorization": AUTH,
        "context": {"userId": "Practitioner/u1", "patientId": "p1",
                    "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": DRAFT_K2}]}},
    }
    caplog.set_level("INFO", logger="cds_service.call")
    app = app_factory(knowledge=knowledge, fetch_deadline_seconds=0.5)
    async with serve(app) as client:
        started = time.perf_counter()
        response = await client.post(SIGN, json=request, headers={"Accept-Language": "en"})
        elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed < 2.0
    [card] = [c for c in response.json()["cards"] if c["source"]["topic"]["code"] == "safety-k2-vka"]
    assert card["indicator"] == "warning" and "suggestions" not in card  # nothing known to conflict: no delete
    assert "Could not be checked" in card["detail"]
    [call] = [r for r in caplog.records if r.getMessage() == "cds.call"]
    assert {"medicationRequests", "medicationStatements", "medicationDispenses"} <= set(call.missing)
    assert call.problems["medicationRequests"] == "timeout"
