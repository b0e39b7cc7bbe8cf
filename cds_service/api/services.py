"""CDS Hooks endpoints: discovery, service calls and feedback."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated

from fastapi import Path
from starlette.requests import Request
from starlette.responses import Response

from cds_service.api.body import read_json_bytes, read_json_object
from cds_service.hooks import ServiceDefinition
from cds_service.api.errors import JSON, ApiError
from cds_service.api.guideline import guideline_page_url
from cds_service.api.middleware import where
from cds_service.api.models import parse_feedback, parse_hook_json
from cds_service.auth.base import AuthContext, ForbiddenFhirServer, Unauthorized
from cds_service.cards.language import negotiate_language
from cds_service.cards.render import OVERRIDE_CODES
from cds_service.fhir.resolve import PatientUnavailable
from cds_service.logs import log_call
from cds_service.metrics.registry import record_auth_rejection, record_call, record_cards, record_feedback
from cds_service.pipeline import HookResult, StageError
from cds_service.storage.records import FeedbackRecord, IssuedCard, save_issued_cards
from cds_service.storage.suppress import SaveFeedback, active_suppressions, patient_key, user_key

log = logging.getLogger("cds_service.api")

FEEDBACK_WRITE_TIMEOUT = 5.0
ServiceId = Annotated[str, Path(description="a service id from discovery, e.g. bone-health-patient-view")]
ISSUED_WRITE_TIMEOUT = 2.0
NO_STORE = {"Cache-Control": "no-store"}  # cards carry patient data
# discovery changes only with a new release; private: in production it is an authenticated answer
DISCOVERY_CACHE = {"Cache-Control": "private, max-age=300"}
MAX_COMMENT = 2000


async def authenticate(request: Request) -> AuthContext:
    """Authenticate with the app's one authenticator; 401 with no detail on failure."""
    try:
        return await request.app.state.authenticator.authenticate(request)
    except Unauthorized as exc:  # the authenticator logs the reason (event auth.rejected)
        record_auth_rejection(str(exc))
        raise ApiError(
            401, "Authentication is required.", code="login", headers={"WWW-Authenticate": "Bearer"}
        ) from None


def _service(request: Request, service_id: str) -> ServiceDefinition:
    service = request.app.state.catalogue.get(service_id)
    if service is None:
        raise ApiError(404, "No CDS service with this id; see GET /cds-services.")
    return service


async def discovery(request: Request) -> Response:
    await authenticate(request)
    return Response(request.app.state.discovery_body, media_type=JSON, headers=DISCOVERY_CACHE)


async def call_service(request: Request, service_id: ServiceId) -> Response:
    started = time.perf_counter()
    state = request.app.state
    service = _service(request, service_id)
    try:
        auth = await authenticate(request)
        raw = await read_json_bytes(request, state.settings.max_body_bytes)
        hook_request = parse_hook_json(raw, service.hook, service.prefetch.keys())
    except ApiError as exc:  # refused before the pipeline: counted by status (http-400, http-401 ...)
        record_call(service.id, f"http-{exc.status}", time.perf_counter() - started)
        raise
    language = negotiate_language(request.headers.get("accept-language"), default=state.settings.default_language)

    def done(status: int, outcome: str, result: HookResult | None = None) -> None:
        seconds = time.perf_counter() - started
        record_call(service.id, outcome, seconds)
        log_call(
            service=service.id, hook=service.hook, hook_instance=hook_request.hook_instance_key,
            tenant=auth.tenant, issuer=auth.issuer, duration_ms=seconds * 1000,
            cards=len(result.cards) if result else 0, outcome=outcome, status=status,
            fetched=result.data.fetched if result else (), missing=result.data.unknown if result else (),
            problems=result.data.problems if result else None,
        )

    scope = auth.tenant or auth.issuer
    patient = patient_key(state.pseudonym_secret, scope, hook_request.patient_id)
    try:
        suppressed = await _suppressed(request, patient)
        result: HookResult = await state.pipeline.call(
            service, hook_request, auth=auth, language=language, guideline_page=guideline_page_url(request),
            suppressed=suppressed,
        )
    except ForbiddenFhirServer:
        done(403, "forbidden-fhir-server")
        raise ApiError(403, "The fhirServer is not allowed for this client.", code="forbidden") from None
    except PatientUnavailable:
        done(412, "patient-unavailable")
        raise ApiError(
            412,
            "The Patient resource could not be obtained from prefetch or from the FHIR server.",
            code="not-found",
        ) from None
    except StageError as exc:
        log.error("hook call failed in %s: %s at %s", exc.stage, type(exc.error).__name__, where(exc.error))
        done(500, "error")
        raise ApiError(500, f"An internal error occurred ({exc.stage}).", code="exception") from None
    user = user_key(state.pseudonym_secret, scope, hook_request.context.get("userId"))
    await _record_cards(request, service, hook_request.hook_instance_key, result, patient, user)
    record_cards(
        service.id,
        ((card.source.topic.code if card.source.topic else None, card.indicator) for card in result.cards),
        state.knowledge.recommendations,
    )
    done(200, "cards" if result.cards else "no-cards", result)
    return Response(result.body, media_type=JSON, headers=NO_STORE)


