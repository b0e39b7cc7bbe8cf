"""The combined supplement recommendation (decisions 1, 3, 4, 5, 8, 9, 10)."""

from __future__ import annotations

import pytest

from cds_service.facts.model import Domain, IndicationKind, Sex
from cds_service.rules.engine import RuleConfig
from cds_service.rules.model import Category, Line, Severity
from tests.rules.builders import (
    OSTEOPOROSIS,
    by_code,
    calcium,
    condition,
    days_ago,
    egfr,
    gc_exposure,
    indication,
    keys,
    med,
    ngml,
    patient,
    vitd,
)

CORE = ["calcium", "magnesium", "vitamin-d", "vitamin-k2"]


def proposal(facts, config=RuleConfig()):
    return by_code(facts, config).get("bone-supplements")


def proposed(rec) -> list[str]:
    return [p.nutrient for p in rec.proposals]


def withheld(rec) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in rec.withheld:
        out.setdefault(w.nutrient, []).append(w.reason.key)
    return out


def test_woman_68_with_osteoporosis_gets_all_four_and_soy():
    rec = proposal(patient())
    assert rec.category is Category.PROPOSAL and rec.severity is Severity.INFO
    assert proposed(rec) == [*CORE, "soy-isoflavones"]
    assert rec.summary.key == "summary.bone-supplements"
    assert [n.key for n in rec.summary.params["nutrients"]] == [f"nutrient.{n}" for n in proposed(rec)]
    advice = keys(rec.advice)
    # decision 16: this patient's lines only; the background is on the guideline page
    assert advice == [
        "dose.calcium",
        "dose.magnesium",
        "dose.vitamin-d",
        "dose.vitamin-k2",  # with its unit note (decision 4)
        "dose.soy-isoflavones",
        "advice.k2-no-vka",
        "advice.vitd-check",
        "advice.no-bone-drug",
    ]
    assert rec.references == ("nhg-fracture-prevention",)
    dose_d = next(a for a in rec.advice if a.key == "dose.vitamin-d")
    assert dose_d.params["dots"] == "●●●" and dose_d.params["low_iu"] == 800 and dose_d.params["high_iu"] == 1000
    assert next(a for a in rec.advice if a.key == "dose.calcium").params["dots"] == "●●"
    k2_dose = next(a for a in rec.advice if a.key == "dose.vitamin-k2")
    assert k2_dose.params["printed"].params == {"value": 45.0, "unit": k2_dose.params["printed"].params["unit"]}
    assert "dose" not in k2_dose.params  # never filled in (decision 4)
    assert rec.facts[0].key == "fact.indication.dated" and rec.facts[0].params["display"] == "Osteoporose"
    assert all(p.reason_references == (OSTEOPOROSIS.source.reference,) for p in rec.proposals)
    assert not rec.withheld and not rec.unchecked and not rec.already_taken


def test_ipriflavone_is_never_proposed_and_its_note_is_on_the_guideline_page():
    rec = proposal(patient())
    assert "ipriflavone" not in proposed(rec)
    assert not any("ipriflavone" in a.key for a in rec.advice)


def test_men_get_no_soy_but_the_less_effective_note():
    hip = indication(IndicationKind.FRAGILITY_FRACTURE, "Heupfractuur")
    rec = proposal(patient(age=72, sex=Sex.MALE, indications=(hip,)))
    assert proposed(rec) == CORE
    assert "advice.soy-men" in keys(rec.advice)


@pytest.mark.parametrize(
    "age, extra, soy",
    [
        (45, (), False),  # before menopause, no coded state
        (49, (indication(IndicationKind.POSTMENOPAUSAL, "Postmenopauzaal"),), True),
        (50, (), True),  # age proxy
    ],
)
def test_soy_only_for_women_around_or_after_menopause(age, extra, soy):
    rec = proposal(patient(age=age, indications=(OSTEOPOROSIS, *extra)))
    assert ("soy-isoflavones" in proposed(rec)) is soy
    assert "advice.soy-men" not in keys(rec.advice)


