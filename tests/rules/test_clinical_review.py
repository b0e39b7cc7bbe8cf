"""Clinical review fixes: uninterpretable labs leave checks open (decision 9, both hook families),
the two-month check's order dating and quiet period (terminology 3.3), lines that repeat themselves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import MappingProxyType

import pytest

from cds_service.cards.i18n import catalogue
from cds_service.facts.model import Domain, LabOrder, LabResult
from cds_service.rules.engine import RuleConfig, evaluate
from cds_service.rules.model import Line, Severity
from tests.rules.builders import (
    TODAY,
    at,
    by_code,
    calcium,
    condition,
    days_ago,
    egfr,
    keys,
    knowledge,
    med,
    patient,
    run,
    source,
    vitd,
)

SIGN, SELECT = "order-sign", "order-select"


def implausible(test: str, value: float, unit: str, days: int = 10) -> LabResult:
    return LabResult(
        test=test, source=source("Observation", test), effective=at(days), value=None,
        unit="mmol/L" if test != "lab-egfr" else "mL/min/{1.73_m2}", original_value=value,
        original_unit=unit, problem="implausible",
    )


CA_IMPLAUSIBLE = implausible("lab-calcium", 10.2, "mmol/L")


# --- patient-view: an uninterpretable serum calcium / eGFR neither triggers nor clears ---------


def test_implausible_calcium_does_not_trigger_the_hypercalcaemia_card():
    taking = (med("vitamin-d", "calcium", display="Calci Chew D3"), med("thiazide", display="HCTZ"))
    cards = by_code(patient(medications=taking, calcium=CA_IMPLAUSIBLE))
    assert "safety-hypercalcaemia" not in cards


def test_implausible_calcium_leaves_the_check_open_and_withholds_the_proposal():
    """An uninterpretable serum calcium leaves the calcium / vitamin D check open: decision 14
    withholds the whole proposal, not only calcium and vitamin D."""
    rec = by_code(patient(calcium=CA_IMPLAUSIBLE))["bone-supplements"]
    assert rec.proposals == ()
    withheld = {w.nutrient: w.reason for w in rec.withheld}
    assert withheld["calcium"].key == "withheld.unchecked" and withheld["vitamin-d"].key == "withheld.unchecked"
    assert withheld["magnesium"].key == "withheld.together" and withheld["vitamin-k2"].key == "withheld.together"
    assert keys(rec.unchecked) == ["unchecked.calcium.indeterminate"]
    assert "fact.lab.indeterminate" in keys(rec.facts)
    text = catalogue("en").text(rec.unchecked[0])
    assert text == "The latest calcium result (2026-02-20: 10.2 mmol/L) cannot be interpreted: hypercalcaemia was not checked."


def test_a_normal_calcium_still_clears_the_check():
    rec = by_code(patient(calcium=calcium(2.4)))["bone-supplements"]
    assert {"calcium", "vitamin-d"} <= {p.nutrient for p in rec.proposals} and not rec.unchecked


def test_an_old_uninterpretable_calcium_is_not_current():
    rec = by_code(patient(calcium=implausible("lab-calcium", 10.2, "mmol/L", days=500)))["bone-supplements"]
    assert not rec.unchecked and "calcium" in {p.nutrient for p in rec.proposals}


def test_uninterpretable_egfr_leaves_the_magnesium_check_open_and_withholds_the_proposal():
    rec = by_code(patient(egfr=implausible("lab-egfr", 25, "mg/dL")))["bone-supplements"]
    assert rec.proposals == ()
    assert {w.nutrient for w in rec.withheld if w.reason.key == "withheld.unchecked"} == {"magnesium"}
    assert keys(rec.unchecked) == ["unchecked.kidney.indeterminate"]
    assert "safety-magnesium-kidney" not in by_code(patient(medications=(med("magnesium"),), egfr=implausible("lab-egfr", 25, "?")))


# --- order hooks: what could not be checked for a draft supplement ------------------------------


def draft(*groups: str, selected: bool = False, display: str | None = None):
    use = med(*groups, draft=True, start=TODAY, display=display)
    return replace(use, selected=selected)


def test_draft_magnesium_with_unknown_egfr_says_what_was_not_checked():
    cards = {c.code: c for c in run(patient(medications=(draft("magnesium", display="Magnesiumcitraat"),),
                                            unknown=(Domain.KIDNEY,)), hook=SIGN)}
    card = cards["safety-unchecked"]
    assert card.severity is Severity.INFO and not card.delete_orders and not card.proposals
    (fact,) = card.facts
    assert fact.key == "fact.unchecked-draft" and keys(fact.params["checks"]) == ["check.magnesium.kidney"]
    assert keys(card.unchecked) == ["unchecked.kidney"]
    nl = catalogue("nl").text(fact)
    assert "Magnesiumcitraat" in nl and "eGFR" in nl


def test_draft_calcium_with_implausible_calcium_and_unknown_conditions():
    facts = patient(medications=(draft("calcium", "vitamin-d", display="Calci Chew D3"),),
                    calcium=CA_IMPLAUSIBLE, unknown=(Domain.CONDITIONS,))
    card = {c.code: c for c in run(facts, hook=SIGN)}["safety-unchecked"]
    assert [f.params["nutrient"].key for f in card.facts] == ["nutrient.calcium", "nutrient.vitamin-d"]
    assert keys(card.unchecked) == ["unchecked.conditions", "unchecked.calcium.indeterminate"]
    summary = catalogue("en").text(card.summary)
    assert len(summary) < 140 and "calcium and vitamin D" in summary


def test_draft_soy_with_unknown_medications():
    facts = patient(medications=(draft("soy-isoflavones"),), unknown=(Domain.MEDICATIONS,))
    card = {c.code: c for c in run(facts, hook=SIGN)}["safety-unchecked"]
    assert keys(card.facts[0].params["checks"]) == ["check.soy-isoflavones.medications"]


def test_order_select_only_for_selected_drafts():
    facts = patient(medications=(draft("magnesium"),), unknown=(Domain.KIDNEY,))
    assert "safety-unchecked" not in {c.code for c in run(facts, hook=SELECT)}
    facts = patient(medications=(draft("magnesium", selected=True),), unknown=(Domain.KIDNEY,))
    assert "safety-unchecked" in {c.code for c in run(facts, hook=SELECT)}


def test_nothing_open_no_card_and_k2_keeps_its_own_card():
    assert "safety-unchecked" not in {c.code for c in run(patient(medications=(draft("magnesium"),)), hook=SIGN)}
    cards = [c.code for c in run(patient(medications=(draft("vitamin-k2"),), unknown=(Domain.MEDICATIONS,)), hook=SIGN)]
    assert cards.count("safety-k2-vka") == 1 and "safety-unchecked" not in cards


def test_no_unchecked_card_on_patient_view():
    facts = patient(medications=(med("magnesium"),), unknown=(Domain.KIDNEY,))
    assert "safety-unchecked" not in by_code(facts)


def test_site_can_switch_the_unchecked_card_off():
    facts = patient(medications=(draft("magnesium"),), unknown=(Domain.KIDNEY,))
    config = RuleConfig(disabled_rules=frozenset({"safety-unchecked"}))
    assert "safety-unchecked" not in {c.code for c in run(facts, config, hook=SIGN)}


# --- the two-month check: order dating, quiet period, no pre-reminder -----------------------------


def d3(start_days: int, ug: float = 20, **kw):
    return med("vitamin-d", display="Colecalciferol", start=days_ago(start_days), amounts={"vitamin-d": (ug, "ug")}, **kw)


def order(authored_days: int | None, occurrence_days: int | None = None) -> LabOrder:
    return LabOrder(
        source=source("ServiceRequest", "25-OH vitamine D"), status="active",
        authored=days_ago(authored_days) if authored_days is not None else None,
        occurrence=days_ago(occurrence_days) if occurrence_days is not None else None,
    )


@pytest.mark.parametrize(
    ("lab_order", "reminded"),
    [
        (order(62, occurrence_days=-2), False),  # ordered at the visit before the start, planned for later
        (order(60, occurrence_days=60), True),  # planned on the start day: a baseline, not the check
        (order(62, occurrence_days=61), True),  # planned before the start
        (order(60), False),  # no planned date: authored on the start day counts (terminology 3.3)
        (order(61), True),
        (order(None), False),
    ],
)
def test_a_pending_order_counts_by_its_planned_date(lab_order, reminded):
    facts = patient(medications=(d3(60),), lab_orders=(lab_order,))
    assert ("vitd-recheck" in by_code(facts)) is reminded


@pytest.mark.parametrize("day", [42, 49, 55])
def test_no_pre_reminder_between_day_42_and_56(day):
    assert "vitd-recheck" not in by_code(patient(medications=(d3(day),)))


def dose_changed(result_days: int, nmol: float):
    """D3 20 ug since 200 days, raised to 40 ug 60 days ago, one result ``result_days`` ago."""
    old = d3(200, ug=20, end=days_ago(61), active=False)
    new = d3(60, ug=40)
    return patient(medications=(old, new), vitamin_d=(vitd(nmol, days=result_days),))


def test_on_target_result_keeps_the_reminder_quiet_for_three_months():
    assert "vitd-recheck" not in by_code(dose_changed(70, 95))


def test_quiet_period_ends():
    assert "vitd-recheck" in by_code(dose_changed(100, 95))


def test_off_target_result_does_not_quieten_the_reminder():
    assert "vitd-recheck" in by_code(dose_changed(70, 60))


def test_quiet_period_is_configurable():
    k = knowledge()
    params = dict(k.parameters)
    params["vitd-recheck-quiet-months"] = 0
    silent_off = replace(k, parameters=MappingProxyType(params))
    codes = [r.code for r in evaluate(dose_changed(70, 95), silent_off)]
    assert "vitd-recheck" in codes


# --- lines that would repeat themselves -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind", "display", "nl", "en"),
    [
        ("fact.indication", "indication.osteoporosis", "osteoporose", "Osteoporose", "Osteoporosis: osteoporose"),
        ("fact.indication", "indication.osteoporosis", "Osteoporose, postmenopauzaal",
         "Osteoporose: Osteoporose, postmenopauzaal", "Osteoporosis: Osteoporose, postmenopauzaal"),
        ("fact.condition", "condition.hypercalcaemia", "Hypercalciëmie", "hypercalciëmie", "hypercalcaemia: Hypercalciëmie"),
    ],
)
def test_a_record_text_that_repeats_the_kind_is_said_once(key, kind, display, nl, en):
    line = Line(key, {"kind": Line(kind), "display": display})
    assert catalogue("nl").text(line) == nl and catalogue("en").text(line) == en


def test_dated_indication_keeps_its_date_when_deduplicated():
    line = Line("fact.indication.dated", {"kind": Line("indication.osteoporosis"), "display": "Osteoporose",
                                          "date": TODAY - timedelta(days=1)})
    assert catalogue("nl").text(line) == "Osteoporose (01-03-2026)"


# --- terminology 3.2: eGFR < 30 -> calcium and vitamin D with caution --------------------------


def test_low_egfr_adds_a_caution_for_calcium_and_vitamin_d():
    rec = by_code(patient(egfr=egfr(25)))["bone-supplements"]
    assert {"calcium", "vitamin-d"} <= {p.nutrient for p in rec.proposals}  # a note, not withheld
    (note,) = [a for a in rec.advice if a.key == "advice.kidney-calcium-vitd"]
    assert "25" in catalogue("nl").text(note) and "magnesium" in {w.nutrient for w in rec.withheld}


def test_no_kidney_caution_with_a_normal_egfr_or_without_calcium_and_d():
    rec = by_code(patient(egfr=egfr(45)))["bone-supplements"]
    assert "advice.kidney-calcium-vitd" not in keys(rec.advice)
    sarcoidosis = (condition("sarcoidosis"),)  # calcium and vitamin D withheld: neither proposed nor taken
    rec = by_code(patient(egfr=egfr(25), safety_conditions=sarcoidosis))["bone-supplements"]
    assert "advice.kidney-calcium-vitd" not in keys(rec.advice)


def test_kidney_caution_also_for_calcium_and_d_already_taken():
    taking = (med("vitamin-d", "calcium", display="Calci Chew D3"),)
    rec = by_code(patient(egfr=egfr(25), medications=taking))["bone-supplements"]
    assert "advice.kidney-calcium-vitd" in keys(rec.advice)


def test_thiazide_note_also_when_calcium_and_d_are_already_taken():
    # terminology §7 #12: HCTZ + Ca + D with a normal serum calcium: "note only"
    taking = (med("vitamin-d", "calcium", display="Calci Chew D3"), med("thiazide", display="HCTZ"))
    rec = by_code(patient(medications=taking, calcium=calcium(2.4)))["bone-supplements"]
    (note,) = [a for a in rec.advice if a.key == "advice.thiazide-note"]
    assert "HCTZ" in catalogue("nl").text(note) and "safety-hypercalcaemia" not in by_code(patient(medications=taking))


def test_calcium_in_mmol_is_not_converted_to_itself():
    line = by_code(patient(calcium=calcium(2.4, corrected=False)))["bone-supplements"].facts[-1]
    assert catalogue("nl").text(line) == "Calcium op 10-02-2026: 2,4 mmol/l"
