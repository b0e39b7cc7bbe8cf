"""The one combined supplement recommendation (decisions 1, 3, 4, 5, 8, 9, 10).

Who: adults with at least one enabled indication, not pregnant or breastfeeding. What: calcium,
magnesium, vitamin D and vitamin K2 (and soy isoflavones for women around or after menopause),
minus what the patient already takes, minus what a safety check forbids or could not check.

Decisions 9 and 14 with unknown data (see ``safety.missing_domains``): a nutrient whose safety checks
need data that could not be obtained (medications, conditions, serum calcium, eGFR), or whose latest
serum calcium or eGFR cannot be interpreted, cannot be checked; then the *whole* proposal is
withheld (no fragment such as "vitamin K2 only": the guideline means them together), and the card
says what could not be checked. Unknown 25(OH)D results do *not* withhold vitamin D (the level only
decides whether more is needed, and the two-month check follows): the card says it was not checked.
A lab the record lacks while a check needs it (serum calcium with a thiazide, digoxin or severe
kidney disease; eGFR with coded CKD) is ordered with the supplements (``proposal_labs``).
"""

from __future__ import annotations

from cds_service.facts.model import Domain, IndicationKind, MedicationUse, Sex, value_of
from cds_service.knowledge import units
from cds_service.knowledge.model import Nutrient
from cds_service.rules import doses, lines
from cds_service.rules.context import RuleContext
from cds_service.rules.labs import target_line
from cds_service.rules.model import Category, LabOrderProposal, Line, Proposal, Recommendation, Severity, Withheld
from cds_service.rules.safety import conditions, conflicts, current_uses, missing_domains, proposal_notes, unchecked_line

CORE = ("calcium", "magnesium", "vitamin-d", "vitamin-k2")  # best used together (guideline)
SOY = "soy-isoflavones"
NOT_NEEDED = "withheld.vitd-above-target"  # not a safety reason: on its own it gives no card


def soy_eligible(ctx: RuleContext) -> bool:
    """Women around or after menopause: a coded (post)menopausal state, or age >= soy-age-proxy.

    The coded state counts even when the postmenopausal *trigger* is switched off: it is still a
    fact about the patient.
    """
    if ctx.facts.sex is not Sex.FEMALE:
        return False
    coded = any(i.kind is IndicationKind.POSTMENOPAUSAL for i in ctx.facts.indications)
    return coded or (ctx.facts.age or 0) >= ctx.param("soy-age-proxy")


def taken_line(nutrient: Nutrient, uses: list[MedicationUse]) -> Line:
    """'Already taken' with the total daily amount against the guideline dose, when known."""
    unit = doses.total_unit(nutrient)
    total = doses.daily_total(nutrient.id, uses, unit)
    named = [c.medication for c in total.contributions] + list(total.unknown)
    params: dict[str, object] = {
        "nutrient": lines.nutrient_name(nutrient.id),
        "drugs": ", ".join(dict.fromkeys(lines.source_label(u.source) for u in named)),
    }
    guideline = lines.guideline_amount(nutrient)
    if not total.complete or not doses.dose_checked(nutrient) or guideline is None:
        return Line("taken", params)
    params.update(total=round(total.total.value, 1), unit=lines.unit(unit), guideline=guideline)
    limit = nutrient.upper_limit
    if limit is not None and doses.verdict(total, nutrient) is doses.DoseVerdict.OVER_LIMIT:
        return Line("taken.total.above-limit", {**params, "limit": limit.value, "limit_unit": lines.unit(limit.unit)})
    return Line("taken.total", params)


def _facts(ctx: RuleContext) -> list[Line]:
    facts = [lines.indication_line(i) for i in ctx.indications]
    gc = ctx.facts.glucocorticoids
    if gc is not None and gc.long_term and "glucocorticoids" not in ctx.config.disabled_triggers:
        facts.append(lines.glucocorticoid_line(gc, ctx.knowledge))
    bone_drugs = current_uses(ctx, "bone-drug")
    if bone_drugs:
        facts.append(lines.medication_line("fact.taking-bone-drug", bone_drugs))
    if ctx.current_vitd is not None:
        facts.append(lines.vitd_line(ctx.current_vitd))
    for lab in (ctx.calcium or ctx.calcium_indeterminate, ctx.egfr or ctx.egfr_indeterminate):
        if lab is not None:
            facts.append(lines.lab_line(lab))
    return facts


