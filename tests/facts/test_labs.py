import pytest

from cds_service.facts.model import Domain

from .conftest import LOINC, UCUM, cc, observation


def vitd(facts, *observations):
    return facts(vitaminD=list(observations)).vitamin_d


@pytest.mark.parametrize(
    ("value", "unit", "system", "expected", "flagged"),
    [
        (55, "nmol/L", UCUM, 55.0, False),
        (40, "ng/mL", UCUM, 99.84, False),
        (36, "ug/L", UCUM, 89.856, False),
        (80000, "pmol/L", UCUM, 80.0, True),
        (55, "nmol/l", None, 55.0, False),
        (40, "NG/ML", None, 99.84, False),
        (40, "µg/l", None, 99.84, False),
        (40, "μg/L", None, 99.84, False),
    ],
)
def test_25ohd_normalised(facts, value, unit, system, expected, flagged):
    (r,) = vitd(facts, observation("62292-8", value, unit, system=system))
    assert r.value == pytest.approx(expected) and r.unit == "nmol/L"
    assert r.unit_flagged is flagged and r.problem is None
    assert r.original_value == value and r.original_unit == unit


def test_25ohd_indeterminate(facts):
    cases = {
        "no-unit": observation("14635-7", 55, None, system=None, id="a"),
        "unknown-unit": observation("14635-7", 55, "mmol/L", id="b"),
        "unknown-text": observation("14635-7", 55, "nanomol", system="urn:lab", id="c"),
        "implausible-pmol": observation("14635-7", 80, "pmol/L", id="d"),
        "implausible-high": observation("1989-3", 500, "ng/mL", id="e"),
        "no-value": observation("14635-7", None, "nmol/L", id="f"),
        "string": observation("14635-7", id="g", valueString="volgt"),
    }
    results = {r.source.reference.split("/")[1]: r for r in vitd(facts, *cases.values())}
    assert all(r.value is None and not r.determinate for r in results.values())
    assert {k: r.problem for k, r in results.items()} == {
        "a": "no-unit", "b": "unknown-unit", "c": "unknown-unit", "d": "implausible",
        "e": "implausible", "f": "no-value", "g": "no-value",
    }
    assert not results["d"].unit_flagged


def test_ucum_system_without_code_reads_unit_text(facts):
    obs = observation("14635-7", 55, "nmol/l", system=None)
    obs["valueQuantity"]["system"] = UCUM
    (r,) = vitd(facts, obs)
    assert r.value == 55


def test_comparator_keeps_value(facts):
    obs = observation("62292-8", 10, "ng/mL")
    obs["valueQuantity"]["comparator"] = "<"
    (r,) = vitd(facts, obs)
    assert r.comparator == "<" and r.value == pytest.approx(24.96)


def test_status_filter_and_order(facts):
    results = vitd(
        facts,
        observation("14635-7", 50, "nmol/L", id="old", when="2025-01-01"),
        observation("14635-7", 60, "nmol/L", id="new", when="2026-05-01T10:00:00+02:00"),
        observation("14635-7", 70, "nmol/L", id="prelim", status="preliminary"),
        observation("14635-7", 80, "nmol/L", id="amended", status="amended", when="2026-03-01"),
        observation("14635-7", 90, "nmol/L", id="undated", when=None),
        observation("2000-8", 2.4, "mmol/L", id="other-test"),
    )
    assert [r.source.reference.split("/")[1] for r in results] == ["new", "amended", "old", "undated"]
    assert results[0].effective.isoformat() == "2026-05-01T10:00:00+02:00"
    assert results[0].source.display == "lab-25ohd"  # no text or display on the code: the test id


def test_effective_alternatives(facts):
    period = observation("14635-7", 50, "nmol/L", when=None, effectivePeriod={"start": "2026-02-02"})
    issued = observation("14635-7", 50, "nmol/L", id="i", when=None, issued="2026-02-03T08:00:00Z")
    a, b = vitd(facts, period, issued)
    assert (a.effective.date().isoformat(), b.effective.date().isoformat()) == ("2026-02-03", "2026-02-02")


def test_calcium_plain_mgdl_and_corrected(facts):
    f = facts(calcium=[observation("17861-6", 10.02, "mg/dL", when="2026-05-01")])
    assert f.calcium.value == pytest.approx(2.5) and not f.calcium.corrected
    assert f.calcium.unit == "mmol/L"
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-01"),
        observation("1751-7", 3.0, "g/dL", id="alb", when="2026-05-01T14:00:00Z"),
        observation("1751-7", 45, "g/L", id="alb-old", when="2026-01-01"),
    ])
    assert f.calcium.value == pytest.approx(2.60) and f.calcium.corrected
    assert f.calcium.source.reference == "Observation/ca"


def test_calcium_corrected_only_with_a_same_day_albumin(facts):
    """Decision 13: an albumin from another day (here two days later) does not correct the calcium."""
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-01"),
        observation("1751-7", 30, "g/L", id="alb", when="2026-05-03"),
    ])
    assert f.calcium.value == pytest.approx(2.40) and not f.calcium.corrected


def test_calcium_direct_corrected_preferred_same_day(facts):
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-01T08:00:00Z"),
        observation("29265-6", 2.55, "mmol/L", id="corr", when="2026-05-01T07:00:00Z"),
    ])
    assert f.calcium.source.reference == "Observation/corr"
    assert f.calcium.corrected and f.calcium.value == 2.55
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-10"),
        observation("29265-6", 2.55, "mmol/L", id="corr", when="2026-05-01"),
    ])
    assert f.calcium.source.reference == "Observation/ca" and not f.calcium.corrected


