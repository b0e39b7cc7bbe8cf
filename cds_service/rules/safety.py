"""Safety rules (decision 9, terminology section 4): for every adult, indication or not.

Each ``safety_*`` function is one rule producing at most one card. :func:`conflicts` and
:func:`unchecked` tell the proposal which nutrients to withhold, from the same checks, so a card
and the proposal never disagree.

The tables (which groups interact, with what severity; which conditions and drugs; which data each
nutrient's checks need) are data: ``PlanDefinition/bone-health-safety`` in ``fhir_profiles/``, read
through ``ctx.knowledge.safety`` (:class:`~cds_service.knowledge.tables.SafetyTables`).
"""

from __future__ import annotations

from cds_service.facts.model import Domain, LabResult, MedicationUse, SafetyCondition, value_of
from cds_service.rules import lines
from cds_service.rules.context import RuleContext
from cds_service.rules.labs import VitdBand, vitd_band
from cds_service.rules.model import Category, Line, Recommendation, Severity

_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def worst(severities: list[Severity]) -> Severity:
    return max(severities, key=_RANK.__getitem__)


def conditions(ctx: RuleContext, *kinds: str) -> list[SafetyCondition]:
    return [c for c in ctx.facts.safety_conditions if c.kind in kinds]


def condition_line(condition: SafetyCondition) -> Line:
    return Line("fact.condition", {"kind": Line(f"condition.{condition.kind}"), "display": lines.source_label(condition.source)})


def current_uses(ctx: RuleContext, *groups: str) -> list[MedicationUse]:
    """Current records in any of the groups, each once (a Ca+D product is in two groups)."""
    return list(ctx.uses(groups))


def rule_severity(ctx: RuleContext, code: str) -> Severity:
    """The card indicator of a safety rule (its action in the safety PlanDefinition)."""
    return Severity(ctx.knowledge.safety.severity[code])


def _card(code: str, severity: Severity, summary: Line, facts: list[Line], advice: list[Line], **extra) -> Recommendation:
    return Recommendation(
        code=code,
        category=Category.SAFETY,
        severity=severity,
        summary=summary,
        facts=tuple(facts),
        advice=tuple(advice),
        rule=code.replace("-", "_"),
        **extra,
    )


# --- rules ----------------------------------------------------------------------------------


def safety_k2_vka(ctx: RuleContext) -> list[Recommendation]:
    """Vitamin K2 with a vitamin K antagonist: critical."""
    k2, vka = current_uses(ctx, "vitamin-k2"), current_uses(ctx, "vka")
    if not (k2 and vka):
        return []
    drafts = tuple(u.resource_id for u in k2 if u.draft and u.resource_id)
    return [
        _card(
            "safety-k2-vka",
            rule_severity(ctx, "safety-k2-vka"),
            Line("summary.safety-k2-vka"),
            [lines.medication_line("fact.taking-k2", k2), lines.medication_line("fact.taking-vka", vka)],
            [Line("advice.k2-vka")],
            delete_orders=drafts,
        )
    ]


def safety_hypercalcaemia(ctx: RuleContext) -> list[Recommendation]:
    """A high serum calcium, for every adult (decision 13: an alert of its own, with or without an
    indication or supplements); and vitamin D / calcium with a calcium-related condition.

    The summary leads with the finding and its value; the facts give the result's date. Thiazide or
    digoxin use is named with its own advice; taken vitamin D / calcium gets "stop or pause".
    """
    supplements = current_uses(ctx, "vitamin-d", "calcium")
    level = ctx.calcium_level
    found = conditions(ctx, *ctx.knowledge.safety.calcium_conditions)
    if not (level or (supplements and found)):
        return []
    facts: list[Line] = []
    advice: list[Line] = []
    if ctx.calcium is not None:
        facts.append(lines.calcium_line(ctx.calcium))
    facts += [condition_line(c) for c in found]
    if supplements:
        facts.append(lines.medication_line("fact.taking-vitd-calcium", supplements))
        advice.append(Line("advice.hypercalcaemia.hold"))
        advice += [Line(f"advice.condition.{k}") for k in dict.fromkeys(c.kind for c in found)]
    elif level:
        advice.append(Line("advice.hypercalcaemia.no-start"))
    if level:
        for group in ctx.knowledge.safety.high_calcium_drugs:
            uses = current_uses(ctx, group)
            if uses:
                facts.append(lines.medication_line(f"fact.taking-{group}", uses))
                advice.append(Line(f"advice.{group}-high-calcium"))
    if level == "critical":
        advice.append(Line("advice.hypercalcaemia.critical", {"limit": ctx.param("calcium-critical-mmol")}))
    tables = ctx.knowledge.safety
    indicator = Severity(tables.calcium_level_severity[level]) if level else rule_severity(ctx, "safety-hypercalcaemia")
    if level:
        summary = Line(f"summary.safety-hypercalcaemia.{level}", {"mmol": round(value_of(ctx.calcium), 2)})
    else:
        summary = Line("summary.safety-hypercalcaemia.condition", {"condition": Line(f"condition.{found[0].kind}")})
    return [_card("safety-hypercalcaemia", indicator, summary, facts, advice)]


