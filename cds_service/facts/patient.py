"""Patient demographics: age at the clock's date, sex for clinical use (decision 11), deceased."""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.facts.model import Sex
from cds_service.facts.values import as_dict, as_list, codings, parse_date, text

SEX_PARAMETER_URL = "http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse"

_GENDER = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER, "unknown": Sex.UNKNOWN}
# sex-parameter-for-clinical-use codes (http://terminology.hl7.org/CodeSystem/sex-parameter-for-clinical-use)
_SEX_PARAMETER = {
    "female-typical": Sex.FEMALE,
    "male-typical": Sex.MALE,
    "specified": Sex.OTHER,  # "apply specified parameters": neither default applies
}


def age_on(birth: Any, today: date) -> int | None:
    """Whole years from a FHIR birthDate (``1958``, ``1958-04``, ``1958-04-12``) to ``today``.

    A partial date is read as its first possible day, which can overstate the age by less than a
    year; for a year-only date that is the usual convention.
    """
    born = parse_date(birth)
    if born is None or born > today:
        return None
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def birth_date(patient: dict) -> date | None:
    return parse_date(patient.get("birthDate"))


def sex(patient: dict) -> Sex:
    """The sex parameter for clinical use wins over ``gender`` (decision 11)."""
    for ext in as_list(patient.get("extension")):
        ext = as_dict(ext)
        if ext.get("url") != SEX_PARAMETER_URL:
            continue
        value = _sex_parameter_value(ext)
        if value is not None:
            return value
    return _GENDER.get(text(patient.get("gender")) or "", Sex.UNKNOWN)


def _sex_parameter_value(ext: dict) -> Sex | None:
    # R5-style complex extension (sub-extension "value"), or a direct valueCodeableConcept.
    concepts = [ext.get("valueCodeableConcept")]
    for sub in as_list(ext.get("extension")):
        sub = as_dict(sub)
        if sub.get("url") == "value":
            concepts.append(sub.get("valueCodeableConcept"))
    for concept in concepts:
        for _, code, _ in codings(concept):
            if code in _SEX_PARAMETER:
                return _SEX_PARAMETER[code]
    return None


def deceased(patient: dict) -> bool:
    """``deceasedBoolean`` true, or any valid ``deceasedDateTime``."""
    if patient.get("deceasedBoolean") is True:
        return True
    return parse_date(patient.get("deceasedDateTime")) is not None
