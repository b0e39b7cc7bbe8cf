"""Order-hook rules (order-select / order-sign) from hand-made facts and a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from cds_service.facts.model import (
    Amount,
    Domain,
    GlucocorticoidExposure,
    LabOrder,
    LabResult,
    MedicationUse,
    PatientFacts,
    Sex,
    Source,
)
from cds_service.knowledge.loader import load_knowledge
from cds_service.knowledge.model import Knowledge, LabOrderTemplate, Nutrient, Quantity
from cds_service.rules import orders
from cds_service.rules.context import RuleContext
from cds_service.rules.engine import RuleConfig
from cds_service.rules.model import Category, Severity

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
SIGN, SELECT = "order-sign", "order-select"

PARAMS = {
    "adult-age": 18,
    "fragility-fracture-age": 50,
    "recent-fracture-months": 6,
    "soy-age-proxy": 50,
    "gc-long-term-days": 90,
    "gc-lookback-days": 365,
    "gc-short-course-max-days": 14,
    "gc-short-courses-min": 4,
    "gc-gap-bridge-days": 30,
    "gc-high-dose-pe-mg": 7.5,
    "gc-replacement-hydrocortisone-mg": 30,
    "supplement-recent-dispense-days": 90,
    "vitd-target-low-nmol": 90,
    "vitd-target-high-nmol": 100,
    "vitd-target-low-ngml": 36,
    "vitd-target-high-ngml": 40,
    "vitd-severe-below-nmol": 25,
    "vitd-deficient-below-nmol": 50,
    "vitd-high-above-nmol": 250,
    "vitd-toxic-above-nmol": 375,
    "vitd-plausible-min-nmol": 2,
    "vitd-plausible-max-nmol": 1000,
    "vitd-ngml-to-nmol": 2.496,
    "vitd-current-months": 12,
    "vitd-check-after-days": 56,
    "vitd-check-window-days": 14,
    "vitd-dose-change-fraction": 0.25,
    "calcium-high-mmol": 2.6,
    "calcium-critical-mmol": 3.0,
    "calcium-mgdl-to-mmol": 4.008,
    "calcium-albumin-reference-gl": 40,
    "calcium-albumin-factor": 0.02,
    "egfr-magnesium-min": 30,
    "lab-current-months": 12,
}


def _nutrient(id, dose=None, low=None, high=None, limit=None, proposable=True):
    return Nutrient(
        id=id, canonical=f"https://example.org/ActivityDefinition/supplement-{id}", product=(), dose=dose,
        dose_low=low, dose_high=high, upper_limit=limit, evidence_dots=2, quality_of_evidence="moderate",
        plan_action=id, proposable=proposable,
    )


KNOWLEDGE = Knowledge(
    version="test",
    guideline_title="Suppletierichtlijn",
    guideline_url=None,
    value_sets={},
    nutrients={
        "calcium": _nutrient("calcium", Quantity(1000, "mg"), limit=Quantity(2500, "mg")),
        "magnesium": _nutrient("magnesium", Quantity(200, "mg"), limit=Quantity(250, "mg")),
        "vitamin-d": _nutrient("vitamin-d", Quantity(20, "ug"), Quantity(20, "ug"), Quantity(25, "ug"), Quantity(100, "ug")),
        "vitamin-k2": _nutrient("vitamin-k2", None, high=Quantity(45, "mg")),
        "soy-isoflavones": _nutrient("soy-isoflavones", Quantity(120, "mg")),
        "ipriflavone": _nutrient("ipriflavone", Quantity(600, "mg"), proposable=False),
    },
    parameters=PARAMS,
    lab_order=LabOrderTemplate(canonical="https://example.org/ActivityDefinition/lab-25ohd", code=(), category=()),
    recommendation_system="https://bone-health-cds.example.org/fhir/CodeSystem/bone-health-recommendation",
    safety=load_knowledge().safety,  # the tables of fhir_profiles/ (PlanDefinition bone-health-safety)
    routes=load_knowledge().routes,
)


def use(
    name: str,
    *groups: str,
    draft: bool = False,
    selected: bool = False,
    start: date | None = None,
    end: date | None = None,
    route: str | None = "oral",
    **nutrients: Amount,
) -> MedicationUse:
    """A medication record; drafts get a MedicationRequest resource id named after the drug."""
    amounts = {k.replace("_", "-"): v for k, v in nutrients.items()}
    rid = f"MedicationRequest/{name}"
    return MedicationUse(
        groups=frozenset(groups) | frozenset(amounts),
        source=Source(rid if draft else f"MedicationStatement/{name}", name, start),
        kind="MedicationRequest" if draft else "MedicationStatement",
        status="draft" if draft else "active",
        start=start if start is not None or not draft else TODAY,
        end=end,
        active=not draft,
        nutrients=amounts,
        route=route,
        draft=draft,
        selected=selected,
        resource_id=rid if draft else None,
    )


def patient(*meds: MedicationUse, sex: Sex = Sex.FEMALE, age: int = 67, **kw) -> PatientFacts:
    return PatientFacts(now=NOW, age=age, sex=sex, medications=meds, **kw)


def run(facts: PatientFacts, hook: str = SIGN, config: RuleConfig = RuleConfig()):
    return orders.evaluate_orders(RuleContext(facts, KNOWLEDGE, config, hook))


def codes(cards) -> list[str]:
    return [c.code for c in cards]


def only(cards, code: str):
    found = [c for c in cards if c.code == code]
    assert len(found) == 1, codes(cards)
    return found[0]


def keys(lines) -> list[str]:
    return [line.key for line in lines]


PRED = "prednisolon 10 mg"
D3 = Amount(20, "ug")


# --- scope ----------------------------------------------------------------------------------------


def test_no_order_cards_on_patient_view():
    facts = patient(use("k2", "vitamin-k2", draft=True), use("acenocoumarol", "vka"))
    assert run(facts, "patient-view") == []


def test_in_scope_selected_on_order_select_every_draft_on_order_sign():
    draft = use("x", "calcium", draft=True)
    assert orders.in_scope(draft, SIGN)
    assert not orders.in_scope(draft, SELECT)
    assert orders.in_scope(replace(draft, selected=True), SELECT)
    assert not orders.in_scope(use("x", "calcium"), SIGN)


# --- glucocorticoids without bone protection ----------------------------------------------------


def gc_draft(name: str = PRED, *, end: date | None = None, selected: bool = False, route: str = "oral") -> MedicationUse:
    return use(name, "glucocorticoid-systemic", draft=True, end=end, selected=selected, route=route)


def exposure(*drafts: MedicationUse, days: int = 0, courses: int = 0, long_term: bool = False) -> GlucocorticoidExposure:
    """The exposure as the facts layer builds it: drafts that count are among its sources."""
    return GlucocorticoidExposure(
        long_term=long_term, days_exposed=days, short_courses=courses, mean_prednisolone_mg=None,
        high_dose=None, ongoing=True, sources=tuple(d.source for d in drafts),
    )


def gc_patient(draft: MedicationUse, *meds: MedicationUse, **kw) -> PatientFacts:
    kw.setdefault("glucocorticoids", exposure(draft, days=1))
    return patient(draft, *meds, **kw)


def test_gc_ongoing_draft_without_protection_gets_combined_proposal():
    facts = gc_patient(gc_draft())
    card = only(run(facts), "gc-bone-protection")
    assert card.category is Category.PROPOSAL
    assert card.summary.key == "summary.gc-bone-protection"
    assert not card.summary.params  # no text from the record in a summary (decision 16)
    assert card.facts[0].params["drug"] == PRED
    assert card.references == ("nhg-fracture-prevention",)
    # a woman of 67: soy isoflavones too (decision 5), from the shared proposal builder
    assert {p.nutrient for p in card.proposals} == {"calcium", "magnesium", "vitamin-d", "vitamin-k2", "soy-isoflavones"}
    assert card.proposals[0].reason_references == (f"MedicationRequest/{PRED}",)
    assert keys(card.facts)[:2] == ["fact.gc-draft.ongoing", "fact.gc-no-bone-protection"]
    assert "fact.indication.dated" not in keys(card.facts)  # the draft is named once, as itself
    assert card.advice[0].key == "advice.gc-drug-treatment-first"
    assert "advice.no-bone-drug" not in keys(card.advice)  # the first advice line says it for this card
    assert "bone-supplements" not in codes(run(facts))


@pytest.mark.parametrize(
    ("days", "fires"),
    [(30, False), (89, False), (90, True), (120, True)],
)
def test_gc_planned_duration_of_three_months(days, fires):
    draft = gc_draft(end=TODAY + timedelta(days=days))
    cards = run(gc_patient(draft))
    assert ("gc-bone-protection" in codes(cards)) is fires
    if fires:
        card = only(cards, "gc-bone-protection")
        assert card.facts[0].key == "fact.gc-draft.planned"
        assert card.facts[0].params["days"] == days


def test_gc_short_draft_completes_the_definition_with_exposure_on_file():
    short = gc_draft(end=TODAY + timedelta(days=10))
    assert "gc-bone-protection" not in codes(run(gc_patient(short, glucocorticoids=exposure(short, days=60, courses=2))))
    # the fourth short course in 12 months (the facts layer counts the draft in)
    assert "gc-bone-protection" in codes(run(gc_patient(short, glucocorticoids=exposure(short, courses=4, long_term=True))))


def test_gc_draft_the_facts_layer_does_not_count():
    # inhaled, budesonide, or hydrocortisone at a replacement dose: not among the exposure's sources
    draft = gc_draft("hydrocortison 20 mg")
    assert run(patient(draft, glucocorticoids=None)) == []
    other = gc_draft("prednisolon 5 mg")
    card = only(run(patient(draft, other, glucocorticoids=exposure(other, long_term=True))), "gc-bone-protection")
    assert [f.params["drug"] for f in card.facts if f.key.startswith("fact.gc-draft")] == ["prednisolon 5 mg"]
    assert run(gc_patient(draft, glucocorticoids=exposure(long_term=True))) == []


@pytest.mark.parametrize(
    "protection",
    [
        (use("alendronate", "bone-drug"),),
        (use("alendronate", "bone-drug", draft=True),),  # ordered in the same session
        (use("Calci Chew D3", calcium=Amount(500, "mg"), vitamin_d=Amount(10, "ug")),),
        (use("calcium", calcium=Amount(500, "mg")), use("D3", "vitamin-d", draft=True, vitamin_d=D3)),
    ],
)
def test_gc_with_bone_protection_no_card(protection):
    assert "gc-bone-protection" not in codes(run(gc_patient(gc_draft(), *protection)))


def test_gc_calcium_alone_is_not_protection_and_is_shown_as_taken():
    facts = gc_patient(gc_draft(), use("Calcium 500", calcium=Amount(500, "mg")))
    card = only(run(facts), "gc-bone-protection")
    assert "calcium" not in {p.nutrient for p in card.proposals}
    assert card.already_taken and card.already_taken[0].params["drugs"] == "Calcium 500"


def test_gc_k2_withheld_for_vka_on_file():
    card = only(run(gc_patient(gc_draft(), use("acenocoumarol", "vka"))), "gc-bone-protection")
    assert "vitamin-k2" not in {p.nutrient for p in card.proposals}
    assert [w.nutrient for w in card.withheld] == ["vitamin-k2"]


def test_gc_order_select_only_when_selected_and_trigger_switch_respected():
    draft = gc_draft()
    assert run(gc_patient(draft), SELECT) == []
    selected = gc_draft(selected=True)
    assert "gc-bone-protection" in codes(run(gc_patient(selected), SELECT))
    off = RuleConfig(disabled_triggers=frozenset({"glucocorticoids"}))
    assert "gc-bone-protection" not in codes(run(gc_patient(draft), config=off))


def test_gc_no_card_for_pregnant_patient():
    assert "gc-bone-protection" not in codes(run(gc_patient(gc_draft(), pregnant=True)))


# --- vitamin D draft: propose the 25(OH)D check -------------------------------------------------


def test_vitd_draft_proposes_check_after_eight_weeks():
    card = only(run(patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3))), "vitd-recheck")
    assert card.lab_order.start == date(2026, 4, 27)  # 2 March + 56 days
    assert card.lab_order.end == date(2026, 5, 11)
    assert card.lab_order.reason_references == ("MedicationRequest/D3",)
    assert card.summary.key == "summary.vitd-recheck.order"
    assert card.summary.params["date"] == date(2026, 4, 27)


def test_vitd_draft_uses_its_own_start_date():
    start = TODAY + timedelta(days=7)
    card = only(run(patient(use("D3", "vitamin-d", draft=True, start=start, vitamin_d=D3))), "vitd-recheck")
    assert card.lab_order.start == start + timedelta(days=56)


def lab(draft=False, authored=TODAY, occurrence=None, selected=False) -> LabOrder:
    return LabOrder(Source("ServiceRequest/l", "25-OH vitamine D"), "draft" if draft else "active", authored,
                    draft=draft, selected=selected, occurrence=occurrence)


@pytest.mark.parametrize(
    ("order", "proposed"),
    [
        (lab(occurrence=date(2026, 4, 27)), False),  # the check is already planned
        (lab(draft=True, occurrence=date(2026, 5, 1)), False),  # ... or in the same draft set
        (lab(draft=True), True),  # same-day draft: a baseline test, not the check
        (lab(authored=date(2026, 1, 5)), True),  # an older pending order
    ],
)
def test_vitd_draft_existing_order(order, proposed):
    facts = patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3), lab_orders=(order,))
    assert ("vitd-recheck" in codes(run(facts))) is proposed


def test_vitd_renewal_at_same_dose_does_not_restart_the_clock():
    on_file = use("D3 old", "vitamin-d", start=date(2025, 6, 1), vitamin_d=D3)
    same = use("D3", "vitamin-d", draft=True, vitamin_d=Amount(20, "ug"))
    higher = use("D3", "vitamin-d", draft=True, vitamin_d=Amount(50, "ug"))
    assert "vitd-recheck" not in codes(run(patient(on_file, same)))
    assert "vitd-recheck" in codes(run(patient(on_file, higher)))


def test_vitd_draft_order_select_needs_selection():
    draft = use("D3", "vitamin-d", draft=True, vitamin_d=D3)
    assert "vitd-recheck" not in codes(run(patient(draft), SELECT))
    assert "vitd-recheck" in codes(run(patient(replace(draft, selected=True)), SELECT))


def test_vitd_draft_unknown_lab_orders_says_so():
    facts = patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3), unknown=frozenset({Domain.LAB_ORDERS}))
    assert keys(only(run(facts), "vitd-recheck").unchecked) == ["unchecked.lab-orders"]


# --- 25(OH)D ordered too early ------------------------------------------------------------------


def test_lab_order_within_eight_weeks_of_start_is_early():
    facts = patient(use("D3", "vitamin-d", start=date(2026, 2, 1), vitamin_d=D3), lab_orders=(lab(draft=True),))
    card = only(run(facts), "vitd-recheck-early")
    assert card.severity is Severity.INFO
    assert card.summary.params["date"] == date(2026, 3, 29)  # 1 Feb + 56 days
    assert keys(card.facts) == ["fact.vitd-start", "fact.lab-order-draft"]
    assert card.facts[1].params["days"] == 29
    assert card.advice[0].params == {"weeks": 8, "date": date(2026, 3, 29)}


@pytest.mark.parametrize(
    ("order", "fires"),
    [
        (lab(draft=True, occurrence=date(2026, 3, 29)), False),  # planned for the right day
        (lab(draft=True, occurrence=date(2026, 3, 20)), True),
        (lab(draft=True, selected=True), True),
    ],
)
def test_lab_order_planned_date_counts(order, fires):
    facts = patient(use("D3", "vitamin-d", start=date(2026, 2, 1), vitamin_d=D3), lab_orders=(order,))
    assert ("vitd-recheck-early" in codes(run(facts))) is fires


def test_lab_order_after_eight_weeks_or_as_baseline_is_fine():
    long_ago = patient(use("D3", "vitamin-d", start=date(2025, 12, 1), vitamin_d=D3), lab_orders=(lab(draft=True),))
    assert "vitd-recheck-early" not in codes(run(long_ago))
    baseline = patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3), lab_orders=(lab(draft=True),))
    assert "vitd-recheck-early" not in codes(run(baseline))
    pending_on_file = patient(use("D3", "vitamin-d", start=date(2026, 2, 1), vitamin_d=D3), lab_orders=(lab(),))
    assert "vitd-recheck-early" not in codes(run(pending_on_file))  # not a draft: not this order's advice


def test_lab_order_early_after_dose_change():
    old = use("D3 10", "vitamin-d", start=date(2025, 6, 1), end=date(2026, 2, 9), vitamin_d=Amount(10, "ug"))
    new = use("D3 25", "vitamin-d", start=date(2026, 2, 10), vitamin_d=Amount(25, "ug"))
    card = only(run(patient(old, new, lab_orders=(lab(draft=True),))), "vitd-recheck-early")
    assert keys(card.facts) == ["fact.vitd-start", "fact.vitd-dose-change", "fact.lab-order-draft"]
    assert card.summary.params["date"] == date(2026, 4, 7)


def test_lab_order_early_order_select_needs_selection():
    facts = patient(use("D3", "vitamin-d", start=date(2026, 2, 1), vitamin_d=D3), lab_orders=(lab(draft=True),))
    assert "vitd-recheck-early" not in codes(run(facts, SELECT))


# --- safety ---------------------------------------------------------------------------------------


def test_k2_draft_with_vka_on_file_is_critical_with_delete():
    facts = patient(use("MenaQ7", "vitamin-k2", draft=True), use("acenocoumarol", "vka"))
    card = only(run(facts), "safety-k2-vka")
    assert card.severity is Severity.CRITICAL
    assert card.delete_orders == ("MedicationRequest/MenaQ7",)


def test_draft_orders_are_named_as_new_orders_in_the_facts():
    from cds_service.cards.i18n import catalogue

    facts = patient(use("MenaQ7", "vitamin-k2", draft=True), use("acenocoumarol", "vka"))
    k2_line, vka_line = only(run(facts), "safety-k2-vka").facts
    assert catalogue("en").text(k2_line) == "Vitamin K2 taken: MenaQ7 (new order)"
    assert catalogue("nl").text(k2_line) == "Vitamine K2 in gebruik: MenaQ7 (nieuwe order)"
    assert catalogue("en").text(vka_line) == "Vitamin K antagonist: acenocoumarol"  # on file: no mark


def test_k2_and_vka_both_in_the_draft_set():
    facts = patient(use("MenaQ7", "vitamin-k2", draft=True), use("acenocoumarol", "vka", draft=True))
    assert only(run(facts), "safety-k2-vka").delete_orders == ("MedicationRequest/MenaQ7",)


def test_new_vka_for_patient_taking_k2():
    facts = patient(use("MenaQ7", "vitamin-k2"), use("fenprocoumon", "vka", draft=True))
    card = only(run(facts), "safety-k2-vka")
    assert card.severity is Severity.CRITICAL
    assert card.delete_orders == ()  # the VKA is the intended drug; K2 is on file


def test_k2_draft_with_medication_list_unavailable_says_the_vka_check_is_open():
    k2 = use("MenaQ7", "vitamin-k2", draft=True)
    card = only(run(patient(k2, unknown=frozenset({Domain.MEDICATIONS}))), "safety-k2-vka")
    assert card.severity is Severity.WARNING
    assert card.summary.key == "summary.safety-k2-vka.unchecked"
    assert keys(card.unchecked) == ["unchecked.medications"] and card.delete_orders == ()
    assert "safety-k2-vka" not in codes(run(patient(k2)))  # list known, no VKA: nothing to say
    both = run(patient(k2, use("warfarine", "vka", draft=True), unknown=frozenset({Domain.MEDICATIONS})))
    assert only(both, "safety-k2-vka").severity is Severity.CRITICAL


def test_existing_combination_is_not_order_advice():
    facts = patient(use("MenaQ7", "vitamin-k2"), use("acenocoumarol", "vka"), use("Mg", "magnesium", draft=True))
    assert "safety-k2-vka" not in codes(run(facts))


def test_second_k2_draft_on_top_of_existing_combination():
    facts = patient(use("MenaQ7", "vitamin-k2"), use("acenocoumarol", "vka"), use("K2 MK-4", "vitamin-k2", draft=True))
    assert only(run(facts), "safety-k2-vka").delete_orders == ("MedicationRequest/K2 MK-4",)


def test_order_select_fires_when_either_half_is_selected():
    k2 = use("MenaQ7", "vitamin-k2", draft=True)
    vka = use("acenocoumarol", "vka", draft=True)
    assert "safety-k2-vka" not in codes(run(patient(k2, vka), SELECT))
    assert "safety-k2-vka" in codes(run(patient(k2, replace(vka, selected=True)), SELECT))
    other = use("Mg", "magnesium", draft=True, selected=True)
    assert "safety-k2-vka" not in codes(run(patient(k2, use("acenocoumarol", "vka"), other), SELECT))


@pytest.mark.parametrize(
    "meds",
    [
        (use("Calcium 500", "calcium", draft=True), use("levothyroxine", "levothyroxine")),
        (use("Calcium 500", "calcium"), use("levothyroxine", "levothyroxine", draft=True)),  # reverse
        (use("Mg", "magnesium", draft=True), use("doxycycline", "tetracycline", draft=True)),  # same draft set
    ],
)
def test_mineral_spacing_both_directions(meds):
    card = only(run(patient(*meds)), "safety-mineral-spacing")
    assert card.severity is Severity.WARNING


def test_magnesium_draft_with_low_egfr():
    egfr = LabResult("lab-egfr", Source("Observation/e", "eGFR"), NOW - timedelta(days=20), 25.0, "mL/min/1.73m2", 25.0, "mL/min/{1.73_m2}")
    facts = patient(use("Mg", "magnesium", draft=True, magnesium=Amount(200, "mg")), egfr=egfr)
    assert only(run(facts), "safety-magnesium-kidney").severity is Severity.WARNING
    assert "safety-magnesium-kidney" not in codes(run(replace(facts, egfr=replace(egfr, value=45.0))))


@pytest.mark.parametrize(
    "meds",
    [
        (use("soja-isoflavonen", "soy-isoflavones", draft=True), use("tamoxifen", "tamoxifen")),
        (use("soja-isoflavonen", "soy-isoflavones"), use("tamoxifen", "tamoxifen", draft=True)),  # reverse
        (use("soja-isoflavonen", "soy-isoflavones", draft=True), use("letrozol", "aromatase-inhibitor", draft=True)),
    ],
)
def test_soy_with_endocrine_therapy_both_directions(meds):
    assert only(run(patient(*meds)), "safety-soy-endocrine").severity is Severity.WARNING


def test_soy_draft_for_a_man():
    card = only(run(patient(use("soja-isoflavonen", "soy-isoflavones", draft=True), sex=Sex.MALE)), "bone-supplements")
    assert card.summary.key == "summary.order-soy-men"
    assert card.proposals == () and card.severity is Severity.INFO
    assert "bone-supplements" not in codes(run(patient(use("soja-isoflavonen", "soy-isoflavones", draft=True))))


def test_other_patient_view_safety_rules_apply_to_drafts():
    from cds_service.facts.model import SafetyCondition

    sarcoid = SafetyCondition("sarcoidosis", Source("Condition/s", "sarcoïdose"))
    facts = patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3), safety_conditions=(sarcoid,))
    assert only(run(facts), "safety-hypercalcaemia").severity is Severity.WARNING
    active = patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3), use("alfacalcidol", "active-vitamin-d"))
    assert "safety-active-vitd" in codes(run(active))
    assert "safety-hypercalcaemia" not in codes(run(patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3))))


# --- duplicates -----------------------------------------------------------------------------------


def test_duplicate_supplement_per_nutrient():
    combo = use("Calci Chew D3", calcium=Amount(500, "mg"), vitamin_d=Amount(10, "ug"))
    facts = patient(combo, use("D3", "vitamin-d", draft=True, vitamin_d=D3))
    card = only(run(facts), "duplicate-supplement")
    assert card.summary.params["nutrient"].key == "nutrient.vitamin-d"
    assert [f.params["drugs"] for f in card.facts] == ["D3", "Calci Chew D3"]
    assert "duplicate-supplement" not in codes(run(patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3))))


def test_duplicate_ignores_stopped_products():
    stopped = replace(use("D3 old", "vitamin-d", vitamin_d=D3), active=False, status="completed")
    assert "duplicate-supplement" not in codes(run(patient(stopped, use("D3", "vitamin-d", draft=True, vitamin_d=D3))))


# --- dose totals ----------------------------------------------------------------------------------


def test_total_above_upper_limit_shows_the_arithmetic():
    combo = use("Calci Chew D3", calcium=Amount(500, "mg"), vitamin_d=Amount(10, "ug"))
    draft = use("D3 100", "vitamin-d", draft=True, vitamin_d=Amount(100, "ug"))
    card = only(run(patient(combo, draft)), "dose-upper-limit")
    assert card.severity is Severity.WARNING
    assert card.summary.params["value"] == 110
    assert keys(card.facts) == [
        "fact.dose.product.current", "fact.dose.product.draft", "fact.dose.total", "fact.dose.guideline-range", "fact.dose.limit",
    ]
    assert [f.params.get("value") for f in card.facts] == [10, 100, 110, None, 100]
    assert card.proposals == () and card.delete_orders == () and card.lab_order is None  # never rewrites a dose
    assert "dose-guideline-range" not in codes(run(patient(combo, draft)))


def test_total_outside_guideline_range_is_info():
    card = only(run(patient(use("D3 50", "vitamin-d", draft=True, vitamin_d=Amount(50, "ug")))), "dose-guideline-range")
    assert card.severity is Severity.INFO
    assert card.summary.key == "summary.dose-guideline-range.above"


def test_calcium_below_guideline_notes_dietary_intake():
    card = only(run(patient(use("Ca 500", "calcium", draft=True, calcium=Amount(500, "mg")))), "dose-guideline-range")
    assert card.summary.key == "summary.dose-guideline-range.below"
    assert "advice.dose.calcium-diet" in keys(card.advice)


def test_monthly_regimen_is_compared_as_daily_average():
    # 50,000 IU once a month = 1,250 ug a month: the facts layer gives the daily average, 41.7 ug
    monthly = use("D3 50.000 IE/maand", "vitamin-d", draft=True, vitamin_d=Amount(1250 / 30, "ug"))
    cards = run(patient(monthly))
    assert "dose-upper-limit" not in codes(cards)  # the single 1,250 ug dose is not compared with 100 ug
    assert only(cards, "dose-guideline-range").summary.params["value"] == 41.7


def test_within_range_and_k2_never_dose_checked():
    assert not [c for c in run(patient(use("D3", "vitamin-d", draft=True, vitamin_d=D3))) if c.code.startswith("dose-")]
    k2 = use("MK-4", "vitamin-k2", draft=True, vitamin_k2=Amount(90, "mg"))
    assert not [c for c in run(patient(k2)) if c.code.startswith("dose-")]


def test_dose_only_when_a_scoped_draft_adds_the_nutrient():
    high_on_file = use("D3 150", "vitamin-d", vitamin_d=Amount(150, "ug"))
    facts = patient(high_on_file, use("Mg", "magnesium", draft=True, magnesium=Amount(200, "mg")))
    assert "dose-upper-limit" not in codes(run(facts))
    d_draft = use("D3", "vitamin-d", draft=True, vitamin_d=D3)
    assert "dose-upper-limit" not in codes(run(patient(high_on_file, d_draft), SELECT))
    assert "dose-upper-limit" in codes(run(patient(high_on_file, replace(d_draft, selected=True)), SELECT))


# --- every order card renders in both languages ---------------------------------------------------


def _all_order_cards():
    from cds_service.facts.model import SafetyCondition

    egfr = LabResult("lab-egfr", Source("Observation/e", "eGFR"), NOW - timedelta(days=20), 25.0, "mL/min/1.73m2", 25.0, "mL/min/{1.73_m2}")
    gc = gc_draft()
    scenarios = [
        gc_patient(gc),
        gc_patient(gc_draft(end=TODAY + timedelta(days=120))),
        patient(use("MenaQ7", "vitamin-k2", draft=True), use("acenocoumarol", "vka")),
        patient(use("Calcium 500", "calcium", draft=True, calcium=Amount(500, "mg")), use("levothyroxine", "levothyroxine")),
        patient(use("Mg", "magnesium", draft=True, magnesium=Amount(300, "mg")), egfr=egfr),
        patient(use("soja", "soy-isoflavones", draft=True), use("tamoxifen", "tamoxifen"), sex=Sex.MALE,
                safety_conditions=(SafetyCondition("er-positive-breast-cancer", Source("Condition/b", "mammacarcinoom")),)),
        patient(use("Calci Chew D3", calcium=Amount(500, "mg"), vitamin_d=Amount(10, "ug")),
                use("D3 100", "vitamin-d", draft=True, vitamin_d=Amount(100, "ug")),
                MedicationUse(frozenset({"vitamin-d"}), Source(None, "D3 druppels"), "MedicationStatement", "active", None, None, True)),
        patient(use("D3", "vitamin-d", start=date(2026, 2, 1), vitamin_d=D3), lab_orders=(lab(draft=True),)),
        patient(use("D3 old", "vitamin-d", start=date(2025, 6, 1), end=date(2026, 2, 9), vitamin_d=Amount(10, "ug")),
                use("D3 25", "vitamin-d", start=date(2026, 2, 10), vitamin_d=Amount(25, "ug")), lab_orders=(lab(draft=True),)),
        patient(use("D3 50", "vitamin-d", draft=True, vitamin_d=Amount(50, "ug")), unknown=frozenset({Domain.LAB_ORDERS})),
        patient(use("MenaQ7", "vitamin-k2", draft=True), unknown=frozenset({Domain.MEDICATIONS})),
    ]
    return [card for facts in scenarios for card in run(facts)]


def test_every_order_card_renders_in_both_languages():
    from cds_service.cards.i18n import catalogue
    from cds_service.cards.render import render_cards
    from cds_service.knowledge.loader import load_knowledge

    recs = _all_order_cards()
    assert {r.code for r in recs} >= {
        "gc-bone-protection", "safety-k2-vka", "safety-mineral-spacing", "safety-magnesium-kidney",
        "safety-soy-endocrine", "bone-supplements", "dose-upper-limit", "dose-guideline-range",
        "duplicate-supplement", "vitd-recheck", "vitd-recheck-early",
    }
    knowledge = load_knowledge()
    for language in ("nl", "en"):
        cat = catalogue(language)
        cards = render_cards(recs, knowledge, language=language, patient_id="p1")
        for rec, card in zip(recs, cards):
            assert len(card.summary) < 140
            assert not card.summary.endswith("…"), card.summary
            for line in (rec.summary, *rec.facts, *rec.advice, *rec.unchecked):
                assert cat.has(line.key), (language, line.key)
            assert "?" not in card.summary, card.summary
        k2 = cards[[r.code for r in recs].index("safety-k2-vka")]
        actions = [a for s in k2.suggestions for a in s.actions]
        assert [(a.type, a.resourceId) for a in actions] == [("delete", "MedicationRequest/MenaQ7")]
        recheck = cards[[r.code for r in recs].index("vitd-recheck")]
        service_request = recheck.suggestions[0].actions[0].resource
        assert service_request["resourceType"] == "ServiceRequest"
