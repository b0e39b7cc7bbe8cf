import pytest

from cds_service.facts.model import Amount, Domain

from .conftest import ATC, GPK, RXNORM, SNOMED, UCUM, cc, daily, request, statement


def only(f):
    assert len(f.medications) == 1, f.medications
    return f.medications[0]


def test_atc_coded_vitamin_d_in_iu(facts):
    use = only(facts(medicationStatements=[
        statement(cc(ATC, "A11CC05", "colecalciferol"), daily(800, "IE"))
    ]))
    assert "vitamin-d" in use.groups and use.active
    assert use.nutrients == {"vitamin-d": Amount(20.0, "ug")}
    assert use.daily_dose == Amount(20.0, "ug")
    assert use.kind == "MedicationStatement" and use.source.reference == "MedicationStatement/ms1"


def test_dutch_brand_name_only_g_standaard(facts):
    concept = {"coding": [{"system": GPK, "code": "123456", "display": "D-Cura drank 25.000 IE"}]}
    use = only(facts(medicationStatements=[statement(concept)]))
    assert use.groups == {"vitamin-d"}
    assert use.nutrients == {} and use.daily_dose is None  # no dosage: matched, amount unknown


def test_dutch_text_with_dutch_dosage_text(facts):
    concept = {"text": "Vitamine D3 druppels"}
    use = only(facts(medicationStatements=[statement(concept, {"text": "1 x per dag 800 IE"})]))
    assert use.nutrients["vitamin-d"] == Amount(20.0, "ug")


def test_weekly_regimen_is_daily_average(facts):
    use = only(facts(medicationRequests=[
        request(cc(ATC, "A11CC05"), daily(5600, "[iU]", code="[iU]", period=1, period_unit="wk"))
    ]))
    assert use.nutrients["vitamin-d"].value == pytest.approx(20.0)


def test_combination_product_with_ingredient_strengths(facts):
    medication = {
        "resourceType": "Medication", "id": "calcichew",
        "code": {"coding": [{"system": GPK, "code": "999"}], "text": "Calci-Chew D3 500 mg/400 IE"},
        "ingredient": [
            {"itemCodeableConcept": {"text": "calcium (als carbonaat)"},
             "strength": {"numerator": {"value": 500, "unit": "mg", "system": UCUM, "code": "mg"},
                          "denominator": {"value": 1, "unit": "tablet"}}},
            {"itemCodeableConcept": cc(ATC, "A11CC05", "colecalciferol"),
             "strength": {"numerator": {"value": 400, "system": UCUM, "code": "[iU]"},
                          "denominator": {"value": 1, "unit": "tablet"}}},
        ],
    }
    mr = request(None, daily(1, "tablet", frequency=2))
    del mr["medicationCodeableConcept"]
    mr["medicationReference"] = {"reference": "Medication/calcichew"}
    use = only(facts(medicationRequests=[mr], medications={"Medication/calcichew": medication}))
    assert {"calcium", "vitamin-d"} <= use.groups
    assert use.nutrients == {"calcium": Amount(1000.0, "mg"), "vitamin-d": Amount(20.0, "ug")}
    assert use.daily_dose is None


def test_combination_salt_weight_is_not_elemental(facts):
    medication = {
        "resourceType": "Medication", "id": "m",
        "code": {"text": "Calcium/vitamine D3 kauwtablet"},
        "ingredient": [
            {"itemCodeableConcept": {"text": "calciumcarbonaat"},
             "strength": {"numerator": {"value": 1250, "unit": "mg"}}},
            {"itemCodeableConcept": {"text": "colecalciferol"},
             "strength": {"numerator": {"value": 800, "unit": "IE"}, "denominator": {"value": 1}}},
        ],
    }
    ms = statement(None, daily(1, "tablet"), contained=[medication],
                   medicationReference={"reference": "#m"})
    del ms["medicationCodeableConcept"]
    use = only(facts(medicationStatements=[ms]))
    assert use.nutrients == {"vitamin-d": Amount(20.0, "ug")}  # calcium amount unknown
    assert "calcium" in use.groups


def test_combination_from_name_reads_only_the_iu(facts):
    use = only(facts(medicationStatements=[
        statement({"text": "Calci Chew D3 500 mg/800 IE kauwtablet"}, daily(1, "tablet"))
    ]))
    assert use.nutrients == {"vitamin-d": Amount(20.0, "ug")}


