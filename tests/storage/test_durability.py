"""kill -9 during a feedback burst: every feedback item the service acknowledged (200) is in the
database afterwards, on SQLite and on PostgreSQL; the service starts again on the same database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import select

from cds_service.storage.db import create_db_engine, feedback

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "bone-health-patient-view"
ACKED_BEFORE_KILL = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_service(database_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(CDS_DATABASE_URL=database_url, CDS_LOG_LEVEL="WARNING")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("service did not become ready: " + log.read_text())


def item(card: str) -> dict:
    return {"card": card, "outcome": "overridden", "outcomeTimestamp": "2025-06-02T09:30:00Z"}


def test_kill_9_during_a_feedback_burst_loses_no_acknowledged_feedback(database_url, tmp_path):
    proc, base = start_service(database_url, tmp_path / "service.log")
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst() -> None:
        with httpx.Client(base_url=base, timeout=5) as client:
            while not stop.is_set():
                cards = [str(uuid.uuid4()) for _ in range(3)]
                try:
                    answer = client.post(f"/cds-services/{SERVICE}/feedback", json={"feedback": [item(c) for c in cards]})
                except httpx.TransportError:
                    continue  # the service is gone: not acknowledged
                if answer.status_code == 200:
                    with lock:
                        acknowledged.extend(cards)

    try:
        with ThreadPoolExecutor(8) as pool:
            for _ in range(8):
                pool.submit(burst)
            deadline = time.monotonic() + 60
            while len(acknowledged) < ACKED_BEFORE_KILL * 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)  # requests still in flight
            proc.wait(10)
            stop.set()
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
    assert len(acknowledged) >= ACKED_BEFORE_KILL * 3
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = {row.card_uuid for row in conn.execute(select(feedback.c.card_uuid))}
    finally:
        engine.dispose()
    lost = set(acknowledged) - stored
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged feedback items lost"
    again, _ = start_service(database_url, tmp_path / "service.log")  # the database is still usable
    again.terminate()
    again.wait(30)
