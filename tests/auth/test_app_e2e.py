"""End to end through the real app (create_app wires cds_service.auth.factory.build_authenticator)."""

from __future__ import annotations

import copy
import time
import uuid

import pytest
import yaml

from cds_service.auth.jwt import JwtAuthenticator
from tests.api.bodies import PATIENT_VIEW
from tests.api.conftest import serve

from .helpers import ISS, ec_key, jwks, token

BASE = "https://cds.example.org"
PV = "/cds-services/bone-health-patient-view"
FHIR_OK = "https://ehr.example.org/fhir/R4"


def live(aud: str, **extra) -> dict:
    now = int(time.time())  # the app's authenticator runs on the real clock
    return {"iss": ISS, "aud": aud, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4()), **extra}


@pytest.fixture(scope="module")
def knowledge():
    from cds_service.knowledge.loader import load_knowledge

    return load_knowledge()


@pytest.fixture
def key():
    return ec_key("e2e-1")


@pytest.fixture
def production_app(tmp_path, app_factory, knowledge, key):
    path = tmp_path / "issuers.yaml"
    path.write_text(yaml.safe_dump({"issuers": [{"iss": ISS, "jwks": jwks(key), "fhir_servers": [FHIR_OK]}]}))
    return app_factory(knowledge=knowledge, env="production", trusted_issuers=path, public_base_url=BASE)


def bearer(tok: str) -> dict[str, str]:
    return {"authorization": f"Bearer {tok}"}


async def test_the_app_uses_the_jwt_authenticator(production_app):
    async with serve(production_app):
        assert isinstance(production_app.state.authenticator, JwtAuthenticator)


async def test_production_bad_tokens_get_a_bare_401(production_app, key):
    other = ec_key("e2e-1")  # same kid, different key
    async with serve(production_app, client_addr=("127.0.0.1", 50000)) as client:
        cases = {
            "none": {},
            "garbage": bearer("garbage"),
            "forged": bearer(token(other, live(BASE + PV))),
            "wrong aud": bearer(token(key, live("http://127.0.0.1:8000" + PV))),
        }
        for name, headers in cases.items():
            response = await client.post(PV, json=PATIENT_VIEW, headers=headers)
            assert response.status_code == 401, name
            assert response.headers["www-authenticate"] == "Bearer"
            text = response.text
            for detail in ("kid", "aud", "signature", "malformed", "bearer token", "issuer"):
                assert detail not in text.lower(), (name, detail)


async def test_production_valid_token_replay_and_discovery(production_app, key):
    async with serve(production_app, client_addr=("10.1.2.3", 50000)) as client:
        discovery = await client.get("/cds-services", headers=bearer(token(key, live(BASE + "/cds-services"))))
        assert discovery.status_code == 200
        tok = token(key, live(BASE + PV))
        first = await client.post(PV, json=PATIENT_VIEW, headers=bearer(tok))
        assert first.status_code == 200
        again = await client.post(PV, json=PATIENT_VIEW, headers=bearer(tok))
        assert again.status_code == 401
        # a token for the service is not valid for its feedback endpoint
        wrong = await client.post(PV + "/feedback", json={"feedback": []}, headers=bearer(token(key, live(BASE + PV))))
        assert wrong.status_code == 401


async def test_production_fhir_server_outside_the_allowlist_is_403(production_app, key):
    body = copy.deepcopy(PATIENT_VIEW)
    body["prefetch"] = {}
    body["fhirServer"] = "https://attacker.example/fhir"
    body["fhirAuthorization"] = {"access_token": "t0ken", "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "cds"}
    async with serve(production_app, client_addr=("10.1.2.3", 50000)) as client:
        response = await client.post(PV, json=body, headers=bearer(token(key, live(BASE + PV))))
    assert response.status_code == 403  # the fetch layer checks before any request (no DNS for attacker.example)


async def test_preflight_needs_no_token(tmp_path, app_factory, knowledge, key):
    path = tmp_path / "issuers.yaml"
    path.write_text(yaml.safe_dump({"issuers": [{"iss": ISS, "jwks": jwks(key), "fhir_servers": [FHIR_OK]}]}))
    app = app_factory(knowledge=knowledge, env="production", trusted_issuers=path, public_base_url=BASE,
                      cors_origins=["https://sandbox.cds-hooks.org"])
    async with serve(app, client_addr=("10.1.2.3", 50000)) as client:
        response = await client.options(PV, headers={
            "origin": "https://sandbox.cds-hooks.org", "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type"})
        assert response.status_code == 200
        assert (await client.post(PV, json=PATIENT_VIEW)).status_code == 401  # the call itself still needs one


async def test_development_loopback_without_token_is_allowed_but_not_remote(app_factory, knowledge):
    app = app_factory(knowledge=knowledge)
    async with serve(app, client_addr=("127.0.0.1", 50000)) as client:
        assert (await client.post(PV, json=PATIENT_VIEW)).status_code == 200
        assert (await client.post(PV, json=PATIENT_VIEW, headers=bearer("bad"))).status_code == 401
    async with serve(app, client_addr=("10.1.2.3", 50000)) as client:
        response = await client.post(PV, json=PATIENT_VIEW, headers={"x-forwarded-for": "127.0.0.1"})
        assert response.status_code == 401
