from .conftest import LOINC, cc


def sr(id, status="active", code="62292-8", **extra):
    return {"resourceType": "ServiceRequest", "id": id, "status": status, "intent": "order",
            "code": cc(LOINC, code, "25-OH vitamine D"), **extra}


def test_pending_orders(facts):
    f = facts(labOrders=[
        sr("a", authoredOn="2026-05-01", occurrencePeriod={"start": "2026-06-15", "end": "2026-06-30"}),
        sr("b", status="on-hold", occurrenceDateTime="2026-07-01"),
        sr("c", status="completed"),
        sr("d", status="revoked"),
        sr("e", code="2000-8"),
        {"resourceType": "Observation"},
    ])
    assert [(o.source.reference, o.status) for o in f.lab_orders] == [
        ("ServiceRequest/a", "active"), ("ServiceRequest/b", "on-hold")
    ]
    a, b = f.lab_orders
    assert a.authored.isoformat() == "2026-05-01" and a.occurrence.isoformat() == "2026-06-15"
    assert b.authored is None and b.occurrence.isoformat() == "2026-07-01"
    assert not a.draft


def test_draft_lab_order(facts):
    bundle = {"entry": [{"resource": sr("d1", status="draft")}, {"resource": sr("d2", status="draft")},
                        {"resource": sr("gone", status="entered-in-error")}]}
    f = facts(draft_orders=bundle, selections=["ServiceRequest/d2", 5])
    d1, d2 = f.lab_orders
    assert d1.draft and not d1.selected and d1.authored.isoformat() == "2026-06-01"
    assert d2.selected


def test_malformed_order(facts):
    f = facts(labOrders=[{"resourceType": "ServiceRequest", "status": "active", "code": {"coding": [5]}},
                         {"resourceType": "ServiceRequest", "status": ["x"]}])
    assert f.lab_orders == ()
