"""Daily dose from FHIR Dosage: dose x frequency / period, in a canonical unit kind.

Amounts are ``(value, kind)`` with kind ``"mg"`` (any mass, converted), ``"iu"`` (international
units), ``"ml"`` or ``"count"`` (tablets, capsules, drops, sachets: dose forms). Weekly and monthly
regimens become daily averages. Structured fields first; ``Dosage.text`` is parsed only as a last
resort, with a deliberately small grammar (Dutch and English). Anything unclear stays ``None``.

The inputs are read-model values (:mod:`cds_service.fhir.model`): every field already of its type
or None, numbers finite, malformed list items dropped; what is left to check is range and meaning.
"""

from __future__ import annotations

import re

from cds_service.facts.values import (
    MAX_DAYS,
    MAX_QUANTITY,
    MIN_PERIOD_DAYS,
    codings,
    duration_days,
    in_range,
    text,
    unit_days,
)
from cds_service.fhir.model import Dosage, Quantity, Timing
from cds_service.knowledge import units
from cds_service.knowledge.model import UCUM

Amount = tuple[float, str]

_IU = {"[iu]", "iu", "ie", "i.e.", "i.u.", "[iu]/1", "internationale eenheden", "international units"}
_ML = {"ml", "milliliter", "millilitre"}
_COUNT_UNIT = re.compile(
    r"(stuks?|st|tab|tabs|tbl|tablet(?:ten|s)?|kauwtablet(?:ten)?|bruistablet(?:ten)?|cap|caps|"
    r"capsules?|druppels?|drops?|dr|sachets?|zakjes?|dos[ie]s|doses|puffs?|pufjes?|ampul(?:len)?|"
    r"ampoules?|vials?|flacons?|pleisters?|patch(?:es)?|zetpil(?:len)?|suppositor(?:y|ies)|"
    r"unit|units|eenheid|eenheden)"
)

# timing.code (v3 GTSAbbreviation) -> administrations per day
_TIMING_CODES = units.TIMING_CODES_PER_DAY


def unit_kind(quantity: Quantity | None) -> tuple[float, str] | None:
    """``(factor, kind)`` converting a Quantity's value to its canonical kind, or None.

    The UCUM ``code`` is read when ``system`` is UCUM (or absent), then the ``unit`` text.
    A Quantity without any unit is a count (``{"value": 1}`` = one tablet).
    """
    quantity = quantity or {}
    system = quantity.get("system")
    candidates = []
    if system in (None, UCUM):
        candidates.append(text(quantity.get("code")))
    candidates.append(text(quantity.get("unit")))
    if system not in (None, UCUM):
        candidates.append(text(quantity.get("code")))
    seen = [c for c in candidates if c]
    if not seen:
        return 1.0, "count"
    for raw in seen:
        kind = _unit_text_kind(raw)
        if kind is not None:
            return kind
    return None


def _unit_text_kind(raw: str) -> tuple[float, str] | None:
    key = raw.strip().lower()
    if (to_mg := units.mass_factor(key, "mg")) is not None:
        return to_mg, "mg"
    if key in _IU:
        return 1.0, "iu"
    if key in _ML:
        return 1.0, "ml"
    # UCUM annotations ({tbl}, {capsule}), "1", "TAB", "tablet", "druppel", ...: a dose form count.
    if key == "1" or (key.startswith("{") and key.endswith("}")) or _COUNT_UNIT.fullmatch(key):
        return 1.0, "count"
    return None  # mmol, rates, times, anything else: not guessed


def quantity_amount(quantity: Quantity | None) -> Amount | None:
    value = (quantity or {}).get("value")
    kind = unit_kind(quantity)
    if value is None or kind is None or (converted := in_range(value * kind[0], 0.0, MAX_QUANTITY)) is None:
        return None
    return converted, kind[1]


def _daily(amount: float, frequency: float | None) -> float | None:
    """Dose x administrations per day, when both are known and the product is plausible."""
    if frequency is None:
        return None
    return in_range(amount * frequency, 0.0, MAX_QUANTITY)


