"""What the rules conclude: recommendations, independent of language and of CDS Hooks JSON.

A :class:`Recommendation` becomes one card. Its text is built by ``cds_service.cards`` from message
keys (:class:`Line`) and the message catalogues, so rules never hold prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Category(StrEnum):
    PROPOSAL = "proposal"  # supplement recommendation (needs an indication)
    LAB = "lab"  # 25(OH)D interpretation and check reminder
    SAFETY = "safety"  # contraindications and interactions (no indication needed)
    INFO = "info"  # information only (ipriflavone, order timing)


@dataclass(frozen=True, slots=True)
class Line:
    """A message-catalogue key with its parameters (numbers, dates, record displays)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A nutrient to propose as a draft MedicationRequest (decision 3)."""

    nutrient: str  # one of knowledge NUTRIENTS
    reason_references: tuple[str, ...] = ()  # "Condition/1" etc. for MedicationRequest.reasonReference


@dataclass(frozen=True, slots=True)
class LabOrderProposal:
    """A lab order as a draft ServiceRequest: the 25(OH)D check with an occurrence window, or a
    serum calcium / eGFR (``lab``: a key of ``Knowledge.lab_orders``) without one.

    ``nutrients``: for a lab ordered with the supplement proposal (decision 14), the proposed
    nutrients whose check needs it (a one-nutrient alternative carries it too).
    """

    start: date | None = None
    end: date | None = None
    reason_references: tuple[str, ...] = ()
    lab: str = "lab-25ohd"
    nutrients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Withheld:
    """A nutrient not proposed, and why (a message key such as ``withheld.vka``)."""

    nutrient: str
    reason: Line


@dataclass(frozen=True)
class Recommendation:
    """One card's worth of advice."""

    code: str  # recommendation CodeSystem code (card.source.topic)
    category: Category
    severity: Severity
    summary: Line
    facts: tuple[Line, ...] = ()  # the facts used, in order (shown in the detail)
    advice: tuple[Line, ...] = ()  # what to do / notes (dose lines, protein advice, K2 unit note ...)
    proposals: tuple[Proposal, ...] = ()
    already_taken: tuple[Line, ...] = ()
    withheld: tuple[Withheld, ...] = ()
    unchecked: tuple[Line, ...] = ()  # "could not be checked" lines (decision 9)
    lab_order: LabOrderProposal | None = None  # a suggestion of its own
    proposal_labs: tuple[LabOrderProposal, ...] = ()  # ordered with the proposed supplements (decision 14)
    delete_orders: tuple[str, ...] = ()  # draft order ids ("MedicationRequest/x") to remove (order hooks)
    rule: str = ""  # rule function name, for logs and the detail footer
    references: tuple[str, ...] = ()  # other guidelines the card links to (knowledge.references labels)
