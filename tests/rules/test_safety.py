"""Safety rules (terminology section 4), for every adult, with and without an indication."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timezone

import pytest

from cds_service.facts.model import Sex
from cds_service.rules.model import Category, Severity
from tests.rules.builders import by_code, calcium, condition, days_ago, egfr, keys, med, patient

ANYONE = dict(age=40, sex=Sex.MALE, indications=())  # an adult without an indication


def card(code, **facts_kw):
    return by_code(patient(**{**ANYONE, **facts_kw})).get(code)


# --- K2 + VKA -------------------------------------------------------------------------------


def test_k2_with_vka_is_critical_for_anyone():
    rec = card("safety-k2-vka", medications=(med("vitamin-k2", display="MK-7 180"), med("vka", display="Fenprocoumon")))
    assert rec.severity is Severity.CRITICAL and rec.category is Category.SAFETY
    assert keys(rec.facts) == ["fact.taking-k2", "fact.taking-vka"]
    assert rec.facts[1].params["drugs"] == "Fenprocoumon"
    assert rec.delete_orders == ()


@pytest.mark.parametrize("groups", [("vitamin-k2",), ("vka",), ("vitamin-k1", "vka")])
def test_no_k2_alert_without_both(groups):
    assert card("safety-k2-vka", medications=tuple(med(g) for g in groups)) is None


def test_k2_draft_with_vka_offers_to_delete_the_draft():
    draft = med("vitamin-k2", draft=True)
    rec = card("safety-k2-vka", medications=(draft, med("vka")))
    assert rec.delete_orders == (draft.resource_id,)


def test_stopped_k2_does_not_alert():
    assert card("safety-k2-vka", medications=(med("vitamin-k2", active=False), med("vka"))) is None


# --- hypercalcaemia ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mmol, severity",
    [(2.61, Severity.WARNING), (3.0, Severity.WARNING), (3.01, Severity.CRITICAL)],
)
def test_high_calcium_with_vitamin_d_or_calcium(mmol, severity):
    rec = card("safety-hypercalcaemia", calcium=calcium(mmol), medications=(med("vitamin-d"),))
    assert rec.severity is severity
    level = "critical" if severity is Severity.CRITICAL else "high"
    assert rec.summary.key == f"summary.safety-hypercalcaemia.{level}" and rec.summary.params["mmol"] == mmol
    assert "advice.hypercalcaemia.hold" in keys(rec.advice)


def test_calcium_at_the_limit_is_not_high():
    assert card("safety-hypercalcaemia", calcium=calcium(2.6), medications=(med("calcium"),)) is None


@pytest.mark.parametrize("mmol, severity", [(2.9, Severity.WARNING), (3.2, Severity.CRITICAL)])
def test_high_calcium_alerts_every_adult_without_supplements_or_indication(mmol, severity):
    """Decision 13: the lab value is an alert of its own, whether or not calcium or vitamin D is taken."""
    rec = card("safety-hypercalcaemia", calcium=calcium(mmol), indications=())
    assert rec.severity is severity and rec.summary.params["mmol"] == mmol
    assert "advice.hypercalcaemia.no-start" in keys(rec.advice)
    assert "advice.hypercalcaemia.hold" not in keys(rec.advice)
    assert ("advice.hypercalcaemia.critical" in keys(rec.advice)) is (severity is Severity.CRITICAL)


def test_old_calcium_result_is_ignored():
    assert card("safety-hypercalcaemia", calcium=calcium(2.9, days=400), medications=(med("vitamin-d"),)) is None


@pytest.mark.parametrize("days, counted", [(365, True), (366, False)])
def test_lab_current_months_is_counted_in_calendar_days(days, counted):
    """12 months = 365 days (rounded) before today's date, whatever the time of day of the draw."""
    result = replace(calcium(2.9), effective=datetime.combine(days_ago(days), time(23, 59), timezone.utc))
    found = card("safety-hypercalcaemia", calcium=result, medications=(med("vitamin-d"),))
    assert (found is not None) is counted


@pytest.mark.parametrize("kind", ["hypercalcaemia", "hyperparathyroidism", "kidney-stones", "sarcoidosis"])
def test_calcium_conditions_with_supplements(kind):
    rec = card("safety-hypercalcaemia", safety_conditions=(condition(kind),), medications=(med("calcium"),))
    assert rec.severity is Severity.WARNING
    assert rec.summary.key == "summary.safety-hypercalcaemia.condition"
    assert f"advice.condition.{kind}" in keys(rec.advice)


def test_condition_without_supplements_no_card():
    assert card("safety-hypercalcaemia", safety_conditions=(condition("sarcoidosis"),)) is None


@pytest.mark.parametrize("group", ["thiazide", "digoxin"])
def test_thiazide_or_digoxin_warn_only_with_high_calcium(group):
    assert card("safety-hypercalcaemia", calcium=calcium(2.4), medications=(med(group), med("vitamin-d"))) is None
    rec = card("safety-hypercalcaemia", calcium=calcium(2.75), medications=(med(group),))
    assert rec.severity is Severity.WARNING
    assert f"fact.taking-{group}" in keys(rec.facts) and f"advice.{group}-high-calcium" in keys(rec.advice)
    assert "advice.hypercalcaemia.hold" not in keys(rec.advice)


