"""Message catalogues: :class:`~cds_service.rules.model.Line` -> text in one language.

Catalogues are flat JSON objects (``messages/<lang>.json``): key -> ``str.format`` template. A
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
from decimal import ROUND_HALF_EVEN, Decimal
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import parse_pattern

from cds_service.knowledge.model import normalize_text
from cds_service.rules.model import Line

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"
DEFAULT_LANGUAGE = "nl"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    if _MARKDOWN_SPECIAL.search(text) is None:  # most texts: nothing to escape, no copy
        return text
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


NUMBER_PATTERN = parse_pattern("#,##0.##")  # grouping, at most two decimals (as the cards always had)
_CENT = Decimal("0.01")


class _Number(str):
    """A formatted number that can also be formatted as a plural message: ``{days:day}``."""

    __slots__ = ("catalogue", "raw")
    catalogue: "Catalogue"
    raw: float

    def __new__(cls, text: str, catalogue: "Catalogue", raw: float) -> "_Number":
        obj = super().__new__(cls, text)
        obj.catalogue = catalogue
        obj.raw = raw
        return obj

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        return self.catalogue.plural(spec, self.raw, str(self))


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "?"


class Catalogue:
    """One language's messages, with type-aware parameter formatting."""

    def __init__(self, language: str, messages: dict[str, str]) -> None:
        self.language = language
        self.messages = messages
        self.locale = Locale.parse(language)
        symbols = self.locale.number_symbols[self.locale.default_numbering_system]
        self._separators = str.maketrans({",": symbols["group"], ".": symbols["decimal"]})

    def has(self, key: str) -> bool:
        return key in self.messages

    def text(self, line: Line | str, *, markdown: bool = False) -> str:
        """Render a line (or a bare key) in this language."""
        if isinstance(line, str):
            key, params = line, None
        else:
            key, params = line.key, line.params
        return self._render(key, params or {}, markdown)

    def _render(self, key: str, params: dict[str, Any], markdown: bool) -> str:
        template = self.messages.get(key)
        if template is None:
            return key
        values = _Params({k: self._param(v, markdown) for k, v in params.items()})
        if "kind" in values and "display" in values:
            same = self.messages.get(f"{key}.same")
            if same is not None and _repeats(values["kind"], values["display"]):
                template = same
        try:
            return template.format_map(values)
        except (ValueError, IndexError, AttributeError, KeyError):  # a broken template: show it raw
            return template

    def _param(self, value: Any, markdown: bool) -> str:
        """A template parameter: numbers keep their value, for plural format specs."""
        cls = value.__class__
        if cls is int or cls is float:
            return _Number(self.number(value), self, value)
        return self.value(value, markdown=markdown)

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
            return self.messages.get("value.unknown", "?")
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, (int, float)):
            return self.number(value)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.strftime(self.messages.get("format.date", "%Y-%m-%d"))
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
        return ", ".join(items[:-1]) + self.messages.get("list.and", " and ") + items[-1]


def _repeats(kind: str, display: str) -> bool:
    """Whether the record's text says no more than the kind (case, accents and punctuation aside)."""
    return normalize_text(display) == normalize_text(kind)


@lru_cache(maxsize=None)
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
    """The catalogue for a supported language; missing keys fall back to the default language."""
    messages = dict(load_messages(DEFAULT_LANGUAGE))
    messages.update(load_messages(language))
    return Catalogue(language, messages)
