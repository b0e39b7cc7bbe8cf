"""Order-hook rules: advice at the moment of ordering (order-select, order-sign).

Draft orders reach the rules as ``MedicationUse(draft=True)`` and ``LabOrder(draft=True)``. A rule
here fires only when at least one draft order it is about is *in scope*: on ``order-select`` the
selected drafts, on ``order-sign`` every draft (the final check). What is not specific to orders
(the supplement proposals, the interaction checks) is reused from the patient-view modules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable

from cds_service.facts.model import Domain, Indication, IndicationKind, MedicationUse, Sex
from cds_service.hooks import ORDER_HOOKS
from cds_service.knowledge.model import NUTRIENTS
from cds_service.rules import lines
from cds_service.rules.context import RuleContext
from cds_service.rules.dose_checks import dose_totals
from cds_service.rules.model import Category, Line, Recommendation, Severity
from cds_service.rules.order_labs import vitd_order_above_target, vitd_order_check, vitd_recheck_early
from cds_service.rules.proposals import NHG_FRACTURE_PREVENTION, NO_BONE_DRUG, bone_supplements
from cds_service.rules.safety import SAFETY_RULES, missing_domains, unchecked_line
from cds_service.rules.scope import current, in_scope, scoped

__all__ = ["ORDER_HOOKS", "ORDER_RULES", "evaluate_orders", "in_scope"]

OrderRule = Callable[[RuleContext], list[Recommendation]]


# --- glucocorticoids without bone protection ----------------------------------------------------


def planned_days(use: MedicationUse, today: date) -> int | None:
    """Planned duration in days of a draft order (end - start, as the facts layer counts it);
    None when it has no end (ongoing)."""
    if use.end is None:
        return None
    return (use.end - (use.start or today)).days


def meets_long_term(use: MedicationUse, ctx: RuleContext) -> bool:
    """Decision 2 for a draft systemic glucocorticoid.

    Whether the draft counts at all (systemic route, not budesonide, not a replacement dose in
    adrenal insufficiency) is the facts layer's call: it counts when it is among the exposure's
    sources. It is long-term when it has no end (ongoing), is planned for ``gc-long-term-days`` or
    more, or when the exposure (which includes the drafts) is long-term.
    """
    exposure = ctx.facts.glucocorticoids
    if exposure is None or use.source not in exposure.sources:
        return False
    days = planned_days(use, ctx.today)
    return days is None or days >= ctx.param("gc-long-term-days") or exposure.long_term


def has_bone_protection(ctx: RuleContext) -> bool:
    """An active (or ordered) bone drug, or both calcium and vitamin D."""
    return ctx.taking_any("bone-drug") or (ctx.taking_any("calcium") and ctx.taking_any("vitamin-d"))


def gc_line(use: MedicationUse, ctx: RuleContext) -> Line:
    days = planned_days(use, ctx.today)
    params = {"drug": lines.source_label(use.source), "start": use.start or ctx.today}
    if days is None:
        return Line("fact.gc-draft.ongoing", params)
    return Line("fact.gc-draft.planned", {**params, "days": days})


def gc_bone_protection(ctx: RuleContext) -> list[Recommendation]:
    """``gc-bone-protection``: a draft long-term systemic glucocorticoid without bone protection.

    The card is the combined supplement recommendation (built by ``proposals.bone_supplements``
    with the draft glucocorticoid as the indication), the glucocorticoid named as the reason, and
    fracture-risk assessment and drug treatment first.
    """
    if IndicationKind.GLUCOCORTICOIDS.value in ctx.config.disabled_triggers:
        return []
    drafts = [d for d in scoped(ctx, "glucocorticoid-systemic") if meets_long_term(d, ctx)]
    if not drafts or has_bone_protection(ctx):
        return []
    added = tuple(Indication(IndicationKind.GLUCOCORTICOIDS, d.source, d.start or ctx.today) for d in drafts)
    facts = replace(ctx.facts, indications=ctx.facts.indications + added)
    cards = bone_supplements(RuleContext(facts, ctx.knowledge, ctx.config, ctx.hook))
    if not cards:
        return []
    card = cards[0]
    injected = [lines.indication_line(i) for i in added]
    return [
        replace(
            card,
            code="gc-bone-protection",
            summary=Line("summary.gc-bone-protection"),
            facts=(*(gc_line(d, ctx) for d in drafts), Line("fact.gc-no-bone-protection"),
                   *(f for f in card.facts if f not in injected)),
            advice=(Line("advice.gc-drug-treatment-first"), *(a for a in card.advice if a.key != NO_BONE_DRUG)),
            rule="gc_bone_protection",
            references=(NHG_FRACTURE_PREVENTION,),
        )
    ]


# --- duplicates -----------------------------------------------------------------------------


def duplicate_supplement(ctx: RuleContext) -> list[Recommendation]:
    """``duplicate-supplement``: a draft supplement of a nutrient the patient already takes."""
    out = []
    for nutrient in NUTRIENTS:
        drafts, taken = scoped(ctx, nutrient), current(ctx, nutrient)
        if not drafts or not taken:
            continue
        out.append(
            Recommendation(
                code="duplicate-supplement",
                category=Category.INFO,
                severity=Severity.INFO,
                summary=Line("summary.duplicate-supplement", {"nutrient": lines.nutrient_name(nutrient)}),
                facts=(
                    lines.medication_line("fact.duplicate.draft", drafts),
                    lines.medication_line("fact.duplicate.current", taken),
                ),
                advice=(Line("advice.duplicate-supplement"),),
                rule="duplicate_supplement",
            )
        )
    return out


# --- safety: the patient-view checks, for the drafts the hook advises on -------------------------


def _without(ctx: RuleContext, use: MedicationUse) -> RuleContext:
    facts = replace(ctx.facts, medications=tuple(m for m in ctx.facts.medications if m is not use))
    return RuleContext(facts, ctx.knowledge, ctx.config, ctx.hook)


def order_safety(ctx: RuleContext) -> list[Recommendation]:
    """Every safety rule of ``safety.py`` (drafts count as medication, both directions), kept only
    when an in-scope draft takes part: the card changes or disappears without it."""
    drafts = [m for m in ctx.facts.medications if in_scope(m, ctx.hook)]
    if not drafts:
        return []
    out: list[Recommendation] = []
    for rule in SAFETY_RULES:
        cards = rule(ctx)
        if cards and any(rule(_without(ctx, d)) != cards for d in drafts):
            out += cards
    return out


def k2_vka_unchecked(ctx: RuleContext) -> list[Recommendation]:
    """A draft vitamin K2 while the medication list could not be obtained: the VKA check is open.

    Decision 9: say what could not be checked. Only when no VKA is visible (else ``safety-k2-vka``
    already fires); no delete suggestion, since nothing is known to conflict.
    """
    drafts = scoped(ctx, "vitamin-k2")
    if not drafts or ctx.known(Domain.MEDICATIONS) or ctx.taking("vka"):
        return []
    return [
        Recommendation(
            code="safety-k2-vka",
            category=Category.SAFETY,
            severity=Severity.WARNING,
            summary=Line("summary.safety-k2-vka.unchecked"),
            facts=(lines.medication_line("fact.taking-k2", drafts),),
            advice=(Line("advice.k2-no-vka"),),
            unchecked=(Line("unchecked.medications"),),
            rule="k2_vka_unchecked",
        )
    ]


# Draft supplements whose section-4 checks can be left open by missing data (vitamin K2 has its
# own card, ``k2_vka_unchecked``, because its open check is the critical VKA combination).
UNCHECKED_NUTRIENTS = ("calcium", "magnesium", "vitamin-d", "soy-isoflavones")


def order_unchecked(ctx: RuleContext) -> list[Recommendation]:
    """``safety-unchecked``: decision 9 on the order hooks.

    A draft supplement in scope whose safety checks (``safety.missing_domains``) need data that could
    not be obtained, or whose latest result cannot be interpreted (a magnesium draft while the eGFR
    is unknown, a calcium or vitamin D draft while serum calcium is unknown or implausible, a soy
    draft while the medication list is missing). The prescriber chose the order, so it is not
    withheld and nothing is deleted: one information card names each draft and its open checks,
    and says what could not be obtained. Information, not a warning: nothing is known to conflict,
    and a site whose prefetch never carries a lab would otherwise warn on every order.
    """
    items: list[Line] = []
    open_domains: dict = {}
    for nutrient in UNCHECKED_NUTRIENTS:
        drafts = scoped(ctx, nutrient)
        gaps = missing_domains(ctx, nutrient) if drafts else []
        if not gaps:
            continue
        checks = [Line(f"check.{nutrient}.{d.value}") for d in gaps]
        items.append(lines.medication_line("fact.unchecked-draft", drafts, nutrient=lines.nutrient_name(nutrient), checks=checks))
        open_domains.update(dict.fromkeys(gaps))
    if not items:
        return []
    return [
        Recommendation(
            code="safety-unchecked",
            category=Category.SAFETY,
            severity=Severity.INFO,
            summary=Line("summary.safety-unchecked", {"nutrients": [i.params["nutrient"] for i in items]}),
            facts=tuple(items),
            advice=(Line("advice.safety-unchecked"),),
            unchecked=tuple(unchecked_line(ctx, d) for d in open_domains),
            rule="order_unchecked",
        )
    ]


def soy_male(ctx: RuleContext) -> list[Recommendation]:
    """A draft soy isoflavone order for a man: probably less effective (decision 5)."""
    drafts = scoped(ctx, "soy-isoflavones")
    if ctx.facts.sex is not Sex.MALE or not drafts:
        return []
    return [
        Recommendation(
            code="bone-supplements",
            category=Category.INFO,
            severity=Severity.INFO,
            summary=Line("summary.order-soy-men"),
            facts=(lines.medication_line("fact.soy-draft", drafts),),
            advice=(Line("advice.order-soy-men"),),
            rule="soy_male",
        )
    ]


ORDER_RULES: tuple[OrderRule, ...] = (
    order_safety,
    k2_vka_unchecked,
    order_unchecked,
    gc_bone_protection,
    dose_totals,
    duplicate_supplement,
    soy_male,
    vitd_order_check,
    vitd_order_above_target,
    vitd_recheck_early,
)


def evaluate_orders(ctx: RuleContext) -> list[Recommendation]:
    """All order-hook rules for one evaluation (the engine applies site switches and ordering)."""
    if ctx.hook not in ORDER_HOOKS:
        return []
    return [card for rule in ORDER_RULES for card in rule(ctx)]
