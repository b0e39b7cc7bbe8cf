"""The one-pass dose totals (issue 10, linear cost) give what the pairwise definitions give.

The reference implementations below are the definitions as they were written before: a scan of the
records counted so far for each record (same product in another form counts once), and a scan of
every record for each day of the vitamin D clock. Hypothesis draws record sets with repeated names,
amounts, kinds, drafts and overlapping periods, and the fast versions must agree exactly.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.facts.model import MedicationUse
from cds_service.knowledge.model import fold
from cds_service.rules.doses import convert, daily_total, totals_on
from tests.rules.builders import med

TODAY = date(2026, 6, 1)


def _same_record(a: MedicationUse, b: MedicationUse, nutrient: str) -> bool:
    return (not a.draft and not b.draft and a.kind != b.kind and fold(a.source.display) == fold(b.source.display)
            and a.nutrients.get(nutrient) == b.nutrients.get(nutrient))


def reference_total(nutrient: str, medications: list[MedicationUse], unit: str) -> tuple:
    counted, unknown, total = [], [], 0.0
    for m in medications:
        if nutrient not in m.groups and nutrient not in m.nutrients:
            continue
        amount = m.nutrients.get(nutrient)
        value = convert(amount.value, amount.unit, unit) if amount else None
        if value is None:
            unknown.append(m)
        elif not any(_same_record(c, m, nutrient) for c in counted):
            counted.append(m)
            total += value
    return total, counted, unknown


def reference_totals_on(uses: list[MedicationUse], days: list[date]) -> list[float | None]:
    out = []
    for day in days:
        total = 0.0
        for use in uses:
            end = use.end or (TODAY if use.active else use.start)
            if use.start is not None and use.start <= day <= end:
                amount = use.nutrients.get("vitamin-d")
                if amount is None:
                    total = None
                    break
                total += amount.value
        out.append(total)
    return out


RECORD = st.builds(
    lambda name, amount, unit, kind, draft, start, length, active, known: med(
        "vitamin-d", display=name, kind=kind, draft=draft, active=active,
        start=TODAY - timedelta(days=start), end=None if length is None else TODAY - timedelta(days=start - length),
        amounts={"vitamin-d": (amount, unit)} if known else None),
    st.sampled_from(["Vitamine D3 800 IE", "vitamine d3 800 ie", "Colecalciferol"]),
    st.sampled_from([10.0, 20.0, 20.0001, 0.0]),
    st.sampled_from(["ug", "mg", "iu"]),
    st.sampled_from(["MedicationRequest", "MedicationStatement", "MedicationDispense"]),
    st.booleans(),
    st.integers(0, 400),
    st.none() | st.integers(-5, 500),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORD, max_size=12))
def test_daily_total_counts_what_the_pairwise_definition_counts(records):
    total = daily_total("vitamin-d", records, "ug")
    expected_total, counted, unknown = reference_total("vitamin-d", records, "ug")
    assert [c.medication for c in total.contributions] == counted
    assert list(total.unknown) == unknown
    assert abs(total.total.value - expected_total) < 1e-9


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORD, max_size=12), st.lists(st.integers(0, 420), max_size=8))
def test_totals_on_each_day_are_what_a_scan_of_every_record_gives(records, back):
    days = sorted({TODAY - timedelta(days=b) for b in back})
    fast = totals_on(records, "vitamin-d", days, TODAY)
    slow = reference_totals_on(records, days)
    assert len(fast) == len(slow)
    for got, want in zip(fast, slow):
        assert (got is None) == (want is None)
        if got is not None:
            assert abs(got - want) < 1e-6
