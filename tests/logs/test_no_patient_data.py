"""With every logger at DEBUG, realistic work leaves no token, JWT or patient data in the logs.

Part one drives the pieces directly (authentication with a failing and a replayed token, an httpx
FHIR fetch with a bearer token and a patient id in the query, a failing fetch, SQL with patient data
as parameters, exceptions whose messages hold patient data, uvicorn's access line). Part two goes
through the real app: a service call whose data comes from the FHIR server (one search failing), a
replayed and a forged token, and feedback whose free-text comment names the patient.
"""

from __future__ import annotations

import copy
import logging
import re
import socket
import time
import uuid
from datetime import date

import httpx
import pydantic
import pytest
import structlog
import yaml
from sqlalchemy import create_engine, text

from cds_service.hooks import PATIENT, prefetch_templates
from cds_service.auth.base import Unauthorized
from cds_service.auth.issuers import Issuer
from cds_service.auth.jwks import JwksCache
from cds_service.auth.jwt import JwtAuthenticator
from cds_service.auth.replay import SqlReplayStore
from cds_service.logs import CALL_EVENT, log_call
from tests.api.bodies import PATIENT_VIEW
from tests.api.conftest import serve
from tests.auth.helpers import ISS, JwksServer, claims, ec_key, jwks, request, token
from tests.fhirserver import Reply, start_fhir_server

PID = "PAT-8c1f-77"
FAMILY = "Jansenius"
GIVEN = "Annaliese"
BIRTH = "1948-03-12"
LAB = "48.731"
ACCESS = "opaque-access-SECRET-7f3a"
LAB_RE = re.compile(r"(?<![\d.])48\.731(?!\d)")

PATIENT_RESOURCE = {
    "resourceType": "Patient", "id": PID, "gender": "female", "birthDate": BIRTH,
    "name": [{"family": FAMILY, "given": [GIVEN]}],
}


def observation(code: str) -> dict:
    system, _, value = code.partition("|")
    return {
        "resourceType": "Observation", "id": "obs-1", "status": "final",
        "code": {"coding": [{"system": system, "code": value}]},
        "subject": {"reference": f"Patient/{PID}"}, "effectiveDateTime": "2025-03-01",
        "valueQuantity": {"value": float(LAB), "unit": "nmol/L", "system": "http://unitsofmeasure.org", "code": "nmol/L"},
    }


def assert_clean(output: str, *secrets: str) -> None:
    for secret in (PID, FAMILY, GIVEN, BIRTH, ACCESS, *secrets):
        assert secret not in output, f"{secret!r} leaked into the logs"
    assert not LAB_RE.search(output), "a lab value leaked into the logs"


def jwt_parts(tok: str) -> list[str]:
    return [tok, *[part for part in tok.split(".") if len(part) > 8]]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_direct_operations_leave_no_patient_data(captured, tmp_path):
    key = ec_key("k1")
    jwks_server = JwksServer(document=jwks(key)).start()
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    log = logging.getLogger("cds_service.fhir")
    try:
        with start_fhir_server() as fhir:
            fhir.resource(PATIENT_RESOURCE)
            fhir.search(f"Observation?patient={PID}&code=http://loinc.org|62292-8", [observation("http://loinc.org|62292-8")])
            async with httpx.AsyncClient() as client:
                auth = JwtAuthenticator(
                    [Issuer(iss=ISS, jku=(jwks_server.url,), fhir_servers=(fhir.base_url,))],
                    JwksCache(client), SqlReplayStore(engine), clock=lambda: claims()["iat"],
                )
                good = token(key, claims(), jku=jwks_server.url)
                await auth.authenticate(request(good))
                with pytest.raises(Unauthorized):
                    await auth.authenticate(request(good))  # replayed
                forged = token(ec_key("k1"), claims(), jku=jwks_server.url)
                with pytest.raises(Unauthorized):
                    await auth.authenticate(request(forged))

                headers = {"Authorization": f"Bearer {ACCESS}", "Accept": "application/fhir+json"}
                read = await client.get(f"{fhir.base_url}/Patient/{PID}", headers=headers)
                search = await client.get(
                    f"{fhir.base_url}/Observation", params={"patient": PID, "code": "http://loinc.org|62292-8"}, headers=headers
                )
                assert read.json()["birthDate"] == BIRTH and LAB in search.text  # the data did flow
                failing = f"http://127.0.0.1:{closed_port()}/fhir/Observation?patient={PID}"
                try:
                    await client.get(failing, headers=headers)
                except httpx.HTTPError:
                    log.warning("fhir.fetch_failed %s", failing, exc_info=True)

        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (pid TEXT PRIMARY KEY, name TEXT, born DATE, value REAL)"))
            conn.execute(text("INSERT INTO notes VALUES (:p, :n, :b, :v)"), {"p": PID, "n": FAMILY, "b": date(1948, 3, 12), "v": float(LAB)})
            list(conn.execute(text("SELECT * FROM notes")))
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO notes VALUES (:p, :n, :b, :v)"), {"p": PID, "n": GIVEN, "b": BIRTH, "v": 1})
        except Exception:
            logging.getLogger("cds_service.storage").exception("write failed")

        class Person(pydantic.BaseModel):
            age: int

        try:
            Person(age=f"{FAMILY} {BIRTH}")
        except pydantic.ValidationError:
            structlog.get_logger("cds_service.facts").exception("bad patient", patient_id=PID)
        try:
            raise KeyError(f"no Observation for Patient/{PID} value {LAB} born {BIRTH}")
        except KeyError:
            log.error("lookup failed", exc_info=True)
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:51234", "GET", f"/cds-services?patient={PID}", "1.1", 200
        )
        logging.getLogger("uvicorn.error").debug("request headers: authorization=Bearer %s", good)
        log_call(service="bone-health-patient-view", hook="patient-view", hook_instance=str(uuid.uuid4()), tenant=None,
                 issuer=ISS, duration_ms=12.5, cards=1, outcome="cards", fetched=["patient", "vitaminD"], missing=["kidney"])
    finally:
        jwks_server.stop()
        engine.dispose()

    output = captured.text
    assert_clean(output, *jwt_parts(good), *jwt_parts(forged))
    events = captured.events
    names = {e["logger"] for e in events}
    assert {"httpx", "sqlalchemy.engine.Engine", "cds_service.auth", "uvicorn.access", "cds_service.call"} <= names
    assert any(e["event"] == "auth.rejected" and e["reason"] == "replayed jti" for e in events)
    assert any(e["event"] == "auth.rejected" and e["reason"] == "bad signature" for e in events)
    assert any(e["event"].startswith("HTTP Request: GET") and "Observation?[redacted]" in e["event"] for e in events)
    assert any("Patient/[id]" in e["event"] for e in events)
    assert any(e.get("exception", "").startswith("ConnectError") for e in events)
    assert any(e.get("exception", "").startswith("IntegrityError") for e in events)
    assert any(e.get("exception", "").startswith("ValidationError") for e in events)
    assert any(e["event"] == CALL_EVENT for e in events)
    assert "Traceback" not in output


