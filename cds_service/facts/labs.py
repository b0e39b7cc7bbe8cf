"""Lab Observations -> :class:`LabResult`: 25(OH)D series (decision 6), serum calcium, eGFR.

Only final / amended / corrected results count. Units: the UCUM ``code`` when ``system`` is UCUM,
otherwise the unit text (or a system-less code) against a small alias list; anything else is
indeterminate (``value`` None with a ``problem``), never guessed. A ``valueQuantity.comparator``
("<10 ng/mL") keeps its value as the bound and is carried in ``comparator``: the true value lies
beyond it in the same direction, so bands below / above are still right.

Calcium: the newest current result by calendar date; a directly reported albumin-corrected calcium
wins a same-day tie over a total calcium. A measured calcium outside the plausible range (parameters
``calcium-plausible-*``, most likely a wrong unit such as mg/dL recorded as mmol/L) is indeterminate
(``problem`` "implausible"): it neither triggers nor clears the hypercalcaemia check, and it is still
the newest result, so an older value does not stand in for it. A total calcium is corrected with
the nearest plausible albumin drawn within ``calcium-albumin-pair-days`` calendar days (0: the same
day, decision 13; corrected Ca = Ca + factor x (reference - albumin g/L)); an implausible albumin (``albumin-plausible-*``, e.g. g/dL recorded as
g/L) is not used, since it would fake a large correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, cast

from cds_service.facts.match import Index
from cds_service.facts.model import LabResult
from cds_service.facts.values import codings, concept_display, concept_texts, parse_datetime, source, text
from cds_service.fhir.model import AnyResource, Observation, Quantity
from cds_service.knowledge import units
from cds_service.knowledge.model import UCUM

_G_PER_DL = units.concentration_factor("g/dL", "g/L")
_NMOL_PER_PMOL = units.concentration_factor("pmol/L", "nmol/L")
COUNTED_STATUS = frozenset({"final", "amended", "corrected"})

# unit (lower-cased, spaces removed) -> (factor to the rule unit, unit flagged)
_VITD_UCUM = {"nmol/l": ("nmol", False), "ng/ml": ("ngml", False), "ug/l": ("ngml", False),
              "pmol/l": ("pmol", True)}
_VITD_TEXT = {"nmol/l": ("nmol", False), "ng/ml": ("ngml", False), "ug/l": ("ngml", False),
              "µg/l": ("ngml", False), "μg/l": ("ngml", False), "pmol/l": ("pmol", True)}
_CALCIUM = {"mmol/l": ("mmol", False), "mg/dl": ("mgdl", False)}
_ALBUMIN = {"g/l": ("gl", False), "g/dl": ("gdl", False)}
_EGFR = {"ml/min/1.73m2": ("one", False), "ml/min": ("one", False)}


@dataclass(frozen=True, slots=True)
class LabRules:
    ngml_to_nmol: float
    vitd_min: float
    vitd_max: float
    calcium_mgdl_divisor: float
    albumin_reference: float
    albumin_factor: float
    albumin_pair_days: float
    calcium_min: float  # plausible measured serum calcium, mmol/L
    calcium_max: float
    albumin_min: float  # plausible albumin, g/L
    albumin_max: float


def _key(unit: str) -> str:
    key = unit.strip().lower().replace(" ", "").replace(",", ".").replace("²", "2")
    return key.replace("{1.73_m2}", "1.73m2").replace("per1.73m2", "/1.73m2")


def _unit(quantity: Quantity, ucum: dict, aliases: dict) -> tuple[str | None, str | None, bool, str | None]:
    """``(scale name, original unit, flagged, problem)`` for a Quantity's unit."""
    code = text(quantity.get("code"))
    unit = text(quantity.get("unit"))
    if quantity.get("system") == UCUM and code:
        hit = ucum.get(_key(code))
        return (hit[0], code, hit[1], None) if hit else (None, code, False, "unknown-unit")
    raw = unit or code
    if raw is None:
        return None, None, False, "no-unit"
    hit = aliases.get(_key(raw))
    return (hit[0], raw, hit[1], None) if hit else (None, raw, False, "unknown-unit")


def effective(resource: Observation) -> datetime | None:
    return (
        parse_datetime(resource.get("effectiveDateTime"))
        or parse_datetime(resource.get("effectiveInstant"))
        or parse_datetime((resource.get("effectivePeriod") or {}).get("start"))
        or parse_datetime(resource.get("issued"))
    )


@dataclass(frozen=True, slots=True)
class _Reading:
    resource: Observation
    test: str
    when: datetime | None
    value: float | None
    original_unit: str | None
    scale: str | None
    flagged: bool
    problem: str | None
    comparator: str | None


def _read(resource: Observation, test: str, ucum: dict, aliases: dict) -> _Reading:
    quantity = resource.get("valueQuantity")
    when = effective(resource)
    if quantity is None:
        return _Reading(resource, test, when, None, None, None, False, "no-value", None)
    value = quantity.get("value")
    scale, original, flagged, problem = _unit(quantity, ucum, aliases)
    if value is None:
        problem = "no-value"
    comparator = text(quantity.get("comparator"))
    return _Reading(resource, test, when, value, original, scale, flagged, problem, comparator)


