"""Reading FHIR Bundles and prefetch values: flatten entries, find ``next`` links, spot errors."""

from __future__ import annotations

from typing import Any, Final


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()  # a prefetch key the client did not send

_ERROR_SEVERITIES = frozenset({"error", "fatal"})


def resource_type(value: Any) -> str | None:
    """The ``resourceType`` of a parsed FHIR resource, or ``None`` if ``value`` is not one."""
    if isinstance(value, dict):
        kind = value.get("resourceType")
        if isinstance(kind, str) and kind:
            return kind
    return None


def is_error_outcome(resource: Any) -> bool:
    """True for an OperationOutcome with an issue of severity ``error`` or ``fatal``."""
    if resource_type(resource) != "OperationOutcome":
        return False
    issues = resource.get("issue")
    if not isinstance(issues, list):
        return False
    return any(isinstance(i, dict) and isinstance(i.get("severity"), str) and i["severity"] in _ERROR_SEVERITIES for i in issues)


def has_error_entry(bundle: dict) -> bool:
    """True if a Bundle carries an OperationOutcome entry of severity error/fatal."""
    return any(is_error_outcome(r) for r in _entry_resources(bundle))


def needs_fetch(value: Any) -> bool:
    """Whether a prefetch value must be fetched from the FHIR server instead of used.

    ``MISSING`` (key absent), anything that is not a FHIR resource, an OperationOutcome in the
    resource's place, or a Bundle with an error/fatal OperationOutcome entry need a fetch.
    ``None`` (the client found no data) and any other resource do not.
    """
    if value is None:
        return False
    kind = resource_type(value)
    if kind is None or kind == "OperationOutcome":
        return True
    return kind == "Bundle" and has_error_entry(value)


def entries(bundle: dict) -> list[dict]:
    """The resources of a Bundle's entries, OperationOutcome entries removed."""
    return [r for r in _entry_resources(bundle) if resource_type(r) != "OperationOutcome"]


def next_link(bundle: dict) -> str | None:
    """The URL of the Bundle's ``link[relation=next]``, if any."""
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            if isinstance(url, str) and url.strip():
                return url.strip()
    return None


def _entry_resources(bundle: dict) -> list[dict]:
    raw = bundle.get("entry")
    if not isinstance(raw, list):
        return []
    found: list[dict] = []
    for entry in raw:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource_type(resource) is not None:
            found.append(resource)
    return found
