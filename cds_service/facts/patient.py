"""Patient demographics: age at the clock's date, sex for clinical use (decision 11), deceased.

From a read-model Patient (:mod:`cds_service.fhir.model`): every field is of its type or None.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.facts.model import Sex
from cds_service.facts.values import codings, parse_date, text
from cds_service.fhir.model import Extension, Patient

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


def birth_date(patient: Patient) -> date | None:
    return parse_date(patient.get("birthDate"))


def sex(patient: Patient) -> Sex:
    """The sex parameter for clinical use wins over ``gender`` (decision 11)."""
    for ext in patient.get("extension") or ():
        if ext.get("url") != SEX_PARAMETER_URL:
            continue
        value = _sex_parameter_value(ext)
        if value is not None:
            return value
    return _GENDER.get(text(patient.get("gender")) or "", Sex.UNKNOWN)


def _sex_parameter_value(ext: Extension) -> Sex | None:
    # R5-style complex extension (sub-extension "value"), or a direct valueCodeableConcept.
    concepts = [ext.get("valueCodeableConcept")]
    concepts.extend(sub.get("valueCodeableConcept") for sub in ext.get("extension") or () if sub.get("url") == "value")
    for concept in concepts:
        for _, code, _ in codings(concept):
            if code in _SEX_PARAMETER:
                return _SEX_PARAMETER[code]
    return None


def deceased(patient: Patient) -> bool:
    """``deceasedBoolean`` true, or any valid ``deceasedDateTime``."""
    if patient.get("deceasedBoolean") is True:
        return True
    return parse_date(patient.get("deceasedDateTime")) is not None
