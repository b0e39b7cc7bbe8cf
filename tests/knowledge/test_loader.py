"""The loader on the real artifacts: everything present, values and units as the guideline says."""

from __future__ import annotations

import pytest

from cds_service.knowledge.loader import load_knowledge
from cds_service.knowledge.model import ATC, LOINC, NUTRIENTS, PARAMETERS, RXNORM, SNOMED, VALUE_SETS, Knowledge, Quantity

RECOMMENDATION_CODES = (
    "bone-supplements", "vitd-status", "vitd-recheck", "vitd-recheck-early", "safety-k2-vka",
    "safety-hypercalcaemia", "safety-vitd-excess", "safety-mineral-spacing", "safety-magnesium-kidney",
    "safety-soy-endocrine", "safety-soy-levothyroxine", "safety-ipriflavone", "safety-active-vitd",
    "dose-upper-limit", "dose-guideline-range", "duplicate-supplement", "gc-bone-protection",
)


def test_every_id_is_present(knowledge: Knowledge) -> None:
    assert set(VALUE_SETS) <= set(knowledge.value_sets)
    assert set(knowledge.nutrients) == set(NUTRIENTS)
    assert set(knowledge.parameters) == set(PARAMETERS)
    assert set(RECOMMENDATION_CODES) <= set(knowledge.recommendations)


def test_recommendation_codes_carry_their_system(knowledge: Knowledge) -> None:
    rec = knowledge.topic("safety-k2-vka")
    assert rec.system == knowledge.recommendation_system
    assert rec.system.endswith("/CodeSystem/bone-health-recommendation")
    assert rec.display


def test_version_and_guideline(knowledge: Knowledge) -> None:
    assert knowledge.version == "2026.11.0"
    assert knowledge.guideline_title == "Suppletierichtlijn Botdichtheid en Botvorming"


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("adult-age", 18, "a"), ("fragility-fracture-age", 50, "a"), ("soy-age-proxy", 50, "a"),
        ("recent-fracture-months", 6, "mo"), ("gc-long-term-days", 90, "d"), ("gc-lookback-days", 365, "d"),
        ("gc-short-course-max-days", 14, "d"), ("gc-gap-bridge-days", 30, "d"),
        ("gc-high-dose-pe-mg", 7.5, "mg/d"), ("gc-replacement-hydrocortisone-mg", 30, "mg/d"),
        ("supplement-recent-dispense-days", 90, "d"),
        ("vitd-severe-below-nmol", 25, "nmol/L"), ("vitd-deficient-below-nmol", 50, "nmol/L"),
        ("vitd-target-low-nmol", 90, "nmol/L"), ("vitd-target-high-nmol", 100, "nmol/L"),
        ("vitd-high-above-nmol", 250, "nmol/L"), ("vitd-toxic-above-nmol", 375, "nmol/L"),
        ("vitd-target-low-ngml", 36, "ng/mL"), ("vitd-target-high-ngml", 40, "ng/mL"),
        ("vitd-plausible-min-nmol", 2, "nmol/L"), ("vitd-plausible-max-nmol", 1000, "nmol/L"),
        ("vitd-current-months", 12, "mo"), ("vitd-check-after-days", 56, "d"), ("vitd-check-window-days", 14, "d"),
        ("calcium-high-mmol", 2.60, "mmol/L"), ("calcium-critical-mmol", 3.0, "mmol/L"),
        ("calcium-albumin-reference-gl", 40, "g/L"), ("egfr-magnesium-min", 30, "mL/min/{1.73_m2}"),
        ("lab-current-months", 12, "mo"),
    ],
)
def test_quantity_parameters(knowledge: Knowledge, name: str, value: float, unit: str) -> None:
    assert knowledge.parameters[name] == Quantity(value, unit)
    assert knowledge.param(name) == value


