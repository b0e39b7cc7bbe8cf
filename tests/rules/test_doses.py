"""Daily-dose totals and their comparison with the guideline dose and upper limits (decision 12)."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.facts.model import Amount, MedicationUse, Source
from cds_service.knowledge.model import Nutrient, Quantity
from cds_service.rules.doses import (
    DoseVerdict,
    convert,
    daily_total,
    dose_checked,
    guideline_range,
    total_unit,
    verdict,
)


def nutrient(id: str, dose=None, low=None, high=None, limit=None, proposable=True) -> Nutrient:
    return Nutrient(
        id=id,
        canonical=f"https://example.org/ActivityDefinition/supplement-{id}",
        product=(),
        dose=dose,
        dose_low=low,
        dose_high=high,
        upper_limit=limit,
        evidence_dots=2,
        quality_of_evidence="moderate",
        plan_action=id,
        proposable=proposable,
    )


VIT_D = nutrient("vitamin-d", Quantity(20, "ug"), Quantity(20, "ug"), Quantity(25, "ug"), Quantity(100, "ug"))
CALCIUM = nutrient("calcium", Quantity(1000, "mg"), limit=Quantity(2500, "mg"))
MAGNESIUM = nutrient("magnesium", Quantity(200, "mg"), limit=Quantity(250, "mg"))
K2 = nutrient("vitamin-k2", None, limit=Quantity(45, "mg"))
IPRIFLAVONE = nutrient("ipriflavone", Quantity(600, "mg"), proposable=False)


def med(display: str, draft: bool = False, kind: str = "MedicationRequest", **nutrients: Amount) -> MedicationUse:
    amounts = {k.replace("_", "-"): v for k, v in nutrients.items()}
    return MedicationUse(
        groups=frozenset(amounts),
        source=Source(f"{kind}/{display}", display, date(2026, 1, 1)),
        kind=kind,
        status="draft" if draft else "active",
        start=date(2026, 1, 1),
        end=None,
        active=not draft,
        nutrients=amounts,
        draft=draft,
    )


def test_convert_mass_units():
    assert convert(1, "mg", "ug") == 1000
    assert convert(2500, "mg", "g") == 2.5
    assert convert(20, "ug", "ug") == 20
    assert convert(800, "[iU]", "ug") is None


def test_total_sums_draft_and_current_products():
    combo = med("Calci Chew D3", calcium=Amount(500, "mg"), vitamin_d=Amount(10, "ug"))
    d3 = med("Colecalciferol 25 ug", draft=True, vitamin_d=Amount(25, "ug"))
    total = daily_total("vitamin-d", [combo, d3], "ug")
    assert total.total == Amount(35, "ug")
    assert [c.medication.source.display for c in total.contributions] == ["Calci Chew D3", "Colecalciferol 25 ug"]
    assert total.complete and total.has_draft


def test_total_converts_units_to_the_requested_unit():
    total = daily_total("calcium", [med("Ca", calcium=Amount(0.5, "g")), med("Ca2", calcium=Amount(500, "mg"))], "mg")
    assert total.total == Amount(1000, "mg")


def test_product_with_unknown_dose_makes_total_incomplete():
    unknown = MedicationUse(
        groups=frozenset({"vitamin-d"}), source=Source(None, "vitamine D druppels"), kind="MedicationStatement",
        status="active", start=None, end=None, active=True,
    )
    total = daily_total("vitamin-d", [unknown, med("D3", vitamin_d=Amount(20, "ug"))], "ug")
    assert total.total.value == 20
    assert not total.complete
    assert total.unknown == (unknown,)


def test_request_and_its_dispense_count_once():
    request = med("Colecalciferol 20 ug", vitamin_d=Amount(20, "ug"))
    dispense = med("Colecalciferol 20 ug", kind="MedicationDispense", vitamin_d=Amount(20, "ug"))
    assert daily_total("vitamin-d", [request, dispense], "ug").total.value == 20
    # two drafts of the same product are two orders and both count
    drafts = [med("D3", draft=True, vitamin_d=Amount(20, "ug")), med("D3", draft=True, vitamin_d=Amount(20, "ug"))]
    assert daily_total("vitamin-d", drafts, "ug").total.value == 40


def test_other_nutrients_are_ignored():
    assert daily_total("magnesium", [med("Ca", calcium=Amount(500, "mg"))], "mg").contributions == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10, DoseVerdict.BELOW),
        (20, DoseVerdict.WITHIN),
        (25, DoseVerdict.WITHIN),
        (25.0000001, DoseVerdict.WITHIN),  # daily average of a weekly regimen
        (40, DoseVerdict.ABOVE),
        (100, DoseVerdict.ABOVE),  # at the upper limit is not over it
        (125, DoseVerdict.OVER_LIMIT),
    ],
)
def test_vitamin_d_verdicts(value, expected):
    total = daily_total("vitamin-d", [med("D", draft=True, vitamin_d=Amount(value, "ug"))], "ug")
    assert verdict(total, VIT_D) is expected


def test_magnesium_single_dose_range_and_limit():
    def v(mg):
        return verdict(daily_total("magnesium", [med("Mg", magnesium=Amount(mg, "mg"))], "mg"), MAGNESIUM)

    assert v(200) is DoseVerdict.WITHIN
    assert v(240) is DoseVerdict.ABOVE
    assert v(300) is DoseVerdict.OVER_LIMIT
    assert v(100) is DoseVerdict.BELOW


def test_incomplete_total_is_never_called_below():
    unknown = MedicationUse(
        groups=frozenset({"calcium"}), source=Source(None, "kalk"), kind="MedicationStatement",
        status="active", start=None, end=None, active=True,
    )
    total = daily_total("calcium", [unknown, med("Ca", draft=True, calcium=Amount(500, "mg"))], "mg")
    assert verdict(total, CALCIUM) is DoseVerdict.WITHIN
    over = daily_total("calcium", [unknown, med("Ca", draft=True, calcium=Amount(3000, "mg"))], "mg")
    assert verdict(over, CALCIUM) is DoseVerdict.OVER_LIMIT


def test_vitamin_k2_is_never_dose_checked():
    total = daily_total("vitamin-k2", [med("MK-4", draft=True, vitamin_k2=Amount(90, "mg"))], "mg")
    assert not dose_checked(K2)
    assert verdict(total, K2) is DoseVerdict.WITHIN
    assert not dose_checked(IPRIFLAVONE)


def test_guideline_range_and_unit():
    assert guideline_range(VIT_D) == (Quantity(20, "ug"), Quantity(25, "ug"))
    assert guideline_range(CALCIUM) == (Quantity(1000, "mg"), Quantity(1000, "mg"))
    assert guideline_range(K2) is None
    assert total_unit(VIT_D) == "ug"
    assert total_unit(CALCIUM) == "mg"


def test_with_the_shipped_knowledge():
    from cds_service.knowledge.loader import load_knowledge

    nutrients = load_knowledge().nutrients
    d = nutrients["vitamin-d"]
    assert verdict(daily_total("vitamin-d", [med("D", vitamin_d=Amount(20, "ug"))], total_unit(d)), d) is DoseVerdict.WITHIN
    assert verdict(daily_total("vitamin-d", [med("D", vitamin_d=Amount(0.11, "mg"))], total_unit(d)), d) is DoseVerdict.OVER_LIMIT
    mg = nutrients["magnesium"]
    assert verdict(daily_total("magnesium", [med("Mg", magnesium=Amount(300, "mg"))], total_unit(mg)), mg) is DoseVerdict.OVER_LIMIT
    assert not dose_checked(nutrients["vitamin-k2"])
    assert not dose_checked(nutrients["ipriflavone"])