def safety_mineral_spacing(ctx: RuleContext) -> list[Recommendation]:
    """Calcium / magnesium taken together with a drug whose absorption they reduce."""
    minerals = current_uses(ctx, "calcium", "magnesium")
    spacing = ctx.knowledge.safety.spacing
    hits = [(group, current_uses(ctx, group)) for group in spacing]
    hits = [(g, u) for g, u in hits if u]
    if not (minerals and hits):
        return []
    facts = [lines.medication_line("fact.taking-minerals", minerals)]
    facts += [lines.medication_line("fact.taking-interacting", uses, group=Line(f"group.{g}")) for g, uses in hits]
    advice = [Line(f"advice.spacing.{g}") for g, _ in hits]
    indicator = worst([Severity(spacing[g]) for g, _ in hits])
    summary = Line("summary.safety-mineral-spacing", {"group": Line(f"group.{hits[0][0]}")})
    if len(hits) > 1:
        summary = Line("summary.safety-mineral-spacing.many", {"count": len(hits)})
    return [_card("safety-mineral-spacing", indicator, summary, facts, advice)]


def safety_magnesium_kidney(ctx: RuleContext) -> list[Recommendation]:
    """eGFR below the threshold, severe CKD or dialysis, when magnesium is taken or would be
    proposed (decision 13): the summary leads with the eGFR value (or the coded kidney disease)."""
    magnesium = current_uses(ctx, "magnesium")
    found = conditions(ctx, "ckd-severe")
    would_propose = ctx.proposal_eligible and "magnesium" in ctx.knowledge.nutrients
    if not ((magnesium or would_propose) and (ctx.egfr_low or found)):
        return []
    facts = [lines.egfr_line(ctx.egfr)] if ctx.egfr is not None and ctx.egfr_low else []
    facts += [condition_line(c) for c in found]
    if magnesium:
        facts.append(lines.medication_line("fact.taking-magnesium", magnesium))
    limit = ctx.param("egfr-magnesium-min")
    taken = ".taken" if magnesium else ""
    if ctx.egfr_low:
        summary = Line(f"summary.safety-magnesium-kidney.egfr{taken}", {"egfr": round(value_of(ctx.egfr)), "limit": limit})
    else:
        summary = Line(f"summary.safety-magnesium-kidney.ckd{taken}")
    advice = [Line("advice.magnesium-kidney" if magnesium else "advice.magnesium-kidney.not-proposed")]
    return [_card("safety-magnesium-kidney", rule_severity(ctx, "safety-magnesium-kidney"), summary, facts, advice)]


def safety_soy_endocrine(ctx: RuleContext) -> list[Recommendation]:
    """Soy isoflavones with tamoxifen, an aromatase inhibitor, or ER-positive breast cancer."""
    soy = current_uses(ctx, "soy-isoflavones")
    drugs = current_uses(ctx, *ctx.knowledge.safety.soy_endocrine_drugs)
    found = conditions(ctx, "er-positive-breast-cancer")
    if not (soy and (drugs or found)):
        return []
    facts = [lines.medication_line("fact.taking-soy", soy)]
    if drugs:
        facts.append(lines.medication_line("fact.taking-endocrine", drugs))
    facts += [condition_line(c) for c in found]
    return [_card("safety-soy-endocrine", rule_severity(ctx, "safety-soy-endocrine"), Line("summary.safety-soy-endocrine"), facts, [Line("advice.soy-endocrine")])]


