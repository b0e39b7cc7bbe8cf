"""GET /cds-services: services, prefetch templates built from the knowledge."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from cds_service.hooks import CatalogueError, build_catalogue
from cds_service.knowledge.model import CodeSet

import dataclasses
import pytest

EXPECTED_KEYS = {
    "patient", "conditions", "medicationRequests", "medicationStatements", "medicationDispenses",
    "labOrders", "procedures", "vitaminD", "calcium", "kidney",
}
TOKEN = re.compile(r"\{\{(.*?)\}\}")


async def test_discovery_lists_one_service_per_hook(client):
    response = await client.get("/cds-services")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    services = response.json()["services"]
    assert {(s["id"], s["hook"]) for s in services} == {
        ("bone-health-patient-view", "patient-view"),
        ("bone-health-order-select", "order-select"),
        ("bone-health-order-sign", "order-sign"),
    }
    for service in services:
        assert service["title"] and service["description"] and service["usageRequirements"]
        assert set(service["prefetch"]) == EXPECTED_KEYS


async def test_templates_use_only_1_0_tokens_and_the_allowed_query_subset(client):
    services = (await client.get("/cds-services")).json()["services"]
    for template in services[0]["prefetch"].values():
        assert TOKEN.findall(template) == ["context.patientId"]
        path, _, query = template.partition("?")
        assert re.fullmatch(r"[A-Z][A-Za-z]+(/\{\{context\.patientId\}\})?", path)
        for name, _value in parse_qsl(query, keep_blank_values=True):
            assert name in {"patient", "code", "_sort", "_count"}, name


async def test_lab_codes_come_from_the_knowledge(client, knowledge):
    prefetch = (await client.get("/cds-services")).json()["services"][0]["prefetch"]

    def codes(key: str) -> set[tuple[str, str]]:
        query = dict(parse_qsl(prefetch[key].partition("?")[2]))
        return {tuple(token.rsplit("|", 1)) for token in query["code"].split(",")}

    assert codes("vitaminD") == set(knowledge.vs("lab-25ohd").codes)
    assert codes("labOrders") == set(knowledge.vs("lab-25ohd").codes)
    assert codes("kidney") == set(knowledge.vs("lab-egfr").codes | knowledge.vs("lab-creatinine").codes)
    assert knowledge.vs("lab-albumin").codes <= codes("calcium")
    assert knowledge.vs("lab-calcium").codes <= codes("calcium")
    assert "_sort=-date" in prefetch["vitaminD"] and "_count=" in prefetch["vitaminD"]
    assert prefetch["medicationRequests"].startswith("MedicationRequest?patient={{context.patientId}}&_sort=-authoredon")


def test_a_value_set_without_searchable_codes_stops_start_up(knowledge):
    sets = dict(knowledge.value_sets)
    sets["lab-egfr"] = CodeSet(id="lab-egfr")
    sets.pop("lab-creatinine")
    broken = dataclasses.replace(knowledge, value_sets=sets)
    with pytest.raises(CatalogueError):
        build_catalogue(broken)
