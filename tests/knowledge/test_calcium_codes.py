"""Decision 13: every serum, plasma or blood calcium code of terminology 3.2 is read.

The table below lists each code with where it comes from; the test checks the value set that
holds it, the prefetch template that asks for it, and that an Observation with that code becomes
the patient's serum calcium.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cds_service.hooks import KEY_CALCIUM, prefetch_templates
from cds_service.facts.build import build_facts
from cds_service.fhir.data import ResolvedData

LOINC = "http://loinc.org"

# code, unit, value set, source (terminology 3.2)
CALCIUM_CODES = [
    ("17861-6", "mg/dL", "lab-calcium", "Calcium, serum (mass); HL7 Vulcan IG"),
    ("2000-8", "mmol/L", "lab-calcium", "Calcium, serum (molar)"),
    ("49765-1", "mg/dL", "lab-calcium", "Calcium, blood (mass); Synthea and many US labs"),
    ("29265-6", "mmol/L", "lab-calcium-corrected", "Calcium, albumin-corrected"),
]


@pytest.mark.parametrize(("code", "unit", "vs_id", "source"), CALCIUM_CODES)
def test_calcium_code_is_in_its_value_set_and_prefetch_template(knowledge, code, unit, vs_id, source):
    assert knowledge.vs(vs_id).matches_coding(LOINC, code), source
    template = prefetch_templates(knowledge)[KEY_CALCIUM]
    codes = template.partition("&code=")[2].partition("&")[0].split(",")
    assert f"{LOINC}|{code}" in codes, template


@pytest.mark.parametrize(("code", "unit", "vs_id", "source"), CALCIUM_CODES)
def test_calcium_code_becomes_the_serum_calcium(knowledge, code, unit, vs_id, source):
    value = 11.4 if unit == "mg/dL" else 2.84
    observation = {
        "resourceType": "Observation", "id": "ca", "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": "2026-05-20",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }
    data = ResolvedData(patient={"resourceType": "Patient", "id": "p", "birthDate": "1946-01-01"},
                        resources={"calcium": [observation]})
    facts = build_facts(data, knowledge, datetime(2026, 6, 1, 9, tzinfo=UTC))
    assert facts.calcium is not None and facts.calcium.value == pytest.approx(2.84, abs=0.01), source
    assert facts.calcium.corrected is (vs_id == "lab-calcium-corrected")


def test_every_calcium_code_in_the_value_sets_is_listed(knowledge):
    listed = {code for code, *_ in CALCIUM_CODES}
    held = {c for vs in ("lab-calcium", "lab-calcium-corrected") for s, c in knowledge.vs(vs).codes if s == LOINC}
    assert held == listed
