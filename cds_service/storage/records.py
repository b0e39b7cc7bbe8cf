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
    patient_key: str | None = None  # keyed hash of issuer/tenant and patient id (never the id)
    user_key: str | None = None
    indicator: str | None = None


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


_STATEMENTS: dict[tuple[str, str], Any] = {}  # (dialect, table) -> INSERT ... ON CONFLICT DO NOTHING


def _insert_ignoring_duplicates(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        statement = _STATEMENTS.get((dialect, table.name))
        if statement is None:
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                statement = sqlite_insert(table).on_conflict_do_nothing()
            else:
                from sqlalchemy.dialects.postgresql import insert as postgresql_insert

                statement = postgresql_insert(table).on_conflict_do_nothing()
            _STATEMENTS[(dialect, table.name)] = statement
        conn.execute(statement, list(rows))
        return
    for row in rows:  # other databases: one savepoint per row
        try:
            with conn.begin_nested():
                conn.execute(insert(table), row)
        except IntegrityError:
            pass


@dataclass(frozen=True)
class InsertRows:
    """A writer job: insert ``rows`` into ``table``, duplicates ignored; returns the row count.

    Its ``batch_key`` lets the writer run neighbouring inserts into the same table as one
    statement (:meth:`run_many`) instead of one per hook call.
    """

    table: Table
    rows: tuple[dict[str, Any], ...]

    @property
    def batch_key(self) -> str:
        return self.table.name

    def __call__(self, conn: Connection) -> int:
        _insert_ignoring_duplicates(conn, self.table, self.rows)
        return len(self.rows)

    @staticmethod
    def run_many(conn: Connection, jobs: Sequence["InsertRows"]) -> list[int]:
        """Jobs with one ``batch_key`` (one table) as one insert; each job's own row count."""
        _insert_ignoring_duplicates(conn, jobs[0].table, [row for job in jobs for row in job.rows])
        return [len(job.rows) for job in jobs]


def save_issued_cards(cards: Iterable[IssuedCard]) -> InsertRows:
    return InsertRows(issued_cards, tuple(card.__dict__.copy() for card in cards))


def save_feedback(records: Iterable[FeedbackRecord]) -> InsertRows:
    rows = []
    for record in records:
        row = record.__dict__.copy()
        row["accepted_suggestions"] = list(record.accepted_suggestions) or None
        rows.append(row)
    return InsertRows(feedback, tuple(rows))


def ping(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1")).scalar() == 1


def count_feedback(conn: Connection, card_uuid: str | None = None) -> int:
    query = select(feedback.c.id)
    if card_uuid:
        query = query.where(feedback.c.card_uuid == card_uuid)
    return len(conn.execute(query).all())
