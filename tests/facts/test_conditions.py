from cds_service.facts.model import Domain, IndicationKind as K

from .conftest import ICD10, SNOMED, cc, condition


def kinds(f):
    return sorted(i.kind.value for i in f.indications)


def test_osteoporosis_and_risk_factors(facts):
    f = facts(conditions=[
        condition(cc(SNOMED, "64859006", "Osteoporosis"), id="a"),
        condition(cc(SNOMED, "312894000"), id="b"),
        condition(cc(SNOMED, "76498008"), id="c"),
        condition(cc(SNOMED, "44054006"), id="d"),
        condition(cc(SNOMED, "56882008"), id="e"),
        condition(cc(SNOMED, "396331005"), id="f"),
        condition(cc(SNOMED, "160685001"), id="g"),
        condition(cc(ICD10, "E72.1"), id="h"),
        condition(cc("http://hl7.org/fhir/sid/icd-10-cm", "Z98.84"), id="i"),
    ])
    assert set(kinds(f)) == {
        "osteoporosis", "osteopenia", "postmenopausal", "diabetes", "anorexia-nervosa", "malabsorption",
        "immobility", "protein-metabolism-disorder", "bariatric-surgery",
    }
    osteo = next(i for i in f.indications if i.kind is K.OSTEOPOROSIS)
    assert osteo.source.reference == "Condition/a" and osteo.source.display == "Osteoporosis"


def test_icpc_dutch_code_matches(facts):
    f = facts(conditions=[condition(cc("http://hl7.org/fhir/sid/icpc-1-nl", "L95", "Osteoporose"))])
    assert kinds(f) == ["osteoporosis"]


def test_text_only_condition_matches_by_text(facts):
    local = {"coding": [{"system": "urn:local", "code": "X1"}], "text": "Heupfractuur rechts"}
    f = facts(conditions=[condition(local, clinical="resolved", onsetDateTime="2020-01-01")])
    assert kinds(f) == ["fragility-fracture"]


def test_text_not_read_when_a_code_matched(facts):
    # coded osteoporosis whose text mentions a fracture does not become a fracture
    concept = cc(SNOMED, "64859006", text="Osteoporose zonder fractuur, heupfractuur uitgesloten")
    f = facts(conditions=[condition(concept, onsetDateTime="2026-05-01")])
    assert kinds(f) == ["osteoporosis"]


def test_entered_in_error_and_refuted_skipped(facts):
    f = facts(conditions=[
        condition(cc(SNOMED, "64859006"), verification="entered-in-error"),
        condition(cc(SNOMED, "44054006"), id="c2", verification="refuted"),
        condition(cc(SNOMED, "66931009"), id="c3", verification="entered-in-error"),  # hypercalcaemia
    ])
    assert f.indications == () and f.safety_conditions == ()


def test_unconfirmed_counts_for_safety_not_indication(facts):
    f = facts(conditions=[
        condition(cc(SNOMED, "64859006"), verification="provisional"),
        condition(cc(SNOMED, "66931009"), id="c2", verification="unconfirmed"),
    ])
    assert f.indications == ()
    assert f.has_condition("hypercalcaemia")


def test_resolved_condition_skipped_but_resolved_fracture_is_history(facts):
    f = facts(conditions=[
        condition(cc(SNOMED, "44054006"), id="dm", clinical="resolved"),
        condition(cc(SNOMED, "443165006", "Osteoporotic fracture"), id="fx", clinical="resolved",
                  onsetDateTime="2015-02-01"),
    ])
    assert kinds(f) == ["fragility-fracture"]
    assert f.indications[0].onset.isoformat() == "2015-02-01"


def test_abatement_without_status_is_inactive(facts):
    f = facts(conditions=[condition(cc(SNOMED, "44054006"), clinical=None, abatementDateTime="2020-01-01")])
    assert f.indications == ()
    f = facts(conditions=[condition(cc(SNOMED, "44054006"), clinical=None, abatementBoolean=True)])
    assert f.indications == ()
    f = facts(conditions=[condition(cc(SNOMED, "44054006"), clinical=None, verification=None)])
    assert kinds(f) == ["diabetes"]


