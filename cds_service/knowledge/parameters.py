"""The ``bone-health-parameters`` Parameters resource -> checked thresholds with UCUM units."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import PARAMETERS, UCUM, Quantity

NUMBER = "1"  # valueDecimal / valueInteger (factors, fractions, counts)

# The unit each parameter must carry (schema, not knowledge: the values live in the artifact).
# A name in PARAMETERS but not here accepts any number or UCUM quantity.
EXPECTED_UNITS: Mapping[str, str] = MappingProxyType(
    {
        "adult-age": "a",
        "fragility-fracture-age": "a",
        "recent-fracture-months": "mo",
        "soy-age-proxy": "a",
        "gc-long-term-days": "d",
        "gc-lookback-days": "d",
        "gc-short-course-max-days": "d",
        "gc-short-courses-min": NUMBER,
        "gc-gap-bridge-days": "d",
        "gc-high-dose-pe-mg": "mg/d",
        "gc-replacement-hydrocortisone-mg": "mg/d",
        "supplement-recent-dispense-days": "d",
        "vitd-target-low-nmol": "nmol/L",
        "vitd-target-high-nmol": "nmol/L",
        "vitd-target-low-ngml": "ng/mL",
        "vitd-target-high-ngml": "ng/mL",
        "vitd-severe-below-nmol": "nmol/L",
        "vitd-deficient-below-nmol": "nmol/L",
        "vitd-high-above-nmol": "nmol/L",
        "vitd-toxic-above-nmol": "nmol/L",
        "vitd-plausible-min-nmol": "nmol/L",
        "vitd-plausible-max-nmol": "nmol/L",
        "vitd-ngml-to-nmol": NUMBER,
        "vitd-iu-per-ug": NUMBER,
        "vitd-current-months": "mo",
        "vitd-check-after-days": "d",
        "vitd-check-window-days": "d",
        "vitd-dose-change-fraction": NUMBER,
        "vitd-recheck-quiet-months": "mo",
        "calcium-high-mmol": "mmol/L",
        "calcium-critical-mmol": "mmol/L",
        "calcium-mgdl-to-mmol": NUMBER,
        "calcium-albumin-reference-gl": "g/L",
        "calcium-albumin-factor": NUMBER,
        "calcium-albumin-pair-days": "d",
        "calcium-plausible-min-mmol": "mmol/L",
        "calcium-plausible-max-mmol": "mmol/L",
        "albumin-plausible-min-gl": "g/L",
        "albumin-plausible-max-gl": "g/L",
        "egfr-magnesium-min": "mL/min/{1.73_m2}",
        "lab-current-months": "mo",
        "suppress-days-snooze-3-months": "d",
        "suppress-days-not-for-this-patient": "d",
    }
)


def _value(entry: dict[str, Any], name: str) -> float | Quantity:
    if "valueQuantity" in entry:
        qty = entry["valueQuantity"] or {}
        value, code = qty.get("value"), qty.get("code")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise KnowledgeError(f"parameter {name}: valueQuantity.value must be a number")
        if qty.get("system") != UCUM or not isinstance(code, str) or not code:
            raise KnowledgeError(f"parameter {name}: valueQuantity needs a UCUM system and code")
        return Quantity(value=float(value), unit=code)
    for key in ("valueDecimal", "valueInteger"):
        if key in entry:
            value = entry[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise KnowledgeError(f"parameter {name}: {key} must be a number")
            return int(value) if key == "valueInteger" else float(value)
    raise KnowledgeError(f"parameter {name}: needs valueQuantity, valueDecimal or valueInteger")


def build_parameters(resource: dict[str, Any]) -> Mapping[str, float | Quantity]:
    """Read every parameter, check names and units, and require all of :data:`PARAMETERS`."""
    values: dict[str, float | Quantity] = {}
    for entry in resource.get("parameter") or ():
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise KnowledgeError("Parameters: a parameter without a name")
        if name in values:
            raise KnowledgeError(f"parameter {name}: defined twice")
        if name not in PARAMETERS:
            raise KnowledgeError(f"parameter {name}: unknown (not in knowledge.model.PARAMETERS)")
        value = _value(entry, name)
        expected = EXPECTED_UNITS.get(name)
        got = value.unit if isinstance(value, Quantity) else NUMBER
        if expected is not None and got != expected:
            raise KnowledgeError(f"parameter {name}: unit {got!r}, expected {expected!r}")
        values[name] = value
    missing = [name for name in PARAMETERS if name not in values]
    if missing:
        raise KnowledgeError(f"missing parameters: {', '.join(missing)}")
    return MappingProxyType(values)
