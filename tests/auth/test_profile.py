"""Profiles: development loopback rule, production start-up checks, issuer files, the factory."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import yaml

from cds_service.auth.base import ForbiddenFhirServer, Unauthorized
from cds_service.auth.factory import build_authenticator
from cds_service.auth.issuers import SANDBOX_ISS, SANDBOX_JKU, IssuerConfigError, load_issuers
from cds_service.auth.profile import ProductionConfigError, check_production, is_loopback_peer

from .helpers import FHIR, ISS, claims, jwks, request, token

REPO = Path(__file__).resolve().parents[2]


def settings(**kw):
    base = dict(
        env="development",
        trusted_issuers=None,
        public_base_url=None,
        jwt_algorithms=["ES384", "RS384"],
        jwt_leeway_seconds=30,
        pseudonym_secret="test-pseudonym-secret-0123456789",
        admin_token="test-admin-token-0123456789",
    )
    base.update(kw)
    return SimpleNamespace(**base)


def write_issuers(tmp_path: Path, issuers: list[dict], name: str = "issuers.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"issuers": issuers}) if name.endswith("yaml") else json.dumps(issuers))
    return str(path)


# --- development loopback rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("10.1.2.3", False), ("192.168.1.5", False), ("testclient", False), ("", False)],
)
def test_loopback_peer(host, expected):
    assert is_loopback_peer(request(client=host)) is expected


def test_forwarded_headers_are_never_believed():
    spoof = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1"}
    assert not is_loopback_peer(request(client="10.1.2.3", headers=spoof))


async def test_development_allows_unauthenticated_loopback_only(engine, http_client):
    auth = build_authenticator(settings(), engine, http_client)
    ctx = await auth.authenticate(request(None, client="127.0.0.1"))
    assert not ctx.authenticated and ctx.issuer is None
    with pytest.raises(Unauthorized):
        await auth.authenticate(request(None, client="10.1.2.3", headers={"X-Forwarded-For": "127.0.0.1"}))


async def test_development_rejects_an_invalid_token_even_from_loopback(engine, http_client, ec):
    auth = build_authenticator(settings(), engine, http_client)
    with pytest.raises(Unauthorized):
        await auth.authenticate(request("not-a-jwt", client="127.0.0.1"))
    forged = token(ec, claims(iss=SANDBOX_ISS), jku="https://evil.example/jwks.json")
    with pytest.raises(Unauthorized, match="jku not allowed"):
        await auth.authenticate(request(forged, client="127.0.0.1"))


async def test_development_trusts_the_sandbox_with_its_jku(engine, ec, clock):
    """The sandbox's keys come from its allowed jku (served here by a mock transport, no internet)."""
    calls: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(str(req.url))
        return httpx.Response(200, json=jwks(ec))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        auth = build_authenticator(settings(), engine, client)
        auth._clock = clock  # the fixed test clock
        ctx = await auth.authenticate(request(token(ec, claims(iss=SANDBOX_ISS), jku=SANDBOX_JKU)))
    assert ctx.authenticated and ctx.issuer == SANDBOX_ISS and ctx.fhir_servers is None
    assert calls == [SANDBOX_JKU]


async def test_production_requires_a_token_even_from_loopback(tmp_path, engine, http_client):
    path = write_issuers(tmp_path, [{"iss": ISS, "jwks": {"keys": []}, "fhir_servers": [FHIR]}])
    auth = build_authenticator(
        settings(env="production", trusted_issuers=path, public_base_url="https://cds.example.org"), engine, http_client
    )
    with pytest.raises(Unauthorized, match="no credentials"):
        await auth.authenticate(request(None, client="127.0.0.1"))


async def test_production_refuses_a_fhir_server_outside_the_allowlist(tmp_path, engine, http_client, ec, clock):
    path = write_issuers(tmp_path, [{"iss": ISS, "jwks": jwks(ec), "fhir_servers": [FHIR]}])
    auth = build_authenticator(
        settings(env="production", trusted_issuers=path, public_base_url="https://cds.example.org"), engine, http_client
    )
    auth._clock = clock
    tok = token(ec, claims(aud="https://cds.example.org/cds-services/bone-health"))
    ctx = await auth.authenticate(request(tok, client="10.1.2.3"))
    ctx.check_fhir_server(FHIR)
    with pytest.raises(ForbiddenFhirServer):
        ctx.check_fhir_server("https://attacker.example/fhir")


