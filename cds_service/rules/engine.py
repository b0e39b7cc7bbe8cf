"""Run the guideline rules over patient facts. (STUB)"""

from __future__ import annotations

from dataclasses import dataclass, field

from cds_service.facts.model import PatientFacts
from cds_service.knowledge.model import Knowledge
from cds_service.rules.model import Recommendation


@dataclass(frozen=True)
class RuleConfig:
    """Per-site switches: indication kinds and recommendation codes that are turned off."""

    disabled_triggers: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()


def evaluate(
    facts: PatientFacts, knowledge: Knowledge, config: RuleConfig = RuleConfig(), hook: str = "patient-view"
) -> list[Recommendation]:
    raise NotImplementedError
