"""Who gets cards at all, site switches, ordering and hooks."""

from __future__ import annotations

from cds_service.facts.model import Sex
from cds_service.rules.engine import RULES, RuleConfig
from cds_service.rules.model import Category, Severity
from tests.rules.builders import by_code, med, patient, run, vitd

DANGER = (med("vitamin-k2"), med("vka"))


def test_deceased_get_nothing():
    assert run(patient(deceased=True, medications=DANGER)) == []


def test_children_get_nothing():
    assert run(patient(age=17, medications=DANGER, vitamin_d=(vitd(400),))) == []


def test_adult_age_is_inclusive():
    assert "bone-supplements" in by_code(patient(age=18, sex=Sex.MALE))


def test_unknown_age_gets_safety_only():
    cards = by_code(patient(age=None, medications=(*DANGER, med("vitamin-d", start=None)), vitamin_d=(vitd(55),)))
    assert set(cards) == {"safety-k2-vka"}
    assert all(c.category is Category.SAFETY for c in cards.values())


def test_unknown_age_still_sees_a_toxic_level():
    assert by_code(patient(age=None, vitamin_d=(vitd(400),)))["safety-vitd-excess"].severity is Severity.CRITICAL


def test_pregnancy_keeps_safety_cards():
    cards = by_code(patient(pregnant=True, medications=DANGER))
    assert "safety-k2-vka" in cards and "bone-supplements" not in cards


def test_disabled_rules_are_switched_off_by_code():
    facts = patient(medications=DANGER)
    assert {"safety-k2-vka", "bone-supplements"} <= set(by_code(facts))
    cards = by_code(facts, RuleConfig(disabled_rules=frozenset({"safety-k2-vka"})))
    assert "safety-k2-vka" not in cards and "bone-supplements" in cards


def test_most_severe_first():
    recs = run(patient(medications=(*DANGER, med("calcium"), med("oral-iron"))))
    order = [r.severity for r in recs]
    assert order[0] is Severity.CRITICAL
    assert order == sorted(order, key=[Severity.CRITICAL, Severity.WARNING, Severity.INFO].index)


def test_unknown_hook_gives_nothing():
    assert run(patient(medications=DANGER), hook="encounter-discharge") == []


def test_patient_view_rule_list_is_plain_functions():
    assert all(callable(rule) for rule in RULES["patient-view"])
    assert all(r.rule for r in run(patient(medications=DANGER)))
