"""Safety, lab-band and route tables from ``fhir_profiles/`` (PlanDefinition, CodeSystem, ConceptMap).

* ``PlanDefinition/bone-health-safety``: which medication groups and conditions each safety rule
  looks at (``action.input`` ValueSets), the card indicator each gives (extension
  ``card-indicator``), the indicator per 25(OH)D band, and the data domains each proposed
  nutrient's safety checks need (extension ``data-domain``).
* ``ConceptMap/route-category``: SNOMED CT route codes and route / dose-form text fragments to a
  route category; ``CodeSystem/route-category`` names the categories and which are systemic.

Built once at load into plain dicts and tuples (no FHIR models on the request path); anything
missing or unknown raises :class:`KnowledgeError`, so ``cds-service check-knowledge`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import CONDITION_SETS, DATA_DOMAINS, MEDICATION_SETS, NUTRIENTS, SNOMED, VITD_BANDS, fold
from cds_service.knowledge.urls import (
    BASE,
    CS_ROUTE_CATEGORY,
    CS_ROUTE_TEXT,
    EXT_CARD_INDICATOR,
    EXT_DATA_DOMAIN,
    ROUTE_MAP_ID,
    SAFETY_PLAN_ID,
)

SEVERITIES = ("info", "warning", "critical")  # CDS Hooks card indicators
# Safety rules whose card takes the indicator of their action (schema: the values are data).
RULE_SEVERITIES = (
    "safety-k2-vka",
    "safety-hypercalcaemia",
    "safety-magnesium-kidney",
    "safety-soy-endocrine",
    "safety-soy-levothyroxine",
    "safety-ipriflavone",
    "safety-active-vitd",
)
CALCIUM_LEVELS = ("high", "critical")  # RuleContext.calcium_level values
_VALUE_SET = f"{BASE}/ValueSet/"
_MEDICATION = "MedicationStatement"  # DataRequirement.type of a medication group input


@dataclass(frozen=True)
class SafetyTables:
    """The safety rules' tables (severities are CDS Hooks indicators, groups are value set ids)."""

    severity: Mapping[str, str]  # rule code (RULE_SEVERITIES) -> indicator of its card
    spacing: Mapping[str, str]  # medication group -> indicator of taking it with calcium / magnesium
    calcium_conditions: tuple[str, ...]  # conditions: vitamin D / calcium unsafe without a work-up
    calcium_level_severity: Mapping[str, str]  # serum calcium level (CALCIUM_LEVELS) -> indicator
    high_calcium_drugs: tuple[str, ...]  # medication groups named with their own advice at a high calcium
    soy_endocrine_drugs: tuple[str, ...]  # medication groups: soy isoflavones get a warning
    vitd_band_severity: Mapping[str, str]  # 25(OH)D band -> indicator
    check_domains: Mapping[str, tuple[str, ...]]  # nutrient -> data domains its checks need


@dataclass(frozen=True)
class RouteMap:
    """Route categories by SNOMED CT code and by text fragment (first match in order wins)."""

    codes: Mapping[tuple[str, str], str]  # (system, code) -> category
    words: tuple[tuple[str, str], ...]  # (folded fragment, category), most specific first
    systemic: frozenset[str]  # categories where a glucocorticoid counts as systemic exposure

    def from_coding(self, system: str | None, code: str | None) -> str | None:
        return self.codes.get((system or "", code or ""))

    def from_text(self, text: str) -> str | None:
        folded = fold(text)
        for word, category in self.words:
            if word in folded:
                return category
        return None


def _actions(actions: Any) -> Iterator[dict[str, Any]]:
    for action in actions or ():
        yield action
        yield from _actions(action.get("action"))


def _by_id(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in _actions(plan.get("action")) if a.get("id")}


def _action(actions: dict[str, dict[str, Any]], action_id: str) -> dict[str, Any]:
    try:
        return actions[action_id]
    except KeyError:
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID}: missing action {action_id}") from None


def _indicator(action: dict[str, Any]) -> str:
    values = [e.get("valueCode") for e in action.get("extension") or () if e.get("url") == EXT_CARD_INDICATOR]
    if len(values) != 1:
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action {action.get('id')}: needs one card-indicator")
    if values[0] not in SEVERITIES:
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action {action.get('id')}: unknown severity {values[0]!r}")
    return str(values[0])


def _input_sets(action: dict[str, Any], allowed: tuple[str, ...], resource_type: str) -> tuple[str, ...]:
    """The value set ids of an action's ``input`` code filters on ``resource_type`` (each must be
    one the facts match)."""
    out = []
    for requirement in action.get("input") or ():
        if requirement.get("type") != resource_type:
            continue
        for code_filter in requirement.get("codeFilter") or ():
            canonical = code_filter.get("valueSet") or ""
            vs_id = canonical[len(_VALUE_SET) :] if canonical.startswith(_VALUE_SET) else canonical
            if vs_id not in allowed:
                raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action {action.get('id')}: unknown value set {canonical!r}")
            out.append(vs_id)
    if not out:
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action {action.get('id')}: needs an input {resource_type} value set")
    return tuple(out)


