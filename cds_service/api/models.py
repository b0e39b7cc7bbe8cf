"""Slim request models (CDS Hooks 1.0, 2.0 and 3.0): unknown fields are ignored, types are strict.

Error messages name fields and expectations only, never the values sent (they may be patient data).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Any, Collection, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cds_service.api.body import loads_object
from cds_service.api.errors import ApiError
from cds_service.fhir.model import Lenient, Resource
from cds_service.hooks import ORDER_HOOKS

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
NOT_A_UUID = "not-a-uuid"
NOT_A_RESOURCE: Any = object()  # a prefetch value that is neither a JSON object nor null


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
    # Each value read by the read model (cds_service.fhir.model) in the same pass: a resource of
    # only the fields the service reads, or null; anything else is NOT_A_RESOURCE here and a 400
    # for a key we asked for. (The OpenAPI document shows them as JSON objects: HookRequestDocument.)
    prefetch: dict[str, Annotated[Resource | None, Lenient(NOT_A_RESOURCE)]] | None = None
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


class HookRequestDocument(HookRequest):
    """:class:`HookRequest` as the OpenAPI document shows it: prefetch values are FHIR resources
    (any JSON object) or null, as CDS Hooks defines them, not the read model's fields."""

    __qualname__ = "HookRequest"  # its name in the document
    prefetch: dict[str, dict[str, Any] | None] | None = None  # type: ignore[assignment]


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
    """Validate a parsed service-call body for the service's hook, or raise a 400 :class:`ApiError`.

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
    return _checked(request, expected_hook)


def parse_hook_json(raw: bytes, expected_hook: str, prefetch_keys: Collection[str] | None = None) -> HookRequest:
    """Validate a service-call body straight from its bytes (the hot path), or raise a 400.

    One pass in pydantic-core: the JSON is parsed and the prefetch read into the read model at once
    (measured, issue 11: about the cost of ``orjson.loads`` alone, 1.4 ms for 100 resources). A body
    that does not validate takes the orjson path (:func:`parse_hook_request`), so every refusal,
    and its message, is as it was; so does one nested deeper than pydantic-core parses (200 levels,
    orjson 1024). What this parser accepts and orjson does not: ``NaN`` / ``Infinity`` and numbers
    beyond the float range in a valid request; in the read model they are unknown values.
    """
    try:
        request = HookRequest.model_validate_json(raw)
    except ValidationError:
        return parse_hook_request(loads_object(raw), expected_hook, prefetch_keys)
    prefetch = request.prefetch
    if prefetch_keys is not None and prefetch is not None and any(k not in prefetch_keys for k in prefetch):
        request = request.model_copy(update={"prefetch": {k: v for k, v in prefetch.items() if k in prefetch_keys}})
    return _checked(request, expected_hook)


def _checked(request: HookRequest, expected_hook: str) -> HookRequest:
    bad = [k for k, v in (request.prefetch or {}).items() if v is NOT_A_RESOURCE]
    if bad:
        raise ApiError(400, "; ".join(f"prefetch.{k}: Input should be a FHIR resource (a JSON object) or null" for k in bad[:3]))
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
