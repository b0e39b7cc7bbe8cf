"""Recommendations -> CDS Hooks cards in the requested language.

Every text comes from the message catalogues (``messages/<lang>.json``). The detail is GitHub
Markdown in fixed sections: the facts used, advice (guideline doses with evidence dots, notes),
already taken, not proposed and why, what could not be checked, and a footer with the rule version.

Every card links to the guideline page the service serves (``GET /guideline``, in the card's
language), where the background that is the same for every patient lives (decision 16), and to the
other guidelines its recommendation names (``Recommendation.references``, e.g. the NHG guideline on
fracture prevention). The page's absolute URL comes from the caller (the API knows the public base).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from cds_service.cards.i18n import Catalogue, catalogue
from cds_service.cards.language import SUPPORTED_LANGUAGES
from cds_service.cards.model import MAX_SUMMARY, Card, Coding, Link, OverrideReason, Source
from cds_service.cards.suggestions import ExtraCodings, Templates, build_suggestions, build_templates
from cds_service.knowledge.model import Knowledge
from cds_service.rules import lines
from cds_service.rules.model import Line, Recommendation

NON_ADHERENCE_SYSTEM = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
OVERRIDE_CODES = (
    "cds-not-applicable",
    "cds-suboptimal-context",
    "recipient-disagrees-evidence",
    "recipient-concerns-outcomes",
    "does-not-align-preferences",
    "not-convenient-feasible",
)


@dataclass(frozen=True)
class CardParts:
    """What every card of a language shares, built once with the pipeline (not per call): the
    suggestions' resource templates, the override reasons, each recommendation's source and link to
    the guideline. Without it (a test running a stage alone) each is built when needed."""

    templates: Templates
    override_reasons: Mapping[tuple[str, bool], tuple[OverrideReason, ...]]  # (language, info card) -> reasons
    sources: Mapping[tuple[str, str], tuple[Source, tuple[Link, ...]]]


def build_card_parts(knowledge: Knowledge, languages: Iterable[str] = SUPPORTED_LANGUAGES) -> CardParts:
    cats = [catalogue(language) for language in languages]
    return CardParts(
        templates=build_templates(knowledge, [cat.language for cat in cats]),
        override_reasons={
            (cat.language, info): override_reasons(cat, knowledge, suppressible=info) for cat in cats for info in (True, False)
        },
        sources={(code, cat.language): _source_and_links(code, knowledge, cat) for code in knowledge.recommendations for cat in cats},
    )


def render_cards(
    recommendations: list[Recommendation],
    knowledge: Knowledge,
    *,
    language: str,
    patient_id: str,
    extra_codings: ExtraCodings | None = None,
    guideline_page: str | None = None,
    parts: CardParts | None = None,
    suppressed: Iterable[str] = (),
) -> list[Card]:
    """One card per recommendation. ``extra_codings``: site orderable codings per nutrient id;
    ``guideline_page``: the absolute URL of this service's ``/guideline`` page (linked from every card);
    ``parts``: what every card of a language shares, built once (:func:`build_card_parts`);
    ``suppressed``: recommendation codes hidden for this patient after feedback, named in a one-line
    note on the first card (if there is one). ``language``: one of ``SUPPORTED_LANGUAGES``, as the API
    chose it (:func:`cds_service.cards.language.negotiate_language`)."""
    cat = catalogue(language)
    cards = [render_card(rec, knowledge, cat, patient_id, extra_codings, guideline_page, parts) for rec in recommendations]
    names = [cat.text(f"topic.{code}") for code in suppressed]
    if cards and names:
        note = "_" + cat.text(Line("suppressed.note", {"names": "; ".join(names)}), markdown=True) + "_"
        cards[0] = cards[0].model_copy(update={"detail": f"{cards[0].detail}\n\n{note}" if cards[0].detail else note})
    return cards


def render_card(
    rec: Recommendation,
    knowledge: Knowledge,
    cat: Catalogue,
    patient_id: str,
    extra_codings: ExtraCodings | None = None,
    guideline_page: str | None = None,
    parts: CardParts | None = None,
) -> Card:
    templates = parts.templates if parts else None
    suggestions = build_suggestions(rec, knowledge, cat, patient_id, extra_codings, templates)
    shared = parts.sources.get((rec.code, cat.language)) if parts else None
    source, links = shared or _source_and_links(rec.code, knowledge, cat)
    links = card_links(rec.references, knowledge, cat, guideline_page, links)
    suppressible = rec.severity.value == "info"
    reasons = parts.override_reasons.get((cat.language, suppressible)) if parts else None
    return Card(
        summary=_summary(cat.text(rec.summary)),
        detail=detail(rec, knowledge, cat),
        indicator=rec.severity.value,
        source=source,
        suggestions=tuple(suggestions),
        overrideReasons=reasons or override_reasons(cat, knowledge, suppressible=suppressible),
        links=links,
    )


def _source_and_links(code: str, knowledge: Knowledge, cat: Catalogue) -> tuple[Source, tuple[Link, ...]]:
    """A card's source and the link to the guideline itself (when the knowledge has its URL)."""
    links = (Link(label=cat.text("link.guideline"), url=knowledge.guideline_url, type="absolute"),) if knowledge.guideline_url else ()
    source = Source(label=knowledge.guideline_title, url=knowledge.guideline_url, topic=topic(code, knowledge, cat))
    return source, links


