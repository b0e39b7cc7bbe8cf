"""The CDS Hooks response model: one place that guarantees the spec's rules for every card.

Rules enforced at construction (``cds-hooks.md`` section 3): ``uuid`` on every card and suggestion,
``summary`` under 140 characters, ``indicator`` in info/warning/critical, ``source.label``,
``selectionBehavior`` whenever there are suggestions (``at-most-one``) with at most one recommended
suggestion, ``description`` on every action, ``resourceId`` (and no resource) on deletes, ``display``
on every override reason. :func:`dump_response` leaves out every ``None`` and empty value, so no
``null``, ``""``, ``[]`` or ``{}`` reaches a client (except the top-level ``cards: []``).
"""

from __future__ import annotations

import uuid as _uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

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
    resource: dict[str, Any] | None = None
    resourceId: str | None = None
    _resource_pruned: bool = PrivateAttr(default=False)

    @classmethod
    def with_pruned_resource(cls, type: str, description: str, resource: dict[str, Any]) -> "Action":
        """A validated action whose ``resource`` the caller built free of ``None`` and empty values
        at every depth, with plain JSON types only (e.g. a template pruned once plus non-empty
        patient parts): :func:`dump_response` then uses it as it is instead of walking it."""
        action = cls(type=type, description=description, resource=resource)
        action._resource_pruned = True
        return action

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
    type: Literal["absolute", "smart"] = "absolute"
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
    cards: tuple[Card, ...] = ()
    systemActions: tuple[Action, ...] = ()


_NUMBERS = frozenset({int, float, bool})


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _prune(value: Any) -> Any:
    """Drop None and empty containers/strings recursively."""
    if isinstance(value, dict):
        return _prune_dict(value)
    if isinstance(value, (list, tuple)):
        return _prune_list(value)
    return value


# The two loops below are _prune unrolled by the exact class of each value (plain JSON types
# first, anything else the generic way): pruning runs over every node of every response.
def _prune_dict(value: dict) -> dict:
    out = {}
    for k, v in value.items():
        cls = v.__class__
        if cls is str:
            if v:
                out[k] = v
        elif cls is dict:
            v = _prune_dict(v)
            if v:
                out[k] = v
        elif cls is list or cls is tuple:
            v = _prune_list(v)
            if v:
                out[k] = v
        elif cls in _NUMBERS:
            out[k] = v
        elif v is not None:
            v = _prune(v)
            if not _empty(v):
                out[k] = v
    return out


def _prune_list(value: list | tuple) -> list:
    out = []
    for v in value:
        cls = v.__class__
        if cls is str:
            if v:
                out.append(v)
        elif cls is dict:
            v = _prune_dict(v)
            if v:
                out.append(v)
        elif cls is list or cls is tuple:
            v = _prune_list(v)
            if v:
                out.append(v)
        elif cls in _NUMBERS:
            out.append(v)
        elif v is not None:
            v = _prune(v)
            if not _empty(v):
                out.append(v)
    return out


def prune(value: Any) -> Any:
    """``value`` without ``None`` and empty strings/containers at any depth (a copy)."""
    return _prune(value)


def dump_response(response: CdsResponse) -> dict[str, Any]:
    """The JSON-ready response: pruned of empties, with ``cards`` always present.

    The same as ``prune(response.model_dump(mode="json"))``, built by walking the models: a model
    met twice (an action shared by two suggestions, the override reasons of every card) is dumped
    once, and a resource built pruned (:meth:`Action.with_pruned_resource`) is used as it is, so
    the output may share those dicts with the cards.
    """
    body = _dump_model(response, {})
    body["cards"] = body.get("cards", [])
    return body


def _dump_model(model: BaseModel, memo: dict[int, dict]) -> dict[str, Any]:
    done = memo.get(id(model))
    if done is not None:
        return done
    out: dict[str, Any] = {}
    values = model.__dict__
    for name in _field_names(model.__class__):  # declaration order, as model_dump
        v = values[name]
        cls = v.__class__
        if cls is str:
            if v:
                out[name] = v
        elif v is None:
            continue
        elif cls is tuple:
            items = []
            for item in v:
                if isinstance(item, BaseModel):
                    item = _dump_model(item, memo)
                    if item:
                        items.append(item)
                else:  # not in this model: the general way
                    return _dump_generic(model, memo)
            if items:
                out[name] = items
        elif cls is bool or cls is int:
            out[name] = v
        elif isinstance(v, BaseModel):
            v = _dump_model(v, memo)
            if v:
                out[name] = v
        elif cls is dict and name == "resource" and getattr(model, "_resource_pruned", False):
            if v:
                out[name] = v
        else:
            return _dump_generic(model, memo)
    memo[id(model)] = out
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[BaseModel]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(cls.model_fields)
    return names


def _dump_generic(model: BaseModel, memo: dict[int, dict]) -> dict[str, Any]:
    out = memo[id(model)] = _prune(model.model_dump(mode="json"))
    return out
