"""Typed, read-only view of the guideline knowledge in ``fhir_profiles/``.

The loader (``cds_service.knowledge.loader``) reads the FHIR artifacts once at start-up and builds
one :class:`Knowledge`. Everything downstream (facts, rules, cards, prefetch templates) reads codes,
doses, thresholds and evidence from here, never from literals in Python.

Names used as keys are stable identifiers shared by all layers:

* value set ids: :data:`VALUE_SETS` (``ValueSet.id`` in ``fhir_profiles/``);
* nutrient ids: :data:`NUTRIENTS` (``ActivityDefinition.id`` is ``supplement-<nutrient>``);
* parameter names: :data:`PARAMETERS` (``Parameters.parameter.name`` in the thresholds resource);
* recommendation codes: ``CodeSystem`` ``bone-health-recommendation`` (``card.source.topic``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from cds_service.knowledge.tables import RouteMap, SafetyTables

# --- code systems -------------------------------------------------------------------------
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICPC1NL = "http://hl7.org/fhir/sid/icpc-1-nl"
ICPC2 = "http://hl7.org/fhir/sid/icpc-2"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# --- value set ids, in the groups the facts layer matches together -------------------------
CONDITION_SETS: tuple[str, ...] = (
    # indications (guideline decision 1)
    "osteoporosis",
    "osteopenia",
    "fragility-fracture",  # coded as osteoporotic / pathological fracture
    "major-osteoporotic-site-fracture",  # hip, vertebra, wrist, proximal humerus (fragile at 50+)
    "fracture",  # any fracture (recent fracture = onset within the configured window)
    "menopause",  # postmenopausal / menopausal / premature or surgical menopause state
    "anorexia-nervosa",
    "diabetes",
    "malabsorption",  # malabsorption, IBD, coeliac, short bowel
    "bariatric-surgery",  # Condition status codes and Procedure codes
    "immobility",
    "protein-metabolism-disorder",
    "long-term-steroid-status",  # Z79.52: glucocorticoid fallback
    # safety conditions (terminology section 4)
    "hypercalcaemia",
    "hyperparathyroidism",
    "kidney-stones",
    "sarcoidosis",
    "ckd-severe",  # CKD stage 4-5, dialysis
    "ckd",  # CKD stage 1-3 or without a stage (decision 14: eGFR before magnesium)
    "er-positive-breast-cancer",
    "adrenal-insufficiency",
    "pregnancy",
    "breastfeeding",
    "immunosuppression",
)

# medication groups (match by code first, then by name/brand, for every group)
MEDICATION_SETS: tuple[str, ...] = (
    "glucocorticoid-systemic",
    "bone-drug",  # bisphosphonates, denosumab, teriparatide, romosozumab, raloxifene, ...
    "vitamin-d",  # plain D (D3, D2, calcifediol) incl. combinations that contain D
    "active-vitamin-d",  # alfacalcidol, calcitriol
    "calcium",  # calcium salts and combinations that contain calcium
    "magnesium",
    "vitamin-k2",
    "vitamin-k1",  # context only: reversal agent, never a K2 duplicate
    "soy-isoflavones",
    "ipriflavone",
    "vka",  # acenocoumarol, fenprocoumon, warfarin
    "levothyroxine",
    "bisphosphonate-oral",
    "tetracycline",
    "fluoroquinolone",
    "thiazide",
    "digoxin",
    "integrase-inhibitor",
    "oral-iron",
    "eltrombopag",
    "tamoxifen",
    "aromatase-inhibitor",
    "theophylline",
)

# labs (LOINC)
LAB_SETS: tuple[str, ...] = (
    "lab-25ohd",
    "lab-calcium",
    "lab-calcium-corrected",
    "lab-albumin",
    "lab-egfr",
    "lab-creatinine",
    "lab-lymphocytes",
)

VALUE_SETS: tuple[str, ...] = CONDITION_SETS + MEDICATION_SETS + LAB_SETS

# Data domains (``facts.model.Domain`` values) a nutrient's safety checks may need.
DATA_DOMAINS: tuple[str, ...] = ("patient", "conditions", "procedures", "medications", "vitamin-d", "calcium", "kidney", "lab-orders")
# 25(OH)D bands (``rules.labs.VitdBand`` values), lowest first.
VITD_BANDS: tuple[str, ...] = ("indeterminate", "severe", "deficient", "below-target", "on-target", "above-target", "high", "toxic")

NUTRIENTS: tuple[str, ...] = (
    "calcium",
    "magnesium",
    "vitamin-d",
    "vitamin-k2",
    "soy-isoflavones",
    "ipriflavone",
)

# Parameters resource ``bone-health-parameters``: name -> meaning. Values are numbers (valueDecimal /
# valueInteger) or UCUM Quantities (valueQuantity); units below are what the loader guarantees.
PARAMETERS: Mapping[str, str] = MappingProxyType(
    {
        "adult-age": "years; no cards below it",
        "fragility-fracture-age": "years; site fractures at or above it are fragility fractures",
        "recent-fracture-months": "months; any fracture with onset within is an indication",
        "soy-age-proxy": "years; women at or above it count as around/after menopause",
        "gc-long-term-days": "days of systemic glucocorticoid exposure within the lookback",
        "gc-lookback-days": "days",
        "gc-short-course-max-days": "days; a course of at most this length is a short course",
        "gc-short-courses-min": "count of short courses within the lookback",
        "gc-gap-bridge-days": "days; gaps up to this are bridged when merging exposure",
        "gc-high-dose-pe-mg": "mg/day prednisolone-equivalent for 'high dose'",
        "gc-replacement-hydrocortisone-mg": "mg/day hydrocortisone; at or below in adrenal insufficiency does not count",
        "supplement-recent-dispense-days": "days; a dispense this recent counts as 'already taken'",
        "vitd-target-low-nmol": "nmol/L",
        "vitd-target-high-nmol": "nmol/L",
        "vitd-target-low-ngml": "ng/mL (guideline's own unit)",
        "vitd-target-high-ngml": "ng/mL",
        "vitd-severe-below-nmol": "nmol/L",
        "vitd-deficient-below-nmol": "nmol/L",
        "vitd-high-above-nmol": "nmol/L; above: possibly too high (warning)",
        "vitd-toxic-above-nmol": "nmol/L; above: toxic range (critical)",
        "vitd-plausible-min-nmol": "nmol/L",
        "vitd-plausible-max-nmol": "nmol/L",
        "vitd-ngml-to-nmol": "factor",
        "vitd-iu-per-ug": "international units of vitamin D (cholecalciferol) per microgram",
        "vitd-current-months": "months; an older result is history",
        "vitd-check-after-days": "days after start / dose change",
        "vitd-check-window-days": "days; length of the proposed lab order's occurrence window",
        "vitd-dose-change-fraction": "relative change in daily dose that restarts the clock",
        "vitd-recheck-quiet-months": "months; no check reminder this long after an on-target result",
        "calcium-high-mmol": "mmol/L (albumin-corrected); above: warning, hold Ca/D",
        "calcium-critical-mmol": "mmol/L; above: critical",
        "calcium-mgdl-to-mmol": "divisor: mg/dL / this = mmol/L",
        "calcium-albumin-reference-gl": "g/L in the correction formula",
        "calcium-albumin-factor": "mmol/L per g/L in the correction formula",
        "calcium-albumin-pair-days": "calendar days; an albumin drawn this close to a calcium corrects it (0: same day, decision 13)",
        "calcium-plausible-min-mmol": "mmol/L; a serum calcium outside the plausible range is indeterminate",
        "calcium-plausible-max-mmol": "mmol/L",
        "albumin-plausible-min-gl": "g/L; an albumin outside the plausible range is not used",
        "albumin-plausible-max-gl": "g/L",
        "egfr-magnesium-min": "mL/min/1.73m2; below: magnesium warning",
        "lab-current-months": "months; eGFR / calcium older than this are not current",
        "suppress-days-snooze-3-months": "days an info card stays away after 'not now' (override reason)",
        "suppress-days-not-for-this-patient": "days an info card stays away after 'not for this patient'",
    }
)


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Vitamine D3' and 'genisteïne' match their terms."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize_text(text: str) -> str:
    """:func:`fold`, then every run of other characters than a-z / 0-9 becomes one space, padded.

    ``'Calci-Chew D3®'`` becomes ``' calci chew d3 '``, so a term ``' cad '`` matches whole words only.
    """
    return f" {_NON_WORD.sub(' ', fold(text)).strip()} "


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value with a UCUM unit code (``ug``, ``mg``, ``nmol/L``, ``[iU]``)."""

    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class CodeSet:
    """One ValueSet as hashed lookups: exact codes, code prefixes (ATC / ICD groups), text terms."""

    id: str
    codes: frozenset[tuple[str, str]] = frozenset()
    prefixes: tuple[tuple[str, str], ...] = ()
    terms: tuple[str, ...] = ()  # normalized (see :func:`normalize_text`) substrings: names, brands, synonyms
    exclude_terms: tuple[str, ...] = ()  # a text containing one of these never matches by text

    def matches_coding(self, system: str | None, code: str | None) -> bool:
        if not system or not code:
            return False
        if (system, code) in self.codes:
            return True
        return any(system == s and code.startswith(p) for s, p in self.prefixes)

    def matches_text(self, text: str | None) -> bool:
        """True when a term occurs in the normalized text and no exclusion term does.

        Terms are substrings of :func:`normalize_text` output; a leading / trailing space in a term
        anchors it at a word boundary (``' calcium'`` matches 'calciumcarbonaat' but not
        'carbasalaatcalcium'; ``' cad '`` matches 'Cad 500' but not 'Decadron').
        """
        if not text or not self.terms:
            return False
        normalized = normalize_text(text)
        if not any(term in normalized for term in self.terms):
            return False
        return not any(term in normalized for term in self.exclude_terms)


