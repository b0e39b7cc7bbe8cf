"""Hypothesis strategies: any JSON value, and FHIR-shaped values with hostile numbers and dates."""

from __future__ import annotations

from hypothesis import strategies as st

# numbers that passed sign checks but broke arithmetic, and their neighbours
EXTREME_NUMBERS = st.sampled_from([
    0, -0.0, 5e-324, -5e-324, 1e-300, 1e-12, 1e308, -1e308, 1.7976931348623157e308, 2**63, 2**64 + 1,
    10**40, -(10**40), 10**400,
])
NUMBERS = st.one_of(
    EXTREME_NUMBERS,
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
UNITS = st.sampled_from([
    "s", "min", "h", "d", "wk", "mo", "a", "day", "weken", "jaar", "mg", "g", "ug", "mcg", "µg", "[iu]",
    "IE", "mL", "{tbl}", "1", "tablet", "druppels", "mmol", "mmol/L", "nmol/L", "ng/mL", "mg/dL", "",
    " ", "x",
])
DATES = st.one_of(
    st.sampled_from([
        "0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59.999999-23:59", "0001-01-01T00:00:00Z", "2025-02-29", "2024-02-29",
        "2025-13-01", "1950", "1950-06", "0000-00-00", "2025-06-02T25:61:00+14:00", "T", "",
    ]),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=30), UNITS, DATES)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20,
)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Usually a well-typed value, sometimes any JSON value, sometimes absent (None)."""
    return st.one_of(strategy, strategy, JSON, st.none())


QUANTITY = st.fixed_dictionaries({}, optional={
    "value": maybe(NUMBERS), "unit": maybe(UNITS), "code": maybe(UNITS),
    "system": maybe(st.just("http://unitsofmeasure.org")),
})
DURATION = QUANTITY
REPEAT = st.fixed_dictionaries({}, optional={
    "frequency": maybe(NUMBERS), "frequencyMax": maybe(NUMBERS), "period": maybe(NUMBERS),
    "periodMax": maybe(NUMBERS), "periodUnit": maybe(UNITS), "boundsDuration": maybe(DURATION),
    "boundsPeriod": maybe(st.fixed_dictionaries({}, optional={"start": DATES, "end": DATES})),
    "timeOfDay": maybe(st.lists(st.text(max_size=8), max_size=3)),
    "when": maybe(st.lists(st.text(max_size=4), max_size=3)),
    "dayOfWeek": maybe(st.lists(st.sampled_from(["mon", "tue"]), max_size=3)),
    "count": maybe(NUMBERS), "duration": maybe(NUMBERS), "durationUnit": maybe(UNITS),
})
DOSAGE = st.fixed_dictionaries({}, optional={
    "sequence": maybe(st.integers(0, 3)),
    "text": maybe(st.one_of(st.text(max_size=40), st.sampled_from([
        "1 x per dag 500 mg", "2dd1", "1e308 mg per dag", "99999999999999999999 dd 1", "1 maal per week 50000 IE",
    ]))),
    "timing": maybe(st.fixed_dictionaries({}, optional={
        "repeat": maybe(REPEAT), "code": maybe(st.just({"coding": [{"code": "BID"}]})),
    })),
    "asNeededBoolean": maybe(st.booleans()),
    "doseAndRate": maybe(st.lists(st.fixed_dictionaries({}, optional={
        "doseQuantity": maybe(QUANTITY), "doseRange": maybe(st.fixed_dictionaries({}, optional={"low": QUANTITY})),
    }), max_size=2)),
})