def test_single_product_strength_from_name_and_salt(facts):
    f = facts(medicationStatements=[
        statement({"text": "Magnesiumoxide 500 mg"}, daily(1, "tablet"), id="a"),
        statement({"text": "Calciumcarbonaat 1,25 g (=500 mg Ca)"}, daily(2, "tablet"), id="b"),
        statement({"text": "Calcium 500 mg"}, daily(1, "tablet"), id="c"),
    ])
    by_id = {m.source.reference: m for m in f.medications}
    assert by_id["MedicationStatement/a"].nutrients == {}
    assert by_id["MedicationStatement/b"].nutrients == {"calcium": Amount(1000.0, "mg")}
    assert by_id["MedicationStatement/c"].nutrients == {"calcium": Amount(500.0, "mg")}


def test_mass_dose_on_mineral_is_elemental(facts):
    use = only(facts(medicationStatements=[statement(cc(ATC, "A12CC10"), daily(200, "mg"))]))
    assert use.nutrients == {"magnesium": Amount(200.0, "mg")}


def test_unknown_unit_and_missing_dose(facts):
    f = facts(medicationStatements=[
        statement(cc(ATC, "A12CC10"), daily(10, "mmol"), id="a"),
        statement(cc(ATC, "A11CC05"), {"text": "zo nodig"}, id="b"),
    ])
    assert all(m.nutrients == {} and m.daily_dose is None for m in f.medications)


def test_drug_daily_dose_in_mg(facts):
    use = only(facts(medicationRequests=[request(cc(ATC, "B01AA07", "acenocoumarol"), daily(1, "mg"))]))
    assert use.groups == {"vka"} and use.daily_dose == Amount(1.0, "mg")


def test_statuses_and_intents(facts):
    vit = cc(ATC, "A11CC05")
    f = facts(
        medicationRequests=[
            request(vit, id="active"),
            request(vit, id="hold", status="on-hold"),
            request(vit, id="done", status="completed"),
            request(vit, id="cancelled", status="cancelled"),
            request(vit, id="error", status="entered-in-error"),
            request(vit, id="proposal", intent="proposal"),
            request(vit, id="stored-draft", status="draft"),
        ],
        medicationStatements=[
            statement(vit, id="s-active"),
            statement(vit, id="s-intended", status="intended"),
            statement(vit, id="s-done", status="completed"),
            statement(vit, id="s-not-taken", status="not-taken"),
            statement(vit, id="s-ended", end="2026-03-01"),
        ],
    )
    active = {m.source.reference.split("/")[1]: m.active for m in f.medications}
    assert active == {
        "active": True, "hold": True, "done": False, "stored-draft": False,
        "s-active": True, "s-intended": True, "s-done": False, "s-ended": False,
    }


def test_dispense_window(facts):
    def dispense(id, when, days=None, status="completed"):
        d = {"resourceType": "MedicationDispense", "id": id, "status": status,
             "medicationCodeableConcept": cc(ATC, "A11CC05"), "whenHandedOver": when,
             "quantity": {"value": 90, "unit": "tablet"}}
        if days:
            d["daysSupply"] = {"value": days, "unit": "d"}
        return d

    f = facts(medicationDispenses=[
        dispense("recent", "2026-04-01"),
        dispense("old", "2025-10-01"),
        dispense("old-long-supply", "2025-10-01", days=365),
        dispense("in-progress", "2026-05-01", status="in-progress"),
    ])
    active = {m.source.reference.split("/")[1]: m.active for m in f.medications}
    assert active == {"recent": True, "old": False, "old-long-supply": True}
    long_supply = next(m for m in f.medications if m.source.reference.endswith("old-long-supply"))
    assert long_supply.end.isoformat() == "2026-10-01"


def test_dispense_daily_units_from_quantity_and_supply(facts):
    d = {"resourceType": "MedicationDispense", "id": "d", "status": "completed",
         "medicationCodeableConcept": {"text": "Vitamine D3 400 IE tablet"}, "whenHandedOver": "2026-05-01",
         "quantity": {"value": 60, "unit": "tablet"}, "daysSupply": {"value": 30, "unit": "d"}}
    use = only(facts(medicationDispenses=[d]))
    assert use.nutrients["vitamin-d"] == Amount(20.0, "ug")


