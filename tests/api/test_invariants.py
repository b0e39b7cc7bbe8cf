"""The response checker itself: it must reject every kind of violation it claims to check."""

from __future__ import annotations

import copy

import orjson
import pytest

from cds_service.cards.model import CdsResponse, dump_json
from tests.api.fakes import sample_card
from tests.cds_invariants import assert_operation_outcome, assert_valid_cds_response

GOOD = orjson.loads(dump_json(CdsResponse(cards=(sample_card(), sample_card("vitd-status")))))


def broken(mutate) -> dict:
    body = copy.deepcopy(GOOD)
    mutate(body)
    return body


def test_a_valid_response_passes():
    assert_valid_cds_response(GOOD)
    assert_valid_cds_response({"cards": []})


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.pop("cards"),
        lambda b: b["cards"][0].pop("uuid"),
        lambda b: b["cards"][0].update(uuid="card-1"),
        lambda b: b["cards"][1].update(uuid=b["cards"][0]["uuid"]),
        lambda b: b["cards"][0].update(summary="x" * 140),
        lambda b: b["cards"][0].update(indicator="hard-stop"),
        lambda b: b["cards"][0]["source"].pop("label"),
        lambda b: b["cards"][0].pop("selectionBehavior"),
        lambda b: b["cards"][0]["suggestions"][0].pop("uuid"),
        lambda b: b["cards"][0]["suggestions"][0]["actions"][0].pop("description"),
        lambda b: b["cards"][0]["overrideReasons"][0].pop("display"),
        lambda b: b["cards"][0].update(detail=None),
        lambda b: b["cards"][0].update(detail=""),
        lambda b: b["cards"][0].update(links=[]),
        lambda b: b["cards"][0]["source"].update(topic={}),
        lambda b: b["cards"][0]["suggestions"].append(dict(b["cards"][0]["suggestions"][0], uuid="7c9e6679-7425-40de-944b-e07fc1f90ae7")),
        lambda b: b["cards"][0].update(links=[{"label": "x", "url": "https://x", "type": "absolute", "appContext": "a"}]),
        lambda b: b["cards"][0]["suggestions"][0]["actions"].append({"type": "delete", "description": "d", "resource": {"resourceType": "X"}, "resourceId": "X/1"}),
        lambda b: b["cards"][0].update(colour="red"),
    ],
)
def test_violations_are_caught(mutate):
    with pytest.raises(AssertionError):
        assert_valid_cds_response(broken(mutate))


def test_operation_outcome_check():
    assert_operation_outcome(
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid", "diagnostics": "x"}]}
    )
    with pytest.raises(AssertionError):
        assert_operation_outcome({"resourceType": "OperationOutcome", "issue": []})
    with pytest.raises(AssertionError):
        assert_operation_outcome({"detail": "Not Found"})
