"""Message catalogues: :class:`~cds_service.rules.model.Line` -> text in one language.

Catalogues are flat JSON objects (``messages/<lang>.json``): key -> ``str.format`` template. A
parameter is formatted by type: a nested ``Line`` is rendered in the same language, a list is joined
("a, b and c"), a number uses the language's decimal separator, a date the language's date format,
``None`` the "unknown" text. Text that came from the record is escaped when the target is Markdown.
A missing key or parameter never raises: the key (or ``?``) is shown instead and the gap is visible.

A key with a ``<key>.same`` variant is rendered with that variant when its ``display`` parameter (the
record's text) only repeats its ``kind`` parameter in this language, so a line never reads
"Osteoporose: Osteoporose".
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cds_service.knowledge.model import normalize_text
from cds_service.rules.model import Line

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"
DEFAULT_LANGUAGE = "nl"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "?"


class Catalogue:
    """One language's messages, with type-aware parameter formatting."""

    def __init__(self, language: str, messages: dict[str, str]) -> None:
        self.language = language
        self.messages = messages
        self._plain: dict[str, str] = {}  # key -> text of lines without parameters (half of all)

    def has(self, key: str) -> bool:
        return key in self.messages

    def text(self, line: Line | str, *, markdown: bool = False) -> str:
        """Render a line (or a bare key) in this language."""
        if isinstance(line, str):
            line = Line(line)
        if not line.params:
            plain = self._plain.get(line.key)
            if plain is None:
                plain = self._plain[line.key] = self._render(line, markdown)
            return plain
        return self._render(line, markdown)

    def _render(self, line: Line, markdown: bool) -> str:
        template = self.messages.get(line.key)
        if template is None:
            return line.key
        params = _Params({k: self.value(v, markdown=markdown) for k, v in line.params.items()})
        same = self.messages.get(f"{line.key}.same")
        if same is not None and "kind" in params and "display" in params and _repeats(params["kind"], params["display"]):
            template = same
        try:
            return template.format_map(params)
        except (ValueError, IndexError, AttributeError, KeyError):  # a broken template: show it raw
            return template

    def value(self, value: Any, *, markdown: bool = False) -> str:
        """Format one parameter value."""
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
        if float(value).is_integer():
            return str(int(value))
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", self.messages.get("format.decimal", "."))

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
