"""Validation of the CDS Hooks client JWT (``Authorization: Bearer <JWT>``).

Order of checks, cheapest and request-free first: size, shape, header (``alg``, ``typ``, ``kid``,
``jku``), trusted ``iss``, the issuer's configured keys by ``kid``, the ``jku`` allowlist — only then
may keys be fetched — signature, claims
(``aud`` = the URL called, ``exp``/``iat``/``nbf`` with leeway, ``tenant``), and last the ``jti``
replay store. Any failure raises :class:`Unauthorized` with a reason for the log; the token itself is
never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jwt as pyjwt
from starlette.requests import Request

from .base import AuthContext, Unauthorized
from .issuers import DEFAULT_ALGORITHMS, Issuer, check_algorithms
from .jwks import JwksCache, index_jwks
from .profile import is_loopback_peer
from .replay import MAX_ISS_LENGTH, MAX_JTI_LENGTH, ReplayStoreError, SqlReplayStore

log = logging.getLogger("cds_service.auth")

MAX_TOKEN_BYTES = 8 * 1024
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")


def expected_audience(request: Request, public_base_url: str | None) -> str:
    """The URL the client called: public base URL + path, else the URL as it reached us, no query."""
    if public_base_url:
        path = request.url.path
        root_path = request.scope.get("root_path") or ""
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        return public_base_url.rstrip("/") + "/" + path.lstrip("/")
    return str(request.url.replace(query="", fragment=""))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("authorization scheme is not bearer")
    return token.strip()


class JwtAuthenticator:
    """Checks the CDS Hooks JWT of each request against the trusted issuers."""

    def __init__(
        self,
        issuers: Iterable[Issuer],
        jwks_cache: JwksCache,
        replay_store: SqlReplayStore,
        *,
        public_base_url: str | None = None,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        leeway_seconds: float = 30.0,
        max_lifetime_seconds: float = 3600.0,
        max_token_bytes: int = MAX_TOKEN_BYTES,
        allow_loopback_unauthenticated: bool = False,
        loopback_fhir_servers: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers: dict[str, Issuer] = {i.iss: i for i in issuers}
        self._jwks = jwks_cache
        self._replay = replay_store
        self._public_base_url = public_base_url
        self._algorithms = check_algorithms(algorithms, "jwt_algorithms")
        self._leeway = leeway_seconds
        self._max_lifetime = max_lifetime_seconds
        self._max_bytes = max_token_bytes
        self._allow_loopback = allow_loopback_unauthenticated
        # what an unauthenticated loopback call may name as fhirServer besides loopback servers: a
        # web page on the developer's machine must not make us send its fhirAuthorization anywhere
        self._loopback_fhir_servers = tuple(loopback_fhir_servers)
        self._clock = clock

    @property
    def issuers(self) -> Mapping[str, Issuer]:
        return self._issuers

    async def authenticate(self, request: Request) -> AuthContext:
        try:
            return await self._authenticate(request)
        except Unauthorized as exc:
            client = request.client.host if request.client else None
            log.warning("auth.rejected", extra={"reason": str(exc), "path": request.url.path, "peer": client})
            raise

    async def aclose(self) -> None:
        return None

    async def _authenticate(self, request: Request) -> AuthContext:
        token = _bearer(request)
        if token is None:
            if self._allow_loopback and is_loopback_peer(request):
                return AuthContext(authenticated=False, fhir_servers=self._loopback_fhir_servers,
                                   loopback_fhir_servers=True)
            raise Unauthorized("no credentials")
        claims, issuer = await self.verify(token, expected_audience(request, self._public_base_url))
        return AuthContext(
            issuer=issuer.iss,
            tenant=claims.get("tenant") if isinstance(claims.get("tenant"), str) else None,
            jti=claims["jti"],
            authenticated=True,
            fhir_servers=issuer.fhir_servers,
        )

    async def verify(self, token: str, audience: str) -> tuple[dict[str, Any], Issuer]:
        """Validate ``token`` for ``audience``; the verified claims and their issuer, else Unauthorized."""
        if len(token) > self._max_bytes:
            raise Unauthorized("token too large")
        try:
            header = pyjwt.get_unverified_header(token)
            unverified = pyjwt.decode(token, options={"verify_signature": False})
        except pyjwt.PyJWTError:
            raise Unauthorized("malformed token") from None

        alg = header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none" or alg.upper().startswith("HS"):
            raise Unauthorized("algorithm not allowed")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
            raise Unauthorized("typ is not JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("missing kid")

        iss = unverified.get("iss")
        issuer = self._issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise Unauthorized("untrusted issuer")
        allowed_algs = issuer.algorithms or self._algorithms
        if alg not in allowed_algs:
            raise Unauthorized("algorithm not allowed")

        jwk = await self._key(issuer, header, kid)
        if jwk is None:
            raise Unauthorized("unknown kid")
        jwk_alg = jwk.get("alg")
        if jwk_alg is not None and jwk_alg != alg:
            raise Unauthorized("key algorithm mismatch")
        if jwk.get("kty") == "oct":
            raise Unauthorized("symmetric key")
        try:
            key = pyjwt.PyJWK(jwk, algorithm=alg)
            claims = pyjwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer.iss,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,  # time claims are checked below with our own clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except pyjwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"missing claim {exc.claim}") from None
        except pyjwt.InvalidAudienceError:
            raise Unauthorized("wrong audience") from None
        except pyjwt.InvalidSignatureError:
            raise Unauthorized("bad signature") from None
        except (pyjwt.PyJWTError, ValueError, TypeError):
            raise Unauthorized("invalid token") from None

        exp = self._check_times(claims)
        self._check_tenant(issuer, claims)
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH or len(issuer.iss) > MAX_ISS_LENGTH:
            raise Unauthorized("invalid jti")
        try:
            fresh = await self._replay.claim(issuer.iss, jti, int(exp + self._leeway) + 1, now=self._clock())
        except ReplayStoreError as exc:
            log.error("auth.replay_store_unavailable", extra={"error": str(exc)})
            raise Unauthorized("replay store unavailable") from None
        if not fresh:
            raise Unauthorized("replayed jti")
        return claims, issuer

    async def _key(self, issuer: Issuer, header: Mapping[str, Any], kid: str) -> dict[str, Any] | None:
        """The issuer's key for ``kid``: its configured keys (inline or file) first, so an issuer
        configured offline works even when its tokens carry a ``jku`` (the sandbox always sends one);
        only a kid not among them makes us fetch, from an allowlisted ``jku`` or the issuer's URLs."""
        if issuer.jwks is not None:
            key = index_jwks(issuer.jwks).get(kid)
            if key is not None:
                return key
        jku = header.get("jku")
        if jku is not None:
            if not isinstance(jku, str) or not issuer.allows_jku(jku):
                raise Unauthorized("jku not allowed")
            return await self._jwks.key_for(jku, kid)
        if issuer.jwks_url is not None:
            return await self._jwks.key_for(issuer.jwks_url, kid)
        for url in issuer.jku:  # no jku in the token: try the issuer's allowed JWKS URLs
            key = await self._jwks.key_for(url, kid)
            if key is not None:
                return key
        return None

    def _check_times(self, claims: Mapping[str, Any]) -> float:
        now = self._clock()
        values: dict[str, float] = {}
        for name in ("exp", "iat", "nbf"):
            if name not in claims:
                continue
            value = claims[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise Unauthorized(f"{name} is not a number")
            values[name] = float(value)
        if values["exp"] + self._leeway < now:
            raise Unauthorized("expired")
        if values["iat"] - self._leeway > now:
            raise Unauthorized("iat in the future")
        if "nbf" in values and values["nbf"] - self._leeway > now:
            raise Unauthorized("nbf in the future")
        if values["exp"] - values["iat"] > self._max_lifetime:
            raise Unauthorized("lifetime too long")
        return values["exp"]

    def _check_tenant(self, issuer: Issuer, claims: Mapping[str, Any]) -> None:
        if issuer.tenants is None:
            return
        tenant = claims.get("tenant")
        if not isinstance(tenant, str) or tenant not in issuer.tenants:
            raise Unauthorized("tenant not allowed")
