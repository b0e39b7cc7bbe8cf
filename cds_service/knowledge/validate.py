"""The knowledge checked against FHIR R4B (``fhir.resources``): structure, types and cardinality.

The loader runs this once at start-up, before it reads the guideline out of the resources, so a
site's edit that breaks a resource stops the service with the file and field named; ``cds-service
check-knowledge [DIR]`` runs the same checks (and the loader's) and prints every problem. Only the
R4B model classes of the resource types present are imported (about 0.5 s), never at request time.
fhir.resources does not check code values (``status: "bogus"`` passes): the loader checks the
values it relies on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import orjson
from pydantic import ValidationError

__all__ = ["check_directory", "validate_request", "validate_resource", "validate_resources"]

MAX_ERRORS_PER_RESOURCE = 5
_PLACEHOLDER_SUBJECT = {"reference": "Patient/template"}


def _model(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def validate_resource(name: str, resource: dict[str, Any]) -> list[str]:
    """Problems of one resource as ``<file>: <field path>: <message>`` lines (none: valid R4B)."""
    resource_type = resource.get("resourceType")
    try:
        model = _model(str(resource_type))
    except (KeyError, ValueError):
        return [f"{name}: resourceType {resource_type!r} is not a FHIR R4B resource"]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False)[:MAX_ERRORS_PER_RESOURCE]:
            where = ".".join(str(part) for part in error["loc"] if part != "__root__") or "(resource)"
            problems.append(f"{name}: {where}: {error['msg']}")
        return problems
    return []


def validate_request(name: str, resource: dict[str, Any]) -> list[str]:
    """A request applied from an ActivityDefinition (no patient parts yet), checked as if it had its
    subject (1..1 in R4B; CDS Hooks fills in the patient's per call)."""
    return validate_resource(name, {**resource, "subject": _PLACEHOLDER_SUBJECT})


def validate_resources(named: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    return [problem for name, resource in named for problem in validate_resource(name, resource)]


def check_directory(directory: Path) -> list[str]:
    """Every problem in a knowledge directory, one line each: unreadable files, R4B validation,
    then (when every file is valid FHIR) what the loader finds missing or inconsistent, then (when
    it loads) each ActivityDefinition applied ($apply) that is not a valid request resource."""
    from cds_service.knowledge.apply import KINDS, apply_definition
    from cds_service.knowledge.loader import KnowledgeError, load_knowledge

    if not directory.is_dir():
        return [f"{directory}: not a directory"]
    problems: list[str] = []
    for path in sorted(directory.glob("*.json")):
        try:
            resource = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            problems.append(f"{path.name}: unreadable or invalid JSON ({exc})")
            continue
        if not isinstance(resource, dict):
            problems.append(f"{path.name}: not a JSON object")
            continue
        problems += validate_resource(path.name, resource)
    if problems:
        return problems
    try:
        knowledge = load_knowledge(directory)
    except KnowledgeError as exc:
        return [str(exc)]
    for url, definition in knowledge.activities.items():  # what the suggestion templates are built from
        if definition.get("kind") in KINDS:
            problems += validate_request(f"$apply of {url}", apply_definition(definition))
    return problems
