from __future__ import annotations

import pytest

from cds_service.cards.language import negotiate_language


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, "nl"),
        ("", "nl"),
        ("en", "en"),
        ("EN-us", "en"),
        ("nl-BE", "nl"),
        ("fr-FR, en;q=0.7, nl;q=0.6", "en"),
        ("en;q=0.5, nl;q=0.9", "nl"),
        ("en, nl", "en"),
        ("*", "nl"),
        ("en;q=0", "nl"),
        ("en;q=abc", "nl"),
        ("de, fr", "nl"),
        (";;,,", "nl"),
    ],
)
def test_negotiate_language(header, expected):
    assert negotiate_language(header, ("nl", "en"), "nl") == expected


def test_default_is_used_for_wildcard():
    assert negotiate_language("*", ("nl", "en"), "en") == "en"
