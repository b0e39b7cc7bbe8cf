"""medicationReference resolution: which Medication resources we have and which we must read."""

from __future__ import annotations

import re
from typing import Iterable, cast

from cds_service.fhir.model import AnyResource, Medication, MedicationUser

MEDICATION_USERS = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationDispense", "MedicationAdministration"}
)

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def medications_in(resources: Iterable[AnyResource]) -> dict[str, Medication]:
    """Medication resources (e.g. from ``_include``) keyed ``"Medication/<id>"``."""
    found: dict[str, Medication] = {}
    for resource in resources:
        if resource.get("resourceType") == "Medication" and (ident := resource.get("id")):
            found[f"Medication/{ident}"] = cast(Medication, resource)
    return found


def medication_references(resources: Iterable[AnyResource], base: str | None) -> set[str]:
    """``"Medication/<id>"`` keys referenced by medication resources; contained (``#id``) skipped.

    An absolute reference is kept only when it points under ``base`` (the FHIR server called).
    """
    refs: set[str] = set()
    for resource in resources:
        if resource.get("resourceType") not in MEDICATION_USERS:
            continue
        key = _normalise(_reference_of(cast(MedicationUser, resource)), base)
        if key is not None:
            refs.add(key)
    return refs


def _reference_of(resource: MedicationUser) -> str | None:
    ref = resource.get("medicationReference")
    if ref is None:  # R5: medication is a CodeableReference
        medication = resource.get("medication")
        ref = medication.get("reference") if medication is not None else None
    return ref.get("reference") if ref is not None else None


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
