"""What a medication record names: its product, matched groups, ingredients and strengths.

The product comes from ``medicationCodeableConcept``, or ``medicationReference`` resolved against
the record's contained resources (``#id``) or :attr:`ResolvedData.medications`. Groups are matched
by code (every coding of the product and of its ingredients: ATC prefixes, RxNorm, SNOMED,
G-Standaard where the value sets list it) and by name (``text``, coding displays, ingredient
names), so a G-Standaard-only code with a Dutch brand name still matches by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, cast

from cds_service.facts.dosage import Amount, quantity_amount
from cds_service.facts.match import Index
from cds_service.facts.values import codings, concept_texts, text
from cds_service.fhir.model import AnyResource, Medication, MedicationUser
from cds_service.fhir.model import Ingredient as MedicationIngredient
from cds_service.knowledge import units
from cds_service.knowledge.model import fold


@dataclass(frozen=True, slots=True)
class Ingredient:
    groups: frozenset[str]
    texts: tuple[str, ...]
    codes: tuple[tuple[str, str], ...]
    numerator: Amount | None  # per `denominator` of the product (mg / iu)
    denominator: Amount | None  # (1, "count") for "per tablet", (1, "ml") ...


@dataclass(frozen=True, slots=True)
class Product:
    display: str
    groups: frozenset[str]
    texts: tuple[str, ...]  # product names and displays (for name strengths and ingredient names)
    form_texts: tuple[str, ...]
    ingredients: tuple[Ingredient, ...] = ()
    codes: tuple[tuple[str, str], ...] = ()  # (system, code) of the product and its ingredients
    resolved: bool = True  # False: a reference we could not resolve (name from its display only)


def resolve_medication(resource: MedicationUser, medications: Mapping[str, AnyResource]) -> Medication | None:
    """The Medication resource a record references, if it can be found."""
    ref = text((resource.get("medicationReference") or {}).get("reference"))
    if not ref:
        return None
    if ref.startswith("#"):
        for contained in resource.get("contained") or ():
            if contained.get("id") == ref[1:]:
                return cast(Medication, contained) if contained.get("resourceType") == "Medication" else None
        return None
    found = medications.get(ref)
    if found is None and "Medication/" in ref:
        found = medications.get("Medication/" + ref.rsplit("Medication/", 1)[1].split("/_history")[0])
    return cast(Medication, found) if found is not None and found.get("resourceType") == "Medication" else None


def product_of(resource: MedicationUser, medications: Mapping[str, AnyResource], index: Index) -> Product | None:
    """The product of a MedicationRequest / Statement / Dispense, or None when it names none."""
    concept = resource.get("medicationCodeableConcept")
    medication = None
    resolved = True
    form_texts: list[str] = []
    ingredients: list[Ingredient] = []
    code_concept = concept
    if concept is not None:
        texts = concept_texts(concept)
        groups = index.codings(codings(concept))
    else:
        reference = resource.get("medicationReference") or {}
        medication = resolve_medication(resource, medications)
        if medication is None:
            resolved = False
            texts = [t for t in (text(reference.get("display")),) if t]
            groups = set()
        else:
            code = code_concept = medication.get("code")
            texts = concept_texts(code)
            groups = index.codings(codings(code))
            form_texts = concept_texts(medication.get("form"))
            ingredients = [_ingredient(i, index) for i in medication.get("ingredient") or ()]
            if not texts:
                texts = [t for t in (text(reference.get("display")),) if t]
    if not texts and not groups and not ingredients:
        return None
    groups |= index.texts(texts)
    for ing in ingredients:
        groups |= ing.groups
    names = tuple(texts) + tuple(t for i in ingredients for t in i.texts)
    return Product(
        display=texts[0] if texts else (names[0] if names else "Medication"),
        groups=frozenset(groups),
        texts=tuple(texts),
        form_texts=tuple(form_texts),
        ingredients=tuple(ingredients),
        codes=tuple((s, c) for s, c, _ in codings(code_concept) if s and c)
        + tuple(c for i in ingredients for c in i.codes),
        resolved=resolved,
    )


def _ingredient(item: MedicationIngredient, index: Index) -> Ingredient:
    concept = item.get("itemCodeableConcept")
    texts = concept_texts(concept) or [t for t in (text((item.get("itemReference") or {}).get("display")),) if t]
    groups = index.codings(codings(concept)) | index.texts(texts)
    strength = item.get("strength") or {}
    numerator = quantity_amount(strength.get("numerator"))
    denominator = quantity_amount(strength.get("denominator")) if strength.get("denominator") else (1.0, "count")
    if numerator is not None and numerator[1] not in ("mg", "iu"):
        numerator = None
    if denominator is not None and (denominator[1] not in ("count", "ml") or denominator[0] <= 0):
        denominator = None
    codes = tuple((s, c) for s, c, _ in codings(concept) if s and c)
    return Ingredient(frozenset(groups), tuple(texts), codes, numerator, denominator)


# --- strengths stated in a product name ("Prednisolon 5 mg tablet", "Vitamine D3 400 IE") --------
_NAME_STRENGTH = re.compile(
    r"(\d{1,3}(?:\.\d{3})+|\d+(?:[.,]\d+)?)\s*(ie|iu|µg|μg|mcg|ug|microgram|mg|g)\b"
)


def _to_mg(unit: str) -> float:
    factor = units.mass_factor(unit, "mg")
    if factor is None:  # the pattern above only matches mass units (and IU, handled apart)
        raise ValueError(unit)
    return factor


# Mineral salts: a strength stated for the salt is not the elemental amount (decision: unknown).
_SALT = re.compile(
    r"(carbona|citra|lacta|glucona|oxide|oxyde|aspart|sulfa|chlorid|fosfa|phospha|pidola|glycera|"
    r"bisglycina|hydroxide|lactogluconaat|trimagnes)"
)
_ELEMENTAL = re.compile(r"(elementa|elementair|=|\bals\b|\bas\b|equivalent|overeenkomend)")


def _number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        return float(raw.replace(".", ""))
    return float(raw.replace(",", "."))


def name_strengths(names: tuple[str, ...]) -> list[Amount]:
    """Every ``<number> <mass or IU unit>`` in the first product name that states one."""
    for name in names:
        found = _NAME_STRENGTH.findall(fold(name))
        if found:
            out: list[Amount] = []
            for value, unit in found:
                if unit in ("ie", "iu"):
                    out.append((_number(value), "iu"))
                else:
                    out.append((_number(value) * _to_mg(unit), "mg"))
            return out
    return []


def salt_weight(names: tuple[str, ...]) -> bool:
    """True when a name states a mineral salt without saying the amount is elemental."""
    for name in names:
        folded = fold(name)
        if _SALT.search(folded) and not _ELEMENTAL.search(folded):
            return True
    return False


def elemental_strength(names: tuple[str, ...]) -> Amount | None:
    """The elemental amount a name gives after ``=`` ("calciumcarbonaat 1,25 g (=500 mg Ca)")."""
    for name in names:
        folded = fold(name)
        if "=" in folded:
            found = _NAME_STRENGTH.findall(folded.rsplit("=", 1)[1])
            if found and found[0][1] not in ("ie", "iu"):
                value, unit = found[0]
                return _number(value) * _to_mg(unit), "mg"
    return None
