"""Medication records (requests, statements, dispenses, draft orders) -> :class:`MedicationUse`.

Which records count (documented choices):

* MedicationRequest: status active / on-hold (current), completed / stopped (past), draft (a stored
  unsigned order: not current); intent order / plan / original-order / reflex-order / filler-order /
  instance-order. ``proposal`` and ``option`` are suggestions, not orders: skipped (a hook's own
  draft orders are read from ``context.draftOrders`` whatever their intent).
* MedicationStatement: active / intended / on-hold (current), completed / stopped (past).
* MedicationDispense: completed; current when handed over within ``supplement-recent-dispense-days``
  or while its ``daysSupply`` lasts.
* A current record whose explicit end (``effectivePeriod.end``, ``boundsPeriod.end``,
  ``boundsDuration``) lies before today is not current. Supply-derived ends (quantities,
  expected supply duration) do not end a record; they only shape glucocorticoid exposure.
* ``glucocorticoid-systemic`` is dropped from a record whose route is local (inhaled, nasal, skin,
  eye, ear, rectal, vaginal, intra-articular), so an inhaled steroid never counts as systemic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping, cast

from cds_service.facts.amounts import amounts
from cds_service.facts.dosage import Amount as Daily
from cds_service.facts.dosage import dosage_daily, quantity_amount
from cds_service.facts.match import Index
from cds_service.facts.model import MedicationUse
from cds_service.facts.products import Product, product_of
from cds_service.facts.routes import route_from_concept, route_from_texts
from cds_service.facts.values import (
    MAX_DAYS,
    MAX_QUANTITY,
    MIN_PERIOD_DAYS,
    add_days,
    duration_days,
    in_range,
    parse_date,
    period,
    reference_of,
    source,
    text,
)
from cds_service.fhir.model import (
    AnyResource,
    Bundle,
    Dosage,
    MedicationDispense,
    MedicationRequest,
    MedicationStatement,
    TimingRepeat,
    read,
    read_as,
)
from cds_service.knowledge.tables import RouteMap

GC = "glucocorticoid-systemic"
_REQUEST_CURRENT = frozenset({"active", "on-hold"})
_REQUEST_PAST = frozenset({"completed", "stopped"})
_REQUEST_INTENTS = frozenset(
    {"order", "plan", "original-order", "reflex-order", "filler-order", "instance-order"}
)
_STATEMENT_CURRENT = frozenset({"active", "intended", "on-hold"})
_STATEMENT_PAST = frozenset({"completed", "stopped"})


@dataclass(frozen=True, slots=True)
class MedRecord:
    """A matched record plus what glucocorticoid exposure needs beyond :class:`MedicationUse`."""

    use: MedicationUse
    product: Product
    daily: Daily | None  # the structured daily amount (mg / iu / count / ml)
    exposure_end: date | None  # best end estimate (explicit, else supply-derived)
    planned_days: float | None  # planned duration of an order (explicit or supply-derived)


@dataclass(frozen=True, slots=True)
class MedicationRules:
    recent_dispense_days: float
    routes: RouteMap  # Knowledge.routes (ConceptMap route-category)
    vitd_iu_per_ug: float  # Parameters vitd-iu-per-ug


def _first_repeat(dosages: list[Dosage]) -> TimingRepeat:
    for dosage in dosages:
        repeat = (dosage.get("timing") or {}).get("repeat")
        if repeat:
            return repeat
    return {}


def _route(dosages: list[Dosage], product: Product, routes: RouteMap) -> str | None:
    for dosage in dosages:
        route = route_from_concept(dosage.get("route"), routes)
        if route:
            return route
    return route_from_texts(product.form_texts + product.texts, routes)


def _units_per_day(resource: MedicationDispense) -> Daily | None:
    """Dispense fallback: quantity / daysSupply when no dosage says how much a day."""
    qty = quantity_amount(resource.get("quantity"))
    days = in_range((resource.get("daysSupply") or {}).get("value"), MIN_PERIOD_DAYS, MAX_DAYS)
    if qty is None or days is None or (daily := in_range(qty[0] / days, 0.0, MAX_QUANTITY)) is None:
        return None
    return daily, qty[1]


def _supply_end(resource: MedicationRequest, start: date | None, daily: Daily | None) -> tuple[date | None, float | None]:
    """Terminology 2.1 step 4: validityPeriod, expected supply x (1 + repeats), quantity / daily."""
    request = resource.get("dispenseRequest") or {}
    _, validity_end = period(request.get("validityPeriod"))
    if start is None:
        return validity_end, None
    supply = duration_days(request.get("expectedSupplyDuration"))
    repeats = in_range(request.get("numberOfRepeatsAllowed"), 0.0, MAX_DAYS) or 0.0
    if supply is not None and (days := in_range(supply * (1 + repeats), 0.0, MAX_DAYS)) is not None:
        return add_days(start, days), days
    qty = quantity_amount(request.get("quantity"))
    if qty is not None and daily is not None and daily[1] == qty[1] and daily[0] > 0:
        days = in_range(qty[0] * (1 + repeats) / daily[0], 0.0, MAX_DAYS)
        if days is not None:
            return add_days(start, days), days
    if validity_end is not None:
        return validity_end, None
    return None, None


def record_from(
    found: AnyResource,
    medications: Mapping[str, AnyResource],
    index: Index,
    rules: MedicationRules,
    today: date,
    *,
    draft: bool = False,
    selected: bool = False,
) -> MedRecord | None:
    """One record as a MedRecord, or None when it is not counted or matches no group."""
    kind = found.get("resourceType")
    if kind not in ("MedicationRequest", "MedicationStatement", "MedicationDispense"):
        raise TypeError("not a medication record")
    resource = cast(MedicationRequest | MedicationStatement | MedicationDispense, found)
    status = text(resource.get("status")) or "unknown"
    if resource["resourceType"] == "MedicationRequest":
        dosages = resource.get("dosageInstruction") or []
        if not draft and (
            status not in _REQUEST_CURRENT | _REQUEST_PAST | {"draft"}
            or text(resource.get("intent")) not in _REQUEST_INTENTS
        ):
            return None
    elif resource["resourceType"] == "MedicationStatement":
        dosages = resource.get("dosage") or []
        if status not in _STATEMENT_CURRENT | _STATEMENT_PAST:
            return None
    else:
        dosages = resource.get("dosageInstruction") or []
        if status != "completed":
            return None
    product = product_of(resource, medications, index)
    if product is None or not product.groups:
        return None
    route = _route(dosages, product, rules.routes)
    groups = product.groups
    if GC in groups and route is not None and route not in rules.routes.systemic:
        groups = groups - {GC}
    if not groups:
        return None
    daily = dosage_daily(dosages)
    if daily is None and resource["resourceType"] == "MedicationDispense":
        daily = _units_per_day(resource)

    start, end, exposure_end, planned, active = _timeline(status, resource, dosages, daily, rules, today, draft)
    daily_dose, nutrients = amounts(product, daily, rules.vitd_iu_per_ug)
    use = MedicationUse(
        groups=groups,
        source=source(resource, product.display, start),
        kind=resource["resourceType"],
        status=status,
        start=start,
        end=end,
        active=active,
        nutrients=nutrients,
        route=route,
        daily_dose=daily_dose,
        draft=draft,
        selected=selected,
        resource_id=reference_of(resource),
    )
    return MedRecord(use, product, daily, exposure_end, planned)


def _timeline(
    status: str,
    resource: MedicationRequest | MedicationStatement | MedicationDispense,
    dosages: list[Dosage],
    daily: Daily | None,
    rules: MedicationRules,
    today: date,
    draft: bool,
) -> tuple[date | None, date | None, date | None, float | None, bool]:
    """``(start, explicit end, exposure end, planned days, current)`` for one record."""
    if resource["resourceType"] == "MedicationStatement":
        start, end = period(resource.get("effectivePeriod"))
        start = start or parse_date(resource.get("effectiveDateTime"))
        active = status in _STATEMENT_CURRENT and (end is None or end >= today)
        return start, end, end, None, active
    if resource["resourceType"] == "MedicationDispense":
        start = parse_date(resource.get("whenHandedOver")) or parse_date(resource.get("whenPrepared"))
        supply = in_range((resource.get("daysSupply") or {}).get("value"), 0.0, MAX_DAYS)
        end = add_days(start, supply) if start and supply else None
        recent = start is not None and start <= today and (today - start).days <= rules.recent_dispense_days
        return start, end, end, None, recent or (start is not None and end is not None and start <= today <= end)
    repeat = _first_repeat(dosages)
    bounds_start, end = period(repeat.get("boundsPeriod"))
    start = bounds_start or parse_date(resource.get("authoredOn"))
    if start is None and draft:
        start = today
    planned = duration_days(repeat.get("boundsDuration"))
    if end is None and start is not None and planned is not None:
        end = add_days(start, planned)
    if end is not None and start is not None and planned is None:
        planned = float((end - start).days)
    exposure_end = end
    if end is None:
        exposure_end, planned = _supply_end(resource, start, daily)
    active = not draft and status in _REQUEST_CURRENT and (end is None or end >= today)
    return start, (end if not draft else exposure_end), exposure_end, planned, active


def collect(
    resources: list[AnyResource],
    medications: Mapping[str, AnyResource],
    index: Index,
    rules: MedicationRules,
    today: date,
) -> tuple[list[MedRecord], int]:
    """All matched records, and how many resources were malformed."""
    out: list[MedRecord] = []
    bad = 0
    for resource in resources:
        try:
            record = record_from(resource, medications, index, rules, today)
        except (AttributeError, TypeError, ValueError, KeyError, OverflowError):
            bad += 1
            continue
        if record is not None:
            out.append(record)
    return out, bad


def drafts(
    resources: list[AnyResource],
    selections: frozenset[str],
    medications: Mapping[str, AnyResource],
    index: Index,
    rules: MedicationRules,
    today: date,
) -> tuple[list[MedRecord], list[AnyResource], int]:
    """Draft MedicationRequests as records; other draft resources returned for the lab-order reader."""
    records: list[MedRecord] = []
    others: list[AnyResource] = []
    bad = 0
    for resource in resources:
        if resource.get("resourceType") != "MedicationRequest":
            others.append(resource)
            continue
        try:
            record = record_from(
                resource, medications, index, rules, today,
                draft=True, selected=reference_of(resource) in selections,
            )
        except (AttributeError, TypeError, ValueError, KeyError, OverflowError):
            bad += 1
            continue
        if record is not None:
            records.append(record)
    return records, others, bad


def draft_resources(bundle: object) -> list[AnyResource]:
    """The resources of a ``context.draftOrders`` Bundle (or a plain list of resources), read."""
    if isinstance(bundle, list):
        found = [read(r) for r in bundle]
    else:
        draft = cast(Bundle | None, read_as(bundle, "Bundle"))
        found = [e.get("resource") for e in draft.get("entry") or ()] if draft else []
    return [r for r in found if r is not None]