def test_unresolved_reference_uses_display_and_notes(facts):
    mr = request(None, id="x")
    del mr["medicationCodeableConcept"]
    mr["medicationReference"] = {"reference": "Medication/missing", "display": "Colecalciferol 800 IE"}
    use = only(facts(medicationRequests=[mr]))
    assert "vitamin-d" in use.groups
    f = facts(medicationRequests=[mr])
    assert "unresolved medication references: 1" in f.notes


def test_reference_by_full_url_and_bad_contained(facts, knowledge):
    med = {"resourceType": "Medication", "id": "m1", "code": cc(ATC, "B01AA04", "fenprocoumon")}
    mr = request(None)
    del mr["medicationCodeableConcept"]
    mr["medicationReference"] = {"reference": "https://ehr.example/fhir/Medication/m1/_history/2"}
    assert only(facts(medicationRequests=[mr], medications={"Medication/m1": med})).groups == {"vka"}
    bad = dict(mr, medicationReference={"reference": "#nope"}, contained=[{"resourceType": "Patient", "id": "nope"}])
    assert facts(medicationRequests=[bad]).medications == ()


def test_inhaled_steroid_not_systemic(facts):
    inhaled = statement(cc(RXNORM, "19831", "budesonide"), daily(400, "ug"), id="inh")
    inhaled["dosage"][0]["route"] = cc(SNOMED, "18679011000001101", "Inhalation")
    pred = statement(cc(ATC, "H02AB06", "prednisolon"), daily(5, "mg"), id="oral")
    pred["dosage"][0]["route"] = {"text": "oraal"}
    eye = statement({"text": "Prednisolon oogdruppels"}, daily(1, "druppel"), id="eye")
    f = facts(medicationStatements=[inhaled, pred, eye])
    refs = {m.source.reference for m in f.meds("glucocorticoid-systemic")}
    assert refs == {"MedicationStatement/oral"}
    assert next(m for m in f.medications if m.source.reference.endswith("oral")).route == "oral"


def test_draft_orders_and_selection(facts):
    bundle = {"resourceType": "Bundle", "entry": [
        {"resource": request(cc(ATC, "A11CC05"), daily(20, "ug", code="ug"), id="d1", status="draft",
                             intent="proposal", authored=None)},
        {"resource": request(cc(ATC, "A12AA04"), daily(500, "mg"), id="d2", status="draft", authored=None,
                             dosageInstruction=[{**daily(500, "mg"), "timing": {"repeat": {
                                 "frequency": 1, "period": 1, "periodUnit": "d",
                                 "boundsPeriod": {"start": "2026-06-10", "end": "2026-09-10"}}}}])},
        {"resource": {"resourceType": "MedicationRequest", "id": "d3", "status": "draft"}},
        "junk",
    ]}
    f = facts(draft_orders=bundle, selections=["MedicationRequest/d1"])
    d1, d2 = f.medications
    assert d1.draft and d1.selected and not d1.active
    assert d1.start.isoformat() == "2026-06-01" and d1.end is None
    assert d1.nutrients == {"vitamin-d": Amount(20.0, "ug")}
    assert d1.resource_id == "MedicationRequest/d1"
    assert d2.draft and not d2.selected
    assert (d2.start.isoformat(), d2.end.isoformat()) == ("2026-06-10", "2026-09-10")
    assert f.meds("vitamin-d") == (d1,)
    assert f.meds("vitamin-d", drafts=False) == ()


def test_draft_orders_as_plain_list_and_junk(facts):
    f = facts(draft_orders=[request(cc(ATC, "A11CC05"), id="d", status="draft", authored="2026-05-30")])
    assert f.medications[0].start.isoformat() == "2026-05-30"
    assert facts(draft_orders="junk").medications == ()


def test_medications_unknown_when_any_key_unknown(facts):
    f = facts(unknown={"medicationDispenses"})
    assert not f.is_known(Domain.MEDICATIONS)
    assert f.is_known(Domain.CONDITIONS)


def test_malformed_medication_records_skipped(facts):
    f = facts(medicationRequests=[
        {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
         "medicationCodeableConcept": {"coding": [{"system": ATC, "code": 5}]}, "dosageInstruction": [7]},
        {"resourceType": "Patient"},
        request(cc(ATC, "A11CC05"), id="ok", authoredOn=12),
        3,
    ])
    assert [m.source.reference for m in f.medications] == ["MedicationRequest/ok"]
    assert any(n.startswith("skipped malformed resources") for n in f.notes)


