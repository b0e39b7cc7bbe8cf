from datetime import date

from cds_service.facts.model import Domain, Sex
from cds_service.facts import patient
from cds_service.facts.patient import SEX_PARAMETER_URL, age_on
from cds_service.fhir.model import read_as


def sex(resource):
    """The sex of a Patient given as JSON, read as the service reads it (the read model first)."""
    return patient.sex(read_as(resource, "Patient"))


def deceased(resource):
    return patient.deceased(read_as(resource, "Patient"))


def test_age_full_and_partial_birth_dates():
    today = date(2026, 6, 1)
    assert age_on("1958-06-02", today) == 67
    assert age_on("1958-06-01", today) == 68
    assert age_on("1958", today) == 68  # read as 1958-01-01
    assert age_on("1958-09", today) == 67
    assert age_on("2027-01-01", today) is None
    assert age_on("not a date", today) is None
    assert age_on(None, today) is None
    assert age_on("1958-02-30", today) is None


def _param(code):
    return {"url": SEX_PARAMETER_URL, "extension": [{"url": "value", "valueCodeableConcept": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/sex-parameter-for-clinical-use",
                    "code": code}]}}]}


def test_sex_parameter_wins_over_gender():
    assert sex({"gender": "male", "extension": [_param("female-typical")]}) is Sex.FEMALE
    assert sex({"gender": "female", "extension": [_param("male-typical")]}) is Sex.MALE
    assert sex({"gender": "female", "extension": [_param("specified")]}) is Sex.OTHER
    direct = {"url": SEX_PARAMETER_URL, "valueCodeableConcept": {"coding": [{"code": "male-typical"}]}}
    assert sex({"gender": "female", "extension": [direct]}) is Sex.MALE


def test_sex_from_gender_and_unusable_extension():
    assert sex({"gender": "female"}) is Sex.FEMALE
    assert sex({"gender": "other"}) is Sex.OTHER
    assert sex({}) is Sex.UNKNOWN
    assert sex({"gender": 3}) is Sex.UNKNOWN
    weird = {"url": SEX_PARAMETER_URL, "extension": ["x", {"url": "value"}]}
    assert sex({"gender": "male", "extension": [weird, "junk", {"url": "other"}]}) is Sex.MALE


def test_deceased():
    assert deceased({"deceasedBoolean": True})
    assert deceased({"deceasedDateTime": "2025-01-01"})
    assert not deceased({"deceasedBoolean": False})
    assert not deceased({})


def test_patient_in_facts(facts):
    f = facts({"resourceType": "Patient", "birthDate": "1958", "gender": "male", "deceasedBoolean": True})
    assert (f.age, f.sex, f.deceased) == (68, Sex.MALE, True)
    assert f.is_known(Domain.PATIENT)


def test_missing_patient_is_unknown(knowledge):
    from cds_service.facts.build import build_facts
    from cds_service.fhir.data import ResolvedData

    from .conftest import NOW

    f = build_facts(ResolvedData(patient=None, unknown=frozenset({"patient"})), knowledge, NOW)
    assert f.age is None and f.sex is Sex.UNKNOWN
    assert not f.is_known(Domain.PATIENT)