def test_coded_menopause_counts_for_soy_even_when_its_trigger_is_off():
    pm = indication(IndicationKind.POSTMENOPAUSAL, "Postmenopauzaal")
    rec = proposal(patient(age=47, indications=(OSTEOPOROSIS, pm)), RuleConfig(disabled_triggers=frozenset({"postmenopausal"})))
    assert "soy-isoflavones" in proposed(rec)
    assert [f.params["kind"].key for f in rec.facts if f.key.startswith("fact.indication")] == ["indication.osteoporosis"]


def test_sex_unknown_gets_no_soy_and_no_men_note():
    rec = proposal(patient(sex=Sex.UNKNOWN))
    assert proposed(rec) == CORE and "advice.soy-men" not in keys(rec.advice)


# --- who -----------------------------------------------------------------------------------


def test_no_indication_no_proposal():
    assert proposal(patient(indications=())) is None


def test_age_and_sex_alone_are_not_an_indication():
    assert proposal(patient(age=80, indications=())) is None


@pytest.mark.parametrize("field", ["pregnant", "breastfeeding"])
def test_no_proposal_in_pregnancy_or_breastfeeding(field):
    assert proposal(patient(**{field: True})) is None


def test_disabled_trigger_removes_the_only_indication():
    facts = patient(indications=(indication(IndicationKind.DIABETES, "Diabetes type 2"),))
    assert proposal(facts) is not None
    assert proposal(facts, RuleConfig(disabled_triggers=frozenset({"diabetes"}))) is None


def test_long_term_glucocorticoids_are_an_indication_with_their_facts():
    facts = patient(indications=(), glucocorticoids=gc_exposure(days=120, pe=10.0))
    rec = proposal(facts)
    gc = next(f for f in rec.facts if f.key.startswith("fact.glucocorticoids"))
    assert gc.key == "fact.glucocorticoids.high"
    assert gc.params["days"] == 120 and gc.params["pe"] == 10.0 and gc.params["lookback"] == 365
    assert rec.proposals[0].reason_references == (facts.glucocorticoids.sources[0].reference,)
    assert proposal(facts, RuleConfig(disabled_triggers=frozenset({"glucocorticoids"}))) is None


@pytest.mark.parametrize("pe, key", [(5.0, "fact.glucocorticoids.low"), (None, "fact.glucocorticoids.nodose")])
def test_glucocorticoid_dose_lines(pe, key):
    rec = proposal(patient(glucocorticoids=gc_exposure(pe=pe)))
    assert key in keys(rec.facts)


def test_short_term_glucocorticoids_alone_are_no_indication():
    from dataclasses import replace

    exposure = replace(gc_exposure(days=20), long_term=False)
    assert proposal(patient(indications=(), glucocorticoids=exposure)) is None


# --- already taken ------------------------------------------------------------------------


def test_already_taken_nutrients_are_not_proposed_again_and_totals_are_shown():
    meds = (
        med("vitamin-d", display="Colecalciferol 20 mcg", amounts={"vitamin-d": (20, "ug")}),
        med("calcium", "vitamin-d", display="Calci Chew D3", amounts={"calcium": (500, "mg"), "vitamin-d": (10, "ug")}),
    )
    rec = proposal(patient(medications=meds))
    assert proposed(rec) == ["magnesium", "vitamin-k2", "soy-isoflavones"]
    taken = {line.params["nutrient"].key: line for line in rec.already_taken}
    d = taken["nutrient.vitamin-d"]
    assert d.key == "taken.total" and d.params["total"] == 30
    assert d.params["guideline"].params["low"] == 20 and d.params["guideline"].params["high"] == 25
    assert "Calci Chew D3" in d.params["drugs"] and "Colecalciferol 20 mcg" in d.params["drugs"]
    assert taken["nutrient.calcium"].params["total"] == 500


