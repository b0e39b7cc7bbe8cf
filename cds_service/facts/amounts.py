"""A product's daily dose and its daily amount per nutrient (``ug`` vitamin D, ``mg`` otherwise).

Rules (never guess; unknown stays out of ``nutrients``):

* A mass or IU dose on a single-nutrient product is that nutrient's amount. For calcium and
  magnesium a ``doseQuantity`` in mg is read as elemental (terminology 6.2: orders state the
  elemental ion).
* A count dose (tablets, drops, mL) is multiplied by the ingredient strengths of the Medication;
  each ingredient gives the nutrient it matches, so combinations get one amount per nutrient.
* Without ingredient strengths, a single-ingredient product's name strength is used ("Vitamine D3
  400 IE", "Prednisolon 5 mg"); in a combination only an IU strength is read (it can only be D).
* A calcium or magnesium strength stated for a salt ("calciumcarbonaat 1,25 g") is not elemental:
  the amount after "=" is used when the name gives one, else the amount is unknown.
* Vitamin D: IU / 40 = ug.
"""

from __future__ import annotations

from cds_service.facts.dosage import Amount as Daily
from cds_service.facts.model import Amount
from cds_service.facts.products import Product, elemental_strength, name_strengths, salt_weight
from cds_service.facts.values import MAX_QUANTITY, in_range
from cds_service.knowledge import units
from cds_service.knowledge.model import NUTRIENTS

NUTRIENT_IDS = frozenset(NUTRIENTS)
_MINERALS = frozenset({"calcium", "magnesium"})


def to_nutrient(amount: Daily, nutrient: str | None, iu_per_ug: float) -> Amount | None:
    """A daily (value, kind) in the fixed unit of ``nutrient`` (ug for vitamin D, else mg).

    None when the kind does not convert, or the value (a product of strengths, counts and
    frequencies) is not a plausible daily amount (:data:`MAX_QUANTITY`, NaN, infinity).
    """
    value, kind = amount
    if in_range(value, 0.0, MAX_QUANTITY * 1000) is None:
        return None
    if nutrient == "vitamin-d":
        if kind == "iu":
            return Amount(round(value / iu_per_ug, 4), "ug")
        if kind == "mg":
            return Amount(round(value * units.UG_PER_MG, 4), "ug")
        return None
    return Amount(round(value, 4), "mg") if kind == "mg" else None


def amounts(product: Product, daily: Daily | None, iu_per_ug: float) -> tuple[Amount | None, dict[str, Amount]]:
    """``(the product's daily dose, daily amount per nutrient)`` for one record."""
    if daily is None:
        return None, {}
    present = product.groups & NUTRIENT_IDS
    single = next(iter(present)) if len(present) == 1 else None
    value, kind = daily
    if kind in ("mg", "iu"):
        if single is not None:
            amount = to_nutrient(daily, single, iu_per_ug)
            return amount, ({single: amount} if amount else {})
        if present and kind == "iu" and "vitamin-d" in present:
            vitamin_d = to_nutrient(daily, "vitamin-d", iu_per_ug)
            return None, ({"vitamin-d": vitamin_d} if vitamin_d else {})
        return (to_nutrient(daily, None, iu_per_ug) if not present else None), {}
    # a count or a volume: ingredient strengths, else the strength in the product name
    nutrients: dict[str, Amount] = {}
    masses: list[Daily] = []
    for ing in product.ingredients:
        if ing.numerator is None or ing.denominator is None or ing.denominator[1] != kind:
            continue
        per_day = (value / ing.denominator[0] * ing.numerator[0], ing.numerator[1])
        masses.append(per_day)
        own = ing.groups & NUTRIENT_IDS
        nutrient = next(iter(own)) if len(own) == 1 else (single if len(product.ingredients) == 1 else None)
        if nutrient is None:
            continue
        if nutrient in _MINERALS and salt_weight(ing.texts):
            continue
        amount = to_nutrient(per_day, nutrient, iu_per_ug)
        if amount is not None:
            previous = nutrients.get(nutrient)
            nutrients[nutrient] = Amount(amount.value + previous.value, amount.unit) if previous else amount
    if masses:
        product_dose = to_nutrient(masses[0], single, iu_per_ug) if len(masses) == 1 else None
        return product_dose, nutrients
    if kind != "count":
        return None, nutrients
    return _from_name(product, value, present, single, iu_per_ug)


def _from_name(
    product: Product, count: float, present: frozenset[str], single: str | None, iu_per_ug: float
) -> tuple[Amount | None, dict[str, Amount]]:
    strengths = name_strengths(product.texts)
    if single in _MINERALS:
        elemental = elemental_strength(product.texts)
        if elemental is not None:
            strengths = [elemental]
        elif salt_weight(product.texts):
            strengths = []
    if len(present) > 1:
        ius = [s for s in strengths if s[1] == "iu"]
        if "vitamin-d" in present and len(ius) == 1:
            vitamin_d = to_nutrient((count * ius[0][0], "iu"), "vitamin-d", iu_per_ug)
            return None, ({"vitamin-d": vitamin_d} if vitamin_d else {})
        return None, {}
    if len(strengths) != 1:
        return None, {}
    amount = to_nutrient((count * strengths[0][0], strengths[0][1]), single, iu_per_ug)
    return amount, ({single: amount} if single and amount else {})
