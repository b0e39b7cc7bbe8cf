"""Request bodies for the HTTP tests (fictional patient)."""

from __future__ import annotations

import copy

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}

PATIENT_VIEW = {
    "hook": "patient-view",
    "hookInstance": "2d7ef8f0-0a43-4c5b-9e83-3f1c4bb1f0a1",
    "context": {"userId": "Practitioner/u1", "patientId": "p1"},
    "prefetch": {"patient": PATIENT, "conditions": None},
}

DRAFT_ORDERS = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [{"resource": {"resourceType": "MedicationRequest", "id": "mr1", "status": "draft"}}],
}

ORDER_SIGN = {
    "hook": "order-sign",
    "hookInstance": "9b0e7a51-6c3d-4d8e-a1f2-7e6a5b4c3d2e",
    "context": {"userId": "Practitioner/u1", "patientId": "p1", "draftOrders": DRAFT_ORDERS},
    "prefetch": {"patient": PATIENT},
}

ORDER_SELECT = {
    "hook": "order-select",
    "hookInstance": "c3a2b1d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
    "context": {
        "userId": "Practitioner/u1",
        "patientId": "p1",
        "draftOrders": DRAFT_ORDERS,
        "selections": ["MedicationRequest/mr1"],
    },
    "prefetch": {"patient": PATIENT},
}


def body(template: dict, **changes) -> dict:
    """A deep copy of ``template`` with top-level ``changes`` (value ``...`` removes the key)."""
    result = copy.deepcopy(template)
    for key, value in changes.items():
        if value is ...:
            result.pop(key, None)
        else:
            result[key] = value
    return result
