"""Route of administration from ``Dosage.route`` (SNOMED or text), or from a dose form / product name."""

from __future__ import annotations

from typing import Iterable

from cds_service.facts.values import codings, concept_texts
from cds_service.knowledge.model import fold

SYSTEMIC = frozenset({"oral", "iv", "im", "subcutaneous", "sublingual", "enteral"})

_SNOMED = {
    "26643006": "oral",
    "47625008": "iv",
    "78421000": "im",
    "34206005": "subcutaneous",
    "37839007": "sublingual",
    "127490009": "enteral",
    "127492001": "enteral",
    "18679011000001101": "inhalation",
    "447694001": "inhalation",
    "46713006": "nasal",
    "6064005": "topical",
    "45890007": "topical",
    "54485002": "ophthalmic",
    "10547007": "otic",
    "37161004": "rectal",
    "16857009": "vaginal",
    "12130007": "intra-articular",
}
# Folded keywords, most specific first ("subcutaan" before "cutaan", "oogzalf" before "zalf").
_ROUTE_WORDS: tuple[tuple[str, str], ...] = (
    ("subcutan", "subcutaneous"),
    ("subcutaneous", "subcutaneous"),
    ("sublingu", "sublingual"),
    ("intraven", "iv"),
    ("intramusc", "im"),
    ("intra-artic", "intra-articular"),
    ("intraartic", "intra-articular"),
    ("inhal", "inhalation"),
    ("verneve", "inhalation"),
    ("nebul", "inhalation"),
    ("turbuhaler", "inhalation"),
    ("diskus", "inhalation"),
    ("aerosol", "inhalation"),
    ("neus", "nasal"),
    ("nasa", "nasal"),
    ("oogdruppel", "ophthalmic"),
    ("oogzalf", "ophthalmic"),
    ("eye drop", "ophthalmic"),
    ("ophthalm", "ophthalmic"),
    ("ocula", "ophthalmic"),
    ("oordruppel", "otic"),
    ("ear drop", "otic"),
    ("auric", "otic"),
    ("rectaal", "rectal"),
    ("rectal", "rectal"),
    ("klysma", "rectal"),
    ("enema", "rectal"),
    ("zetpil", "rectal"),
    ("suppositor", "rectal"),
    ("vagina", "vaginal"),
    ("cutaan", "topical"),
    ("cutaneous", "topical"),
    ("transderm", "topical"),
    ("dermal", "topical"),
    ("topica", "topical"),
    ("uitwendig", "topical"),
    ("zalf", "topical"),
    ("creme", "topical"),
    ("cream", "topical"),
    ("ointment", "topical"),
    ("lotion", "topical"),
    ("oraal", "oral"),
    ("oral", "oral"),
    ("per os", "oral"),
    ("tablet", "oral"),
    ("capsule", "oral"),
    ("drank", "oral"),
)


def route_from_concept(concept: object) -> str | None:
    """A ``Dosage.route`` CodeableConcept as a short route name."""
    for system, code, _ in codings(concept):
        if system == "http://snomed.info/sct" and code in _SNOMED:
            return _SNOMED[code]
    return route_from_texts(concept_texts(concept))


def route_from_texts(texts: Iterable[str]) -> str | None:
    """The first route a text names (dose form, product name), or None."""
    for raw in texts:
        folded = fold(raw)
        for word, route in _ROUTE_WORDS:
            if word in folded:
                return route
    return None
