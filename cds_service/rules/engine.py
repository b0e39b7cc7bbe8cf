"""Run the guideline rules over patient facts.

A rule is a pure function ``(RuleContext) -> list[Recommendation]``; :data:`RULES` lists them per
hook, so another hook's rules are added by appending to that mapping. Who may get cards at all is
decided here once:

* deceased patients and patients below ``adult-age``: no cards;
* unknown age: safety cards only (a dangerous combination is shown to anyone; the 25(OH)D excess
  and toxic bands are safety cards), no proposals, no lab reminders;
* pregnancy / breastfeeding: no proposals (checked by the proposal rule); safety and lab cards stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cds_service.facts.model import PatientFacts
from cds_service.hooks import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW
from cds_service.knowledge.model import Knowledge
from cds_service.rules.context import RuleContext
from cds_service.rules.labs import vitd_recheck, vitd_status
from cds_service.rules.model import Category, Recommendation, Severity
from cds_service.rules.dose_checks import dose_totals
from cds_service.rules.orders import ORDER_RULES
from cds_service.rules.proposals import bone_supplements
from cds_service.rules.safety import SAFETY_RULES

Rule = Callable[[RuleContext], list[Recommendation]]


@dataclass(frozen=True)
class RuleConfig:
    """Per-site switches: indication kinds and recommendation codes that are turned off."""

    disabled_triggers: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()


PATIENT_VIEW_RULES: list[Rule] = [*SAFETY_RULES, dose_totals, vitd_status, vitd_recheck, bone_supplements]

RULES: dict[str, list[Rule]] = {PATIENT_VIEW: PATIENT_VIEW_RULES, ORDER_SELECT: [*ORDER_RULES], ORDER_SIGN: [*ORDER_RULES]}

_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


def evaluate(
    facts: PatientFacts, knowledge: Knowledge, config: RuleConfig = RuleConfig(), hook: str = PATIENT_VIEW
) -> list[Recommendation]:
    """Recommendations for one patient, most severe first (stable within a severity)."""
    if facts.deceased:
        return []
    if facts.age is not None and facts.age < knowledge.param("adult-age"):
        return []
    ctx = RuleContext(facts, knowledge, config, hook)
    out: list[Recommendation] = []
    for rule in RULES.get(hook, ()):
        for rec in rule(ctx):
            if rec.code in config.disabled_rules:
                continue
            if facts.age is None and rec.category is not Category.SAFETY:
                continue  # defence in depth: the rules themselves require an adult for the rest
            out.append(rec)
    out.sort(key=lambda r: _ORDER[r.severity])
    return out
