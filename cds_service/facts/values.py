"""Small, forgiving readers for FHIR R4 JSON values (dates, codings, references, quantities).

Every reader takes whatever the resource holds and returns ``None`` (or an empty result) for a
missing or malformed value, so the extractors above never raise on bad input.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cds_service.facts.model import Source

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date(value: Any) -> date | None:
    """A FHIR date/dateTime/instant as a calendar date; partial dates take the first day."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    if not m:
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
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    day = parse_date(text)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def number(value: Any) -> float | None:
    """A JSON number (not a bool); strings are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def codings(concept: Any) -> list[tuple[str | None, str | None, str | None]]:
    """``(system, code, display)`` for each coding of a CodeableConcept (a list: it runs per resource)."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(found, list):
        return []
    out = []
    for c in found:
        if isinstance(c, dict):  # text() inlined: this is the innermost loop of the facts layer
            system, code, display = c.get("system"), c.get("code"), c.get("display")
            out.append((
                system.strip() or None if isinstance(system, str) else None,
                code.strip() or None if isinstance(code, str) else None,
                display.strip() or None if isinstance(display, str) else None,
            ))
    return out


def concept_texts(concept: Any) -> list[str]:
    """The human texts of a CodeableConcept: ``text`` first, then coding displays."""
    if not isinstance(concept, dict):
        return []
    first = text(concept.get("text"))
    out = [first] if first else []
    out.extend(d for _, _, d in codings(concept) if d)
    return out


def concept_display(concept: Any, fallback: str) -> str:
    texts = concept_texts(concept)
    return texts[0] if texts else fallback


def reference_of(resource: dict) -> str | None:
    """``"Type/id"`` of a resource, or None when it has no id."""
    rid = text(resource.get("id"))
    rtype = text(resource.get("resourceType"))
    return f"{rtype}/{rid}" if rid and rtype else None


def source(resource: dict, display: str, when: date | None = None) -> Source:
    return Source(reference=reference_of(resource), display=display, date=when)


def period(value: Any) -> tuple[date | None, date | None]:
    value = as_dict(value)
    return parse_date(value.get("start")), parse_date(value.get("end"))


_DAYS_PER_UNIT = {
    "s": 1 / 86400,
    "min": 1 / 1440,
    "h": 1 / 24,
    "d": 1.0,
    "wk": 7.0,
    "mo": 30.4375,  # UCUM mean Julian month
    "a": 365.25,
}
_DURATION_ALIASES = {
    "second": "s", "seconds": "s", "minute": "min", "minutes": "min", "hour": "h", "hours": "h",
    "day": "d", "days": "d", "dag": "d", "dagen": "d", "week": "wk", "weeks": "wk", "weken": "wk",
    "month": "mo", "months": "mo", "maand": "mo", "maanden": "mo", "year": "a", "years": "a",
    "jaar": "a", "jaren": "a",
}


def unit_days(unit: Any) -> float | None:
    """Length of a UCUM time unit (``d``, ``wk``, ``mo``, ...) in days."""
    if not isinstance(unit, str):
        return None
    key = unit.strip()
    return _DAYS_PER_UNIT.get(key) or _DAYS_PER_UNIT.get(_DURATION_ALIASES.get(key.lower(), ""))


def duration_days(value: Any) -> float | None:
    """A FHIR Duration (``{"value": 3, "code": "mo"}``) in days."""
    value = as_dict(value)
    amount = number(value.get("value"))
    per = unit_days(value.get("code")) or unit_days(value.get("unit"))
    if amount is None or per is None or amount < 0:
        return None
    return amount * per


def add_days(day: date, days: float) -> date:
    return day + timedelta(days=round(days))

