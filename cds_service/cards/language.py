"""The card language (guideline decision 11): the one place it is chosen.

The API calls :func:`negotiate_language` once per request with the request's ``Accept-Language``
and the site's default (``CDS_DEFAULT_LANGUAGE``); the chosen language is passed down as is (the
pipeline, the cards, the guideline page), and nothing below chooses again.
"""

from __future__ import annotations

from typing import Iterable

SUPPORTED_LANGUAGES = ("nl", "en")  # the message catalogues there are (cards/messages/<lang>.json)
DEFAULT_LANGUAGE = "nl"  # the guideline's language; the catalogue other languages fall back to per key


def negotiate_language(
    header: str | None, supported: Iterable[str] = SUPPORTED_LANGUAGES, default: str = DEFAULT_LANGUAGE
) -> str:
    """The supported language the client prefers most (by q-value, then order), else ``default``.

    ``nl-NL`` matches ``nl``; ``*`` matches the default; ``q=0`` means "not acceptable".
    """
    if not header:
        return default
    supported = tuple(supported)
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(header.split(",")[:32]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if not tag or not (0.0 < q <= 1.0):
            continue
        primary = tag.split("-", 1)[0]
        language = default if tag == "*" else primary if primary in supported else None
        if language is None:
            continue
        # higher q wins; at equal q the earlier entry wins
        key = (q, -index, language)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else default
