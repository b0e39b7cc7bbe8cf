"""ValueSet ``glucocorticoid-systemic`` -> :class:`GlucocorticoidIngredient` per ingredient.

Each concept may carry the complex extension ``glucocorticoid-equivalence``: ``ingredient`` (name),
``equivalent-dose`` (UCUM mg equivalent to the reference prednisolone dose; absent: no reliable
equivalent), ``replacement`` (boolean) and ``name`` (match-text patterns). Concepts of one
ingredient are merged; the ingredient named ``prednisolone`` must have an equivalent dose, since
every prednisolone-equivalent dose is computed against it.
"""

from __future__ import annotations

from typing import Any

from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import UCUM, GlucocorticoidIngredient
from cds_service.knowledge.urls import EXT_GC_EQUIVALENCE
from cds_service.knowledge.valuesets import text_term

REFERENCE = "prednisolone"  # the unit of prednisolone-equivalent doses (gc-high-dose-pe-mg)


def _equivalence(concept: dict[str, Any], where: str) -> dict[str, Any] | None:
    found = [e for e in concept.get("extension") or () if e.get("url") == EXT_GC_EQUIVALENCE]
    if not found:
        return None
    if len(found) > 1:
        raise KnowledgeError(f"{where}: more than one glucocorticoid-equivalence extension")
    out: dict[str, Any] = {"names": []}
    for sub in found[0].get("extension") or ():
        url = sub.get("url")
        if url == "ingredient" and isinstance(sub.get("valueString"), str) and sub["valueString"].strip():
            out["ingredient"] = sub["valueString"].strip()
        elif url == "equivalent-dose":
            qty = sub.get("valueQuantity") or {}
            value = qty.get("value")
            if qty.get("system") != UCUM or qty.get("code") != "mg" or not isinstance(value, (int, float)) or value <= 0:
                raise KnowledgeError(f"{where}: equivalent-dose must be a positive UCUM mg quantity")
            out["dose"] = float(value)
        elif url == "replacement" and isinstance(sub.get("valueBoolean"), bool):
            out["replacement"] = sub["valueBoolean"]
        elif url == "name" and isinstance(sub.get("valueString"), str):
            out["names"].append(text_term(sub["valueString"]))
        else:
            raise KnowledgeError(f"{where}: unexpected glucocorticoid-equivalence part {url!r}")
    if "ingredient" not in out:
        raise KnowledgeError(f"{where}: glucocorticoid-equivalence needs an ingredient")
    return out


def build_glucocorticoids(resource: dict[str, Any]) -> tuple[GlucocorticoidIngredient, ...]:
    """The ingredients named by the value set's concepts, with their prednisolone equivalence."""
    merged: dict[str, dict[str, Any]] = {}
    for include in (resource.get("compose") or {}).get("include") or ():
        system = include.get("system")
        for concept in include.get("concept") or ():
            where = f"ValueSet/{resource.get('id')} {concept.get('code')}"
            eq = _equivalence(concept, where)
            if eq is None:
                continue
            entry = merged.setdefault(eq["ingredient"], {"codes": set(), "terms": [], "dose": None, "replacement": False})
            entry["codes"].add((system, concept["code"]))
            entry["terms"] += eq["names"]
            entry["replacement"] |= eq.get("replacement", False)
            if "dose" in eq:
                if entry["dose"] not in (None, eq["dose"]):
                    raise KnowledgeError(f"{where}: conflicting equivalent doses for {eq['ingredient']}")
                entry["dose"] = eq["dose"]
    if merged and (REFERENCE not in merged or merged[REFERENCE]["dose"] is None):
        raise KnowledgeError(f"ValueSet/{resource.get('id')}: {REFERENCE} needs an equivalent-dose")
    return tuple(
        GlucocorticoidIngredient(
            name=name,
            codes=frozenset(e["codes"]),
            terms=tuple(dict.fromkeys(e["terms"])),
            equivalent_mg=e["dose"],
            replacement=e["replacement"],
        )
        for name, e in merged.items()
    )
