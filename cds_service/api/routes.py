"""The CDS Hooks endpoints and the probes, as FastAPI routes with their OpenAPI description.

Handlers take the raw :class:`~starlette.requests.Request` (bodies are read and validated by
:mod:`cds_service.api.body` and :mod:`cds_service.api.models`) and return ready responses, so
FastAPI adds routing, the path parameter and the contract, and no per-request serialization.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from fastapi import APIRouter
from starlette.responses import Response

from cds_service.api import admin
from cds_service.api import openapi as doc
from cds_service.api.guideline import PATH as GUIDELINE_PATH
from cds_service.api.guideline import guideline
from cds_service.api.health import healthz, readyz
from cds_service.api.models import FeedbackRequest, HookRequest
from cds_service.api.schemas import Discovery, Health, Ready
from cds_service.api.services import call_service, discovery, feedback
from cds_service.cards.model import CdsResponse
from cds_service.metrics.endpoint import metrics

__all__ = ["router"]

router = APIRouter()


def _get(path: str, endpoint: Callable[..., Awaitable[Response]], **openapi: Any) -> None:
    """A GET route, and HEAD on it (answered without a body; left out of the contract)."""
    router.add_api_route(path, endpoint, methods=["GET"], response_model=None, **openapi)
    router.add_api_route(path, endpoint, methods=["HEAD"], response_model=None, include_in_schema=False)


_get(
    "/cds-services",
    discovery,
    tags=["CDS Hooks"],
    summary="Discovery: the CDS services offered",
    responses={**doc.ok(Discovery, "The services, with their prefetch templates."), **doc.errors(401)},
)
router.add_api_route(
    "/cds-services/{service_id}",
    call_service,
    methods=["POST"],
    tags=["CDS Hooks"],
    summary="Call a service: a hook request in, cards out",
    description=(
        "Cards are in Dutch or English, chosen by Accept-Language. Data not sent as prefetch is "
        "fetched from fhirServer with fhirAuthorization; data that cannot be obtained withholds the "
        "advice that needs it, and the card says so."
    ),
    response_model=None,
    openapi_extra=doc.body(HookRequest, "A CDS Hooks request for the service's hook."),
    responses={
        **doc.ok(CdsResponse, "Cards and system actions (possibly none)."),
        **doc.errors(400, 401, 403, 404, 412, 413, 415, 500),
    },
)
router.add_api_route(
    "/cds-services/{service_id}/feedback",
    feedback,
    methods=["POST"],
    tags=["CDS Hooks"],
    summary="Feedback on issued cards (accepted or overridden)",
    response_model=None,
    openapi_extra=doc.body(FeedbackRequest, "CDS Hooks 2.0 feedback on one or more cards."),
    responses={**doc.ok(None, "Stored."), **doc.errors(400, 401, 404, 413, 415, 503)},
)
_get(
    "/healthz",
    healthz,
    tags=["Operations"],
    summary="Liveness: the process is serving",
    responses=doc.ok(Health, "Up."),
)
_get(
    "/readyz",
    readyz,
    tags=["Operations"],
    summary="Readiness: knowledge loaded and database reachable",
    responses={**doc.ok(Ready, "Ready."), **doc.errors(503)},
)
_get(
    GUIDELINE_PATH,
    guideline,
    tags=["Pages"],
    summary="The guideline page every card links to (HTML, Dutch or English)",
    openapi_extra={
        "parameters": [
            {
                "name": "lang",
                "in": "query",
                "required": False,
                "description": "page language; else Accept-Language, else the configured default",
                "schema": {"type": "string", "enum": ["nl", "en"]},
            }
        ]
    },
    responses={200: {"description": "The page.", "content": {"text/html": {}}}, **doc.errors(503)},
)
_get(
    "/metrics",
    metrics,
    tags=["Operations"],
    summary="Prometheus metrics (development: loopback; production: with the metrics token)",
    responses={
        200: {"description": "The Prometheus text format.", "content": {"text/plain": {}}},
        **doc.errors(403),
    },
)


# --- admin (issue 13): the committee's analytics and the audit export ----------------------------
def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", **schema}}


_FILTERS = [
    _query("since", "first day (YYYY-MM-DD); default: the Monday 11 weeks before until", format="date"),
    _query("until", "last day (YYYY-MM-DD); default: today", format="date"),
    _query("service", "one CDS service id"),
    _query("recommendation", "one recommendation code (card.source.topic.code)"),
]
_ADMIN = ("Needs `Authorization: Bearer <CDS_ADMIN_TOKEN>` when the token is set (production requires "
          "it); in development without it, loopback peers only.")
_get(
    "/admin/analytics",
    admin.analytics,
    tags=["Admin"],
    summary="Per recommendation code and week: cards shown, accepted, overridden by reason, snoozed (HTML, SVG plots)",
    description=_ADMIN,
    openapi_extra={"parameters": _FILTERS},
    responses={200: {"description": "The page.", "content": {"text/html": {}}}, **doc.errors(400, 401, 403)},
)
_get(
    "/admin/analytics.csv",
    admin.analytics_csv,
    tags=["Admin"],
    summary="The analytics page's numbers as CSV",
    description=_ADMIN,
    openapi_extra={"parameters": _FILTERS},
    responses={200: {"description": "One row per week and code.", "content": {"text/csv": {}}}, **doc.errors(400, 401, 403)},
)
_get(
    "/admin/audit",
    admin.audit,
    tags=["Admin"],
    summary="The audit trail: issued cards with their feedback (pseudonymised keys), CSV or JSON Lines",
    description=_ADMIN,
    openapi_extra={"parameters": [
        _query("format", "csv (default) or jsonl", enum=["csv", "jsonl"]),
        _query("since", "cards issued on or after this day (YYYY-MM-DD)", format="date"),
        _query("until", "cards issued on or before this day (YYYY-MM-DD)", format="date"),
    ]},
    responses={200: {"description": "The rows.", "content": {"text/csv": {}, "application/jsonl": {}}},
               **doc.errors(400, 401, 403)},
)