def card_links(
    references: tuple[str, ...], knowledge: Knowledge, cat: Catalogue, page: str | None, source: tuple[Link, ...] = ()
) -> tuple[Link, ...]:
    """The guideline page in the card's language, the ``source`` links (the guideline itself, when
    the knowledge has its URL), then each referenced guideline the knowledge has."""
    links = [Link(label=cat.text("link.guideline-page"), url=guideline_page_url(page, cat.language), type="absolute")] if page else []
    links += source
    for reference in references:
        url = knowledge.references.get(reference)
        if url:
            links.append(Link(label=cat.text(f"link.{reference}"), url=url, type="absolute"))
    return tuple(links)


def guideline_page_url(page: str, language: str) -> str:
    """The page in one language: ``?lang=`` wins over the browser's Accept-Language."""
    return f"{page}?lang={language}"


def topic(code: str, knowledge: Knowledge, cat: Catalogue) -> Coding:
    known = knowledge.recommendations.get(code)
    display = known.display if known is not None else cat.text(f"topic.{code}")
    return Coding(system=knowledge.recommendation_system, code=code, display=display)


def override_reasons(cat: Catalogue, knowledge: Knowledge, *, suppressible: bool) -> tuple[OverrideReason, ...]:
    """The six HL7 reasons a clinician can give for not following a card, in the card's language; on
    an info card (``suppressible``) also our own reasons that hide the recommendation for the patient
    (snooze). Warning and critical cards never offer those."""
    hl7 = tuple(OverrideReason(system=NON_ADHERENCE_SYSTEM, code=c, display=cat.text(f"override.{c}")) for c in OVERRIDE_CODES)
    if not suppressible:
        return hl7
    return hl7 + tuple(
        OverrideReason(system=knowledge.override_system, code=reason.code,
                       display=reason.display.get(cat.language) or reason.display["en"])
        for reason in knowledge.suppressing_reasons.values()
    )


def _summary(text: str) -> str:
    """Summaries are kept short by the catalogue (tested); this only guards a runaway parameter."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1].rstrip() + "…"


def _section(cat: Catalogue, heading: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    if not items:
        return []
    return [f"**{cat.text(heading)}**", "", *(f"- {i}" for i in items), ""]


def _reason(reasons: list[Line]) -> Line:
    return reasons[0] if len(reasons) == 1 else Line("withheld.reasons", {"reasons": reasons})


def detail(rec: Recommendation, knowledge: Knowledge, cat: Catalogue) -> str:
    md = lambda line: cat.text(line, markdown=True)  # noqa: E731
    reasons: dict[str, list[Line]] = {}  # one line per nutrient not proposed, its reasons joined
    for w in rec.withheld:
        reasons.setdefault(w.nutrient, []).append(w.reason)
    withheld = [
        md(Line("withheld.item", {"nutrient": lines.nutrient_name(n), "reason": _reason(r)})) for n, r in reasons.items()
    ]
    parts = [
        *_section(cat, "heading.facts", map(md, rec.facts)),
        *_section(cat, "heading.advice", map(md, rec.advice)),
        *_section(cat, "heading.taken", map(md, rec.already_taken)),
        *_section(cat, "heading.withheld", withheld),
        *_section(cat, "heading.unchecked", map(md, rec.unchecked)),
        "_" + md(Line("footer", {"title": knowledge.guideline_title, "version": knowledge.version, "rule": rec.rule or rec.code})) + "_",
    ]
    return "\n".join(parts)
