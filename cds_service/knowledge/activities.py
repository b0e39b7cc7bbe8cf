"""ActivityDefinitions and PlanDefinition actions -> :class:`Nutrient` and :class:`LabOrderTemplate`.

Dosage conventions (documented in each ActivityDefinition's ``usage``):

* ``doseAndRate`` with ``doseQuantity``: the guideline's dose per administration; times
  ``timing.repeat`` (frequency per period) it is the daily :attr:`Nutrient.dose`;
* ``doseAndRate`` with ``doseRange``: the printed range (vitamin D 20-25 ug), scaled the same way;
* ``maxDosePerPeriod``: the tolerable upper intake per day (decision 12);
* no ``doseQuantity`` (vitamin K2): no structured dose, ever; ``Dosage.text`` keeps the printed dose.
"""

from __future__ import annotations

from typing import Any, Iterator

from cds_service.knowledge import units
from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import UCUM, Coding, LabOrderTemplate, Nutrient, Quantity
from cds_service.knowledge.urls import (
    EXT_CPG_RATING,
    EXT_INFORMATION_ONLY,
    EXT_QUALITY_OF_EVIDENCE,
    EXT_REQUEST_CATEGORY,
)

_PERIOD_DAYS = {unit: units.DAYS[unit] for unit in ("d", "wk")}


def codings(concept: dict[str, Any] | None) -> tuple[Coding, ...]:
    """The codings of a CodeableConcept (each needs a system and a code)."""
    out = []
    for coding in (concept or {}).get("coding") or ():
        system, code = coding.get("system"), coding.get("code")
        if not system or not code:
            raise KnowledgeError(f"coding without system or code: {coding!r}")
        out.append(Coding(system=system, code=code, display=coding.get("display")))
    return tuple(out)


def quantity(raw: Any, where: str) -> Quantity:
    """A UCUM Quantity (system UCUM, numeric value, unit code)."""
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a Quantity")
    value, code = raw.get("value"), raw.get("code")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise KnowledgeError(f"{where}: Quantity.value must be a number")
    if raw.get("system") != UCUM or not isinstance(code, str) or not code:
        raise KnowledgeError(f"{where}: Quantity needs system {UCUM} and a code")
    return Quantity(value=float(value), unit=code)


def _scaled(q: Quantity, factor: float) -> Quantity:
    return Quantity(value=round(q.value * factor, 6), unit=q.unit)


def _per_day(dosage: dict[str, Any], where: str) -> float:
    repeat = (dosage.get("timing") or {}).get("repeat") or {}
    frequency = repeat.get("frequency", 1)
    period = repeat.get("period", 1)
    unit = repeat.get("periodUnit", "d")
    if unit not in _PERIOD_DAYS or not period or not frequency:
        raise KnowledgeError(f"{where}: timing must be n times per d or wk")
    return float(frequency) / (float(period) * _PERIOD_DAYS[unit])


def _extension(element: dict[str, Any], url: str) -> dict[str, Any] | None:
    for ext in element.get("extension") or ():
        if ext.get("url") == url:
            return ext
    return None


def walk_actions(actions: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    """Every PlanDefinition action, nested ones included, depth first."""
    for action in actions or ():
        yield action
        yield from walk_actions(action.get("action"))


def evidence(action: dict[str, Any], where: str) -> tuple[int, str]:
    """(dots of 3, quality-of-evidence code) from a nutrient action's extensions."""
    rating = _extension(action, EXT_CPG_RATING)
    ratio = (rating or {}).get("valueRatio") or {}
    dots = (ratio.get("numerator") or {}).get("value")
    of = (ratio.get("denominator") or {}).get("value")
    if not isinstance(dots, (int, float)) or of != 3 or not 0 <= dots <= 3:
        raise KnowledgeError(f"{where}: needs cpg-rating valueRatio n/3")
    quality = _extension(action, EXT_QUALITY_OF_EVIDENCE)
    coded = codings((quality or {}).get("valueCodeableConcept"))
    if not coded:
        raise KnowledgeError(f"{where}: needs cqf-qualityOfEvidence")
    return int(dots), coded[0].code


def build_nutrient(nutrient_id: str, definition: dict[str, Any], action: dict[str, Any]) -> Nutrient:
    """One :class:`Nutrient` from its ActivityDefinition and the PlanDefinition action using it."""
    where = f"ActivityDefinition/{definition.get('id')}"
    if definition.get("kind") != "MedicationRequest":
        raise KnowledgeError(f"{where}: kind must be MedicationRequest")
    if "productCodeableConcept" not in definition:
        raise KnowledgeError(f"{where}: needs productCodeableConcept")
    dosages: list[dict] = definition.get("dosage") or []
    if len(dosages) != 1:
        raise KnowledgeError(f"{where}: needs exactly one dosage")
    dosage = dosages[0]
    per_day = _per_day(dosage, where)
    dose = low = high = None
    for dar in dosage.get("doseAndRate") or ():
        if "doseQuantity" in dar and dose is None:
            dose = _scaled(quantity(dar["doseQuantity"], f"{where} doseQuantity"), per_day)
        if "doseRange" in dar and low is None:
            rng = dar["doseRange"]
            low = _scaled(quantity(rng.get("low"), f"{where} doseRange.low"), per_day)
            high = _scaled(quantity(rng.get("high"), f"{where} doseRange.high"), per_day)
    upper = None
    if "maxDosePerPeriod" in dosage:
        ratio = dosage["maxDosePerPeriod"]
        num = quantity(ratio.get("numerator"), f"{where} maxDosePerPeriod.numerator")
        den = quantity(ratio.get("denominator"), f"{where} maxDosePerPeriod.denominator")
        if den.unit not in _PERIOD_DAYS or den.value <= 0:
            raise KnowledgeError(f"{where}: maxDosePerPeriod must be per d or wk")
        upper = _scaled(num, 1 / (den.value * _PERIOD_DAYS[den.unit]))
    info_only = _extension(definition, EXT_INFORMATION_ONLY)
    dots, quality = evidence(action, f"PlanDefinition action {action.get('id')}")
    return Nutrient(
        id=nutrient_id,
        canonical=definition["url"],
        product=codings(definition["productCodeableConcept"]),
        dose=dose,
        dose_low=low,
        dose_high=high,
        upper_limit=upper,
        evidence_dots=dots,
        quality_of_evidence=quality,
        plan_action=str(action.get("id")),
        proposable=not (info_only or {}).get("valueBoolean", False),
        dose_text=dosage.get("text"),
    )


def build_lab_order(definition: dict[str, Any], lab: str = "lab-25ohd") -> LabOrderTemplate:
    """A lab order template from its ActivityDefinition (kind ServiceRequest)."""
    where = f"ActivityDefinition/{definition.get('id')}"
    if definition.get("kind") != "ServiceRequest":
        raise KnowledgeError(f"{where}: kind must be ServiceRequest")
    code = codings(definition.get("code"))
    if not code:
        raise KnowledgeError(f"{where}: needs a coded code")
    category = codings((_extension(definition, EXT_REQUEST_CATEGORY) or {}).get("valueCodeableConcept"))
    return LabOrderTemplate(canonical=definition["url"], code=code, category=category, lab=lab)
