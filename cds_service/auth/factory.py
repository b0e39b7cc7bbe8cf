"""Build the authenticator for the configured profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.engine import Engine

from .base import Authenticator
from .jwks import JwksCache
from .jwt import JwtAuthenticator
from .profile import algorithms_of, check_production, is_production, trusted_issuers
from .replay import SqlReplayStore

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


def build_authenticator(
    settings: Any, engine: Engine | AsyncEngine, http_client: httpx.AsyncClient
) -> Authenticator:
    """The JWT authenticator for ``settings`` (duck-typed: env, trusted_issuers, public_base_url,
    jwt_algorithms, jwt_leeway_seconds). Raises ProductionConfigError / IssuerConfigError on bad
    configuration, so call it at start-up."""
    check_production(settings)
    leeway = getattr(settings, "jwt_leeway_seconds", None)
    return JwtAuthenticator(
        trusted_issuers(settings),
        JwksCache(http_client),
        SqlReplayStore(engine),
        public_base_url=getattr(settings, "public_base_url", None) or None,
        algorithms=algorithms_of(settings),
        leeway_seconds=30.0 if leeway is None else float(leeway),
        allow_loopback_unauthenticated=not is_production(settings),
        loopback_fhir_servers=tuple(getattr(settings, "dev_fhir_servers", None) or ()),
    )