def _result(r: _Reading, value: float | None, unit: str, problem: str | None, corrected: bool = False) -> LabResult:
    display = concept_display(r.resource.get("code"), r.test)
    return LabResult(
        test=r.test,
        source=source(r.resource, display, r.when.date() if r.when else None),
        effective=r.when,
        value=None if value is None else round(value, 4),
        unit=unit,
        original_value=r.value,
        original_unit=r.original_unit,
        problem=problem,
        corrected=corrected,
        unit_flagged=r.flagged and value is not None,
        comparator=r.comparator,
    )


def _observation(resource: AnyResource) -> Observation | None:
    return cast(Observation, resource) if resource.get("resourceType") == "Observation" else None


def _tests(resource: Observation, index: Index, wanted: Iterable[str]) -> str | None:
    """The first of ``wanted`` lab value sets the Observation's code matches (codes, then text)."""
    if text(resource.get("status")) not in COUNTED_STATUS:
        return None
    concept = resource.get("code")
    matched = index.codings(codings(concept)) or index.texts(concept_texts(concept))
    return next((t for t in wanted if t in matched), None)


def _newest_first(readings: list) -> list:
    return sorted(readings, key=lambda r: (r.when is not None, r.when or datetime.min), reverse=True)


def vitamin_d(resources: list[AnyResource], index: Index, rules: LabRules) -> list[LabResult]:
    """Counted 25(OH)D results in nmol/L, newest first."""
    factors = {"nmol": 1.0, "ngml": rules.ngml_to_nmol, "pmol": _NMOL_PER_PMOL}
    out = []
    for found in resources:
        if (resource := _observation(found)) is None or _tests(resource, index, ("lab-25ohd",)) is None:
            continue
        r = _read(resource, "lab-25ohd", _VITD_UCUM, _VITD_TEXT)
        value = None
        problem = r.problem
        if problem is None and r.value is not None and r.scale is not None:
            value = r.value * factors[r.scale]
            if not rules.vitd_min <= value <= rules.vitd_max:
                value, problem = None, "implausible"
        out.append((r, value, problem))
    ordered = sorted(out, key=lambda t: (t[0].when is not None, t[0].when or datetime.min), reverse=True)
    return [_result(r, value, "nmol/L", problem) for r, value, problem in ordered]


def calcium(resources: list[AnyResource], index: Index, rules: LabRules) -> LabResult | None:
    """The latest dated serum calcium in mmol/L, albumin-corrected when possible (whether it is
    still current, ``lab-current-months``, the rules decide)."""
    totals: list[_Reading] = []
    direct: list[_Reading] = []
    albumins: list[tuple[datetime, float]] = []
    for found in resources:
        if (resource := _observation(found)) is None:
            continue
        test = _tests(resource, index, ("lab-calcium-corrected", "lab-calcium", "lab-albumin"))
        if test == "lab-albumin":
            r = _read(resource, test, _ALBUMIN, _ALBUMIN)
            if r.problem is None and r.value is not None and r.when is not None:
                grams = r.value * (_G_PER_DL if r.scale == "gdl" else 1.0)
                if rules.albumin_min <= grams <= rules.albumin_max:
                    albumins.append((r.when, grams))
        elif test is not None:
            r = _read(resource, test, _CALCIUM, _CALCIUM)
            if r.when is not None:
                (direct if test == "lab-calcium-corrected" else totals).append(r)
    candidates = [(r.when, 1, r) for r in direct if r.when] + [(r.when, 0, r) for r in totals if r.when]
    if not candidates:
        return None
    when, is_direct, best = max(candidates, key=lambda c: (c[0].date(), c[1], c[0]))
    value = None
    problem = best.problem
    if problem is None and best.value is not None:
        value = best.value / rules.calcium_mgdl_divisor if best.scale == "mgdl" else best.value
        if not rules.calcium_min <= value <= rules.calcium_max:
            value, problem = None, "implausible"
    if is_direct or value is None:
        return _result(best, value, "mmol/L", problem, corrected=bool(is_direct))
    albumin = _nearest(albumins, when, rules.albumin_pair_days)
    if albumin is None:
        return _result(best, value, "mmol/L", None)
    corrected = value + rules.albumin_factor * (rules.albumin_reference - albumin)
    return _result(best, corrected, "mmol/L", None, corrected=True)


def _nearest(albumins: list[tuple[datetime, float]], when: datetime, days: float) -> float | None:
    """The albumin drawn closest to ``when`` within ``days`` calendar days (0: the same day)."""
    near = [(abs(w - when), v) for w, v in albumins if abs((w.date() - when.date()).days) <= days]
    return min(near)[1] if near else None


def egfr(resources: list[AnyResource], index: Index) -> LabResult | None:
    """The latest dated eGFR in mL/min/1.73m2 (whether it is still current, the rules decide)."""
    readings = []
    for found in resources:
        if (resource := _observation(found)) is not None and _tests(resource, index, ("lab-egfr",)):
            r = _read(resource, "lab-egfr", _EGFR, _EGFR)
            if r.when is not None:
                readings.append(r)
    if not readings:
        return None
    best = _newest_first(readings)[0]
    value = best.value if best.problem is None else None
    return _result(best, value, "mL/min/{1.73_m2}", best.problem)
