"""The result of data resolution: FHIR resources per prefetch key, and what could not be had.

Produced by ``cds_service.fhir.resolve`` (prefetch first, else the EHR's FHIR server), consumed by
``cds_service.facts.build``. Resources are the read model's (:mod:`cds_service.fhir.model`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cds_service.fhir.model import AnyResource, Medication, Patient


@dataclass
class ResolvedData:
    patient: Patient | None
    # prefetch key -> resources of that search (Bundle entries flattened; OperationOutcome entries
    # removed; paging followed). A key given as ``null`` by the client maps to an empty list.
    resources: dict[str, list[AnyResource]] = field(default_factory=dict)
    # Medication resources by "Medication/<id>" (from Bundle entries or read from the server),
    # for resolving medicationReference. Contained resources are resolved by the facts layer.
    medications: dict[str, Medication] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()  # prefetch keys that could not be obtained
    fetched: frozenset[str] = frozenset()  # prefetch keys fetched from the FHIR server
    problems: dict[str, str] = field(default_factory=dict)  # key -> short reason (for the log)

    def get(self, key: str) -> list[AnyResource]:
        return self.resources.get(key, [])
