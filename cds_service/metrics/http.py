"""The FHIR client's requests timed and counted (resource type and outcome, never a URL or an id)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from cds_service.metrics.registry import FHIR_RESOURCES, record_fhir_fetch


def resource_type(url: httpx.URL) -> str | None:
    """The last path segment that is a FHIR resource type we read (``/fhir/Patient/1`` -> Patient)."""
    for segment in reversed(url.path.split("/")):
        if segment in FHIR_RESOURCES:
            return segment
    return None


class MeteredClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` recording each request's latency and outcome (HTTP status class,
    ``timeout``, ``error`` or ``cancelled`` when the call's deadline ends it)."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await super().send(request, **kwargs)
            outcome = f"{response.status_code // 100}xx"
            return response
        except httpx.TimeoutException:
            outcome = "timeout"
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            record_fhir_fetch(resource_type(request.url), outcome, time.perf_counter() - started)
