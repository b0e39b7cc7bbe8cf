"""Examples that do not age (issue 13 point 4): `cds-service example NAME` moves every date by the
days since the example was written, so the same cards come back whatever today is; the walk-through's
feedback bodies (accept a suggestion, snooze a card) are accepted and act."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone

import pytest

from cds_service import cli
from cds_service.app import create_app
from cds_service.cards.render import NON_ADHERENCE_SYSTEM
from cds_service.examples import EXAMPLES_DIR, ExampleError, example, feedback_for, manifest, shift_dates
from tests.api.conftest import serve

# the cards the README shows for each example (topic codes, in order)
EXPECTED = {
    "patient-view": ["vitd-status", "bone-supplements"],
    "order-select": ["dose-guideline-range"],
    "order-sign": ["vitd-recheck"],
}


def test_dates_move_by_whole_days_and_nothing_else_changes():
    body = {"a": "2025-05-01", "b": ["2025-04-15T09:30:00+02:00"], "c": "2025-13-01", "d": "not 2025-05-01", "e": 5}
    assert shift_dates(body, 10) == {"a": "2025-05-11", "b": ["2025-04-25T09:30:00+02:00"], "c": "2025-13-01",
                                     "d": "not 2025-05-01", "e": 5}


def test_an_example_keeps_its_ages_and_intervals():
    written = json.loads((EXAMPLES_DIR / "patient-view.json").read_text())
    later = example("patient-view", date(2031, 5, 1))  # written as of 2025-05-01: six years on
    assert later["prefetch"]["patient"]["birthDate"] == "1962-04-12" != written["prefetch"]["patient"]["birthDate"]
    assert later["prefetch"]["vitaminD"]["entry"][0]["resource"]["effectiveDateTime"] == "2031-04-15"
    assert later["hookInstance"] != written["hookInstance"]
    with pytest.raises(ExampleError, match="unknown example 'nope'"):
        example("nope", date(2031, 5, 1))


@pytest.mark.parametrize("today", [date(2026, 12, 7), date(2029, 2, 28)])
async def test_every_example_gives_the_readme_cards_whatever_today_is(settings, knowledge, today):
    clock = lambda: datetime.combine(today, time(10, 0), timezone.utc)  # noqa: E731
    app = create_app(settings, clock=clock, knowledge=knowledge, warm_up=False)
    examples = manifest()
    async with serve(app) as client:
        for name, topics in EXPECTED.items():
            response = await client.post(f"/cds-services/{examples[name]['service']}", json=example(name, today))
            assert [c["source"]["topic"]["code"] for c in response.json()["cards"]] == topics, name


async def test_the_walk_through_accept_then_snooze_then_gone(settings, knowledge):
    today = date(2026, 12, 7)
    clock = lambda: datetime.combine(today, time(10, 0), timezone.utc)  # noqa: E731
    app = create_app(settings, clock=clock, knowledge=knowledge, warm_up=False)
    service = "/cds-services/bone-health-patient-view"
    options = dict(override_system=knowledge.override_system, own_reasons=knowledge.suppressing_reasons,
                   hl7_system=NON_ADHERENCE_SYSTEM)
    async with serve(app) as client:
        signed = (await client.post("/cds-services/bone-health-order-sign", json=example("order-sign", today))).json()
        accept = feedback_for(signed, topic="vitd-recheck", reason=None, **options)
        assert accept["feedback"][0]["acceptedSuggestions"] == [{"id": signed["cards"][0]["suggestions"][0]["uuid"]}]
        assert (await client.post("/cds-services/bone-health-order-sign/feedback", json=accept)).status_code == 200
        first = (await client.post(service, json=example("patient-view", today))).json()
        snooze = feedback_for(first, topic="bone-supplements", reason="snooze-3-months", **options)
        assert snooze["feedback"][0]["overrideReason"]["reason"]["system"] == knowledge.override_system
        assert (await client.post(service + "/feedback", json=snooze)).status_code == 200
        again = (await client.post(service, json=example("patient-view", today))).json()
        assert [c["source"]["topic"]["code"] for c in again["cards"]] == ["vitd-status"]  # the warning stays
    with pytest.raises(ExampleError, match="does not offer"):
        feedback_for(first, topic="vitd-status", reason="snooze-3-months", **options)  # a warning card


def test_the_command_prints_a_fresh_body(capsys, tmp_path):
    cli.main(["example", "patient-view", "--date", "2027-01-10"])
    body = json.loads(capsys.readouterr().out)
    assert body["prefetch"]["vitaminD"]["entry"][0]["resource"]["effectiveDateTime"] == "2026-12-25"
    saved = tmp_path / "cards.json"
    saved.write_text(json.dumps({"cards": [{"uuid": "c1", "overrideReasons": [{"code": "snooze-3-months"}],
                                            "source": {"topic": {"code": "vitd-status"}}}]}))
    cli.main(["example", "feedback", "--cards", str(saved), "--reason", "snooze-3-months"])
    item = json.loads(capsys.readouterr().out)["feedback"][0]
    assert item["card"] == "c1" and item["overrideReason"]["reason"]["code"] == "snooze-3-months"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["example", "order-sign", "--date", "tomorrow"])
    assert stopped.value.code == 2 and "--date='tomorrow'" in capsys.readouterr().err
