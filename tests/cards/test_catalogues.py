"""The nl and en message catalogues: same keys, same placeholders, short summaries, no gaps."""

from __future__ import annotations

import json
import string
from datetime import date

import pytest

from cds_service.cards.i18n import MESSAGES_DIR, catalogue, load_messages
from cds_service.cards.model import MAX_SUMMARY
from cds_service.cards.render import SUPPORTED_LANGUAGES
from cds_service.rules.model import Line
from tests.cards.scenarios import SCENARIOS
from tests.rules.builders import run

LANGS = SUPPORTED_LANGUAGES


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_a_catalogue_file():
    for lang in LANGS:
        assert (MESSAGES_DIR / f"{lang}.json").is_file()
        json.loads((MESSAGES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def test_catalogues_have_the_same_keys():
    nl, en = load_messages("nl"), load_messages("en")
    assert set(nl) == set(en), sorted(set(nl) ^ set(en))


def test_catalogues_have_the_same_placeholders_per_key():
    nl, en = load_messages("nl"), load_messages("en")
    diff = {k: (fields(nl[k]), fields(en[k])) for k in nl if fields(nl[k]) != fields(en.get(k, ""))}
    assert not diff


def test_every_template_is_well_formed():
    for lang in LANGS:
        for key, template in load_messages(lang).items():
            assert isinstance(template, str) and template.strip(), key
            list(string.Formatter().parse(template))  # raises on a stray brace


def _longest(prefix: str, lang: str) -> Line:
    messages = load_messages(lang)
    return Line(max((k for k in messages if k.startswith(prefix)), key=lambda k: len(messages[k])))


def long_params(lang: str) -> dict[str, object]:
    """Realistic worst-case values for every placeholder a summary uses."""
    nutrients = [Line(f"nutrient.{n}") for n in ("calcium", "magnesium", "vitamin-d", "vitamin-k2", "soy-isoflavones")]
    return {
        "nmol": 1234.56,
        "mmol": 3.45,
        "date": date(2026, 12, 31),
        "weeks": 12,
        "count": 12,
        "limit": 30,
        "nutrients": nutrients,
        "nutrient": _longest("nutrient.", lang),
        "condition": _longest("condition.", lang),
        "group": _longest("group.", lang),
    }


@pytest.mark.parametrize("lang", LANGS)
def test_every_summary_fits_with_long_parameters(lang):
    cat = catalogue(lang)
    params = long_params(lang)
    summaries = [k for k in cat.messages if k.startswith("summary.")]
    assert len(summaries) >= 25
    for key in summaries:
        needed = fields(cat.messages[key])
        unknown = needed - set(params)
        text = cat.text(Line(key, {**params, **{u: "x" * 30 for u in unknown}}))
        assert "?" not in text or "?" in cat.messages[key], (key, text)
        assert len(text) <= MAX_SUMMARY, (lang, key, len(text), text)


# What a summary may hold: numbers, dates and the catalogue's own words, never free text from the
# record (decision 16: a long order or condition text must not push the point past 140 characters).
SUMMARY_PARAMS = {"nmol", "mmol", "date", "weeks", "count", "limit", "nutrients", "nutrient", "condition", "group",
                  "value", "unit", "egfr"}


@pytest.mark.parametrize("lang", LANGS)
def test_summaries_take_no_free_text_from_the_record(lang):
    messages = load_messages(lang)
    for key in (k for k in messages if k.startswith("summary.")):
        assert fields(messages[key]) <= SUMMARY_PARAMS, (key, fields(messages[key]) - SUMMARY_PARAMS)


def specs(template: str) -> set[str]:
    return {spec for _, name, spec, _ in string.Formatter().parse(template) if name and spec}


@pytest.mark.parametrize("lang", LANGS)
def test_plurals_come_from_the_language_rules_not_hand_made(lang):
    messages = load_messages(lang)
    for key, template in messages.items():
        assert "(s)" not in template and "(en)" not in template, key
        for spec in specs(template):
            assert f"plural.{spec}.one" in messages and f"plural.{spec}.other" in messages, (key, spec)
    cat = catalogue(lang)
    one, two = cat.text(Line("fact.lab-order-draft", {"date": date(2026, 1, 2), "days": 1})), cat.text(
        Line("fact.lab-order-draft", {"date": date(2026, 1, 2), "days": 2}))
    assert ("1 dag na" in one and "2 dagen na" in two) if lang == "nl" else ("1 day after" in one and "2 days after" in two)


@pytest.mark.parametrize("lang", LANGS)
def test_numbers_are_what_babel_writes(lang):
    """Catalogue.number formats with Babel's CLDR symbols itself (fast); it must equal Babel's pattern."""
    import random

    from cds_service.cards.i18n import NUMBER_PATTERN

    cat = catalogue(lang)
    rng = random.Random(16)
    values = [rng.uniform(-5000, 250000) for _ in range(3000)]
    values += [round(rng.uniform(0, 1000), digits) for digits in (1, 2, 3) for _ in range(1000)]
    values += [2.845, 2.835, 0.005, 0.015, 999.995, 1000, 1e6, -1234.5, 12]
    assert [cat.number(v) for v in values] == [NUMBER_PATTERN.apply(v, cat.locale) for v in values]


def test_numbers_follow_the_language():
    nl, en = catalogue("nl"), catalogue("en")
    assert [nl.value(v) for v in (1000, 2.84, 80000, 12.5, 7)] == ["1.000", "2,84", "80.000", "12,5", "7"]
    assert [en.value(v) for v in (1000, 2.84, 80000, 12.5, 7)] == ["1,000", "2.84", "80,000", "12.5", "7"]
    assert nl.plural("supplement", 1) == "1 supplement" and nl.plural("supplement", 3) == "3 supplementen"
    assert en.plural("course", 1) == "1 short course" and en.plural("course", 0) == "0 short courses"


def test_one_spelling_of_each_lab_unit_per_language():
    from cds_service.rules.lines import lab_unit

    nl, en = catalogue("nl"), catalogue("en")
    for recorded in ("nmol/L", "nmol/l", "NMOL/L", "nmol / l"):
        assert nl.value(lab_unit(recorded)) == "nmol/l" and en.value(lab_unit(recorded)) == "nmol/L"
    assert en.value(lab_unit("µg/l")) == en.value(lab_unit("ug/L")) == "µg/L"
    assert nl.value(lab_unit("mg/dL")) == "mg/dl" and en.value(lab_unit("mg/dl")) == "mg/dL"
    assert lab_unit("IE/ml") == "IE/ml" and lab_unit(None) == "?"  # unknown: shown as recorded
    for lang in LANGS:  # the catalogue's own texts use the same spelling
        wrong = "nmol/L" if lang == "nl" else "nmol/l"
        assert not [k for k, t in load_messages(lang).items() if wrong in t]


def _walk(value):
    if isinstance(value, Line):
        yield value
        for v in value.params.values():
            yield from _walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)


def _lines(rec):
    yield from _walk(rec.summary)
    for group in (rec.facts, rec.advice, rec.already_taken, rec.unchecked):
        yield from _walk(list(group))
    for w in rec.withheld:
        yield from _walk(w.reason)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_line_the_rules_produce_is_in_both_catalogues(name):
    recs = run(SCENARIOS[name])
    assert recs or name == "ngml-on-target"
    for lang in LANGS:
        cat = catalogue(lang)
        for rec in recs:
            for line in _lines(rec):
                assert cat.has(line.key), (lang, rec.code, line.key)
                missing = fields(cat.messages[line.key]) - set(line.params)
                assert not missing, (lang, line.key, missing)
            assert cat.has(f"topic.{rec.code}")


def test_scenarios_cover_every_patient_view_card_type():
    codes = {rec.code for facts in SCENARIOS.values() for rec in run(facts)}
    assert codes == {
        "bone-supplements",
        "vitd-status",
        "vitd-recheck",
        "safety-k2-vka",
        "safety-hypercalcaemia",
        "safety-vitd-excess",
        "safety-mineral-spacing",
        "safety-magnesium-kidney",
        "safety-soy-endocrine",
        "safety-soy-levothyroxine",
        "safety-ipriflavone",
        "safety-active-vitd",
        "dose-upper-limit",
    }
