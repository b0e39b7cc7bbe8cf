"""Reading FHIR Bundles and prefetch values: flatten entries, find ``next`` links, spot errors.

Everything here takes the read model (:mod:`cds_service.fhir.model`): its lists are lists of
objects and its fields are of their declared type or None, so nothing is checked twice.
"""

from __future__ import annotations

from typing import Final, cast

from cds_service.fhir.model import AnyResource, Bundle, OperationOutcome, read


class Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()  # a prefetch key the client did not send

_ERROR_SEVERITIES = frozenset({"error", "fatal"})


def resource_type(resource: AnyResource) -> str | None:
    """The ``resourceType`` of a resource, ``None`` when it had none (or not a usable one)."""
    return resource.get("resourceType") or None


def prefetched(value: object) -> AnyResource | Missing | None:
    """A prefetch value as resolution takes it: ``None`` (the client found no data) and ``MISSING``
    as they are, a resource of the read model (as parsed with the request; any other dict, e.g. a
    test's, is read here), and ``MISSING`` for what is no resource (it is fetched)."""
    if value is None or isinstance(value, Missing):
        return value
    resource = read(value)
    return MISSING if resource is None else resource


def is_error_outcome(resource: AnyResource | None) -> bool:
    """True for an OperationOutcome with an issue of severity ``error`` or ``fatal``."""
    if resource is None or resource.get("resourceType") != "OperationOutcome":
        return False
    issues = cast(OperationOutcome, resource).get("issue") or ()
    return any(issue.get("severity") in _ERROR_SEVERITIES for issue in issues)


def has_error_entry(bundle: Bundle) -> bool:
    """True if a Bundle carries an OperationOutcome entry of severity error/fatal."""
    return any(is_error_outcome(entry.get("resource")) for entry in bundle.get("entry") or ())


def needs_fetch(value: AnyResource | Missing | None) -> bool:
    """Whether a prefetch value (:func:`prefetched`) must be fetched from the FHIR server instead of used.

    ``MISSING`` (key absent, or a value that is no resource), a resource without a
    ``resourceType``, an OperationOutcome in the resource's place, or a Bundle with an error/fatal
    OperationOutcome entry need a fetch. ``None`` (the client found no data) and any other
    resource do not.
    """
    if value is None:
        return False
    if isinstance(value, Missing):
        return True
    kind = resource_type(value)
    if kind is None or kind == "OperationOutcome":
        return True
    return kind == "Bundle" and has_error_entry(cast(Bundle, value))


def entries(bundle: Bundle) -> list[AnyResource]:
    """The resources of a Bundle's entries, OperationOutcome entries (and entries without a
    resource, or with one without a ``resourceType``) removed."""
    found: list[AnyResource] = []
    for entry in bundle.get("entry") or ():
        resource = entry.get("resource")
        if resource is not None and (kind := resource.get("resourceType")) and kind != "OperationOutcome":
            found.append(resource)
    return found


def next_link(bundle: Bundle) -> str | None:
    """The URL of the Bundle's ``link[relation=next]``, if any."""
    for link in bundle.get("link") or ():
        if link.get("relation") == "next" and (url := (link.get("url") or "").strip()):
            return url
    return None
