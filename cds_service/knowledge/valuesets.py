"""ValueSet JSON -> :class:`~cds_service.knowledge.model.CodeSet` (exact codes, prefixes, text terms).

Supported ValueSet content (anything else is a :class:`KnowledgeError`, never silently ignored):

* ``compose.include`` with ``system`` and ``concept`` codes: exact matches;
* ``compose.include`` with exactly one ``filter`` ``{property: concept, op: is-a, value: X}`` on a
  hierarchical-by-prefix system (ATC, ICD-10, ICD-10-CM, ICPC): every code starting with ``X``;
  ICD groups match with and without the dot (``S72.0`` and ``S720``);
* ``extension`` ``match-text`` / ``match-text-exclude`` (valueString patterns, see
  :func:`text_term`): names, synonyms and brands for records without a recognised code.
"""

from __future__ import annotations

from typing import Any

from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import ATC, ICD10, ICD10CM, ICPC1NL, ICPC2, CodeSet, normalize_text
from cds_service.knowledge.urls import EXT_MATCH_TEXT, EXT_MATCH_TEXT_EXCLUDE

PREFIX_SYSTEMS = frozenset({ATC, ICD10, ICD10CM, ICPC1NL, ICPC2})
_ICD = frozenset({ICD10, ICD10CM})


def text_term(pattern: str) -> str:
    """Turn a ``match-text`` pattern into a :attr:`CodeSet.terms` entry.

    Without ``*`` the pattern matches whole words (``'cad'`` -> ``' cad '``); a trailing ``*`` lets
    the last word run on (``'calcium*'`` -> ``' calcium'``); a leading ``*`` lets the first word
    start anywhere (``'*floxacin*'`` -> ``'floxacin'``).
    """
    core = normalize_text(pattern.strip().strip("*")).strip()
    if not core:
        raise KnowledgeError(f"empty text pattern {pattern!r}")
    lead = "" if pattern.strip().startswith("*") else " "
    trail = "" if pattern.strip().endswith("*") else " "
    return f"{lead}{core}{trail}"


def _strings(resource: dict[str, Any], url: str, where: str) -> tuple[str, ...]:
    out: list[str] = []
    for ext in resource.get("extension") or ():
        if ext.get("url") == url:
            value = ext.get("valueString")
            if not isinstance(value, str):
                raise KnowledgeError(f"{where}: extension {url} needs a valueString")
            out.append(text_term(value))
    return tuple(dict.fromkeys(out))


def build_code_set(resource: dict[str, Any]) -> CodeSet:
    """Build the hashed :class:`CodeSet` of one ValueSet resource."""
    vs_id = resource.get("id")
    where = f"ValueSet/{vs_id}"
    compose = resource.get("compose") or {}
    if compose.get("exclude"):
        raise KnowledgeError(f"{where}: compose.exclude is not supported")
    codes: set[tuple[str, str]] = set()
    prefixes: list[tuple[str, str]] = []
    for include in compose.get("include") or ():
        system = include.get("system")
        if not isinstance(system, str) or not system:
            raise KnowledgeError(f"{where}: every compose.include needs a system")
        if include.get("valueSet"):
            raise KnowledgeError(f"{where}: compose.include.valueSet is not supported")
        concepts = include.get("concept") or ()
        filters = include.get("filter") or ()
        if concepts and filters:
            raise KnowledgeError(f"{where}: an include has either concepts or one filter, not both")
        if len(filters) > 1:
            raise KnowledgeError(f"{where}: more than one filter in an include (AND) is not supported")
        if not concepts and not filters:
            raise KnowledgeError(f"{where}: an include without concepts or filter (whole code system)")
        for concept in concepts:
            code = concept.get("code")
            if not isinstance(code, str) or not code.strip():
                raise KnowledgeError(f"{where}: concept without a code in {system}")
            codes.add((system, code))
            if system in _ICD and "." in code:
                prefixes.append((system, code.replace(".", "")))
        for flt in filters:
            value = flt.get("value")
            if flt.get("property") != "concept" or flt.get("op") != "is-a":
                raise KnowledgeError(f"{where}: only filter 'concept is-a' is supported")
            if system not in PREFIX_SYSTEMS:
                raise KnowledgeError(f"{where}: is-a filter on {system} needs a terminology server")
            if not isinstance(value, str) or not value.strip():
                raise KnowledgeError(f"{where}: filter without a value")
            prefixes.append((system, value))
            if system in _ICD and "." in value:
                prefixes.append((system, value.replace(".", "")))
    terms = _strings(resource, EXT_MATCH_TEXT, where)
    exclude = _strings(resource, EXT_MATCH_TEXT_EXCLUDE, where)
    if not codes and not prefixes and not terms:
        raise KnowledgeError(f"{where}: matches nothing (no codes, groups or text)")
    return CodeSet(
        id=str(vs_id),
        codes=frozenset(codes),
        prefixes=tuple(dict.fromkeys(prefixes)),
        terms=terms,
        exclude_terms=exclude,
    )