def per_day(timing: Timing | None) -> float | None:
    """Administrations per day from a Timing (``repeat`` first, then ``code``)."""
    timing = timing or {}
    repeat = timing.get("repeat") or {}
    # The read model makes a frequency of the wrong type NaN (never in range), not None.
    frequency = in_range(repeat.get("frequency"), 0.0, MAX_QUANTITY)
    if frequency is None and repeat.get("frequency") is not None:
        return None  # a frequency that is not a plausible count is not "once"
    period = repeat.get("period")
    days = unit_days(repeat.get("periodUnit"))
    if period is not None and days is not None and period > 0:
        span = in_range(period * days, MIN_PERIOD_DAYS, MAX_DAYS)  # 5e-324 s is 0 days: unknown
        if span is None:
            return None
        return in_range((frequency if frequency is not None else 1.0) / span, 0.0, MAX_QUANTITY)
    times = len(repeat.get("timeOfDay") or ()) or len(repeat.get("when") or ())
    weekdays = len(repeat.get("dayOfWeek") or ())
    if weekdays:
        return (frequency or times or 1.0) * min(weekdays, units.DAYS_PER_WEEK) / units.DAYS_PER_WEEK
    if times and frequency is None:
        return float(times)
    for _, code, _ in codings(timing.get("code")):
        if code and code.upper() in _TIMING_CODES:
            return _TIMING_CODES[code.upper()]
    return None


def dosage_daily(dosages: list[Dosage]) -> Amount | None:
    """The daily amount over a list of Dosage (concurrent ones summed, sequences weighted)."""
    groups: dict[float | None, list[Dosage]] = {}
    for dosage in dosages:
        groups.setdefault(dosage.get("sequence"), []).append(dosage)
    if not groups:
        return None
    if len(groups) == 1:
        return _concurrent(next(iter(groups.values())))
    # Sequential phases (tapering): duration-weighted when every phase has a duration.
    phases = []
    for items in groups.values():
        amount = _concurrent(items)
        span = duration_days(((items[0].get("timing") or {}).get("repeat") or {}).get("boundsDuration"))
        if amount is None:
            return None
        phases.append((amount, span))
    kinds = {a[1] for a, _ in phases}
    if len(kinds) != 1:
        return None
    spans = [span for _, span in phases if span]
    if len(spans) == len(phases):  # every phase has a duration
        total = sum(spans)
        return sum(a[0] * span for (a, _), span in zip(phases, spans)) / total, kinds.pop()
    values = {round(a[0], 6) for a, _ in phases}
    return (phases[0][0][0], kinds.pop()) if len(values) == 1 else None


def _concurrent(items: list[Dosage]) -> Amount | None:
    total = 0.0
    kind = None
    for dosage in items:
        amount = single_daily(dosage)
        if amount is None or (kind is not None and amount[1] != kind):
            return None
        total += amount[0]
        kind = amount[1]
    return (total, kind) if kind and total <= MAX_QUANTITY else None


def single_daily(dosage: Dosage) -> Amount | None:
    """One Dosage's daily amount: structured dose x frequency, else its text."""
    if dosage.get("asNeededBoolean") is True or dosage.get("asNeededCodeableConcept"):
        return None
    dose = None
    for dr in dosage.get("doseAndRate") or ():
        dose = quantity_amount(dr.get("doseQuantity"))
        if dose is None and (dose_range := dr.get("doseRange")) is not None:
            dose = quantity_amount(dose_range.get("low"))
        if dose is not None:
            break
    frequency = per_day(dosage.get("timing"))
    parsed = parse_text(text(dosage.get("text")) or "")
    if dose is None:
        dose = parsed[0]
    if frequency is None:
        frequency = parsed[1]
    if dose is None or (daily := _daily(dose[0], frequency)) is None:
        return None
    return daily, dose[1]


