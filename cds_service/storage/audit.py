"""The audit trail (NEN 7513 in spirit: who was shown which advice, when, and what they did).

One row per issued card, joined with each feedback on it: time, hookInstance, service,
recommendation code, indicator, card uuid, the pseudonymised patient and user keys (keyed hashes,
never the ids), and the feedback's outcome, reason and accepted suggestions. The clinician's free-text
comment is not exported (it may name the patient). Rows are kept ``CDS_RETENTION_DAYS`` (default
1825, five years): :func:`prune` deletes older ones (``cds-service db prune`` and the service once a
day), and suppressions once they expire, whatever the retention.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator, TextIO

from sqlalchemy import Connection, delete, select

from cds_service.storage.db import feedback, issued_cards
from cds_service.storage.suppress import prune_suppressions

FIELDS = (
    "issued_at", "hook_instance", "service_id", "recommendation", "indicator", "card_uuid", "patient_key",
    "user_key", "knowledge_version", "outcome", "override_system", "override_code", "accepted_suggestions",
    "outcome_timestamp", "feedback_received_at",
)
FORMATS = ("csv", "jsonl")


def audit_rows(conn: Connection, since: datetime | None = None, until: datetime | None = None) -> Iterator[dict[str, Any]]:
    """The trail in time order (cards issued in [since, until)); a card with no feedback is one row."""
    query = (
        select(
            issued_cards.c.issued_at, issued_cards.c.hook_instance, issued_cards.c.service_id,
            issued_cards.c.recommendation, issued_cards.c.indicator, issued_cards.c.card_uuid,
            issued_cards.c.patient_key, issued_cards.c.user_key, issued_cards.c.knowledge_version,
            feedback.c.outcome, feedback.c.override_system, feedback.c.override_code,
            feedback.c.accepted_suggestions, feedback.c.outcome_timestamp,
            feedback.c.received_at.label("feedback_received_at"),
        )
        .select_from(issued_cards.outerjoin(feedback, feedback.c.card_uuid == issued_cards.c.card_uuid))
        .order_by(issued_cards.c.issued_at, issued_cards.c.card_uuid, feedback.c.id)
    )
    if since is not None:
        query = query.where(issued_cards.c.issued_at >= since)
    if until is not None:
        query = query.where(issued_cards.c.issued_at < until)
    for row in conn.execution_options(stream_results=True, yield_per=1000).execute(query).mappings():
        yield {name: _plain(row[name]) for name in FIELDS}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def write(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> int:
    """Write ``rows`` as CSV (a header, then one line a row) or JSON Lines; returns the count."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()})
            count += 1
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ValueError(f"unknown format {fmt!r}; choose {' or '.join(FORMATS)}")
    return count


def export_text(conn: Connection, fmt: str, since: datetime | None = None, until: datetime | None = None) -> str:
    buffer = io.StringIO()
    write(audit_rows(conn, since, until), buffer, fmt)
    return buffer.getvalue()


@dataclass(frozen=True)
class Prune:
    """A writer job: delete audit rows older than ``retention_days`` before ``now``, and expired
    suppressions. Returns the counts per table."""

    now: datetime
    retention_days: int

    def __call__(self, conn: Connection) -> dict[str, int]:
        cutoff = self.now - timedelta(days=self.retention_days)
        return {
            "issued_cards": conn.execute(delete(issued_cards).where(issued_cards.c.issued_at < cutoff)).rowcount or 0,
            "feedback": conn.execute(delete(feedback).where(feedback.c.received_at < cutoff)).rowcount or 0,
            "suppressions": prune_suppressions(conn, self.now),
        }
