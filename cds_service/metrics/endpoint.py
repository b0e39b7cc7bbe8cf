"""``GET /metrics``: the Prometheus text format.

Development: loopback peers only (the socket address, never a forwarded header). Production: only
with ``Authorization: Bearer <CDS_METRICS_TOKEN>``; without a configured token the endpoint is off.
Refusals are OperationOutcomes (403), like every other non-2xx answer.
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from cds_service.api.errors import ApiError
from cds_service.auth.profile import is_loopback_peer
from cds_service.metrics.registry import collecting_registry


def allowed(request: Request) -> bool:
    settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    return not settings.production and is_loopback_peer(request)


async def metrics(request: Request) -> Response:
    if not allowed(request):
        raise ApiError(403, "Metrics are served to loopback (development) or with the metrics token.", code="forbidden")
    body = generate_latest(collecting_registry())
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
