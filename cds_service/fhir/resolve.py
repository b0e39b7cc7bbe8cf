"""Data resolution: prefetch first, else the EHR's FHIR server. (STUB)"""

from __future__ import annotations

from typing import Any

import httpx

from cds_service.fhir.data import ResolvedData


class PatientUnavailable(Exception):
    """The Patient could be had neither from prefetch nor from the FHIR server (answer 412)."""


async def resolve(
    templates: dict[str, str],
    context: dict[str, Any],
    prefetch: dict[str, Any] | None,
    fhir_server: str | None,
    access_token: str | None,
    client: httpx.AsyncClient,
    deadline: float,
) -> ResolvedData:
    """Resolve every prefetch key of ``templates`` (``patient`` is required).

    ``deadline`` is an absolute ``time.monotonic()`` value by which all fetching ends.
    """
    raise NotImplementedError
