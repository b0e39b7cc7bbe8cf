"""Small readers for FHIR R4 values (dates, codings, references, quantities) of the read model.

The values come from :mod:`cds_service.fhir.model`, already typed (a field of the wrong type is
None, numbers are finite floats); a reader returns ``None`` (or an empty result) for a missing or
meaningless value, so the extractors above never raise on bad input. Numbers that
arithmetic touches are checked for range, not only for sign: a positive period of 5e-324 seconds is
0 days once converted, and a dose of 1e308 mg overflows once multiplied; both are read as unknown.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Mapping

from cds_service.facts.model import Source
from cds_service.fhir.model import CodeableConcept, Period, Quantity
from cds_service.knowledge import units

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# Years a clinical date can plausibly have. Outside them a date is unknown: the rules add weeks and
# months to dates, and 9999-12-31 plus eight weeks is not a date (0001-01-01 is a common "null").
MIN_YEAR, MAX_YEAR = 1800, 2300


def parse_date(value: Any) -> date | None:
    """A FHIR date/dateTime/instant as a calendar date; partial dates take the first day."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    if not m or not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    """A FHIR dateTime/instant as an aware datetime (UTC when no zone is given)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > 10 and "T" in text:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    day = parse_date(text)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


# Plausibility bounds for values arithmetic touches; outside them a value is unknown, never guessed.
MAX_QUANTITY = 1e9  # largest dose, strength, count or daily amount read (mg, IU, mL, units; per day)
MAX_DAYS = 100 * units.DAYS_PER_YEAR  # longest duration or supply read: 100 years
MIN_PERIOD_DAYS = units.DAYS["s"]  # shortest dosing period: one second


def in_range(value: float | None, low: float, high: float) -> float | None:
    """``value`` when it lies in ``[low, high]``, else None (NaN is never in range)."""
    return value if value is not None and low <= value <= high else None


def text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def codings(concept: CodeableConcept | None) -> list[tuple[str | None, str | None, str | None]]:
    """``(system, code, display)`` for each coding of a CodeableConcept (a list: it runs per resource)."""
    if not concept:
        return []
    out = []
    for c in concept.get("coding") or ():  # text() inlined: this is the innermost loop of the facts layer
        system, code, display = c.get("system"), c.get("code"), c.get("display")
        out.append((
            system.strip() or None if system else None,
            code.strip() or None if code else None,
            display.strip() or None if display else None,
        ))
    return out


def concept_texts(concept: CodeableConcept | None) -> list[str]:
    """The human texts of a CodeableConcept: ``text`` first, then coding displays."""
    if not concept:
        return []
    first = text(concept.get("text"))
    out = [first] if first else []
    out.extend(d for _, _, d in codings(concept) if d)
    return out


def concept_display(concept: CodeableConcept | None, fallback: str) -> str:
    texts = concept_texts(concept)
    return texts[0] if texts else fallback


def reference_of(resource: Mapping[str, Any]) -> str | None:
    """``"Type/id"`` of a resource, or None when it has no id."""
    rid = text(resource.get("id"))
    rtype = text(resource.get("resourceType"))
    return f"{rtype}/{rid}" if rid and rtype else None


def source(resource: Mapping[str, Any], display: str, when: date | None = None) -> Source:
    return Source(reference=reference_of(resource), display=display, date=when)


def period(value: Period | None) -> tuple[date | None, date | None]:
    value = value or {}
    return parse_date(value.get("start")), parse_date(value.get("end"))


_DAYS_PER_UNIT = units.DAYS
_DURATION_ALIASES = {
    "second": "s", "seconds": "s", "minute": "min", "minutes": "min", "hour": "h", "hours": "h",
    "day": "d", "days": "d", "dag": "d", "dagen": "d", "week": "wk", "weeks": "wk", "weken": "wk",
    "month": "mo", "months": "mo", "maand": "mo", "maanden": "mo", "year": "a", "years": "a",
    "jaar": "a", "jaren": "a",
}


def unit_days(unit: str | None) -> float | None:
    """Length of a UCUM time unit (``d``, ``wk``, ``mo``, ...) in days."""
    if not unit:
        return None
    key = unit.strip()
    return _DAYS_PER_UNIT.get(key) or _DAYS_PER_UNIT.get(_DURATION_ALIASES.get(key.lower(), ""))


def duration_days(value: Quantity | None) -> float | None:
    """A FHIR Duration (``{"value": 3, "code": "mo"}``) in days."""
    value = value or {}
    amount = value.get("value")
    per = unit_days(value.get("code")) or unit_days(value.get("unit"))
    if amount is None or per is None:
        return None
    return in_range(amount * per, 0.0, MAX_DAYS)


def add_days(day: date, days: float) -> date | None:
    """``day`` plus a number of days (rounded); None when the result is not a calendar date."""
    if not -MAX_CALENDAR_DAYS <= days <= MAX_CALENDAR_DAYS:  # also rejects NaN
        return None
    try:
        return day + timedelta(days=round(days))
    except OverflowError:  # before year 1 or after 9999
        return None


MAX_CALENDAR_DAYS = float((date.max - date.min).days)

