"""25(OH)D interpretation (decision 6) and the two-month check (decision 7, terminology 3.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds_service.facts.model import Domain, Sex
from cds_service.rules.labs import VitdBand, vitd_band
from cds_service.rules.model import Category, Severity
from tests.rules.builders import (
    TODAY,
    by_code,
    calcium,
    days_ago,
    keys,
    knowledge,
    lab_order,
    med,
    ngml,
    patient,
    vitd,
)


@pytest.mark.parametrize(
    "nmol, band",
    [
        (10, VitdBand.SEVERE),
        (24.9, VitdBand.SEVERE),
        (25, VitdBand.DEFICIENT),
        (49.9, VitdBand.DEFICIENT),
        (50, VitdBand.BELOW_TARGET),
        (89.9, VitdBand.BELOW_TARGET),
        (90, VitdBand.ON_TARGET),
        (100, VitdBand.ON_TARGET),
        (100.1, VitdBand.ABOVE_TARGET),
        (250, VitdBand.ABOVE_TARGET),
        (250.1, VitdBand.HIGH),
        (375, VitdBand.HIGH),
        (375.1, VitdBand.TOXIC),
        (1.9, VitdBand.INDETERMINATE),  # implausible even if the builder let it through
        (1000.1, VitdBand.INDETERMINATE),
        (None, VitdBand.INDETERMINATE),
    ],
)
def test_bands_in_nmol(nmol, band):
    assert vitd_band(vitd(nmol), knowledge()) is band


@pytest.mark.parametrize(
    "value, band",
    [
        (36, VitdBand.ON_TARGET),  # 89.9 nmol/L, but on target in the guideline's own unit
        (40, VitdBand.ON_TARGET),
        (35.9, VitdBand.BELOW_TARGET),
        (40.1, VitdBand.ABOVE_TARGET),
        (40.05, VitdBand.ABOVE_TARGET),  # 99.96 nmol/L is on target in nmol, above in ng/mL
        (20, VitdBand.DEFICIENT),
        (120, VitdBand.HIGH),  # 299.5 nmol/L (fixture 5)
    ],
)
def test_mass_unit_results_use_the_target_in_their_own_unit(value, band):
    assert vitd_band(ngml(value), knowledge()) is band


def test_ug_per_l_is_a_mass_unit_too():
    result = vitd(89.856, original=36, unit="µg/L")
    assert vitd_band(result, knowledge()) is VitdBand.ON_TARGET


def test_flagged_pmol_result_is_judged_in_nmol():
    result = vitd(80, original=80000, unit="pmol/L", flagged=True)
    assert vitd_band(result, knowledge()) is VitdBand.BELOW_TARGET


# --- vitd-status cards ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "nmol, severity, summary",
    [
        (20, Severity.WARNING, "summary.vitd-status.severe"),
        (40, Severity.WARNING, "summary.vitd-status.deficient"),
        (55, Severity.INFO, "summary.vitd-status.below-target"),
        (150, Severity.INFO, "summary.vitd-status.above-target"),
        (300, Severity.WARNING, "summary.vitd-status.high"),
        (400, Severity.CRITICAL, "summary.vitd-status.toxic"),
    ],
)
def test_status_card_per_band(nmol, severity, summary):
    cards = by_code(patient(vitamin_d=(vitd(nmol),)))
    excess = nmol > 250  # decision 13: an alert with a safety code
    rec = cards["safety-vitd-excess" if excess else "vitd-status"]
    assert rec.severity is severity and rec.summary.key == summary
    assert rec.category is (Category.SAFETY if excess else Category.LAB)
    assert rec.summary.params["nmol"] == nmol
    assert "advice.vitd.target" in keys(rec.advice)


def test_on_target_gives_no_card():
    assert "vitd-status" not in by_code(patient(vitamin_d=(vitd(95),)))
    assert "vitd-status" not in by_code(patient(vitamin_d=(ngml(36),)))


def test_status_uses_the_latest_current_result_only():
    cards = by_code(patient(vitamin_d=(vitd(30, days=200), vitd(95, days=10))))
    assert "vitd-status" not in cards
    cards = by_code(patient(vitamin_d=(vitd(30, days=400),)))
    assert "vitd-status" not in cards  # history, not the current status


@pytest.mark.parametrize(
    "result, problem",
    [
        (vitd(None, original=40, unit=None, problem="no-unit"), "problem.no-unit"),
        (vitd(None, original=40, unit="mmol/mol", problem="unknown-unit"), "problem.unknown-unit"),
        (vitd(None, original=80, unit="pmol/L", problem="implausible"), "problem.implausible"),
    ],
)
def test_indeterminate_results_give_an_info_card_never_a_deficiency(result, problem):
    rec = by_code(patient(vitamin_d=(result,)))["vitd-status"]
    assert rec.severity is Severity.INFO and rec.summary.key == "summary.vitd-status.indeterminate"
    assert rec.advice[0].key == "advice.vitd.indeterminate" and rec.advice[0].params["problem"].key == problem
    assert rec.facts[0].key == "fact.lab.25ohd.indeterminate"


def test_flagged_pmol_conversion_is_shown_as_flagged():
    rec = by_code(patient(vitamin_d=(vitd(80, original=80000, unit="pmol/L", flagged=True),)))["vitd-status"]
    assert rec.summary.key == "summary.vitd-status.below-target"
    assert keys(rec.facts)[:2] == ["fact.lab.25ohd.flagged", "fact.lab.unit-flagged"]


def test_status_needs_an_indication_or_vitamin_d_use():
    no_reason = patient(indications=(), vitamin_d=(vitd(55),))
    assert "vitd-status" not in by_code(no_reason)
    on_d = patient(indications=(), vitamin_d=(vitd(55),), medications=(med("vitamin-d"),))
    assert by_code(on_d)["vitd-status"].summary.key == "summary.vitd-status.below-target"


def test_too_high_is_an_alert_for_every_adult():
    """Decision 13: a safety code whether or not vitamin D is taken; the summary says which."""
    rec = by_code(patient(indications=(), age=30, sex=Sex.MALE, vitamin_d=(vitd(300),)))["safety-vitd-excess"]
    assert rec.severity is Severity.WARNING and rec.category is Category.SAFETY
    assert rec.summary.key == "summary.vitd-status.high"


@pytest.mark.parametrize("nmol, severity", [(300, Severity.WARNING), (400, Severity.CRITICAL)])
def test_too_high_while_on_vitamin_d_is_a_safety_card(nmol, severity):
    facts = patient(vitamin_d=(vitd(nmol),), medications=(med("vitamin-d", display="D3 druppels"),), calcium=calcium(2.5))
    cards = by_code(facts)
    assert "vitd-status" not in cards
    rec = cards["safety-vitd-excess"]
    assert rec.severity is severity and rec.category is Category.SAFETY
    assert {"fact.taking-vitd", "fact.lab.calcium.corrected"} <= set(keys(rec.facts))


def test_no_status_when_vitamin_d_labs_are_unknown():
    assert "vitd-status" not in by_code(patient(vitamin_d=(vitd(20),), unknown=(Domain.VITAMIN_D,)))


# --- vitd-recheck ---------------------------------------------------------------------------


def d3(start_days: int, ug: float | None = 20, **kw):
    amounts = {"vitamin-d": (ug, "ug")} if ug is not None else None
    return med("vitamin-d", display="Colecalciferol", start=days_ago(start_days), amounts=amounts, **kw)


def recheck(facts):
    return by_code(facts).get("vitd-recheck")


def test_reminder_after_eight_weeks_without_a_result():
    use = d3(60)
    rec = recheck(patient(medications=(use,)))
    assert rec.severity is Severity.INFO and rec.category is Category.LAB
    assert rec.summary.params == {"date": days_ago(60), "weeks": 8}
    assert rec.lab_order.start == TODAY and rec.lab_order.end == TODAY + timedelta(days=14)
    assert rec.lab_order.reason_references == (use.source.reference,)
    assert keys(rec.facts) == ["fact.vitd-start", "fact.vitd-no-result"]
    assert not rec.unchecked


@pytest.mark.parametrize("start, due", [(55, False), (56, True), (30, False), (200, True)])
def test_reminder_from_day_56(start, due):
    assert (recheck(patient(medications=(d3(start),))) is not None) is due


def test_no_reminder_with_a_result_since_the_start():
    assert recheck(patient(medications=(d3(90),), vitamin_d=(vitd(95, days=20),))) is None


def test_a_result_before_the_start_does_not_count():
    rec = recheck(patient(medications=(d3(90),), vitamin_d=(vitd(40, days=120),)))
    assert rec is not None and "fact.vitd-last-result" in keys(rec.facts)


def test_no_reminder_with_a_pending_order_since_the_start():
    assert recheck(patient(medications=(d3(90),), lab_orders=(lab_order(days_ago(10)),))) is None


def test_an_order_before_the_start_does_not_count():
    assert recheck(patient(medications=(d3(90),), lab_orders=(lab_order(days_ago(100)),))) is not None


def test_a_dose_change_restarts_the_clock():
    old = d3(200, 20, end=days_ago(41), active=False)
    new = d3(40, 40)
    assert recheck(patient(medications=(old, new))) is None
    old = d3(200, 20, end=days_ago(71), active=False)
    new = d3(70, 40)
    rec = recheck(patient(medications=(old, new)))
    assert rec.summary.params["date"] == days_ago(70)
    assert "fact.vitd-dose-change" in keys(rec.facts)
    assert next(f for f in rec.facts if f.key == "fact.vitd-start").params["date"] == days_ago(200)


def test_a_small_dose_change_does_not_restart_the_clock():
    old = d3(200, 20, end=days_ago(41), active=False)
    new = d3(40, 22)
    assert recheck(patient(medications=(old, new))).summary.params["date"] == days_ago(200)


def test_unknown_doses_do_not_restart_the_clock():
    old = d3(200, None, end=days_ago(41), active=False)
    assert recheck(patient(medications=(old, d3(40, 40)))).summary.params["date"] == days_ago(200)


def test_stopping_one_of_two_products_is_a_dose_change():
    a = d3(200, 20)
    b = d3(200, 20, end=days_ago(30), active=False)
    assert recheck(patient(medications=(a, b))) is None  # 40 -> 20 ug thirty days ago


def test_a_gap_longer_than_the_bridge_starts_a_new_episode():
    old = d3(300, 20, end=days_ago(100), active=False)
    assert recheck(patient(medications=(old, d3(50, 20)))) is None
    assert recheck(patient(medications=(old, d3(60, 20)))).summary.params["date"] == days_ago(60)


def test_a_short_gap_is_bridged():
    old = d3(300, 20, end=days_ago(60), active=False)
    assert recheck(patient(medications=(old, d3(40, 20)))).summary.params["date"] == days_ago(300)


def test_no_reminder_without_current_vitamin_d():
    assert recheck(patient(medications=(d3(200, end=days_ago(10), active=False),))) is None
    assert recheck(patient(medications=(med("active-vitamin-d", start=days_ago(200)),))) is None


def test_unknown_orders_still_remind_but_say_so():
    rec = recheck(patient(medications=(d3(90),), unknown=(Domain.LAB_ORDERS,)))
    assert keys(rec.unchecked) == ["unchecked.lab-orders"]


@pytest.mark.parametrize("domain", [Domain.VITAMIN_D, Domain.MEDICATIONS])
def test_no_reminder_when_results_or_medications_are_unknown(domain):
    assert recheck(patient(medications=(d3(90),), unknown=(domain,))) is None


def test_reminder_needs_no_indication():
    assert recheck(patient(indications=(), medications=(d3(90),))) is not None


# --- decision 13: a serum calcium order with a 25(OH)D above 250 nmol/L -----------------------


@pytest.mark.parametrize("nmol", [300, 400])
def test_excess_without_serum_calcium_proposes_one(nmol):
    rec = by_code(patient(vitamin_d=(vitd(nmol),))).get("safety-vitd-excess")
    assert rec.lab_order is not None and rec.lab_order.lab == "lab-calcium" and rec.lab_order.start is None
    assert "fact.no-calcium" in keys(rec.facts) and "advice.order-calcium" in keys(rec.advice)


def test_excess_with_a_current_serum_calcium_shows_it_and_orders_nothing():
    rec = by_code(patient(vitamin_d=(vitd(300),), calcium=calcium(2.4))).get("safety-vitd-excess")
    assert rec.lab_order is None and "fact.lab.calcium.corrected" in keys(rec.facts)


def test_excess_with_calcium_not_obtained_says_so_and_orders_nothing():
    rec = by_code(patient(vitamin_d=(vitd(300),), unknown=(Domain.CALCIUM,))).get("safety-vitd-excess")
    assert rec.lab_order is None and keys(rec.unchecked) == ["unchecked.calcium"]


def test_above_target_below_250_orders_no_calcium():
    rec = by_code(patient(vitamin_d=(vitd(200),))).get("vitd-status")
    assert rec.lab_order is None
