"""Log format: one JSON object per line when CDS_LOG_JSON is set; no patient data in hook-call logs."""

from __future__ import annotations

import json
import logging

import pytest

from cds_service.api.logs import JsonFormatter, configure_logging
from cds_service.config import Settings
from tests.api.bodies import PATIENT_VIEW, body


def test_json_formatter_includes_extra_fields():
    record = logging.LogRecord("cds_service.api", logging.INFO, __file__, 1, "hook call %s", ("x",), None)
    record.service = "bone-health-patient-view"
    record.unknown = ["kidney"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hook call x" and entry["level"] == "INFO"
    assert entry["service"] == "bone-health-patient-view" and entry["unknown"] == ["kidney"]


def test_configure_logging_is_idempotent(capsys):
    logger = logging.getLogger("cds_service")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        settings = Settings(log_json=True, log_level="INFO")
        configure_logging(settings)
        configure_logging(settings)
        assert len([h for h in logger.handlers if getattr(h, "_cds_service", False)]) == 1
        logging.getLogger("cds_service.test").info("hello", extra={"k": 1})
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert json.loads(line)["k"] == 1
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


async def test_hook_call_log_has_no_patient_data_or_token(client, caplog):
    caplog.set_level(logging.DEBUG)
    request = body(
        PATIENT_VIEW,
        fhirServer="https://ehr.example.org/fhir",
        fhirAuthorization={"access_token": "secret-token-xyz", "token_type": "Bearer", "expires_in": 60,
                           "scope": "patient/*.read", "subject": "cds"},
    )
    request["context"] = {**request["context"], "patientId": "patient-7788"}
    request["prefetch"] = {"patient": {**request["prefetch"]["patient"], "id": "patient-7788"}}
    response = await client.post("/cds-services/bone-health-patient-view", json=request)
    assert response.status_code == 200
    assert "hook call" in caplog.text
    assert "patient-7788" not in caplog.text and "secret-token-xyz" not in caplog.text
