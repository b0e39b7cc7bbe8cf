"""Units of measure: the one module that defines units and converts between them.

UCUM definitions (time and mass units, metric prefixes) and the HL7 timing abbreviations are facts
about units, not clinical knowledge, so they live here as code; it is the lowest layer, so facts,
rules and cards all use it. Substance-specific factors (international units per microgram of
vitamin D, ng/mL to nmol/L of 25(OH)D, mg/dL to mmol/L of calcium) are clinical knowledge: they are
Parameters in ``fhir_profiles/`` (``Knowledge.param``), never here.

Conversions are explicit: an unknown unit gives None (the value is indeterminate, never guessed).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

# --- time (UCUM: ``mo`` is the mean Julian month, ``a`` the Julian year) -----------------------------
SECONDS_PER_DAY = 86_400
DAYS: Mapping[str, float] = MappingProxyType(
    {
        "s": 1 / SECONDS_PER_DAY,
        "min": 1 / 1_440,
        "h": 1 / 24,
        "d": 1.0,
        "wk": 7.0,
        "mo": 30.4375,
        "a": 365.25,
    }
)
DAYS_PER_WEEK = DAYS["wk"]
DAYS_PER_MONTH = DAYS["mo"]
DAYS_PER_YEAR = DAYS["a"]

# HL7 v3 GTSAbbreviation (``Timing.code``) -> administrations per day.
TIMING_CODES_PER_DAY: Mapping[str, float] = MappingProxyType(
    {
        "QD": 1.0,
        "AM": 1.0,
        "PM": 1.0,
        "BED": 1.0,
        "BID": 2.0,
        "TID": 3.0,
        "QID": 4.0,
        "QOD": 1 / 2,
        "Q4H": 24 / 4,
        "Q6H": 24 / 6,
        "Q8H": 24 / 8,
        "Q12H": 24 / 12,
        "WK": 1 / DAYS["wk"],
        "MO": 1 / DAYS["mo"],
    }
)

# --- mass (UCUM codes as powers of ten of the gram) ------------------------------------------------
_MASS_EXPONENT: Mapping[str, int] = MappingProxyType({"g": 0, "mg": -3, "ug": -6, "ng": -9})
UG_PER_MG = 10.0**3
# Other spellings of mass units (dosage text, product names, non-UCUM Quantity.unit) -> UCUM code.
MASS_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "mcg": "ug",
        "µg": "ug",
        "μg": "ug",
        "microgram": "ug",
        "micrograms": "ug",
        "microgrammen": "ug",
        "gram": "g",
        "milligram": "mg",
        "milligrams": "mg",
    }
)

# --- substance concentration / mass concentration (UCUM) --------------------------------------------
# unit -> (dimension, factor to the dimension's base unit)
_CONCENTRATION: Mapping[str, tuple[str, float]] = MappingProxyType(
    {
        "mmol/L": ("mol/L", 10.0**6),
        "nmol/L": ("mol/L", 1.0),
        "pmol/L": ("mol/L", 10.0**-3),
        "g/L": ("g/L", 1.0),
        "g/dL": ("g/L", 10.0),
    }
)


def mass_unit(unit: str) -> str | None:
    """The UCUM code of a mass unit written as UCUM or as one of :data:`MASS_ALIASES`."""
    code = MASS_ALIASES.get(unit, unit)
    return code if code in _MASS_EXPONENT else None


def mass_factor(unit: str, to: str) -> float | None:
    """The factor taking a mass in ``unit`` to ``to`` (``mass_factor("ug", "mg") == 0.001``)."""
    src, dst = mass_unit(unit), mass_unit(to)
    if src is None or dst is None:
        return None
    return 10.0 ** (_MASS_EXPONENT[src] - _MASS_EXPONENT[dst])


def convert_mass(value: float, unit: str, to: str) -> float | None:
    """A mass in ``unit`` expressed in ``to``; None when either is not a mass unit."""
    if unit == to:
        return value
    src, dst = mass_unit(unit), mass_unit(to)
    if src is None or dst is None:
        return None
    step = _MASS_EXPONENT[src] - _MASS_EXPONENT[dst]
    # Divide for a larger unit so the result is the correctly rounded quotient (value / 1000).
    return value * 10.0**step if step >= 0 else value / 10.0**-step


def concentration_factor(unit: str, to: str) -> float:
    """The factor from one UCUM concentration unit to another of the same dimension (ValueError
    for units not defined here or of different dimensions: a programming error, not data)."""
    src, dst = _CONCENTRATION.get(unit), _CONCENTRATION.get(to)
    if src is None or dst is None or src[0] != dst[0]:
        raise ValueError(f"no conversion from {unit} to {to}")
    return src[1] / dst[1]


def days(value: float, unit: str) -> float | None:
    """A duration in a UCUM time unit as days; None for an unknown unit."""
    per = DAYS.get(unit)
    return None if per is None else value * per


def months_to_days(months: float) -> float:
    return months * DAYS_PER_MONTH


def years_to_days(years: float) -> float:
    return years * DAYS_PER_YEAR


def whole_weeks(day_count: float) -> int:
    """Complete weeks in a number of days (56 days: 8 weeks)."""
    return int(day_count // DAYS_PER_WEEK)
