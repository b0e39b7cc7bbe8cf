"""The read model (cds_service.fhir.model): lenient, slim, the same from bytes and from dicts."""

from __future__ import annotations

import math

import orjson
import pytest

from cds_service.fhir.model import Parsed, parse_resource, read


def both(value):
    """The value read from a dict and from its JSON bytes: the two must agree."""
    from_dict = read(value)
    assert parse_resource(orjson.dumps(value)) == from_dict
    return from_dict


def test_only_the_fields_read_are_kept():
    condition = both({"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p"},
                      "code": {"coding": [{"system": "s", "code": "1", "userSelected": True}], "text": "t"}})
    assert condition == {"resourceType": "Condition", "id": "c1",
                         "code": {"coding": [{"system": "s", "code": "1"}], "text": "t"}}
    assert type(condition) is Parsed


@pytest.mark.parametrize(
    ("field", "value"),
    [("onsetDateTime", 2020), ("code", "osteoporosis"), ("onsetAge", [1]), ("abatementBoolean", "yes")],
)
def test_a_value_of_the_wrong_type_is_unknown(field, value):
    assert both({"resourceType": "Condition", field: value})[field] is None


def test_numbers_are_finite_floats_never_strings_or_bools():
    quantity = {"resourceType": "Observation", "valueQuantity": {"value": "5"}}
    assert both(quantity)["valueQuantity"] == {"value": None}
    assert read({"resourceType": "Observation", "valueQuantity": {"value": True}})["valueQuantity"]["value"] is None
    assert read({"resourceType": "Observation", "valueQuantity": {"value": 10**400}})["valueQuantity"]["value"] is None
    assert parse_resource(b'{"resourceType":"Observation","valueQuantity":{"value":NaN}}')["valueQuantity"]["value"] is None
    assert both({"resourceType": "Observation", "valueQuantity": {"value": 5}})["valueQuantity"]["value"] == 5.0


def test_malformed_list_items_are_dropped_and_a_non_list_is_empty():
    concept = both({"resourceType": "Observation", "code": {"coding": [1, "x", {"code": "a"}, None]}})["code"]
    assert concept["coding"] == [{"code": "a"}]
    assert both({"resourceType": "Observation", "code": {"coding": {"code": "a"}}})["code"]["coding"] == []


def test_a_frequency_of_the_wrong_type_is_not_a_count():
    request = both({"resourceType": "MedicationRequest",
                    "dosageInstruction": [{"timing": {"repeat": {"frequency": "2", "when": ["MORN", 3]}}}]})
    repeat = request["dosageInstruction"][0]["timing"]["repeat"]
    assert math.isnan(repeat["frequency"]) and repeat["when"] == ["MORN", 3]


def test_other_resources_and_non_resources():
    assert both({"resourceType": "Encounter", "id": "e1", "status": "x"}) == {"resourceType": "Encounter", "id": "e1"}
    assert both({"resourceType": 5, "id": 3}) == {"resourceType": None, "id": None}
    assert read("Patient/p1") is None and read([{"resourceType": "Patient"}]) is None and read(None) is None
    assert parse_resource(b"not json") is None and parse_resource(b"[1]") is None


def test_bundles_contained_resources_and_nesting():
    bundle = both({
        "resourceType": "Bundle", "link": [{"relation": "next", "url": "u"}, 7],
        "entry": [{"resource": {"resourceType": "MedicationRequest", "contained": [
            {"resourceType": "Medication", "id": "m", "ingredient": [{"strength": {"numerator": {"value": 5}}}]}]}},
            {"resource": 4}, "junk", {"resource": {"resourceType": "Bundle", "entry": []}}],
    })
    assert bundle["link"] == [{"relation": "next", "url": "u"}]
    first, second, third = (e["resource"] for e in bundle["entry"])
    assert first["contained"][0]["ingredient"][0]["strength"]["numerator"]["value"] == 5.0
    assert second is None and third == {"resourceType": "Bundle", "entry": []}
    assert type(first) is Parsed and read(first) is first  # a read resource is not read again
