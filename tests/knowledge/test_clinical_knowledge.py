"""Clinical knowledge that used to be Python literals: prednisolone equivalence, lab plausibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from cds_service.knowledge.loader import KnowledgeError, load_knowledge
from cds_service.knowledge.model import ATC, RXNORM, Knowledge, Quantity
from cds_service.knowledge.urls import EXT_GC_EQUIVALENCE

Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]
GC_FILE = "ValueSet-glucocorticoid-systemic.json"


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("calcium-albumin-pair-days", 0, "d"),
        ("calcium-plausible-min-mmol", 1.0, "mmol/L"),
        ("calcium-plausible-max-mmol", 5.0, "mmol/L"),
        ("albumin-plausible-min-gl", 10, "g/L"),
        ("albumin-plausible-max-gl", 70, "g/L"),
        ("vitd-recheck-quiet-months", 3, "mo"),
    ],
)
def test_new_parameters(knowledge: Knowledge, name: str, value: float, unit: str) -> None:
    assert knowledge.parameters[name] == Quantity(value, unit)


# terminology.md 2.1: mg equal to 5 mg prednisolone (betamethasone 0.6-0.75: 0.75 taken)
EXPECTED_EQUIVALENTS = {
    "prednisolone": 5, "prednisone": 5, "methylprednisolone": 4, "dexamethasone": 0.75,
    "betamethasone": 0.75, "hydrocortisone": 20, "cortisone": 25, "triamcinolone": 4,
    "deflazacort": 6, "fluocortolone": 5, "meprednisone": 4, "budesonide": None,
}


def test_prednisolone_equivalents_come_from_the_value_set(knowledge: Knowledge) -> None:
    table = {g.name: g.equivalent_mg for g in knowledge.glucocorticoids}
    assert table == EXPECTED_EQUIVALENTS
    replacement = {g.name for g in knowledge.glucocorticoids if g.replacement}
    assert replacement == {"hydrocortisone", "cortisone"}


def test_ingredient_codes_and_names(knowledge: Knowledge) -> None:
    by_name = {g.name: g for g in knowledge.glucocorticoids}
    assert {(ATC, "H02AB06"), (RXNORM, "8638"), (RXNORM, "198142")} <= by_name["prednisolone"].codes
    assert (ATC, "H02AB16") in by_name["budesonide"].codes
    assert " medrol " in by_name["methylprednisolone"].terms
    assert " kenacort" in by_name["triamcinolone"].terms
    gc_set = knowledge.vs("glucocorticoid-systemic")
    for ingredient in knowledge.glucocorticoids:  # every code named is in the value set
        assert all(gc_set.matches_coding(s, c) for s, c in ingredient.codes)


def _equivalence(data: dict[str, Any], code: str) -> dict[str, Any]:
    for include in data["compose"]["include"]:
        for concept in include.get("concept", ()):
            if concept["code"] == code:
                return next(e for e in concept["extension"] if e["url"] == EXT_GC_EQUIVALENCE)
    raise AssertionError(code)


def test_changed_equivalent_dose_is_read(edit: Edit, profile_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:  # every dexamethasone concept (ATC, RxNorm)
        for code in ("H02AB02", "3264", "197582"):
            for part in _equivalence(data, code)["extension"]:
                if part["url"] == "equivalent-dose":
                    part["valueQuantity"]["value"] = 1
    edit(GC_FILE, change)
    table = {g.name: g.equivalent_mg for g in load_knowledge(profile_copy).glucocorticoids}
    assert table["dexamethasone"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e["extension"].pop(0), "needs an ingredient"),
        (lambda e: e["extension"].append({"url": "potency", "valueDecimal": 1}), "unexpected"),
        (lambda e: e["extension"][1]["valueQuantity"].update(code="ug"), "positive UCUM mg"),
        (lambda e: e["extension"][1]["valueQuantity"].update(value=0), "positive UCUM mg"),
    ],
)
def test_broken_equivalence_does_not_load(edit: Edit, profile_copy: Path, change, message: str) -> None:
    edit(GC_FILE, lambda data: change(_equivalence(data, "H02AB04")))
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(profile_copy)


def test_reference_ingredient_needs_an_equivalent(edit: Edit, profile_copy: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        for include in data["compose"]["include"]:
            for concept in include.get("concept", ()):
                for ext in concept.get("extension", ()):
                    ext["extension"] = [p for p in ext["extension"] if not (
                        p["url"] == "equivalent-dose" and ext["extension"][0]["valueString"] == "prednisolone")]
    edit(GC_FILE, drop)
    with pytest.raises(KnowledgeError, match="prednisolone needs an equivalent-dose"):
        load_knowledge(profile_copy)


def test_conflicting_equivalents_do_not_load(edit: Edit, profile_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        for include in data["compose"]["include"]:
            for concept in include.get("concept", ()):
                if concept["code"] == "8638":  # RxNorm prednisolone: 6 mg, while the ATC concept says 5
                    concept["extension"][0]["extension"][1]["valueQuantity"]["value"] = 6
    edit(GC_FILE, change)
    with pytest.raises(KnowledgeError, match="conflicting equivalent doses"):
        load_knowledge(profile_copy)


def test_two_equivalence_extensions_on_one_concept(edit: Edit, profile_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        for include in data["compose"]["include"]:
            for concept in include.get("concept", ()):
                if concept["code"] == "H02AB04":
                    concept["extension"].append(concept["extension"][0])
    edit(GC_FILE, change)
    with pytest.raises(KnowledgeError, match="more than one"):
        load_knowledge(profile_copy)
