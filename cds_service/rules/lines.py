"""Message lines for the facts a card used (indications, glucocorticoids, labs, medications).

Rules never hold prose: they return :class:`Line` objects (a catalogue key plus parameters). A
parameter that is itself a :class:`Line` is rendered in the card's language (nutrient names, units).
"""

from __future__ import annotations

import re
from typing import Iterable

from cds_service.facts.model import GlucocorticoidExposure, Indication, LabResult, MedicationUse, Source, value_of
from cds_service.knowledge.model import Knowledge, Nutrient, fold
from cds_service.rules.model import Line

# Unit texts of a 25(OH)D result in mass units, where the guideline states a target (36-40 ng/mL).
MASS_UNITS = frozenset({"ng/ml", "ug/l", "μg/l", "mcg/l"})

UNIT_KEYS = {"ug": "unit.ug", "mg": "unit.mg", "[iU]": "unit.iu"}

# A lab result's unit as recorded (UCUM code or text, folded, spaces removed) -> the catalogue's one
# spelling of it in the card's language ("nmol/l" in Dutch, "nmol/L" in English, whatever the lab
# wrote). A unit not listed is shown as recorded.
LAB_UNIT_KEYS = {
    "nmol/l": "unit.nmol-l",
    "pmol/l": "unit.pmol-l",
    "ng/ml": "unit.ng-ml",
    "ug/l": "unit.ug-l",
    "μg/l": "unit.ug-l",
    "mcg/l": "unit.ug-l",
    "mmol/l": "unit.mmol-l",
    "mg/dl": "unit.mg-dl",
}



def nutrient_name(nutrient: str) -> Line:
    return Line(f"nutrient.{nutrient}")


def unit(code: str) -> Line | str:
    """A UCUM unit as a localisable line where the catalogue has one, else the code itself."""
    return Line(UNIT_KEYS[code]) if code in UNIT_KEYS else code


def lab_unit(text: str | None) -> Line | str:
    """A recorded lab unit in the card language's spelling where it is a known one, else as recorded."""
    if not text:
        return "?"
    key = LAB_UNIT_KEYS.get(fold(text).replace(" ", ""))
    return Line(key) if key else text


def dots(count: int) -> str:
    return "●" * max(0, count)


def is_mass_unit(unit_text: str | None) -> bool:
    return unit_text is not None and fold(unit_text).replace(" ", "") in MASS_UNITS


def source_label(source: Source) -> str:
    return source.display or source.reference or "?"


def indication_line(indication: Indication) -> Line:
    when = indication.onset or indication.source.date
    params = {"kind": Line(f"indication.{indication.kind.value}"), "display": source_label(indication.source)}
    if when is None:
        return Line("fact.indication", params)
    return Line("fact.indication.dated", {**params, "date": when})


def glucocorticoid_line(exposure: GlucocorticoidExposure, knowledge: Knowledge) -> Line:
    params = {
        "days": exposure.days_exposed,
        "lookback": int(knowledge.param("gc-lookback-days")),
        "courses": exposure.short_courses,
        "drugs": ", ".join(source_label(s) for s in exposure.sources) or "-",
    }
    if exposure.mean_prednisolone_mg is None:
        return Line("fact.glucocorticoids.nodose", params)
    key = "fact.glucocorticoids.high" if exposure.high_dose else "fact.glucocorticoids.low"
    return Line(key, {**params, "pe": round(exposure.mean_prednisolone_mg, 1)})


def vitd_line(result: LabResult) -> Line:
    """25(OH)D: date, value as recorded (original unit), and the value in nmol/L."""
    params = {
        "date": result.effective.date() if result.effective else None,
        "value": result.original_value,
        "unit": lab_unit(result.original_unit),
        "nmol": round(result.value, 1) if result.value is not None else None,
    }
    if result.value is None:
        return Line("fact.lab.25ohd.indeterminate", {**params, "problem": Line(f"problem.{result.problem}")})
    if result.unit_flagged:
        return Line("fact.lab.25ohd.flagged", params)
    if result.original_unit and fold(result.original_unit).replace(" ", "") == "nmol/l":
        return Line("fact.lab.25ohd.same", params)
    return Line("fact.lab.25ohd", params)


