from datetime import date, timedelta

from .conftest import ATC, ICD10, RXNORM, SNOMED, cc, condition, daily, request, statement

PRED = cc(ATC, "H02AB06", "prednisolon")


def course(id, start, days, mg=30):
    end = date.fromisoformat(start) + timedelta(days=days - 1)
    return statement(PRED, daily(mg, "mg"), id=id, status="completed", start=start, end=end.isoformat())


def test_long_term_high_dose_by_duration(facts):
    gc = facts(medicationStatements=[
        statement(PRED, daily(10, "mg"), start="2026-01-01", end="2026-04-30", status="completed")
    ]).glucocorticoids
    assert gc.long_term and gc.days_exposed == 120
    assert gc.mean_prednisolone_mg == 10 and gc.high_dose is True
    assert not gc.ongoing
    assert gc.sources[0].reference == "MedicationStatement/ms1"


def test_short_exposure_not_long_term(facts):
    gc = facts(medicationStatements=[course("a", "2026-03-01", 30, mg=5)]).glucocorticoids
    assert not gc.long_term and gc.days_exposed == 30 and gc.short_courses == 0
    assert gc.high_dose is False


def test_stootkuren(facts):
    starts = ["2025-08-01", "2025-11-01", "2026-02-01", "2026-05-01"]
    gc = facts(medicationStatements=[course(f"c{i}", s, 7) for i, s in enumerate(starts)]).glucocorticoids
    assert gc.short_courses == 4 and gc.long_term
    assert gc.days_exposed == 28
    three = facts(medicationStatements=[course(f"c{i}", s, 7) for i, s in enumerate(starts[1:])])
    assert three.glucocorticoids.short_courses == 3 and not three.glucocorticoids.long_term


def test_gap_bridging_merges_exposure(facts):
    # 60 days, 20-day gap, 40 days: bridged to 120 days
    gc = facts(medicationStatements=[
        course("a", "2026-01-01", 60, mg=5), course("b", "2026-03-22", 40, mg=5),
    ]).glucocorticoids
    assert gc.days_exposed == 120 and gc.long_term and gc.high_dose is False


def test_lookback_clips_old_exposure(facts):
    f = facts(medicationStatements=[course("old", "2024-01-01", 200)])
    assert f.glucocorticoids is None
    gc = facts(medicationStatements=[course("edge", "2025-04-01", 120)]).glucocorticoids
    assert 0 < gc.days_exposed < 120


def test_active_order_without_end_is_ongoing_from_start(facts):
    gc = facts(medicationRequests=[request(PRED, daily(7.5, "mg"), authored="2026-04-01")]).glucocorticoids
    assert gc.ongoing and gc.days_exposed == 62 and not gc.long_term
    gc = facts(medicationRequests=[request(PRED, daily(7.5, "mg"), authored="2026-01-01")]).glucocorticoids
    assert gc.long_term and gc.high_dose is True


def test_planned_three_months_counts_from_day_one(facts):
    dosage = daily(5, "mg")
    dosage["timing"]["repeat"]["boundsDuration"] = {"value": 3, "unit": "mo", "code": "mo"}
    gc = facts(medicationRequests=[request(PRED, dosage, authored="2026-05-25")]).glucocorticoids
    assert gc.long_term and gc.ongoing and gc.days_exposed == 8


def test_supply_derived_interval(facts):
    mr = request(PRED, daily(1, "tablet"), authored="2025-12-01", status="completed",
                 dispenseRequest={"quantity": {"value": 100, "unit": "tablet"}})
    mr["medicationCodeableConcept"] = {"text": "Prednisolon 5 mg tablet"}
    gc = facts(medicationRequests=[mr]).glucocorticoids
    assert gc.days_exposed == 101 and gc.long_term and gc.mean_prednisolone_mg == 5
    supply = request(PRED, daily(5, "mg"), authored="2026-01-01", status="completed",
                     dispenseRequest={"expectedSupplyDuration": {"value": 30, "code": "d"},
                                      "numberOfRepeatsAllowed": 2})
    assert facts(medicationRequests=[supply]).glucocorticoids.days_exposed == 91
    validity = request(PRED, daily(5, "mg"), authored="2026-01-01", status="completed",
                       dispenseRequest={"validityPeriod": {"start": "2026-01-01", "end": "2026-01-10"}})
    assert facts(medicationRequests=[validity]).glucocorticoids.days_exposed == 10


def test_past_record_without_end_counts_one_day(facts):
    gc = facts(medicationRequests=[request(PRED, daily(5, "mg"), status="completed")]).glucocorticoids
    assert gc.days_exposed == 1 and not gc.ongoing


def test_pe_factors(facts):
    dexa = statement(cc(ATC, "H02AB02", "dexamethason"), daily(1.5, "mg"), end="2026-02-01")
    assert facts(medicationStatements=[dexa]).glucocorticoids.mean_prednisolone_mg == 10
    methyl = statement(cc(RXNORM, "6902"), daily(4, "mg"), end="2026-02-01")
    assert facts(medicationStatements=[methyl]).glucocorticoids.mean_prednisolone_mg == 5
    hc = statement({"text": "Hydrocortison 10 mg tablet"}, daily(2, "tablet"), end="2026-02-01")
    assert facts(medicationStatements=[hc]).glucocorticoids.mean_prednisolone_mg == 5
    unknown_dose = statement(PRED, {"text": "volgens schema"}, end="2026-02-01")
    gc = facts(medicationStatements=[unknown_dose]).glucocorticoids
    assert gc.mean_prednisolone_mg is None and gc.high_dose is None


