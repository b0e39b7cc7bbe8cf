"""Patient facts: plain typed values the guideline rules read.

Built from FHIR R4 resources by ``cds_service.facts.build`` with an injected clock; the rules never
see FHIR, JSON or HTTP. Every fact that came from a resource carries a :class:`Source`, so a card can
say which condition, medication or lab value it used.

Unknown versus absent: when a data domain could not be obtained (prefetch missing and the FHIR
server failed), its name is in :attr:`PatientFacts.unknown` and the matching collections are empty
*because nothing is known*, not because the patient has nothing. Rules must check
:meth:`PatientFacts.is_known` before concluding that something is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Domain(StrEnum):
    """Data domains whose availability the rules care about (see module docstring)."""

    PATIENT = "patient"
    CONDITIONS = "conditions"
    PROCEDURES = "procedures"
    MEDICATIONS = "medications"  # requests, statements and dispenses together
    VITAMIN_D = "vitamin-d"  # 25(OH)D observations
    CALCIUM = "calcium"  # serum calcium and albumin
    KIDNEY = "kidney"  # eGFR and creatinine
    LAB_ORDERS = "lab-orders"  # pending 25(OH)D ServiceRequests


class IndicationKind(StrEnum):
    """Guideline decision 1: why a patient qualifies for a proposal."""

    OSTEOPOROSIS = "osteoporosis"
    OSTEOPENIA = "osteopenia"
    FRAGILITY_FRACTURE = "fragility-fracture"
    RECENT_FRACTURE = "recent-fracture"
    GLUCOCORTICOIDS = "glucocorticoids"
    POSTMENOPAUSAL = "postmenopausal"
    ANOREXIA_NERVOSA = "anorexia-nervosa"
    DIABETES = "diabetes"
    MALABSORPTION = "malabsorption"
    BARIATRIC_SURGERY = "bariatric-surgery"
    IMMOBILITY = "immobility"
    PROTEIN_METABOLISM = "protein-metabolism-disorder"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact came from: a FHIR reference and a human display (never shown outside a card)."""

    reference: str | None  # "Condition/123"; None for contained or id-less resources
    display: str  # condition / medication / test name as the record has it
    date: date | None = None  # onset, start, or effective date


@dataclass(frozen=True, slots=True)
class Indication:
    kind: IndicationKind
    source: Source
    onset: date | None = None


@dataclass(frozen=True, slots=True)
class Amount:
    """A daily amount of a nutrient or drug in a fixed unit (``ug`` for vitamin D, ``mg`` otherwise)."""

    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class MedicationUse:
    """One medication record (request, statement, dispense, or draft order) matched to groups.

    ``groups`` holds every medication value-set id it matched (``vitamin-d``, ``calcium``, ``vka``,
    ``glucocorticoid-systemic``...). ``nutrients`` holds the daily amount per nutrient where the
    product's dose could be computed (a Ca+D combination has both); a matched nutrient whose dose is
    unknown is in ``groups`` but not in ``nutrients``. Weekly or monthly regimens are daily averages.
    """

    groups: frozenset[str]
    source: Source
    kind: str  # "MedicationRequest" | "MedicationStatement" | "MedicationDispense"
    status: str
    start: date | None
    end: date | None  # None: ongoing / no end known
    active: bool  # current use at the clock's date (per terminology 2.2 rule)
    nutrients: dict[str, Amount] = field(default_factory=dict)
    route: str | None = None  # "oral", "iv", "im", "inhalation", "nasal", "topical", ... or None
    daily_dose: Amount | None = None  # the product's own daily dose, when computable
    draft: bool = False  # from context.draftOrders (order hooks)
    selected: bool = False  # named in order-select's context.selections
    resource_id: str | None = None  # "MedicationRequest/abc" (for a delete suggestion on drafts)


@dataclass(frozen=True, slots=True)
class GlucocorticoidExposure:
    """Systemic glucocorticoid use in the lookback window (decision 2)."""

    long_term: bool  # meets the long-term definition (duration or short courses)
    days_exposed: int
    short_courses: int
    mean_prednisolone_mg: float | None  # duration-weighted mean PE dose per day; None if unknown
    high_dose: bool | None  # None: dose unknown
    ongoing: bool
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class LabResult:
    """One lab value, normalised to the rule unit (25(OH)D nmol/L, calcium mmol/L, eGFR mL/min/1.73m2).

    ``value`` is None when the result is indeterminate (unit missing or unknown, or implausible after
    conversion); ``problem`` then says why: ``"no-unit"``, ``"unknown-unit"``, ``"implausible"``,
    ``"no-value"``.
    """

    test: str  # value-set id: "lab-25ohd", "lab-calcium", "lab-egfr", ...
    source: Source
    effective: datetime | None
    value: float | None
    unit: str  # rule unit
    original_value: float | None
    original_unit: str | None  # as the record has it (UCUM code or unit text)
    problem: str | None = None
    corrected: bool = False  # calcium: albumin-corrected
    unit_flagged: bool = False  # converted from a mis-coded unit (pmol/L) and should be shown as such
    comparator: str | None = None  # "<", "<=", ">", ">=" from valueQuantity: value is a bound

    @property
    def determinate(self) -> bool:
        return self.value is not None


def value_of(result: LabResult | None) -> float:
    """The value of a result the caller has found present and determinate (a rule's guard)."""
    if result is None or result.value is None:
        raise ValueError("no determinate result")
    return result.value


@dataclass(frozen=True, slots=True)
class LabOrder:
    """A 25(OH)D ServiceRequest: pending on file, or a draft order."""

    source: Source
    status: str
    authored: date | None
    draft: bool = False
    selected: bool = False
    occurrence: date | None = None  # planned date (occurrenceDateTime / occurrencePeriod.start), if any


@dataclass(frozen=True, slots=True)
class SafetyCondition:
    """A condition relevant to safety checks (value-set id in ``kind``: ``hypercalcaemia`` ...)."""

    kind: str
    source: Source


@dataclass(frozen=True)
class PatientFacts:
    """All facts for one patient at one moment (``now``)."""

    now: datetime
    age: int | None
    sex: Sex
    deceased: bool = False
    pregnant: bool = False
    breastfeeding: bool = False
    indications: tuple[Indication, ...] = ()
    safety_conditions: tuple[SafetyCondition, ...] = ()
    medications: tuple[MedicationUse, ...] = ()  # matched records only, current and past, incl. drafts
    glucocorticoids: GlucocorticoidExposure | None = None  # None: no systemic exposure found
    vitamin_d: tuple[LabResult, ...] = ()  # final/amended/corrected 25(OH)D results, newest first
    calcium: LabResult | None = None  # latest current serum calcium (corrected when albumin known)
    egfr: LabResult | None = None  # latest current eGFR
    lab_orders: tuple[LabOrder, ...] = ()  # pending (active / draft) 25(OH)D orders
    unknown: frozenset[Domain] = frozenset()
    notes: tuple[str, ...] = ()  # extraction notes for the log (never patient data)

    def is_known(self, domain: Domain) -> bool:
        return domain not in self.unknown

    def meds(self, group: str, *, active_only: bool = True, drafts: bool = True) -> tuple[MedicationUse, ...]:
        """Medication records in a value-set group (current by default, drafts included)."""
        return tuple(
            m
            for m in self.medications
            if group in m.groups and (m.active or (drafts and m.draft) or not active_only)
            and (drafts or not m.draft)
        )

    def has_condition(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.safety_conditions)
