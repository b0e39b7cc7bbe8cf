"""Writes and reads of issued cards and feedback (run on the :class:`~.writer.Writer`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from cds_service.storage.db import feedback, issued_cards


@dataclass(frozen=True)
class IssuedCard:
    card_uuid: str
    service_id: str
    recommendation: str | None
    hook_instance: str
    knowledge_version: str | None
    issued_at: datetime


@dataclass(frozen=True)
class FeedbackRecord:
    service_id: str
    card_uuid: str
    outcome: str
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...]
    override_system: str | None
    override_code: str | None
    override_display: str | None
    user_comment: str | None
    received_at: datetime


def _insert_ignoring_duplicates(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        conn.execute(dialect_insert(table).on_conflict_do_nothing(), list(rows))
        return
    for row in rows:  # other databases: one savepoint per row
        try:
            with conn.begin_nested():
                conn.execute(insert(table), row)
        except IntegrityError:
            pass


def save_issued_cards(cards: Iterable[IssuedCard]):
    rows = [card.__dict__.copy() for card in cards]

    def job(conn: Connection) -> int:
        _insert_ignoring_duplicates(conn, issued_cards, rows)
        return len(rows)

    return job


def save_feedback(records: Iterable[FeedbackRecord]):
    rows = []
    for record in records:
        row = record.__dict__.copy()
        row["accepted_suggestions"] = list(record.accepted_suggestions) or None
        rows.append(row)

    def job(conn: Connection) -> int:
        _insert_ignoring_duplicates(conn, feedback, rows)
        return len(rows)

    return job


def ping(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1")).scalar() == 1


def count_feedback(conn: Connection, card_uuid: str | None = None) -> int:
    query = select(feedback.c.id)
    if card_uuid:
        query = query.where(feedback.c.card_uuid == card_uuid)
    return len(conn.execute(query).all())
