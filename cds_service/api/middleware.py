"""Middleware: CORS (outermost, so error answers carry CORS headers too) and a catch-all 500."""

from __future__ import annotations

import logging
import os
import traceback

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds_service.api.errors import ApiError, error_response
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


def middleware(settings: Settings) -> list[Middleware]:
    origins, regex = settings.cors_policy()
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_origin_regex=regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=CORS_HEADERS,
            allow_credentials=False,
            max_age=600,
        ),
        Middleware(CatchAllMiddleware),
    ]