def calcium_line(result: LabResult) -> Line:
    params = {
        "date": result.effective.date() if result.effective else None,
        "value": result.original_value,
        "unit": lab_unit(result.original_unit),
        "mmol": round(value_of(result), 2),
    }
    if result.corrected:
        return Line("fact.lab.calcium.corrected", params)
    same = result.original_unit and fold(result.original_unit).replace(" ", "") == "mmol/l"
    return Line("fact.lab.calcium.same" if same else "fact.lab.calcium", params)


def egfr_line(result: LabResult) -> Line:
    date = result.effective.date() if result.effective else None
    return Line("fact.lab.egfr", {"date": date, "value": round(value_of(result), 0)})


def lab_line(result: LabResult) -> Line:
    """A serum calcium or eGFR line; an uninterpretable one says so, with the value as recorded."""
    if result.determinate:
        return calcium_line(result) if result.test != "lab-egfr" else egfr_line(result)
    return Line(
        "fact.lab.indeterminate",
        {
            "test": Line(f"lab.{result.test}"),
            "date": result.effective.date() if result.effective else None,
            "value": result.original_value,
            "unit": lab_unit(result.original_unit),
            "problem": Line(f"problem.{result.problem or 'implausible'}"),
        },
    )


def medication_line(key: str, uses: Iterable[MedicationUse], **params: object) -> Line:
    """A line naming the medication records involved (``{drugs}``).

    The ``fact.taking-*`` lines say what the patient takes; the safety rules share them with the
    order hooks, where a record may be a draft order: those are named as new orders there.
    """
    mark_drafts = key.startswith(TAKING)
    named: dict[str, bool] = {}
    for use in uses:
        label = source_label(use.source)
        named[label] = named.get(label, False) or (mark_drafts and use.draft)
    if not any(named.values()):
        return Line(key, {"drugs": ", ".join(named), **params})
    drugs = [Line("drug.draft", {"name": label}) if draft else label for label, draft in named.items()]
    return Line(key, {"drugs": drugs[0] if len(drugs) == 1 else drugs, **params})


TAKING = "fact.taking-"


def guideline_amount(nutrient: Nutrient) -> Line | None:
    """The printed guideline amount (a range where one is printed), or None when there is none."""
    if nutrient.dose_low and nutrient.dose_high and nutrient.dose_low.value != nutrient.dose_high.value:
        return Line("amount.range", {"low": nutrient.dose_low.value, "high": nutrient.dose_high.value, "unit": unit(nutrient.dose_high.unit)})
    quantity = nutrient.dose or nutrient.dose_high or nutrient.dose_low
    if quantity is None:
        return None
    return Line("amount.single", {"value": quantity.value, "unit": unit(quantity.unit)})


_PRINTED = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(mg|ug|µg|mcg|microgram)\b", re.IGNORECASE)
_PRINTED_UNITS = {"mg": "mg", "ug": "ug", "µg": "ug", "mcg": "ug", "microgram": "ug"}


def printed_amount(nutrient: Nutrient) -> Line | None:
    """The guideline amount, else the amount the printed dose text starts with (vitamin K2 has no
    structured dose, decision 4, but its text starts with the printed '45 mg')."""
    amount = guideline_amount(nutrient)
    if amount is not None or not nutrient.dose_text:
        return amount
    match = _PRINTED.match(nutrient.dose_text)
    if match is None:
        return None
    value = float(match.group(1).replace(",", "."))
    return Line("amount.single", {"value": value, "unit": unit(_PRINTED_UNITS[match.group(2).lower()])})


def dose_line(nutrient: Nutrient) -> Line:
    """The guideline's dose and evidence dots for one nutrient (message per nutrient)."""
    params: dict[str, object] = {"dots": dots(nutrient.evidence_dots), "printed": printed_amount(nutrient)}
    for name, quantity in (("dose", nutrient.dose), ("low", nutrient.dose_low), ("high", nutrient.dose_high)):
        if quantity is not None:
            params[name] = quantity.value
            params[f"{name}_unit"] = unit(quantity.unit)
            if nutrient.iu_per_ug is not None and quantity.unit == "ug":
                params[f"{name}_iu"] = round(quantity.value * nutrient.iu_per_ug)
    return Line(f"dose.{nutrient.id}", params)
