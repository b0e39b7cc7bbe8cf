"""Every answered card is on record, even when the service is killed with SIGKILL (issue 10: records
still in the writer's queue were lost, 17 of 1,316 in one run).

The real server (the README's command, SQLite) answers concurrent patient-view calls that give
cards; mid-load it is killed with ``kill -9`` (no shutdown, no flush). Every card uuid of every
answer the clients received must then be in ``issued_cards``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time

import httpx
import orjson

from bench import data, servers

CONCURRENCY = 12
LOAD_SECONDS = 1.5


async def _load(url: str, body: bytes, stop_at: float) -> list[str]:
    answered: list[str] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            try:
                response = await client.post(url, content=body, headers={"Content-Type": "application/json"})
            except httpx.HTTPError:
                return  # the server is gone
            if response.status_code == 200:
                answered.extend(card["uuid"] for card in response.json()["cards"])

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return answered


async def _load_then_kill(url: str, body: bytes, pid: int) -> list[str]:
    load = asyncio.create_task(_load(url, body, time.monotonic() + 30))
    await asyncio.sleep(LOAD_SECONDS)
    os.kill(pid, signal.SIGKILL)  # mid-load: calls in flight, records being written
    return await load


def test_every_answered_card_is_on_record_after_kill_9(tmp_path):
    db = tmp_path / "kill.db"
    body = orjson.dumps(data.patient_view_request(20))
    with servers.start("service", workers=1, env={"CDS_DATABASE_URL": f"sqlite:///{db}",
                                                   "CDS_LOG_LEVEL": "WARNING"}) as server:
        url = f"{server.base_url}/cds-services/bone-health-patient-view"
        answered = asyncio.run(_load_then_kill(url, body, server.proc.pid))
        server.proc.wait(timeout=10)
    assert server.proc.returncode == -signal.SIGKILL
    assert len(answered) > 50, "too few answers before the kill to prove anything"
    with sqlite3.connect(db) as conn:
        recorded = {row[0] for row in conn.execute("SELECT card_uuid FROM issued_cards")}
    missing = [uuid for uuid in answered if uuid not in recorded]
    assert not missing, f"{len(missing)} of {len(answered)} answered cards are not on record"
