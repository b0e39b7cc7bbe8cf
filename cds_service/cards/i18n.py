"""Message catalogues: :class:`~cds_service.rules.model.Line` -> text in one language.

Catalogues are flat JSON objects (``messages/<lang>.json``): key -> ``str.format`` template, each
parsed once when the catalogue loads into its literal parts and fields (:class:`Message`), so a call
only fills them in and formats only the parameters its template uses. A
parameter is formatted by type: a nested ``Line`` is rendered in the same language, a list is joined
("a, b and c"), a number uses the language's decimal separator, a date the language's date format,
``None`` the "unknown" text. Text that came from the record is escaped when the target is Markdown.
A missing key or parameter never raises: the key (or ``?``) is shown instead and the gap is visible.

A key with a ``<key>.same`` variant is rendered with that variant when its ``display`` parameter (the
record's text) only repeats its ``kind`` parameter in this language, so a line never reads
"Osteoporose: Osteoporose".

Numbers and plurals follow the language's CLDR rules through Babel: a number is written with the
language's decimal and group separators ("2,84" and "1.000" in Dutch), and a placeholder with a
format spec names a plural message, ``{days:day}`` -> ``plural.day.one`` / ``plural.day.other``
with ``{n}`` the number ("1 dag", "2 dagen"), so no template needs a hand-made "(s)".
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from babel import Locale
from babel.numbers import parse_pattern

from cds_service.cards.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from cds_service.knowledge.model import normalize_text
from cds_service.rules.model import Line

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    if _MARKDOWN_SPECIAL.search(text) is None:  # most texts: nothing to escape, no copy
        return text
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


NUMBER_PATTERN = parse_pattern("#,##0.##")  # grouping, at most two decimals (as the cards always had)
_CENT = Decimal("0.01")


_FORMATTER = string.Formatter()
_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    spec: str  # a plural message name ("day") or a str.format spec
    conversion: str | None  # "r", "s" or "a"


_CONVERSIONS: dict[str, Callable[[object], str]] = {"r": repr, "s": str, "a": ascii}


class Message:
    """One template, parsed once when its catalogue loads: its literal text and fields in order.

    ``same``: the compiled ``<key>.same`` variant, if the catalogue has one. A template that
    ``str.format`` could not fill (unbalanced braces, positional or dotted fields) has one literal
    part: it is shown raw, as a broken template always was.
    """

    __slots__ = ("template", "parts", "same")

    def __init__(self, template: str, same: "Message | None" = None) -> None:
        self.template = template
        self.same = same
        self.parts: tuple[str | _Field, ...] = (template,)
        parts: list[str | _Field] = []
        try:
            for literal, name, spec, conversion in _FORMATTER.parse(template):
                if literal:
                    parts.append(literal)
                if name is None:
                    continue
                if not name.isidentifier() or "{" in (spec or "") or (conversion and conversion not in _CONVERSIONS):
                    return
                parts.append(_Field(name, spec or "", conversion))
        except ValueError:
            return
        self.parts = tuple(parts)


class Catalogue:
    """One language's messages, each compiled once (:class:`Message`), with type-aware parameter
    formatting."""

    def __init__(self, language: str, messages: dict[str, str]) -> None:
        self.language = language
        self.messages = messages
        self.locale = Locale.parse(language)
        symbols = self.locale.number_symbols[self.locale.default_numbering_system]
        self._separators = str.maketrans({",": symbols["group"], ".": symbols["decimal"]})
        self._compiled = {
            key: Message(template, Message(messages[f"{key}.same"]) if f"{key}.same" in messages else None)
            for key, template in messages.items()
        }
        self._unknown = messages.get("value.unknown", "?")
        self._date_format = messages.get("format.date", "%Y-%m-%d")
        self._and = messages.get("list.and", " and ")

    def has(self, key: str) -> bool:
        return key in self.messages

    def text(self, line: Line | str, *, markdown: bool = False) -> str:
        """Render a line (or a bare key) in this language."""
        if isinstance(line, str):
            return self._render(line, None, markdown)
        return self._render(line.key, line.params, markdown)

    def _render(self, key: str, params: dict[str, Any] | None, markdown: bool) -> str:
        message = self._compiled.get(key)
        if message is None:
            return key
        if not params:
            params = {}
        elif message.same is not None and "kind" in params and "display" in params and _repeats(
            self.value(params["kind"], markdown=markdown), self.value(params["display"], markdown=markdown)
        ):
            message = message.same
        out: list[str] = []
        for part in message.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            name, spec, conversion = part.name, part.spec, part.conversion
            value = params.get(name, _MISSING)
            if value is _MISSING:
                text = "?"
            elif value.__class__ is int or value.__class__ is float:
                text = self.number(value)
                if spec and conversion is None:  # {days:day}: the plural message "2 dagen"
                    out.append(self.plural(spec, value, text))
                    continue
            else:
                text = self.value(value, markdown=markdown)
            if conversion is not None:
                text = _CONVERSIONS[conversion](text)
            if spec:
                try:
                    text = format(text, spec)
                except ValueError:  # a spec a text cannot take: the template is shown raw
                    return message.template
            out.append(text)
        return "".join(out)

    def plural(self, name: str, count: float, text: str | None = None) -> str:
        """``plural.<name>.<CLDR form>`` with ``{n}`` the formatted count ("2 dagen")."""
        form = self.locale.plural_form(abs(count))
        template = self.messages.get(f"plural.{name}.{form}") or self.messages.get(f"plural.{name}.other")
        number = self.number(count) if text is None else text
        return template.replace("{n}", number) if template else f"{number} {name}"

    def value(self, value: Any, *, markdown: bool = False) -> str:
        """Format one parameter value."""
        cls = value.__class__
        if cls is str:
            return escape_markdown(value) if markdown else value
        if cls is Line:
            return self.text(value, markdown=markdown)
        if cls is int or cls is float:
            return self.number(value)
        if isinstance(value, Line):
            return self.text(value, markdown=markdown)
        if isinstance(value, (list, tuple)):
            return self.join([self.value(v, markdown=markdown) for v in value])
        if value is None:
            return self._unknown
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, (int, float)):
            return self.number(value)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.strftime(self._date_format)
        text = str(value)
        return escape_markdown(text) if markdown else text

    def number(self, value: float) -> str:
        """The number in this language: up to 2 decimals, with the language's CLDR decimal and group
        symbols from Babel ("1.234,5" in Dutch, "1,234.5" in English).

        The same text as Babel's ``#,##0.##`` pattern (``NUMBER_PATTERN``; a test compares them over
        a range of values) at about 1 µs instead of 20-40 µs: numbers are most parameters of the
        lines on a card, and the pattern alone doubled the cards stage of a call (measured on the
        golden patients: 0.66 against 0.35 ms a patient).
        """
        if float(value).is_integer() and -1000 < value < 1000:
            return str(int(value))
        text = f"{Decimal(repr(float(value))).quantize(_CENT, ROUND_HALF_EVEN):,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.translate(self._separators)

    def join(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + self._and + items[-1]


def _repeats(kind: str, display: str) -> bool:
    """Whether the record's text says no more than the kind (case, accents and punctuation aside)."""
    return normalize_text(display) == normalize_text(kind)


def load_messages(language: str) -> dict[str, str]:
    """``messages/<lang>.json`` plus any ``messages/<part>.<lang>.json`` (e.g. another layer's keys)."""
    messages: dict[str, str] = {}
    paths = [MESSAGES_DIR / f"{language}.json", *sorted(MESSAGES_DIR.glob(f"*.{language}.json"))]
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            messages.update(json.load(fh))
    return messages


@lru_cache(maxsize=None)
def catalogue(language: str) -> Catalogue:
    """The catalogue for a supported language (chosen by :mod:`cds_service.cards.language`); missing
    keys fall back to the default language. Loaded and compiled once per language per process, when
    the pipeline builds its card parts at start-up; each call then looks it up here. Measured (issue 11,
    2026-12-07): building it costs 1.75 ms (reading the JSON 0.45 ms, compiling the rest), against a
    100-resource patient-view of about 10 ms CPU: well over the 5 % a memo must save to stay."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"no message catalogue for {language!r}; choose with cards.language.negotiate_language")
    messages = dict(load_messages(DEFAULT_LANGUAGE))
    messages.update(load_messages(language))
    return Catalogue(language, messages)
