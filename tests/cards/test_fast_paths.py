"""What a client receives is the cards' models serialized by pydantic, with no empty values.

The response is serialized by pydantic (``dump_json``); these tests check, on every golden patient
and on the edge cases, that no ``null``, ``""``, ``[]`` or ``{}`` reaches a client and that the
JSON is the models' content; and that lines render their parameters by type.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta, timezone

import httpx
import orjson
import pytest

from cds_service.cards.i18n import Catalogue
from cds_service.cards.model import Action, Card, CdsResponse, Link, Source, Suggestion, dump_json, prune
from cds_service.cards.render import render_cards
from cds_service.facts.build import build_facts
from cds_service.fhir.resolve import resolve
from cds_service.knowledge.loader import load_knowledge
from cds_service.rules.engine import RuleConfig, evaluate
from cds_service.rules.model import Line
from tests.golden.runner import Fixture, load_fixtures

FIXTURES = load_fixtures()


def plain_dump(response: CdsResponse) -> dict:
    """The straightforward computation: every field, then everything empty removed."""
    body = prune(response.model_dump(mode="json"))
    body["cards"] = body.get("cards", [])
    return body


def golden_cards(fixture: Fixture, knowledge) -> tuple[Card, ...]:
    context = fixture.request["context"]
    prefetch = fixture.request.get("prefetch") or {}

    async def data():
        async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(599))) as client:
            return await resolve({k: "" for k in prefetch}, context, prefetch, None, None, client, time.monotonic() + 5)

    facts = build_facts(asyncio.run(data()), knowledge, fixture.clock, draft_orders=context.get("draftOrders"),
                        selections=context.get("selections"))
    recs = evaluate(facts, knowledge, RuleConfig(), fixture.hook)
    return tuple(render_cards(recs, knowledge, language=fixture.language, patient_id=context["patientId"]))


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_the_json_is_the_models_without_empty_values(fixture, knowledge):
    cards = golden_cards(fixture, knowledge)
    response = CdsResponse(cards=cards)
    assert dump_json(response) == orjson.dumps(plain_dump(response))


def test_golden_run_exercises_both_resource_kinds(knowledge):
    kinds = {
        a.resource["resourceType"]
        for f in FIXTURES
        for c in golden_cards(f, knowledge)
        for s in c.suggestions
        for a in s.actions
        if a.resource
    }
    assert kinds == {"MedicationRequest", "ServiceRequest"}


def _card(*actions: Action) -> Card:
    return Card(summary="s", indicator="info", source=Source(label="l", url=None),
                suggestions=(Suggestion(label="x", actions=actions),))


def test_a_resource_built_pruned_is_sent_as_built_with_dates_converted():
    resource = prune({"resourceType": "X", "a": None, "b": "", "c": [], "d": {}, "e": [{"f": ""}],
                      "when": date(2024, 1, 2), "n": 0, "ok": False})
    response = CdsResponse(cards=(_card(Action(type="create", description="d", resource=resource)),))
    body = orjson.loads(dump_json(response))
    assert body["cards"][0]["suggestions"][0]["actions"][0]["resource"] == {
        "resourceType": "X", "when": "2024-01-02", "n": 0, "ok": False}
    assert "url" not in body["cards"][0]["source"]
    assert dump_json(response) == orjson.dumps(plain_dump(response))


def test_false_zero_and_a_link_type_are_sent():
    card = Card(summary="s", indicator="info", source=Source(label="l"),
                suggestions=(Suggestion(label="a", isRecommended=False, actions=(Action(type="delete", description="d", resourceId="MedicationRequest/1"),)),),
                links=(Link(label="g", url="https://example.org", type="absolute"),))
    body = orjson.loads(dump_json(CdsResponse(cards=(card,))))
    assert body["cards"][0]["suggestions"][0]["isRecommended"] is False
    assert body["cards"][0]["links"] == [{"label": "g", "url": "https://example.org", "type": "absolute"}]
    assert "systemActions" not in body and "overrideReasons" not in body["cards"][0]


def test_a_shared_action_is_dumped_the_same_twice():
    action = Action(type="create", description="d", resource={"resourceType": "X"})
    card = Card(summary="s", indicator="info", source=Source(label="l"),
                suggestions=(Suggestion(label="a", isRecommended=True, actions=(action,)),
                             Suggestion(label="b", isRecommended=False, actions=(action,))))
    response = CdsResponse(cards=(card, card))
    assert dump_json(response) == orjson.dumps(plain_dump(response))


def test_an_empty_response_keeps_its_cards_list():
    assert dump_json(CdsResponse(cards=())) == b'{"cards":[]}'


def test_empty_site_codings_and_reasons_are_not_added(knowledge):
    from cds_service.cards.i18n import catalogue
    from cds_service.cards.suggestions import medication_request
    from cds_service.rules.model import Proposal

    nutrient = next(n for n in knowledge.nutrients.values() if n.proposable)
    plain = medication_request(knowledge, Proposal(nutrient.id), catalogue("nl"), "p")
    odd = medication_request(knowledge, Proposal(nutrient.id, ("",)), catalogue("nl"), "p",
                             {nutrient.id: [{"system": "", "code": None}]})
    assert odd == plain == prune(plain)
    extra = medication_request(knowledge, Proposal(nutrient.id, ("Condition/1", "")), catalogue("nl"), "p",
                               {nutrient.id: [{"system": "urn:x", "code": "1", "display": ""}]})
    assert extra["reasonReference"] == [{"reference": "Condition/1"}]
    assert extra["medicationCodeableConcept"]["coding"][-1] == {"system": "urn:x", "code": "1"}


# --- rendering lines: parameters render by their type --------------------------------------------


def fresh() -> Catalogue:
    return Catalogue("nl", {"n": "{x}", "d": "{x}", "l": "{x}", "list.and": " and "})


def test_numbers_that_are_equal_keys_render_by_their_type():
    cat = fresh()
    assert [cat.text(Line("n", {"x": v})) for v in (1, 1.0, True, 1.5)] == ["1", "1", "True", "1,5"]
    assert cat.text(Line("n", {"x": True})) == "True" and cat.text(Line("n", {"x": 1})) == "1"


def test_equal_instants_in_two_zones_render_their_own_date():
    cat = fresh()
    utc = datetime(2024, 1, 1, 23, 30, tzinfo=timezone.utc)
    cet = utc.astimezone(timezone(timedelta(hours=1)))
    assert utc == cet
    assert cat.text(Line("d", {"x": utc})) == "2024-01-01"
    assert cat.text(Line("d", {"x": cet})) == "2024-01-02"


def test_a_changed_list_or_nested_line_is_rendered_again():
    cat = fresh()
    items = ["a", "b"]
    assert cat.text(Line("l", {"x": items})) == "a and b"
    items.append("c")
    assert cat.text(Line("l", {"x": items})) == "a, b and c"
    assert cat.text(Line("l", {"x": Line("n", {"x": 2})})) == "2"
    assert cat.text(Line("l", {"x": Line("n", {"x": 3})})) == "3"


def test_markdown_and_plain_are_kept_apart():
    cat = fresh()
    assert cat.text(Line("n", {"x": "a_b"}), markdown=True) == r"a\_b"
    assert cat.text(Line("n", {"x": "a_b"})) == "a_b"


def test_card_source_and_links_follow_the_catalogue_and_knowledge(knowledge):
    from dataclasses import replace

    from cds_service.cards.render import render_card
    from cds_service.rules.model import Category, Recommendation, Severity

    rec = Recommendation(code="no-such-topic", category=Category.INFO, severity=Severity.INFO, summary=Line("s"))
    one = Catalogue("en", {"s": "S", "link.guideline": "One", "topic.no-such-topic": "T1"})
    two = Catalogue("en", {"s": "S", "link.guideline": "Two", "topic.no-such-topic": "T2"})
    first = replace(knowledge, guideline_url="https://example.org/first")
    other = replace(knowledge, guideline_url="https://example.org/other")
    cards = [render_card(rec, k, cat, "p") for k, cat in ((first, one), (first, two), (other, one))]
    assert [c.links[0].label for c in cards] == ["One", "Two", "One"]
    assert [c.source.topic.display for c in cards] == ["T1", "T2", "T1"]
    assert [c.source.url for c in cards] == ["https://example.org/first"] * 2 + ["https://example.org/other"]


def test_templates_built_once_give_the_same_resources_and_are_never_changed(knowledge):
    from cds_service.cards.i18n import catalogue
    from cds_service.cards.suggestions import build_templates, medication_request, service_request
    from cds_service.rules.model import LabOrderProposal, Proposal

    templates = build_templates(knowledge, ("nl", "en"))
    pristine = repr(templates)
    extra = {n: [{"system": "urn:site", "code": "x"}] for n in knowledge.nutrients}
    for nutrient in (n for n in knowledge.nutrients.values() if n.proposable):
        for language in ("nl", "en"):
            cat = catalogue(language)
            proposal = Proposal(nutrient.id, ("Condition/1",))
            built = medication_request(knowledge, proposal, cat, "p1", extra, templates)
            assert built == medication_request(knowledge, proposal, cat, "p1", extra)
            assert built["subject"] == {"reference": "Patient/p1"}
    order = LabOrderProposal(start=date(2025, 1, 1), end=date(2025, 2, 1), reason_references=("MedicationRequest/9",))
    cat = catalogue("en")
    assert service_request(knowledge, order, cat, "p2", templates) == service_request(knowledge, order, cat, "p2")
    assert repr(templates) == pristine  # filling in never writes into a template


def test_cards_from_parts_built_once_equal_cards_built_from_scratch(knowledge):
    """The pipeline's shared card parts (templates, override reasons, sources) change nothing."""
    import re

    from cds_service.cards.render import build_card_parts

    parts = build_card_parts(knowledge)
    uuid = re.compile(rb'"uuid":"[0-9a-f-]{36}"')
    for fixture in FIXTURES:
        context = fixture.request["context"]
        prefetch = fixture.request.get("prefetch") or {}

        async def data(prefetch=prefetch, context=context):
            async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(599))) as client:
                return await resolve({k: "" for k in prefetch}, context, prefetch, None, None, client, time.monotonic() + 5)

        facts = build_facts(asyncio.run(data()), knowledge, fixture.clock, draft_orders=context.get("draftOrders"),
                            selections=context.get("selections"))
        recs = evaluate(facts, knowledge, RuleConfig(), fixture.hook)
        made = [render_cards(recs, knowledge, language=fixture.language, patient_id=context["patientId"],
                             guideline_page="https://cds.example.org/guideline", parts=p) for p in (parts, None)]
        shared, scratch = (uuid.sub(b"", dump_json(CdsResponse(cards=tuple(cards)))) for cards in made)
        assert shared == scratch, fixture.name
