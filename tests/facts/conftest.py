from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cds_service.facts.build import build_facts
from cds_service.fhir.data import ResolvedData
from cds_service.knowledge.loader import load_knowledge

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
GPK = "urn:oid:2.16.840.1.113883.2.4.4.1"


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge()


@pytest.fixture
def facts(knowledge):
    """Build facts from keyword resources: facts(conditions=[...], patient={...}, unknown={...})."""

    def make(patient=None, *, unknown=(), medications=None, draft_orders=None, selections=None, now=NOW, **resources):
        data = ResolvedData(
            patient=patient if patient is not None else {"resourceType": "Patient", "id": "p1",
                                                         "birthDate": "1950-03-10", "gender": "female"},
            resources=resources,
            medications=medications or {},
            unknown=frozenset(unknown),
        )
        return build_facts(data, knowledge, now, draft_orders=draft_orders, selections=selections)

    return make


def cc(system, code, display=None, text=None):
    concept = {"coding": [{"system": system, "code": code, **({"display": display} if display else {})}]}
    if text:
        concept["text"] = text
    return concept


def condition(code, *, id="c1", clinical="active", verification="confirmed", **extra):
    resource = {"resourceType": "Condition", "id": id, "code": code}
    if clinical:
        resource["clinicalStatus"] = cc("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical)
    if verification:
        resource["verificationStatus"] = cc(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", verification
        )
    resource.update(extra)
    return resource


def daily(value, unit, code=None, frequency=1, period=1, period_unit="d", **extra):
    quantity = {"value": value, "unit": unit}
    if code:
        quantity.update(system=UCUM, code=code)
    dosage = {
        "timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": period_unit}},
        "doseAndRate": [{"doseQuantity": quantity}],
    }
    dosage.update(extra)
    return dosage


def statement(concept, dosage=None, *, id="ms1", status="active", start="2026-01-01", end=None, **extra):
    resource = {"resourceType": "MedicationStatement", "id": id, "status": status,
                "medicationCodeableConcept": concept}
    eff = {"start": start} if start else {}
    if end:
        eff["end"] = end
    if eff:
        resource["effectivePeriod"] = eff
    if dosage is not None:
        resource["dosage"] = [dosage]
    resource.update(extra)
    return resource


def request(concept, dosage=None, *, id="mr1", status="active", intent="order", authored="2026-01-01", **extra):
    resource = {"resourceType": "MedicationRequest", "id": id, "status": status, "intent": intent,
                "medicationCodeableConcept": concept}
    if authored:
        resource["authoredOn"] = authored
    if dosage is not None:
        resource["dosageInstruction"] = [dosage]
    resource.update(extra)
    return resource


def observation(code, value=None, unit=None, *, system=UCUM, ucum=None, id="o1", status="final",
                when="2026-05-01", **extra):
    resource = {"resourceType": "Observation", "id": id, "status": status,
                "code": cc(LOINC, code), "effectiveDateTime": when}
    if value is not None or unit is not None:
        quantity = {}
        if value is not None:
            quantity["value"] = value
        if unit is not None:
            quantity["unit"] = unit
        if system:
            quantity["system"] = system
            quantity["code"] = ucum or unit
        resource["valueQuantity"] = quantity
    resource.update(extra)
    return resource
