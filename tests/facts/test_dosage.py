import pytest

from cds_service.facts import dosage as facts
from cds_service.facts.dosage import parse_text
from tests import read_model as read


def quantity_amount(raw):
    return facts.quantity_amount(read.quantity(raw))


def unit_kind(raw):
    return facts.unit_kind(read.quantity(raw))


def per_day(raw):
    return facts.per_day(read.timing(raw))


def dosage_daily(raw):
    return facts.dosage_daily(read.dosages(raw))

UCUM = "http://unitsofmeasure.org"


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ({"value": 800, "system": UCUM, "code": "[iU]"}, (800, "iu")),
        ({"value": 800, "system": UCUM, "code": "[IU]"}, (800, "iu")),
        ({"value": 800, "unit": "IE"}, (800, "iu")),
        ({"value": 20, "system": UCUM, "code": "ug"}, (0.02, "mg")),
        ({"value": 1, "unit": "g"}, (1000, "mg")),
        ({"value": 2, "system": UCUM, "code": "{tbl}"}, (2, "count")),
        ({"value": 1, "unit": "tablet"}, (1, "count")),
        ({"value": 1}, (1, "count")),
        ({"value": 5, "unit": "ml"}, (5, "ml")),
        ({"value": 10, "unit": "mmol"}, None),
        ({"value": 10, "system": "urn:other", "code": "x", "unit": "mg"}, (10, "mg")),
        ({"value": "10", "unit": "mg"}, None),
        ({"value": -1, "unit": "mg"}, None),
    ],
)
def test_quantity_amount(quantity, expected):
    got = quantity_amount(quantity)
    if expected is None:
        assert got is None
    else:
        assert got[1] == expected[1] and got[0] == pytest.approx(expected[0])


def test_unit_kind_unknown_system_code_last():
    assert unit_kind({"system": "urn:x", "code": "TAB"}) == (1.0, "count")
    assert unit_kind({"system": "urn:x", "code": "zzz"}) is None


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        ({"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}}, 3),
        ({"repeat": {"period": 1, "periodUnit": "wk"}}, 1 / 7),
        ({"repeat": {"frequency": 1, "period": 1, "periodUnit": "mo"}}, 1 / 30.4375),
        ({"repeat": {"frequency": 2, "period": 12, "periodUnit": "h"}}, 4),
        ({"repeat": {"dayOfWeek": ["mon", "thu"]}}, 2 / 7),
        ({"repeat": {"timeOfDay": ["08:00:00", "20:00:00"]}}, 2),
        ({"repeat": {"when": ["MORN"]}}, 1),
        ({"code": {"coding": [{"code": "BID"}]}}, 2),
        ({"code": {"coding": [{"code": "zzz"}]}}, None),
        ({"repeat": {"frequency": 1, "period": 0, "periodUnit": "d"}}, None),
        ({}, None),
        ("junk", None),
    ],
)
def test_per_day(timing, expected):
    got = per_day(timing)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("raw", "dose", "frequency"),
    [
        ("1 x per dag 800 IE", (800, "iu"), 1),
        ("2 dd 1 tablet", (1, "count"), 2),
        ("3 dd 1", (1, "count"), 3),
        ("1 tablet per dag", (1, "count"), 1),
        ("20 microgram eenmaal per dag", (0.02, "mg"), 1),
        ("50.000 IE per maand", (50000, "iu"), 1 / 30.4375),
        ("1 maal per week 1 capsule", (1, "count"), 1 / 7),
        ("twice daily 5 mg", (5, "mg"), 2),
        ("0,5 mg dagelijks", (0.5, "mg"), 1),
        ("three times a day 200 mg", (200, "mg"), 3),
        ("zo nodig", None, None),
        ("", None, None),
    ],
)
def test_parse_text(raw, dose, frequency):
    got_dose, got_freq = parse_text(raw)
    if dose is None:
        assert got_dose is None
    else:
        assert got_dose[1] == dose[1] and got_dose[0] == pytest.approx(dose[0])
    assert got_freq == (None if frequency is None else pytest.approx(frequency))


def _dosage(value, unit, freq=1, **extra):
    return {"timing": {"repeat": {"frequency": freq, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": value, "unit": unit}}], **extra}


def test_dosage_daily_structured_range_text_and_prn():
    assert dosage_daily([_dosage(5, "mg", 2)]) == (10, "mg")
    ranged = {"timing": {"repeat": {"period": 1, "periodUnit": "d"}},
              "doseAndRate": [{"doseRange": {"low": {"value": 1, "unit": "tablet"}, "high": {"value": 2}}}]}
    assert dosage_daily([ranged]) == (1, "count")
    assert dosage_daily([{"text": "1 x per dag 800 IE"}]) == (800, "iu")
    assert dosage_daily([{**_dosage(5, "mg"), "asNeededBoolean": True}]) is None
    assert dosage_daily([{"doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}]}]) is None  # no timing
    assert dosage_daily([]) is None
    assert dosage_daily("junk") is None


def test_dosage_daily_concurrent_and_sequential():
    # morning 10 mg + evening 5 mg
    assert dosage_daily([_dosage(10, "mg"), _dosage(5, "mg")]) == (15, "mg")
    assert dosage_daily([_dosage(10, "mg"), _dosage(1, "tablet")]) is None
    taper = [
        {**_dosage(30, "mg"), "sequence": 1},
        {**_dosage(10, "mg"), "sequence": 2},
    ]
    taper[0]["timing"]["repeat"]["boundsDuration"] = {"value": 7, "code": "d"}
    taper[1]["timing"]["repeat"]["boundsDuration"] = {"value": 21, "code": "d"}
    assert dosage_daily(taper) == (pytest.approx(15.0), "mg")
    del taper[1]["timing"]["repeat"]["boundsDuration"]
    assert dosage_daily(taper) is None  # phases differ, durations unknown
    same = [{**_dosage(5, "mg"), "sequence": 1}, {**_dosage(5, "mg"), "sequence": 2}]
    assert dosage_daily(same) == (5, "mg")
    mixed = [{**_dosage(5, "mg"), "sequence": 1}, {**_dosage(1, "tablet"), "sequence": 2}]
    assert dosage_daily(mixed) is None
    broken = [{**_dosage(5, "mg"), "sequence": 1}, {"sequence": 2}]
    assert dosage_daily(broken) is None
