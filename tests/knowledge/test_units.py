"""The one units module: UCUM definitions and explicit conversions (unknown units give None)."""

from __future__ import annotations

import pytest

from cds_service.knowledge import units


def test_time_units_are_ucum():
    assert units.DAYS["mo"] == 30.4375  # UCUM mean Julian month
    assert units.DAYS["a"] == 365.25
    assert units.DAYS["wk"] == 7
    assert units.DAYS["s"] * units.SECONDS_PER_DAY == pytest.approx(1)
    assert units.days(3, "mo") == pytest.approx(91.3125)
    assert units.days(3, "fortnight") is None
    assert units.months_to_days(12) == 365.25
    assert units.whole_weeks(56) == 8 and units.whole_weeks(55) == 7


def test_timing_codes_per_day():
    codes = units.TIMING_CODES_PER_DAY
    assert (codes["BID"], codes["Q8H"], codes["QOD"], codes["Q4H"]) == (2, 3, 0.5, 6)
    assert codes["WK"] == 1 / 7 and codes["MO"] == 1 / 30.4375


@pytest.mark.parametrize(
    ("unit", "to", "factor"),
    [("ug", "mg", 0.001), ("mcg", "mg", 0.001), ("µg", "mg", 0.001), ("g", "mg", 1000), ("ng", "mg", 1e-6),
     ("mg", "ug", 1000), ("gram", "ug", 1e6), ("mg", "mg", 1)],
)
def test_mass_factors(unit, to, factor):
    assert units.mass_factor(unit, to) == factor


def test_unknown_mass_units_are_not_guessed():
    assert units.mass_factor("mmol", "mg") is None
    assert units.mass_factor("mg", "[iU]") is None
    assert units.convert_mass(5, "mg", "mL") is None


def test_convert_mass_divides_for_a_larger_unit():
    assert units.convert_mass(0.3, "ug", "mg") == 0.3 / 1000  # the correctly rounded quotient
    assert units.convert_mass(20, "ug", "ug") == 20
    assert units.convert_mass(1.5, "g", "ug") == 1_500_000


def test_concentration_factors():
    assert units.concentration_factor("pmol/L", "nmol/L") == 0.001
    assert units.concentration_factor("g/dL", "g/L") == 10
    with pytest.raises(ValueError):
        units.concentration_factor("g/dL", "nmol/L")