async def test_calls_through_the_app_leave_no_patient_data(captured, tmp_path, app_factory):
    from cds_service.knowledge.loader import load_knowledge

    knowledge = load_knowledge()
    key = ec_key("app-1")
    jwks_server = JwksServer(document=jwks(key)).start()
    tokens: list[str] = []
    try:
        with start_fhir_server() as fhir:
            fhir.resource(PATIENT_RESOURCE)
            for name, template in prefetch_templates(knowledge).items():
                query = template.replace(PATIENT, PID)
                if name == "vitaminD":
                    codes = query.split("code=")[1].split("&")[0]
                    fhir.search(query, [observation(codes.split(",")[0])])
                elif name == "conditions":
                    fhir.on(query, Reply(status=500))  # a failing fetch
                elif name != "patient":
                    fhir.search(query, [])
            issuers = tmp_path / "issuers.yaml"
            issuers.write_text(yaml.safe_dump(
                {"issuers": [{"iss": ISS, "jku": [jwks_server.url], "fhir_servers": [fhir.base_url]}]}
            ))
            app = app_factory(knowledge=knowledge, trusted_issuers=issuers)

            def fresh(path: str) -> str:
                now = int(time.time())
                tok = token(key, claims(aud=f"http://testserver{path}", iat=now, exp=now + 300), jku=jwks_server.url)
                tokens.append(tok)
                return tok

            pv = "/cds-services/bone-health-patient-view"
            body = copy.deepcopy(PATIENT_VIEW)
            body["context"]["patientId"] = PID
            body["prefetch"] = {}
            body["fhirServer"] = fhir.base_url
            body["fhirAuthorization"] = {"access_token": ACCESS, "token_type": "Bearer", "expires_in": 300,
                                         "scope": "patient/*.read", "subject": "cds-service"}
            async with serve(app, client_addr=("10.1.2.3", 50000)) as client:
                tok = fresh(pv)
                first = await client.post(pv, json=body, headers={"authorization": f"Bearer {tok}"})
                assert first.status_code == 200, first.text
                replay = await client.post(pv, json=body, headers={"authorization": f"Bearer {tok}"})
                assert replay.status_code == 401
                forged = token(ec_key("app-1"), claims(aud=f"http://testserver{pv}"), jku=jwks_server.url)
                tokens.append(forged)
                assert (await client.post(pv, json=body, headers={"authorization": f"Bearer {forged}"})).status_code == 401
                feedback = {"feedback": [{
                    "card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2025-06-02T09:31:00Z",
                    "overrideReason": {"reason": {"code": "patient-declined", "system": "https://example.org/reasons"},
                                       "userComment": f"{GIVEN} {FAMILY} ({BIRTH}) declined, 25-OH-D {LAB}"},
                }]}
                fb = await client.post(pv + "/feedback", json=feedback, headers={"authorization": f"Bearer {fresh(pv + '/feedback')}"})
                assert fb.status_code == 200, fb.text
            assert fhir.requests_to(f"Patient/{PID}"), "the FHIR fallback did not run"
            assert all(r.authorization == f"Bearer {ACCESS}" for r in fhir.requests)
    finally:
        jwks_server.stop()

    output = captured.text
    assert_clean(output, *[p for tok in tokens for p in jwt_parts(tok)])
    events = captured.events
    assert any(e["logger"] == "httpx" and "Patient/[id]" in e["event"] for e in events)
    assert any(e["logger"].startswith("sqlalchemy") for e in events)
    assert any(e.get("reason") == "replayed jti" for e in events)
    assert "Traceback" not in output
