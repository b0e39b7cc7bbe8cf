"""A broken knowledge directory never loads: KnowledgeError names what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from cds_service.knowledge.loader import KnowledgeError, load_knowledge
from cds_service.knowledge.model import Quantity

Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]


def test_copy_loads(profile_copy: Path) -> None:
    assert load_knowledge(profile_copy).version


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="not found"):
        load_knowledge(tmp_path / "nope")


def test_missing_value_set_file(profile_copy: Path) -> None:
    (profile_copy / "ValueSet-vka.json").unlink()
    with pytest.raises(KnowledgeError, match="missing value sets: vka"):
        load_knowledge(profile_copy)


def test_missing_activity_definition(profile_copy: Path) -> None:
    (profile_copy / "ActivityDefinition-supplement-magnesium.json").unlink()
    with pytest.raises(KnowledgeError, match="supplement-magnesium"):
        load_knowledge(profile_copy)


def test_missing_parameters_file(profile_copy: Path) -> None:
    (profile_copy / "Parameters-bone-health-parameters.json").unlink()
    with pytest.raises(KnowledgeError, match="Parameters/bone-health-parameters"):
        load_knowledge(profile_copy)


def test_bad_json(profile_copy: Path) -> None:
    (profile_copy / "ValueSet-calcium.json").write_text('{"resourceType": "ValueSet", ', encoding="utf-8")
    with pytest.raises(KnowledgeError, match="ValueSet-calcium.json: unreadable or invalid JSON"):
        load_knowledge(profile_copy)


def test_file_name_must_match_id(profile_copy: Path) -> None:
    (profile_copy / "ValueSet-vka.json").rename(profile_copy / "ValueSet-vkas.json")
    with pytest.raises(KnowledgeError, match="must be named ValueSet-vka.json"):
        load_knowledge(profile_copy)


def _drop_param(name: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["parameter"] = [p for p in data["parameter"] if p["name"] != name]

    return change


def _set_param(name: str, **value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for p in data["parameter"]:
            if p["name"] == name:
                for key in [k for k in p if k.startswith("value")]:
                    del p[key]
                p.update(value)

    return change


def test_missing_parameter(edit: Edit, profile_copy: Path) -> None:
    edit("Parameters-bone-health-parameters.json", _drop_param("egfr-magnesium-min"))
    with pytest.raises(KnowledgeError, match="missing parameters: egfr-magnesium-min"):
        load_knowledge(profile_copy)


def test_wrong_parameter_unit(edit: Edit, profile_copy: Path) -> None:
    wrong = {"value": 2.6, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
    edit("Parameters-bone-health-parameters.json", _set_param("calcium-high-mmol", valueQuantity=wrong))
    with pytest.raises(KnowledgeError, match="calcium-high-mmol: unit 'mg/dL', expected 'mmol/L'"):
        load_knowledge(profile_copy)


def test_parameter_without_ucum(edit: Edit, profile_copy: Path) -> None:
    edit("Parameters-bone-health-parameters.json",
         _set_param("adult-age", valueQuantity={"value": 18, "unit": "years"}))
    with pytest.raises(KnowledgeError, match="adult-age: valueQuantity needs a UCUM"):
        load_knowledge(profile_copy)


def test_number_where_quantity_expected(edit: Edit, profile_copy: Path) -> None:
    edit("Parameters-bone-health-parameters.json", _set_param("gc-lookback-days", valueInteger=365))
    with pytest.raises(KnowledgeError, match="gc-lookback-days: unit '1', expected 'd'"):
        load_knowledge(profile_copy)


def test_unknown_parameter(edit: Edit, profile_copy: Path) -> None:
    edit("Parameters-bone-health-parameters.json",
         lambda d: d["parameter"].append({"name": "vitd-taget-low", "valueDecimal": 1}))
    with pytest.raises(KnowledgeError, match="vitd-taget-low: unknown"):
        load_knowledge(profile_copy)


def test_changed_parameter_value_is_read(edit: Edit, profile_copy: Path) -> None:
    """The thresholds are data: editing the artifact changes the knowledge."""
    q = {"value": 35, "unit": "mL/min/1.73m2", "system": "http://unitsofmeasure.org", "code": "mL/min/{1.73_m2}"}
    edit("Parameters-bone-health-parameters.json", _set_param("egfr-magnesium-min", valueQuantity=q))
    assert load_knowledge(profile_copy).parameters["egfr-magnesium-min"] == Quantity(35, "mL/min/{1.73_m2}")


def test_snomed_is_a_filter_is_rejected(edit: Edit, profile_copy: Path) -> None:
    include = {"system": "http://snomed.info/sct",
               "filter": [{"property": "concept", "op": "is-a", "value": "64859006"}]}
    edit("ValueSet-osteoporosis.json", lambda d: d["compose"]["include"].append(include))
    with pytest.raises(KnowledgeError, match="ValueSet/osteoporosis: is-a filter on http://snomed.info/sct"):
        load_knowledge(profile_copy)


def test_value_set_reference_is_rejected(edit: Edit, profile_copy: Path) -> None:
    include = {"system": "http://www.whocc.no/atc", "valueSet": ["https://example.org/ValueSet/x"],
               "concept": [{"code": "B01AA03"}]}
    edit("ValueSet-vka.json", lambda d: d["compose"]["include"].append(include))
    with pytest.raises(KnowledgeError, match="compose.include.valueSet"):
        load_knowledge(profile_copy)


def test_empty_value_set_is_rejected(edit: Edit, profile_copy: Path) -> None:
    def empty(d: dict[str, Any]) -> None:
        d.pop("compose")
        d.pop("extension", None)

    edit("ValueSet-digoxin.json", empty)
    with pytest.raises(KnowledgeError, match="ValueSet/digoxin: matches nothing"):
        load_knowledge(profile_copy)


def test_unknown_recommendation_code_in_plan(edit: Edit, profile_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["action"][1]["code"][0]["coding"][0]["code"] = "vitd-statuss"

    edit("PlanDefinition-bone-health-supplements.json", change)
    with pytest.raises(KnowledgeError, match="unknown code vitd-statuss"):
        load_knowledge(profile_copy)


def test_unresolved_definition_canonical(edit: Edit, profile_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["action"][0]["action"][0]["definitionCanonical"] += "-old"

    edit("PlanDefinition-bone-health-supplements.json", change)
    with pytest.raises(KnowledgeError, match="unresolved"):
        load_knowledge(profile_copy)


def test_nutrient_action_without_rating(edit: Edit, profile_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        action = d["action"][0]["action"][0]
        action["extension"] = [e for e in action["extension"] if not e["url"].endswith("cpg-rating")]

    edit("PlanDefinition-bone-health-supplements.json", change)
    with pytest.raises(KnowledgeError, match="cpg-rating"):
        load_knowledge(profile_copy)


def test_dose_without_ucum(edit: Edit, profile_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["dosage"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 20, "unit": "µg"}

    edit("ActivityDefinition-supplement-vitamin-d.json", change)
    with pytest.raises(KnowledgeError, match="supplement-vitamin-d doseQuantity"):
        load_knowledge(profile_copy)


def test_lab_order_code_outside_the_lab_set(edit: Edit, profile_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["code"]["coding"][0]["code"] = "1649-3"

    edit("ActivityDefinition-lab-25ohd-check.json", change)
    with pytest.raises(KnowledgeError, match="not in ValueSet lab-25ohd"):
        load_knowledge(profile_copy)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("ActivityDefinition-lab-calcium-check.json", "1995-0", "not in ValueSet lab-calcium or lab-calcium-corrected"),
        ("ActivityDefinition-lab-egfr-check.json", "2000-8", "not in ValueSet lab-egfr or lab-creatinine"),
    ],
)
def test_other_lab_order_codes_must_be_read_back(edit: Edit, profile_copy: Path, name: str, code: str, message: str) -> None:
    """A site may change a lab order's code (decision 14), but only to one whose result is read."""
    edit(name, lambda d: d["code"]["coding"][0].update(code=code))
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(profile_copy)


def test_a_site_may_change_the_calcium_order_code(edit: Edit, profile_copy: Path) -> None:
    edit("ActivityDefinition-lab-calcium-check.json", lambda d: d["code"]["coding"][0].update(code="17861-6"))
    assert [c.code for c in load_knowledge(profile_copy).lab_orders["lab-calcium"].code] == ["17861-6"]


def test_missing_plan_version(edit: Edit, profile_copy: Path) -> None:
    edit("PlanDefinition-bone-health-supplements.json", lambda d: d.pop("version"))
    with pytest.raises(KnowledgeError, match="needs a version"):
        load_knowledge(profile_copy)
