"""Bad input never produces a 500: many malformed variants of valid requests, every answer checked.

A hand-rolled, seeded mutation loop (reproducible; ``CDS_FUZZ_VARIANTS`` runs more): each variant
is a real request (the golden patients, all three hooks) with one to three nodes anywhere in its
JSON tree deleted or replaced by a hostile value, or its bytes truncated, flipped or wrapped. Every
answer must be 2xx or 4xx (never 5xx); the checking client of ``conftest.serve`` also asserts the
response rules on every 200 and an OperationOutcome on every 4xx.
"""

from __future__ import annotations

import copy
import os
import random
from typing import Any, Iterator

import orjson
import pytest

from tests.api.bodies import PATIENT_VIEW
from tests.golden.runner import load_fixtures

VARIANTS = int(os.environ.get("CDS_FUZZ_VARIANTS", "240"))
FEEDBACK_VARIANTS = VARIANTS // 4
SERVICE = {
    "patient-view": "/cds-services/bone-health-patient-view",
    "order-select": "/cds-services/bone-health-order-select",
    "order-sign": "/cds-services/bone-health-order-sign",
}


def _nested(depth: int) -> Any:
    value: Any = {"resourceType": "Observation"}
    for _ in range(depth):
        value = {"entry": [{"resource": value}]}
    return value


HOSTILE: tuple[Any, ...] = (
    None, "", " ", [], {}, 0, -1, 1.5, -1e308, 1e308, 2**63, 2**64 + 1, 10**40, -(10**40), True, False,
    "x" * 20_000, "\u0000", "\ud7ff💥\u202e", "NaN", "Infinity", "-1", "1e999",
    "2025-13-45", "1950-02-30", "0000-00-00", "9999-12-31T23:59:59Z", "1950", "2025-06-02T25:61:00+14:00",
    "Patient/../..", "Patient/", "/", "urn:uuid:", "http://attacker.example/fhir",
    [None], [[[[[]]]]], [{}], [1, "a", None], {"": None}, {"resourceType": None}, {"resourceType": 5},
    {"resourceType": "OperationOutcome", "issue": [{"severity": "fatal"}]},
    {"resourceType": "Bundle", "entry": "x"}, {"resourceType": "Bundle", "entry": [None, 1, {"resource": 2}]},
    {"resourceType": "Bundle", "link": [{"relation": "next", "url": "http://attacker.example/next"}]},
    {"resourceType": "Patient"}, {"resourceType": "Medication", "id": {"x": 1}},
    {"value": 1e308, "unit": "nmol/L", "system": "http://unitsofmeasure.org", "code": "nmol/L"},
    {"value": -0.0, "unit": "ug", "code": "ug"}, {"value": "10", "code": "mg"},
    {"coding": [{"system": 1, "code": None}]}, {"reference": "#"}, {"reference": ["Medication/1"]},
    {"frequency": 0, "period": 0, "periodUnit": "d"}, {"frequency": 10**9, "period": 1e-300, "periodUnit": "h"},
    _nested(40),
)


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _mutate(request: dict, rng: random.Random) -> tuple[dict, list[str]]:
    result = copy.deepcopy(request)
    notes = []
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(result) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = result
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if rng.random() < 0.25:
            del parent[last]
            notes.append(f"del {path}")
        else:
            value = copy.deepcopy(rng.choice(HOSTILE))
            parent[last] = value
            notes.append(f"{path} = {repr(value)[:60]}")
    return result, notes


