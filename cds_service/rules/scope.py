"""Which draft orders an order hook advises on, and what the patient takes on file."""

from __future__ import annotations

from typing import Iterable

from cds_service.facts.model import LabOrder, MedicationUse
from cds_service.hooks import ORDER_HOOKS, ORDER_SELECT
from cds_service.rules.context import RuleContext



def in_scope(order: MedicationUse | LabOrder, hook: str) -> bool:
    """A draft the hook advises on: the selections on order-select, every draft on order-sign."""
    return order.draft and (order.selected or hook != ORDER_SELECT)


def scoped(ctx: RuleContext, group: str) -> tuple[MedicationUse, ...]:
    """Draft orders in a medication group that the hook advises on."""
    return tuple(m for m in ctx.facts.medications if group in m.groups and in_scope(m, ctx.hook))


def current(ctx: RuleContext, group: str) -> tuple[MedicationUse, ...]:
    """Medication the patient takes now (on file, not a draft)."""
    return ctx.facts.meds(group, drafts=False)


def references(uses: Iterable[MedicationUse]) -> tuple[str, ...]:
    """FHIR references of medication records (draft order ids first), without repeats."""
    return tuple(dict.fromkeys(ref for u in uses if (ref := u.resource_id or u.source.reference)))