# --- dosage text (last resort) -----------------------------------------------------------------
_NUM = r"(\d{1,3}(?:\.\d{3})+|\d+(?:[.,]\d+)?)"
_WORDS = {"een": 1, "eens": 1, "once": 1, "twee": 2, "twice": 2, "drie": 3, "three": 3,
          "vier": 4, "four": 4}
_PERIOD = {"dag": units.DAYS["d"], "day": units.DAYS["d"], "daags": units.DAYS["d"], "daily": units.DAYS["d"],
           "week": units.DAYS["wk"], "maand": units.DAYS["mo"], "month": units.DAYS["mo"]}
_FREQ = [
    re.compile(rf"{_NUM}\s*(?:x|maal|keer|times)\s*(?:per|a|/|p\.?|in de)?\s*(dag|daags|day|week|maand|month)"),
    re.compile(r"\b(eens|een|twee|drie|vier)\s*maal\s*(?:per\s*)?(dag|daags|week|maand)"),
    re.compile(r"\b(once|twice|three|four)\s*(?:times\s*)?(?:a|per)\s*(day|week|month)"),
    re.compile(r"\b(once|twice)\s+(daily)"),
]
_DD = re.compile(rf"\b{_NUM}\s*dd\b(?:\s*{_NUM}(?!\s*(?:mg|g|ie|iu|ug|mcg|µg|microgram)))?")
_ONCE_PER = [
    (re.compile(r"(per dag|dagelijks|daily|/\s*dag|p\.d\.|a day|per day|daags|each day)"), 1.0),
    (re.compile(r"(per week|wekelijks|weekly|/\s*week|a week)"), 1 / units.DAYS["wk"]),
    (re.compile(r"(per maand|maandelijks|monthly|/\s*maand|a month)"), 1 / units.DAYS["mo"]),
]
_MASS = re.compile(rf"{_NUM}\s*(ie|iu|µg|μg|mcg|ug|microgram(?:men)?|mg|milligram|g|gram|ml)\b")
_COUNT = re.compile(
    rf"{_NUM}\s*(?:stuks?|tablet(?:ten)?|tabl?|kauwtablet(?:ten)?|bruistablet(?:ten)?|capsules?|caps|"
    r"druppels?|drops?|sachets?|zakjes?|tablets?)\b"
)


def _num(raw: str) -> float | None:
    """A number written in the text, None when it is beyond any plausible dose or count."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        value = float(raw.replace(".", ""))
    else:
        value = float(raw.replace(",", "."))
    return in_range(value, 0.0, MAX_QUANTITY)


def parse_text(raw: str) -> tuple[Amount | None, float | None]:
    """``(dose per administration, administrations per day)`` from free dosage text.

    A number beyond :data:`MAX_QUANTITY` makes what it belongs to unknown (None).
    """
    s = raw.lower()
    if not s:
        return None, None
    frequency = None
    dose: Amount | None = None
    m = _DD.search(s)
    if m:
        frequency = _num(m.group(1))
        if m.group(2) and (count := _num(m.group(2))) is not None:
            dose = (count, "count")
        if frequency is None:
            return dose, None
    if frequency is None:
        for pattern in _FREQ:
            m = pattern.search(s)
            if m:
                n = _WORDS.get(m.group(1))
                count = float(n) if n is not None else _num(m.group(1))
                if count is None:
                    return None, None
                frequency = count / _PERIOD[m.group(2)]
                break
    if frequency is None:
        for pattern, value in _ONCE_PER:
            if pattern.search(s):
                frequency = value
                break
    masses = _MASS.findall(s)
    if len(masses) == 1:
        value, unit = masses[0]
        kind = _unit_text_kind(unit)
        amount = _num(value)
        if kind is not None and amount is not None:
            dose = (amount * kind[0], kind[1])
    elif dose is None:
        counts = _COUNT.findall(s)
        if len(counts) == 1 and (count := _num(counts[0])) is not None:
            dose = (count, "count")
    return dose, frequency
