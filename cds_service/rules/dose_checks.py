"""Daily-dose cards (guideline decision 12): totals per nutrient against the guideline and the limit.

Shared by both kinds of hook: on the order hooks for each nutrient a draft adds; on patient-view for
"already taken" totals above the upper limit. The arithmetic itself is in :mod:`cds_service.rules.doses`.
"""

from __future__ import annotations

from cds_service.facts.model import Domain
from cds_service.knowledge.model import NUTRIENTS
from cds_service.rules import doses, lines
from cds_service.rules.context import RuleContext
from cds_service.rules.model import Category, Line, Recommendation, Severity
from cds_service.hooks import ORDER_HOOKS
from cds_service.rules.scope import current, scoped


def _amount_params(amount_value: float, unit: str) -> dict[str, object]:
    return {"value": round(amount_value, 1), "unit": lines.unit(unit)}


def dose_lines(total: doses.NutrientTotal, ctx: RuleContext) -> list[Line]:
    """The arithmetic: each product's daily amount, the total, the guideline range and the limit."""
    nutrient = ctx.knowledge.nutrients[total.nutrient]
    unit = total.total.unit
    out = []
    for c in total.contributions:
        key = "fact.dose.product.draft" if c.medication.draft else "fact.dose.product.current"
        out.append(Line(key, {"drug": lines.source_label(c.medication.source), **_amount_params(c.amount.value, c.amount.unit)}))
    if total.unknown:
        out.append(lines.medication_line("fact.dose.unknown", total.unknown))
    out.append(Line("fact.dose.total", _amount_params(total.total.value, unit)))
    bounds = doses.guideline_range(nutrient)
    if bounds is not None:
        low, high = bounds
        params = {"low": low.value, "high": high.value, "unit": lines.unit(low.unit)}
        out.append(Line("fact.dose.guideline" if low == high else "fact.dose.guideline-range", params))
    if nutrient.upper_limit is not None:
        out.append(Line("fact.dose.limit", _amount_params(nutrient.upper_limit.value, nutrient.upper_limit.unit)))
    return out


def dose_totals(ctx: RuleContext) -> list[Recommendation]:
    """``dose-upper-limit`` (warning) / ``dose-guideline-range`` (info) per nutrient (decision 12).

    On the order hooks: for each nutrient a draft in scope adds, against the guideline range and the
    upper limit. On patient-view: the "already taken" totals, reported only above the upper limit
    (the guideline range is shown on the proposal card). Never for vitamin K2 (decision 4); never a
    suggestion that rewrites a draft dose.
    """
    on_order = ctx.hook in ORDER_HOOKS
    out = []
    for nutrient_id in NUTRIENTS:
        nutrient = ctx.knowledge.nutrients.get(nutrient_id)
        involved = scoped(ctx, nutrient_id) if on_order else current(ctx, nutrient_id)
        if nutrient is None or not doses.dose_checked(nutrient) or not involved:
            continue
        uses = [m for m in ctx.facts.medications if m.draft or m.active]
        total = doses.daily_total(nutrient_id, uses, doses.total_unit(nutrient))
        found = doses.verdict(total, nutrient)
        if found is doses.DoseVerdict.WITHIN or (not on_order and found is not doses.DoseVerdict.OVER_LIMIT):
            continue
        over = found is doses.DoseVerdict.OVER_LIMIT
        code = "dose-upper-limit" if over else "dose-guideline-range"
        params = {"nutrient": lines.nutrient_name(nutrient_id), **_amount_params(total.total.value, total.total.unit)}
        advice = [Line(f"advice.{code}")]
        if nutrient_id == "calcium" and found is doses.DoseVerdict.BELOW:
            advice.append(Line("advice.dose.calcium-diet", {"guideline": lines.guideline_amount(nutrient)}))
        unchecked = () if ctx.known(Domain.MEDICATIONS) else (Line("unchecked.medications"),)
        out.append(
            Recommendation(
                code=code,
                category=Category.SAFETY if over else Category.INFO,
                severity=Severity.WARNING if over else Severity.INFO,
                summary=Line(f"summary.{code}" if over else f"summary.{code}.{found.value}", params),
                facts=tuple(dose_lines(total, ctx)),
                advice=tuple(advice),
                unchecked=unchecked,
                rule="dose_totals",
            )
        )
    return out
