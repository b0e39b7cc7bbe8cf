"""medicationReference resolution: which Medication resources we have and which we must read."""

from __future__ import annotations

import re
from typing import Iterable

from cds_service.fhir.bundle import resource_type

MEDICATION_USERS = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationDispense", "MedicationAdministration"}
)

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def medications_in(resources: Iterable[dict]) -> dict[str, dict]:
    """Medication resources (e.g. from ``_include``) keyed ``"Medication/<id>"``."""
    found: dict[str, dict] = {}
    for resource in resources:
        ident = resource.get("id") if resource_type(resource) == "Medication" else None
        if isinstance(ident, str) and ident:
            found[f"Medication/{ident}"] = resource
    return found


def medication_references(resources: Iterable[dict], base: str | None) -> set[str]:
    """``"Medication/<id>"`` keys referenced by medication resources; contained (``#id``) skipped.

    An absolute reference is kept only when it points under ``base`` (the FHIR server called).
    """
    refs: set[str] = set()
    for resource in resources:
        if resource_type(resource) not in MEDICATION_USERS:
            continue
        key = _normalise(_reference_of(resource), base)
        if key is not None:
            refs.add(key)
    return refs


def _reference_of(resource: dict) -> str | None:
    ref = resource.get("medicationReference")
    if not isinstance(ref, dict):  # R5: medication is a CodeableReference
        medication = resource.get("medication")
        ref = medication.get("reference") if isinstance(medication, dict) else None
    value = ref.get("reference") if isinstance(ref, dict) else None
    return value if isinstance(value, str) else None


def _normalise(reference: str | None, base: str | None) -> str | None:
    if not reference or reference.startswith("#"):
        return None
    if "://" in reference:
        if base is None or not reference.startswith(base + "/"):
            return None
        reference = reference[len(base) + 1 :]
    parts = reference.split("/")
    if len(parts) not in (2, 4) or parts[0] != "Medication":
        return None
    if len(parts) == 4 and parts[2] != "_history":
        return None
    ident = parts[1]
    if ident in (".", "..") or not _ID.fullmatch(ident):
        return None
    return f"Medication/{ident}"
