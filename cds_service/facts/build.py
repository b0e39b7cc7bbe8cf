"""FHIR resources -> :class:`~cds_service.facts.model.PatientFacts`.

Runs per request: everything that depends only on the knowledge (value-set indexes, parameters)
is prepared once (:func:`prepare`), by the pipeline. Resources are the read model's
(:mod:`cds_service.fhir.model`): those resolution produced as they are, any other (a test's dicts,
the hook's draft orders) read here; what is no resource is skipped and counted in ``notes``.
Nothing here raises on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from cds_service.facts import glucocorticoids, labs
from cds_service.facts.conditions import FractureRules, condition_facts
from cds_service.facts.glucocorticoids import GcRules
from cds_service.facts.labs import LabRules
from cds_service.facts.match import Index
from cds_service.facts.medications import MedicationRules, collect, draft_resources, drafts
from cds_service.facts.model import Domain, PatientFacts, Sex
from cds_service.facts.orders import lab_orders
from cds_service.facts.patient import age_on, birth_date, deceased, sex
from cds_service.fhir.data import ResolvedData
from cds_service.fhir.model import AnyResource, Patient, read, read_as
from cds_service.knowledge import units
from cds_service.knowledge.model import CONDITION_SETS, LAB_SETS, MEDICATION_SETS, Knowledge

KEY_DOMAINS: dict[str, Domain] = {
    "patient": Domain.PATIENT,
    "conditions": Domain.CONDITIONS,
    "procedures": Domain.PROCEDURES,
    "medicationRequests": Domain.MEDICATIONS,
    "medicationStatements": Domain.MEDICATIONS,
    "medicationDispenses": Domain.MEDICATIONS,
    "labOrders": Domain.LAB_ORDERS,
    "vitaminD": Domain.VITAMIN_D,
    "calcium": Domain.CALCIUM,
    "kidney": Domain.KIDNEY,
}
MEDICATION_KEYS = ("medicationRequests", "medicationStatements", "medicationDispenses")


@dataclass(frozen=True, slots=True)
class Prepared:
    conditions: Index
    medications: Index
    labs: Index
    fractures: FractureRules
    meds: MedicationRules
    gc: GcRules
    lab: LabRules


def prepare(k: Knowledge) -> Prepared:
    """What the facts layer derives from the knowledge: built once by the pipeline (with the cards'
    parts) and passed to every call. Measured (issue 11, bench.profile, 100-resource patient-view):
    building it per call makes the facts stage 4.2 instead of 1.8 ms, +18 % of the call.
    """
    p = k.param
    return Prepared(
        conditions=Index(k, CONDITION_SETS),
        medications=Index(k, MEDICATION_SETS),
        labs=Index(k, LAB_SETS),
        fractures=FractureRules(p("fragility-fracture-age"), p("recent-fracture-months")),
        meds=MedicationRules(p("supplement-recent-dispense-days"), k.routes, p("vitd-iu-per-ug")),
        gc=GcRules(
            long_term_days=p("gc-long-term-days"),
            lookback_days=p("gc-lookback-days"),
            short_course_max_days=p("gc-short-course-max-days"),
            short_courses_min=p("gc-short-courses-min"),
            gap_bridge_days=p("gc-gap-bridge-days"),
            high_dose_pe_mg=p("gc-high-dose-pe-mg"),
            replacement_hc_mg=p("gc-replacement-hydrocortisone-mg"),
            steroids=k.glucocorticoids,
        ),
        lab=LabRules(
            ngml_to_nmol=p("vitd-ngml-to-nmol"),
            vitd_min=p("vitd-plausible-min-nmol"),
            vitd_max=p("vitd-plausible-max-nmol"),
            calcium_mgdl_divisor=p("calcium-mgdl-to-mmol"),
            albumin_reference=p("calcium-albumin-reference-gl"),
            albumin_factor=p("calcium-albumin-factor"),
            albumin_pair_days=p("calcium-albumin-pair-days"),
            calcium_min=p("calcium-plausible-min-mmol"),
            calcium_max=p("calcium-plausible-max-mmol"),
            albumin_min=p("albumin-plausible-min-gl"),
            albumin_max=p("albumin-plausible-max-gl"),
        ),
    )


def _resources(data: ResolvedData, key: str, bad: list[int]) -> list[AnyResource]:
    """The resources of a prefetch key, read by the read model; what is no resource is counted."""
    items = data.resources.get(key)
    if not isinstance(items, list):
        if items is not None:
            bad[0] += 1
        return []
    found = [read(r) for r in items]
    good = [r for r in found if r is not None]
    bad[0] += len(found) - len(good)
    return good


def build_facts(
    data: ResolvedData,
    knowledge: Knowledge,
    now: datetime,
    *,
    draft_orders: dict | None = None,
    selections: list[str] | None = None,
    prepared: Prepared | None = None,
) -> PatientFacts:
    """Facts for one patient. ``draft_orders`` is the order hooks' ``context.draftOrders`` Bundle;
    ``prepared``: :func:`prepare` of ``knowledge`` (the pipeline's; built here when not given)."""
    prep = prepared if prepared is not None else prepare(knowledge)
    today = now.date()
    bad = [0]
    notes: list[str] = []
    unknown = {KEY_DOMAINS[k] for k in data.unknown if k in KEY_DOMAINS}
    if any(k not in KEY_DOMAINS for k in data.unknown):
        notes.append("unknown prefetch keys not mapped to a domain: %d" % sum(k not in KEY_DOMAINS for k in data.unknown))
    patient = cast(Patient | None, read_as(data.patient, "Patient"))
    if patient is None:
        unknown.add(Domain.PATIENT)
        patient = {"resourceType": "Patient"}
    born = birth_date(patient)
    chosen = frozenset(s for s in (selections or ()) if isinstance(s, str))

    cond = condition_facts(
        _resources(data, "conditions", bad), _resources(data, "procedures", bad),
        prep.conditions, prep.fractures, born, today,
    )
    bad[0] += cond.skipped

    given = data.medications if isinstance(data.medications, dict) else {}
    medications = {ref: med for ref, m in given.items() if (med := read(m)) is not None}
    records = []
    for key in MEDICATION_KEYS:
        found, malformed = collect(_resources(data, key, bad), medications, prep.medications, prep.meds, today)
        records.extend(found)
        bad[0] += malformed
    draft_records, other_drafts, malformed = drafts(
        draft_resources(draft_orders), chosen, medications, prep.medications, prep.meds, today
    )
    records.extend(draft_records)
    bad[0] += malformed
    unresolved = sum(not r.product.resolved for r in records)
    if unresolved:
        notes.append(f"unresolved medication references: {unresolved}")

    safety = tuple(cond.safety)
    gc = glucocorticoids.exposure(
        records, cond.steroid_status, any(s.kind == "adrenal-insufficiency" for s in safety), prep.gc, today
    )

    vitamin_d = labs.vitamin_d(_resources(data, "vitaminD", bad), prep.labs, prep.lab)
    calcium = labs.calcium(_resources(data, "calcium", bad), prep.labs, prep.lab)
    egfr = labs.egfr(_resources(data, "kidney", bad), prep.labs)
    orders, malformed = lab_orders(_resources(data, "labOrders", bad), other_drafts, chosen, prep.labs, today)
    bad[0] += malformed
    if sum(1 for v in vitamin_d if v.problem):
        notes.append(f"indeterminate 25(OH)D results: {sum(1 for v in vitamin_d if v.problem)}")
    if bad[0]:
        notes.append(f"skipped malformed resources: {bad[0]}")

    return PatientFacts(
        now=now,
        age=age_on(patient.get("birthDate"), today),
        sex=sex(patient),
        deceased=deceased(patient),
        pregnant=cond.pregnant,
        breastfeeding=cond.breastfeeding,
        indications=tuple(cond.indications),  # long-term glucocorticoids: see `glucocorticoids`
        safety_conditions=safety,
        medications=tuple(r.use for r in records),
        glucocorticoids=gc,
        vitamin_d=tuple(vitamin_d),
        calcium=calcium,
        egfr=egfr,
        lab_orders=tuple(orders),
        unknown=frozenset(unknown),
        notes=tuple(notes),
    )

