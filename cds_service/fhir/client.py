"""The one pooled HTTP client used for every call to an EHR's FHIR server.

Create it once at start-up (a new client costs tens of milliseconds of TLS set-up) and close it at
shutdown. Redirects are never followed: a redirect could carry the bearer token to another host.
"""

from __future__ import annotations

import logging
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy

import httpx

from cds_service.metrics.http import MeteredClient

# seconds per connect/read/write/pool step; resolve() also enforces a total deadline
DEFAULT_TIMEOUT = 2.0
DEFAULT_CONNECT_TIMEOUT = 1.0
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_MAX_KEEPALIVE = 20
DEFAULT_KEEPALIVE_EXPIRY = 30.0
USER_AGENT = "bone-health-cds"


def create_client(
    *,
    timeout: float = DEFAULT_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    max_keepalive_connections: int = DEFAULT_MAX_KEEPALIVE,
    keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY,
    verify: bool | str = True,
    trust_env: bool = True,
) -> httpx.AsyncClient:
    """A pooled ``httpx.AsyncClient`` for FHIR calls (HTTP/1.1, no redirects, no cookies kept).

    Also quiets the ``httpx``/``httpcore`` loggers to WARNING (unless a level was set for them):
    httpx logs every request URL at INFO, and FHIR URLs carry patient ids.
    """
    for name in ("httpx", "httpcore"):
        library_logger = logging.getLogger(name)
        if library_logger.level == logging.NOTSET:
            library_logger.setLevel(logging.WARNING)
    return MeteredClient(  # an httpx.AsyncClient that feeds the FHIR fetch metrics
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
        ),
        follow_redirects=False,
        http2=False,
        verify=verify,
        trust_env=trust_env,
        headers={"User-Agent": USER_AGENT},
        cookies=CookieJar(policy=_RefuseCookies()),
    )


class _RefuseCookies(DefaultCookiePolicy):
    """Store no cookie: one call's FHIR session must not be carried into another call's requests."""

    def set_ok(self, cookie: Cookie, request: object) -> bool:
        return False
