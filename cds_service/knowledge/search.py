"""FHIR search parameters built from knowledge (for prefetch templates and fallback queries)."""

from __future__ import annotations

from cds_service.knowledge.model import Knowledge


def _escape(value: str) -> str:
    """FHIR search escaping of the token separators (``\\``, ``,``, ``|``, ``$``)."""
    for ch in ("\\", ",", "|", "$"):
        value = value.replace(ch, "\\" + ch)
    return value


def knowledge_codes_param(knowledge: Knowledge, *vs_ids: str) -> str:
    """``system|code,system|code`` for a search ``code=`` parameter, from one or more value sets.

    Exact codes only (prefix groups and text terms cannot be searched), sorted and de-duplicated so
    the result is stable. Meant for the LOINC lab sets, e.g.
    ``Observation?patient={{context.patientId}}&code=`` + ``knowledge_codes_param(k, "lab-25ohd")``.
    Raises ``KeyError`` for an unknown value set id and ``ValueError`` when a set has no exact codes.
    """
    pairs: set[tuple[str, str]] = set()
    for vs_id in vs_ids:
        code_set = knowledge.value_sets[vs_id]
        if not code_set.codes:
            raise ValueError(f"value set {vs_id} has no exact codes to search for")
        pairs |= code_set.codes
    return ",".join(f"{_escape(system)}|{_escape(code)}" for system, code in sorted(pairs))
