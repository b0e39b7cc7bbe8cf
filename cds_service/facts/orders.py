"""25(OH)D ServiceRequests -> :class:`LabOrder`: pending on file, and the hook's draft orders
(read-model resources, :mod:`cds_service.fhir.model`)."""

from __future__ import annotations

from datetime import date
from typing import cast

from cds_service.facts.match import Index
from cds_service.facts.model import LabOrder
from cds_service.facts.values import codings, concept_display, concept_texts, parse_date, reference_of, source, text
from cds_service.fhir.model import AnyResource, ServiceRequest

PENDING = frozenset({"active", "draft", "on-hold"})
_NOT_DRAFT = frozenset({"revoked", "entered-in-error", "completed"})


def _is_25ohd(resource: ServiceRequest, index: Index) -> bool:
    concept = resource.get("code")
    matched = index.codings(codings(concept)) or index.texts(concept_texts(concept))
    return "lab-25ohd" in matched


def lab_order(
    found: AnyResource, index: Index, today: date, *, draft: bool = False, selected: bool = False
) -> LabOrder | None:
    """A pending (or draft) 25(OH)D order, or None. A draft without ``authoredOn`` is dated today."""
    if found.get("resourceType") != "ServiceRequest":
        return None
    resource = cast(ServiceRequest, found)
    status = text(resource.get("status")) or "unknown"
    if (status in _NOT_DRAFT if draft else status not in PENDING) or not _is_25ohd(resource, index):
        return None
    authored = parse_date(resource.get("authoredOn")) or (today if draft else None)
    return LabOrder(
        source=source(resource, concept_display(resource.get("code"), "25(OH)D"), authored),
        status=status,
        authored=authored,
        draft=draft,
        selected=selected,
        occurrence=parse_date(resource.get("occurrenceDateTime"))
        or parse_date((resource.get("occurrencePeriod") or {}).get("start")),
    )


def lab_orders(
    on_file: list[AnyResource], drafts: list[AnyResource], selections: frozenset[str], index: Index, today: date
) -> tuple[list[LabOrder], int]:
    """Pending orders on file, then draft orders; and the count of malformed resources."""
    out: list[LabOrder] = []
    bad = 0
    for resources, draft in ((on_file, False), (drafts, True)):
        for resource in resources:
            try:
                order = lab_order(
                    resource, index, today, draft=draft,
                    selected=draft and reference_of(resource) in selections,
                )
            except (AttributeError, TypeError, ValueError):
                bad += 1
                continue
            if order is not None:
                out.append(order)
    return out, bad
