"""Canonical URLs of the project's FHIR artifacts and of the extensions the loader reads."""

from __future__ import annotations

BASE = "https://bone-health-cds.example.org/fhir"

# local extensions (StructureDefinitions in fhir_profiles/)
EXT_MATCH_TEXT = f"{BASE}/StructureDefinition/match-text"  # ValueSet, valueString, repeated
EXT_MATCH_TEXT_EXCLUDE = f"{BASE}/StructureDefinition/match-text-exclude"  # ValueSet, valueString
EXT_CODE_VERIFICATION = f"{BASE}/StructureDefinition/code-verification"  # include.filter, valueCoding
EXT_INFORMATION_ONLY = f"{BASE}/StructureDefinition/information-only"  # ActivityDefinition, valueBoolean
EXT_REQUEST_CATEGORY = f"{BASE}/StructureDefinition/request-category"  # ActivityDefinition, CodeableConcept
EXT_GC_EQUIVALENCE = f"{BASE}/StructureDefinition/glucocorticoid-equivalence"  # ValueSet concept, complex
EXT_CARD_INDICATOR = f"{BASE}/StructureDefinition/card-indicator"  # PlanDefinition.action, valueCode
EXT_DATA_DOMAIN = f"{BASE}/StructureDefinition/data-domain"  # PlanDefinition.action, valueCode, repeated

# local code systems
CS_CODE_VERIFICATION = f"{BASE}/CodeSystem/code-verification"
CS_RECOMMENDATION = f"{BASE}/CodeSystem/bone-health-recommendation"
CS_ROUTE_CATEGORY = f"{BASE}/CodeSystem/route-category"
CS_ROUTE_TEXT = f"{BASE}/CodeSystem/route-text"  # pseudo system: folded text fragments (ConceptMap source)

# CPG-on-FHIR / core extensions on PlanDefinition.action (terminology.md 6.1)
EXT_CPG_RATING = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-rating"
EXT_QUALITY_OF_EVIDENCE = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
EXT_DIRECTION = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-directionOfRecommendation"

PLAN_DEFINITION_ID = "bone-health-supplements"
PARAMETERS_ID = "bone-health-parameters"
SAFETY_PLAN_ID = "bone-health-safety"  # PlanDefinition: safety and 25(OH)D band tables
ROUTE_MAP_ID = "route-category"  # ConceptMap (and CodeSystem) of routes of administration
LAB_ORDER_ID = "lab-25ohd-check"
# lab orders a card may propose: lab id -> (ActivityDefinition id, value sets its code must be in)
LAB_ORDERS = {
    "lab-25ohd": (LAB_ORDER_ID, ("lab-25ohd",)),
    "lab-calcium": ("lab-calcium-check", ("lab-calcium", "lab-calcium-corrected")),
    "lab-egfr": ("lab-egfr-check", ("lab-egfr", "lab-creatinine")),
}
RECOMMENDATION_CS_ID = "bone-health-recommendation"
OVERRIDE_CS_ID = "bone-health-override-reason"  # override reasons that suppress (snooze)
SUPPRESS_DAYS_PARAMETER = "suppress-days-{code}"  # Parameters name holding each reason's days
