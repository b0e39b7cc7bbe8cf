"""The attack matrix and the accepted cases for the JWT authenticator."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import serialization

from cds_service.auth.base import AuthContext, ForbiddenFhirServer, Unauthorized
from cds_service.auth.jwt import expected_audience

from .helpers import (
    AUD,
    BASE,
    FHIR,
    ISS,
    NOW,
    b64,
    claims,
    ec_key,
    jwks,
    raw_token,
    request,
    token,
)


async def reject(auth, req, reason: str) -> None:
    with pytest.raises(Unauthorized) as info:
        await auth.authenticate(req)
    assert str(info.value) == reason


# --- accepted ---------------------------------------------------------------------------------


async def test_valid_es384_token_is_accepted(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    auth = make_auth()
    ctx = await auth.authenticate(request(token(ec, jku=jwks_server.url)))
    assert ctx.authenticated and ctx.issuer == ISS and ctx.fhir_servers == (FHIR,)
    assert jwks_server.requests == ["/jwks.json"]


async def test_valid_rs384_token_is_accepted(make_auth, jwks_server, rsa):
    jwks_server.document = jwks(rsa)
    auth = make_auth()
    ctx = await auth.authenticate(request(token(rsa, claims(tenant="t1"), jku=jwks_server.url)))
    assert ctx == AuthContext(issuer=ISS, tenant="t1", jti=ctx.jti, authenticated=True, fhir_servers=(FHIR,))


async def test_keys_are_cached_between_calls(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    auth = make_auth()
    for _ in range(3):
        await auth.authenticate(request(token(ec, jku=jwks_server.url)))
    assert len(jwks_server.requests) == 1


async def test_token_without_jku_uses_the_issuers_allowed_jwks_url(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    ctx = await make_auth().authenticate(request(token(ec)))
    assert ctx.authenticated


async def test_inline_jwks_needs_no_request(make_auth, jwks_server, ec):
    auth = make_auth(issuer={"jku": (), "jwks": jwks(ec)})
    assert (await auth.authenticate(request(token(ec)))).authenticated
    assert jwks_server.requests == []


async def test_aud_as_a_list_containing_the_url_is_accepted(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(aud=["https://other.example/x", AUD]), jku=jwks_server.url)
    assert (await make_auth().authenticate(request(tok))).authenticated


async def test_small_clock_skew_is_tolerated(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(iat=NOW + 20, nbf=NOW + 20, exp=NOW - 20 + 300), jku=jwks_server.url)
    assert (await make_auth(leeway_seconds=30).authenticate(request(tok))).authenticated


async def test_key_rotation_is_picked_up_without_restart(make_auth, jwks_server, ec, clock):
    jwks_server.document = jwks(ec)
    auth = make_auth(cache={"min_refresh_interval": 60})
    await auth.authenticate(request(token(ec, jku=jwks_server.url)))
    new = ec_key("ec-2")
    jwks_server.document = jwks(ec, new)
    clock.now += 61
    ctx = await auth.authenticate(request(token(new, claims(iat=clock.now, exp=clock.now + 300), jku=jwks_server.url)))
    assert ctx.authenticated
    assert len(jwks_server.requests) == 2


async def test_unknown_kid_refetches_at_most_once_per_interval(make_auth, jwks_server, ec, clock):
    jwks_server.document = jwks(ec)
    auth = make_auth(cache={"min_refresh_interval": 60})
    await auth.authenticate(request(token(ec, jku=jwks_server.url)))
    stranger = ec_key("unknown")
    for _ in range(5):
        await reject(auth, request(token(stranger, jku=jwks_server.url)), "unknown kid")
    assert len(jwks_server.requests) == 1  # still inside the interval: no refetch
    clock.now += 61
    await reject(auth, request(token(stranger, claims(iat=clock.now, exp=clock.now + 300), jku=jwks_server.url)), "unknown kid")
    assert len(jwks_server.requests) == 2


# --- rejected (the attack matrix) -------------------------------------------------------------


async def test_no_token(make_auth, jwks_server):
    await reject(make_auth(), request(None, client="10.1.2.3"), "no credentials")
    assert jwks_server.requests == []


async def test_no_token_from_loopback_is_rejected_unless_the_profile_allows_it(make_auth):
    await reject(make_auth(), request(None, client="127.0.0.1"), "no credentials")


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "eyJhbGciOiJFUzM4NCJ9.@@@.x", ""])
async def test_malformed_token(make_auth, jwks_server, value):
    req = request(None, headers={"Authorization": f"Bearer {value}"})
    with pytest.raises(Unauthorized):
        await make_auth().authenticate(req)
    assert jwks_server.requests == []


async def test_non_bearer_scheme(make_auth):
    await reject(make_auth(), request(None, headers={"Authorization": "Basic dXNlcjpwYXNz"}), "authorization scheme is not bearer")


async def test_alg_none(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = raw_token({"alg": "none", "typ": "JWT", "kid": ec.kid, "jku": jwks_server.url}, claims())
    await reject(make_auth(), request(tok), "algorithm not allowed")
    assert jwks_server.requests == []


async def test_alg_none_even_if_configured(make_auth):
    from cds_service.auth.issuers import IssuerConfigError

    with pytest.raises(IssuerConfigError):
        make_auth(algorithms=["ES384", "none"])
    with pytest.raises(IssuerConfigError):
        make_auth(algorithms=["HS256"])


async def test_hs256_signed_with_the_public_key(make_auth, jwks_server, rsa):
    jwks_server.document = jwks(rsa)
    pem = rsa.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": rsa.kid, "jku": jwks_server.url}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}"
    sig = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    await reject(make_auth(), request(f"{signing_input}.{b64(sig)}"), "algorithm not allowed")
    assert jwks_server.requests == []


async def test_algorithm_not_in_the_allowlist(make_auth, jwks_server):
    from cryptography.hazmat.primitives.asymmetric import ec as ec_mod

    from .helpers import Key

    es256 = Key("p256", "ES256", ec_mod.generate_private_key(ec_mod.SECP256R1()))
    jwks_server.document = jwks(es256)
    await reject(make_auth(), request(token(es256, jku=jwks_server.url)), "algorithm not allowed")
    assert jwks_server.requests == []
    # ...but accepted once configured for that issuer
    assert (await make_auth(issuer={"algorithms": ("ES256",)}).authenticate(request(token(es256, jku=jwks_server.url)))).authenticated


async def test_wrong_aud(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    await reject(make_auth(), request(token(ec, claims(aud="https://evil.example/cds-services/bone-health"), jku=jwks_server.url)), "wrong audience")


async def test_aud_for_another_endpoint(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(aud=BASE + "/cds-services"), jku=jwks_server.url)  # the discovery URL
    await reject(make_auth(), request(tok), "wrong audience")
    tok = token(ec, claims(aud=AUD + "/feedback"), jku=jwks_server.url)
    await reject(make_auth(), request(tok), "wrong audience")


async def test_expired(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(iat=NOW - 400, exp=NOW - 100), jku=jwks_server.url)
    await reject(make_auth(leeway_seconds=30), request(tok), "expired")


async def test_iat_in_the_future(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(iat=NOW + 120, exp=NOW + 400), jku=jwks_server.url)
    await reject(make_auth(leeway_seconds=30), request(tok), "iat in the future")


async def test_nbf_in_the_future(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(nbf=NOW + 120), jku=jwks_server.url)
    await reject(make_auth(leeway_seconds=30), request(tok), "nbf in the future")


async def test_lifetime_longer_than_allowed(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(exp=NOW + 7200), jku=jwks_server.url)
    await reject(make_auth(), request(tok), "lifetime too long")


async def test_replayed_jti(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    auth = make_auth()
    tok = token(ec, jku=jwks_server.url)
    await auth.authenticate(request(tok))
    await reject(auth, request(tok), "replayed jti")
    # the same jti in a freshly signed token is a replay too
    await reject(auth, request(token(ec, claims(jti=json.loads(_payload(tok))["jti"]), jku=jwks_server.url)), "replayed jti")


async def test_replay_is_seen_by_another_authenticator_on_the_same_database(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, jku=jwks_server.url)
    await make_auth().authenticate(request(tok))
    await reject(make_auth(), request(tok), "replayed jti")  # a second worker: new cache, same DB


async def test_jti_may_be_reused_after_the_first_token_expired(make_auth, jwks_server, ec, clock):
    jwks_server.document = jwks(ec)
    auth = make_auth(leeway_seconds=30)
    await auth.authenticate(request(token(ec, claims(jti="j-1"), jku=jwks_server.url)))
    clock.now += 400
    again = token(ec, claims(jti="j-1", iat=clock.now, exp=clock.now + 300), jku=jwks_server.url)
    assert (await auth.authenticate(request(again))).authenticated


async def test_unknown_kid(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    await reject(make_auth(), request(token(ec_key("nope"), jku=jwks_server.url)), "unknown kid")


async def test_missing_kid(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    await reject(make_auth(), request(token(ec, kid=None, jku=jwks_server.url)), "missing kid")
    assert jwks_server.requests == []


async def test_untrusted_iss(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(iss="https://evil.example"), jku=jwks_server.url)
    await reject(make_auth(), request(tok), "untrusted issuer")
    assert jwks_server.requests == []


async def test_disallowed_jku_is_never_fetched(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    await reject(make_auth(), request(token(ec, jku=jwks_server.other_url)), "jku not allowed")
    await reject(make_auth(), request(token(ec, jku="http://169.254.169.254/latest/meta-data")), "jku not allowed")
    assert jwks_server.requests == []


async def test_disallowed_tenant(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    auth = make_auth(issuer={"tenants": ("hospital-a",)})
    await reject(auth, request(token(ec, claims(tenant="hospital-b"), jku=jwks_server.url)), "tenant not allowed")
    await reject(auth, request(token(ec, claims(), jku=jwks_server.url)), "tenant not allowed")
    ctx = await auth.authenticate(request(token(ec, claims(tenant="hospital-a"), jku=jwks_server.url)))
    assert ctx.tenant == "hospital-a"


async def test_tampered_payload(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    header, _, sig = token(ec, jku=jwks_server.url).split(".")
    forged = b64(json.dumps(claims(tenant="admin")).encode())
    await reject(make_auth(), request(f"{header}.{forged}.{sig}"), "bad signature")


async def test_signed_by_another_key_with_the_same_kid(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    await reject(make_auth(), request(token(ec_key(ec.kid), jku=jwks_server.url)), "bad signature")


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "jti"])
async def test_missing_required_claim(make_auth, jwks_server, ec, claim):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(**{claim: None}), jku=jwks_server.url)
    with pytest.raises(Unauthorized) as info:
        await make_auth().authenticate(request(tok))
    assert str(info.value) in {f"missing claim {claim}", "untrusted issuer"}


async def test_oversized_token_is_rejected_before_parsing(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    tok = token(ec, claims(padding="x" * 9000), jku=jwks_server.url)
    await reject(make_auth(), request(tok), "token too large")
    assert jwks_server.requests == []


async def test_wrong_typ(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    await reject(make_auth(), request(token(ec, typ="at+jwt", jku=jwks_server.url)), "typ is not JWT")


async def test_jwks_server_down_means_unknown_kid(make_auth, jwks_server, ec):
    jwks_server.status = 500
    await reject(make_auth(), request(token(ec, jku=jwks_server.url)), "unknown kid")


# --- audience and fhirServer ------------------------------------------------------------------


def test_audience_from_public_base_url_ignores_the_host_header():
    req = request(host="10.0.0.5:8000")
    assert expected_audience(req, "https://cds.example.org/") == "https://cds.example.org/cds-services/bone-health"
    assert expected_audience(req, "https://example.org/bone") == "https://example.org/bone/cds-services/bone-health"


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000"])
def test_audience_without_base_url_is_the_url_as_called(host):
    req = request(host=host, query=b"x=1")
    assert expected_audience(req, None) == f"http://{host}/cds-services/bone-health"


async def test_public_base_url_sets_the_audience(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    auth = make_auth(public_base_url="https://cds.example.org")
    await reject(auth, request(token(ec, jku=jwks_server.url)), "wrong audience")
    tok = token(ec, claims(aud="https://cds.example.org/cds-services/bone-health"), jku=jwks_server.url)
    assert (await auth.authenticate(request(tok))).authenticated


async def test_fhir_server_outside_the_allowlist_is_refused(make_auth, jwks_server, ec):
    jwks_server.document = jwks(ec)
    ctx = await make_auth().authenticate(request(token(ec, jku=jwks_server.url)))
    ctx.check_fhir_server(FHIR + "/")
    with pytest.raises(ForbiddenFhirServer):
        ctx.check_fhir_server("https://evil.example/fhir")


def _payload(tok: str) -> str:
    import base64

    part = tok.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


# --- keys offline (issue 10) ------------------------------------------------------------------


async def test_configured_keys_are_used_before_any_jku_is_fetched(make_auth, jwks_server, ec):
    """An issuer configured with inline (or file) keys works offline although its tokens carry a jku
    (the CDS Hooks sandbox always sends one): the kid is found locally, nothing is fetched."""
    jwks_server.document = {"keys": []}  # what an unreachable or different key server would give
    auth = make_auth(issuer={"jku": (jwks_server.url,), "jwks": jwks(ec)})
    ctx = await auth.authenticate(request(token(ec, jku=jwks_server.url)))
    assert ctx.authenticated
    assert jwks_server.requests == []


async def test_configured_keys_work_with_an_unreachable_jku(make_auth, ec):
    auth = make_auth(issuer={"jku": ("https://sandbox.invalid/.well-known/jwks.json",), "jwks": jwks(ec)})
    tok = token(ec, jku="https://sandbox.invalid/.well-known/jwks.json")
    assert (await auth.authenticate(request(tok))).authenticated


async def test_a_kid_not_configured_is_fetched_from_an_allowed_jku_only(make_auth, jwks_server, ec):
    other = ec_key("rotated")
    jwks_server.document = jwks(other)
    auth = make_auth(issuer={"jku": (jwks_server.url,), "jwks": jwks(ec)})
    assert (await auth.authenticate(request(token(other, jku=jwks_server.url)))).authenticated
    assert jwks_server.requests == ["/jwks.json"]
    await reject(auth, request(token(ec_key("stranger"), jku=jwks_server.other_url)), "jku not allowed")
