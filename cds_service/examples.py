"""Example bodies that do not age (``cds-service example NAME``).

``examples/examples.json`` names each example file and the day it was written for (``asOf``). A
printed example has every date and dateTime moved by the days from then to today, so a result from
"two weeks ago" stays two weeks old whenever the example is run, and ages stay as written (birth
dates move too). Only whole days are added; times of day and offsets stay.

``feedback_for`` turns a saved hook response into a feedback body for one of its cards: accept its
(recommended) suggestion, or override it with a reason (ours, e.g. ``snooze-3-months``, or HL7's).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?=$|T)")


class ExampleError(ValueError):
    """An unknown example, or a response without the card asked for (one line)."""


def manifest(directory: Path = EXAMPLES_DIR) -> dict[str, Any]:
    return json.loads((directory / "examples.json").read_text(encoding="utf-8"))["examples"]


def shift_dates(value: Any, days: int) -> Any:
    """``value`` with every ISO date or dateTime string moved by ``days`` (other strings untouched)."""
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, str):
        match = _DATE.match(value)
        if match:
            try:
                moved = date(*map(int, match.groups())) + timedelta(days=days)
            except ValueError:
                return value
            return moved.isoformat() + value[match.end():]
    return value


def example(name: str, today: date, directory: Path = EXAMPLES_DIR) -> dict[str, Any]:
    """The example ``name`` with its dates as if written ``today``; a fresh hookInstance."""
    entries = manifest(directory)
    entry = entries.get(name)
    if entry is None:
        raise ExampleError(f"unknown example {name!r}; choose from {', '.join(entries)}")
    body = json.loads((directory / entry["file"]).read_text(encoding="utf-8"))
    body = shift_dates(body, (today - date.fromisoformat(entry["asOf"])).days)
    if "hookInstance" in body:
        body["hookInstance"] = str(uuid.uuid4())
    return body


def feedback_for(
    response: Mapping[str, Any],
    *,
    topic: str | None,
    reason: str | None,
    override_system: str,
    own_reasons: Mapping[str, Any],
    hl7_system: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A feedback body for the first card of ``response`` with ``topic`` (any card when None):
    accepted with its recommended (else first) suggestion, or overridden with ``reason``."""
    cards = [c for c in response.get("cards") or () if topic is None or (c.get("source", {}).get("topic") or {}).get("code") == topic]
    if not cards:
        raise ExampleError(f"the response has no card{' with topic ' + topic if topic else ''}")
    card = cards[0]
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    item: dict[str, Any] = {"card": card["uuid"], "outcomeTimestamp": stamp}
    if reason is None:
        suggestions = card.get("suggestions") or []
        if not suggestions:
            raise ExampleError("that card has no suggestion to accept; give --reason to override it")
        chosen = next((s for s in suggestions if s.get("isRecommended")), suggestions[0])
        item.update(outcome="accepted", acceptedSuggestions=[{"id": chosen["uuid"]}])
    else:
        offered = {r["code"]: r for r in card.get("overrideReasons") or ()}
        if reason not in offered:
            raise ExampleError(f"that card does not offer {reason!r}; it offers {', '.join(offered)}")
        system = override_system if reason in own_reasons else hl7_system
        item.update(outcome="overridden", overrideReason={"reason": {"system": system, "code": reason}})
    return {"feedback": [item]}
