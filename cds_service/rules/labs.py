"""Lab-driven rules: 25(OH)D interpretation (decision 6) and the two-month check (decision 7)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from cds_service.facts.model import Domain, LabOrder, LabResult, MedicationUse
from cds_service.knowledge import units
from cds_service.knowledge.model import Knowledge
from cds_service.rules import doses, lines
from cds_service.rules.context import RuleContext, aware, months_ago
from cds_service.rules.model import Category, LabOrderProposal, Line, Recommendation, Severity


class VitdBand(StrEnum):
    INDETERMINATE = "indeterminate"
    SEVERE = "severe"  # severe deficiency
    DEFICIENT = "deficient"
    BELOW_TARGET = "below-target"
    ON_TARGET = "on-target"
    ABOVE_TARGET = "above-target"
    HIGH = "high"  # possibly too high
    TOXIC = "toxic"



def band_severity(band: VitdBand, knowledge: Knowledge) -> Severity:
    """The card indicator of a band (``vitd-band-<band>`` in the safety PlanDefinition)."""
    return Severity(knowledge.safety.vitd_band_severity[band.value])


EXCESS = frozenset({VitdBand.HIGH, VitdBand.TOXIC})
LOW = frozenset({VitdBand.SEVERE, VitdBand.DEFICIENT, VitdBand.BELOW_TARGET})
ABOVE = frozenset({VitdBand.ABOVE_TARGET, VitdBand.HIGH, VitdBand.TOXIC})


def vitd_band(result: LabResult, knowledge: Knowledge) -> VitdBand:
    """The decision-6 band of one 25(OH)D result, comparing with the target in its own unit."""
    p = knowledge.param
    value = result.value
    if value is None or not p("vitd-plausible-min-nmol") <= value <= p("vitd-plausible-max-nmol"):
        return VitdBand.INDETERMINATE
    if value < p("vitd-severe-below-nmol"):
        band = VitdBand.SEVERE
    elif value < p("vitd-deficient-below-nmol"):
        band = VitdBand.DEFICIENT
    elif value < p("vitd-target-low-nmol"):
        band = VitdBand.BELOW_TARGET
    elif value <= p("vitd-target-high-nmol"):
        band = VitdBand.ON_TARGET
    elif value <= p("vitd-high-above-nmol"):
        band = VitdBand.ABOVE_TARGET
    elif value <= p("vitd-toxic-above-nmol"):
        band = VitdBand.HIGH
    else:
        band = VitdBand.TOXIC
    original = result.original_value
    if original is None or result.unit_flagged or not lines.is_mass_unit(result.original_unit):
        return band
    # The guideline states its target in ng/mL too (36-40): judge a mass-unit result in that unit.
    low, high = p("vitd-target-low-ngml"), p("vitd-target-high-ngml")
    if low <= original <= high:
        return VitdBand.ON_TARGET
    if band is VitdBand.ON_TARGET:
        return VitdBand.BELOW_TARGET if original < low else VitdBand.ABOVE_TARGET
    return band


def target_line(knowledge: Knowledge) -> Line:
    p = knowledge.param
    return Line(
        "advice.vitd.target",
        {
            "low": p("vitd-target-low-nmol"),
            "high": p("vitd-target-high-nmol"),
            "low_ng": p("vitd-target-low-ngml"),
            "high_ng": p("vitd-target-high-ngml"),
        },
    )


def vitd_status(ctx: RuleContext) -> list[Recommendation]:
    """``vitd-status`` / ``safety-vitd-excess`` from the latest current 25(OH)D.

    Who gets it: an excess or toxic result is an alert for everyone (decisions 9 and 13), always as
    ``safety-vitd-excess`` (a safety code, so snoozing the lab interpretation never hides it), its
    summary naming vitamin D use when there is some; any other band (and an uninterpretable result)
    is ``vitd-status``, only for adults with an indication or on vitamin D. An
    excess or toxic result without a current serum calcium proposes a serum calcium order
    (decision 13; above 375 nmol/L too, where the advice already says to check it).
    """
    result = ctx.current_vitd
    if result is None or not ctx.known(Domain.VITAMIN_D):
        return []
    band = vitd_band(result, ctx.knowledge)
    if band is VitdBand.ON_TARGET:
        return []
    on_vitd = ctx.taking("vitamin-d") + ctx.taking("active-vitamin-d")
    if band in LOW and before_current_vitd(result, ctx):
        return []  # decision 15: the state before supplementation; the two-month check follows
    if band not in EXCESS and not (ctx.adult and (ctx.has_indication or on_vitd)):
        return []
    facts = [lines.vitd_line(result)]
    if result.unit_flagged:
        facts.append(Line("fact.lab.unit-flagged", {"unit": lines.lab_unit(result.original_unit)}))
    if on_vitd:
        facts.append(lines.medication_line("fact.taking-vitd", on_vitd))
    nmol = round(result.value, 1) if result.value is not None else None
    summary_params = {"nmol": nmol, "date": result.effective.date() if result.effective else None}
    advice = [Line(f"advice.vitd.{band.value}")]
    if band is VitdBand.INDETERMINATE:
        advice = [Line("advice.vitd.indeterminate", {"problem": Line(f"problem.{result.problem or 'implausible'}")})]
    calcium_order = None
    unchecked: tuple[Line, ...] = ()
    if band in EXCESS:
        if ctx.calcium is not None:
            facts.append(lines.calcium_line(ctx.calcium))
        elif not ctx.known(Domain.CALCIUM):
            unchecked = (Line("unchecked.calcium"),)
        else:  # decision 13: no current serum calcium in the record: propose one
            if ctx.calcium_indeterminate is not None:
                facts.append(lines.lab_line(ctx.calcium_indeterminate))
            else:
                facts.append(Line("fact.no-calcium", {"months": int(ctx.param("lab-current-months"))}))
            advice.append(Line("advice.order-calcium"))
            refs = (result.source.reference,) if result.source.reference else ()
            calcium_order = LabOrderProposal(lab="lab-calcium", reason_references=refs)
    advice.append(target_line(ctx.knowledge))
    code = "safety-vitd-excess" if band in EXCESS else "vitd-status"
    category = Category.SAFETY if code == "safety-vitd-excess" else Category.LAB
    summary_key = f"summary.{code if on_vitd else 'vitd-status'}.{band.value}"
    return [
        Recommendation(
            code=code,
            category=category,
            severity=band_severity(band, ctx.knowledge),
            summary=Line(summary_key, summary_params),
            facts=tuple(facts),
            advice=tuple(advice),
            unchecked=unchecked,
            lab_order=calcium_order,
            rule="vitd_status",
        )
    ]


# --- the two-month check --------------------------------------------------------------------


def vitd_clock(ctx: RuleContext) -> tuple[date, date, list[MedicationUse]] | None:
    """(episode start, clock start, records) of the current plain vitamin D use, or None.

    The episode merges records bridging gaps up to gc-gap-bridge-days (the same bridging as for
    glucocorticoids). The clock restarts at a change of the total daily dose by at least
    vitd-dose-change-fraction (terminology 3.3), when both totals are known.
    """
    today = ctx.today
    records = sorted(
        ((m.start, m) for m in ctx.facts.medications if "vitamin-d" in m.groups and not m.draft and m.start is not None),
        key=lambda dated: dated[0],
    )
    if not any(m.active for _, m in records):
        return None
    bridge = timedelta(days=ctx.param("gc-gap-bridge-days"))
    starts: list[date] = []
    episode: list[MedicationUse] = []
    episode_end: date | None = None
    for began, use in records:
        end = use.end or (today if use.active else began)
        if episode_end is None or began > episode_end + bridge:
            starts, episode = [], []
            episode_end = end
        starts.append(began)
        episode.append(use)
        episode_end = max(episode_end, end)
    start = clock = starts[0]
    change = ctx.param("vitd-dose-change-fraction")
    points = sorted(set(starts) | {u.end + timedelta(days=1) for u in episode if u.end and u.end < today})
    days = [start, *(point for point in points if start < point <= today)]
    totals = doses.totals_on(episode, "vitamin-d", days, today)  # one sweep, not one scan per day
    last = totals[0]
    for point, total in zip(days[1:], totals[1:]):
        if not total:  # unknown dose, or a bridged gap: no comparison
            continue
        if last and abs(total - last) >= change * last:
            clock = point
        last = total
    return start, clock, episode


def before_current_vitd(result: LabResult, ctx: RuleContext) -> bool:
    """Whether a 25(OH)D was measured before the start (or last dose change) of the plain vitamin D
    the patient takes now (decision 15): it describes the state before supplementation. A result on
    the start day counts as after it, as it does for the two-month check."""
    if result.effective is None or not ctx.known(Domain.MEDICATIONS):
        return False
    found = vitd_clock(ctx)
    return found is not None and result.effective.date() < found[1]


def counts_as_check(order: LabOrder, clock: date) -> bool:
    """Whether a pending 25(OH)D order is the check for a clock started on ``clock``.

    Its planned date (``occurrence``) decides when it has one: a test planned after the start is the
    check, one planned on or before it is a baseline. Without a planned date, an order authored on
    or after the start counts (terminology 3.3); an undated order is given the benefit of the doubt.
    """
    if order.occurrence is not None:
        return order.occurrence > clock
    return order.authored is None or order.authored >= clock


def on_target_recently(ctx: RuleContext) -> bool:
    """The latest 25(OH)D is on target and younger than ``vitd-recheck-quiet-months`` (terminology
    3.3: "do not re-remind for 3 months if in target"); 0 months switches the quiet period off."""
    dated = [(aware(r.effective), r) for r in ctx.facts.vitamin_d if r.effective is not None]
    if not dated:
        return False
    when, latest = max(dated, key=lambda pair: pair[0])
    quiet_since = months_ago(ctx.facts.now, ctx.param("vitd-recheck-quiet-months"))
    return when > aware(quiet_since) and vitd_band(latest, ctx.knowledge) is VitdBand.ON_TARGET


def vitd_recheck(ctx: RuleContext) -> list[Recommendation]:
    """``vitd-recheck``: vitamin D (or its dose change) >= 8 weeks ago, no result or order since.

    One reminder per start or dose change (decision 7): any counted result since the clock started
    ends it, whatever its band (an off-target result gets its own ``vitd-status`` card, and a dose
    change it leads to restarts the clock). An on-target result within ``vitd-recheck-quiet-months``
    also keeps it quiet when a later dose change restarted the clock.

    Deliberately no "check due in N days" card between day 42 and 56 (terminology 3.3 calls it
    optional): it would add a card to every chart view of every new vitamin D user for two weeks,
    with nothing useful to do yet (a test before 8 weeks is not meaningful, and the order hooks
    flag such an order as early). The proposal card already says when to check, and the reminder
    comes on day 56 with a one-click order.
    """
    if not ctx.adult or not ctx.known(Domain.VITAMIN_D) or not ctx.known(Domain.MEDICATIONS):
        return []
    found = vitd_clock(ctx)
    if found is None:
        return []
    start, clock, episode = found
    after_days = int(ctx.param("vitd-check-after-days"))
    if (ctx.today - clock).days < after_days:
        return []
    if any(r.effective is not None and r.effective.date() >= clock for r in ctx.facts.vitamin_d):
        return []
    if any(counts_as_check(o, clock) for o in ctx.facts.lab_orders) or on_target_recently(ctx):
        return []
    window_start = max(ctx.today, clock + timedelta(days=after_days))
    window_end = window_start + timedelta(days=int(ctx.param("vitd-check-window-days")))
    current = [u for u in episode if u.active]
    facts = [lines.medication_line("fact.vitd-start", current, date=start)]
    if clock != start:
        facts.append(Line("fact.vitd-dose-change", {"date": clock}))
    earlier = [(r.effective, r) for r in ctx.facts.vitamin_d if r.effective is not None]
    if earlier:
        facts.append(Line("fact.vitd-last-result", {"line": lines.vitd_line(max(earlier, key=lambda pair: pair[0])[1])}))
    else:
        facts.append(Line("fact.vitd-no-result"))
    unchecked = () if ctx.known(Domain.LAB_ORDERS) else (Line("unchecked.lab-orders"),)
    refs = tuple(dict.fromkeys(u.source.reference for u in current if u.source.reference))
    return [
        Recommendation(
            code="vitd-recheck",
            category=Category.LAB,
            severity=Severity.INFO,
            summary=Line("summary.vitd-recheck", {"date": clock, "weeks": units.whole_weeks(after_days)}),
            facts=tuple(facts),
            advice=(Line("advice.vitd-recheck", {"weeks": units.whole_weeks(after_days)}), target_line(ctx.knowledge)),
            unchecked=unchecked,
            lab_order=LabOrderProposal(start=window_start, end=window_end, reason_references=refs),
            rule="vitd_recheck",
        )
    ]
