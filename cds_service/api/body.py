"""Reading a JSON request body: bounded in size, tolerant of JSON media types, parsed with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from cds_service.api.errors import ApiError

# The only media types accepted for a body (parameters such as charset aside). Not text/plain, and
# not a missing Content-Type: a browser sends those cross-origin without a CORS preflight, so a web
# page could make the service act (and store feedback) without the CORS policy ever being asked.
JSON_MEDIA_TYPES = frozenset({"application/json", "application/fhir+json"})
UTF8_BOM = b"\xef\xbb\xbf"


def _check_media_type(request: Request) -> None:
    raw = request.headers.get("content-type") or ""
    if raw.split(";", 1)[0].strip().lower() not in JSON_MEDIA_TYPES:
        raise ApiError(415, "The request body must be JSON (Content-Type: application/json or application/fhir+json).")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ApiError(400, "Content-Length is not a number.") from None
        if size > limit:
            raise ApiError(413, f"The request body is larger than the limit of {limit} bytes.")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise ApiError(413, f"The request body is larger than the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_bytes(request: Request, limit: int) -> bytes:
    """The body of a JSON request: 415 for a non-JSON media type, 413 if too large, 400 if empty."""
    _check_media_type(request)
    raw = await read_body(request, limit)
    raw = raw.removeprefix(UTF8_BOM)  # RFC 8259 8.1: a parser MAY ignore a byte order mark
    if not raw.strip():
        raise ApiError(400, "The request body is empty; a JSON object is required.")
    return raw


def loads_object(raw: bytes) -> dict[str, Any]:
    """``raw`` as a JSON object (orjson): 400 if it is not valid JSON or not an object."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return value


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object: 415 for a non-JSON media type, 413 if too large, 400 if malformed."""
    return loads_object(await read_json_bytes(request, limit))
