"""FHIR resources -> :class:`~cds_service.facts.model.PatientFacts`. (STUB)"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.model import PatientFacts
from cds_service.fhir.data import ResolvedData
from cds_service.knowledge.model import Knowledge


def build_facts(
    data: ResolvedData,
    knowledge: Knowledge,
    now: datetime,
    *,
    draft_orders: dict | None = None,
    selections: list[str] | None = None,
) -> PatientFacts:
    """Facts for one patient. ``draft_orders`` is the order hooks' ``context.draftOrders`` Bundle."""
    raise NotImplementedError