def _reason_references(ctx: RuleContext) -> tuple[str, ...]:
    refs = [i.source.reference for i in ctx.indications]
    gc = ctx.facts.glucocorticoids
    if gc is not None and gc.long_term and "glucocorticoids" not in ctx.config.disabled_triggers:
        refs += [s.reference for s in gc.sources]
    return tuple(dict.fromkeys(r for r in refs if r))


def _vitd_above_target(ctx: RuleContext) -> bool:
    result = ctx.current_vitd
    return result is not None and result.value is not None and result.value > ctx.param("vitd-target-high-nmol")


def bone_supplements(ctx: RuleContext) -> list[Recommendation]:
    """``bone-supplements``: the combined proposal card."""
    if not ctx.proposal_eligible:
        return []
    soy = soy_eligible(ctx)
    candidates = [n for n in (*CORE, *((SOY,) if soy else ())) if n in ctx.knowledge.nutrients]
    blocked = conflicts(ctx)
    refs = _reason_references(ctx)
    proposals: list[Proposal] = []
    taken: list[Line] = []
    withheld: list[Withheld] = []
    missing: dict[Domain, None] = {}
    for nid in candidates:
        nutrient = ctx.knowledge.nutrients[nid]
        if not nutrient.proposable:
            continue
        uses = current_uses(ctx, nid)
        if uses:
            taken.append(taken_line(nutrient, uses))
            continue
        if nid in blocked:
            withheld += [Withheld(nid, reason) for reason in blocked[nid]]
            continue
        gaps = missing_domains(ctx, nid)
        if gaps:
            missing.update(dict.fromkeys(gaps))
            checks = [Line(f"check.{nid}.{d.value}") for d in gaps]
            withheld.append(Withheld(nid, Line("withheld.unchecked", {"checks": checks})))
            continue
        if nid == "vitamin-d" and _vitd_above_target(ctx):
            withheld.append(Withheld(nid, Line(NOT_NEEDED, {"nmol": round(value_of(ctx.current_vitd), 1), "high": ctx.param("vitd-target-high-nmol")})))
            continue
        proposals.append(Proposal(nutrient=nid, reason_references=refs))
    if missing:  # decision 14: no fragment of the combination while a check is open
        withheld += [Withheld(p.nutrient, Line("withheld.together")) for p in proposals]
        proposals = []
    if not proposals and all(w.reason.key == NOT_NEEDED for w in withheld):
        return []  # nothing new to propose and nothing unsafe to explain
    proposed = {p.nutrient for p in proposals}
    taken_ids = frozenset(nid for nid in candidates if ctx.knowledge.nutrients[nid].proposable and current_uses(ctx, nid))
    labs, lab_facts, lab_advice = _labs_with_proposal(ctx, proposed)
    advice = lab_advice + _advice(ctx, proposed, soy, taken_ids)  # what to do first
    unchecked = [unchecked_line(ctx, d) for d in missing]
    if "vitamin-d" in proposed and not ctx.known(Domain.VITAMIN_D):
        unchecked.append(Line("unchecked.vitamin-d"))
    names = [lines.nutrient_name(p.nutrient) for p in proposals]
    if proposals:
        summary = Line("summary.bone-supplements", {"nutrients": names})
    elif missing:
        summary = Line("summary.bone-supplements.unchecked")
    else:
        summary = Line("summary.bone-supplements.none", {"count": len({w.nutrient for w in withheld})})
    return [
        Recommendation(
            code="bone-supplements",
            category=Category.PROPOSAL,
            severity=Severity.INFO,
            summary=summary,
            facts=(*_facts(ctx), *lab_facts),
            advice=tuple(advice),
            proposals=tuple(proposals),
            already_taken=tuple(taken),
            withheld=tuple(withheld),
            unchecked=tuple(unchecked),
            proposal_labs=labs,
            rule="bone_supplements",
            references=(NHG_FRACTURE_PREVENTION,) if any(a.key == NO_BONE_DRUG for a in advice) else (),
        )
    ]


