"""Suppressions: a recommendation hidden for one patient after feedback "not now" or "not for this
patient" (our own override reasons, :class:`~cds_service.knowledge.model.SuppressingReason`).

The patient is found through the issued-card record of the card the feedback names (its
``patient_key``: a keyed hash of issuer or tenant and patient id, never the id). Only info cards
suppress; the HL7 reasons are stored and counted but suppress nothing. A suppression has its own
expiry and is untouched by the audit retention (``cds-service db prune`` deletes it once expired).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cds_service.logs import pseudonymise
from cds_service.storage.db import issued_cards, service_secrets, suppressions
from cds_service.storage.records import FeedbackRecord, save_feedback

SECRET_NAME = "pseudonym-secret"


def patient_key(secret: str, scope: str | None, patient_id: str) -> str:
    """The pseudonymised patient: HMAC of the issuer (or tenant) and the patient id."""
    return pseudonymise(f"patient\x00{scope or ''}\x00{patient_id}", secret)


def user_key(secret: str, scope: str | None, user_id: str | None) -> str | None:
    return pseudonymise(f"user\x00{scope or ''}\x00{user_id}", secret) if user_id else None


def development_secret(engine: Engine) -> str:
    """Development without ``CDS_PSEUDONYM_SECRET``: one generated secret, kept in the database so
    keys (and so suppressions) survive restarts and are shared by workers."""
    with engine.begin() as conn:
        found = conn.execute(select(service_secrets.c.value).where(service_secrets.c.name == SECRET_NAME)).scalar()
        if found:
            return found
        try:
            with conn.begin_nested():
                conn.execute(insert(service_secrets), {"name": SECRET_NAME, "value": secrets.token_urlsafe(32)})
        except IntegrityError:  # another worker made it first
            pass
        return conn.execute(select(service_secrets.c.value).where(service_secrets.c.name == SECRET_NAME)).scalar_one()


# Read on every service call: the statement is built once, with bound parameters, instead of per call
# (building the expression was about a third of the read's CPU).
_ACTIVE = select(suppressions.c.recommendation, suppressions.c.expires_at).where(
    suppressions.c.patient_key == bindparam("key"), suppressions.c.expires_at > bindparam("now")
)


def active_suppressions(engine: Engine, key: str, now: datetime) -> dict[str, datetime]:
    """Recommendation code -> expiry of the suppressions of one patient still in force at ``now``."""
    with engine.connect() as conn:
        rows = conn.execute(_ACTIVE, {"key": key, "now": now}).all()
    return {code: expires for code, expires in rows}


@dataclass(frozen=True)
class SaveFeedback:
    """A writer job: store feedback and, for our suppressing reasons on an info card, suppress its
    recommendation for its patient until ``now`` + the reason's days (a later expiry is kept)."""

    records: tuple[FeedbackRecord, ...]
    override_system: str
    days: Mapping[str, int]  # suppressing reason code -> days
    now: datetime

    def __call__(self, conn: Connection) -> int:
        stored = save_feedback(self.records)(conn)
        for record in self.records:
            if record.outcome == "overridden" and record.override_system == self.override_system:
                days = self.days.get(record.override_code or "")
                if days:
                    _suppress(conn, record, days, self.now)
        return stored


def _suppress(conn: Connection, record: FeedbackRecord, days: int, now: datetime) -> None:
    card = conn.execute(
        select(issued_cards.c.patient_key, issued_cards.c.recommendation, issued_cards.c.indicator).where(
            issued_cards.c.card_uuid == record.card_uuid, issued_cards.c.service_id == record.service_id
        )
    ).first()
    if card is None or not card.patient_key or not card.recommendation or card.indicator != "info":
        return  # unknown card, no patient, or a warning/critical card: nothing is suppressed
    expires = now + timedelta(days=days)
    where = (suppressions.c.patient_key == card.patient_key) & (suppressions.c.recommendation == card.recommendation)
    values = {"service_id": record.service_id, "reason": record.override_code, "card_uuid": record.card_uuid,
              "created_at": now, "expires_at": expires}
    current = conn.execute(select(suppressions.c.expires_at).where(where)).scalar()
    if current is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(suppressions), {"patient_key": card.patient_key,
                                                    "recommendation": card.recommendation, **values})
            return
        except IntegrityError:  # made meanwhile by another process: fall through to the update
            current = conn.execute(select(suppressions.c.expires_at).where(where)).scalar()
    if current is None or _aware(current) < expires:
        conn.execute(update(suppressions).where(where).values(**values))


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes (stored as UTC)."""
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def prune_suppressions(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(suppressions).where(suppressions.c.expires_at <= now)).rowcount or 0
