"""Load generation: wrk when it is installed, else a small bounded Python loop (httpx).

Both return the same :class:`LoadResult`. Every run is bounded in time and only ever targets a
loopback address.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


@dataclass
class LoadResult:
    tool: str
    concurrency: int
    requests: int
    seconds: float
    errors: int  # connection errors, timeouts and non-2xx answers
    p50_ms: float
    p95_ms: float
    p99_ms: float
    error_kinds: dict[str, int] = field(default_factory=dict)  # "status 503", "ReadTimeout"... (Python loop)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "rps": round(self.rps, 1)}


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"load is only ever sent to loopback, not {host!r}")


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def ensure_wrk() -> bool:
    """Install wrk from Debian when missing (root only); False when it cannot be had."""
    if have_wrk():
        return True
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=300)
    if not have_wrk():
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=300)
    return have_wrk()


def run_wrk(url: str, body: bytes, *, concurrency: int, seconds: float) -> LoadResult:
    _check_loopback(url)
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp, "body.json")
        body_file.write_bytes(body)
        script = Path(tmp, "post.lua")
        script.write_text(_LUA)
        threads = min(concurrency, 2)
        proc = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
             "-s", str(script), url],
            capture_output=True, text=True, env={**os.environ, "BENCH_BODY": str(body_file)},
            timeout=seconds + 60,
        )
    line = next((l for l in proc.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return LoadResult(
        tool="wrk", concurrency=concurrency, requests=data["requests"], seconds=data["duration_us"] / 1e6,
        errors=data["errors"] + data["non2xx"], p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


async def _python_loop(url: str, body: bytes, concurrency: int, seconds: float, max_requests: int | None) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    stop_at = time.perf_counter() + seconds
    sent = 0
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker() -> None:
            nonlocal errors, sent
            while time.perf_counter() < stop_at and (max_requests is None or sent < max_requests):
                sent += 1
                t0 = time.perf_counter()
                kind = None
                try:
                    response = await client.post(url, content=body, headers=headers)
                    if response.status_code >= 300:
                        kind = f"status {response.status_code}"
                except httpx.HTTPError as exc:
                    kind = type(exc).__name__
                if kind is not None:
                    errors += 1
                    kinds[kind] = kinds.get(kind, 0) + 1
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        tool="python", concurrency=concurrency, requests=len(latencies), seconds=elapsed, errors=errors,
        p50_ms=_percentile(latencies, 50), p95_ms=_percentile(latencies, 95), p99_ms=_percentile(latencies, 99),
        error_kinds=kinds,
    )


def run_python(url: str, body: bytes, *, concurrency: int, seconds: float, max_requests: int | None = None) -> LoadResult:
    _check_loopback(url)
    return asyncio.run(_python_loop(url, body, concurrency, seconds, max_requests))


def run_load(url: str, body: bytes, *, concurrency: int, seconds: float, use_wrk: bool) -> LoadResult:
    if use_wrk:
        return run_wrk(url, body, concurrency=concurrency, seconds=seconds)
    return run_python(url, body, concurrency=concurrency, seconds=seconds)


def summarise(values: list[float]) -> dict[str, float]:
    """Median and spread (min, max, and relative spread) of repeated measurements."""
    if not values:
        return {"median": 0.0, "min": 0.0, "max": 0.0, "spread_pct": 0.0}
    median = statistics.median(values)
    return {
        "median": round(median, 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "spread_pct": round((max(values) - min(values)) / median * 100, 1) if median else 0.0,
    }
