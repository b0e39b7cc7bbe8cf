"""Golden patients: each fixture through the rules directly and through HTTP, same cards expected.

Fixtures live in ``patients/`` (written by ``build_fixtures.py``); see ``runner.py`` for the
normalised card shape and the meaning of each expectation.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
from fhir.resources.R4B import get_fhir_model_class
from starlette.testclient import TestClient

from tests.api.conftest import checking_hook
from tests.golden import runner
from tests.golden.runner import Fixture

FIXTURES = runner.load_fixtures()
IDS = [f.name for f in FIXTURES]


@pytest.fixture(scope="module")
def knowledge() -> Any:
    from cds_service.knowledge.loader import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="module")
def canonicals(knowledge: Any) -> dict[str, str]:
    return runner.canonical_map(knowledge)


class Apps:
    """One app and client per fixture clock, opened lazily and closed at the end of the module."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.clients: dict[datetime, TestClient] = {}

    def client(self, clock: datetime) -> TestClient:
        if clock not in self.clients:
            directory = self.tmp / f"app{len(self.clients)}"
            directory.mkdir()
            app = runner.make_app(runner.make_settings(directory), clock=lambda: clock)
            # a loopback peer: the development profile lets it in without a JWT
            client = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000))
            client.event_hooks = {"response": [checking_hook]}  # every response: the spec's invariants
            client.__enter__()
            self.clients[clock] = client
        return self.clients[clock]

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apps]:
    holder = Apps(tmp_path_factory.mktemp("golden-apps"))
    yield holder
    holder.close()


_rules_results: dict[str, list[dict]] = {}
_http_results: dict[str, list[dict]] = {}


def _rules_cards(fixture: Fixture, knowledge: Any, canonicals: dict[str, str], apps: Apps) -> list[dict]:
    if fixture.name not in _rules_results:
        templates = runner.service_templates(apps.client(fixture.clock))[fixture.hook]
        body = asyncio.run(runner.run_rules(fixture, knowledge, templates))
        _rules_results[fixture.name] = runner.normalise(body, canonicals)
    return _rules_results[fixture.name]


def _http_cards(fixture: Fixture, canonicals: dict[str, str], apps: Apps) -> list[dict]:
    if fixture.name not in _http_results:
        client = apps.client(fixture.clock)
        service = runner.service_ids(client)[fixture.hook]
        response = client.post(
            f"/cds-services/{service}", json=fixture.request, headers={"Accept-Language": fixture.language}
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
        _http_results[fixture.name] = runner.normalise(response.json(), canonicals)
    return _http_results[fixture.name]


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_rules_path(fixture: Fixture, knowledge: Any, canonicals: dict[str, str], apps: Apps) -> None:
    cards = _rules_cards(fixture, knowledge, canonicals, apps)
    problems = runner.check(fixture.expect, cards)
    assert not problems, f"{fixture.data['description']}\n" + "\n".join(problems) + "\n" + runner.describe(cards)


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_http_path(fixture: Fixture, canonicals: dict[str, str], apps: Apps) -> None:
    cards = _http_cards(fixture, canonicals, apps)
    problems = runner.check(fixture.expect, cards)
    assert not problems, f"{fixture.data['description']}\n" + "\n".join(problems) + "\n" + runner.describe(cards)


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_paths_agree(fixture: Fixture, knowledge: Any, canonicals: dict[str, str], apps: Apps) -> None:
    assert _rules_cards(fixture, knowledge, canonicals, apps) == _http_cards(fixture, canonicals, apps)


# --- decision 16 over every golden patient ----------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_every_card_links_the_guideline_page_in_its_language(
    fixture: Fixture, canonicals: dict[str, str], apps: Apps
) -> None:
    for card in _http_cards(fixture, canonicals, apps):
        assert card["links"][:1] == [f"{runner.GUIDELINE_PAGE}?lang={fixture.language}"], card["topic"]


def _record_texts(value: Any) -> set[str]:
    """Every ``text`` and ``display`` in a request's resources: free text from the record."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "display") and isinstance(item, str):
                out.add(item)
            else:
                out |= _record_texts(item)
    elif isinstance(value, list):
        for item in value:
            out |= _record_texts(item)
    return out


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_no_summary_carries_free_text_from_the_record(
    fixture: Fixture, canonicals: dict[str, str], apps: Apps
) -> None:
    """A summary is built from the catalogue and numbers only, so a long order text can never push
    it past 140 characters or cut off what to do (names of 15 characters or more are checked)."""
    context = fixture.request["context"]
    texts = {t for t in _record_texts([fixture.request["prefetch"], context.get("draftOrders")]) if len(t) >= 15}
    for card in _http_cards(fixture, canonicals, apps):
        summary = card["summary"].casefold()
        assert not [t for t in texts if t.casefold() in summary], card["summary"]
        assert not card["summary"].endswith("…"), card["summary"]


# --- the fixtures themselves ------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_fixture_resources_are_valid_r4(fixture: Fixture) -> None:
    request = fixture.request
    assert request["hook"] == fixture.hook
    assert request["context"]["patientId"] == request["prefetch"]["patient"]["id"]
    drafts = request["context"].get("draftOrders")
    if drafts is not None:
        get_fhir_model_class("Bundle").model_validate(drafts)
        for entry in drafts["entry"]:
            assert entry["resource"]["status"] == "draft"
            get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
        ids = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in drafts["entry"]}
        assert set(request["context"].get("selections", [])) <= ids
    assert ("selections" in request["context"]) == (fixture.hook == "order-select")
    for key, value in request["prefetch"].items():
        resources = [value] if value.get("resourceType") != "Bundle" else [e["resource"] for e in value["entry"]]
        if value.get("resourceType") == "Bundle":
            get_fhir_model_class("Bundle").model_validate(value)
        for resource in resources:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            subject = resource.get("subject", {}).get("reference")
            assert subject in (None, f"Patient/{request['context']['patientId']}"), key


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_fixture_prefetch_matches_discovery(fixture: Fixture, apps: Apps) -> None:
    """Every fixture gives exactly the service's prefetch keys, except those it models as unobtainable."""
    templates = runner.service_templates(apps.client(fixture.clock))[fixture.hook]
    given = set(fixture.request["prefetch"])
    unobtainable = set(fixture.data.get("unobtainable", []))
    assert given <= set(templates), f"keys the service does not ask for: {sorted(given - set(templates))}"
    assert set(templates) - given == unobtainable
    if unobtainable:
        assert "fhirServer" not in fixture.request  # otherwise the service could fetch them