@pytest.mark.parametrize(
    ("name", "value"),
    [("gc-short-courses-min", 4), ("vitd-ngml-to-nmol", 2.496), ("vitd-dose-change-fraction", 0.25),
     ("calcium-mgdl-to-mmol", 4.008), ("calcium-albumin-factor", 0.02)],
)
def test_number_parameters(knowledge: Knowledge, name: str, value: float) -> None:
    assert knowledge.parameters[name] == value
    assert not isinstance(knowledge.parameters[name], Quantity)


def test_nutrient_doses_and_limits(knowledge: Knowledge) -> None:
    n = knowledge.nutrients
    assert n["vitamin-d"].dose == Quantity(20, "ug")
    assert (n["vitamin-d"].dose_low, n["vitamin-d"].dose_high) == (Quantity(20, "ug"), Quantity(25, "ug"))
    assert n["vitamin-d"].upper_limit == Quantity(100, "ug")
    assert n["calcium"].dose == Quantity(1000, "mg") and n["calcium"].upper_limit == Quantity(2500, "mg")
    assert n["magnesium"].dose == Quantity(200, "mg") and n["magnesium"].upper_limit == Quantity(250, "mg")
    assert n["soy-isoflavones"].dose == Quantity(120, "mg")
    assert n["ipriflavone"].dose == Quantity(600, "mg")  # 3 x 200 mg per day
    assert "200 mg" in (n["ipriflavone"].dose_text or "")


def test_k2_has_no_structured_dose(knowledge: Knowledge) -> None:
    k2 = knowledge.nutrients["vitamin-k2"]
    assert k2.dose is None and k2.dose_low is None and k2.upper_limit is None
    assert k2.proposable and "45 mg" in (k2.dose_text or "")


def test_evidence_and_proposability(knowledge: Knowledge) -> None:
    n = knowledge.nutrients
    assert (n["vitamin-d"].evidence_dots, n["vitamin-d"].quality_of_evidence) == (3, "high")
    for nid in ("calcium", "magnesium", "vitamin-k2", "soy-isoflavones"):
        assert (n[nid].evidence_dots, n[nid].quality_of_evidence) == (2, "moderate")
        assert n[nid].proposable
    assert not n["ipriflavone"].proposable
    assert n["calcium"].plan_action == "propose-calcium"
    assert n["calcium"].canonical.endswith("/ActivityDefinition/supplement-calcium")


def test_nutrient_products_are_coded_where_a_code_exists(knowledge: Knowledge) -> None:
    vitd = {(c.system, c.code) for c in knowledge.nutrients["vitamin-d"].product}
    assert vitd == {(ATC, "A11CC05"), (RXNORM, "2418")}
    assert knowledge.nutrients["soy-isoflavones"].product == ()


def test_each_proposal_product_is_in_its_own_value_set(knowledge: Knowledge) -> None:
    """A draft order created from a card is recognised as that nutrient (duplicate checks)."""
    for nid in ("vitamin-d", "calcium", "magnesium", "ipriflavone"):
        assert all(knowledge.vs(nid).matches_coding(c.system, c.code) for c in knowledge.nutrients[nid].product)


def test_lab_order_template(knowledge: Knowledge) -> None:
    lab = knowledge.lab_order
    assert [(c.system, c.code) for c in lab.code] == [(LOINC, "62292-8")]
    assert [(c.system, c.code) for c in lab.category] == [(SNOMED, "108252007")]
    assert lab.canonical.endswith("/ActivityDefinition/lab-25ohd-check")
    assert knowledge.lab_orders["lab-25ohd"] is lab


@pytest.mark.parametrize(("lab", "code"), [("lab-calcium", "2000-8"), ("lab-egfr", "33914-3")])
def test_other_lab_order_templates(knowledge: Knowledge, lab: str, code: str) -> None:
    order = knowledge.lab_orders[lab]
    assert order.lab == lab and [(c.system, c.code) for c in order.code] == [(LOINC, code)]
    assert order.canonical.endswith(f"/ActivityDefinition/{lab}-check")
