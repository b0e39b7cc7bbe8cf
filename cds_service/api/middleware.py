"""Middleware: header limits, Host allowlist and security headers (outermost), CORS (next, so error
answers carry CORS headers too) and a catch-all 500."""

from __future__ import annotations

import logging
import os
import traceback

from starlette.middleware import Middleware
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds_service.api.errors import ApiError, error_response
from cds_service.api.hardening import HardeningMiddleware
from cds_service.config import Settings

log = logging.getLogger("cds_service.api")

CORS_HEADERS = ["Authorization", "Content-Type", "Accept", "Accept-Language"]


def where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame: enough to find a bug without logging any data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno}"


class CatchAllMiddleware:
    """Turn any unhandled exception into a 500 OperationOutcome; log the exception type only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            log.error("unhandled error: %s at %s", type(exc).__name__, where(exc))
            if started:
                raise
            response = error_response(ApiError(500, "An internal error occurred.", code="exception"))
            await response(scope, receive, send)


PRIVATE_NETWORK_REQUEST = "access-control-request-private-network"


class CdsCorsMiddleware(CORSMiddleware):
    """Starlette's CORS with two changes to its preflight answer.

    * A refused preflight gets a 400 OperationOutcome (CDS Hooks 3.0: an OperationOutcome on every
      non-2xx answer) instead of plain text. The reason names only what was refused (origin,
      method, headers), never the values sent.
    * A Private Network Access preflight (Chrome, e.g. the public sandbox calling a service on
      localhost) is granted to the origins that are allowed anyway; recent Starlette refuses it
      by default, which would break the sandbox in development.
    """

    def preflight_response(self, request_headers: Headers) -> Response:
        private_network = PRIVATE_NETWORK_REQUEST in request_headers
        if private_network:
            raw = [(k, v) for k, v in request_headers.raw if k.lower() != PRIVATE_NETWORK_REQUEST.encode()]
            request_headers = Headers(raw=raw)
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            if private_network:
                response.headers["Access-Control-Allow-Private-Network"] = "true"
            return response
        reason = bytes(response.body).decode("ascii", "replace").removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        diagnostics = f"CORS preflight refused: {reason} not allowed."
        return error_response(ApiError(response.status_code, diagnostics, code="forbidden", headers=headers))


def middleware(settings: Settings) -> list[Middleware]:
    origins, regex = settings.cors_policy()
    return [
        Middleware(
            HardeningMiddleware,
            max_header_bytes=settings.max_header_bytes,
            check_host=not settings.production or bool(settings.allowed_hosts),
            allowed_hosts=settings.allowed_hosts,
            hsts=settings.production,
        ),
        Middleware(
            CdsCorsMiddleware,
            allow_origins=origins,
            allow_origin_regex=regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=CORS_HEADERS,
            allow_credentials=False,
            max_age=600,
        ),
        Middleware(CatchAllMiddleware),
    ]