def test_amount_edge_cases(facts):
    combo = {"text": "Calci Chew D3 kauwtablet"}
    f = facts(medicationStatements=[
        statement(combo, daily(800, "IE"), id="iu"),
        statement(combo, daily(500, "mg"), id="mg"),
        statement({"text": "Vitamine D3"}, daily(0.02, "mg"), id="vd-mg"),
        statement({"text": "Vitamine D3 25.000 IE"}, daily(1, "ampul", period=1, period_unit="mo"), id="amp"),
        statement({"text": "Vitamine D3 oplossing"}, daily(1, "{druppel}"), id="drops"),
        statement({"text": "Magnesium"}, daily(1, "tablet"), id="mg-nostrength"),
        statement({"text": "Vitamine D3 400 IE"}, daily(2, "ml"), id="volume"),
    ])
    by = {m.source.reference.split("/")[1]: m for m in f.medications}
    assert by["iu"].nutrients == {"vitamin-d": Amount(20.0, "ug")}
    assert by["mg"].nutrients == {}  # a mass for a combination: which nutrient? unknown
    assert by["vd-mg"].nutrients == {"vitamin-d": Amount(20.0, "ug")}
    assert by["amp"].nutrients["vitamin-d"].value == pytest.approx(625 / 30.4375, rel=1e-3)
    assert by["drops"].nutrients == {} and by["mg-nostrength"].nutrients == {}
    assert by["volume"].nutrients == {}


def test_ingredient_strength_per_ml_and_odd_strengths(facts):
    med = {"resourceType": "Medication", "id": "m", "code": {"text": "Colecalciferol drank"},
           "ingredient": [
               {"itemReference": {"display": "colecalciferol"},
                "strength": {"numerator": {"value": 1000, "unit": "IE"}, "denominator": {"value": 1, "unit": "ml"}}},
               {"itemCodeableConcept": {"text": "water"},
                "strength": {"numerator": {"value": 1, "unit": "ml"}, "denominator": {"value": 1, "unit": "ml"}}},
               {"itemCodeableConcept": {"text": "sorbitol"},
                "strength": {"numerator": {"value": 5, "unit": "mg"}, "denominator": {"value": 0, "unit": "ml"}}},
           ]}
    mr = request(None, daily(0.8, "ml"))
    del mr["medicationCodeableConcept"]
    mr["medicationReference"] = {"reference": "#m"}
    mr["contained"] = [med]
    use = only(facts(medicationRequests=[mr]))
    assert use.nutrients == {"vitamin-d": Amount(20.0, "ug")}
    assert use.daily_dose == Amount(20.0, "ug")


def test_medication_without_code_text_uses_reference_display(facts):
    med = {"resourceType": "Medication", "id": "m", "ingredient": [{"itemCodeableConcept": cc(ATC, "B01AA07")}]}
    mr = request(None)
    del mr["medicationCodeableConcept"]
    mr["medicationReference"] = {"reference": "Medication/m", "display": "Sintrom mitis 1 mg"}
    use = only(facts(medicationRequests=[mr], medications={"Medication/m": med}))
    assert use.groups == {"vka"} and use.source.display == "Sintrom mitis 1 mg"
    nothing = request(None, id="empty")
    del nothing["medicationCodeableConcept"]
    assert facts(medicationRequests=[nothing]).medications == ()


def test_an_implausible_duration_is_unknown_and_the_record_is_kept(facts):
    """A duration beyond 100 years is read as unknown (range check), not as an end date that
    overflows the calendar: the prednisolone still counts (interactions, dose), without an end."""
    dosage = daily(5, "mg")
    dosage["timing"]["repeat"]["boundsDuration"] = {"value": 1e12, "code": "a"}
    f = facts(medicationRequests=[request(cc(ATC, "H02AB06"), dosage)],
              draft_orders={"entry": [{"resource": request(cc(ATC, "H02AB06"), dosage, id="d")}]})
    assert len(f.medications) == 2 and all(m.end is None for m in f.medications)
    assert not any("malformed" in note for note in f.notes)
