"""ActivityDefinition/$apply -> suggestion templates: product, dosage, code and timing come from the
definition, every template is valid FHIR R4B when built, human texts follow the card's language."""

from __future__ import annotations

import json
import shutil
from copy import deepcopy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.cards.i18n import Catalogue, catalogue
from cds_service.cards.render import build_card_parts
from cds_service.cards.suggestions import build_templates, medication_request, service_request
from cds_service.knowledge.apply import apply_definition
from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.loader import DEFAULT_DIR, load_knowledge
from cds_service.knowledge.model import Knowledge
from cds_service.knowledge.urls import EXT_REQUEST_CATEGORY
from cds_service.rules.model import LabOrderProposal, Proposal

DEFINITIONS = sorted(DEFAULT_DIR.glob("ActivityDefinition-*.json"))
MODELS: dict[str, Any] = {"MedicationRequest": MedicationRequest, "ServiceRequest": ServiceRequest}
SUBJECT = {"reference": "Patient/p"}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_apply_gives_a_valid_request_built_from_the_definition(path: Path) -> None:
    definition = _read(path)
    pristine = deepcopy(definition)
    resource = apply_definition(definition)
    MODELS[definition["kind"]].model_validate({**resource, "subject": SUBJECT})
    assert resource["resourceType"] == definition["kind"] and resource["status"] == "draft"
    assert resource["intent"] == definition["intent"]
    assert resource["instantiatesCanonical"] == [definition["url"]]
    if definition["kind"] == "MedicationRequest":
        assert resource["medicationCodeableConcept"] == definition["productCodeableConcept"]
        assert resource["dosageInstruction"] == definition["dosage"]
        resource["dosageInstruction"][0]["timing"]["repeat"]["frequency"] = 99
    else:
        assert resource["code"] == definition["code"]
        ext = next(e for e in definition["extension"] if e["url"] == EXT_REQUEST_CATEGORY)
        assert resource["category"] == [ext["valueCodeableConcept"]]
        resource["code"]["coding"][0]["code"] = "changed"
    assert definition == pristine  # a deep copy: the knowledge never changes through a resource


def test_apply_maps_the_other_r4_elements() -> None:
    timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}}
    site = {"coding": [{"system": "urn:example:site", "code": "arm"}]}
    service = apply_definition({
        "kind": "ServiceRequest", "url": "urn:example:ad", "intent": "order", "priority": "urgent",
        "doNotPerform": True, "timingTiming": timing, "quantity": {"value": 2}, "bodySite": [site],
        "code": {"text": "x"},
    })
    assert service == {
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order", "priority": "urgent",
        "doNotPerform": True, "instantiatesCanonical": ["urn:example:ad"], "code": {"text": "x"},
        "quantityQuantity": {"value": 2}, "occurrenceTiming": timing, "bodySite": [site],
    }
    medication = apply_definition({
        "kind": "MedicationRequest", "intent": "proposal", "productReference": {"reference": "Medication/m"},
        "quantity": {"value": 30},
    })
    assert medication["medicationReference"] == {"reference": "Medication/m"}
    assert medication["dispenseRequest"] == {"quantity": {"value": 30}}
    with pytest.raises(KnowledgeError, match="cannot apply kind 'Task'"):
        apply_definition({"id": "t", "kind": "Task"})


