"""Conditions and procedures -> indications (decision 1), safety conditions, pregnancy, breastfeeding.

Status handling (documented choices):

* ``verificationStatus`` refuted / entered-in-error: skipped everywhere.
* ``verificationStatus`` unconfirmed (incl. provisional, differential): not an indication (a
  suspicion does not start supplements), but it does count for safety conditions, pregnancy and
  breastfeeding, where a false "no" is the dangerous error.
* ``clinicalStatus`` inactive / remission / resolved (or an abatement without a status): skipped,
  except fractures (history: a fragility fracture counts for life, decision 1) and two safety
  conditions whose history matters: ER-positive breast cancer and kidney stones.
* Codes first (any system, via the value sets); the text (``code.text``, coding displays) is read
  only when no coding matched any condition value set, so "osteoporose zonder fractuur" coded L95
  never becomes a fracture by its text.

Resources are the read model's (:mod:`cds_service.fhir.model`): each field of its type or None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

from cds_service.facts.match import Index
from cds_service.facts.model import Indication, IndicationKind, SafetyCondition, Source
from cds_service.facts.values import codings, concept_display, concept_texts, parse_date, source, text
from cds_service.fhir.model import AnyResource, CodeableConcept, Condition, Procedure
from cds_service.knowledge import units

_RISK_FACTORS: dict[str, IndicationKind] = {
    "osteoporosis": IndicationKind.OSTEOPOROSIS,
    "osteopenia": IndicationKind.OSTEOPENIA,
    "menopause": IndicationKind.POSTMENOPAUSAL,
    "anorexia-nervosa": IndicationKind.ANOREXIA_NERVOSA,
    "diabetes": IndicationKind.DIABETES,
    "malabsorption": IndicationKind.MALABSORPTION,
    "bariatric-surgery": IndicationKind.BARIATRIC_SURGERY,
    "immobility": IndicationKind.IMMOBILITY,
    "protein-metabolism-disorder": IndicationKind.PROTEIN_METABOLISM,
}
FRACTURE_SETS = frozenset({"fragility-fracture", "major-osteoporotic-site-fracture", "fracture"})
SAFETY_SETS = frozenset(
    {
        "hypercalcaemia",
        "hyperparathyroidism",
        "kidney-stones",
        "sarcoidosis",
        "ckd-severe",
        "ckd",
        "er-positive-breast-cancer",
        "adrenal-insufficiency",
        "immunosuppression",
    }
)
_SAFETY_HISTORY = frozenset({"er-positive-breast-cancer", "kidney-stones"})
_EXCLUDED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
_UNCONFIRMED = frozenset({"unconfirmed", "provisional", "differential"})
_INACTIVE = frozenset({"inactive", "remission", "resolved"})
_PROCEDURE_DONE = frozenset({"completed", "in-progress"})


@dataclass
class ConditionFacts:
    indications: list[Indication] = field(default_factory=list)
    safety: list[SafetyCondition] = field(default_factory=list)
    pregnant: bool = False
    breastfeeding: bool = False
    steroid_status: list[Source] = field(default_factory=list)  # Z79.52 (decision 2 fallback)
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class FractureRules:
    fragility_age: float
    recent_months: float


def _status(concept: CodeableConcept | None) -> str | None:
    for _, code, _ in codings(concept):
        if code:
            return code
    return None


def _matches(index: Index, concept: CodeableConcept | None) -> set[str]:
    found = index.codings(codings(concept))
    return found or index.texts(concept_texts(concept))


def _onset(resource: Condition | Procedure, born: date | None) -> date | None:
    if resource["resourceType"] == "Procedure":
        return parse_date(resource.get("performedDateTime")) or parse_date(
            (resource.get("performedPeriod") or {}).get("start")
        )
    day = parse_date(resource.get("onsetDateTime")) or parse_date((resource.get("onsetPeriod") or {}).get("start"))
    if day:
        return day
    years = (resource.get("onsetAge") or {}).get("value")
    if born is not None and years is not None and 0 <= years < 150:
        return born + timedelta(days=round(units.years_to_days(years)))
    return None


def _abated(resource: Condition, today: date) -> bool:
    if resource.get("abatementBoolean") is True or resource.get("abatementString") is not None:
        return True
    end = parse_date(resource.get("abatementDateTime")) or parse_date(
        (resource.get("abatementPeriod") or {}).get("end")
    )
    return end is not None and end <= today


def _age_at(born: date | None, day: date) -> int | None:
    if born is None or day < born:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def condition_facts(
    conditions: list[AnyResource],
    procedures: list[AnyResource],
    index: Index,
    rules: FractureRules,
    born: date | None,
    today: date,
) -> ConditionFacts:
    """Indications, safety conditions and pregnancy/breastfeeding from Conditions and Procedures."""
    out = ConditionFacts()
    recent_from = today - timedelta(days=round(units.months_to_days(rules.recent_months)))
    for resource in conditions:
        try:
            _condition(resource, index, rules, born, today, recent_from, out)
        except (AttributeError, TypeError, ValueError):
            out.skipped += 1
    for resource in procedures:
        try:
            _procedure(resource, index, born, out)
        except (AttributeError, TypeError, ValueError):
            out.skipped += 1
    return out


def _condition(
    found: AnyResource,
    index: Index,
    rules: FractureRules,
    born: date | None,
    today: date,
    recent_from: date,
    out: ConditionFacts,
) -> None:
    if found.get("resourceType") != "Condition":
        out.skipped += 1
        return
    resource = cast(Condition, found)
    matched = _matches(index, resource.get("code"))  # first: most conditions match no value set
    if not matched:
        return
    verification = _status(resource.get("verificationStatus"))
    if verification in _EXCLUDED_VERIFICATION:
        return
    confirmed = verification not in _UNCONFIRMED
    clinical = _status(resource.get("clinicalStatus"))
    active = clinical not in _INACTIVE and not (clinical is None and _abated(resource, today))
    onset = _onset(resource, born)
    src = source(resource, concept_display(resource.get("code"), "Condition"), onset)

    for kind in sorted(matched & SAFETY_SETS):
        if active or kind in _SAFETY_HISTORY:
            out.safety.append(SafetyCondition(kind=kind, source=src))
    if active and "pregnancy" in matched:
        out.pregnant = True
    if active and "breastfeeding" in matched:
        out.breastfeeding = True
    if not confirmed:
        return
    if active and "long-term-steroid-status" in matched:
        out.steroid_status.append(src)
    if matched & FRACTURE_SETS:
        _fracture(matched, resource, src, onset, born, rules, today, recent_from, active, out)
    if not active:
        return
    for vs_id, kind in _RISK_FACTORS.items():
        if vs_id in matched:
            out.indications.append(Indication(kind=kind, source=src, onset=onset))


def _fracture(
    matched: set[str],
    resource: Condition,
    src: Source,
    onset: date | None,
    born: date | None,
    rules: FractureRules,
    today: date,
    recent_from: date,
    active: bool,
    out: ConditionFacts,
) -> None:
    fragile = "fragility-fracture" in matched
    if not fragile and "major-osteoporotic-site-fracture" in matched:
        age = _age_at(born, onset or today)
        fragile = age is not None and age >= rules.fragility_age
    if fragile:
        out.indications.append(Indication(IndicationKind.FRAGILITY_FRACTURE, src, onset))
    # Onset unknown: an active fracture recorded within the window is taken as recent.
    when = onset or (parse_date(resource.get("recordedDate")) if active else None)
    if when is not None and recent_from <= when <= today:
        out.indications.append(Indication(IndicationKind.RECENT_FRACTURE, src, onset or when))


def _procedure(found: AnyResource, index: Index, born: date | None, out: ConditionFacts) -> None:
    if found.get("resourceType") != "Procedure":
        out.skipped += 1
        return
    resource = cast(Procedure, found)
    if text(resource.get("status")) not in _PROCEDURE_DONE:
        return
    matched = _matches(index, resource.get("code"))
    if "bariatric-surgery" in matched:
        onset = _onset(resource, born)
        src = source(resource, concept_display(resource.get("code"), "Procedure"), onset)
        out.indications.append(Indication(IndicationKind.BARIATRIC_SURGERY, src, onset))