# --- production start-up checks --------------------------------------------------------------


def test_development_needs_nothing():
    check_production(settings())


def test_production_names_everything_missing():
    with pytest.raises(ProductionConfigError) as info:
        check_production(settings(env="production"))
    message = str(info.value)
    assert "CDS_PUBLIC_BASE_URL is not set" in message
    assert "CDS_TRUSTED_ISSUERS is not set" in message


def test_production_checks_each_issuer(tmp_path):
    path = write_issuers(
        tmp_path,
        [
            {"iss": SANDBOX_ISS, "jku": [SANDBOX_JKU], "fhir_servers": ["https://launch.smarthealthit.org/v/r4/fhir"]},
            {"iss": ISS, "jwks_url": "http://ehr.example.org/jwks", "fhir_servers": ["http://ehr.example.org/fhir"]},
            {"iss": "https://other.example", "jku": ["https://other.example/jwks"]},
        ],
    )
    with pytest.raises(ProductionConfigError) as info:
        check_production(settings(env="production", trusted_issuers=path, public_base_url="http://cds.example.org"))
    message = str(info.value)
    assert "CDS_PUBLIC_BASE_URL must be an https URL" in message
    assert f"issuer {SANDBOX_ISS}: the public CDS Hooks sandbox is refused" in message
    assert f"issuer {ISS}: jwks_url http://ehr.example.org/jwks is not https" in message
    assert f"issuer {ISS}: fhir_server http://ehr.example.org/fhir is not https" in message
    assert "issuer https://other.example: fhir_servers is missing or empty" in message


def test_production_reports_an_unreadable_issuer_file(tmp_path):
    with pytest.raises(ProductionConfigError, match="cannot read trusted issuers file"):
        check_production(settings(env="production", trusted_issuers=str(tmp_path / "missing.yaml"), public_base_url="https://x.example"))


def test_production_accepts_a_complete_configuration(tmp_path):
    path = write_issuers(tmp_path, [{"iss": ISS, "jwks_url": "https://ehr.example.org/jwks", "fhir_servers": [FHIR]}])
    check_production(settings(env="production", trusted_issuers=path, public_base_url="https://cds.example.org"))


def test_build_authenticator_refuses_bad_production_config(engine):
    with pytest.raises(ProductionConfigError):
        build_authenticator(settings(env="production"), engine, httpx.AsyncClient())


def test_the_example_issuer_file_passes_the_production_check():
    check_production(settings(env="production", trusted_issuers=str(REPO / "docker/issuers.example.yaml"),
                              public_base_url="https://cds.example.org"))


# --- issuer files ------------------------------------------------------------------------------


def test_json_and_yaml_issuer_files(tmp_path, ec):
    (tmp_path / "keys.json").write_text(json.dumps(jwks(ec)))
    entry = {"iss": ISS, "jwks_file": "keys.json", "jku": ["https://ehr.example.org/jwks"], "fhir_servers": [FHIR + "/"],
             "tenants": ["t1"], "algorithms": ["ES384"]}
    for name in ("issuers.json", "issuers.yaml"):
        (issuer,) = load_issuers(write_issuers(tmp_path, [entry], name))
        assert issuer.jwks == jwks(ec)
        assert issuer.jku == ("https://ehr.example.org/jwks",)
        assert issuer.fhir_servers == (FHIR,)
        assert issuer.tenants == ("t1",) and issuer.algorithms == ("ES384",)


@pytest.mark.parametrize(
    "entry",
    [
        {"iss": ISS},  # no keys
        {"jwks_url": "https://x/jwks"},  # no iss
        {"iss": ISS, "jwks_url": "https://x/jwks", "algorithms": ["HS256"]},
        {"iss": ISS, "jwks_url": "https://x/jwks", "algorithms": ["none"]},
        {"iss": ISS, "jwks": {"not": "a jwks"}},
    ],
)
def test_bad_issuer_entries(tmp_path, entry):
    with pytest.raises(IssuerConfigError):
        load_issuers(write_issuers(tmp_path, [entry]))


def test_hmac_in_service_wide_algorithms_is_refused(engine):
    with pytest.raises(IssuerConfigError):
        build_authenticator(settings(jwt_algorithms="ES384,HS256"), engine, httpx.AsyncClient())
