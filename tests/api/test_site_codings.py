"""Site orderable codings (CDS_SITE_CODINGS_FILE): added to the proposals; a bad file stops start-up."""

from __future__ import annotations

import json

import pytest

from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.site import load_site_codings
from tests.api.conftest import serve
from tests.api.test_flow import PV, example

PRK = "urn:oid:2.16.840.1.113883.2.4.4.10"


def _write(tmp_path, content) -> object:
    path = tmp_path / "site-codings.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _vitamin_d_requests(cards: list[dict]) -> list[dict]:
    return [
        action["resource"]
        for card in cards
        for suggestion in card.get("suggestions", [])
        for action in suggestion.get("actions", [])
        if action.get("resource", {}).get("resourceType") == "MedicationRequest"
        and action["resource"]["instantiatesCanonical"][0].endswith("supplement-vitamin-d")
    ]


async def test_site_codings_are_added_to_proposed_medication(app_factory, knowledge, tmp_path):
    path = _write(tmp_path, {"vitamin-d": [{"system": PRK, "code": "12345", "display": "Colecalciferol 20 µg tablet"}]})
    app = app_factory(knowledge=knowledge, site_codings_file=path)
    async with serve(app) as client:
        response = await client.post(PV, json=example("patient-view.json"))
    assert response.status_code == 200
    resources = _vitamin_d_requests(response.json()["cards"])
    assert resources, "the example patient gets a vitamin D proposal"
    for resource in resources:
        codes = {(c["system"], c["code"]) for c in resource["medicationCodeableConcept"]["coding"]}
        assert (PRK, "12345") in codes
        assert ("http://www.whocc.no/atc", "A11CC05") in codes  # the knowledge's own codes stay


async def test_without_a_file_only_the_knowledge_codes(client):
    response = await client.post(PV, json=example("patient-view.json"))
    for resource in _vitamin_d_requests(response.json()["cards"]):
        assert all(c["system"] != PRK for c in resource["medicationCodeableConcept"]["coding"])


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "JSONDecodeError"),
        ([], "JSON object"),
        ({"vitamin-x": [{"system": PRK, "code": "1"}]}, "unknown nutrient"),
        ({"calcium": []}, "non-empty list"),
        ({"calcium": [{"system": PRK}]}, "system and a code"),
    ],
)
def test_bad_site_codings_file_is_refused(knowledge, tmp_path, content, message):
    with pytest.raises(KnowledgeError, match=message):
        load_site_codings(_write(tmp_path, content), knowledge)


def test_no_file_means_no_codings(knowledge):
    assert load_site_codings(None, knowledge) == {}