def safety_soy_levothyroxine(ctx: RuleContext) -> list[Recommendation]:
    soy, thyroid = current_uses(ctx, "soy-isoflavones"), current_uses(ctx, "levothyroxine")
    if not (soy and thyroid):
        return []
    facts = [lines.medication_line("fact.taking-soy", soy), lines.medication_line("fact.taking-levothyroxine", thyroid)]
    return [_card("safety-soy-levothyroxine", rule_severity(ctx, "safety-soy-levothyroxine"), Line("summary.safety-soy-levothyroxine"), facts, [Line("advice.soy-levothyroxine")])]


def safety_ipriflavone(ctx: RuleContext) -> list[Recommendation]:
    """Ipriflavone taken: lymphocytopenia, no proven benefit; theophylline interaction."""
    ipriflavone = current_uses(ctx, "ipriflavone")
    if not ipriflavone:
        return []
    facts = [lines.medication_line("fact.taking-ipriflavone", ipriflavone)]
    advice = [Line("advice.ipriflavone")]
    theophylline = current_uses(ctx, "theophylline")
    if theophylline:
        facts.append(lines.medication_line("fact.taking-theophylline", theophylline))
        advice.append(Line("advice.ipriflavone-theophylline"))
    immune = conditions(ctx, "immunosuppression")
    if immune:
        facts += [condition_line(c) for c in immune]
        advice.append(Line("advice.ipriflavone-immunosuppression"))
    key = "summary.safety-ipriflavone.theophylline" if theophylline else "summary.safety-ipriflavone"
    return [_card("safety-ipriflavone", rule_severity(ctx, "safety-ipriflavone"), Line(key), facts, advice)]


def safety_active_vitd(ctx: RuleContext) -> list[Recommendation]:
    """Plain vitamin D on top of alfacalcidol / calcitriol."""
    plain, active = current_uses(ctx, "vitamin-d"), current_uses(ctx, "active-vitamin-d")
    if not (plain and active):
        return []
    facts = [lines.medication_line("fact.taking-vitd", plain), lines.medication_line("fact.taking-active-vitd", active)]
    return [_card("safety-active-vitd", rule_severity(ctx, "safety-active-vitd"), Line("summary.safety-active-vitd"), facts, [Line("advice.active-vitd")])]


SAFETY_RULES = (
    safety_k2_vka,
    safety_hypercalcaemia,
    safety_mineral_spacing,
    safety_magnesium_kidney,
    safety_soy_endocrine,
    safety_soy_levothyroxine,
    safety_ipriflavone,
    safety_active_vitd,
)


# --- what the proposal must respect ---------------------------------------------------------


def conflicts(ctx: RuleContext) -> dict[str, list[Line]]:
    """Nutrient -> reasons it must not be proposed (contraindications and major interactions)."""
    out: dict[str, list[Line]] = {}
    vka = current_uses(ctx, "vka")
    if vka:
        out.setdefault("vitamin-k2", []).append(lines.medication_line("withheld.vka", vka))
    toxic = _toxic_vitd(ctx)
    for nutrient in ("calcium", "vitamin-d"):
        if toxic is not None:
            out.setdefault(nutrient, []).append(Line("withheld.vitd-toxic", {"nmol": round(value_of(toxic), 1)}))
        if ctx.calcium_level:
            out.setdefault(nutrient, []).append(Line("withheld.calcium-high", {"mmol": round(value_of(ctx.calcium), 2)}))
        for c in conditions(ctx, *ctx.knowledge.safety.calcium_conditions):
            out.setdefault(nutrient, []).append(Line("withheld.condition", {"condition": lines.source_label(c.source)}))
    active = current_uses(ctx, "active-vitamin-d")
    if active:
        out.setdefault("vitamin-d", []).append(lines.medication_line("withheld.active-vitd", active))
    if ctx.egfr_low:
        out.setdefault("magnesium", []).append(Line("withheld.egfr", {"egfr": round(value_of(ctx.egfr)), "limit": ctx.param("egfr-magnesium-min")}))
    for c in conditions(ctx, "ckd-severe"):
        out.setdefault("magnesium", []).append(Line("withheld.condition", {"condition": lines.source_label(c.source)}))
    endocrine = current_uses(ctx, *ctx.knowledge.safety.soy_endocrine_drugs)
    if endocrine:
        out.setdefault("soy-isoflavones", []).append(lines.medication_line("withheld.soy-endocrine", endocrine))
    for c in conditions(ctx, "er-positive-breast-cancer"):
        out.setdefault("soy-isoflavones", []).append(Line("withheld.condition", {"condition": lines.source_label(c.source)}))
    return out


