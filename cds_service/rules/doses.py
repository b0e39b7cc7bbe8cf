"""Daily-dose totals per nutrient across draft and current products (guideline decision 12).

Pure arithmetic over :class:`~cds_service.facts.model.MedicationUse` records: each record's
``nutrients`` already holds its daily amount (weekly or monthly regimens as daily averages, calcium
and magnesium as elemental amounts where the product says so). This module sums them per nutrient
and compares the total with the guideline dose and the upper limit from
:class:`~cds_service.knowledge.model.Nutrient`. Vitamin K2 is never dose-checked (decision 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Iterable, Sequence

from cds_service.facts.model import Amount, MedicationUse
from cds_service.knowledge import units
from cds_service.knowledge.model import Nutrient, Quantity, fold

NEVER_DOSE_CHECKED = frozenset({"vitamin-k2"})  # decision 4: the clinician confirms any K2 dose

_EPS = 1e-6  # daily averages of weekly/monthly regimens are not exact
_FIXED_POINT = 10_000  # amounts are summed exactly as integers of 1/10,000 of the unit


class DoseVerdict(StrEnum):
    WITHIN = "within"  # inside the guideline range (or nothing to compare with)
    BELOW = "below"  # below the guideline range
    ABOVE = "above"  # above the guideline range, not above the upper limit
    OVER_LIMIT = "over-limit"  # above the tolerable upper intake


@dataclass(frozen=True, slots=True)
class Contribution:
    """One product's daily amount of a nutrient."""

    medication: MedicationUse
    amount: Amount


@dataclass(frozen=True, slots=True)
class NutrientTotal:
    """The summed daily amount of one nutrient, with the products it came from.

    ``unknown`` holds products that contain the nutrient but whose dose could not be computed (or
    whose unit cannot be converted): the total is then a lower bound and ``complete`` is False.
    """

    nutrient: str
    total: Amount
    contributions: tuple[Contribution, ...]
    unknown: tuple[MedicationUse, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unknown

    @property
    def has_draft(self) -> bool:
        return any(c.medication.draft for c in self.contributions) or any(m.draft for m in self.unknown)


def convert(value: float, unit: str, to: str) -> float | None:
    """Convert between mass units (``ug``, ``mg``, ``g``); None when they are not both mass units."""
    return units.convert_mass(value, unit, to)


def daily_total(nutrient: str, medications: Iterable[MedicationUse], unit: str) -> NutrientTotal:
    """Sum the daily amount of ``nutrient`` over ``medications`` (already filtered to current + drafts).

    ``unit`` is the unit of the total (the guideline dose's unit). Records of the same product in
    different forms (a request and its dispense or statement, same name and dose, neither a draft)
    are counted once. One pass: records counted so far are indexed by name and amount, so the cost
    is linear in the number of records (it was a scan of every earlier record for each one).
    """
    contributions: list[Contribution] = []
    unknown: list[MedicationUse] = []
    counted: dict[tuple[str, Amount], set[str]] = {}  # (folded name, amount) -> kinds of counted non-drafts
    total = 0.0
    for med in medications:
        if nutrient not in med.groups and nutrient not in med.nutrients:
            continue
        amount = med.nutrients.get(nutrient)
        value = convert(amount.value, amount.unit, unit) if amount is not None else None
        if amount is None or value is None:
            unknown.append(med)
            continue
        if not med.draft:
            kinds = counted.setdefault((fold(med.source.display), amount), set())
            if any(kind != med.kind for kind in kinds):
                continue  # the same product and dose in another form, already counted
            kinds.add(med.kind)
        contributions.append(Contribution(med, amount))
        total += value
    return NutrientTotal(nutrient, Amount(total, unit), tuple(contributions), tuple(unknown))


def totals_on(
    uses: Iterable[MedicationUse], nutrient: str, days: Sequence[date], today: date
) -> list[float | None]:
    """The summed daily amount of ``nutrient`` on each of ``days`` (ascending), None on a day when a
    record covering it has no known amount.

    A record covers its start to its end; without an end, to ``today`` when it is active, else its
    start day only. One sweep over the records' start and end events (sorted once), so the cost is
    linear in records plus days, not their product. Amounts are summed exactly in 1/10,000 units
    (the facts layer rounds them to 4 decimals).
    """
    events: list[tuple[date, int, int]] = []  # (day, +1 starts / -1 ends, amount in 1/10,000; -1 unknown)
    for use in uses:
        if use.start is None:
            continue
        end = use.end or (today if use.active else use.start)
        if end < use.start:
            continue
        amount = use.nutrients.get(nutrient)
        scaled = round(amount.value * _FIXED_POINT) if amount is not None else -1
        events.append((use.start, 1, scaled))
        if end < date.max:
            events.append((end + timedelta(days=1), -1, scaled))
    events.sort(key=lambda event: event[0])
    totals: list[float | None] = []
    total = unknown = i = 0
    for day in days:
        while i < len(events) and events[i][0] <= day:
            _, sign, scaled = events[i]
            if scaled < 0:
                unknown += sign
            else:
                total += sign * scaled
            i += 1
        totals.append(None if unknown else total / _FIXED_POINT)
    return totals


def guideline_range(nutrient: Nutrient) -> tuple[Quantity, Quantity] | None:
    """The printed range (vitamin D 20-25 ug), else the single guideline dose; None when there is none."""
    if nutrient.dose_low is not None and nutrient.dose_high is not None:
        return nutrient.dose_low, nutrient.dose_high
    if nutrient.dose is not None:
        return nutrient.dose, nutrient.dose
    return None


def total_unit(nutrient: Nutrient) -> str:
    """The unit totals are expressed in: the guideline dose's, else the upper limit's (``ug`` for D)."""
    for quantity in (nutrient.dose, nutrient.dose_low, nutrient.upper_limit):
        if quantity is not None:
            return quantity.unit
    return "ug" if nutrient.id == "vitamin-d" else "mg"


def dose_checked(nutrient: Nutrient) -> bool:
    """Whether totals of this nutrient are compared at all (never K2, never information-only ones)."""
    return nutrient.id not in NEVER_DOSE_CHECKED and nutrient.proposable and (
        guideline_range(nutrient) is not None or nutrient.upper_limit is not None
    )


def _in(quantity: Quantity, unit: str) -> float | None:
    return convert(quantity.value, quantity.unit, unit)


def verdict(total: NutrientTotal, nutrient: Nutrient) -> DoseVerdict:
    """Compare a total with the upper limit and the guideline range.

    An incomplete total (a product's dose unknown) is a lower bound: it can be over the limit or
    above the range, but is never called below the range.
    """
    if not dose_checked(nutrient):
        return DoseVerdict.WITHIN
    value, unit = total.total.value, total.total.unit
    limit = _in(nutrient.upper_limit, unit) if nutrient.upper_limit else None
    if limit is not None and value > limit + _EPS:
        return DoseVerdict.OVER_LIMIT
    bounds = guideline_range(nutrient)
    if bounds is None:
        return DoseVerdict.WITHIN
    low, high = _in(bounds[0], unit), _in(bounds[1], unit)
    if high is not None and value > high + _EPS:
        return DoseVerdict.ABOVE
    if low is not None and value < low - _EPS and total.complete:
        return DoseVerdict.BELOW
    return DoseVerdict.WITHIN