def test_fixture_ages_follow_the_clock() -> None:
    """Birth dates put each patient at the age its description states (``F 68``, ``M 72`` ...)."""
    import re

    checked = 0
    for fixture in FIXTURES:
        found = re.search(r"\b[FM] (\d{1,3})\b", fixture.data["description"])
        if not found:
            continue
        birth = date.fromisoformat(fixture.request["prefetch"]["patient"]["birthDate"])
        today = fixture.clock.date()
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        assert age == int(found.group(1)), fixture.name
        checked += 1
    assert checked >= 20


def test_enough_golden_patients() -> None:
    assert len(FIXTURES) >= 25
    assert len({f.request["hookInstance"] for f in FIXTURES}) == len(FIXTURES)


# --- the comparison itself can fail ----------------------------------------------------------


def _card(topic: str, **kw: Any) -> dict:
    base = {"topic": topic, "indicator": "info", "proposes": [], "lab_order": False, "deletes": [],
            "summary": "s", "detail": "d", "links": []}
    return {**base, **kw}


def test_check_reports_missing_extra_and_wrong_cards() -> None:
    expect = {"cards": [{"topic": "bone-supplements", "proposes": ["calcium"]}], "exact": True}
    assert runner.check(expect, [_card("bone-supplements", proposes=["calcium"])]) == []
    assert runner.check(expect, []) == ["card ['bone-supplements']: missing"]
    assert runner.check(expect, [_card("bone-supplements", proposes=["calcium", "vitamin-k2"])])
    extra = runner.check(expect, [_card("bone-supplements", proposes=["calcium"]), _card("vitd-status")])
    assert extra and "unexpected card vitd-status" in extra[0]


def test_check_optional_alternatives_and_text() -> None:
    expect = {
        "cards": [
            {"topic": ["vitd-status", "safety-vitd-excess"], "indicator": "critical"},
            {"topic": "safety-k2-vka", "optional": True, "indicator": "critical"},
            {"topic": "vitd-status", "optional": True, "detail_contains": [["99.8", "99,8"]]},
        ],
        "absent": ["vitd-recheck"],
    }
    ok = [_card("safety-vitd-excess", indicator="critical")]
    assert runner.check(expect, ok) == []
    assert runner.check(expect, ok + [_card("safety-k2-vka", indicator="warning")])  # optional, but wrong
    assert runner.check(expect, ok + [_card("vitd-status", detail="99,8 nmol/l")]) == []
    assert runner.check(expect, ok + [_card("vitd-status", detail="100 nmol/l")])
    assert runner.check(expect, ok + [_card("vitd-recheck")])
    assert runner.check(expect, [_card("vitd-status", indicator="warning")])


def test_check_text_bullets_and_links() -> None:
    expect = {"cards": [{"topic": "vitd-status", "detail_lacks": ["nmol/L"], "summary_lacks": ["…"], "max_bullets": 2,
                         "links_include": ["https://a"], "links_exclude": ["https://b"]}]}
    ok = _card("vitd-status", detail="- 55 nmol/l\n- x", links=["https://a"])
    assert runner.check(expect, [ok]) == []
    assert runner.check(expect, [{**ok, "detail": "- 55 nmol/L"}]) == ["card ['vitd-status']: detail has 'nmol/L'"]
    assert runner.check(expect, [{**ok, "summary": "Prednisolon 5 mg…"}])
    assert runner.check(expect, [{**ok, "detail": "- a\n- b\n- c"}])
    assert runner.check(expect, [{**ok, "links": []}]) and runner.check(expect, [{**ok, "links": ["https://a", "https://b"]}])


def test_normalise_reads_suggestions() -> None:
    card = {
        "summary": "s",
        "indicator": "warning",
        "source": {"label": "x", "topic": {"system": "s", "code": "safety-k2-vka"}},
        "suggestions": [
            {"label": "a", "actions": [
                {"type": "create", "description": "d",
                 "resource": {"resourceType": "MedicationRequest", "instantiatesCanonical": ["https://x/AD/d|1.0"]}},
                {"type": "create", "description": "d", "resource": {"resourceType": "ServiceRequest"}},
            ]},
            {"label": "b", "actions": [{"type": "delete", "description": "d", "resourceId": "MedicationRequest/k2"}]},
        ],
    }
    got = runner.normalise_card(card, {"https://x/AD/d": "vitamin-d"})
    assert got["topic"] == "safety-k2-vka"
    assert got["proposes"] == ["vitamin-d"] and got["lab_order"] and got["deletes"] == ["MedicationRequest/k2"]
