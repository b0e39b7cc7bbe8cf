"""The OpenAPI contract: every endpoint with its real request, response and error models.

Service calls read their body raw (one ``orjson`` parse, then the slim request model: no
validation of the whole prefetch by FastAPI on the hot path), so their request bodies are declared
here by reference rather than as endpoint parameters. :func:`build_openapi` adds the referenced
models to ``components.schemas``; a test validates the document as OpenAPI 3.x.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from cds_service.api.models import FeedbackRequest, HookRequestDocument
from cds_service.api.schemas import Discovery, Health, OperationOutcome, Ready
from cds_service.cards.model import CdsResponse

__all__ = ["body", "build_openapi", "errors", "ok"]

REF = "#/components/schemas/{model}"
JSON_TYPE = "application/json"

_MODELS: tuple[tuple[type[BaseModel], JsonSchemaMode], ...] = (
    (HookRequestDocument, "validation"),
    (FeedbackRequest, "validation"),
    (CdsResponse, "serialization"),
    (Discovery, "serialization"),
    (OperationOutcome, "serialization"),
    (Health, "serialization"),
    (Ready, "serialization"),
)

_ERROR_TEXT = {
    400: "Invalid request (body, hook or context).",
    401: "Authentication is required (a JWT from a trusted issuer).",
    403: "Forbidden: a fhirServer not allowed for this client, or metrics without the token.",
    404: "No CDS service with this id.",
    412: "The Patient could not be obtained from prefetch or from the FHIR server.",
    413: "The request body is too large.",
    415: "The request body is not JSON.",
    500: "An internal error.",
    503: "Not ready, or the feedback could not be stored; retry.",
}


def _schema(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def body(model: type[BaseModel], description: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of ``model`` that the endpoint reads raw."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {JSON_TYPE: {"schema": _schema(model)}},
        }
    }


def ok(model: type[BaseModel] | None, description: str) -> dict[int | str, dict[str, Any]]:
    if model is None:
        return {200: {"description": description}}
    return {200: {"description": description, "content": {JSON_TYPE: {"schema": _schema(model)}}}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error answers, each an :class:`OperationOutcome`."""
    return {
        status: {"description": _ERROR_TEXT[status], "content": {JSON_TYPE: {"schema": _schema(OperationOutcome)}}}
        for status in statuses
    }


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document for ``app``: FastAPI's, plus the models the endpoints reference."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    _, top = models_json_schema(_MODELS, ref_template=REF)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(top.get("$defs", {}))
    return document
