"""Realistic patient-view requests of a given size: one indicated patient plus generated history.

The patient is a 68-year-old woman with osteoporosis (ICPC L95) on vitamin D, with a 25(OH)D series;
the rest of the prefetch is generated Conditions, MedicationRequests and Observations with codes that
do not trigger rules, so the per-resource cost of reading and matching is what grows.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

CLOCK = date(2026, 6, 1)
PATIENT_ID = "bench-patient"

_FILLER_CONDITIONS = [
    ("http://snomed.info/sct", "38341003", "Hypertensive disorder"),
    ("http://snomed.info/sct", "195967001", "Asthma"),
    ("http://snomed.info/sct", "35489007", "Depressive disorder"),
    ("http://hl7.org/fhir/sid/icpc-1-nl", "K86", "Hypertensie zonder orgaanbeschadiging"),
    ("http://hl7.org/fhir/sid/icd-10", "J45.9", "Asthma, unspecified"),
]
_FILLER_MEDS = [
    ("C09AA02", "enalapril", "Enalapril 10 mg tablet"),
    ("C07AB02", "metoprolol", "Metoprolol 50 mg tablet met gereguleerde afgifte"),
    ("A02BC01", "omeprazol", "Omeprazol 20 mg capsule"),
    ("N02BE01", "paracetamol", "Paracetamol 500 mg tablet"),
    ("C10AA05", "atorvastatine", "Atorvastatine 20 mg tablet"),
]
_FILLER_LABS = [
    ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", 5.4, "mmol/L"),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", 8.6, "mmol/L"),
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 5.1, "mmol/L"),
]


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


def _subject() -> dict[str, str]:
    return {"reference": f"Patient/{PATIENT_ID}"}


def _envelope(kind: str, i: int) -> dict[str, Any]:
    """What real EHR resources carry besides the clinical fields (meta, identifiers, provenance)."""
    envelope = {
        "meta": {"versionId": "3", "lastUpdated": "2026-05-30T10:11:12.000+02:00",
                 "source": "#epic-interconnect-7f3a", "profile": [f"http://hl7.org/fhir/StructureDefinition/{kind}"]},
        "identifier": [{"use": "usual", "system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.798268", "value": f"{kind[:3].upper()}-{i:08d}"}],
        "encounter": {"reference": f"Encounter/enc-{i % 37}", "display": "Poliklinisch consult interne geneeskunde"},
    }
    if kind != "Observation":  # Observation has performer, not recorder
        envelope["recorder"] = {"reference": "Practitioner/p-12", "display": "Dr. A. de Vries, internist"}
    return envelope


def _condition(i: int, system: str, code: str, display: str, onset: date) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"c{i}",
        **_envelope("Condition", i),
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": _subject(),
        "onsetDateTime": onset.isoformat(),
        "recordedDate": onset.isoformat(),
    }


def _med_request(i: int, atc: str, name: str, text: str, authored: date, dose_value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": f"m{i}",
        **_envelope("MedicationRequest", i),
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.whocc.no/atc", "code": atc, "display": name}],
            "text": text,
        },
        "subject": _subject(),
        "authoredOn": authored.isoformat(),
        "dosageInstruction": [
            {
                "text": f"1 x per dag {dose_value:g} {unit}",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}]},
                "doseAndRate": [{"doseQuantity": {"value": dose_value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}],
            }
        ],
    }


def _observation(i: int, loinc: str, display: str, value: float, unit: str, when: date) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o{i}",
        **_envelope("Observation", i),
        "referenceRange": [{"low": {"value": value * 0.7, "unit": unit}, "high": {"value": value * 1.3, "unit": unit},
                            "text": "Referentiewaarden volgens laboratorium"}],
        "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N", "display": "Normal"}]}],
        "performer": [{"reference": "Organization/lab-1", "display": "Klinisch Chemisch Laboratorium"}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": display}], "text": display},
        "subject": _subject(),
        "effectiveDateTime": f"{when.isoformat()}T08:30:00+01:00",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }


def patient_view_request(n_resources: int, *, seed: int = 7, with_prefetch: bool = True) -> dict[str, Any]:
    """A patient-view request whose prefetch holds about ``n_resources`` resources in all."""
    rnd = random.Random(seed)
    patient = {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "gender": "female",
        "birthDate": "1957-09-14",
        "name": [{"family": "Bench", "given": ["Patiënt"]}],
    }
    conditions = [_condition(0, "http://hl7.org/fhir/sid/icpc-1-nl", "L95", "Osteoporose", date(2021, 3, 2))]
    meds = [_med_request(0, "A11CC05", "colecalciferol", "Colecalciferol 800 IE tablet", CLOCK - timedelta(days=70), 20, "ug")]
    vitd = [_observation(0, "14635-7", "25-Hydroxyvitamin D3 [Moles/volume] in Serum or Plasma", 58, "nmol/L", CLOCK - timedelta(days=200))]
    calcium = [_observation(1, "2000-8", "Calcium [Moles/volume] in Serum or Plasma", 2.35, "mmol/L", CLOCK - timedelta(days=30))]
    kidney = [_observation(2, "33914-3", "eGFR (MDRD)", 72, "mL/min/{1.73_m2}", CLOCK - timedelta(days=30))]
    remaining = max(0, n_resources - 6)
    for i in range(1, remaining + 1):
        back = CLOCK - timedelta(days=rnd.randint(1, 3650))
        bucket = i % 10
        if bucket < 3:
            conditions.append(_condition(i, *rnd.choice(_FILLER_CONDITIONS), onset=back))
        elif bucket < 6:
            atc, name, text = rnd.choice(_FILLER_MEDS)
            meds.append(_med_request(i, atc, name, text, back, 1, "{tbl}"))
        else:
            loinc, display, value, unit = rnd.choice(_FILLER_LABS)
            target = (vitd, calcium, kidney)[bucket % 3]
            target.append(_observation(i + 10_000, loinc, display, round(value * rnd.uniform(0.8, 1.2), 1), unit, back))
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.UUID(int=rnd.getrandbits(128))),
        "context": {"userId": "Practitioner/bench-user", "patientId": PATIENT_ID},
    }
    if with_prefetch:
        request["prefetch"] = {
            "patient": patient,
            "conditions": _bundle(conditions),
            "medicationRequests": _bundle(meds),
            "medicationStatements": None,
            "medicationDispenses": None,
            "labOrders": None,
            "procedures": None,
            "vitaminD": _bundle(vitd),
            "calcium": _bundle(calcium),
            "kidney": _bundle(kidney),
        }
    return request


def search_results(request: dict[str, Any]) -> dict[str, Any]:
    """The prefetch of ``request`` keyed by resource type, for the loopback FHIR server."""
    return request["prefetch"]


# --- scaling: many records that every stage must look at -----------------------------------------
_SUPPLEMENTS = [
    ("A12AA04", "Calciumcarbonaat 1,25 g kauwtablet (500 mg Ca)", 1, "{tbl}"),
    ("A11CC05", "Colecalciferol 800 IE tablet", 1, "{tbl}"),
    ("A12CC04", "Magnesiumcitraat tablet 200 mg elementair magnesium", 1, "{tbl}"),
]


def _supplement(i: int, authored: date, *, draft: bool = False) -> dict[str, Any]:
    """A supplement order with its own product name (``"... (regimen i)"``), so no two records are
    the same record and the dose totals must look at every one."""
    atc, text, value, unit = _SUPPLEMENTS[i % len(_SUPPLEMENTS)]
    resource = _med_request(i, atc, text.split()[0].lower(), f"{text} (regimen {i})", authored, value, unit)
    if draft:
        resource["id"] = f"d{i}"
        resource["status"] = "draft"
        resource["authoredOn"] = CLOCK.isoformat()
    return resource


def scaling_request(n_resources: int, hook: str = "patient-view", *, seed: int = 11) -> dict[str, Any]:
    """A request with about ``n_resources`` resources, 30 % of them supplement orders.

    ``patient-view``: the patient of :func:`patient_view_request` with ``n_resources`` in prefetch.
    ``order-sign``: the same patient with 20 resources in prefetch and ``n_resources`` draft orders
    (supplements and other drugs).
    """
    rnd = random.Random(seed)
    if hook == "patient-view":
        request = patient_view_request(n_resources, seed=seed)
        meds = request["prefetch"]["medicationRequests"]["entry"]
        for index, entry in enumerate(meds):
            if index:  # every other order: a supplement, each its own product
                entry["resource"] = _supplement(index, CLOCK - timedelta(days=rnd.randint(1, 900)))
        return request
    request = patient_view_request(20, seed=seed)
    request["hook"] = hook
    drafts = []
    for i in range(n_resources):
        if i % 4:
            drafts.append(_supplement(i, CLOCK, draft=True))
        else:
            atc, name, text = _FILLER_MEDS[i % len(_FILLER_MEDS)]
            other = _med_request(i, atc, name, f"{text} (regimen {i})", CLOCK, 1, "{tbl}")
            other.update(id=f"d{i}", status="draft")
            drafts.append(other)
    request["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                         "entry": [{"resource": r} for r in drafts]}
    request["context"]["selections"] = []
    return request
