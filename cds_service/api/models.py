"""Slim request models (CDS Hooks 1.0, 2.0 and 3.0): unknown fields are ignored, types are strict.

Error messages name fields and expectations only, never the values sent (they may be patient data).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Collection, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cds_service.api.errors import ApiError
from cds_service.hooks import ORDER_HOOKS

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
NOT_A_UUID = "not-a-uuid"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class FhirAuthorization(_In):
    access_token: str = Field(min_length=1)
    token_type: str | None = None
    expires_in: Any = None
    scope: str | None = None
    subject: str | None = None
    patient: str | None = None

    def __repr__(self) -> str:  # never show the token in a traceback or log
        return "FhirAuthorization(access_token=***)"


class HookRequest(_In):
    hook: str = Field(min_length=1, max_length=200)
    hookInstance: str = Field(min_length=1, max_length=200)
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, dict[str, Any] | None] | None = None
    extension: dict[str, Any] | None = None

    @field_validator("fhirServer")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("fhirServer must be an absolute http(s) base URL")
        return value

    @property
    def hook_instance_key(self) -> str:
        """``hookInstance`` for logs and records: the UUID in canonical form, else ``"not-a-uuid"``.

        Every CDS Hooks version makes it a UUID; other values are accepted (robustness: the call
        is still answerable) but never logged or stored, since free text could carry anything.
        """
        try:
            return str(UUID(self.hookInstance.removeprefix("urn:uuid:")))
        except ValueError:
            return NOT_A_UUID

    @property
    def patient_id(self) -> str:
        return self.context["patientId"]

    @property
    def access_token(self) -> str | None:
        return self.fhirAuthorization.access_token if self.fhirAuthorization else None


class CodingIn(_In):  # lengths as stored (cds_service.storage.db): longer is a 400, not a 503
    system: str | None = Field(None, max_length=500)
    code: str | None = Field(None, max_length=200)
    display: str | None = Field(None, max_length=500)


class OverrideReasonIn(_In):
    reason: CodingIn | None = None
    userComment: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "OverrideReasonIn":
        if self.reason is None and not self.userComment:
            raise ValueError("overrideReason needs a reason or a userComment (cds-fb-3)")
        return self


class AcceptedSuggestion(_In):
    id: str = Field(min_length=1, max_length=200)


class FeedbackItem(_In):
    card: str
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReasonIn | None = None
    outcomeTimestamp: str

    @field_validator("card")
    @classmethod
    def _uuid(cls, value: str) -> str:
        try:
            return str(UUID(value))
        except ValueError:
            raise ValueError("card must be the card's uuid") from None

    @field_validator("outcomeTimestamp")
    @classmethod
    def _instant(cls, value: str) -> str:
        return utc_instant(value)

    @model_validator(mode="after")
    def _accepted(self) -> "FeedbackItem":
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is required when the outcome is accepted (cds-fb-2)")
        return self


class FeedbackRequest(_In):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=1000)


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def utc_instant(value: str) -> str:
    """An RFC 3339 timestamp with an offset, normalised to UTC ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    if not _RFC3339.match(value):
        raise ValueError("outcomeTimestamp must be an RFC 3339 timestamp in UTC, e.g. 2021-12-11T10:05:31Z")
    text = value.upper().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python parses at most 6 fractional digits
        found = re.match(r"\d+", rest)
        if found is None:  # not reached: the pattern above requires digits after the dot
            raise ValueError("outcomeTimestamp is not a valid date and time")
        digits = found.group(0)
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("outcomeTimestamp is not a valid date and time") from None
    try:  # the UTC instant must itself be a date and time: years 0001-9999
        moment = moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("outcomeTimestamp is outside the years 0001-9999 once converted to UTC") from None
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds").replace("+00:00", "Z")


def validation_message(error: ValidationError, prefix: str = "") -> str:
    """A short, value-free description of the first few validation errors."""
    parts = []
    for item in error.errors(include_url=False, include_input=False, include_context=False)[:3]:
        loc = ".".join(str(p) for p in item["loc"])
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{prefix}{loc}: {msg}" if loc else f"{prefix}{msg}")
    return "; ".join(parts) or "invalid request"


def parse_hook_request(
    body: dict[str, Any], expected_hook: str, prefetch_keys: Collection[str] | None = None
) -> HookRequest:
    """Validate a service-call body for the service's hook, or raise a 400 :class:`ApiError`.

    With ``prefetch_keys`` (the service's own keys), prefetch keys the service did not ask for
    are dropped unseen, whatever their value: only the keys we asked for are our business.
    """
    prefetch = body.get("prefetch")
    if prefetch_keys is not None and isinstance(prefetch, dict):
        body = {**body, "prefetch": {k: v for k, v in prefetch.items() if k in prefetch_keys}}
    try:
        request = HookRequest.model_validate(body)
    except ValidationError as exc:
        raise ApiError(400, validation_message(exc)) from None
    if request.hook != expected_hook:
        raise ApiError(400, f"This service answers the '{expected_hook}' hook only.")
    context = request.context
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not FHIR_ID.match(patient_id):
        raise ApiError(400, "context.patientId is required and must be a FHIR resource id.")
    if request.hook in ORDER_HOOKS:
        draft = context.get("draftOrders")
        if not isinstance(draft, dict) or draft.get("resourceType", "Bundle") != "Bundle":
            raise ApiError(400, "context.draftOrders is required and must be a FHIR Bundle.")
        if "entry" in draft and not isinstance(draft["entry"], list):
            raise ApiError(400, "context.draftOrders.entry must be an array.")
        selections = context.get("selections")
        if selections is not None and not (
            isinstance(selections, list) and all(isinstance(s, str) for s in selections)
        ):
            raise ApiError(400, "context.selections must be an array of references.")
    return request


def parse_feedback(body: dict[str, Any]) -> FeedbackRequest:
    try:
        return FeedbackRequest.model_validate(body)
    except ValidationError as exc:
        raise ApiError(400, validation_message(exc)) from None
