"""Prefetch template expansion (CDS Hooks 1.0/2.0 tokens, plus ``today() ± N days``).

A template such as ``Observation?patient={{context.patientId}}&code=...`` is expanded against the
hook ``context``. Every substituted value is percent-escaped, so a context value can never add a
path segment or a search parameter. A token that cannot be resolved makes the whole template
unresolvable (``None``): that prefetch key cannot be fetched.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Mapping
from urllib.parse import quote

TOKEN = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_TODAY = re.compile(r"^today\(\)\s*(?:([+-])\s*(\d{1,5})\s*days?)?$")
_REFERENCE = re.compile(r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}$")

# context.userId "Type/id" -> the 2.0 user token carrying that id
_USER_TOKENS = {
    "Practitioner": "userPractitionerId",
    "PractitionerRole": "userPractitionerRoleId",
    "Patient": "userPatientId",
    "RelatedPerson": "userRelatedPersonId",
}


def user_tokens(context: Mapping[str, Any]) -> dict[str, str]:
    """The 2.0 user tokens (``userPractitionerId`` ...) derived from ``context.userId``."""
    user = context.get("userId")
    if not isinstance(user, str) or not _REFERENCE.match(user):
        return {}
    kind, _, ident = user.partition("/")
    name = _USER_TOKENS.get(kind)
    return {name: ident} if name else {}


def expand_template(
    template: str,
    context: Mapping[str, Any],
    user_tokens: Mapping[str, str] | None = None,
    today: date | None = None,
) -> str | None:
    """Expand ``template`` to a URL relative to the FHIR base, or ``None`` if it cannot be.

    Supported tokens: ``{{context.<field>}}`` for root-level primitive context fields,
    ``{{userPractitionerId}}`` and the other user tokens, and ``{{today()}}`` /
    ``{{today() - 90 days}}`` when ``today`` is given.
    """
    if not isinstance(template, str):
        return None
    query_start = template.find("?")
    if "://" in (template if query_start < 0 else template[:query_start]):
        return None  # an absolute URL: only paths below the FHIR base are fetched
    out: list[str] = []
    pos = 0
    for match in TOKEN.finditer(template):
        in_path = query_start < 0 or match.start() < query_start
        value = _token_value(match.group(1), context, user_tokens or {}, today)
        escaped = _escape(value, in_path, match.group(1)) if value is not None else None
        if escaped is None:
            return None
        out.append(template[pos : match.start()])
        out.append(escaped)
        pos = match.end()
    out.append(template[pos:])
    expanded = "".join(out).lstrip("/")
    if "{{" in expanded or "}}" in expanded or not expanded:
        return None
    return expanded


def is_top_n(template: str) -> bool:
    """True for a "latest N" search: ``_sort`` with ``_count`` (or ``_maxresults``)."""
    return top_n(template) is not None


def top_n(template: str) -> int | None:
    """N of a "latest N" search (``_maxresults``, else ``_count`` with ``_sort``), else None.

    Such a search wants the first N resources, not all: ``next`` links are followed until N are in
    (a server may answer with pages smaller than ``_count``), never further.
    """
    _, _, query = template.partition("?")
    params = dict(part.partition("=")[::2] for part in query.split("&"))
    raw = params.get("_maxresults") or (params.get("_count") if "_sort" in params else None)
    if raw is None:
        return None
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _token_value(
    token: str, context: Mapping[str, Any], users: Mapping[str, str], today: date | None
) -> str | None:
    if token.startswith("context."):
        value = context.get(token.removeprefix("context."))
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return None  # objects, lists, null and missing fields are not tokens
        text = str(value)
        return text or None
    if token in users:
        return users[token] or None
    found = _TODAY.match(token)
    if found and today is not None:
        sign, days = found.group(1), int(found.group(2) or 0)
        shift = timedelta(days=-days if sign == "-" else days)
        return (today + shift).isoformat()
    return None


def _escape(value: str, in_path: bool, token: str) -> str | None:
    if in_path:
        if token == "context.userId" and _REFERENCE.match(value):
            kind, _, ident = value.partition("/")
            # "Practitioner/123" used as a read: keep its single slash
            return None if ident in (".", "..") else f"{kind}/{ident}"
        if value in (".", ".."):
            return None  # would walk out of the FHIR base
    return quote(value, safe="")
