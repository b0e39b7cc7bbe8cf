"""Recommendations -> CDS Hooks cards in the requested language. (STUB)"""

from __future__ import annotations

from cds_service.cards.model import Card
from cds_service.knowledge.model import Knowledge
from cds_service.rules.model import Recommendation

SUPPORTED_LANGUAGES = ("nl", "en")


def render_cards(
    recommendations: list[Recommendation], knowledge: Knowledge, *, language: str, patient_id: str
) -> list[Card]:
    raise NotImplementedError