def test_site_fracture_fragile_by_age_at_onset(facts):
    hip = cc(SNOMED, "5913000", "Fracture of neck of femur")
    old = {"resourceType": "Patient", "birthDate": "1950-01-01"}
    # onset at 45: not fragile, not recent
    f = facts(old, conditions=[condition(hip, clinical="resolved", onsetDateTime="1995-06-01")])
    assert kinds(f) == []
    # onset at 70: fragile; recent as well
    f = facts(old, conditions=[condition(hip, onsetDateTime="2026-03-01")])
    assert kinds(f) == ["fragility-fracture", "recent-fracture"]
    # onset unknown: age now (76) counts
    f = facts(old, conditions=[condition(hip)])
    assert kinds(f) == ["fragility-fracture"]
    # onset as an age
    f = facts(old, conditions=[condition(hip, clinical="resolved", onsetAge={"value": 60, "unit": "a"})])
    assert kinds(f) == ["fragility-fracture"]
    # unknown birth date, unknown onset: cannot say fragile
    f = facts({"resourceType": "Patient"}, conditions=[condition(hip)])
    assert kinds(f) == []


def test_recent_fracture_window(facts):
    other = cc(ICD10, "S82.0", "Fracture of patella")
    young = {"resourceType": "Patient", "birthDate": "1990-01-01"}
    f = facts(young, conditions=[condition(other, onsetPeriod={"start": "2026-01-15"})])
    assert kinds(f) == ["recent-fracture"]
    f = facts(young, conditions=[condition(other, onsetDateTime="2025-10-01")])
    assert kinds(f) == []
    # onset unknown: recorded recently and active counts as recent; resolved does not
    f = facts(young, conditions=[condition(other, recordedDate="2026-05-01")])
    assert kinds(f) == ["recent-fracture"]
    f = facts(young, conditions=[condition(other, clinical="resolved", recordedDate="2026-05-01")])
    assert kinds(f) == []


def test_safety_conditions(facts):
    f = facts(conditions=[
        condition(cc(SNOMED, "66931009"), id="a"),
        condition(cc(ICD10, "E21.0"), id="b"),
        condition(cc(ICD10, "N20.0"), id="c", clinical="resolved"),  # stone history still counts
        condition(cc(ICD10, "D86.9"), id="d"),
        condition(cc(ICD10, "N18.5"), id="e"),
        condition(cc(ICD10, "E27.1"), id="f"),
        condition(cc(ICD10, "D86.0"), id="g", clinical="resolved"),  # resolved sarcoid: skipped
    ])
    assert {c.kind for c in f.safety_conditions} == {
        "hypercalcaemia", "hyperparathyroidism", "kidney-stones", "sarcoidosis", "ckd-severe",
        "adrenal-insufficiency",
    }
    assert sum(c.kind == "sarcoidosis" for c in f.safety_conditions) == 1


def test_pregnancy_and_breastfeeding(facts):
    f = facts(conditions=[condition(cc(SNOMED, "77386006", "Pregnant"))])
    assert f.pregnant and not f.breastfeeding
    f = facts(conditions=[condition(cc(SNOMED, "77386006"), clinical="resolved")])
    assert not f.pregnant
    f = facts(conditions=[condition(cc(ICD10, "Z39.1"))])
    assert f.breastfeeding


def test_bariatric_procedure(facts):
    proc = {"resourceType": "Procedure", "id": "p", "status": "completed",
            "code": cc(SNOMED, "430715008"), "performedDateTime": "2019-04-02"}
    f = facts(procedures=[proc, {**proc, "id": "q", "status": "not-done"}])
    assert kinds(f) == ["bariatric-surgery"]
    assert f.indications[0].source.reference == "Procedure/p"


def test_malformed_conditions_skipped(facts):
    f = facts(conditions=[
        "junk",
        {"resourceType": "Observation"},
        {"resourceType": "Condition", "code": "L95", "clinicalStatus": 4},
        {"resourceType": "Condition", "code": {"coding": "x"}, "onsetAge": {"value": "x"}},
        condition(cc(SNOMED, "64859006")),
    ], procedures=[{"resourceType": "Condition"}, {"resourceType": "Procedure", "status": "completed"}])
    assert kinds(f) == ["osteoporosis"]
    assert any("malformed" in n for n in f.notes)


def test_unknown_vs_absent(facts):
    f = facts(unknown={"conditions"})
    assert not f.is_known(Domain.CONDITIONS) and f.is_known(Domain.PROCEDURES)
    f = facts(conditions=[])
    assert f.is_known(Domain.CONDITIONS) and f.indications == ()
