"""Safety, lab-band and route tables are data (PlanDefinition bone-health-safety, ConceptMap and
CodeSystem route-category): loaded as before, and a broken table stops loading and is reported by
``cds-service check-knowledge``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cds_service import cli
from cds_service.facts.model import Domain
from cds_service.facts.routes import route_from_concept, route_from_texts
from cds_service.knowledge.loader import KnowledgeError, load_knowledge
from cds_service.knowledge.model import DATA_DOMAINS, SNOMED, VITD_BANDS
from cds_service.rules.labs import VitdBand

SAFETY = "PlanDefinition-bone-health-safety.json"
ROUTES = "ConceptMap-route-category.json"


def test_safety_tables(knowledge):
    safety = knowledge.safety
    assert dict(safety.spacing) == {
        "levothyroxine": "warning",
        "bisphosphonate-oral": "info",
        "tetracycline": "warning",
        "fluoroquinolone": "warning",
        "integrase-inhibitor": "warning",
        "eltrombopag": "warning",
        "oral-iron": "info",
    }
    assert list(safety.spacing) == ["levothyroxine", "bisphosphonate-oral", "tetracycline", "fluoroquinolone",
                                    "integrase-inhibitor", "eltrombopag", "oral-iron"]  # card order
    assert safety.calcium_conditions == ("hypercalcaemia", "hyperparathyroidism", "kidney-stones", "sarcoidosis")
    assert dict(safety.calcium_level_severity) == {"high": "warning", "critical": "critical"}
    assert safety.high_calcium_drugs == ("thiazide", "digoxin")
    assert dict(safety.severity) == {
        "safety-k2-vka": "critical",
        "safety-hypercalcaemia": "warning",  # a calcium-related condition without a high calcium
        "safety-magnesium-kidney": "warning",
        "safety-soy-endocrine": "warning",
        "safety-soy-levothyroxine": "info",
        "safety-ipriflavone": "warning",
        "safety-active-vitd": "warning",
    }
    assert safety.soy_endocrine_drugs == ("tamoxifen", "aromatase-inhibitor")
    assert dict(safety.check_domains) == {
        "calcium": ("medications", "conditions", "calcium"),
        "magnesium": ("medications", "conditions", "kidney"),
        "vitamin-d": ("medications", "conditions", "calcium"),
        "vitamin-k2": ("medications",),
        "soy-isoflavones": ("medications", "conditions"),
    }
    assert dict(safety.vitd_band_severity) == {
        "indeterminate": "info", "severe": "warning", "deficient": "warning", "below-target": "info",
        "on-target": "info", "above-target": "info", "high": "warning", "toxic": "critical",
    }


def test_the_knowledge_names_match_the_code():
    assert DATA_DOMAINS == tuple(d.value for d in Domain)
    assert VITD_BANDS == tuple(b.value for b in VitdBand)


def test_routes(knowledge):
    routes = knowledge.routes
    assert len(routes.codes) == 17
    assert routes.from_coding(SNOMED, "26643006") == "oral"
    assert routes.from_coding(SNOMED, "18679011000001101") == "inhalation"
    assert routes.from_coding("http://example.org", "26643006") is None
    assert routes.systemic == {"oral", "iv", "im", "subcutaneous", "sublingual", "enteral"}
    # the first fragment in file order wins: the specific ones come first
    assert route_from_texts(["Subcutane injectie"], routes) == "subcutaneous"
    # the Dutch 'subcutaan' holds 'cutaan' (topical) but not 'subcutan': a systemic route all the same
    assert route_from_texts(["Subcutaan"], routes) == "subcutaneous"
    assert route_from_texts(["Cutaan"], routes) == "topical"
    assert route_from_texts(["Oogzalf"], routes) == "ophthalmic"
    assert route_from_texts(["Tablet voor inhalatie"], routes) == "inhalation"
    assert route_from_texts(["onbekend", "Crème"], routes) == "topical"
    assert route_from_texts(["onbekend"], routes) is None
    concept = {"coding": [{"system": SNOMED, "code": "6064005"}], "text": "oraal"}
    assert route_from_concept(concept, routes) == "topical"  # the code before the text
    assert route_from_concept({"text": "per os"}, routes) == "oral"


def test_vitamin_d_iu_factor_comes_from_the_parameters(knowledge):
    assert knowledge.param("vitd-iu-per-ug") == 40
    assert knowledge.nutrients["vitamin-d"].iu_per_ug == 40
    assert knowledge.nutrients["calcium"].iu_per_ug is None


def _action(data: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(a for a in data["action"] if a["id"] == action_id)


def _spacing(data: dict[str, Any]) -> dict[str, Any]:
    return _action(data, "safety-mineral-spacing")


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (SAFETY, lambda d: _spacing(d)["action"][0]["extension"][0].update(valueCode="severe"),
         "action spacing-levothyroxine: unknown severity 'severe'"),
        (SAFETY, lambda d: _spacing(d)["action"][0]["input"][0]["codeFilter"][0].update(valueSet="https://example.org/ValueSet/x"),
         "action spacing-levothyroxine: unknown value set"),
        (SAFETY, lambda d: _spacing(d)["action"][0].pop("extension"), "spacing-levothyroxine: needs one card-indicator"),
        (SAFETY, lambda d: _action(d, "safety-k2-vka").pop("extension"), "action safety-k2-vka: needs one card-indicator"),
        (SAFETY, lambda d: _action(d, "safety-hypercalcaemia")["action"].pop(), "calcium-level-<level> actions must be exactly"),
        (SAFETY, lambda d: [i.update(type="MedicationStatement") for i in _action(d, "safety-hypercalcaemia")["input"]],
         "action safety-hypercalcaemia: needs an input Condition value set"),
        (SAFETY, lambda d: _action(d, "safety-hypercalcaemia")["input"][-1].update(type="Observation"),
         "action safety-hypercalcaemia: input type Observation (Condition or MedicationStatement)"),
        (SAFETY, lambda d: next(a for a in d["action"] if a["id"] == "vitd-status")["action"].pop(),
         "vitd-band-<band> actions must be exactly"),
        (SAFETY, lambda d: next(a for a in d["action"] if a["id"] == "safety-checks")["action"][0]["extension"][0].update(valueCode="labs"),
         "action checks-calcium: unknown or no data-domain"),
        (SAFETY, lambda d: d["action"].remove(next(a for a in d["action"] if a["id"] == "safety-soy-endocrine")),
         "missing action safety-soy-endocrine"),
        (ROUTES, lambda d: d["group"][0]["element"][0]["target"][0].update(code="per-anum"),
         "26643006 must map to one known route category"),
        (ROUTES, lambda d: d["group"][1]["element"][0]["target"][0].update(code="oraal"),
         "subcutaa must map to one known route category"),
        ("CodeSystem-route-category.json", lambda d: d["concept"][0].pop("property"), "oral needs one boolean property 'systemic'"),
    ],
)
def test_a_broken_table_stops_loading(edit, profile_copy, name, change, message):
    edit(name, change)
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        load_knowledge(profile_copy)


def test_check_knowledge_reports_a_route_mapped_to_an_unknown_category(edit, profile_copy, capsys):
    edit(ROUTES, lambda d: d["group"][0]["element"][1]["target"][0].update(code="intravenous"))
    with pytest.raises(SystemExit) as info:
        cli.main(["check-knowledge", str(profile_copy)])
    assert info.value.code == 1
    assert capsys.readouterr().out.splitlines() == [
        "ConceptMap/route-category: 47625008 must map to one known route category, not ['intravenous']"]


def test_check_knowledge_reports_an_unknown_severity(edit, profile_copy, capsys):
    edit(SAFETY, lambda d: next(a for a in d["action"] if a["id"] == "vitd-status")["action"][-1]["extension"][0].update(valueCode="fatal"))
    with pytest.raises(SystemExit) as info:
        cli.main(["check-knowledge", str(profile_copy)])
    assert info.value.code == 1
    assert capsys.readouterr().out.splitlines() == [
        "PlanDefinition/bone-health-safety action vitd-band-toxic: unknown severity 'fatal'"]


def test_a_missing_table_file_stops_loading(profile_copy):
    (profile_copy / ROUTES).unlink()
    with pytest.raises(KnowledgeError, match="missing ConceptMap/route-category"):
        load_knowledge(profile_copy)
