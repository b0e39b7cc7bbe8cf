"""The result of data resolution: FHIR resources per prefetch key, and what could not be had.

Produced by ``cds_service.fhir.resolve`` (prefetch first, else the EHR's FHIR server), consumed by
``cds_service.facts.build``. Resources are plain dicts as parsed from JSON (FHIR R4).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ResolvedData:
    patient: dict | None
    # prefetch key -> resources of that search (Bundle entries flattened; OperationOutcome entries
    # removed; paging followed). A key given as ``null`` by the client maps to an empty list.
    resources: dict[str, list[dict]] = field(default_factory=dict)
    # Medication resources by "Medication/<id>" (from Bundle entries or read from the server),
    # for resolving medicationReference. Contained resources are resolved by the facts layer.
    medications: dict[str, dict] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()  # prefetch keys that could not be obtained
    fetched: frozenset[str] = frozenset()  # prefetch keys fetched from the FHIR server
    problems: dict[str, str] = field(default_factory=dict)  # key -> short reason (for the log)

    def get(self, key: str) -> list[dict]:
        return self.resources.get(key, [])