def test_already_taken_above_the_upper_limit_is_flagged():
    meds = (med("vitamin-d", display="D3 5000 IE", amounts={"vitamin-d": (125, "ug")}),)
    line = proposal(patient(medications=meds)).already_taken[0]
    assert line.key == "taken.total.above-limit" and line.params["limit"] == 100


def test_already_taken_with_unknown_dose_has_no_total():
    line = proposal(patient(medications=(med("magnesium", display="Magnesiumcitraat"),))).already_taken[0]
    assert line.key == "taken" and "total" not in line.params


def test_already_taken_k2_is_never_dose_compared():
    line = proposal(patient(medications=(med("vitamin-k2", amounts={"vitamin-k2": (180, "ug")}),))).already_taken[0]
    assert line.key == "taken"


def test_no_card_when_everything_is_already_taken():
    meds = tuple(med(n) for n in [*CORE, "soy-isoflavones"])
    assert proposal(patient(medications=meds)) is None


def test_past_supplement_use_does_not_count_as_taken():
    rec = proposal(patient(medications=(med("vitamin-d", active=False, end=days_ago(200)),)))
    assert "vitamin-d" in proposed(rec)


# --- vitamin D level -----------------------------------------------------------------------


def test_vitamin_d_not_proposed_above_100_nmol():
    rec = proposal(patient(vitamin_d=(vitd(120),)))
    assert "vitamin-d" not in proposed(rec)
    assert withheld(rec) == {"vitamin-d": ["withheld.vitd-above-target"]}


def test_vitamin_d_proposed_when_the_high_result_is_history():
    rec = proposal(patient(vitamin_d=(vitd(120, days=400),)))
    assert "vitamin-d" in proposed(rec)
    assert not any(f.key.startswith("fact.lab.25ohd") for f in rec.facts)


def test_only_not_needed_vitamin_d_gives_no_card_when_the_rest_is_taken():
    meds = tuple(med(n) for n in ["calcium", "magnesium", "vitamin-k2", "soy-isoflavones"])
    assert proposal(patient(medications=meds, vitamin_d=(vitd(130),))) is None


def test_labs_used_are_listed_with_date_unit_and_conversion():
    rec = proposal(patient(vitamin_d=(ngml(20),), calcium=calcium(2.4), egfr=egfr(70)))
    lab = next(f for f in rec.facts if f.key == "fact.lab.25ohd")
    assert lab.params["value"] == 20 and lab.params["unit"] == Line("unit.ng-ml") and lab.params["nmol"] == 49.9
    assert "fact.lab.calcium.corrected" in keys(rec.facts) and "fact.lab.egfr" in keys(rec.facts)


# --- safety withholding ----------------------------------------------------------------------


def test_vka_withholds_k2_and_the_card_says_why_without_an_alert():
    cards = by_code(patient(medications=(med("vka", display="Acenocoumarol 1 mg"),)))
    assert "safety-k2-vka" not in cards
    rec = cards["bone-supplements"]
    assert "vitamin-k2" not in proposed(rec)
    assert withheld(rec) == {"vitamin-k2": ["withheld.vka"]}
    assert rec.withheld[0].reason.params["drugs"] == "Acenocoumarol 1 mg"
    assert "advice.k2-no-vka" not in keys(rec.advice)


def test_high_calcium_withholds_d_and_calcium():
    rec = proposal(patient(calcium=calcium(2.7)))
    assert proposed(rec) == ["magnesium", "vitamin-k2", "soy-isoflavones"]
    assert withheld(rec) == {"calcium": ["withheld.calcium-high"], "vitamin-d": ["withheld.calcium-high"]}


@pytest.mark.parametrize("kind", ["hypercalcaemia", "hyperparathyroidism", "kidney-stones", "sarcoidosis"])
def test_calcium_conditions_withhold_d_and_calcium(kind):
    rec = proposal(patient(safety_conditions=(condition(kind),)))
    assert set(withheld(rec)) == {"calcium", "vitamin-d"}


