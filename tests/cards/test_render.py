"""Recommendations -> cards: language, card invariants, detail, suggestions (valid FHIR R4B)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import orjson
import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.cards.i18n import Catalogue, catalogue, escape_markdown
from cds_service.cards.model import CdsResponse, dump_json
from cds_service.cards.language import negotiate_language
from cds_service.cards.render import NON_ADHERENCE_SYSTEM, OVERRIDE_CODES, render_cards
from cds_service.knowledge.model import Coding
from cds_service.rules.model import Category, Line, Recommendation, Severity
from tests.cards.scenarios import SCENARIOS
from tests.rules.builders import TODAY, knowledge, med, patient, run

PID = "pat-123"


def cards_for(name: str, language: str = "nl", **kw):
    recs = run(SCENARIOS[name])
    return recs, render_cards(recs, knowledge(), language=language, patient_id=PID, **kw)


def card(name: str, code: str, language: str = "nl", **kw):
    recs, cards = cards_for(name, language, **kw)
    return next(c for r, c in zip(recs, cards) if r.code == code)


def resources(cards):
    for c in cards:
        for s in c.suggestions:
            for a in s.actions:
                if a.resource is not None:
                    yield a.resource


# --- language ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tag, lang", [("nl", "nl"), ("en", "en"), ("en-GB", "en"), ("NL-be", "nl"), ("fr", "nl"), ("", "nl"), (None, "nl")])
def test_language_pick(tag, lang):
    """One function chooses the card language (the API, from Accept-Language); render_cards takes it."""
    assert negotiate_language(tag) == lang


def test_dutch_is_the_default_and_english_is_available():
    nl = card("woman-68-osteoporosis", "bone-supplements", "nl")
    en = card("woman-68-osteoporosis", "bone-supplements", "en")
    assert nl.summary == "Overweeg calcium, magnesium, vitamine D, vitamine K2 en soja-isoflavonen voor de botgezondheid (suppletierichtlijn)"
    assert en.summary.startswith("Consider calcium, magnesium, vitamin D, vitamin K2 and soy isoflavones")
    assert card("woman-68-osteoporosis", "bone-supplements", negotiate_language("de")).summary == nl.summary
    assert "Gebruikte gegevens" in nl.detail and "Facts used" in en.detail


def test_numbers_and_dates_follow_the_language():
    nl = card("hctz-high-ca", "safety-hypercalcaemia", "nl")
    en = card("hctz-high-ca", "safety-hypercalcaemia", "en")
    assert "2,75 mmol/l" in nl.summary and "2.75 mmol/L" in en.summary
    cat_nl, cat_en = catalogue("nl"), catalogue("en")
    assert cat_nl.value(date(2026, 3, 2)) == "02-03-2026" and cat_en.value(date(2026, 3, 2)) == "2026-03-02"
    assert cat_nl.value(89.856) == "89,86" and cat_en.value(20.0) == "20" and cat_en.value(None) == "unknown"


# --- card invariants ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_card_invariants(name, language):
    recs, cards = cards_for(name, language)
    assert len(cards) == len(recs)
    k = knowledge()
    for rec, c in zip(recs, cards):
        assert c.indicator == rec.severity.value
        assert 0 < len(c.summary) < 140 and "{" not in c.summary
        assert c.source.label == k.guideline_title
        assert c.source.topic.system == k.recommendation_system and c.source.topic.code == rec.code
        assert c.source.topic.display
        hl7 = [o for o in c.overrideReasons if o.system == NON_ADHERENCE_SYSTEM]
        ours = [o.code for o in c.overrideReasons if o.system == k.override_system]
        assert [o.code for o in hl7] == list(OVERRIDE_CODES) and all(o.display for o in c.overrideReasons)
        # info cards also offer the reasons that suppress; warning and critical cards never do
        assert ours == (["snooze-3-months", "not-for-this-patient"] if c.indicator == "info" else [])
        assert len(c.overrideReasons) == len(hl7) + len(ours)
        assert f"{k.version}" in c.detail and "{" not in c.detail
        assert sum(1 for s in c.suggestions if s.isRecommended) <= 1
        if c.suggestions:
            assert c.selectionBehavior == "at-most-one"
    body = orjson.loads(dump_json(CdsResponse(cards=tuple(cards))))
    assert "null" not in json.dumps(body)


def test_override_reasons_are_localized():
    nl = card("vka", "bone-supplements", "nl").overrideReasons
    en = card("vka", "bone-supplements", "en").overrideReasons
    assert nl[0].display != en[0].display and en[0].display == "Advice not applicable to this patient"
    assert [o.display for o in nl[-2:]] == ["Nu niet: over 3 maanden opnieuw", "Niet voor deze patiënt (12 maanden)"]
    assert [o.display for o in en[-2:]] == ["Not now: remind me in 3 months", "Not for this patient (12 months)"]


def test_proposal_detail_has_facts_doses_dots_notes_and_version():
    c = card("woman-68-osteoporosis", "bone-supplements", "nl")
    d = c.detail
    assert "- Osteoporose (10-01-2024)\n" in d  # the record text only repeats the kind: said once
    assert "Osteoporose: Osteoporose" not in d
    assert "Vitamine D: 20–25 microgram (800–1.000 IE) per dag; bewijs ●●●" in d
    assert "Calcium: 1.000 mg per dag in totaal, voeding meegerekend (ongeveer 300 mg per portie zuivel)" in d  # decision 17
    assert "bewijs ●●" in d
    assert "Vitamine K2: 45 mg per dag zoals gedrukt, past alleen bij MK-4" in d  # the one-line unit note
    assert "nooit combineren met een vitamine K-antagonist" in d
    assert "Geen osteoporosemiddel gevonden in het dossier" in d
    # decision 16: the same for every patient, so on the guideline page, not on the card
    assert "vervangen geen fractuurrisicobeoordeling" not in d and "eiwit" not in d and "Ipriflavon" not in d
    assert "regelversie 2026.11.0" in d
    assert "waarschijnlijk minder werkzaam" not in d


def test_men_see_the_soy_note_and_no_soy_suggestion():
    c = card("man-72-hip-fracture", "bone-supplements", "en")
    assert "Soy isoflavones are probably less effective in men" in c.detail
    assert not any("soy" in s.label.lower() for s in c.suggestions)


def test_withheld_and_unchecked_sections():
    d = card("meds-unknown", "bone-supplements", "en").detail
    assert "**Not proposed**" in d and "**Could not be checked**" in d
    assert "vitamin K2: not proposed: could not check vitamin K antagonist" in d
    assert "The medication list could not be retrieved" in d
    d = card("vka", "bone-supplements", "en").detail
    assert "vitamin K2: not proposed because of a vitamin K antagonist (Acenocoumarol 1 mg)" in d


def test_lab_facts_show_date_original_unit_and_conversion():
    d = card("ngml-high-on-d", "safety-vitd-excess", "en").detail
    assert "25(OH)D on 2026-01-31: 120 ng/mL (= 299.5 nmol/L)" in d
    d = card("pmol-flagged", "vitd-status", "en").detail
    assert "80,000 pmol/L (= 80 nmol/L; converted, unit suspect)" in d


def test_record_text_is_escaped_in_markdown():
    recs = run(patient(medications=(med("vka", display="Warfarin *5* mg_[x]"),)))
    c = render_cards(recs, knowledge(), language="en", patient_id=PID)[0]
    assert r"Warfarin \*5\* mg\_\[x\]" in c.detail
    assert escape_markdown("a<b>") == r"a\<b\>"


# --- suggestions ----------------------------------------------------------------------------------


def test_one_recommended_suggestion_with_all_nutrients_and_one_per_nutrient():
    c = card("woman-68-osteoporosis", "bone-supplements", "en")
    first, *alternatives = c.suggestions
    assert first.isRecommended is True and len(first.actions) == 5
    assert [s.isRecommended for s in alternatives] == [False] * 5
    assert [len(s.actions) for s in alternatives] == [1] * 5
    assert alternatives[2].label == "Only vitamin D"
    assert all(a.type == "create" and a.description for s in c.suggestions for a in s.actions)


def test_a_single_proposal_has_no_duplicate_alternative():
    facts = patient(medications=(med("calcium"), med("magnesium"), med("vitamin-k2"), med("soy-isoflavones")))
    recs = run(facts)
    (c,) = render_cards(recs, knowledge(), language="nl", patient_id=PID)
    assert len(c.suggestions) == 1 and c.suggestions[0].isRecommended


def test_medication_request_shape():
    c = card("woman-68-osteoporosis", "bone-supplements", "nl")
    mr_d = next(r for r in resources([c]) if r["instantiatesCanonical"][0].endswith("supplement-vitamin-d"))
    assert mr_d["status"] == "draft" and mr_d["intent"] == "proposal"
    assert mr_d["subject"] == {"reference": f"Patient/{PID}"}
    assert mr_d["medicationCodeableConcept"]["coding"][0] == {"system": "http://www.whocc.no/atc", "code": "A11CC05", "display": "colecalciferol"}
    assert mr_d["medicationCodeableConcept"]["text"] == "Colecalciferol (vitamine D3)"
    dosage = mr_d["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 20.0, "unit": "µg", "system": "http://unitsofmeasure.org", "code": "ug"}
    assert dosage["timing"] == {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
    assert dosage["route"]["coding"][0]["code"] == "26643006"
    assert dosage["text"] == "20 microgram colecalciferol (800 IE), eenmaal per dag oraal"
    assert mr_d["reasonReference"][0]["reference"].startswith("Condition/")
    assert "Suppletierichtlijn Botdichtheid en Botvorming" in mr_d["note"][0]["text"]


def test_k2_has_no_structured_dose():
    c = card("woman-68-osteoporosis", "bone-supplements", "en")
    k2 = next(r for r in resources([c]) if r["instantiatesCanonical"][0].endswith("supplement-vitamin-k2"))
    dosage = k2["dosageInstruction"][0]
    assert "doseAndRate" not in dosage
    assert "45 mg as printed" in dosage["text"] and "vitamin K antagonist" in dosage["text"]


def test_recheck_card_proposes_a_service_request():
    c = card("vitd-started-60-days", "vitd-recheck", "nl")
    (s,) = c.suggestions
    assert s.isRecommended
    sr = s.actions[0].resource
    assert sr["resourceType"] == "ServiceRequest" and sr["status"] == "draft" and sr["intent"] == "proposal"
    assert sr["code"]["coding"][0]["code"] == "62292-8" and sr["category"][0]["coding"][0]["code"] == "108252007"
    assert sr["occurrencePeriod"] == {"start": TODAY.isoformat(), "end": "2026-03-16"}
    assert sr["instantiatesCanonical"] == [knowledge().lab_order.canonical]
    assert sr["subject"] == {"reference": f"Patient/{PID}"}
    assert sr["reasonReference"][0]["reference"].startswith("MedicationStatement/")
    assert "90–100 nmol/l" in sr["note"][0]["text"]


@pytest.mark.parametrize("language, text", [("nl", "Serumcalcium aanvragen"), ("en", "Order serum calcium")])
def test_excess_25ohd_without_calcium_proposes_a_serum_calcium_order(language, text):
    """Decision 13: a 25(OH)D above 250 nmol/L without a current serum calcium proposes one."""
    c = card("toxic-no-d", "safety-vitd-excess", language)
    (s,) = c.suggestions
    assert s.isRecommended and s.label == text
    sr = s.actions[0].resource
    assert sr["code"]["coding"][0]["code"] == "2000-8" and "occurrencePeriod" not in sr
    assert sr["instantiatesCanonical"] == [knowledge().lab_orders["lab-calcium"].canonical]
    assert sr["status"] == "draft" and sr["intent"] == "proposal"
    ServiceRequest.model_validate(sr)


@pytest.mark.parametrize(
    "scenario, loinc, needs",
    [("thiazide-no-calcium", "2000-8", {"calcium", "vitamin-d"}), ("ckd-no-egfr", "33914-3", {"magnesium"})],
)
def test_lab_the_record_lacks_is_ordered_with_the_supplements(scenario, loinc, needs):
    """Decision 14: the recommended suggestion carries the lab order next to the supplements, and a
    one-nutrient alternative whose check needs the lab carries it too."""
    c = card(scenario, "bone-supplements", "en")
    recommended, *alternatives = c.suggestions
    kinds = [a.resource["resourceType"] for a in recommended.actions]
    assert recommended.isRecommended and kinds.count("ServiceRequest") == 1 and kinds[-1] == "ServiceRequest"
    sr = recommended.actions[-1].resource
    assert sr["code"]["coding"][0]["code"] == loinc and sr["status"] == "draft" and sr["intent"] == "proposal"
    assert sr["reasonReference"] and "lab order" in recommended.label
    ServiceRequest.model_validate(sr)
    canonicals = {n.canonical: nid for nid, n in knowledge().nutrients.items()}
    for alt in alternatives:
        nutrient = canonicals[alt.actions[0].resource["instantiatesCanonical"][0]]
        assert (len(alt.actions) == 2) is (nutrient in needs), nutrient


def test_delete_orders_become_a_delete_suggestion():
    c = card("k2-vka-draft", "safety-k2-vka", "en")
    (s,) = c.suggestions
    (action,) = s.actions
    assert action.type == "delete" and action.resourceId.startswith("MedicationRequest/") and action.resource is None
    assert s.isRecommended


def test_delete_next_to_proposals_is_not_recommended():
    rec = Recommendation(
        code="bone-supplements",
        category=Category.PROPOSAL,
        severity=Severity.INFO,
        summary=Line("summary.bone-supplements", {"nutrients": [Line("nutrient.calcium")]}),
        proposals=run(SCENARIOS["woman-68-osteoporosis"])[0].proposals[:1],
        delete_orders=("MedicationRequest/a", "MedicationRequest/b"),
    )
    (c,) = render_cards([rec], knowledge(), language="en", patient_id=PID)
    assert [s.isRecommended for s in c.suggestions] == [True, False]
    assert [a.resourceId for a in c.suggestions[1].actions] == ["MedicationRequest/a", "MedicationRequest/b"]


def test_site_codings_are_added_without_changing_the_template():
    gpk = Coding(system="urn:oid:2.16.840.1.113883.2.4.4.1", code="12345", display="Colecalciferol 20 mcg")
    extra = {"vitamin-d": [gpk], "vitamin-k2": [{"system": "urn:oid:2.16.840.1.113883.2.4.4.10", "code": "999"}]}
    c = card("woman-68-osteoporosis", "bone-supplements", "nl", extra_codings=extra)
    res = {r["instantiatesCanonical"][0].split("supplement-")[1]: r for r in resources([c])}
    assert res["vitamin-d"]["medicationCodeableConcept"]["coding"][-1] == {"system": gpk.system, "code": "12345", "display": gpk.display}
    assert res["vitamin-k2"]["medicationCodeableConcept"]["coding"] == [{"system": "urn:oid:2.16.840.1.113883.2.4.4.10", "code": "999"}]
    again = card("woman-68-osteoporosis", "bone-supplements", "nl")
    plain = {r["instantiatesCanonical"][0].split("supplement-")[1]: r for r in resources([again])}
    assert len(plain["vitamin-d"]["medicationCodeableConcept"]["coding"]) == 2
    assert "coding" not in plain["vitamin-k2"]["medicationCodeableConcept"]


def test_resources_are_fresh_copies():
    first = card("woman-68-osteoporosis", "bone-supplements", "en")
    next(resources([first]))["dosageInstruction"][0]["text"] = "mutated"
    second = card("woman-68-osteoporosis", "bone-supplements", "en")
    assert next(resources([second]))["dosageInstruction"][0]["text"] != "mutated"


def test_templates_follow_a_new_knowledge_object():
    k = knowledge()
    other = replace(k, guideline_title="Andere titel", version="9.9")
    recs = run(SCENARIOS["woman-68-osteoporosis"])
    (c,) = [c for c in render_cards(recs, other, language="nl", patient_id=PID)]
    assert "Andere titel" in next(resources([c]))["note"][0]["text"]
    assert c.source.label == "Andere titel"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_suggestion_resource_is_valid_fhir_r4b(language):
    count = 0
    for name in SCENARIOS:
        _, cards = cards_for(name, language, extra_codings={"calcium": [Coding("urn:oid:2.16.840.1.113883.2.4.4.1", "1")]})
        for resource in resources(cards):
            model = {"MedicationRequest": MedicationRequest, "ServiceRequest": ServiceRequest}[resource["resourceType"]]
            model.model_validate(resource)
            count += 1
    assert count > 30


# --- robustness ------------------------------------------------------------------------------------


def test_a_runaway_summary_parameter_is_cut_not_an_error():
    rec = Recommendation(
        code="safety-hypercalcaemia",
        category=Category.SAFETY,
        severity=Severity.WARNING,
        summary=Line("summary.safety-hypercalcaemia.condition", {"condition": "x" * 300}),
    )
    (c,) = render_cards([rec], knowledge(), language="nl", patient_id=PID)
    assert len(c.summary) == 139 and c.summary.endswith("…")


def test_missing_keys_and_params_show_the_gap_instead_of_raising():
    cat = Catalogue("en", {"a": "A {x} {y}", "broken": "B {0[", "list.and": " and "})
    assert cat.text(Line("a", {"x": 1})) == "A 1 ?"
    assert cat.text(Line("nope")) == "nope"
    assert cat.text(Line("broken")) == "B {0["
    assert cat.value(["a", "b", "c"]) == "a, b and c" and cat.value(True) == "True"


def test_unknown_topic_falls_back_to_the_catalogue():
    k = replace(knowledge(), recommendations={})
    rec = run(SCENARIOS["vka"])[0]
    (c,) = render_cards([rec], k, language="en", patient_id=PID)
    assert c.source.topic.display == "Supplements for bone health"


def test_guideline_link_when_the_knowledge_has_a_url():
    k = replace(knowledge(), guideline_url="https://example.org/richtlijn")
    (c,) = render_cards(run(SCENARIOS["vka"])[:1], k, language="nl", patient_id=PID)
    assert c.links[0].url == "https://example.org/richtlijn" and c.source.url == "https://example.org/richtlijn"
