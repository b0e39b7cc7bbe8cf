"""Decision 15: a 25(OH)D before the current vitamin D is history; new vitamin D orders against a
current 25(OH)D above the target (order hooks)."""

from __future__ import annotations

import pytest

from cds_service.facts.model import Domain
from cds_service.rules.model import Severity
from tests.rules.builders import TODAY, by_code, days_ago, keys, med, patient, run, vitd

D20 = {"vitamin-d": (20, "ug")}


def d3(start: int, amount: float = 20, end: int | None = None, active: bool = True):
    return med("vitamin-d", start=days_ago(start), end=days_ago(end) if end is not None else None, active=active,
               amounts={"vitamin-d": (amount, "ug")})


# --- patient-view: history --------------------------------------------------------------------


@pytest.mark.parametrize("nmol", [20, 40, 70])
def test_low_result_before_the_start_raises_no_status_card_and_the_check_follows(nmol):
    cards = by_code(patient(medications=(d3(60),), vitamin_d=(vitd(nmol, days=70),)))
    assert "vitd-status" not in cards
    assert cards["vitd-recheck"].lab_order is not None


def test_low_result_before_the_last_dose_change_is_history_too():
    meds = (d3(300, amount=10, end=61, active=False), d3(60, amount=25))
    cards = by_code(patient(medications=meds, vitamin_d=(vitd(40, days=90),)))
    assert "vitd-status" not in cards and "fact.vitd-dose-change" in keys(cards["vitd-recheck"].facts)


@pytest.mark.parametrize("days", [60, 30])
def test_low_result_on_or_after_the_start_still_warns(days):
    rec = by_code(patient(medications=(d3(60),), vitamin_d=(vitd(40, days=days),))).get("vitd-status")
    assert rec is not None and rec.severity is Severity.WARNING


def test_excess_before_the_start_still_shows():
    rec = by_code(patient(medications=(d3(60),), vitamin_d=(vitd(300, days=70),))).get("safety-vitd-excess")
    assert rec is not None and rec.severity is Severity.WARNING


def test_history_needs_the_medication_list():
    cards = by_code(patient(medications=(d3(60),), vitamin_d=(vitd(40, days=70),), unknown=(Domain.MEDICATIONS,)))
    assert "vitd-status" in cards


# --- order hooks: new vitamin D against a high 25(OH)D ------------------------------------------


def order_card(*meds, nmol=130, hook="order-sign"):
    recs = run(patient(medications=meds, vitamin_d=(vitd(nmol, days=30),)), hook=hook)
    return next((r for r in recs if r.code == "safety-vitd-order-above-target"), None)


@pytest.mark.parametrize(
    "nmol, severity, deletes",
    [(130, Severity.INFO, False), (300, Severity.WARNING, True), (400, Severity.CRITICAL, True)],
)
def test_new_vitamin_d_order_above_target(nmol, severity, deletes):
    draft = med("vitamin-d", draft=True, start=TODAY, amounts=D20)
    rec = order_card(draft, nmol=nmol)
    assert rec.severity is severity and rec.summary.params["nmol"] == nmol
    assert rec.summary.key.startswith("summary.safety-vitd-order-above-target.")
    assert rec.delete_orders == ((draft.resource_id,) if deletes else ())


def test_dose_increase_alerts_but_renewal_and_reduction_do_not():
    on_file = d3(200, amount=10)
    assert order_card(on_file, med("vitamin-d", draft=True, start=TODAY, amounts={"vitamin-d": (25, "ug")})) is not None
    assert order_card(on_file, med("vitamin-d", draft=True, start=TODAY, amounts={"vitamin-d": (10, "ug")})) is None
    assert order_card(on_file, med("vitamin-d", draft=True, start=TODAY, amounts={"vitamin-d": (5, "ug")})) is None


def test_order_with_unknown_dose_counts_as_new():
    assert order_card(d3(200), med("vitamin-d", draft=True, start=TODAY)) is not None


@pytest.mark.parametrize("nmol", [95, 60])
def test_no_card_at_or_below_target(nmol):
    assert order_card(med("vitamin-d", draft=True, start=TODAY, amounts=D20), nmol=nmol) is None


def test_only_drafts_in_scope_on_order_select():
    draft = med("vitamin-d", draft=True, start=TODAY, amounts=D20)
    assert order_card(draft, hook="order-select") is None  # not selected
    assert "safety-vitd-order-above-target" not in {r.code for r in run(patient(vitamin_d=(vitd(130),), medications=(draft,)))}


def test_calcium_order_in_the_toxic_range_is_flagged_too():
    """Decision 13: above 375 nmol/L neither vitamin D nor calcium; a calcium order gets the critical card."""
    draft = med("calcium", draft=True, start=TODAY, amounts={"calcium": (500, "mg")})
    rec = order_card(draft, nmol=400)
    assert rec.severity is Severity.CRITICAL and rec.delete_orders == (draft.resource_id,)
    assert "fact.calcium-order-draft" in keys(rec.facts)
    assert order_card(draft, nmol=300) is None  # 250-375: calcium is still proposable