@dataclass(frozen=True, slots=True)
class Nutrient:
    """A supplement the guideline proposes, from its ActivityDefinition."""

    id: str  # one of NUTRIENTS
    canonical: str  # ActivityDefinition.url (for MedicationRequest.instantiatesCanonical)
    product: tuple[Coding, ...]  # productCodeableConcept codings (ATC, RxNorm, ...)
    dose: Quantity | None  # guideline daily dose as a structured UCUM quantity; None: never auto-filled (K2)
    dose_low: Quantity | None  # printed range, if any (vitamin D 20-25 ug)
    dose_high: Quantity | None
    upper_limit: Quantity | None  # tolerable upper intake per day (decision 12)
    evidence_dots: int  # the guideline's dots (of 3)
    quality_of_evidence: str  # evidence-quality code mapped from the dots
    plan_action: str  # PlanDefinition.action.id
    proposable: bool = True  # False for ipriflavone (information only)
    dose_text: str | None = None  # the dose as the guideline prints it (Dosage.text, Dutch)
    iu_per_ug: float | None = None  # international units per microgram (vitamin D: Parameters vitd-iu-per-ug)


@dataclass(frozen=True, slots=True)
class GlucocorticoidIngredient:
    """A systemic glucocorticoid ingredient from ValueSet ``glucocorticoid-systemic`` (decision 2).

    ``equivalent_mg`` is the dose equivalent to the reference prednisolone dose (the same field of the
    ingredient named ``prednisolone``); None means no reliable equivalent, and the ingredient does
    not trigger (oral budesonide). ``replacement`` marks hydrocortisone / cortisone, which do not
    count at replacement doses in adrenal insufficiency.
    """

    name: str
    codes: frozenset[tuple[str, str]]  # (system, code) of the concepts naming it
    terms: tuple[str, ...]  # normalized text terms (see CodeSet.terms) for records without a code
    equivalent_mg: float | None
    replacement: bool = False