# --- calcium / magnesium spacing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "group, severity",
    [
        ("levothyroxine", Severity.WARNING),
        ("bisphosphonate-oral", Severity.INFO),
        ("tetracycline", Severity.WARNING),
        ("fluoroquinolone", Severity.WARNING),
        ("integrase-inhibitor", Severity.WARNING),
        ("eltrombopag", Severity.WARNING),
        ("oral-iron", Severity.INFO),
    ],
)
@pytest.mark.parametrize("mineral", ["calcium", "magnesium"])
def test_spacing_per_drug(group, severity, mineral):
    rec = card("safety-mineral-spacing", medications=(med(mineral), med(group)))
    assert rec.severity is severity
    assert rec.summary.params["group"].key == f"group.{group}"
    assert keys(rec.advice) == [f"advice.spacing.{group}"]


def test_spacing_one_card_for_several_drugs_with_the_worst_severity():
    rec = card("safety-mineral-spacing", medications=(med("calcium", "vitamin-d"), med("oral-iron"), med("levothyroxine")))
    assert rec.severity is Severity.WARNING
    assert rec.summary.key == "summary.safety-mineral-spacing.many" and rec.summary.params["count"] == 2
    assert len(rec.advice) == 2


def test_spacing_needs_a_mineral():
    assert card("safety-mineral-spacing", medications=(med("vitamin-d"), med("levothyroxine"))) is None


# --- magnesium and the kidney -----------------------------------------------------------------------


def test_magnesium_with_low_egfr():
    rec = card("safety-magnesium-kidney", egfr=egfr(25), medications=(med("magnesium"),))
    assert rec.severity is Severity.WARNING and keys(rec.facts)[0] == "fact.lab.egfr"


def test_magnesium_with_severe_ckd():
    rec = card("safety-magnesium-kidney", safety_conditions=(condition("ckd-severe", "Dialyse"),), medications=(med("magnesium"),))
    assert rec.facts[0].params["display"] == "Dialyse"


@pytest.mark.parametrize(
    "kw, summary",
    [
        ({"egfr": egfr(22)}, "summary.safety-magnesium-kidney.egfr"),
        ({"safety_conditions": (condition("ckd-severe", "CKD G4"),)}, "summary.safety-magnesium-kidney.ckd"),
    ],
)
def test_kidney_alert_when_magnesium_would_be_proposed(kw, summary):
    """Decision 13: an adult with an indication, not taking magnesium, gets the alert of its own."""
    from tests.rules.builders import OSTEOPOROSIS

    rec = card("safety-magnesium-kidney", indications=(OSTEOPOROSIS,), **kw)
    assert rec.severity is Severity.WARNING and rec.summary.key == summary
    assert keys(rec.advice) == ["advice.magnesium-kidney.not-proposed"]
    if "egfr" in kw:
        assert rec.summary.params["egfr"] == 22


def test_kidney_alert_summary_names_magnesium_taken():
    rec = card("safety-magnesium-kidney", egfr=egfr(25), medications=(med("magnesium"),))
    assert rec.summary.key == "summary.safety-magnesium-kidney.egfr.taken" and rec.summary.params["egfr"] == 25


@pytest.mark.parametrize("kw", [{"egfr": egfr(30), "medications": (med("magnesium"),)}, {"egfr": egfr(20)}])
def test_no_magnesium_kidney_card(kw):
    assert card("safety-magnesium-kidney", **kw) is None


# --- soy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"medications": (med("soy-isoflavones"), med("tamoxifen"))},
        {"medications": (med("soy-isoflavones"), med("aromatase-inhibitor"))},
        {"medications": (med("soy-isoflavones"),), "safety_conditions": (condition("er-positive-breast-cancer"),)},
    ],
)
def test_soy_with_endocrine_therapy_or_er_positive(kw):
    assert card("safety-soy-endocrine", **{**kw, "sex": Sex.FEMALE}).severity is Severity.WARNING


def test_endocrine_therapy_without_soy_no_card():
    assert card("safety-soy-endocrine", medications=(med("tamoxifen"),)) is None


def test_soy_with_levothyroxine_is_info():
    assert card("safety-soy-levothyroxine", medications=(med("soy-isoflavones"), med("levothyroxine"))).severity is Severity.INFO
    assert card("safety-soy-levothyroxine", medications=(med("levothyroxine"),)) is None


# --- ipriflavone ------------------------------------------------------------------------------------


def test_ipriflavone_taken_is_a_warning():
    rec = card("safety-ipriflavone", medications=(med("ipriflavone"),))
    assert rec.severity is Severity.WARNING and rec.summary.key == "summary.safety-ipriflavone"
    assert keys(rec.advice) == ["advice.ipriflavone"]


def test_ipriflavone_with_theophylline_and_immunosuppression():
    rec = card(
        "safety-ipriflavone",
        medications=(med("ipriflavone"), med("theophylline")),
        safety_conditions=(condition("immunosuppression"),),
    )
    assert rec.summary.key == "summary.safety-ipriflavone.theophylline"
    assert keys(rec.advice) == ["advice.ipriflavone", "advice.ipriflavone-theophylline", "advice.ipriflavone-immunosuppression"]


def test_theophylline_alone_no_card():
    assert card("safety-ipriflavone", medications=(med("theophylline"),)) is None


# --- active vitamin D ------------------------------------------------------------------------------


def test_plain_d_on_top_of_active_d():
    rec = card("safety-active-vitd", medications=(med("vitamin-d"), med("active-vitamin-d", display="Calcitriol")))
    assert rec.severity is Severity.WARNING and rec.facts[1].params["drugs"] == "Calcitriol"
    assert card("safety-active-vitd", medications=(med("active-vitamin-d"),)) is None


def test_a_combination_product_counts_once():
    combo = med("calcium", "vitamin-d", display="Calci Chew D3")
    rec = card("safety-hypercalcaemia", calcium=calcium(2.8), medications=(combo,))
    taking = next(f for f in rec.facts if f.key == "fact.taking-vitd-calcium")
    assert taking.params["drugs"] == "Calci Chew D3"
