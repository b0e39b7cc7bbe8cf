from cds_service.facts.build import build_facts, prepare
from cds_service.facts.model import Domain
from cds_service.fhir.data import ResolvedData

from .conftest import ATC, NOW, SNOMED, cc, condition, daily, observation, request, statement


def test_prepared_given_or_built_gives_the_same_facts(knowledge):
    data = ResolvedData(
        patient={"resourceType": "Patient", "id": "p1", "birthDate": "1950-03-10", "gender": "female"},
        resources={"conditions": [condition(cc(SNOMED, "64859006"))]},
    )
    given = build_facts(data, knowledge, NOW, prepared=prepare(knowledge))
    assert given == build_facts(data, knowledge, NOW) and given.indications


def test_unknown_keys_map_to_domains(facts):
    f = facts(unknown={"medicationRequests", "procedures", "somethingElse"})
    assert f.unknown == {Domain.MEDICATIONS, Domain.PROCEDURES}
    assert any("not mapped" in n for n in f.notes)


def test_resources_not_a_list(facts):
    f = facts(conditions={"resourceType": "Bundle"}, vitaminD=None)
    assert f.indications == () and f.vitamin_d == ()
    assert "skipped malformed resources: 1" in f.notes


def test_notes_have_no_patient_data(facts):
    f = facts(
        {"resourceType": "Patient", "id": "secret-id", "name": [{"family": "Jansen"}], "birthDate": "1950"},
        vitaminD=[observation("14635-7", 5, "pmol/L")],
        conditions=["junk"],
    )
    assert f.notes == ("indeterminate 25(OH)D results: 1", "skipped malformed resources: 1")


def test_non_dict_patient_and_medications(knowledge):
    data = ResolvedData(patient="junk", resources={"medicationStatements": [statement(cc(ATC, "A11CC05"))]})
    data.medications = None
    f = build_facts(data, knowledge, NOW)
    assert not f.is_known(Domain.PATIENT) and len(f.medications) == 1


def test_full_patient(facts):
    f = facts(
        conditions=[condition(cc(SNOMED, "64859006"))],
        medicationStatements=[statement(cc(ATC, "A11CC05"), daily(800, "IE"))],
        vitaminD=[observation("14635-7", 55, "nmol/L")],
    )
    assert f.age == 76 and [i.kind.value for i in f.indications] == ["osteoporosis"]
    assert f.meds("vitamin-d")[0].nutrients["vitamin-d"].value == 20
    assert f.vitamin_d[0].value == 55
    assert f.unknown == frozenset() and f.notes == ()


def test_index_skips_missing_value_sets_and_empty_text(knowledge):
    from cds_service.facts.match import Index

    index = Index(knowledge, ("no-such-set", "vitamin-d"))
    assert index.text("") == set() and index.text("Vitamine D3") == {"vitamin-d"}
    assert index.text("1,25-dihydroxy vitamine D") == set()  # excluded term
    assert index.coding(None, "A11CC05") == set()


def test_safety_net_never_raises(facts, monkeypatch):
    from cds_service.facts import conditions, medications, orders

    def boom(*_args, **_kwargs):
        raise ValueError("broken")

    monkeypatch.setattr(conditions, "_condition", boom)
    monkeypatch.setattr(conditions, "_procedure", boom)
    monkeypatch.setattr(medications, "record_from", boom)
    monkeypatch.setattr(orders, "lab_order", boom)
    f = facts(conditions=[{}], procedures=[{}], medicationStatements=[{}], labOrders=[{}],
              draft_orders=[{"resourceType": "MedicationRequest"}])
    assert "skipped malformed resources: 5" in f.notes


def test_bad_datetime_falls_back_to_date(facts):
    from cds_service.facts.values import parse_datetime

    assert parse_datetime("2026-05-01T25:99:00").isoformat() == "2026-05-01T00:00:00+00:00"
    assert parse_datetime(5) is None and parse_datetime("garbage") is None


def test_status_and_intent_of_the_wrong_json_type_are_skipped_not_raised(facts):
    """A status or intent that is an object or a list (unhashable) reads as "not counted", never a crash."""
    for wrong in ({"code": "final"}, ["final"]):
        f = facts(
            vitaminD=[observation("14635-7", 55, "nmol/L", status=wrong)],
            medicationRequests=[request(cc(ATC, "A11CC05"), daily(800, "IE"), intent=wrong)],
            procedures=[{"resourceType": "Procedure", "id": "p1", "status": wrong,
                         "code": cc(SNOMED, "430715008")}],
        )
        assert f.vitamin_d == () and f.meds("vitamin-d") == () and f.indications == ()