@dataclass(frozen=True, slots=True)
class LabOrderTemplate:
    """A lab order (the 25(OH)D check, serum calcium, eGFR) from its ActivityDefinition (kind
    ServiceRequest); ``lab`` is its key in :attr:`Knowledge.lab_orders`."""

    canonical: str
    code: tuple[Coding, ...]
    category: tuple[Coding, ...]
    lab: str = "lab-25ohd"


@dataclass(frozen=True, slots=True)
class RecommendationCode:
    code: str
    display: str
    system: str


@dataclass(frozen=True)
class SuppressingReason:
    """An override reason of our own CodeSystem: feedback with it hides the recommendation for the
    patient for ``days`` (info cards only)."""

    code: str
    display: Mapping[str, str]  # language -> display (CodeSystem display is English, designations the rest)
    days: int


@dataclass(frozen=True)
class Knowledge:
    """Everything the engine knows, loaded and checked once."""

    version: str  # PlanDefinition.version: the rule version shown on cards
    guideline_title: str
    guideline_url: str | None
    value_sets: Mapping[str, CodeSet]
    nutrients: Mapping[str, Nutrient]
    parameters: Mapping[str, float | Quantity]
    lab_order: LabOrderTemplate  # the 25(OH)D check (``lab_orders["lab-25ohd"]``)
    recommendation_system: str
    safety: SafetyTables  # PlanDefinition bone-health-safety: interaction, severity and band tables
    routes: RouteMap  # ConceptMap route-category
    recommendations: Mapping[str, RecommendationCode] = field(default_factory=dict)
    glucocorticoids: tuple[GlucocorticoidIngredient, ...] = ()  # prednisolone equivalence per ingredient
    lab_orders: Mapping[str, LabOrderTemplate] = field(default_factory=dict)  # lab id -> order template
    references: Mapping[str, str] = field(default_factory=dict)  # PlanDefinition.relatedArtifact label -> url
    override_system: str = ""  # CodeSystem bone-health-override-reason
    suppressing_reasons: Mapping[str, SuppressingReason] = field(default_factory=dict)  # code -> reason
    activities: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # canonical -> ActivityDefinition (for $apply)

    def vs(self, name: str) -> CodeSet:
        return self.value_sets[name]

    def param(self, name: str) -> float:
        value = self.parameters[name]
        return value.value if isinstance(value, Quantity) else value

    def topic(self, code: str) -> RecommendationCode:
        return self.recommendations[code]
