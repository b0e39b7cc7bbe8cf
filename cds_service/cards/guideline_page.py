"""The guideline page (``GET /guideline``): the background every card links to (decision 16).

A card holds this patient's facts, what to do and why not; what is the same for every patient sits
here, in the card's language: the guideline's doses and evidence per nutrient, its points of
attention, the notes (vitamin K2 unit, evidence, ipriflavone, calcium and the diet), supplements
next to drug treatment, how a 25(OH)D result is read, and the upper limits. Numbers come from the
knowledge (``fhir_profiles/``), words from the message catalogues (``page.*`` keys), so the page
and the cards never disagree. One self-contained HTML document: no script, no external asset.
"""

from __future__ import annotations

from html import escape

from babel.numbers import format_decimal

from cds_service.cards.i18n import Catalogue
from cds_service.knowledge import units
from cds_service.knowledge.model import Knowledge
from cds_service.rules import lines
from cds_service.rules.model import Line

NUTRIENTS = ("calcium", "magnesium", "vitamin-d", "vitamin-k2", "soy-isoflavones")

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;"
    "vertical-align:top}th{background:#f3f3f3}h2{margin-top:2rem}footer{margin-top:2rem;color:#555;font-size:.9em}"
)


def render_page(knowledge: Knowledge, cat: Catalogue) -> str:
    """The whole page in ``cat``'s language."""
    t = lambda key, **params: escape(cat.text(Line(key, params)))  # noqa: E731
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(cat.language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{t('page.title')}</title><style>{STYLE}</style></head><body>",
        f"<h1>{t('page.title')}</h1>",
        f"<p>{t('page.source', title=knowledge.guideline_title, version=knowledge.version)}</p>",
        f"<p>{t('page.intro')}</p>",
        *_doses(knowledge, cat, t),
        f'<h2 id="attention">{t("page.h.attention")}</h2>',
        _list([t("page.together"), t("page.soy", age=knowledge.param("soy-age-proxy")),
               t("page.vitd-check", weeks=units.whole_weeks(int(knowledge.param("vitd-check-after-days"))), **_target(knowledge)),
               t("page.protein"), t("page.interactions")]),
        f'<h2 id="notes">{t("page.h.notes")}</h2>',
        _list([t("page.calcium-diet", amount=lines.guideline_amount(knowledge.nutrients["calcium"])),
               t("page.k2-unit", printed=lines.printed_amount(knowledge.nutrients["vitamin-k2"])),
               t("page.ipriflavone", printed=lines.printed_amount(knowledge.nutrients["ipriflavone"])),
               t("page.evidence-note")]),
        f'<h2 id="drug-treatment">{t("page.h.drug-treatment")}</h2>',
        f"<p>{t('page.drug-treatment')}</p>",
        *_references(knowledge, cat),
        f'<h2 id="vitamin-d">{t("page.h.vitd")}</h2>',
        f"<p>{t('page.vitd-units', factor=format_decimal(knowledge.param('vitd-ngml-to-nmol'), locale=cat.locale))}</p>",
        _list(_bands(knowledge, t)),
        f'<h2 id="upper-limits">{t("page.h.limits")}</h2>',
        _list(_limits(knowledge, cat, t)),
        f"<footer>{t('page.footer', version=knowledge.version)}</footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _target(knowledge: Knowledge) -> dict[str, float]:
    p = knowledge.param
    return {"low": p("vitd-target-low-nmol"), "high": p("vitd-target-high-nmol"),
            "low_ng": p("vitd-target-low-ngml"), "high_ng": p("vitd-target-high-ngml")}


def _doses(knowledge: Knowledge, cat: Catalogue, t) -> list[str]:
    rows = []
    for nid in NUTRIENTS:
        nutrient = knowledge.nutrients.get(nid)
        if nutrient is None:
            continue
        amount = lines.printed_amount(nutrient)
        dose = lines.dose_line(nutrient).params
        if amount is not None and "low_iu" in dose and "high_iu" in dose:  # vitamin D in IU too
            amount = Line("page.dose-iu", {"amount": amount, "low": dose["low_iu"], "high": dose["high_iu"]})
        rows.append(
            "<tr>"
            f"<td>{escape(_capital(cat.text(lines.nutrient_name(nid))))}</td>"
            f"<td>{escape(cat.text(amount)) if amount else '-'}</td>"
            f'<td aria-label="{nutrient.evidence_dots}/3">{lines.dots(nutrient.evidence_dots)}</td>'
            f"<td>{t(f'page.why.{nid}')}</td>"
            "</tr>"
        )
    head = "".join(f"<th>{t(f'page.col.{c}')}</th>" for c in ("nutrient", "dose", "evidence", "why"))
    return [f'<h2 id="doses">{t("page.h.doses")}</h2>', f"<p>{t('page.doses-note')}</p>",
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"]


def _references(knowledge: Knowledge, cat: Catalogue) -> list[str]:
    links = [
        f'<a href="{escape(url, quote=True)}">{escape(cat.text(f"link.{label}"))}</a>'
        for label, url in knowledge.references.items()
    ]
    return [_list(links)] if links else []


def _bands(knowledge: Knowledge, t) -> list[str]:
    p = knowledge.param
    return [
        t("page.band.severe", high=p("vitd-severe-below-nmol")),
        t("page.band.deficient", low=p("vitd-severe-below-nmol"), high=p("vitd-deficient-below-nmol")),
        t("page.band.below-target", low=p("vitd-deficient-below-nmol"), high=p("vitd-target-low-nmol")),
        t("page.band.on-target", low=p("vitd-target-low-nmol"), high=p("vitd-target-high-nmol"),
          low_ng=p("vitd-target-low-ngml"), high_ng=p("vitd-target-high-ngml")),
        t("page.band.above-target", low=p("vitd-target-high-nmol"), high=p("vitd-high-above-nmol")),
        t("page.band.high", low=p("vitd-high-above-nmol"), high=p("vitd-toxic-above-nmol")),
        t("page.band.toxic", low=p("vitd-toxic-above-nmol")),
        t("page.band.history", months=p("vitd-current-months")),
    ]


def _limits(knowledge: Knowledge, cat: Catalogue, t) -> list[str]:
    out = []
    for nid in NUTRIENTS:
        nutrient = knowledge.nutrients.get(nid)
        if nutrient is not None and nutrient.upper_limit is not None:
            limit = nutrient.upper_limit
            out.append(t("page.limit", nutrient=_capital(cat.text(lines.nutrient_name(nid))), value=limit.value, unit=lines.unit(limit.unit)))
    return out + [t("page.limit-note")]