def test_active_vitamin_d_withholds_plain_d():
    rec = proposal(patient(medications=(med("active-vitamin-d", display="Alfacalcidol"),)))
    assert withheld(rec) == {"vitamin-d": ["withheld.active-vitd"]}


@pytest.mark.parametrize("facts_kw", [{"egfr": egfr(25)}, {"safety_conditions": (condition("ckd-severe"),)}])
def test_low_egfr_or_severe_ckd_withholds_magnesium(facts_kw):
    rec = proposal(patient(**facts_kw))
    assert set(withheld(rec)) == {"magnesium"}


def test_egfr_at_30_does_not_withhold_magnesium():
    assert "magnesium" in proposed(proposal(patient(egfr=egfr(30))))


@pytest.mark.parametrize(
    "facts_kw",
    [
        {"medications": (med("tamoxifen"),)},
        {"medications": (med("aromatase-inhibitor"),)},
        {"safety_conditions": (condition("er-positive-breast-cancer"),)},
    ],
)
def test_endocrine_therapy_or_er_positive_history_withholds_soy(facts_kw):
    rec = proposal(patient(**facts_kw))
    assert set(withheld(rec)) == {"soy-isoflavones"}


def test_spacing_interactions_are_advice_not_withholding():
    rec = proposal(patient(medications=(med("levothyroxine", display="Levothyroxine 100"), med("oral-iron"))))
    assert "calcium" in proposed(rec) and "magnesium" in proposed(rec)
    advice = keys(rec.advice)
    assert "advice.spacing.levothyroxine.proposal" in advice and "advice.spacing.oral-iron.proposal" in advice
    assert "advice.soy-levothyroxine.proposal" in advice


def test_thiazide_and_digoxin_are_notes_on_the_proposal():
    rec = proposal(patient(medications=(med("thiazide"), med("digoxin"))))
    assert "calcium" in proposed(rec)
    assert {"advice.thiazide-note", "advice.digoxin-note"} <= set(keys(rec.advice))


def test_no_spacing_advice_when_calcium_and_magnesium_are_not_proposed():
    meds = (med("calcium"), med("magnesium"), med("levothyroxine"))
    rec = proposal(patient(medications=meds))
    assert not any(k.startswith("advice.spacing") for k in keys(rec.advice))


# --- decision 9: unknown domains --------------------------------------------------------------


def test_medications_unknown_withholds_everything_and_says_what_was_not_checked():
    rec = proposal(patient(unknown=(Domain.MEDICATIONS,)))
    assert rec.proposals == ()
    assert set(withheld(rec)) == {*CORE, "soy-isoflavones"}
    assert all(keys_ == ["withheld.unchecked"] for keys_ in withheld(rec).values())
    assert keys(rec.unchecked) == ["unchecked.medications"]
    assert rec.summary.key == "summary.bone-supplements.unchecked"
    k2 = next(w for w in rec.withheld if w.nutrient == "vitamin-k2")
    assert [c.key for c in k2.reason.params["checks"]] == ["check.vitamin-k2.medications"]


@pytest.mark.parametrize(
    "domain, open_nutrients, unchecked",
    [
        (Domain.CALCIUM, {"calcium", "vitamin-d"}, "unchecked.calcium"),
        (Domain.KIDNEY, {"magnesium"}, "unchecked.kidney"),
        (Domain.CONDITIONS, {"calcium", "magnesium", "vitamin-d", "soy-isoflavones"}, "unchecked.conditions"),
    ],
)
def test_data_not_obtained_withholds_the_whole_proposal(domain, open_nutrients, unchecked):
    """Decision 14: no fragment ('vitamin K2 only', 'soy only') while a check is open."""
    rec = proposal(patient(unknown=(domain,)))
    assert rec.proposals == () and rec.summary.key == "summary.bone-supplements.unchecked"
    reasons = withheld(rec)
    assert {n for n, r in reasons.items() if r == ["withheld.unchecked"]} == open_nutrients
    assert {n for n, r in reasons.items() if r == ["withheld.together"]} == {*CORE, "soy-isoflavones"} - open_nutrients
    assert keys(rec.unchecked) == [unchecked]