def _labs_with_proposal(ctx: RuleContext, proposed: set[str]) -> tuple[tuple[LabOrderProposal, ...], list[Line], list[Line]]:
    """Decision 14: a lab a proposed nutrient's check needs and the record lacks, ordered with it.

    Serum calcium with calcium or vitamin D when a thiazide, digoxin or severe kidney disease (eGFR
    below the limit, CKD 4-5) calls for it; eGFR with magnesium when chronic kidney disease is coded.
    "Lacks": the search arrived and holds no current result (an uninterpretable one already withholds
    the proposal, and a search that did not arrive is "could not be checked").
    """
    labs: list[LabOrderProposal] = []
    facts: list[Line] = []
    advice: list[Line] = []
    months = int(ctx.param("lab-current-months"))
    calcium_for = tuple(n for n in ("calcium", "vitamin-d") if n in proposed)
    if calcium_for and ctx.known(Domain.CALCIUM) and ctx.facts.calcium is None:
        reasons = [*current_uses(ctx, "thiazide", "digoxin")]
        kidney = ctx.egfr_low or bool(conditions(ctx, "ckd-severe"))
        if reasons or kidney:
            refs = [u.source.reference for u in reasons] + [c.source.reference for c in conditions(ctx, "ckd-severe")]
            labs.append(LabOrderProposal(lab="lab-calcium", nutrients=calcium_for, reason_references=_refs(refs)))
            facts.append(Line("fact.no-calcium", {"months": months}))
            advice.append(Line("advice.lab-with-proposal.lab-calcium"))
    if "magnesium" in proposed and ctx.known(Domain.KIDNEY) and ctx.facts.egfr is None:
        ckd = conditions(ctx, "ckd")
        if ckd:
            labs.append(LabOrderProposal(lab="lab-egfr", nutrients=("magnesium",), reason_references=_refs([c.source.reference for c in ckd])))
            facts.append(Line("fact.no-egfr", {"months": months, "condition": Line("condition.ckd")}))
            advice.append(Line("advice.lab-with-proposal.lab-egfr", {"limit": ctx.param("egfr-magnesium-min")}))
    return tuple(labs), facts, advice


def _refs(references: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for r in references if r))


# Decision 16: osteoporosis, a fragility fracture or high-dose long-term glucocorticoids, and no
# osteoporosis drug in the record: one line that asks to check drug treatment (NHG), with its link.
DRUG_CHECK_KINDS = frozenset({IndicationKind.OSTEOPOROSIS, IndicationKind.FRAGILITY_FRACTURE})
NO_BONE_DRUG = "advice.no-bone-drug"
NHG_FRACTURE_PREVENTION = "nhg-fracture-prevention"  # knowledge.references label


def bone_drug_check(ctx: RuleContext) -> bool:
    """Whether the card asks to check fracture-risk assessment and drug treatment (decision 16).

    Only when the medication list arrived: "none found" must mean the record has none.
    """
    if not ctx.known(Domain.MEDICATIONS) or current_uses(ctx, "bone-drug"):
        return False
    if any(i.kind in DRUG_CHECK_KINDS for i in ctx.indications):
        return True
    gc = ctx.facts.glucocorticoids
    enabled = "glucocorticoids" not in ctx.config.disabled_triggers
    return bool(gc is not None and gc.long_term and gc.high_dose and enabled)


def _advice(ctx: RuleContext, proposed: set[str], soy: bool, taken: frozenset[str] = frozenset()) -> list[Line]:
    """This patient's advice only (decision 16): the dose of each proposed nutrient (vitamin K2's
    with its unit note, decision 4), the VKA line with every K2 proposal, the 25(OH)D check with
    vitamin D, why not soy for a man, the notes on this patient's medication, and the drug-treatment
    check. What is the same for every patient (using them together, evidence, ipriflavone, protein,
    supplements next to drug treatment) is on the guideline page the card links to."""
    nutrients = ctx.knowledge.nutrients
    advice = [lines.dose_line(nutrients[n]) for n in (*CORE, SOY) if n in proposed]
    if "vitamin-k2" in proposed:
        advice.append(Line("advice.k2-no-vka"))
    if "vitamin-d" in proposed:
        weeks = units.whole_weeks(int(ctx.param("vitd-check-after-days")))
        advice.append(Line("advice.vitd-check", {"weeks": weeks, **target_line(ctx.knowledge).params}))
    if ctx.facts.sex is Sex.MALE:
        advice.append(Line("advice.soy-men"))
    advice += proposal_notes(ctx, proposed, taken)
    if bone_drug_check(ctx):
        advice.append(Line(NO_BONE_DRUG))
    return advice
