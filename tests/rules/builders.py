"""Hand-built patient facts for rule and card tests (fixed clock, no FHIR)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from cds_service.facts.model import (
    Amount,
    Domain,
    GlucocorticoidExposure,
    Indication,
    IndicationKind,
    LabOrder,
    LabResult,
    MedicationUse,
    PatientFacts,
    SafetyCondition,
    Sex,
    Source,
)
from cds_service.knowledge.loader import load_knowledge
from cds_service.knowledge.model import Knowledge
from cds_service.rules.engine import RuleConfig, evaluate
from cds_service.rules.model import Recommendation

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
TODAY = NOW.date()

_ids = iter(range(1, 1_000_000))


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    return load_knowledge()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def at(days: int) -> datetime:
    return NOW - timedelta(days=days)


def source(kind: str, display: str, when: date | None = None) -> Source:
    return Source(reference=f"{kind}/{next(_ids)}", display=display, date=when)


def indication(kind: IndicationKind, display: str = "Osteoporose", onset: date | None = date(2024, 1, 10)) -> Indication:
    return Indication(kind=kind, source=source("Condition", display, onset), onset=onset)


OSTEOPOROSIS = indication(IndicationKind.OSTEOPOROSIS)


def condition(kind: str, display: str | None = None) -> SafetyCondition:
    return SafetyCondition(kind=kind, source=source("Condition", display or kind))


def med(
    *groups: str,
    display: str | None = None,
    start: date | None = None,
    end: date | None = None,
    active: bool = True,
    amounts: dict[str, tuple[float, str]] | None = None,
    draft: bool = False,
    kind: str = "MedicationStatement",
) -> MedicationUse:
    ref = f"{'MedicationRequest' if draft else kind}/{next(_ids)}"
    return MedicationUse(
        groups=frozenset(groups),
        source=Source(reference=ref, display=display or " + ".join(groups), date=start),
        kind="MedicationRequest" if draft else kind,
        status="draft" if draft else ("active" if active else "completed"),
        start=start if start is not None else days_ago(400),
        end=end,
        active=active and not draft,
        nutrients={k: Amount(v, u) for k, (v, u) in (amounts or {}).items()},
        draft=draft,
        resource_id=ref if draft else None,
    )


def vitd(
    nmol: float | None,
    *,
    original: float | None = None,
    unit: str | None = "nmol/L",
    days: int = 30,
    problem: str | None = None,
    flagged: bool = False,
) -> LabResult:
    return LabResult(
        test="lab-25ohd",
        source=source("Observation", "25-OH vitamine D"),
        effective=at(days),
        value=nmol,
        unit="nmol/L",
        original_value=original if original is not None else nmol,
        original_unit=unit,
        problem=problem,
        unit_flagged=flagged,
    )


def ngml(value: float, days: int = 30) -> LabResult:
    return vitd(round(value * 2.496, 3), original=value, unit="ng/mL", days=days)


def calcium(mmol: float, days: int = 20, corrected: bool = True) -> LabResult:
    return LabResult(
        test="lab-calcium",
        source=source("Observation", "Calcium"),
        effective=at(days),
        value=mmol,
        unit="mmol/L",
        original_value=mmol,
        original_unit="mmol/L",
        corrected=corrected,
    )


def egfr(value: float, days: int = 20) -> LabResult:
    return LabResult(
        test="lab-egfr",
        source=source("Observation", "eGFR"),
        effective=at(days),
        value=value,
        unit="mL/min/{1.73_m2}",
        original_value=value,
        original_unit="mL/min/{1.73_m2}",
    )


def lab_order(authored: date | None) -> LabOrder:
    return LabOrder(source=source("ServiceRequest", "25-OH vitamine D"), status="active", authored=authored)


def gc_exposure(days: int = 120, pe: float | None = 10.0, courses: int = 0) -> GlucocorticoidExposure:
    return GlucocorticoidExposure(
        long_term=True,
        days_exposed=days,
        short_courses=courses,
        mean_prednisolone_mg=pe,
        high_dose=None if pe is None else pe >= 7.5,
        ongoing=True,
        sources=(source("MedicationRequest", "Prednisolon 10 mg"),),
    )


def patient(
    *,
    age: int | None = 68,
    sex: Sex = Sex.FEMALE,
    indications: tuple[Indication, ...] = (OSTEOPOROSIS,),
    medications: tuple[MedicationUse, ...] = (),
    unknown: tuple[Domain, ...] = (),
    **kwargs,
) -> PatientFacts:
    return PatientFacts(
        now=NOW,
        age=age,
        sex=sex,
        indications=indications,
        medications=medications,
        unknown=frozenset(unknown),
        **kwargs,
    )


def run(facts: PatientFacts, config: RuleConfig = RuleConfig(), hook: str = "patient-view") -> list[Recommendation]:
    return evaluate(facts, knowledge(), config, hook)


def by_code(facts: PatientFacts, config: RuleConfig = RuleConfig()) -> dict[str, Recommendation]:
    out: dict[str, Recommendation] = {}
    for rec in run(facts, config):
        assert rec.code not in out, f"two {rec.code} cards"
        out[rec.code] = rec
    return out


def keys(lines) -> list[str]:
    return [line.key for line in lines]


def with_(facts: PatientFacts, **changes) -> PatientFacts:
    return replace(facts, **changes)