def _toxic_vitd(ctx: RuleContext) -> LabResult | None:
    """The current 25(OH)D when it is in the toxic range (decision 13: then neither vitamin D nor
    calcium is proposed)."""
    result = ctx.current_vitd
    if result is None or not ctx.known(Domain.VITAMIN_D) or vitd_band(result, ctx.knowledge) is not VitdBand.TOXIC:
        return None
    return result


def missing_domains(ctx: RuleContext, nutrient: str) -> list[Domain]:
    """The domains a nutrient's safety checks need that could not be obtained, or whose latest
    result cannot be interpreted (an implausible serum calcium or eGFR leaves the check open).

    The domains per nutrient are data (``checks-<nutrient>`` in the safety PlanDefinition). A
    missing 25(OH)D is not a safety check (it only decides whether more vitamin D is needed).
    """
    needed = (Domain(d) for d in ctx.knowledge.safety.check_domains.get(nutrient, ()))
    return [d for d in needed if not ctx.known(d) or ctx.indeterminate(d)]


def unchecked_line(ctx: RuleContext, domain: Domain) -> Line:
    """What could not be checked for a domain: not obtained, or its latest result uninterpretable."""
    result = ctx.indeterminate(domain) if ctx.known(domain) else None
    if result is None:
        return Line(f"unchecked.{domain.value}")
    when = result.effective.date() if result.effective else None
    params = {"date": when, "value": result.original_value, "unit": result.original_unit or "?"}
    return Line(f"unchecked.{domain.value}.indeterminate", params)


def proposal_notes(ctx: RuleContext, proposed: set[str], taken: frozenset[str] = frozenset()) -> list[Line]:
    """Advice lines (not withholding) for the nutrients being proposed: spacing, severe kidney
    disease with calcium / vitamin D, thiazide/digoxin, soy with levothyroxine.

    The kidney and thiazide/digoxin notes also cover calcium and vitamin D already ``taken``: those
    combinations get no safety card while serum calcium is normal (terminology section 4: "note in
    the recommendation"), so the note is the only place they are mentioned. Spacing with a taken
    mineral has its own card (``safety_mineral_spacing``).
    """
    notes: list[Line] = []
    if proposed & {"calcium", "magnesium"}:
        for group in ctx.knowledge.safety.spacing:
            uses = current_uses(ctx, group)
            if uses:
                notes.append(lines.medication_line(f"advice.spacing.{group}.proposal", uses))
    if (proposed | taken) & {"calcium", "vitamin-d"}:
        kidney = [lines.egfr_line(ctx.egfr)] if ctx.egfr is not None and ctx.egfr_low else []
        kidney += [condition_line(c) for c in conditions(ctx, "ckd-severe")]
        if kidney:  # terminology 3.2: eGFR < 30 -> calcium + vitamin D with caution (a note, not withheld)
            notes.append(Line("advice.kidney-calcium-vitd", {"facts": kidney}))
        for group in ctx.knowledge.safety.high_calcium_drugs:
            uses = current_uses(ctx, group)
            if uses:
                notes.append(lines.medication_line(f"advice.{group}-note", uses))
    if "soy-isoflavones" in proposed:
        uses = current_uses(ctx, "levothyroxine")
        if uses:
            notes.append(lines.medication_line("advice.soy-levothyroxine.proposal", uses))
    return notes
