"""The authentication contract between the HTTP layer and the JWT checks.

The HTTP layer calls ``await authenticator.authenticate(request)`` once per request (never for CORS
preflights) and answers 401 with no detail on :class:`Unauthorized`. Before fetching from a
``fhirServer`` it calls ``context.check_fhir_server(url)``; :class:`ForbiddenFhirServer` means the
server is not on the issuer's allowlist and no request may be sent to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from .profile import is_loopback_url


class Unauthorized(Exception):
    """The request is not authenticated. ``str(exc)`` is a reason for the log, never for the client."""


class ForbiddenFhirServer(Exception):
    """The request names a FHIR server its issuer may not send us to."""


@dataclass(frozen=True)
class AuthContext:
    issuer: str | None = None
    tenant: str | None = None
    jti: str | None = None
    authenticated: bool = False  # False: an unauthenticated call allowed by the profile (dev loopback)
    fhir_servers: tuple[str, ...] | None = None  # allowed FHIR base URLs; None = not restricted
    loopback_fhir_servers: bool = False  # any loopback fhirServer is allowed too (development, no token)

    def check_fhir_server(self, url: str) -> None:
        if self.fhir_servers is None or (self.loopback_fhir_servers and is_loopback_url(url)):
            return
        if not any(url.rstrip("/") == allowed.rstrip("/") for allowed in self.fhir_servers):
            raise ForbiddenFhirServer("fhirServer not allowed for this issuer")


class Authenticator(Protocol):
    async def authenticate(self, request: Request) -> AuthContext: ...

    async def aclose(self) -> None: ...


class AllowAll:
    """No authentication (placeholder until the JWT authenticator is wired in)."""

    async def authenticate(self, request: Request) -> AuthContext:
        return AuthContext()

    async def aclose(self) -> None:
        return None
