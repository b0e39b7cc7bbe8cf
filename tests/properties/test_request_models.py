"""Property tests over the request models and the HTTP answers: any JSON value in any field of a
request gives a model or a 400 (never another exception), and through HTTP a 200 or a 4xx, never a
5xx (issue 10: a feedback time near year 1 or 9999 once overflowed converting to UTC)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import json
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.api.errors import ApiError
from cds_service.api.models import HookRequest, parse_feedback, parse_hook_request, utc_instant
from starlette.testclient import TestClient

from tests.api.bodies import ORDER_SIGN, PATIENT_VIEW
from tests.api.conftest import checking_hook
from tests.api.test_fuzz import _paths
from tests.conftest import FIXED_NOW
from tests.golden import runner
from tests.golden.runner import load_fixtures
from tests.properties.strategies import JSON

EXAMPLES = settings(max_examples=300, deadline=None)
HTTP_EXAMPLES = settings(max_examples=150, deadline=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FEEDBACK_ITEM = {
    "card": "9368d37b-283f-44a0-93ea-547cebab93ee", "outcome": "accepted",
    "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
    "overrideReason": {"reason": {"code": "x"}, "userComment": "c"},
    "outcomeTimestamp": "2025-06-02T09:32:00Z",
}
SEEDS = [(f.hook, f.request) for f in load_fixtures()]
SERVICE = {"patient-view": "bone-health-patient-view", "order-select": "bone-health-order-select",
           "order-sign": "bone-health-order-sign"}


@st.composite
def replaced(draw, documents):
    """One of ``documents`` with the value at one of its paths (any depth) replaced by any JSON value."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    paths = [p for p in _paths(document) if p]
    path = draw(st.sampled_from(paths))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = draw(JSON)
    return document


@EXAMPLES
@given(replaced([PATIENT_VIEW, ORDER_SIGN]))
def test_hook_request_model(body):
    try:
        request = parse_hook_request(body, body.get("hook") if isinstance(body.get("hook"), str) else "x")
    except ApiError as error:
        assert error.status == 400
    else:
        assert isinstance(request, HookRequest)
        assert request.hook_instance_key


@EXAMPLES
@given(replaced([{"feedback": [FEEDBACK_ITEM]}]))
def test_feedback_model(body):
    try:
        items = parse_feedback(body).feedback
    except ApiError as error:
        assert error.status == 400
    else:
        assert items and all(i.outcomeTimestamp.endswith("Z") for i in items)


@EXAMPLES
@given(st.datetimes(), st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1), st.booleans())
def test_any_rfc3339_time_is_normalised_or_refused(moment, offset_minutes, fraction):
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = (f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S") + (".123456789" if fraction else "")
            + f"{sign}{hours:02d}:{minutes:02d}")
    try:
        normalised = utc_instant(text)
    except ValueError as error:
        assert "outcomeTimestamp" in str(error)
        utc = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
        with pytest.raises(OverflowError):
            utc.astimezone(timezone.utc)
    else:
        expected = moment.replace(microsecond=0) - timedelta(minutes=offset_minutes)
        assert datetime.fromisoformat(normalised.replace("Z", "+00:00")).replace(microsecond=0, tzinfo=None) == expected


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One app for every example (a loopback peer: development lets it in without a JWT); every
    answer is checked against the CDS Hooks response rules."""
    directory = tmp_path_factory.mktemp("properties")
    app = runner.make_app(runner.make_settings(directory), clock=lambda: FIXED_NOW)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as client:
        client.event_hooks = {"response": [checking_hook]}
        yield client


@HTTP_EXAMPLES
@given(data=st.data())
def test_any_json_value_anywhere_in_a_request_gives_200_or_4xx(client, data):
    hook, request = data.draw(st.sampled_from(SEEDS))
    body = data.draw(replaced([request]))
    response = client.post(f"/cds-services/{SERVICE[hook]}", content=json.dumps(body),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text[:200]


@HTTP_EXAMPLES
@given(body=replaced([{"feedback": [FEEDBACK_ITEM]}]))
def test_any_json_value_anywhere_in_feedback_gives_200_or_4xx(client, body):
    response = client.post("/cds-services/bone-health-patient-view/feedback", content=json.dumps(body),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text[:200]
