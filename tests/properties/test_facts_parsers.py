"""Property tests over the facts layer's parsers: any input gives a value in range or None, never an
exception (issue 10: a period of 5e-324 s once divided by zero)."""

from __future__ import annotations

import math
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.facts.amounts import to_nutrient
from cds_service.facts.dosage import dosage_daily, parse_text, per_day, quantity_amount, single_daily, unit_kind
from cds_service.facts.values import (
    MAX_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    MAX_QUANTITY,
    add_days,
    duration_days,
    parse_date,
    parse_datetime,
    period,
    unit_days,
)
from tests import read_model as read
from tests.properties.strategies import DATES, DOSAGE, DURATION, JSON, QUANTITY, REPEAT, UNITS

EXAMPLES = settings(max_examples=300, deadline=None)


def _in_range(value: float | None, high: float) -> bool:
    return value is None or (math.isfinite(value) and 0 <= value <= high)


@EXAMPLES
@given(st.lists(st.one_of(DOSAGE, JSON), max_size=3) | JSON)
def test_daily_amounts_are_finite_or_unknown(raw):
    dosages = read.dosages(raw)  # any JSON, read as the service reads it
    daily = dosage_daily(dosages)
    assert daily is None or (_in_range(daily[0], MAX_QUANTITY) and daily[1] in ("mg", "iu", "ml", "count"))
    for dosage in dosages:
        one = single_daily(dosage)
        assert one is None or _in_range(one[0], MAX_QUANTITY)


@EXAMPLES
@given(st.one_of(st.fixed_dictionaries({"repeat": REPEAT}), JSON))
def test_administrations_per_day_are_finite_or_unknown(raw):
    assert _in_range(per_day(read.timing(raw)), MAX_QUANTITY)


@EXAMPLES
@given(st.one_of(QUANTITY, JSON))
def test_quantities_and_units(raw):
    quantity = read.quantity(raw)
    amount = quantity_amount(quantity)
    assert amount is None or _in_range(amount[0], MAX_QUANTITY)
    kind = unit_kind(quantity)
    assert kind is None or (kind[0] > 0 and kind[1] in ("mg", "iu", "ml", "count"))


@EXAMPLES
@given(st.text(max_size=80) | st.sampled_from(["1e308 mg 2dd", "999999999999999999999 x per dag 1 tablet",
                                               "0 x per week 5 mg", "1.000.000.000.000 dd 1"]))
def test_dosage_text(raw):
    dose, frequency = parse_text(raw)
    assert dose is None or _in_range(dose[0], MAX_QUANTITY)
    assert _in_range(frequency, MAX_QUANTITY)


@EXAMPLES
@given(st.tuples(st.floats(allow_nan=False), st.sampled_from(["mg", "iu", "ml", "count"])),
       st.sampled_from([None, "vitamin-d", "calcium"]))
def test_nutrient_amounts(daily, nutrient):
    amount = to_nutrient(daily, nutrient, 40.0)
    assert amount is None or math.isfinite(amount.value)


@EXAMPLES
@given(st.one_of(DATES, JSON))
def test_dates(value):
    day = parse_date(value)
    assert day is None or (isinstance(day, date) and MIN_YEAR <= day.year <= MAX_YEAR)
    moment = parse_datetime(value)
    assert moment is None or (isinstance(moment, datetime) and moment.tzinfo is not None
                              and MIN_YEAR <= moment.year <= MAX_YEAR)
    start, end = period(read.period({"start": value, "end": value}))
    assert start == end == parse_date(value)


@EXAMPLES
@given(st.one_of(DURATION, JSON), st.one_of(UNITS, JSON))
def test_durations(duration, unit):
    assert _in_range(duration_days(read.quantity(duration)), MAX_DAYS)
    per = unit_days(read.string(unit))
    assert per is None or 0 < per <= 366


@EXAMPLES
@given(st.dates(), st.one_of(st.floats(allow_nan=False), st.integers().map(float)))
def test_adding_days_stays_inside_the_calendar(day, days):
    result = add_days(day, days)
    assert result is None or isinstance(result, date)
