"""Models of what the API answers that are not cards: discovery, OperationOutcome, health.

The OpenAPI document (:mod:`cds_service.api.openapi`) is built from these, from the request models
(:mod:`cds_service.api.models`) and from the response model that guarantees the card rules
(:mod:`cds_service.cards.model`). Answers are serialized elsewhere; these models describe them and
a test checks real answers against them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Discovery", "DiscoveryService", "Health", "Issue", "OperationOutcome", "Ready"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscoveryService(_Out):
    """One CDS service as discovery lists it (CDS Hooks 2.0 section 2, with the 3.0 version fields)."""

    hook: str
    id: str
    title: str
    description: str
    usageRequirements: str | None = None
    prefetch: dict[str, str] = Field(default_factory=dict, description="prefetch key -> FHIR query template")
    version: str | None = Field(None, description="the CDS Hooks specification version implemented")
    hookVersion: str | None = None


class Discovery(_Out):
    services: list[DiscoveryService]


class Issue(_Out):
    severity: Literal["fatal", "error", "warning", "information"]
    code: str = Field(description="FHIR IssueType, e.g. invalid, login, not-found, too-long")
    diagnostics: str = Field(description="a fixed text: never a value copied from the request")


class OperationOutcome(_Out):
    """The body of every non-2xx answer (a FHIR R4 OperationOutcome)."""

    resourceType: Literal["OperationOutcome"] = "OperationOutcome"
    issue: list[Issue] = Field(min_length=1)


class Health(_Out):
    status: Literal["ok"]


class Ready(_Out):
    status: Literal["ready"]
    knowledge: str = Field(description="the version of the loaded knowledge (fhir_profiles/)")
