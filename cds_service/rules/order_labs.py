"""Order-hook rules about vitamin D and its 25(OH)D check (guideline decision 7)."""

from __future__ import annotations

from datetime import date, timedelta

from cds_service.facts.model import Domain, LabOrder, MedicationUse, value_of
from cds_service.knowledge import units
from cds_service.rules import lines
from cds_service.rules.context import RuleContext
from cds_service.rules.labs import ABOVE, VitdBand, band_severity, target_line, vitd_band, vitd_clock
from cds_service.rules.model import Category, LabOrderProposal, Line, Recommendation, Severity
from cds_service.rules.scope import current, in_scope, references, scoped


def _after_days(ctx: RuleContext) -> int:
    return int(ctx.param("vitd-check-after-days"))


def _restarts_clock(draft: MedicationUse, on_file: tuple[MedicationUse, ...], ctx: RuleContext) -> bool:
    """A draft vitamin D starts (or changes) supplementation unless it repeats a current product's dose."""
    amount = draft.nutrients.get("vitamin-d")
    if amount is None:
        return True
    change = ctx.param("vitd-dose-change-fraction")
    for use in on_file:
        old = use.nutrients.get("vitamin-d")
        if old is not None and old.unit == amount.unit and abs(amount.value - old.value) < change * old.value:
            return False
    return True


def vitd_order_check(ctx: RuleContext) -> list[Recommendation]:
    """``vitd-recheck`` on a draft vitamin D: propose the 25(OH)D check 8 weeks after its start.

    Not when the draft repeats a current product's dose (a renewal does not restart the clock), nor
    when a 25(OH)D order (on file or draft) is already planned for a day after the start.
    """
    on_file = current(ctx, "vitamin-d")
    drafts = [d for d in scoped(ctx, "vitamin-d") if _restarts_clock(d, on_file, ctx)]
    if not drafts:
        return []
    start = min(d.start or ctx.today for d in drafts)
    # An order for a day after the start is the check; one on the start day is a baseline test.
    if any(_order_date(o, ctx) > start for o in ctx.facts.lab_orders):
        return []
    check = start + timedelta(days=_after_days(ctx))
    window_end = check + timedelta(days=int(ctx.param("vitd-check-window-days")))
    unchecked = () if ctx.known(Domain.LAB_ORDERS) else (Line("unchecked.lab-orders"),)
    return [
        Recommendation(
            code="vitd-recheck",
            category=Category.LAB,
            severity=Severity.INFO,
            summary=Line("summary.vitd-recheck.order", {"date": check, "weeks": units.whole_weeks(_after_days(ctx))}),
            facts=(lines.medication_line("fact.vitd-draft", drafts, date=start),),
            advice=(Line("advice.vitd-recheck", {"weeks": units.whole_weeks(_after_days(ctx))}), target_line(ctx.knowledge)),
            unchecked=unchecked,
            lab_order=LabOrderProposal(start=check, end=window_end, reason_references=references(drafts)),
            rule="vitd_order_check",
        )
    ]


def _order_date(order: LabOrder, ctx: RuleContext) -> date:
    """When a 25(OH)D order is for: its planned occurrence, else its authored date, else today."""
    return order.occurrence or order.authored or ctx.today


def vitd_recheck_early(ctx: RuleContext) -> list[Recommendation]:
    """``vitd-recheck-early``: a draft 25(OH)D order after vitamin D started but < 8 weeks after."""
    found = vitd_clock(ctx)
    orders = [o for o in ctx.facts.lab_orders if in_scope(o, ctx.hook)]
    if found is None or not orders:
        return []
    start, clock, episode = found
    meaningful = clock + timedelta(days=_after_days(ctx))
    early = [o for o in orders if clock < _order_date(o, ctx) < meaningful]
    if not early:
        return []
    when = min(_order_date(o, ctx) for o in early)
    facts = [lines.medication_line("fact.vitd-start", [u for u in episode if u.active], date=start)]
    if clock != start:
        facts.append(Line("fact.vitd-dose-change", {"date": clock}))
    facts.append(Line("fact.lab-order-draft", {"date": when, "days": (when - clock).days}))
    return [
        Recommendation(
            code="vitd-recheck-early",
            category=Category.INFO,
            severity=Severity.INFO,
            summary=Line("summary.vitd-recheck-early", {"date": meaningful, "weeks": units.whole_weeks(_after_days(ctx))}),
            facts=tuple(facts),
            advice=(
                Line("advice.vitd-recheck-early", {"weeks": units.whole_weeks(_after_days(ctx)), "date": meaningful}),
                target_line(ctx.knowledge),
            ),
            rule="vitd_recheck_early",
        )
    ]


def _adds_vitamin_d(draft: MedicationUse, on_file: tuple[MedicationUse, ...], ctx: RuleContext) -> bool:
    """A new vitamin D order or a dose increase; not a same-dose renewal, not a reduction.

    Compared per product with what is on file, like the two-month clock: an increase is at least
    ``vitd-dose-change-fraction`` above the highest current daily amount. An order whose daily
    amount cannot be computed cannot be told from a renewal: it counts (the card says what it saw).
    """
    if not on_file:
        return True
    amount = draft.nutrients.get("vitamin-d")
    if amount is None:
        return True
    known = [a.value for u in on_file if (a := u.nutrients.get("vitamin-d")) is not None and a.unit == amount.unit]
    if not known:
        return True
    return amount.value >= max(known) * (1 + ctx.param("vitd-dose-change-fraction"))


def vitd_order_above_target(ctx: RuleContext) -> list[Recommendation]:
    """``safety-vitd-order-above-target`` (decision 15): a new vitamin D order or a dose increase while
    the current 25(OH)D is above the target: info (no extra vitamin D needed), warning above
    ``vitd-high-above-nmol``, critical above ``vitd-toxic-above-nmol`` (where a calcium order is
    flagged too); the latter two offer to remove the drafts. The summary leads with the 25(OH)D value."""
    result = ctx.current_vitd
    if result is None or not ctx.known(Domain.VITAMIN_D):
        return []
    band = vitd_band(result, ctx.knowledge)
    if band not in ABOVE:
        return []
    on_file = current(ctx, "vitamin-d")
    drafts = [d for d in scoped(ctx, "vitamin-d") if _adds_vitamin_d(d, on_file, ctx)]
    # decision 13: in the toxic range calcium is not proposed either, so a calcium order is flagged too
    calcium = [d for d in scoped(ctx, "calcium") if d not in drafts] if band is VitdBand.TOXIC else []
    if not (drafts or calcium):
        return []
    facts = [lines.vitd_line(result)]
    if drafts:
        facts.append(lines.medication_line("fact.vitd-order-draft", drafts))
    if calcium:
        facts.append(lines.medication_line("fact.calcium-order-draft", calcium))
    if on_file:
        facts.append(lines.medication_line("fact.taking-vitd", on_file))
    severity = band_severity(band, ctx.knowledge)
    removable = [*drafts, *calcium] if band is not VitdBand.ABOVE_TARGET else []
    deletes = tuple(d.resource_id for d in removable if d.resource_id)
    return [
        Recommendation(
            code="safety-vitd-order-above-target",
            category=Category.SAFETY,
            severity=severity,
            summary=Line(f"summary.safety-vitd-order-above-target.{band.value}", {"nmol": round(value_of(result), 1)}),
            facts=tuple(facts),
            advice=(Line(f"advice.vitd-order.{band.value}"), target_line(ctx.knowledge)),
            delete_orders=deletes,
            rule="vitd_order_above_target",
        )
    ]