def test_calcium_old_and_indeterminate(facts):
    # the facts pass the latest dated result, however old: the rules apply lab-current-months
    f = facts(calcium=[observation("2000-8", 2.4, "mmol/L", when="2025-01-01")])
    assert f.calcium.value == 2.4 and f.calcium.source.date.isoformat() == "2025-01-01"
    f = facts(calcium=[observation("2000-8", 2.4, "mEq/L", when="2026-05-01")])
    assert f.calcium.value is None and f.calcium.problem == "unknown-unit"
    f = facts(calcium=[])
    assert f.calcium is None and f.is_known(Domain.CALCIUM)


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (10.2, "mmol/L"),  # a mg/dL value recorded as mmol/L: would read as severe hypercalcaemia
        (2.4, "mg/dL"),  # a mmol/L value recorded as mg/dL: 0.6 mmol/L
    ],
)
def test_implausible_calcium_is_indeterminate(facts, value, unit):
    f = facts(calcium=[observation("2000-8", value, unit, id="ca", when="2026-05-01")])
    assert f.calcium.value is None and not f.calcium.determinate
    assert f.calcium.problem == "implausible" and f.calcium.original_value == value


def test_implausible_calcium_is_not_replaced_by_an_older_value(facts):
    f = facts(calcium=[
        observation("2000-8", 2.9, "mmol/L", id="old", when="2026-04-01"),
        observation("2000-8", 11.0, "mmol/L", id="new", when="2026-05-01"),
    ])
    assert f.calcium.source.reference == "Observation/new" and f.calcium.problem == "implausible"


def test_calcium_plausible_range_is_inclusive(facts):
    f = facts(calcium=[observation("2000-8", 5.0, "mmol/L", when="2026-05-01")])
    assert f.calcium.value == 5.0
    f = facts(calcium=[observation("2000-8", 1.0, "mmol/L", when="2026-05-01")])
    assert f.calcium.value == 1.0


def test_implausible_albumin_is_not_used_for_the_correction(facts):
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-01"),
        observation("1751-7", 4.0, "g/L", id="alb", when="2026-05-01"),  # g/dL recorded as g/L
    ])
    assert f.calcium.value == pytest.approx(2.40) and not f.calcium.corrected


def test_albumin_pairing_window_comes_from_the_parameters(facts):
    """The parameter is 0 (the same calendar day, decision 13): 23:00 and 08:00 the next day do not pair."""
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-01T07:30:00Z"),
        observation("1751-7", 30, "g/L", id="alb", when="2026-05-01T23:00:00Z"),
    ])
    assert f.calcium.corrected and f.calcium.value == pytest.approx(2.60)
    f = facts(calcium=[
        observation("2000-8", 2.40, "mmol/L", id="ca", when="2026-05-01T23:00:00Z"),
        observation("1751-7", 30, "g/L", id="alb", when="2026-05-02T08:00:00Z"),
    ])
    assert not f.calcium.corrected


def test_egfr(facts):
    f = facts(kidney=[
        observation("33914-3", 25, "mL/min/{1.73_m2}", id="new", when="2026-05-01"),
        observation("33914-3", 60, "mL/min/{1.73_m2}", id="older", when="2026-01-01"),
        observation("2160-0", 150, "umol/L", id="creat", when="2026-05-02"),
        observation("33914-3", 10, "mL/min/{1.73_m2}", id="stale", when="2024-01-01"),
    ])
    assert f.egfr.value == 25 and f.egfr.source.reference == "Observation/new"
    alias = facts(kidney=[observation("62238-1", 45, "ml/min/1,73 m²", system=None)])
    assert alias.egfr.value == 45
    comparator = observation("62238-1", 90, "mL/min/{1.73_m2}")
    comparator["valueQuantity"]["comparator"] = ">"
    assert facts(kidney=[comparator]).egfr.comparator == ">"
    bad = facts(kidney=[observation("62238-1", 45, "mg/dL")])
    assert bad.egfr.value is None and bad.egfr.problem == "unknown-unit"
    assert facts(kidney=[]).egfr is None


def test_lab_domains_unknown(facts):
    f = facts(unknown={"vitaminD", "calcium", "kidney", "labOrders"})
    assert not any(f.is_known(d) for d in (Domain.VITAMIN_D, Domain.CALCIUM, Domain.KIDNEY, Domain.LAB_ORDERS))


def test_text_coded_local_lab(facts):
    local = {"resourceType": "Observation", "id": "x", "status": "final",
             "code": {"coding": [{"system": "urn:lab", "code": "VITD"}], "text": "25-OH vitamine D"},
             "effectiveDateTime": "2026-05-01", "valueQuantity": {"value": 70, "unit": "nmol/l"}}
    (r,) = vitd(facts, local)
    assert r.value == 70
    assert vitd(facts, {**local, "code": cc(LOINC, "1,25-dihydroxy")}) == ()


def test_malformed_observations(facts):
    f = facts(vitaminD=["x", {"resourceType": "Observation", "status": "final", "code": 3},
                        observation("14635-7", 55, "nmol/L", valueQuantity="55")],
              calcium=[None, {"resourceType": "Observation"}], kidney=[{}])
    assert [r.problem for r in f.vitamin_d] == ["no-value"]
    assert f.calcium is None and f.egfr is None
