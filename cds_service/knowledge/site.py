"""Site orderable codings: extra codes (e.g. G-Standaard PRK/HPK) a site adds to each proposed nutrient.

The file named by ``CDS_SITE_CODINGS_FILE`` is JSON: nutrient id -> list of FHIR Codings, e.g.
``{"vitamin-d": [{"system": "urn:oid:2.16.840.1.113883.2.4.4.10", "code": "12345", "display": "..."}]}``.
It is read and checked once at start-up; a bad file stops the service with a clear message.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import Coding, Knowledge


def load_site_codings(path: Path | None, knowledge: Knowledge) -> dict[str, tuple[Coding, ...]]:
    """The site's extra codings per nutrient id ({} without a file)."""
    if path is None:
        return {}
    try:
        raw = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise KnowledgeError(f"site codings file {path}: {type(exc).__name__}: {exc}") from None
    if not isinstance(raw, dict):
        raise KnowledgeError(f"site codings file {path}: expected a JSON object of nutrient id -> codings")
    out: dict[str, tuple[Coding, ...]] = {}
    for nutrient, codings in raw.items():
        if nutrient not in knowledge.nutrients:
            raise KnowledgeError(f"site codings file {path}: unknown nutrient {nutrient!r}")
        if not isinstance(codings, list) or not codings:
            raise KnowledgeError(f"site codings file {path}: {nutrient}: expected a non-empty list of codings")
        parsed = []
        for coding in codings:
            if not (isinstance(coding, dict) and isinstance(coding.get("system"), str) and coding["system"]
                    and isinstance(coding.get("code"), str) and coding["code"]):
                raise KnowledgeError(f"site codings file {path}: {nutrient}: each coding needs a system and a code")
            display = coding.get("display")
            parsed.append(Coding(coding["system"], coding["code"], display if isinstance(display, str) and display else None))
        out[nutrient] = tuple(parsed)
    return out
