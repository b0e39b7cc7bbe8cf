"""Redaction rules, the call event, pseudonyms and the console format."""

from __future__ import annotations

import io
import logging
from types import SimpleNamespace

import pytest
import structlog

from cds_service.logs import CALL_EVENT, configure_logging, log_call, pseudonymise, redact, redact_exception

JWT = "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL3gifQ.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        (f"token {JWT} seen", JWT, "[jwt]"),
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz", "Authorization: [redacted]"),
        ("sent Bearer abc.DEF-123_xyz to", "abc.DEF-123_xyz", "Bearer [redacted] to"),
        ('{"access_token": "opaque-SECRET", "token_type": "Bearer"}', "opaque-SECRET", '"access_token": "[redacted]"'),
        ("GET https://ehr.example/fhir/Observation?patient=PAT-77&code=x HTTP/1.1", "PAT-77", "Observation?[redacted]"),
        ("GET /fhir/Patient/PAT-77 200", "PAT-77", "Patient/[id]"),
        ("read Patient/PAT-77/_history/2", "PAT-77", "Patient/[id]"),
        ("born 1948-03-12 here", "1948-03-12", "[date]"),
        ("at 2025-06-02T09:30:00+02:00", "2025-06-02", "[date]"),
        ("https://user:hunter2@ehr.example/fhir", "hunter2", "[redacted]@ehr.example"),
        ("[SQL: INSERT INTO t VALUES (?)] [parameters: ('PAT-77',)] (Background", "PAT-77", "[parameters: [redacted]]"),
    ],
)
def test_redact(text, secret, kept):
    out = redact(text)
    assert secret not in out
    assert kept in out


def test_redact_keeps_harmless_text():
    text = '127.0.0.1:5000 - "POST /cds-services/bone-health-patient-view HTTP/1.1" 200'
    assert redact(text) == text


def test_exception_summary_has_no_literals_or_numbers():
    exc = ValueError("1 validation error for Patient birthDate input_value='1948-03-12' value 48.731")
    out = redact_exception(exc)
    assert out.startswith("ValueError: ")
    assert "1948" not in out and "48.731" not in out


def test_pseudonymise_is_keyed_and_stable():
    a = pseudonymise("PAT-77", "secret-1")
    assert a == pseudonymise("PAT-77", b"secret-1")
    assert a != pseudonymise("PAT-77", "secret-2") != pseudonymise("PAT-78", "secret-1")
    assert len(a) == 32 and "PAT" not in a
    with pytest.raises(ValueError):
        pseudonymise("PAT-77", "")


def test_call_event_fields(captured):
    log_call(service="bone-health-patient-view", hook="patient-view", hook_instance="hi-1", tenant="t1",
             issuer="https://ehr.example", duration_ms=12.345, cards=2, outcome="cards",
             fetched={"vitaminD", "patient"}, missing=["kidney"], problems={"kidney": "timeout"}, status=200)
    (event,) = [e for e in captured.events if e["event"] == CALL_EVENT]
    assert event == {
        "event": CALL_EVENT, "level": "info", "logger": "cds_service.call", "service": "bone-health-patient-view",
        "hook": "patient-view", "hookInstance": "hi-1", "tenant": "t1", "issuer": "https://ehr.example",
        "duration_ms": 12.3, "cards": 2, "outcome": "cards", "fetched": ["patient", "vitaminD"],
        "missing": ["kidney"], "problems": {"kidney": "timeout"}, "status": 200, "time": event["time"],
    }


def test_sensitive_fields_are_dropped_whatever_the_logger(captured):
    structlog.get_logger("cds_service.x").info("ctx", patient="PAT-77", birthDate="1948-03-12", name="Jansen")
    logging.getLogger("cds_service.y").info("ctx", extra={"patientId": "PAT-77", "fhirAuthorization": {"access_token": "x"}})
    assert "PAT-77" not in captured.text and "Jansen" not in captured.text
    assert captured.text.count("[redacted]") >= 5


def test_configure_is_idempotent_and_takes_over_other_handlers(captured):
    root = logging.getLogger()
    stray = logging.StreamHandler(io.StringIO())
    root.addHandler(stray)
    logging.getLogger("uvicorn.access").addHandler(logging.StreamHandler(io.StringIO()))
    stream = io.StringIO()
    configure_logging(SimpleNamespace(log_level="INFO", log_json=False), stream=stream)
    configure_logging(SimpleNamespace(log_level="INFO", log_json=False), stream=stream)
    assert stray not in root.handlers
    assert logging.getLogger("uvicorn.access").handlers == []
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/x?patient=PAT-77", "1.1", 200)
    text = stream.getvalue()
    assert text.count("HTTP/1.1") == 1  # one handler, console format
    assert "PAT-77" not in text and "/x?[redacted]" in text


def test_httpcore_and_sqlalchemy_are_quiet_unless_debug(captured):
    configure_logging(SimpleNamespace(log_level="INFO", log_json=True), stream=io.StringIO())
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("sqlalchemy").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.INFO


def test_uvicorn_access_line_is_off_when_asked(captured):
    """The service runs with log_access off: uvicorn then finds no handler and skips the line."""
    configure_logging(SimpleNamespace(log_level="INFO", log_json=True, log_access=False), stream=io.StringIO())
    assert not logging.getLogger("uvicorn.access").hasHandlers()
    configure_logging(SimpleNamespace(log_level="INFO", log_json=True), stream=io.StringIO())
    assert logging.getLogger("uvicorn.access").hasHandlers()
