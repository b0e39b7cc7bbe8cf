"""The artifacts themselves: valid FHIR R4 (checked with the R4B models), complete, marked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from cds_service.knowledge.loader import DEFAULT_DIR
from cds_service.knowledge.model import ATC, ICD10, ICD10CM, LOINC, NUTRIENTS, SNOMED, VALUE_SETS
from cds_service.knowledge.urls import BASE, CS_CODE_VERIFICATION

FILES = sorted(p.name for p in DEFAULT_DIR.glob("*.json"))
CPG = "http://hl7.org/fhir/uv/cpg"


@pytest.mark.parametrize("name", FILES)
def test_every_artifact_is_valid_fhir(name: str, artifacts: dict[str, Any]) -> None:
    data = artifacts[name]
    model = get_fhir_model_class(data["resourceType"])
    resource = model.model_validate(data)
    assert name == f"{resource.__resource_type__}-{resource.id}.json"


def test_one_value_set_file_per_id(artifacts: dict[str, Any]) -> None:
    ids = {d["id"] for d in artifacts.values() if d["resourceType"] == "ValueSet"}
    assert ids == set(VALUE_SETS)


def test_every_nutrient_and_lab_order_have_an_activity_definition(artifacts: dict[str, Any]) -> None:
    ids = {d["id"] for d in artifacts.values() if d["resourceType"] == "ActivityDefinition"}
    assert ids == {f"supplement-{n}" for n in NUTRIENTS} | {"lab-25ohd-check", "lab-calcium-check", "lab-egfr-check"}


def _urls(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["url"]} if "url" in node and ("valueString" in node or any(k.startswith("value") for k in node)) else set()
        for value in node.values():
            found |= _urls(value)
        return found
    if isinstance(node, list):
        return set().union(*(_urls(v) for v in node)) if node else set()
    return set()


def test_every_local_extension_has_a_structure_definition(artifacts: dict[str, Any]) -> None:
    defined = {d["url"] for d in artifacts.values() if d["resourceType"] == "StructureDefinition"}
    used = {u for d in artifacts.values() for u in _urls(d) if u.startswith(BASE + "/StructureDefinition/")}
    assert used, "no local extension used at all"
    assert used <= defined


def _designations(vs: dict[str, Any]) -> dict[tuple[str, str], str]:
    out = {}
    for include in vs.get("compose", {}).get("include", []):
        for concept in include.get("concept", []):
            (designation,) = concept["designation"]
            assert designation["use"]["system"] == CS_CODE_VERIFICATION
            out[(include["system"], concept["code"])] = designation["use"]["code"]
    return out


def _filter_marks(vs: dict[str, Any]) -> dict[tuple[str, str], str]:
    out = {}
    for include in vs.get("compose", {}).get("include", []):
        for flt in include.get("filter", []):
            (mark,) = [e["valueCoding"]["code"] for e in flt["extension"] if "valueCoding" in e]
            out[(include["system"], flt["value"])] = mark
    return out


def test_every_code_and_group_carries_a_verification_mark(artifacts: dict[str, Any]) -> None:
    marks = set()
    for data in artifacts.values():
        if data["resourceType"] == "ValueSet":
            marks |= set(_designations(data).values()) | set(_filter_marks(data).values())
    assert marks == {"verified", "informal", "unverified"}


@pytest.mark.parametrize(
    ("vs_id", "system", "code", "mark"),
    [
        # ✘ in terminology.md
        ("osteoporosis", ICD10, "M81.0", "unverified"),
        ("protein-metabolism-disorder", SNOMED, "11282001", "unverified"),
        ("menopause", SNOMED, "67207009", "unverified"),
        ("kidney-stones", ICD10, "N20.0", "unverified"),
        ("hypercalcaemia", ICD10CM, "E83.52", "unverified"),
        ("ckd-severe", ICD10CM, "N18.6", "unverified"),
        ("er-positive-breast-cancer", SNOMED, "254837009", "unverified"),
        ("lab-calcium-corrected", LOINC, "29265-6", "unverified"),
        ("lab-egfr", LOINC, "62238-1", "unverified"),
        ("lab-creatinine", LOINC, "2160-0", "unverified"),
        ("lab-lymphocytes", LOINC, "731-0", "unverified"),
        ("malabsorption", "http://hl7.org/fhir/sid/icpc-1-nl", "D94.01", "unverified"),
        # ~ and ✔
        ("vitamin-k2", ATC, "M05BX08", "informal"),
        ("lab-25ohd", LOINC, "83070-3", "informal"),
        ("lab-calcium", LOINC, "2000-8", "informal"),
        ("lab-25ohd", LOINC, "62292-8", "verified"),
        ("osteoporosis", SNOMED, "64859006", "verified"),
        ("vka", ATC, "B01AA07", "verified"),
    ],
)
def test_terminology_marks_are_kept(artifacts: dict[str, Any], vs_id: str, system: str, code: str, mark: str) -> None:
    assert _designations(artifacts[f"ValueSet-{vs_id}.json"])[(system, code)] == mark


@pytest.mark.parametrize(
    ("vs_id", "system", "prefix", "mark"),
    [
        ("sarcoidosis", ICD10, "D86", "unverified"),
        ("er-positive-breast-cancer", ICD10, "C50", "unverified"),
        ("fragility-fracture", ICD10, "M80", "unverified"),
        ("major-osteoporotic-site-fracture", ICD10, "S72.0", "unverified"),
        ("major-osteoporotic-site-fracture", ICD10CM, "S52.5", "informal"),
        ("glucocorticoid-systemic", ATC, "H02AB", "verified"),
    ],
)
def test_group_marks_are_kept(artifacts: dict[str, Any], vs_id: str, system: str, prefix: str, mark: str) -> None:
    assert _filter_marks(artifacts[f"ValueSet-{vs_id}.json"])[(system, prefix)] == mark


def test_no_1_25_dihydroxy_vitamin_d_in_the_25ohd_set(artifacts: dict[str, Any]) -> None:
    vs = artifacts["ValueSet-lab-25ohd.json"]
    displays = [c["display"] for i in vs["compose"]["include"] for c in i["concept"]]
    assert displays and not any(re.search(r"1,25|dihydroxy", d, re.I) for d in displays)


def _ext(element: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in element.get("extension", []) if e["url"] == url]


def test_plan_definition_carries_the_guideline_evidence(artifacts: dict[str, Any]) -> None:
    pd = artifacts["PlanDefinition-bone-health-supplements.json"]
    assert pd["meta"]["profile"] == [f"{CPG}/StructureDefinition/cpg-recommendationdefinition"]
    assert pd["type"]["coding"][0]["code"] == "eca-rule"
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", pd["version"])
    assert pd["relatedArtifact"][0]["display"] == "Suppletierichtlijn Botdichtheid en Botvorming"
    assert "●●●" in pd["usage"] and "moderate" in pd["usage"]
    (combined,) = [a for a in pd["action"] if a["id"] == "bone-supplements"]
    by_id = {a["id"]: a for a in combined["action"]}
    expected = {"vitamin-d": (3, "high"), "calcium": (2, "moderate"), "magnesium": (2, "moderate"),
                "vitamin-k2": (2, "moderate"), "soy-isoflavones": (2, "moderate"), "ipriflavone": (2, "moderate")}
    for nutrient, (dots, quality) in expected.items():
        action = by_id[f"propose-{nutrient}"]
        (rating,) = _ext(action, f"{CPG}/StructureDefinition/cpg-rating")
        assert rating["valueRatio"]["numerator"]["value"] == dots
        assert rating["valueRatio"]["denominator"]["value"] == 3
        (q,) = _ext(action, "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence")
        assert q["valueCodeableConcept"]["coding"][0]["code"] == quality
        (d,) = _ext(action, f"{CPG}/StructureDefinition/cpg-directionOfRecommendation")
        assert d["valueCodeableConcept"]["coding"][0]["code"] == "for"
        assert not _ext(action, "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation")
    citations = [r["citation"] for r in by_id["propose-ipriflavone"]["documentation"]]
    assert any("JAMA 2001;285" in c and "Alexandersen" in c for c in citations)


def test_upper_limits_are_in_the_activity_definitions(artifacts: dict[str, Any]) -> None:
    limits = {}
    for nutrient in ("vitamin-d", "calcium", "magnesium"):
        (dosage,) = artifacts[f"ActivityDefinition-supplement-{nutrient}.json"]["dosage"]
        num = dosage["maxDosePerPeriod"]["numerator"]
        assert dosage["maxDosePerPeriod"]["denominator"]["code"] == "d"
        limits[nutrient] = (num["value"], num["code"])
    assert limits == {"vitamin-d": (100, "ug"), "calcium": (2500, "mg"), "magnesium": (250, "mg")}


def test_k2_keeps_the_printed_dose_only_as_text(artifacts: dict[str, Any]) -> None:
    (dosage,) = artifacts["ActivityDefinition-supplement-vitamin-k2.json"]["dosage"]
    assert "45 mg" in dosage["text"]
    assert "doseAndRate" not in dosage
