"""The two input-driven 500s found by the hardening review (issue 10), through HTTP.

Both were arithmetic on a value that passed a sign check but not a range check: a dosage period of
5e-324 seconds (positive, yet 0 once converted to days) and a feedback time whose UTC instant is
outside the years a datetime can hold.
"""

from __future__ import annotations

import copy

import pytest

from tests.api.bodies import ORDER_SIGN, PATIENT_VIEW

CALCIUM = {
    "coding": [{"system": "http://www.whocc.no/atc", "code": "A12AA04", "display": "calcium carbonate"}],
    "text": "Calciumcarbonaat 1,25 g kauwtablet (500 mg Ca)",
}


def _with_dosage_repeat(repeat: dict) -> dict:
    body = copy.deepcopy(PATIENT_VIEW)
    body["prefetch"]["medicationRequests"] = {
        "resourceType": "Bundle",
        "entry": [{"resource": {
            "resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
            "medicationCodeableConcept": CALCIUM, "subject": {"reference": "Patient/p1"},
            "authoredOn": "2025-05-01",
            "dosageInstruction": [{
                "timing": {"repeat": repeat},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            }],
        }}],
    }
    return body


@pytest.mark.parametrize("repeat", [
    {"frequency": 1, "period": 5e-324, "periodUnit": "s"},
    {"frequency": 1e308, "period": 1e-300, "periodUnit": "s"},
    {"frequency": 1, "period": 1e308, "periodUnit": "a"},
    {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 1e308, "code": "a"}},
])
async def test_an_extreme_dosage_period_is_answered_not_a_500(client, repeat):
    response = await client.post("/cds-services/bone-health-patient-view", json=_with_dosage_repeat(repeat))
    assert response.status_code == 200


@pytest.mark.parametrize("timestamp", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
async def test_a_feedback_time_outside_the_representable_years_is_a_400(client, timestamp):
    body = {"feedback": [{
        "card": "9368d37b-283f-44a0-93ea-547cebab93ee", "outcome": "overridden",
        "overrideReason": {"userComment": "x"}, "outcomeTimestamp": timestamp,
    }]}
    response = await client.post("/cds-services/bone-health-patient-view/feedback", json=body)
    assert response.status_code == 400
    assert "outcomeTimestamp" in response.json()["issue"][0]["diagnostics"]


VITAMIN_D = {
    "coding": [{"system": "http://www.whocc.no/atc", "code": "A11CC05", "display": "colecalciferol"}],
    "text": "Colecalciferol 800 IE tablet",
}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_a_draft_dated_at_the_end_of_the_calendar_is_answered_not_a_500(client, day):
    """Found while fixing the two above: the 25(OH)D check eight weeks after a draft vitamin D that
    starts on 9999-12-31 is not a date. Dates outside the plausible years are unknown."""
    body = copy.deepcopy(ORDER_SIGN)
    body["context"]["draftOrders"]["entry"] = [{"resource": {
        "resourceType": "MedicationRequest", "id": "d1", "status": "draft", "intent": "order",
        "medicationCodeableConcept": VITAMIN_D, "subject": {"reference": "Patient/p1"}, "authoredOn": day,
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "boundsPeriod": {"start": day}}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
        }],
    }}]
    response = await client.post("/cds-services/bone-health-order-sign", json=body)
    assert response.status_code == 200
