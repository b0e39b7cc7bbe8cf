"""Route of administration from ``Dosage.route`` (SNOMED or text), or from a dose form / product name.

The codes, text fragments and categories are data: ``ConceptMap/route-category`` and
``CodeSystem/route-category`` in ``fhir_profiles/``, loaded as ``Knowledge.routes``.
"""

from __future__ import annotations

from typing import Iterable

from cds_service.facts.values import codings, concept_texts
from cds_service.fhir.model import CodeableConcept
from cds_service.knowledge.tables import RouteMap


def route_from_concept(concept: CodeableConcept | None, routes: RouteMap) -> str | None:
    """A ``Dosage.route`` CodeableConcept as a short route name."""
    for system, code, _ in codings(concept):
        route = routes.from_coding(system, code)
        if route is not None:
            return route
    return route_from_texts(concept_texts(concept), routes)


def route_from_texts(texts: Iterable[str], routes: RouteMap) -> str | None:
    """The first route a text names (dose form, product name), or None."""
    for raw in texts:
        route = routes.from_text(raw)
        if route is not None:
            return route
    return None
