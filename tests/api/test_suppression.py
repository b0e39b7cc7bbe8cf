"""Override reasons that act (issue 13 point 1): "not now" and "not for this patient" on an info card
hide that recommendation for that patient for the Parameters' days (fixed, movable clock), nothing
else; warning and critical cards are never suppressed and never offer these reasons; the HL7
reasons are stored but suppress nothing; the key is a keyed hash, not the patient id."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from cds_service.app import create_app
from cds_service.cards.render import NON_ADHERENCE_SYSTEM
from cds_service.logs import pseudonymise
from cds_service.storage.db import create_db_engine, feedback, issued_cards, service_secrets, suppressions
from tests.api.conftest import serve
from tests.conftest import TEST_PSEUDONYM_SECRET

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "tests/golden/patients/07b-k2-with-acenocoumarol.json").read_text())
START = datetime.fromisoformat(GOLDEN["clock"].replace("Z", "+00:00"))
SERVICE = "/cds-services/bone-health-patient-view"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def request_for(patient: str = "gp07b") -> dict:
    body = copy.deepcopy(GOLDEN["request"])
    body["hookInstance"] = str(uuid.uuid4())
    body["context"]["patientId"] = patient
    body["prefetch"]["patient"]["id"] = patient
    return body


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_app(settings, knowledge, clock):
    return lambda **overrides: create_app(settings.model_copy(update=overrides), clock=clock, knowledge=knowledge, warm_up=False)


async def cards(client, patient: str = "gp07b") -> dict[str, dict]:
    response = await client.post(SERVICE, json=request_for(patient), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    return {card["source"]["topic"]["code"]: card for card in response.json()["cards"]}


async def override(client, card: dict, system: str, code: str, when: datetime) -> None:
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "overrideReason": {"reason": {"system": system, "code": code}}}
    response = await client.post(SERVICE + "/feedback", json={"feedback": [item]})
    assert response.status_code == 200


def reasons(card: dict) -> list[str]:
    return [r["code"] for r in card["overrideReasons"]]


@pytest.mark.parametrize("reason, days", [("snooze-3-months", 90), ("not-for-this-patient", 365)])
async def test_a_suppressing_reason_hides_that_code_for_that_patient_for_its_days(make_app, knowledge, clock, reason, days):
    assert knowledge.suppressing_reasons[reason].days == days  # from the Parameters resource
    async with serve(make_app()) as client:
        first = await cards(client)
        assert set(first) == {"bone-supplements", "safety-k2-vka"}
        info, critical = first["bone-supplements"], first["safety-k2-vka"]
        assert info["indicator"] == "info" and critical["indicator"] == "critical"
        assert reasons(info)[-2:] == ["snooze-3-months", "not-for-this-patient"]
        assert not {"snooze-3-months", "not-for-this-patient"} & set(reasons(critical))
        other_before = await cards(client, "someone-else")
        await override(client, info, knowledge.override_system, reason, clock.now)

        shown = await cards(client)
        assert set(shown) == {"safety-k2-vka"}  # the critical card is unaffected
        assert "Not shown for this patient after earlier feedback" in shown["safety-k2-vka"]["detail"]
        assert set(await cards(client, "someone-else")) == set(other_before)  # another patient: nothing hidden

        clock.now = START + timedelta(days=days) - timedelta(minutes=1)
        assert set(await cards(client)) == {"safety-k2-vka"}
        clock.now = START + timedelta(days=days, seconds=1)
        back = await cards(client)
        assert set(back) == {"bone-supplements", "safety-k2-vka"}
        assert "earlier feedback" not in back["safety-k2-vka"]["detail"]


async def test_hl7_reasons_are_stored_and_suppress_nothing(make_app, settings):
    async with serve(make_app()) as client:
        info = (await cards(client))["bone-supplements"]
        await override(client, info, NON_ADHERENCE_SYSTEM, "cds-not-applicable", START)
        assert "bone-supplements" in await cards(client)
    engine = create_db_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(select(feedback.c.override_code)).scalars().all() == ["cds-not-applicable"]
        assert conn.execute(select(suppressions)).all() == []


async def test_a_suppressing_reason_sent_for_a_critical_card_suppresses_nothing(make_app, knowledge, settings):
    async with serve(make_app()) as client:
        critical = (await cards(client))["safety-k2-vka"]
        await override(client, critical, knowledge.override_system, "not-for-this-patient", START)
        assert set(await cards(client)) == {"bone-supplements", "safety-k2-vka"}
    with create_db_engine(settings.database_url).connect() as conn:
        assert conn.execute(select(suppressions)).all() == []


async def test_the_key_is_a_keyed_hash_never_the_patient_id(make_app, knowledge, settings):
    async with serve(make_app()) as client:
        info = (await cards(client, "gp07b"))["bone-supplements"]
        await override(client, info, knowledge.override_system, "snooze-3-months", START)
    with create_db_engine(settings.database_url).connect() as conn:
        rows = conn.execute(select(suppressions)).mappings().all()
        issued = conn.execute(select(issued_cards)).mappings().all()
    assert len(rows) == 1 and rows[0]["recommendation"] == "bone-supplements"
    key = rows[0]["patient_key"]
    assert key != "gp07b" and "gp07b" not in json.dumps([dict(r) for r in rows + issued], default=str)
    # HMAC of issuer/tenant (none here: an unauthenticated development call) and the patient id
    assert key == pseudonymise("patient\x00\x00gp07b", TEST_PSEUDONYM_SECRET)
    assert key != pseudonymise("patient\x00\x00gp07b", "another-secret-0123456789")
    assert {r["patient_key"] for r in issued} == {key}
    assert all(r["user_key"] and "huisarts" not in r["user_key"] for r in issued)


async def test_development_generates_one_secret_and_keeps_it(make_app, knowledge, settings):
    """Without CDS_PSEUDONYM_SECRET development makes one and keeps it in the database, so a
    suppression survives a restart."""
    async with serve(make_app(pseudonym_secret=None)) as client:
        info = (await cards(client))["bone-supplements"]
        await override(client, info, knowledge.override_system, "snooze-3-months", START)
    async with serve(make_app(pseudonym_secret=None)) as client:
        assert set(await cards(client)) == {"safety-k2-vka"}
    with create_db_engine(settings.database_url).connect() as conn:
        secrets = conn.execute(select(service_secrets.c.value)).scalars().all()
    assert len(secrets) == 1 and len(secrets[0]) >= 32