def _edit(copy: Path, name: str, change: Any) -> None:
    path = copy / f"ActivityDefinition-{name}.json"
    data = _read(path)
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_an_edited_definition_changes_the_suggestion(tmp_path: Path, knowledge: Knowledge) -> None:
    """Dose, timing, route and product of the order come from the definition, not from code, and
    the dosage text says what the structured dosage says."""
    copy = tmp_path / "fhir_profiles"
    shutil.copytree(DEFAULT_DIR, copy)

    def calcium(d: dict[str, Any]) -> None:
        d["dosage"][0]["timing"]["repeat"]["frequency"] = 2  # 2 x 500 mg: the same daily dose for the rules
        d["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 500
        d["productCodeableConcept"]["coding"].append({"system": "urn:example:product", "code": "ca-500"})

    _edit(copy, "supplement-calcium", calcium)
    _edit(copy, "supplement-magnesium", lambda d: d["dosage"][0].update(route={"coding": [{"system": "urn:example:route", "code": "chewed"}]}))
    _edit(copy, "lab-egfr-check", lambda d: d.update(priority="urgent"))
    edited = load_knowledge(copy)

    def resources(k: Knowledge) -> tuple[dict, dict, dict]:
        templates = build_templates(k, ("en",))
        cat = catalogue("en")
        ca, mg = (medication_request(k, Proposal(n, ("Condition/1",)), cat, "p", templates=templates) for n in ("calcium", "magnesium"))
        sr = service_request(k, LabOrderProposal(lab="lab-egfr"), cat, "p", templates)
        return ca, mg, sr

    (ca, mg, sr), (ca_before, mg_before, sr_before) = resources(edited), resources(knowledge)
    got, before = ca["dosageInstruction"][0], ca_before["dosageInstruction"][0]
    assert got["timing"]["repeat"]["frequency"] == 2 and before["timing"]["repeat"]["frequency"] == 1
    assert got["doseAndRate"][0]["doseQuantity"]["value"] == 500
    assert got["text"].startswith("500 mg elemental calcium, 2 times a day by mouth. ")
    assert before["text"].startswith("1,000 mg elemental calcium, once a day by mouth. ")
    assert ca["medicationCodeableConcept"]["coding"][-1] == {"system": "urn:example:product", "code": "ca-500"}
    assert mg["dosageInstruction"][0]["route"] == {"coding": [{"system": "urn:example:route", "code": "chewed"}]}
    # a route the catalogue cannot name: the definition's own text, never a text that says "by mouth"
    assert mg["dosageInstruction"][0]["text"] == edited.activities[edited.nutrients["magnesium"].canonical]["dosage"][0]["text"]
    assert mg_before["dosageInstruction"][0]["text"] == "200 mg elemental magnesium, once a day by mouth"
    assert sr["priority"] == "urgent" and "priority" not in sr_before
    for resource in (ca, mg):
        MedicationRequest.model_validate(resource)
    ServiceRequest.model_validate(sr)


@pytest.mark.parametrize(
    "repeat, nl, en",
    [
        ({"frequency": 1, "period": 1, "periodUnit": "wk"}, "eenmaal per week oraal", "once a week by mouth"),
        ({"frequency": 3, "period": 1, "periodUnit": "d"}, "3 maal per dag oraal", "3 times a day by mouth"),
        ({"frequency": 1, "period": 2, "periodUnit": "d"}, None, None),  # no words for it: the definition's text
        ({"frequency": 1, "period": 1, "periodUnit": "h"}, None, None),
    ],
)
def test_dosage_text_names_the_definitions_timing(knowledge: Knowledge, repeat: dict, nl: str | None, en: str | None) -> None:
    url = knowledge.nutrients["magnesium"].canonical
    definition = deepcopy(dict(knowledge.activities[url]))
    definition["dosage"][0]["timing"] = {"repeat": repeat}
    templates = build_templates(replace(knowledge, activities={**knowledge.activities, url: definition}), ("nl", "en"))
    for language, expected in (("nl", nl), ("en", en)):
        text = templates.medication[("magnesium", language)]["dosageInstruction"][0]["text"]
        if expected is None:
            assert text == definition["dosage"][0]["text"]
        else:
            assert text.endswith(expected) and text != definition["dosage"][0]["text"], text


@pytest.mark.parametrize(
    "definition_id, breaks, field",
    [
        ("supplement-calcium", lambda d: d["dosage"][0].update(timing="once a day"), "dosageInstruction"),
        ("supplement-vitamin-d", lambda d: d["productCodeableConcept"].update(coding="A11CC05"), "medicationCodeableConcept"),
        ("lab-egfr-check", lambda d: d.update(code=["33914-3"]), "code"),
    ],
)
def test_an_invalid_definition_fails_template_building(knowledge: Knowledge, definition_id: str, breaks: Any, field: str) -> None:
    url = f"https://bone-health-cds.example.org/fhir/ActivityDefinition/{definition_id}"
    broken = deepcopy(dict(knowledge.activities[url]))
    breaks(broken)
    bad = replace(knowledge, activities={**knowledge.activities, url: broken})
    with pytest.raises(KnowledgeError, match=rf"not valid FHIR R4B: \w+Request from {url} \(nl\): {field}"):
        build_templates(bad, ("nl",))
    with pytest.raises(KnowledgeError, match=definition_id):  # what the pipeline builds at start-up
        build_card_parts(bad)


def test_dosage_and_product_text_follow_the_card_language(knowledge: Knowledge) -> None:
    templates = build_templates(knowledge, ("nl", "en"))
    proposable = [n for n in knowledge.nutrients.values() if n.proposable]
    assert proposable
    for nutrient in proposable:
        definition = knowledge.activities[nutrient.canonical]
        texts = {}
        for language in ("nl", "en"):
            template = templates.medication[(nutrient.id, language)]
            dosage = template["dosageInstruction"][0]
            cat = catalogue(language)
            says = "eenmaal per dag oraal" if language == "nl" else "once a day by mouth"
            assert says in dosage["text"].lower() and "?" not in dosage["text"], dosage["text"]
            assert template["medicationCodeableConcept"]["text"] == cat.text(f"product.{nutrient.id}")
            texts[language] = dosage["text"]
        assert texts["nl"] != texts["en"] and definition["dosage"][0]["text"] not in texts.values()
    vitamin_d = {language: templates.medication[("vitamin-d", language)]["dosageInstruction"][0]["text"] for language in ("nl", "en")}
    assert vitamin_d == {
        "nl": "20 microgram colecalciferol (800 IE), eenmaal per dag oraal",
        "en": "20 microgram colecalciferol (800 IU), once a day by mouth",
    }
    lab = templates.lab[("lab-egfr", "en")]
    assert lab["code"]["text"] == "eGFR (kidney function)" and lab["code"]["coding"] == knowledge.activities[
        knowledge.lab_orders["lab-egfr"].canonical]["code"]["coding"]


def test_without_a_catalogue_text_the_definitions_own_text_stays(knowledge: Knowledge) -> None:
    bare = Catalogue("en", {})
    mr = medication_request(knowledge, Proposal("vitamin-d", ()), bare, "p")
    definition = knowledge.activities[knowledge.nutrients["vitamin-d"].canonical]
    assert mr["medicationCodeableConcept"]["text"] == definition["productCodeableConcept"]["text"]
    assert mr["dosageInstruction"][0]["text"] == definition["dosage"][0]["text"]


def test_a_definition_valid_as_such_but_not_as_a_request_is_refused(tmp_path: Path) -> None:
    """A lab ActivityDefinition without ``intent`` is valid R4B, its ServiceRequest (intent 1..1) is
    not: the templates refuse it at start-up and ``check-knowledge`` names it."""
    from cds_service.knowledge.validate import check_directory

    copy = tmp_path / "fhir_profiles"
    shutil.copytree(DEFAULT_DIR, copy)
    path = copy / "ActivityDefinition-lab-egfr-check.json"
    lab = _read(path)
    del lab["intent"]
    path.write_text(json.dumps(lab), encoding="utf-8")
    edited = load_knowledge(copy)  # the definition itself is fine
    with pytest.raises(KnowledgeError, match=r"ServiceRequest from \S+/lab-egfr-check \(nl\): intent"):
        build_card_parts(edited)
    (problem,) = check_directory(copy)
    assert problem.startswith(f"$apply of {lab['url']}: intent: ")


async def test_the_service_does_not_start_on_a_definition_that_gives_an_invalid_request(tmp_path: Path, caplog: Any) -> None:
    from cds_service.app import create_app
    from cds_service.config import Settings

    copy = tmp_path / "fhir_profiles"
    shutil.copytree(DEFAULT_DIR, copy)
    _edit(copy, "lab-calcium-check", lambda d: d.pop("intent"))
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/s.db", knowledge_dir=copy, log_level="WARNING"))
    with pytest.raises(KnowledgeError, match="lab-calcium-check"):
        async with app.router.lifespan_context(app):
            pass
    assert any(r.levelname == "CRITICAL" and "cannot start" in r.getMessage() for r in caplog.records)
