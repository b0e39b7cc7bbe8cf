"""Hook-call logs: one cds.call event per call, with no patient data or tokens."""

from __future__ import annotations

import logging

from tests.api.bodies import PATIENT_VIEW, body


async def test_hook_call_log_has_no_patient_data_or_token(client, caplog):
    caplog.set_level(logging.DEBUG)
    request = body(
        PATIENT_VIEW,
        fhirServer="http://localhost:8080/fhir",  # a loopback server: allowed without a token
        fhirAuthorization={"access_token": "secret-token-xyz", "token_type": "Bearer", "expires_in": 60,
                           "scope": "patient/*.read", "subject": "cds"},
    )
    request["context"] = {**request["context"], "patientId": "patient-7788"}
    request["prefetch"] = {"patient": {**request["prefetch"]["patient"], "id": "patient-7788"}}
    response = await client.post("/cds-services/bone-health-patient-view", json=request)
    assert response.status_code == 200
    assert "cds.call" in caplog.text
    assert "patient-7788" not in caplog.text and "secret-token-xyz" not in caplog.text