def test_a_taken_nutrient_stays_taken_when_the_proposal_is_withheld():
    rec = proposal(patient(medications=(med("vitamin-k2"),), unknown=(Domain.CALCIUM,)))
    assert rec.proposals == () and "vitamin-k2" not in withheld(rec) and len(rec.already_taken) == 1


def test_vitamin_d_labs_unknown_still_proposes_d_with_a_note():
    rec = proposal(patient(unknown=(Domain.VITAMIN_D,)))
    assert "vitamin-d" in proposed(rec)
    assert keys(rec.unchecked) == ["unchecked.vitamin-d"]


def test_a_safety_conflict_wins_over_a_missing_domain():
    rec = proposal(patient(medications=(med("vka"),), unknown=(Domain.CALCIUM,)))
    assert withheld(rec)["vitamin-k2"] == ["withheld.vka"]


@pytest.mark.parametrize("labs", [{}, {"calcium": None}])
def test_toxic_25ohd_withholds_calcium_and_vitamin_d(labs):
    """Decision 13: above 375 nmol/L neither vitamin D nor calcium is proposed, serum calcium or not."""
    rec = proposal(patient(age=80, vitamin_d=(ngml(151),), **labs))
    assert "calcium" not in proposed(rec) and "vitamin-d" not in proposed(rec)
    assert withheld(rec)["calcium"] == ["withheld.vitd-toxic"] and withheld(rec)["vitamin-d"] == ["withheld.vitd-toxic"]
    assert {"magnesium", "vitamin-k2"} <= set(proposed(rec))


def test_high_not_toxic_25ohd_does_not_withhold_calcium():
    rec = proposal(patient(age=80, vitamin_d=(vitd(300),)))
    assert "calcium" in proposed(rec) and "vitamin-d" not in proposed(rec)


# --- decision 14: a lab the record lacks is ordered with the supplements ------------------------


def labs_of(rec) -> dict[str, tuple[str, ...]]:
    return {lab.lab: lab.nutrients for lab in rec.proposal_labs}


@pytest.mark.parametrize(
    "kw",
    [
        {"medications": (med("thiazide"),)},
        {"medications": (med("digoxin"),)},
        {"egfr": egfr(25)},
        {"safety_conditions": (condition("ckd-severe"),)},
    ],
)
def test_serum_calcium_ordered_with_calcium_and_d_when_a_check_needs_it(kw):
    rec = proposal(patient(**kw))
    assert {"calcium", "vitamin-d"} <= set(proposed(rec))
    assert labs_of(rec) == {"lab-calcium": ("calcium", "vitamin-d")}
    assert "fact.no-calcium" in keys(rec.facts) and "advice.lab-with-proposal.lab-calcium" in keys(rec.advice)


@pytest.mark.parametrize(
    "kw",
    [
        {},  # no reason to need a serum calcium
        {"medications": (med("thiazide"),), "calcium": calcium(2.4)},  # the record has one
        {"medications": (med("thiazide"), med("calcium"), med("vitamin-d"))},  # nothing of the two proposed
    ],
)
def test_no_serum_calcium_order_without_need(kw):
    assert "lab-calcium" not in labs_of(proposal(patient(**kw)))


def test_no_lab_order_when_the_search_did_not_arrive():
    rec = proposal(patient(medications=(med("thiazide"),), unknown=(Domain.CALCIUM,)))
    assert rec.proposals == () and rec.proposal_labs == ()


def test_egfr_ordered_with_magnesium_when_ckd_is_coded():
    rec = proposal(patient(safety_conditions=(condition("ckd", "CKD G3a"),)))
    assert "magnesium" in proposed(rec) and labs_of(rec) == {"lab-egfr": ("magnesium",)}
    assert "fact.no-egfr" in keys(rec.facts)
    assert labs_of(proposal(patient(safety_conditions=(condition("ckd"),), egfr=egfr(45)))) == {}
