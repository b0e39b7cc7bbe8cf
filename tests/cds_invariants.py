"""Checks of every CDS Hooks response rule (``cds-hooks.md`` §1, §3, §6) on raw JSON bodies.

Written from the spec, independently of the response model, so a bug there cannot hide here.
"""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

CARD_FIELDS = {
    "uuid", "summary", "detail", "indicator", "source", "suggestions", "selectionBehavior",
    "overrideReasons", "links", "extension",
}
SOURCE_FIELDS = {"label", "url", "icon", "topic", "extension"}
SUGGESTION_FIELDS = {"label", "uuid", "isRecommended", "actions", "extension"}
ACTION_FIELDS = {"type", "description", "resource", "resourceId", "extension"}
LINK_FIELDS = {"label", "url", "type", "appContext", "autolaunchable", "extension"}
CODING_FIELDS = {"system", "code", "display"}
SERVICE_FIELDS = {
    "hook", "id", "title", "description", "prefetch", "usageRequirements", "version", "hookVersion", "extension",
}
SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(UUID(value)) == value.lower()
    except ValueError:
        return False


def assert_no_empty_values(value: Any, path: str = "$", allow: frozenset[str] = frozenset()) -> None:
    """No ``null``, ``""``, ``[]`` or ``{}`` anywhere (except at the paths in ``allow``)."""
    if path not in allow:
        assert value is not None, f"{path} is null"
        assert value != "", f"{path} is an empty string"
        assert value != [], f"{path} is an empty array"
        assert value != {}, f"{path} is an empty object"
    if isinstance(value, str):
        assert value.strip(), f"{path} is blank"
    if isinstance(value, dict):
        for key, item in value.items():
            assert_no_empty_values(item, f"{path}.{key}", allow)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_no_empty_values(item, f"{path}[{index}]", allow)


def _assert_coding(coding: Any, path: str, display_required: bool) -> None:
    assert isinstance(coding, dict), f"{path} is not a Coding"
    assert set(coding) <= CODING_FIELDS, f"{path} has unknown fields {set(coding) - CODING_FIELDS}"
    assert isinstance(coding.get("system"), str) and isinstance(coding.get("code"), str), f"{path} lacks system/code"
    if display_required:
        assert isinstance(coding.get("display"), str), f"{path} lacks display (cds-resp-4)"


def _assert_action(action: Any, path: str, description_required: bool = True) -> None:
    assert isinstance(action, dict), f"{path} is not an object"
    assert set(action) <= ACTION_FIELDS, f"{path} has unknown fields {set(action) - ACTION_FIELDS}"
    assert action.get("type") in ("create", "update", "delete"), f"{path}.type invalid"
    if description_required:
        assert isinstance(action.get("description"), str), f"{path}.description missing (cds-resp-5)"
    if action["type"] in ("create", "update"):
        resource = action.get("resource")
        assert isinstance(resource, dict) and isinstance(resource.get("resourceType"), str), (
            f"{path}.resource must be a FHIR resource for {action['type']}"
        )
    else:
        assert isinstance(action.get("resourceId"), str) and "/" in action["resourceId"], (
            f"{path}.resourceId must be Type/id for delete"
        )
        assert "resource" not in action, f"{path} delete carries a resource (cds-resp-2)"


def _assert_card(card: Any, path: str, uuids: set[str]) -> None:
    assert isinstance(card, dict), f"{path} is not an object"
    assert set(card) <= CARD_FIELDS, f"{path} has unknown fields {set(card) - CARD_FIELDS}"
    assert _is_uuid(card.get("uuid")), f"{path}.uuid is not a UUID"
    assert card["uuid"] not in uuids, f"{path}.uuid is not unique"
    uuids.add(card["uuid"])
    summary = card.get("summary")
    assert isinstance(summary, str) and 0 < len(summary) < 140, f"{path}.summary must be 1-139 characters"
    if "detail" in card:
        assert isinstance(card["detail"], str), f"{path}.detail must be markdown text"
    assert card.get("indicator") in ("info", "warning", "critical"), f"{path}.indicator invalid"
    source = card.get("source")
    assert isinstance(source, dict), f"{path}.source missing"
    assert set(source) <= SOURCE_FIELDS, f"{path}.source has unknown fields"
    assert isinstance(source.get("label"), str), f"{path}.source.label missing"
    for key in ("url", "icon"):
        if key in source:
            assert source[key].startswith(("https://", "http://")), f"{path}.source.{key} must be absolute"
    if "topic" in source:
        _assert_coding(source["topic"], f"{path}.source.topic", display_required=False)
    suggestions = card.get("suggestions")
    if suggestions is not None:
        assert isinstance(suggestions, list), f"{path}.suggestions must be an array"
        assert card.get("selectionBehavior") == "at-most-one", f"{path}.selectionBehavior must be at-most-one (cds-resp-6)"
        recommended = 0
        for s_index, suggestion in enumerate(suggestions):
            s_path = f"{path}.suggestions[{s_index}]"
            assert isinstance(suggestion, dict) and set(suggestion) <= SUGGESTION_FIELDS, f"{s_path} invalid"
            assert isinstance(suggestion.get("label"), str), f"{s_path}.label missing"
            assert _is_uuid(suggestion.get("uuid")), f"{s_path}.uuid is not a UUID"
            assert suggestion["uuid"] not in uuids, f"{s_path}.uuid is not unique"
            uuids.add(suggestion["uuid"])
            if "isRecommended" in suggestion:
                assert isinstance(suggestion["isRecommended"], bool), f"{s_path}.isRecommended must be boolean"
                recommended += suggestion["isRecommended"]
            for a_index, action in enumerate(suggestion.get("actions", [])):
                _assert_action(action, f"{s_path}.actions[{a_index}]")
        assert recommended <= 1, f"{path}: more than one recommended suggestion (cds-resp-1)"
    else:
        assert "selectionBehavior" not in card, f"{path}.selectionBehavior without suggestions"
    for r_index, reason in enumerate(card.get("overrideReasons", [])):
        _assert_coding(reason, f"{path}.overrideReasons[{r_index}]", display_required=True)
    for l_index, link in enumerate(card.get("links", [])):
        l_path = f"{path}.links[{l_index}]"
        assert isinstance(link, dict) and set(link) <= LINK_FIELDS, f"{l_path} invalid"
        assert isinstance(link.get("label"), str) and isinstance(link.get("url"), str), f"{l_path} lacks label/url"
        assert link.get("type") in ("absolute", "smart"), f"{l_path}.type invalid"
        if "appContext" in link:
            assert link["type"] == "smart", f"{l_path}.appContext only on smart links (cds-resp-3)"


