"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from cds_service.api.errors import ApiError, json_response
from cds_service.storage.records import ping

log = logging.getLogger("cds_service.api")

DB_TIMEOUT = 2.0


async def healthz(request: Request) -> Response:
    """The process is up and serving."""
    return json_response({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Knowledge loaded and the database reachable; 503 with an OperationOutcome otherwise."""
    state = request.app.state
    if getattr(state, "knowledge", None) is None or getattr(state, "writer", None) is None:
        raise ApiError(503, "The service is starting: knowledge is not loaded.", code="transient")
    try:
        await state.writer.run(ping, timeout=DB_TIMEOUT)
    except Exception as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        raise ApiError(503, "The database is not reachable.", code="transient") from None
    return json_response({"status": "ready", "knowledge": state.knowledge.version})
