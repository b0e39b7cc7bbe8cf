"""POST /cds-services/{id}/feedback: validation (cds-fb-1..3), idempotent durable storage."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from cds_service.storage.db import feedback as feedback_table
from tests.api.conftest import serve

FB = "/cds-services/bone-health-patient-view/feedback"
CARD = "0f8fad5b-d9cb-469f-a165-70867728950e"
SUGGESTION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

ACCEPTED = {
    "card": CARD,
    "outcome": "accepted",
    "acceptedSuggestions": [{"id": SUGGESTION}],
    "outcomeTimestamp": "2025-06-02T09:31:00Z",
}
OVERRIDDEN = {
    "card": CARD,
    "outcome": "overridden",
    "overrideReason": {
        "reason": {"code": "patient-declined", "system": "https://example.org/reasons"},
        "userComment": "Discussed; will reconsider",
    },
    "outcomeTimestamp": "2025-06-02T11:31:00+02:00",
}


def rows(settings) -> list[dict]:
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        result = [dict(r._mapping) for r in conn.execute(select(feedback_table).order_by(feedback_table.c.id))]
    engine.dispose()
    return result


async def test_feedback_is_stored(client, settings):
    response = await client.post(FB, json={"feedback": [ACCEPTED, OVERRIDDEN]})
    assert response.status_code == 200
    stored = rows(settings)
    assert [(r["outcome"], r["outcome_timestamp"]) for r in stored] == [
        ("accepted", "2025-06-02T09:31:00Z"),
        ("overridden", "2025-06-02T09:31:00Z"),  # normalised to UTC
    ]
    assert stored[0]["accepted_suggestions"] == [SUGGESTION]
    assert stored[0]["service_id"] == "bone-health-patient-view"
    assert stored[1]["override_code"] == "patient-declined"
    assert stored[1]["user_comment"] == "Discussed; will reconsider"


async def test_feedback_sent_twice_is_stored_once(client, settings):
    for _ in range(2):
        assert (await client.post(FB, json={"feedback": [ACCEPTED]})).status_code == 200
    same_instant = {**ACCEPTED, "outcomeTimestamp": "2025-06-02T10:31:00+01:00"}
    assert (await client.post(FB, json={"feedback": [same_instant, ACCEPTED]})).status_code == 200
    assert len(rows(settings)) == 1
    later = {**ACCEPTED, "outcomeTimestamp": "2025-06-02T09:45:00Z"}
    assert (await client.post(FB, json={"feedback": [later]})).status_code == 200
    assert len(rows(settings)) == 2


async def test_feedback_survives_a_restart(app_factory, knowledge, settings):
    async with serve(app_factory(knowledge=knowledge)) as client:
        assert (await client.post(FB, json={"feedback": [ACCEPTED]})).status_code == 200
    async with serve(app_factory(knowledge=knowledge)) as client:
        assert (await client.post(FB, json={"feedback": [ACCEPTED]})).status_code == 200
    assert len(rows(settings)) == 1


async def test_unknown_card_uuid_is_accepted_like_any_other(client):
    other = {**ACCEPTED, "card": "5b0f2f4c-2b7e-4a55-9d0f-0c4b1a2e3f40"}
    assert (await client.post(FB, json={"feedback": [other]})).status_code == 200


@pytest.mark.parametrize(
    "item, fragment",
    [
        ({**ACCEPTED, "card": "not-a-uuid"}, "uuid"),
        ({k: v for k, v in ACCEPTED.items() if k != "card"}, "card"),
        ({**ACCEPTED, "outcome": "ignored"}, "outcome"),
        ({k: v for k, v in ACCEPTED.items() if k != "acceptedSuggestions"}, "acceptedSuggestions"),
        ({**ACCEPTED, "acceptedSuggestions": []}, "acceptedSuggestions"),
        ({**ACCEPTED, "acceptedSuggestions": [{}]}, "id"),
        ({**OVERRIDDEN, "overrideReason": {}}, "overrideReason"),
        ({**ACCEPTED, "outcomeTimestamp": "2025-06-02 09:31"}, "outcomeTimestamp"),
        ({**ACCEPTED, "outcomeTimestamp": "2025-06-02T09:31:00"}, "outcomeTimestamp"),
        ({**ACCEPTED, "outcomeTimestamp": "2025-13-02T09:31:00Z"}, "outcomeTimestamp"),
        ({k: v for k, v in ACCEPTED.items() if k != "outcomeTimestamp"}, "outcomeTimestamp"),
    ],
)
async def test_malformed_feedback_is_400(client, settings, item, fragment):
    response = await client.post(FB, json={"feedback": [item]})
    assert response.status_code == 400
    assert fragment in response.json()["issue"][0]["diagnostics"]
    assert rows(settings) == []


@pytest.mark.parametrize("payload", [{}, {"feedback": []}, {"feedback": "x"}, {"feedback": [ACCEPTED, 3]}])
async def test_malformed_feedback_envelope_is_400(client, settings, payload):
    assert (await client.post(FB, json=payload)).status_code == 400
    assert rows(settings) == []


async def test_feedback_for_unknown_service_is_404(client):
    response = await client.post("/cds-services/nope/feedback", json={"feedback": [ACCEPTED]})
    assert response.status_code == 404


async def test_sandbox_style_override_reason_without_display(client, settings):
    item = {**OVERRIDDEN, "overrideReason": {"reason": {"code": "x", "system": "https://example.org"}}}
    assert (await client.post(FB, json={"feedback": [item]})).status_code == 200
    assert rows(settings)[0]["override_display"] is None


async def test_storage_failure_is_503(client, app, monkeypatch):
    async def broken(job, timeout=None):
        raise OSError("disk full")

    monkeypatch.setattr(app.state.writer, "run", broken)
    response = await client.post(FB, json={"feedback": [ACCEPTED]})
    assert response.status_code == 503
