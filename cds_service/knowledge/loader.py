"""Load and check ``fhir_profiles/`` into a :class:`~cds_service.knowledge.model.Knowledge`.

Reads every ``<Type>-<id>.json`` once with orjson, validates each with its FHIR R4B model
(:mod:`cds_service.knowledge.validate`; no FHIR model classes at request time), builds the
hashed value sets, nutrients, parameters, lab order template and recommendation codes, and checks
that everything the code relies on is there. Any gap raises :class:`KnowledgeError` naming it; the
service must not start on incomplete knowledge.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from cds_service.knowledge.activities import build_lab_order, build_nutrient, codings, walk_actions
from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.glucocorticoids import build_glucocorticoids
from cds_service.knowledge.model import (
    NUTRIENTS,
    VALUE_SETS,
    CodeSet,
    Knowledge,
    LabOrderTemplate,
    Nutrient,
    RecommendationCode,
    SuppressingReason,
)
from cds_service.knowledge.parameters import build_parameters
from cds_service.knowledge.tables import build_routes, build_safety
from cds_service.knowledge.urls import (
    LAB_ORDERS,
    OVERRIDE_CS_ID,
    PARAMETERS_ID,
    PLAN_DEFINITION_ID,
    RECOMMENDATION_CS_ID,
    ROUTE_MAP_ID,
    SAFETY_PLAN_ID,
    SUPPRESS_DAYS_PARAMETER,
)
from cds_service.knowledge.validate import validate_resources
from cds_service.knowledge.valuesets import build_code_set

__all__ = ["DEFAULT_DIR", "KnowledgeError", "load_knowledge"]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "fhir_profiles"

Resources = dict[tuple[str, str], dict[str, Any]]


def read_resources(directory: Path) -> Resources:
    """Every ``*.json`` in ``directory`` by (resourceType, id); the file name must match."""
    if not directory.is_dir():
        raise KnowledgeError(f"knowledge directory not found: {directory}")
    resources: Resources = {}
    for path in sorted(directory.glob("*.json")):
        try:
            resource = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise KnowledgeError(f"{path.name}: unreadable or invalid JSON ({exc})") from exc
        if not isinstance(resource, dict):
            raise KnowledgeError(f"{path.name}: not a JSON object")
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if not isinstance(rtype, str) or not isinstance(rid, str):
            raise KnowledgeError(f"{path.name}: needs resourceType and id")
        if path.name != f"{rtype}-{rid}.json":
            raise KnowledgeError(f"{path.name}: must be named {rtype}-{rid}.json")
        if rtype != "Parameters" and not resource.get("url"):
            raise KnowledgeError(f"{path.name}: needs a canonical url")
        resources[(rtype, rid)] = resource
    return resources


def _get(resources: Resources, rtype: str, rid: str) -> dict[str, Any]:
    try:
        return resources[(rtype, rid)]
    except KeyError:
        raise KnowledgeError(f"missing {rtype}/{rid} ({rtype}-{rid}.json)") from None


def _value_sets(resources: Resources) -> dict[str, CodeSet]:
    value_sets = {rid: build_code_set(res) for (rtype, rid), res in resources.items() if rtype == "ValueSet"}
    missing = [vs_id for vs_id in VALUE_SETS if vs_id not in value_sets]
    if missing:
        raise KnowledgeError(f"missing value sets: {', '.join(missing)}")
    return value_sets


def _recommendations(resources: Resources) -> tuple[str, dict[str, RecommendationCode]]:
    cs = _get(resources, "CodeSystem", RECOMMENDATION_CS_ID)
    system = cs["url"]
    recs: dict[str, RecommendationCode] = {}
    for concept in cs.get("concept") or ():
        code, display = concept.get("code"), concept.get("display")
        if not code or not display:
            raise KnowledgeError(f"CodeSystem/{RECOMMENDATION_CS_ID}: concept needs code and display")
        recs[code] = RecommendationCode(code=code, display=display, system=system)
    if not recs:
        raise KnowledgeError(f"CodeSystem/{RECOMMENDATION_CS_ID}: no concepts")
    return system, recs


def _suppressing_reasons(resources: Resources, parameters: Any) -> tuple[str, dict[str, SuppressingReason]]:
    """Our own override reasons (English display, other languages as designations) and the days each
    suppresses, from the Parameters resource (``suppress-days-<code>``, a whole number of days)."""
    cs = _get(resources, "CodeSystem", OVERRIDE_CS_ID)
    reasons = {}
    for concept in cs.get("concept") or ():
        code, display = concept.get("code"), concept.get("display")
        if not code or not display:
            raise KnowledgeError(f"CodeSystem/{OVERRIDE_CS_ID}: concept needs code and display")
        displays = {"en": display}
        for designation in concept.get("designation") or ():
            if designation.get("language") and designation.get("value"):
                displays[designation["language"]] = designation["value"]
        name = SUPPRESS_DAYS_PARAMETER.format(code=code)
        quantity = parameters.get(name)
        days = getattr(quantity, "value", None)
        if days is None or days != int(days) or days < 1:
            raise KnowledgeError(f"CodeSystem/{OVERRIDE_CS_ID}: {code} needs parameter {name} (whole days, 1 or more)")
        reasons[code] = SuppressingReason(code=code, display=MappingProxyType(displays), days=int(days))
    if not reasons:
        raise KnowledgeError(f"CodeSystem/{OVERRIDE_CS_ID}: no concepts")
    return cs["url"], reasons


def _check_plan(plan: dict[str, Any], resources: Resources, system: str, recs: dict[str, Any]) -> None:
    """Action codes exist in the recommendation CodeSystem; definitions resolve to loaded artifacts."""
    canonicals = {res["url"] for (rtype, _), res in resources.items() if rtype == "ActivityDefinition"}
    for action in walk_actions(plan.get("action")):
        for concept in action.get("code") or ():
            for coding in codings(concept):
                if coding.system == system and coding.code not in recs:
                    raise KnowledgeError(f"PlanDefinition action {action.get('id')}: unknown code {coding.code}")
        target = action.get("definitionCanonical")
        if target and target not in canonicals:
            raise KnowledgeError(f"PlanDefinition action {action.get('id')}: unresolved {target}")


def _nutrients(resources: Resources, plan: dict[str, Any], parameters: Any) -> dict[str, Nutrient]:
    """Each nutrient from its ActivityDefinition and plan action; vitamin D also carries the
    IU-per-microgram factor (Parameters ``vitd-iu-per-ug``) its doses are printed with."""
    by_canonical = {a["definitionCanonical"]: a for a in walk_actions(plan.get("action")) if a.get("definitionCanonical")}
    nutrients = {}
    for nutrient_id in NUTRIENTS:
        definition = _get(resources, "ActivityDefinition", f"supplement-{nutrient_id}")
        action = by_canonical.get(definition["url"])
        if action is None:
            raise KnowledgeError(f"PlanDefinition/{PLAN_DEFINITION_ID}: no action for {definition['url']}")
        nutrient = build_nutrient(nutrient_id, definition, action)
        if nutrient_id == "vitamin-d":
            nutrient = replace(nutrient, iu_per_ug=float(parameters["vitd-iu-per-ug"]))
        nutrients[nutrient_id] = nutrient
    return nutrients


def _lab_orders(resources: Resources, value_sets: dict[str, CodeSet]) -> dict[str, LabOrderTemplate]:
    """Every lab order a card may propose; its code must be in one of the lab's value sets, so the
    result it leads to is read back (a site may change the code, not to something unread)."""
    out = {}
    for lab, (definition_id, sets) in LAB_ORDERS.items():
        order = build_lab_order(_get(resources, "ActivityDefinition", definition_id), lab)
        if not any(value_sets[vs].matches_coding(c.system, c.code) for vs in sets for c in order.code):
            raise KnowledgeError(f"ActivityDefinition/{definition_id}: code is not in ValueSet {' or '.join(sets)}")
        out[lab] = order
    return out


def _guideline(plan: dict[str, Any]) -> tuple[str, str | None]:
    for artifact in plan.get("relatedArtifact") or ():
        if artifact.get("type") == "documentation" and artifact.get("display"):
            return artifact["display"], artifact.get("url")
    raise KnowledgeError(f"PlanDefinition/{PLAN_DEFINITION_ID}: needs a documentation relatedArtifact")


def _references(plan: dict[str, Any]) -> dict[str, str]:
    """Other guidelines the cards link to where they apply (``relatedArtifact`` with a label and url)."""
    out = {}
    for artifact in plan.get("relatedArtifact") or ():
        if artifact.get("type") != "documentation" and artifact.get("label") and artifact.get("url"):
            out[artifact["label"]] = artifact["url"]
    return out


def load_knowledge(directory: Path | None = None) -> Knowledge:
    """Read and check the artifacts in ``directory`` (default :data:`DEFAULT_DIR`)."""
    resources = read_resources(Path(directory) if directory is not None else DEFAULT_DIR)
    problems = validate_resources((f"{rtype}-{rid}.json", res) for (rtype, rid), res in resources.items())
    if problems:
        more = f" (and {len(problems) - 3} more: cds-service check-knowledge lists them)" if len(problems) > 3 else ""
        raise KnowledgeError("not valid FHIR R4B: " + "; ".join(problems[:3]) + more)
    value_sets = _value_sets(resources)
    system, recs = _recommendations(resources)
    plan = _get(resources, "PlanDefinition", PLAN_DEFINITION_ID)
    version = plan.get("version")
    if not isinstance(version, str) or not version:
        raise KnowledgeError(f"PlanDefinition/{PLAN_DEFINITION_ID}: needs a version")
    _check_plan(plan, resources, system, recs)
    safety_plan = _get(resources, "PlanDefinition", SAFETY_PLAN_ID)
    _check_plan(safety_plan, resources, system, recs)
    title, url = _guideline(plan)
    lab_orders = _lab_orders(resources, value_sets)
    parameters = build_parameters(_get(resources, "Parameters", PARAMETERS_ID))
    override_system, suppressing = _suppressing_reasons(resources, parameters)
    return Knowledge(
        version=version,
        guideline_title=title,
        guideline_url=url,
        value_sets=MappingProxyType(value_sets),
        nutrients=MappingProxyType(_nutrients(resources, plan, parameters)),
        parameters=parameters,
        lab_order=lab_orders["lab-25ohd"],
        lab_orders=MappingProxyType(lab_orders),
        recommendation_system=system,
        safety=build_safety(safety_plan),
        routes=build_routes(_get(resources, "ConceptMap", ROUTE_MAP_ID), _get(resources, "CodeSystem", ROUTE_MAP_ID)),
        recommendations=MappingProxyType(recs),
        glucocorticoids=build_glucocorticoids(_get(resources, "ValueSet", "glucocorticoid-systemic")),
        references=MappingProxyType(_references(plan)),
        override_system=override_system,
        suppressing_reasons=MappingProxyType(suppressing),
        activities=MappingProxyType(
            {res["url"]: res for (rtype, _), res in resources.items() if rtype == "ActivityDefinition"}
        ),
    )
