"""Small builders for the FHIR R4 resources in the golden patients (used by ``build_fixtures.py``).

Every date is relative to the golden clock, so a fixture's ages and durations stay what its
description says. The JSON written by the builder is what the tests read; these helpers are not
used at test time.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

CLOCK = "2026-06-01T09:00:00Z"
TODAY = date(2026, 6, 1)

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICPC = "http://hl7.org/fhir/sid/icpc-1-nl"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
GPK = "urn:oid:2.16.840.1.113883.2.4.4.1"  # G-Standaard GPK (codes in fixtures are illustrative)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SPCU = "http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse"

Json = dict[str, Any]


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def ago_dt(days: int) -> str:
    return f"{ago(days)}T08:30:00+02:00"


def later(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def born(age: int) -> str:
    """A birth date that makes the patient exactly ``age`` on the golden clock's date."""
    return date(TODAY.year - age, 1, 15).isoformat()


def cc(*codings: tuple[str, str, str], text: str | None = None) -> Json:
    out: Json = {"coding": [{"system": s, "code": c, "display": d} for s, c, d in codings]}
    if text:
        out["text"] = text
    if not codings:
        del out["coding"]
    return out


def patient(pid: str, gender: str, age: int, *, family: str = "Jansen", given: str = "Anna", **extra: Any) -> Json:
    res: Json = {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"profile": ["http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient"]},
        "active": True,
        "name": [{"family": family, "given": [given]}],
        "gender": gender,
        "birthDate": born(age),
    }
    res.update(extra)
    return res


def condition(
    cid: str,
    pid: str,
    code: Json,
    *,
    onset_days: int | None = None,
    clinical: str | None = "active",
    verification: str = "confirmed",
    category: str = "problem-list-item",
) -> Json:
    res: Json = {
        "resourceType": "Condition",
        "id": cid,
        "verificationStatus": cc(
            ("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification, verification.capitalize())
        ),
        "category": [cc(("http://terminology.hl7.org/CodeSystem/condition-category", category, category))],
        "code": code,
        "subject": {"reference": f"Patient/{pid}"},
    }
    if clinical:
        res["clinicalStatus"] = cc(
            ("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical, clinical.capitalize())
        )
    if onset_days is not None:
        res["onsetDateTime"] = ago(onset_days)
        res["recordedDate"] = ago(onset_days)
    return res


def dosage(text: str, value: float | None, unit: str | None, *, frequency: int = 1, period: float = 1, period_unit: str = "d", route: str = "oral") -> Json:
    routes = {
        "oral": ("26643006", "Oral route"),
    }
    out: Json = {
        "text": text,
        "timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": period_unit}},
        "route": cc((SNOMED, *routes[route])),
    }
    if value is not None and unit is not None:
        out["doseAndRate"] = [
            {
                "type": cc(("http://terminology.hl7.org/CodeSystem/dose-rate-type", "ordered", "Ordered")),
                "doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            }
        ]
    return out


def statement(
    mid: str, pid: str, med: Json, dose: Json, *, start_days: int, end_days: int | None = None, status: str = "active"
) -> Json:
    period: Json = {"start": ago(start_days)}
    if end_days is not None:
        period["end"] = ago(end_days)
    return {
        "resourceType": "MedicationStatement",
        "id": mid,
        "status": status,
        "medicationCodeableConcept": med,
        "subject": {"reference": f"Patient/{pid}"},
        "effectivePeriod": period,
        "dateAsserted": ago(start_days),
        "dosage": [dose],
    }


def request(
    mid: str,
    pid: str,
    med: Json,
    dose: Json,
    *,
    authored_days: int,
    end_days: int | None = None,
    status: str = "active",
    intent: str = "order",
) -> Json:
    dose = {**dose, "timing": {"repeat": {**dose["timing"]["repeat"]}}}
    bounds: Json = {"start": ago(authored_days)}
    if end_days is not None:
        bounds["end"] = ago(end_days)
    dose["timing"]["repeat"]["boundsPeriod"] = bounds
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": status,
        "intent": intent,
        "medicationCodeableConcept": med,
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": ago(authored_days),
        "dosageInstruction": [dose],
    }


def dispense(mid: str, pid: str, med: Json, dose: Json, *, days: int, supply_days: int) -> Json:
    return {
        "resourceType": "MedicationDispense",
        "id": mid,
        "status": "completed",
        "medicationCodeableConcept": med,
        "subject": {"reference": f"Patient/{pid}"},
        "quantity": {"value": supply_days, "unit": "tablet", "system": UCUM, "code": "{tbl}"},
        "daysSupply": {"value": supply_days, "unit": "d", "system": UCUM, "code": "d"},
        "whenHandedOver": ago_dt(days),
        "dosageInstruction": [dose],
    }


def observation(
    oid: str,
    pid: str,
    code: Json,
    *,
    days: int,
    value: float | None = None,
    unit: str | None = None,
    ucum: str | None = None,
    status: str = "final",
) -> Json:
    res: Json = {
        "resourceType": "Observation",
        "id": oid,
        "status": status,
        "category": [
            cc(("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory"))
        ],
        "code": code,
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": ago_dt(days),
        "issued": f"{ago(days)}T14:00:00+02:00",
    }
    if value is not None:
        qty: Json = {"value": value}
        if unit is not None:
            qty["unit"] = unit
        if ucum is not None:
            qty["system"] = UCUM
            qty["code"] = ucum
        res["valueQuantity"] = qty
    return res


def service_request(sid: str, pid: str, code: Json, *, authored_days: int, status: str = "active") -> Json:
    return {
        "resourceType": "ServiceRequest",
        "id": sid,
        "status": status,
        "intent": "order",
        "category": [cc((SNOMED, "108252007", "Laboratory procedure"))],
        "code": code,
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": ago_dt(authored_days),
    }


def bundle(*resources: Json) -> Json:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r,
             "search": {"mode": "match"}}
            for r in resources
        ],
    }


def hook_instance(slug: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://bone-health-cds.example.org/golden/{slug}"))


def draft_request(mid: str, pid: str, med: Json, dose: Json, *, days: int | None = None) -> Json:
    """A draft MedicationRequest starting today; ``days``: planned duration (None: no end)."""
    dose = {**dose, "timing": {"repeat": {**dose["timing"]["repeat"]}}}
    bounds: Json = {"start": TODAY.isoformat()}
    if days is not None:
        bounds["end"] = later(days)
    dose["timing"]["repeat"]["boundsPeriod"] = bounds
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": med,
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": TODAY.isoformat(),
        "requester": {"reference": "Practitioner/huisarts-1"},
        "dosageInstruction": [dose],
    }


def draft_lab(sid: str, pid: str, code: Json, *, in_days: int = 0) -> Json:
    """A draft 25(OH)D ServiceRequest authored today, planned ``in_days`` from today."""
    return {
        "resourceType": "ServiceRequest",
        "id": sid,
        "status": "draft",
        "intent": "order",
        "category": [cc((SNOMED, "108252007", "Laboratory procedure"))],
        "code": code,
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": TODAY.isoformat(),
        "occurrenceDateTime": later(in_days),
        "requester": {"reference": "Practitioner/huisarts-1"},
    }


def draft_bundle(*resources: Json) -> Json:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
