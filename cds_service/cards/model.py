"""The CDS Hooks response model: one place that guarantees the spec's rules for every card.

Rules enforced at construction (``cds-hooks.md`` section 3): ``uuid`` on every card and suggestion,
``summary`` under 140 characters, ``indicator`` in info/warning/critical, ``source.label``,
``selectionBehavior`` whenever there are suggestions (``at-most-one``) with at most one recommended
suggestion, ``description`` on every action, ``resourceId`` (and no resource) on deletes, ``display``
on every override reason. :func:`dump_json` serializes with pydantic, leaving out ``None`` and
defaults, so no ``null``, ``""``, ``[]`` or ``{}`` reaches a client (except the top-level
``cards: []``); resources in actions are built pruned (:func:`prune`).
"""

from __future__ import annotations

import uuid as _uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_SUMMARY = 139


def new_uuid() -> str:
    return str(_uuid.uuid4())


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coding(_Model):
    system: str = Field(min_length=1)
    code: str = Field(min_length=1)
    display: str | None = None


class OverrideReason(Coding):
    display: str = Field(min_length=1)  # cds-resp-4


class Source(_Model):
    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(_Model):
    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)  # cds-resp-5
    # built free of None and empty values (templates pruned once, see cards.suggestions): the
    # serializer sends a plain dict as it is
    resource: dict[str, Any] | None = None
    resourceId: str | None = None  # delete actions only

    @model_validator(mode="after")
    def _shape(self) -> "Action":
        if self.type in ("create", "update") and not self.resource:
            raise ValueError(f"{self.type} action needs a resource")
        if self.type == "delete" and (not self.resourceId or self.resource is not None):
            raise ValueError("delete action needs resourceId and no resource (cds-resp-2)")
        return self


class Suggestion(_Model):
    label: str = Field(min_length=1)
    uuid: str = Field(default_factory=new_uuid)
    isRecommended: bool | None = None
    actions: tuple[Action, ...] = ()


class Link(_Model):
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)
    type: Literal["absolute", "smart"]  # required by the spec: no default, so always serialized
    appContext: str | None = None

    @model_validator(mode="after")
    def _app_context(self) -> "Link":
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext only on smart links (cds-resp-3)")
        return self


class Card(_Model):
    uuid: str = Field(default_factory=new_uuid)
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: tuple[Suggestion, ...] = ()
    selectionBehavior: Literal["at-most-one"] | None = None
    overrideReasons: tuple[OverrideReason, ...] = ()
    links: tuple[Link, ...] = ()

    @field_validator("summary")
    @classmethod
    def _summary_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("summary is blank")
        return v

    @model_validator(mode="before")
    @classmethod
    def _default_selection(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("suggestions") and not data.get("selectionBehavior"):
            data = {**data, "selectionBehavior": "at-most-one"}
        return data

    @model_validator(mode="after")
    def _suggestions(self) -> "Card":
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required with suggestions (cds-resp-6)")
        if sum(1 for s in self.suggestions if s.isRecommended) > 1:
            raise ValueError("at most one recommended suggestion with at-most-one (cds-resp-1)")
        return self


class CdsResponse(_Model):
    cards: tuple[Card, ...]  # no default: always serialized, if only as []
    systemActions: tuple[Action, ...] = ()


def prune(value: Any) -> Any:
    """``value`` without ``None`` and empty strings/containers at any depth (a copy).

    For FHIR resources built from templates: the models below serialize themselves, but an
    action's ``resource`` is a plain dict, so it is built free of empty values.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = prune(item)
            if item is not None and item != "" and item != [] and item != {}:
                out[key] = item
        return out
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            item = prune(item)
            if item is not None and item != "" and item != [] and item != {}:
                items.append(item)
        return items
    return value


def dump_json(response: CdsResponse) -> bytes:
    """The response as JSON bytes: fields that are ``None`` or at their default are left out.

    Every default here is "nothing" (``None``, ``()``) and the fields that must always be sent
    (``cards``, ``Link.type``) have none, so no ``null`` or ``[]`` reaches a client except the
    top-level ``cards: []``.
    """
    return response.__pydantic_serializer__.to_json(response, exclude_none=True, exclude_defaults=True)
