"""Rule helpers: current records each once in group order, drafts current and stopped ones not, and
lines per nutrient that follow the nutrient they are given."""

from __future__ import annotations

from dataclasses import replace

from cds_service.rules import lines
from cds_service.rules.context import RuleContext
from cds_service.rules.engine import RuleConfig
from cds_service.rules.safety import current_uses
from tests.rules.builders import knowledge, med, patient


def test_current_uses_lists_each_record_once_in_group_order():
    ca_d, d, ca = med("calcium", "vitamin-d"), med("vitamin-d"), med("calcium")
    ctx = RuleContext(patient(medications=(ca_d, d, ca)), knowledge(), RuleConfig(), "patient-view")
    both = current_uses(ctx, "vitamin-d", "calcium")
    assert both == [ca_d, d, ca]
    assert current_uses(ctx, "calcium", "vitamin-d") == [ca_d, ca, d]
    both.clear()  # a caller's list is its own
    assert current_uses(ctx, "vitamin-d", "calcium") == [ca_d, d, ca]
    assert current_uses(ctx, "vka") == []


def test_lines_per_nutrient_follow_the_nutrient_object():
    vitd = knowledge().nutrients["vitamin-d"]
    assert lines.dose_line(vitd) == lines.dose_line(vitd)
    changed = replace(vitd, evidence_dots=1)
    assert lines.dose_line(changed).params["dots"] == "●"
    assert lines.dose_line(vitd).params["dots"] == lines.dots(vitd.evidence_dots)
    assert lines.guideline_amount(changed) == lines.guideline_amount(vitd)


def test_taking_is_the_current_records_of_a_group():
    records = (
        med("calcium", "vitamin-d"),
        med("vitamin-d", active=False),  # stopped: not current
        med("vka", draft=True),  # a draft order is current
        med("calcium"),
        med("magnesium", active=False, draft=True),
    )
    facts = patient(medications=records)
    ctx = RuleContext(facts, knowledge(), RuleConfig(), "order-sign")
    assert ctx.taking("vitamin-d") == (records[0],)
    assert ctx.taking("vka") == (records[2],)
    assert ctx.taking("calcium") == (records[0], records[3])
    assert ctx.taking("magnesium") == (records[4],)  # a draft, although not active
    assert ctx.taking("soy-isoflavones") == ()