def _mangle(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    choice = rng.randrange(5)
    if choice == 0:
        cut = rng.randrange(len(raw))
        return raw[:cut], f"truncated at {cut}"
    if choice == 1:
        index = rng.randrange(len(raw))
        return raw[:index] + bytes([rng.randrange(256)]) + raw[index + 1 :], f"byte {index} replaced"
    if choice == 2:
        return b"\xef\xbb\xbf" + raw, "BOM"
    if choice == 3:
        return raw.replace(b'"', b"'", 3), "single quotes"
    return b"[" * 3000 + raw + b"]" * 3000, "deep array"


@pytest.fixture(scope="module")
def seeds() -> list[tuple[str, dict]]:
    return [(f.hook, f.request) for f in load_fixtures()]


async def test_malformed_service_calls_never_get_a_5xx(client, seeds):
    rng = random.Random(20250602)
    failures = []
    statuses: dict[int, int] = {}
    for index in range(VARIANTS):
        hook, request = rng.choice(seeds)
        if rng.random() < 0.8:
            variant, notes = _mutate(request, rng)
            response = await client.post(SERVICE[hook], json=variant)
        else:
            raw, note = _mangle(orjson.dumps(request), rng)
            notes = [note]
            response = await client.post(SERVICE[hook], content=raw, headers={"content-type": "application/json"})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failures.append(f"#{index} {hook} {response.status_code} {response.text[:120]}: {'; '.join(notes)}")
    assert not failures, "\n".join(failures)
    assert statuses.get(200, 0) > VARIANTS // 4 and statuses.get(400, 0) > VARIANTS // 10, statuses


async def test_malformed_feedback_never_gets_a_5xx(client):
    good = {
        "feedback": [
            {"card": "9368d37b-283f-44a0-93ea-547cebab93ee", "outcome": "overridden",
             "overrideReason": {"reason": {"system": "http://example.org/reasons", "code": "x", "display": "X"},
                                "userComment": "comment"},
             "outcomeTimestamp": "2025-06-02T09:31:00Z"},
            {"card": "0c1d7e3a-8f9b-4d2e-a6c5-3b7f9e1d2c4a", "outcome": "accepted",
             "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
             "outcomeTimestamp": "2025-06-02T09:32:00.123456789+02:00"},
        ]
    }
    rng = random.Random(7)
    failures = []
    for index in range(FEEDBACK_VARIANTS):
        variant, notes = _mutate(good, rng)
        response = await client.post("/cds-services/bone-health-patient-view/feedback", json=variant)
        if response.status_code >= 500:
            failures.append(f"#{index} {response.status_code}: {'; '.join(notes)}")
    assert not failures, "\n".join(failures)


async def test_the_mutations_reach_deep_into_the_request(seeds):
    """The loop is only worth something if most mutations land inside prefetch and context data."""
    rng = random.Random(1)
    deep = 0
    for _ in range(200):
        _, request = rng.choice(seeds)
        _, notes = _mutate(request, rng)
        deep += any(("'prefetch'" in n or "'context'" in n) and n.count(",") >= 3 for n in notes)
    assert deep > 120
    assert PATIENT_VIEW["hook"] == "patient-view"  # the bodies module is importable alongside


def _one_resource_per_type(seeds: list[tuple[str, dict]]) -> dict[str, tuple[str, dict, str, int]]:
    """resource type -> (hook, request, prefetch key, entry index) of its first occurrence."""
    found: dict[str, tuple[str, dict, str, int]] = {}
    for hook, request in seeds:
        for key, value in (request.get("prefetch") or {}).items():
            if not isinstance(value, dict):
                continue
            for index, entry in enumerate(value.get("entry") or []):
                kind = entry.get("resource", {}).get("resourceType")
                if kind and kind not in found:
                    found[kind] = (hook, request, key, index)
    return found


async def test_every_top_level_field_of_the_wrong_json_type_never_gets_a_5xx(client, seeds):
    """Type confusion, systematically: each primitive field of each resource type as an object or array."""
    failures = []
    for kind, (hook, request, key, index) in sorted(_one_resource_per_type(seeds).items()):
        resource = request["prefetch"][key]["entry"][index]["resource"]
        for field in [f for f, v in resource.items() if isinstance(v, (str, int, float, bool)) and f != "resourceType"]:
            for wrong in ({"x": 1}, [1]):
                variant = copy.deepcopy(request)
                variant["prefetch"][key]["entry"][index]["resource"][field] = wrong
                response = await client.post(SERVICE[hook], json=variant)
                if response.status_code >= 500:
                    failures.append(f"{kind}.{field} = {wrong!r}")
    assert not failures, ", ".join(failures)