async def _suppressed(request: Request, patient: str) -> frozenset[str]:
    """The recommendation codes this patient's feedback suppresses now. A database that cannot be
    read suppresses nothing (a card too many, never one too few), and says so in the log."""
    state = request.app.state
    if not state.knowledge.suppressing_reasons:
        return frozenset()
    try:
        found = await asyncio.to_thread(active_suppressions, state.engine, patient, state.clock())
    except Exception as exc:
        log.error("suppressions not read: %s", type(exc).__name__)
        return frozenset()
    return frozenset(found)


async def _record_cards(
    request: Request, service: ServiceDefinition, hook_instance: str, result: HookResult,
    patient: str | None = None, user: str | None = None,
) -> None:
    """Write the issued-card records (pseudonymised patient and user keys, never ids) before the
    answer leaves.

    Every card a client has seen is then on record when its feedback comes (the feedback loop finds
    a snoozed card's call by it), also after a crash. The writer commits the records of calls that
    arrive while a commit runs together in the next one (group commit), so concurrent calls share
    commits instead of queueing one each. A write that fails or takes longer than
    :data:`ISSUED_WRITE_TIMEOUT` is logged and the cards are still answered: withholding safety
    cards because the database is down would be worse than a card without a record.
    """
    if not result.cards:
        return
    state = request.app.state
    now = state.clock()
    version = getattr(state.knowledge, "version", None)
    cards = [
        IssuedCard(
            card_uuid=card.uuid,
            service_id=service.id,
            recommendation=card.source.topic.code if card.source.topic else None,
            hook_instance=hook_instance,
            knowledge_version=version,
            issued_at=now,
            patient_key=patient,
            user_key=user,
            indicator=card.indicator,
        )
        for card in result.cards
    ]
    try:
        await state.writer.run(save_issued_cards(cards), timeout=ISSUED_WRITE_TIMEOUT)
    except Exception as exc:
        log.error("issued cards not stored: %s", type(exc).__name__, extra={"service": service.id})


async def feedback(request: Request, service_id: ServiceId) -> Response:
    """Store feedback on issued cards (CDS Hooks 2.0); the same feedback sent again is stored once.

    ``overrideReason.userComment`` is free text typed by the clinician and may name the patient or
    hold clinical details. It is stored (cut at ``MAX_COMMENT`` characters), because it is the main
    signal for improving the advice, but it is never logged, never returned and never echoed in an
    error; treat the feedback table as containing patient data (access, backups, retention).
    """
    state = request.app.state
    service = _service(request, service_id)
    await authenticate(request)
    body = await read_json_object(request, state.settings.max_body_bytes)
    items = parse_feedback(body).feedback
    now = state.clock()
    records = []
    for item in items:
        reason = item.overrideReason.reason if item.overrideReason else None
        comment = item.overrideReason.userComment if item.overrideReason else None
        records.append(
            FeedbackRecord(
                service_id=service.id,
                card_uuid=item.card,
                outcome=item.outcome,
                outcome_timestamp=item.outcomeTimestamp,
                accepted_suggestions=tuple(s.id for s in item.acceptedSuggestions or ()),
                override_system=reason.system if reason else None,
                override_code=reason.code if reason else None,
                override_display=reason.display if reason else None,
                user_comment=comment[:MAX_COMMENT] if comment else None,
                received_at=now,
            )
        )
    try:
        knowledge = state.knowledge
        job = SaveFeedback(
            tuple(records), knowledge.override_system,
            {code: reason.days for code, reason in knowledge.suppressing_reasons.items()}, now,
        )
        await state.writer.run(job, timeout=FEEDBACK_WRITE_TIMEOUT)
    except Exception as exc:
        log.error("feedback not stored: %s", type(exc).__name__, extra={"service": service.id})
        raise ApiError(503, "The feedback could not be stored; please retry.", code="transient") from None
    for record in records:
        record_feedback(service.id, record.outcome, record.override_code, (*OVERRIDE_CODES, *state.knowledge.suppressing_reasons))
    log.info("feedback", extra={"service": service.id, "items": len(records)})
    return Response(status_code=200)
