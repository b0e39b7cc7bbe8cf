"""The whole flow through HTTP with the real knowledge, facts, rules and cards (no stand-ins)."""

from __future__ import annotations

import copy
import json

from sqlalchemy import create_engine, select

from cds_service.storage.db import issued_cards
from tests.api.bodies import ORDER_SIGN, PATIENT_VIEW, body
from tests.api.conftest import ROOT, serve
from tests.conftest import FIXED_NOW

PV = "/cds-services/bone-health-patient-view"
SIGN = "/cds-services/bone-health-order-sign"


def example(name: str) -> dict:
    return json.loads((ROOT / "examples" / name).read_text())


def topics(response) -> list[str]:
    return sorted(card["source"]["topic"]["code"] for card in response.json()["cards"])


async def test_example_request_gives_proposal_and_vitamin_d_status(client):
    response = await client.post(PV, json=example("patient-view.json"))
    assert response.status_code == 200
    assert topics(response) == ["bone-supplements", "vitd-status"]


async def test_card_language_follows_accept_language(client):
    request = example("patient-view.json")
    dutch = await client.post(PV, json=request)
    english = await client.post(PV, json=request, headers={"accept-language": "en-GB,en;q=0.9"})
    summaries = lambda r: {c["source"]["topic"]["code"]: c["summary"] for c in r.json()["cards"]}
    assert summaries(dutch)["vitd-status"] != summaries(english)["vitd-status"]
    assert "deficiency" in summaries(english)["vitd-status"]


async def test_missing_data_is_unknown_not_absent(client):
    """Without medication data nothing is proposed, and the card says so (decision 9)."""
    complete = await client.post(PV, json=example("patient-view.json"))
    partial = await client.post(PV, json=example("patient-view-partial.json"))
    assert partial.status_code == 200
    proposal = next(c for c in partial.json()["cards"] if c["source"]["topic"]["code"] == "bone-supplements")
    assert "suggestions" not in proposal
    full = next(c for c in complete.json()["cards"] if c["source"]["topic"]["code"] == "bone-supplements")
    assert full["suggestions"]


async def test_no_patient_is_412(client):
    request = body(PATIENT_VIEW, prefetch={"patient": None})
    response = await client.post(PV, json=request)
    assert response.status_code == 412
    no_prefetch = await client.post(PV, json=body(PATIENT_VIEW, prefetch=...))
    assert no_prefetch.status_code == 412


async def test_order_sign_with_a_draft_supplement(client):
    request = copy.deepcopy(ORDER_SIGN)
    request["prefetch"] = example("patient-view.json")["prefetch"]
    request["context"]["patientId"] = "example-anna"
    request["context"]["draftOrders"]["entry"][0]["resource"] = {
        "resourceType": "MedicationRequest",
        "id": "draft-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/example-anna"},
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.whocc.no/atc", "code": "A11CC05", "display": "colecalciferol"}],
            "text": "Colecalciferol 25 microgram",
        },
        "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                               "doseAndRate": [{"doseQuantity": {"value": 25, "unit": "ug",
                                                                 "system": "http://unitsofmeasure.org", "code": "ug"}}]}],
    }
    response = await client.post(SIGN, json=request)
    assert response.status_code == 200  # every card is checked against the response rules


async def test_issued_cards_are_recorded_without_patient_data(app_factory, knowledge, settings):
    request = example("patient-view.json")
    async with serve(app_factory(knowledge=knowledge)) as client:
        response = await client.post(PV, json=request)
    # the lifespan has ended: the writer has finished its queue
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(select(issued_cards))]
    engine.dispose()
    cards = response.json()["cards"]
    assert {r["card_uuid"] for r in stored} == {c["uuid"] for c in cards}
    assert {r["recommendation"] for r in stored} == {"bone-supplements", "vitd-status"}
    row = stored[0]
    assert row["service_id"] == "bone-health-patient-view"
    assert row["hook_instance"] == request["hookInstance"]
    assert row["knowledge_version"] == knowledge.version
    assert row["issued_at"].replace(tzinfo=None) == FIXED_NOW.replace(tzinfo=None)
    assert "example-anna" not in repr(stored)


async def test_warm_up_runs_at_start(app_factory, knowledge, monkeypatch):
    seen = []
    import cds_service.pipeline as pipeline

    real = pipeline.evaluate

    def spy(facts, knowledge, config, hook):
        seen.append(hook)
        return real(facts, knowledge, config, hook)

    monkeypatch.setattr(pipeline, "evaluate", spy)
    async with serve(app_factory(knowledge=knowledge, warm_up=True)):
        assert sorted(seen) == ["order-select", "order-sign", "patient-view"]
