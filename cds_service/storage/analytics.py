"""What clinicians do with each recommendation, per week: the numbers behind ``GET /admin/analytics``
and its CSV.

A card counts in the ISO week (Monday, UTC) it was shown. Per recommendation code and week:

* ``shown``: cards issued;
* ``accepted``: of those, cards with at least one ``accepted`` feedback;
* ``overridden``: cards with at least one ``overridden`` feedback, and per reason (each reason a
  card was overridden with counts once for that card; ``no-reason`` when none was chosen, ``other``
  for a code the service never offered);
* ``snoozed``: cards overridden with one of our suppressing reasons (they hid the recommendation);
* ``acceptance_rate``: accepted / shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import Connection, select

from cds_service.storage.db import feedback, issued_cards

NO_REASON = "no-reason"
OTHER = "other"


@dataclass(frozen=True)
class Filters:
    since: date  # first day (inclusive)
    until: date  # last day (inclusive)
    service: str | None = None
    recommendation: str | None = None


@dataclass
class WeekRow:
    week: date  # the Monday
    recommendation: str
    shown: int = 0
    accepted: int = 0
    overridden: int = 0
    snoozed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.shown if self.shown else None


def week_of(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weekly(conn: Connection, filters: Filters, reasons: Sequence[str], suppressing: Iterable[str]) -> list[WeekRow]:
    """Rows ordered by recommendation code, then week. ``reasons``: the override codes the service
    offers (others count as ``other``); ``suppressing``: those that snooze."""
    suppressing = frozenset(suppressing)
    known = frozenset(reasons)
    start = datetime.combine(filters.since, datetime.min.time())
    end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
    chosen = select(issued_cards.c.card_uuid, issued_cards.c.recommendation, issued_cards.c.issued_at).where(
        issued_cards.c.issued_at >= start, issued_cards.c.issued_at < end, issued_cards.c.recommendation.is_not(None)
    )
    if filters.service:
        chosen = chosen.where(issued_cards.c.service_id == filters.service)
    if filters.recommendation:
        chosen = chosen.where(issued_cards.c.recommendation == filters.recommendation)
    cards = chosen.subquery()
    query = select(
        cards.c.card_uuid, cards.c.recommendation, cards.c.issued_at, feedback.c.outcome, feedback.c.override_code
    ).select_from(cards.outerjoin(feedback, feedback.c.card_uuid == cards.c.card_uuid))
    # card uuid -> (row key, set of outcomes, set of override reasons)
    seen: dict[str, tuple[tuple[str, date], set[str], set[str]]] = {}
    for uuid, code, issued_at, outcome, reason in conn.execution_options(yield_per=2000).execute(query):
        entry = seen.get(uuid)
        if entry is None:
            entry = seen[uuid] = ((code, week_of(issued_at)), set(), set())
        if outcome:
            entry[1].add(outcome)
            if outcome == "overridden":
                entry[2].add(reason if reason in known else (OTHER if reason else NO_REASON))
    rows: dict[tuple[str, date], WeekRow] = {}
    for key, outcomes, why in seen.values():
        row = rows.get(key)
        if row is None:
            row = rows[key] = WeekRow(week=key[1], recommendation=key[0])
        row.shown += 1
        row.accepted += "accepted" in outcomes
        row.overridden += "overridden" in outcomes
        row.snoozed += bool(why & suppressing)
        for reason in why:
            row.reasons[reason] = row.reasons.get(reason, 0) + 1
    return [rows[key] for key in sorted(rows)]


def reason_columns(reasons: Sequence[str]) -> list[str]:
    return [*reasons, OTHER, NO_REASON]


def table(rows: Sequence[WeekRow], reasons: Sequence[str]) -> tuple[list[str], list[list[str | int | float]]]:
    """The CSV / HTML table: a header and one list of values per row (rate rounded to 3 decimals)."""
    columns = reason_columns(reasons)
    header = ["week", "recommendation", "shown", "accepted", "overridden",
              *(f"overridden:{r}" for r in columns), "snoozed", "acceptance_rate"]
    body: list[list[str | int | float]] = [
        [row.week.isoformat(), row.recommendation, row.shown, row.accepted, row.overridden,
         *(row.reasons.get(r, 0) for r in columns), row.snoozed,
         "" if row.acceptance_rate is None else round(row.acceptance_rate, 3)]
        for row in rows
    ]
    return header, body
