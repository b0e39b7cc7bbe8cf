"""Deployment profiles: what ``development`` (the default) and ``production`` trust.

Development trusts the public CDS Hooks sandbox issuer (keys from its allowed ``jku``, fetched when
first needed) plus any configured issuers, and lets calls with no ``Authorization`` header at all
through when the socket peer is loopback. Production trusts only configured issuers, needs a public
base URL and https FHIR server allowlists, refuses the sandbox issuer (its private key is public),
and requires a valid JWT on every call.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from .issuers import (
    DEFAULT_ALGORITHMS,
    SANDBOX_ISS,
    SANDBOX_ISSUER,
    Issuer,
    IssuerConfigError,
    check_algorithms,
    load_issuers,
)

DEVELOPMENT = "development"
PRODUCTION = "production"


class ProductionConfigError(RuntimeError):
    """The production profile is missing configuration it needs; the message says what."""


def is_production(settings: Any) -> bool:
    return str(getattr(settings, "env", DEVELOPMENT) or DEVELOPMENT).strip().lower() == PRODUCTION


def is_loopback_peer(request: Request) -> bool:
    """True if the TCP peer is a loopback address. Forwarded headers are never consulted."""
    host = request.client.host if request.client else None
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def bearer_matches(request: Request, token: str) -> bool:
    """True if the request carries ``Authorization: Bearer <token>`` (constant-time comparison)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def is_loopback_name(name: str) -> bool:
    """``localhost``, a ``.localhost`` name (RFC 6761: always loopback) or a loopback IP literal.

    Names are never resolved: a DNS answer is what an attacker controls (rebinding).
    """
    name = name.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """True if ``url``'s host is a loopback name (see :func:`is_loopback_name`)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host is not None and host != "" and is_loopback_name(host)


def algorithms_of(settings: Any) -> tuple[str, ...]:
    """The service-wide algorithm list from ``settings.jwt_algorithms`` (list or comma string)."""
    raw = getattr(settings, "jwt_algorithms", None)
    if not raw:
        return DEFAULT_ALGORITHMS
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    return check_algorithms(raw, "jwt_algorithms")


def configured_issuers(settings: Any) -> tuple[Issuer, ...]:
    """Issuers from the ``trusted_issuers`` file, or none when it is not set."""
    path = getattr(settings, "trusted_issuers", None)
    return load_issuers(path) if path else ()


def trusted_issuers(settings: Any) -> tuple[Issuer, ...]:
    """The issuers this profile trusts (production: the file only; development: sandbox + file)."""
    issuers = configured_issuers(settings)
    if is_production(settings):
        return issuers
    if any(i.iss == SANDBOX_ISS for i in issuers):
        return issuers  # the file's own sandbox entry wins
    return (SANDBOX_ISSUER, *issuers)


def _is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc)


def production_problems(settings: Any) -> list[str]:
    """Everything missing or unsafe for the production profile (empty when it may start)."""
    problems: list[str] = []
    base = getattr(settings, "public_base_url", None)
    if not base:
        problems.append("CDS_PUBLIC_BASE_URL is not set (the external https URL of the service)")
    elif not _is_https(str(base)):
        problems.append("CDS_PUBLIC_BASE_URL must be an https URL")
    try:
        algorithms_of(settings)
    except IssuerConfigError as exc:
        problems.append(str(exc))
    if not getattr(settings, "pseudonym_secret", None):
        problems.append("CDS_PSEUDONYM_SECRET is not set (the key of the pseudonymised patient and user keys)")
    if not getattr(settings, "admin_token", None):
        problems.append("CDS_ADMIN_TOKEN is not set (the bearer token of the /admin pages)")
    if not getattr(settings, "trusted_issuers", None):
        problems.append("CDS_TRUSTED_ISSUERS is not set (a JSON or YAML file of trusted issuers)")
        return problems
    try:
        issuers: Sequence[Issuer] = configured_issuers(settings)
    except IssuerConfigError as exc:
        problems.append(f"CDS_TRUSTED_ISSUERS: {exc}")
        return problems
    if not issuers:
        problems.append("CDS_TRUSTED_ISSUERS lists no issuer")
    for issuer in issuers:
        where = f"issuer {issuer.iss}"
        if issuer.iss == SANDBOX_ISS:
            problems.append(
                f"{where}: the public CDS Hooks sandbox is refused in production (its private key is published)"
            )
        if not issuer.fhir_servers:
            problems.append(
                f"{where}: fhir_servers is missing or empty (list the https FHIR base URLs it may name)"
            )
        else:
            problems.extend(
                f"{where}: fhir_server {url} is not https" for url in issuer.fhir_servers if not _is_https(url)
            )
        problems.extend(f"{where}: jku {url} is not https" for url in issuer.jku if not _is_https(url))
        if issuer.jwks_url and not _is_https(issuer.jwks_url):
            problems.append(f"{where}: jwks_url {issuer.jwks_url} is not https")
    return problems


def check_production(settings: Any) -> None:
    """Refuse to start the production profile without what it needs; no-op in development."""
    if not is_production(settings):
        return
    problems = production_problems(settings)
    if problems:
        raise ProductionConfigError("Production profile cannot start:\n  - " + "\n  - ".join(problems))