def assert_valid_cds_response(body: Any) -> None:
    """Every rule of ``cds-hooks.md`` §3 on a service-call response body."""
    assert isinstance(body, dict), "the response is not a JSON object"
    assert set(body) <= {"cards", "systemActions", "extension"}, f"unknown top-level fields {set(body)}"
    assert isinstance(body.get("cards"), list), "cards is required and must be an array"
    assert_no_empty_values(body, allow=frozenset({"$.cards"}))
    uuids: set[str] = set()
    for index, card in enumerate(body["cards"]):
        _assert_card(card, f"$.cards[{index}]", uuids)
    for index, action in enumerate(body.get("systemActions", [])):
        _assert_action(action, f"$.systemActions[{index}]")


def assert_valid_discovery(body: Any) -> None:
    """Discovery rules of ``cds-hooks.md`` §1."""
    assert isinstance(body, dict) and set(body) == {"services"}, "discovery must be {services: [...]}"
    assert isinstance(body["services"], list)
    assert_no_empty_values(body, allow=frozenset({"$.services"}))
    seen: set[tuple[str, str]] = set()
    for index, service in enumerate(body["services"]):
        path = f"$.services[{index}]"
        assert set(service) <= SERVICE_FIELDS, f"{path} has unknown fields"
        for key in ("hook", "id", "description"):
            assert isinstance(service.get(key), str), f"{path}.{key} is required"
        assert (service["id"], service["hook"]) not in seen, f"{path}: duplicate (id, hook)"
        seen.add((service["id"], service["hook"]))
        if "version" in service:  # 3.0: the semantic version of the specification implemented
            version = service["version"]
            assert isinstance(version, str) and SEMVER.match(version), f"{path}.version is not semver"
        if "hookVersion" in service:
            assert isinstance(service["hookVersion"], str), f"{path}.hookVersion must be a string"
        for key, template in service.get("prefetch", {}).items():
            assert isinstance(template, str), f"{path}.prefetch.{key} must be a template string"


def assert_operation_outcome(body: Any) -> None:
    """A FHIR OperationOutcome with at least one error issue that has a code and diagnostics."""
    assert isinstance(body, dict) and body.get("resourceType") == "OperationOutcome", "not an OperationOutcome"
    issues = body.get("issue")
    assert isinstance(issues, list) and issues, "OperationOutcome.issue is required"
    for issue in issues:
        assert issue.get("severity") in ("fatal", "error", "warning", "information")
        assert isinstance(issue.get("code"), str) and issue["code"]
        assert isinstance(issue.get("diagnostics"), str) and issue["diagnostics"]
    assert any(issue["severity"] in ("fatal", "error") for issue in issues)


def assert_valid_http_answer(method: str, path: str, status: int, content_type: str, body: bytes) -> None:
    """Check one HTTP answer of the app by endpoint and status (used on every test response).

    Every 4xx/5xx (preflights included) carries a JSON OperationOutcome; a 200 from discovery
    passes the discovery rules and a 200 from a service call every response rule.
    """
    if status >= 400:
        if method == "HEAD":
            return  # no body on HEAD
        assert content_type.startswith("application/json"), f"{method} {path} {status}: {content_type}"
        assert_operation_outcome(json.loads(body))
    elif status == 200 and path.startswith("/cds-services"):
        if method == "GET" and path == "/cds-services":
            assert_valid_discovery(json.loads(body))
        elif method == "POST" and not path.endswith("/feedback"):
            assert content_type.startswith("application/json"), f"{method} {path}: {content_type}"
            assert_valid_cds_response(json.loads(body))
