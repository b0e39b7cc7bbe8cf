"""GET /guideline: the public guideline page every card links to (decision 16)."""

from __future__ import annotations

import re

from tests.api.conftest import serve
from tests.api.test_health import DenyAll

FIXTURE = "tests/golden/patients/01-f68-osteoporosis-no-supplements.json"


async def test_the_page_is_public_html_without_external_assets(app):
    async with serve(app) as client:
        app.state.authenticator = DenyAll()  # a service call would get 401: the page needs no token
        response = await client.get("/guideline")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-language"] == "nl"  # the configured default
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "Accept-Language" in response.headers["vary"]
    html = response.text
    assert html.startswith("<!DOCTYPE html>") and '<html lang="nl">' in html
    assert "<script" not in html and " src=" not in html and "<link" not in html and "url(" not in html
    # the only links are to the guidelines the knowledge names
    assert re.findall(r'href="([^"]+)"', html) == ["https://richtlijnen.nhg.org/standaarden/fractuurpreventie"]


async def test_language_by_query_then_accept_language(client):
    en = await client.get("/guideline", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert en.headers["content-language"] == "en" and "Points of attention" in en.text
    nl = await client.get("/guideline?lang=nl", headers={"Accept-Language": "en"})
    assert nl.headers["content-language"] == "nl" and "Aandachtspunten" in nl.text
    other = await client.get("/guideline?lang=fr", headers={"Accept-Language": "en"})
    assert other.headers["content-language"] == "en"  # an unsupported ?lang= is ignored
    assert (await client.get("/guideline?lang=fr")).headers["content-language"] == "nl"


async def test_the_background_left_the_card_for_the_page(client, knowledge):
    """What decision 16 moves off the card is on the page, in both languages, with the knowledge's numbers."""
    nl = (await client.get("/guideline?lang=nl")).text
    en = (await client.get("/guideline?lang=en")).text
    for text in (
        "Ipriflavone (600 mg a day in the guideline) is information only",
        "Diet: avoid an excess of protein",
        "do not replace, fracture-risk assessment and drug treatment",
        "Binkley 2009",
        "20–25 microgram (800–1,000 IU)",
        "best used together",
        "probably less effective",
        "roughly 300 mg per dairy serving",  # decision 17
        "MK-7 supplements are dosed in micrograms",
        "above 375 nmol/L: toxic range (critical)",
        "Calcium: 2,500 mg a day from supplements",
        "Rule version " + knowledge.version,
    ):
        assert text in en, text
    assert "Ipriflavon (600 mg per dag in de richtlijn)" in nl and "Calcium: 2.500 mg per dag" in nl
    assert "90–100 nmol/l (36–40 ng/ml)" in nl and "90–100 nmol/L (36–40 ng/mL)" in en


async def test_not_served_before_start_up(app, client):
    app.state.guideline_pages = None
    response = await client.get("/guideline")
    assert response.status_code == 503 and response.json()["resourceType"] == "OperationOutcome"


def _request() -> dict:
    import json
    from pathlib import Path

    return json.loads(Path(FIXTURE).read_text(encoding="utf-8"))["request"]


async def test_cards_link_the_page_on_the_public_base_url(app_factory, knowledge):
    app = app_factory(knowledge=knowledge, public_base_url="https://cds.example.org/bone/")
    async with serve(app) as client:
        response = await client.post(
            "/cds-services/bone-health-patient-view", json=_request(), headers={"Accept-Language": "en"}
        )
    (card,) = response.json()["cards"]
    assert card["links"][0] == {
        "label": "Background to this card: the guideline, doses and notes",
        "url": "https://cds.example.org/bone/guideline?lang=en",
        "type": "absolute",
    }
    assert card["links"][1]["url"] == "https://richtlijnen.nhg.org/standaarden/fractuurpreventie"


async def test_without_a_public_base_url_cards_link_the_url_the_request_reached(client):
    response = await client.post("/cds-services/bone-health-patient-view", json=_request())
    (card,) = response.json()["cards"]
    assert card["links"][0]["url"] == "http://testserver/guideline?lang=nl"
    assert card["links"][0]["label"].startswith("Achtergrond bij deze kaart")
