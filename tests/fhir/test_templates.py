"""Prefetch template expansion and prefetch-value checks."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.fhir.bundle import MISSING, entries, needs_fetch, next_link, prefetched
from cds_service.fhir.model import read
from cds_service.fhir.templates import expand_template, is_top_n, user_tokens
from tests.fhirserver import bundle, outcome

CONTEXT = {"patientId": "p1", "encounterId": "e7", "userId": "Practitioner/u9"}
TODAY = date(2024, 3, 1)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Patient/{{context.patientId}}", "Patient/p1"),
        ("Condition?patient={{context.patientId}}&encounter={{ context.encounterId }}",
         "Condition?patient=p1&encounter=e7"),
        ("{{context.userId}}", "Practitioner/u9"),
        ("PractitionerRole?practitioner={{userPractitionerId}}", "PractitionerRole?practitioner=u9"),
        ("Observation?patient={{context.patientId}}&code=http://loinc.org|1989-3",
         "Observation?patient=p1&code=http://loinc.org|1989-3"),
        ("/Patient/{{context.patientId}}", "Patient/p1"),
        ("Observation?patient={{context.patientId}}&date=ge{{today() - 90 days}}",
         "Observation?patient=p1&date=ge2023-12-02"),
        ("Appointment?date=le{{today() + 1 day}}", "Appointment?date=le2024-03-02"),
        ("Practitioner?_id={{context.userId}}", "Practitioner?_id=Practitioner%2Fu9"),
    ],
)
def test_expands(template, expected):
    assert expand_template(template, CONTEXT, user_tokens(CONTEXT), TODAY) == expected


@pytest.mark.parametrize(
    "template",
    [
        "Encounter/{{context.encounterId}}",  # not in this context
        "Patient/{{context.draftOrders}}",  # an object, not a primitive
        "Patient/{{context.patientId.id}}",
        "Practitioner/{{userPatientId}}",  # user is a Practitioner
        "Observation?date=ge{{today() - 90 days}}",  # no date given below
        "MedicationRequest?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).id}}",
        "Patient/{{context.patientId",
        "https://evil.example/Patient/{{context.patientId}}",
        "",
    ],
)
def test_unresolvable(template):
    context = {**CONTEXT, "draftOrders": {"resourceType": "Bundle"}}
    del context["encounterId"]
    assert expand_template(template, context, user_tokens(context)) is None


@pytest.mark.parametrize(
    ("patient_id", "path", "query"),
    [
        ("a&b", "Patient/a%26b", "patient=a%26b"),
        ("a b", "Patient/a%20b", "patient=a%20b"),
        ("x&_id=1", "Patient/x%26_id%3D1", "patient=x%26_id%3D1"),
        ("../Practitioner/1", "Patient/..%2FPractitioner%2F1", "patient=..%2FPractitioner%2F1"),
        ("a#b?c", "Patient/a%23b%3Fc", "patient=a%23b%3Fc"),
        ("{{context.userId}}", "Patient/%7B%7Bcontext.userId%7D%7D", "patient=%7B%7Bcontext.userId%7D%7D"),
    ],
)
def test_values_are_escaped(patient_id, path, query):
    context = {"patientId": patient_id, "userId": "Practitioner/u9"}
    assert expand_template("Patient/{{context.patientId}}", context) == path
    assert expand_template("Condition?{{context.patientId}}", context) is not None
    assert expand_template("Condition?patient={{context.patientId}}", context) == f"Condition?{query}"


@pytest.mark.parametrize("patient_id", [".", "..", "", None, True, 7.5, ["p1"]])
def test_dot_segments_and_non_strings_are_unresolvable(patient_id):
    assert expand_template("Patient/{{context.patientId}}", {"patientId": patient_id}) is None


def test_integer_context_value_is_used():
    assert expand_template("Patient/{{context.patientId}}", {"patientId": 42}) == "Patient/42"


def test_user_id_with_dot_segment_is_unresolvable():
    assert expand_template("{{context.userId}}", {"userId": "Practitioner/.."}) is None


@pytest.mark.parametrize(
    ("user", "tokens"),
    [
        ("Practitioner/u1", {"userPractitionerId": "u1"}),
        ("PractitionerRole/r1", {"userPractitionerRoleId": "r1"}),
        ("Patient/p1", {"userPatientId": "p1"}),
        ("RelatedPerson/x", {"userRelatedPersonId": "x"}),
        ("Device/d1", {}),
        ("u1", {}),
        (None, {}),
    ],
)
def test_user_tokens(user, tokens):
    assert user_tokens({"userId": user}) == tokens


@pytest.mark.parametrize(
    ("template", "top"),
    [
        ("Observation?patient={{context.patientId}}&_sort=-date&_count=20", True),
        ("Observation?patient={{context.patientId}}&_maxresults=5", True),
        ("Observation?patient={{context.patientId}}&_count=20", False),
        ("Observation?patient={{context.patientId}}&_sort=-date", False),
        ("Patient/{{context.patientId}}", False),
    ],
)
def test_is_top_n(template, top):
    assert is_top_n(template) is top


@pytest.mark.parametrize(
    ("value", "fetch"),
    [
        (MISSING, True),
        (None, False),
        ({"resourceType": "Patient", "id": "p1"}, False),
        (bundle([]), False),
        (bundle([outcome("information"), outcome("warning")]), False),
        (bundle([{"resourceType": "Condition"}, outcome("error")]), True),
        (bundle([outcome("fatal")]), True),
        (outcome("information"), True),  # an OperationOutcome in place of the data
        ({"hello": "world"}, True),
        ("Patient/p1", True),
        ([], True),
    ],
)
def test_needs_fetch(value, fetch):
    assert needs_fetch(prefetched(value)) is fetch  # as resolve() takes a prefetch value


def test_entries_and_next_link_tolerate_junk():
    junk = {"resourceType": "Bundle", "entry": [None, {"resource": "x"}, {"resource": {"a": 1}},
                                               {"resource": {"resourceType": "Condition"}}],
            "link": [{"relation": "self", "url": "a"}, {"relation": "next", "url": " b "}]}
    assert entries(read(junk)) == [{"resourceType": "Condition"}]
    assert next_link(read(junk)) == "b"
    assert entries(read({"resourceType": "Bundle", "entry": "nope"})) == []
    assert next_link(read({"resourceType": "Bundle", "link": "nope"})) is None
    assert next_link(read({"resourceType": "Bundle", "link": [{"relation": "next", "url": 5},
                                                              {"relation": "next", "url": " "}]})) is None