def _children(actions: dict[str, dict[str, Any]], parent: str, prefix: str) -> dict[str, dict[str, Any]]:
    """Sub-actions of ``parent`` whose id starts with ``prefix``, by the rest of the id, in order."""
    kids = _action(actions, parent).get("action") or ()
    return {a["id"][len(prefix) :]: a for a in kids if str(a.get("id", "")).startswith(prefix)}


def build_safety(plan: dict[str, Any]) -> SafetyTables:
    actions = _by_id(plan)
    for action in actions.values():
        for requirement in action.get("input") or ():
            if requirement.get("type") not in ("Condition", _MEDICATION):
                raise KnowledgeError(
                    f"PlanDefinition/{SAFETY_PLAN_ID} action {action['id']}: input type {requirement.get('type')} (Condition or {_MEDICATION})"
                )
    spacing = {}
    for key, action in _children(actions, "safety-mineral-spacing", "spacing-").items():
        groups = _input_sets(action, MEDICATION_SETS, _MEDICATION)
        if groups != (key,):
            raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action spacing-{key}: input must be ValueSet {key}")
        spacing[key] = _indicator(action)
    if not spacing:
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID}: no spacing-<group> actions")
    bands = {band: _indicator(a) for band, a in _children(actions, "vitd-status", "vitd-band-").items()}
    if set(bands) != set(VITD_BANDS):
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID}: vitd-band-<band> actions must be exactly {', '.join(VITD_BANDS)}")
    domains: dict[str, tuple[str, ...]] = {}
    for nutrient, action in _children(actions, "safety-checks", "checks-").items():
        if nutrient not in NUTRIENTS:
            raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action checks-{nutrient}: unknown nutrient")
        found = tuple(str(e.get("valueCode")) for e in action.get("extension") or () if e.get("url") == EXT_DATA_DOMAIN)
        unknown = [d for d in found if d not in DATA_DOMAINS]
        if unknown or not found:
            raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID} action checks-{nutrient}: unknown or no data-domain {unknown}")
        domains[nutrient] = found
    levels = {level: _indicator(a) for level, a in _children(actions, "safety-hypercalcaemia", "calcium-level-").items()}
    if set(levels) != set(CALCIUM_LEVELS):
        raise KnowledgeError(f"PlanDefinition/{SAFETY_PLAN_ID}: calcium-level-<level> actions must be exactly {', '.join(CALCIUM_LEVELS)}")
    calcium = _action(actions, "safety-hypercalcaemia")
    return SafetyTables(
        severity=MappingProxyType({code: _indicator(_action(actions, code)) for code in RULE_SEVERITIES}),
        spacing=MappingProxyType(spacing),
        calcium_conditions=_input_sets(calcium, CONDITION_SETS, "Condition"),
        calcium_level_severity=MappingProxyType(levels),
        high_calcium_drugs=_input_sets(calcium, MEDICATION_SETS, _MEDICATION),
        soy_endocrine_drugs=_input_sets(_action(actions, "safety-soy-endocrine"), MEDICATION_SETS, _MEDICATION),
        vitd_band_severity=MappingProxyType(bands),
        check_domains=MappingProxyType(domains),
    )


def build_routes(concept_map: dict[str, Any], categories: dict[str, Any]) -> RouteMap:
    """The route ConceptMap, each target checked against the route-category CodeSystem."""
    if categories.get("url") != CS_ROUTE_CATEGORY:
        raise KnowledgeError(f"CodeSystem/route-category: url must be {CS_ROUTE_CATEGORY}")
    known: dict[str, bool] = {}
    for concept in categories.get("concept") or ():
        flags = [p.get("valueBoolean") for p in concept.get("property") or () if p.get("code") == "systemic"]
        if len(flags) != 1 or not isinstance(flags[0], bool):
            raise KnowledgeError(f"CodeSystem/route-category: {concept.get('code')} needs one boolean property 'systemic'")
        known[concept["code"]] = flags[0]
    codes: dict[tuple[str, str], str] = {}
    words: list[tuple[str, str]] = []
    for group in concept_map.get("group") or ():
        source = group.get("source")
        if group.get("target") != CS_ROUTE_CATEGORY or source not in (SNOMED, CS_ROUTE_TEXT):
            raise KnowledgeError(f"ConceptMap/{ROUTE_MAP_ID}: a group must map {SNOMED} or {CS_ROUTE_TEXT} to {CS_ROUTE_CATEGORY}")
        for element in group.get("element") or ():
            targets = [t.get("code") for t in element.get("target") or ()]
            if len(targets) != 1 or targets[0] not in known:
                raise KnowledgeError(f"ConceptMap/{ROUTE_MAP_ID}: {element.get('code')} must map to one known route category, not {targets}")
            if source == SNOMED:
                codes[(SNOMED, element["code"])] = targets[0]
            else:
                words.append((fold(element["code"]), targets[0]))
    if not codes or not words:
        raise KnowledgeError(f"ConceptMap/{ROUTE_MAP_ID}: needs SNOMED CT codes and text fragments")
    return RouteMap(
        codes=MappingProxyType(codes),
        words=tuple(words),
        systemic=frozenset(c for c, systemic in known.items() if systemic),
    )