def test_budesonide_oral_does_not_trigger(facts):
    bud = statement(cc(ATC, "H02AB16", "budesonide"), daily(9, "mg"), start="2025-09-01")
    assert facts(medicationStatements=[bud]).glucocorticoids is None


def test_inhaled_and_topical_ignored(facts):
    inhaled = statement(PRED, daily(5, "mg"), start="2025-09-01")
    inhaled["dosage"][0]["route"] = cc(SNOMED, "18679011000001101")
    cream = statement({"text": "Hydrocortison creme 1%"}, {"text": "2 dd"}, id="cr", start="2025-09-01")
    assert facts(medicationStatements=[inhaled, cream]).glucocorticoids is None


def test_replacement_hydrocortisone_in_adrenal_insufficiency(facts):
    adrenal = condition(cc(ICD10, "E27.1"))
    hc = statement(cc(ATC, "H02AB09", "hydrocortison"), daily(20, "mg"), start="2025-01-01")
    assert facts(conditions=[adrenal], medicationStatements=[hc]).glucocorticoids is None
    unknown = statement(cc(ATC, "H02AB09"), None, start="2025-01-01")
    assert facts(conditions=[adrenal], medicationStatements=[unknown]).glucocorticoids is None
    high = statement(cc(ATC, "H02AB09"), daily(60, "mg"), start="2025-01-01")
    assert facts(conditions=[adrenal], medicationStatements=[high]).glucocorticoids.long_term
    # without adrenal insufficiency, 20 mg hydrocortisone counts
    assert facts(medicationStatements=[hc]).glucocorticoids.long_term


def test_draft_glucocorticoid_is_a_source(facts):
    draft = request(PRED, daily(30, "mg"), id="d", status="draft", authored=None)
    gc = facts(draft_orders={"entry": [{"resource": draft}]}).glucocorticoids
    assert gc.ongoing and gc.days_exposed == 1 and not gc.long_term
    assert gc.sources[0].reference == "MedicationRequest/d"


def test_status_condition_fallback(facts):
    z = condition(cc("http://hl7.org/fhir/sid/icd-10-cm", "Z79.52"), id="z")
    gc = facts(conditions=[z]).glucocorticoids
    assert gc.long_term and gc.days_exposed == 0 and gc.mean_prednisolone_mg is None
    assert gc.sources[0].reference == "Condition/z"
    short = facts(conditions=[z], medicationStatements=[course("a", "2026-03-01", 10)]).glucocorticoids
    assert short.long_term and len(short.sources) == 2


def test_record_without_start_is_ignored(facts):
    assert facts(medicationStatements=[statement(PRED, daily(5, "mg"), start=None)]).glucocorticoids is None


def test_steroid_without_pe_factor_in_table(facts):
    vamorolone = statement(cc(ATC, "H02AB18", "vamorolone"), daily(300, "mg"), start="2025-09-01")
    gc = facts(medicationStatements=[vamorolone]).glucocorticoids
    assert gc is not None and gc.mean_prednisolone_mg is None and gc.high_dose is None and gc.long_term


def test_brand_name_identifies_the_ingredient_and_its_equivalence(facts):
    # Kenacort = triamcinolone (4 mg ~ prednisolone 5 mg): 40 mg every 3 weeks = 1.905 mg/day -> 2.38 mg PE
    kenacort = statement({"text": "Kenacort-A 40 mg/ml injectie"}, daily(40, "mg", period=3, period_unit="wk"),
                         start="2025-09-01")
    gc = facts(medicationStatements=[kenacort]).glucocorticoids
    assert gc is not None and gc.long_term and gc.mean_prednisolone_mg == 2.38


def test_longest_name_wins(facts):
    # "methylprednisolon" also contains "prednisolon": methylprednisolone 4 mg ~ prednisolone 5 mg
    medrol = statement({"text": "Methylprednisolon 8 mg tablet"}, daily(8, "mg"), start="2026-01-01")
    assert facts(medicationStatements=[medrol]).glucocorticoids.mean_prednisolone_mg == 10
    hc = statement({"text": "Hydrocortison 40 mg"}, daily(40, "mg"), start="2026-01-01")  # not 'cortison'
    assert facts(medicationStatements=[hc]).glucocorticoids.mean_prednisolone_mg == 10


def test_rxnorm_product_code_identifies_the_ingredient(facts):
    dexa = statement(cc(RXNORM, "197582", "dexamethasone 4 MG Oral Tablet"), daily(1.5, "mg"), start="2026-01-01")
    assert facts(medicationStatements=[dexa]).glucocorticoids.mean_prednisolone_mg == 10


def test_end_before_start_ignored(facts):
    bad = statement(PRED, daily(5, "mg"), start="2026-03-01", end="2026-02-01", status="completed")
    assert facts(medicationStatements=[bad]).glucocorticoids is None
