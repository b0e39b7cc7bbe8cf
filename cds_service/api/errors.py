"""Error answers: every non-2xx reply carries a FHIR ``OperationOutcome``.

Diagnostics are fixed texts written here, never copied from the request, so they cannot echo
patient data back to the client or into a log.
"""

from __future__ import annotations

from typing import Mapping

import orjson
from starlette.responses import Response

JSON = "application/json; charset=utf-8"

# HTTP status -> default OperationOutcome issue code (FHIR IssueType)
_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    412: "not-found",
    413: "too-long",
    415: "not-supported",
    431: "too-long",
    500: "exception",
    503: "transient",
}


class ApiError(Exception):
    """An error answer: HTTP status, OperationOutcome issue code and a fixed diagnostic text."""

    def __init__(
        self, status: int, diagnostics: str, *, code: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code or _CODES.get(status, "processing")
        self.diagnostics = diagnostics
        self.headers = dict(headers or {})


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def error_response(error: ApiError) -> Response:
    body = orjson.dumps(operation_outcome(error.code, error.diagnostics))
    return Response(body, status_code=error.status, media_type=JSON, headers=error.headers)


def json_response(content: object, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type=JSON)
