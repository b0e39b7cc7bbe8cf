"""Prometheus metrics: what is counted, who may read /metrics, several workers adding up, and that
no label carries patient data, a token or free text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from cds_service.cards.render import OVERRIDE_CODES
from cds_service.metrics.http import MeteredClient
from cds_service.metrics.registry import record_auth_rejection
from tests.api.conftest import PRODUCTION, serve
from tests.storage.test_durability import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "examples" / "patient-view.json").read_text())
SERVICE = "bone-health-patient-view"
TOKEN = "metrics-token-for-tests-0123456789"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def metric_lines(body: str) -> list[str]:
    return [line for line in body.splitlines() if line and not line.startswith("#")]


async def test_calls_cards_and_feedback_are_counted_without_patient_data(client):
    calls = value("cds_call_duration_seconds_count", service=SERVICE, outcome="cards")
    answer = await client.post(f"/cds-services/{SERVICE}", json=EXAMPLE, headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    cards = answer.json()["cards"]
    assert value("cds_call_duration_seconds_count", service=SERVICE, outcome="cards") == calls + 1
    feedback = [
        {"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2025-06-02T09:30:00Z",
         "overrideReason": {"reason": {"code": OVERRIDE_CODES[0], "system": "x"}, "userComment": "Mrs Jansen said no"}},
        {"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2025-06-02T09:31:00Z",
         "overrideReason": {"reason": {"code": "Jansen-1956", "system": "x"}}},
    ]
    before = value("cds_feedback_total", service=SERVICE, outcome="overridden", override_reason=OVERRIDE_CODES[0])
    other = value("cds_feedback_total", service=SERVICE, outcome="overridden", override_reason="other")
    assert (await client.post(f"/cds-services/{SERVICE}/feedback", json={"feedback": feedback})).status_code == 200
    assert value("cds_feedback_total", service=SERVICE, outcome="overridden", override_reason=OVERRIDE_CODES[0]) == before + 1
    assert value("cds_feedback_total", service=SERVICE, outcome="overridden", override_reason="other") == other + 1

    exposed = await client.get("/metrics")
    assert exposed.status_code == 200 and exposed.headers["content-type"].startswith("text/plain")
    body = exposed.text
    code = cards[0]["source"]["topic"]["code"]
    assert f'cds_cards_total{{indicator="{cards[0]["indicator"]}",recommendation="{code}",service="{SERVICE}"}}' in body
    patient = EXAMPLE["prefetch"]["patient"]
    forbidden = [patient["id"], patient["birthDate"], EXAMPLE["hookInstance"], "Jansen", cards[0]["uuid"]]
    for line in metric_lines(body):
        for text in forbidden:
            assert text not in line


async def test_refused_calls_are_counted_by_status(client):
    before = value("cds_call_duration_seconds_count", service=SERVICE, outcome="http-400")
    answer = await client.post(f"/cds-services/{SERVICE}", json={"hook": "patient-view"})
    assert answer.status_code == 400
    assert value("cds_call_duration_seconds_count", service=SERVICE, outcome="http-400") == before + 1


@pytest.mark.parametrize(
    "overrides, peer, headers, status",
    [
        ({}, "127.0.0.1", {}, 200),  # development: loopback
        ({}, "10.1.2.3", {}, 403),  # development: not loopback
        ({**PRODUCTION}, "127.0.0.1", {}, 403),  # production: loopback is not enough
        ({**PRODUCTION, "metrics_token": TOKEN}, "10.1.2.3", {"Authorization": f"Bearer {TOKEN}"}, 200),
        ({**PRODUCTION, "metrics_token": TOKEN}, "10.1.2.3", {"Authorization": "Bearer wrong"}, 403),
        ({**PRODUCTION, "metrics_token": TOKEN}, "127.0.0.1", {}, 403),
    ],
)
async def test_who_may_read_metrics(app_factory, knowledge, overrides, peer, headers, status):
    from pydantic import SecretStr

    if "metrics_token" in overrides:
        overrides = {**overrides, "metrics_token": SecretStr(overrides["metrics_token"])}
    app = app_factory(knowledge=knowledge, **overrides)
    async with serve(app, client_addr=(peer, 50000)) as client:
        answer = await client.get("/metrics", headers=headers)
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["resourceType"] == "OperationOutcome"


def test_auth_rejection_reasons_are_bounded():
    record_auth_rejection("missing claim exp")
    record_auth_rejection("a reason with a Value from a client: eyJhbGciOi")
    assert value("cds_auth_rejections_total", reason="missing claim") >= 1
    assert value("cds_auth_rejections_total", reason="other") >= 1


async def test_fhir_requests_are_timed_by_resource_type_and_outcome():
    def handler(request: httpx.Request) -> httpx.Response:
        if "Observation" in request.url.path:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"resourceType": "Patient", "id": "secret-id"})

    ok = value("cds_fhir_fetch_duration_seconds_count", resource="Patient", outcome="2xx")
    slow = value("cds_fhir_fetch_duration_seconds_count", resource="Observation", outcome="timeout")
    async with MeteredClient(transport=httpx.MockTransport(handler)) as client:
        await client.get("https://fhir.example.org/r4/Patient/secret-id")
        with pytest.raises(httpx.ReadTimeout):
            await client.get("https://fhir.example.org/r4/Observation?patient=secret-id")
    assert value("cds_fhir_fetch_duration_seconds_count", resource="Patient", outcome="2xx") == ok + 1
    assert value("cds_fhir_fetch_duration_seconds_count", resource="Observation", outcome="timeout") == slow + 1


def test_two_workers_add_up_in_multiprocess_mode(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(CDS_DATABASE_URL=f"sqlite:///{tmp_path / 'm.db'}", CDS_LOG_LEVEL="WARNING")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_999.db").write_bytes(b"stale")  # an earlier run's file: removed at start
    proc = subprocess.Popen(
        [sys.executable, "-m", "cds_service", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "service did not start"
            time.sleep(0.1)
        pids = set()

        def call(_: int) -> int:  # a new connection each: the kernel spreads them over the workers
            with httpx.Client(base_url=base, timeout=10) as client:
                return client.post(f"/cds-services/{SERVICE}", json=EXAMPLE).status_code

        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(call, range(30))) == [200] * 30
        for path in (tmp_path / "metrics").glob("*.db"):
            pids.add(path.stem.rsplit("_", 1)[-1])
        body = httpx.get(f"{base}/metrics", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(30)
    count = re.search(rf'cds_call_duration_seconds_count{{outcome="cards",service="{SERVICE}"}} (\S+)', body)
    assert count and float(count.group(1)) == 30.0, body[:2000]
    # the stale file is gone; each worker that answered wrote its own files, and /metrics (served by
    # one worker) added them all up to 30
    assert "999" not in pids and pids
