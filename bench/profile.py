"""Where a patient-view call spends its time, in process (no network, no server).

    python -m bench.profile                  # per-stage medians for 20, 100, 500 and 2000 resources
    python -m bench.profile --pyinstrument 100   # a pyinstrument profile of 200 calls (pip install pyinstrument)

The whole app runs through its ASGI interface (middleware, body reading, request validation, the
pipeline, logging), so what is measured is what a worker does for one request, minus the socket.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from typing import Any

import httpx
import orjson

from bench import data

URL = "http://localhost/cds-services/bone-health-patient-view"


async def _calls(app: Any, body: bytes, n: int, stages: dict[str, list[float]]) -> None:
    transport = httpx.ASGITransport(app=app)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(transport=transport) as client:
        pipeline = app.state.pipeline
        original = pipeline.call

        async def timed(*args: Any, **kwargs: Any):  # noqa: ANN202 - wrapper
            result = await original(*args, **kwargs)
            for stage, ms in result.timings.items():
                stages[stage].append(ms)
            return result

        pipeline.call = timed
        try:
            for _ in range(n):
                t0 = time.perf_counter()
                response = await client.post(URL, content=body, headers=headers)
                stages["asgi call"].append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"status {response.status_code}: {response.text[:300]}")
        finally:
            pipeline.call = original


async def measure(sizes: list[int], n: int, profiler: Any = None) -> dict[int, dict[str, float]]:
    from cds_service.app import create_app
    from cds_service.config import Settings

    out: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/p.db", log_level="WARNING")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            for size in sizes:
                body = orjson.dumps(data.patient_view_request(size))
                await _calls(app, body, 5, defaultdict(list))  # warm-up
                stages: dict[str, list[float]] = defaultdict(list)
                if profiler is not None:
                    profiler.start()
                await _calls(app, body, n, stages)
                if profiler is not None:
                    profiler.stop()
                out[size] = {k: round(statistics.median(v), 3) for k, v in stages.items()}
                out[size]["body_kb"] = len(body) // 1024
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pyinstrument", type=int, metavar="SIZE", help="profile calls with this prefetch size")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--sizes", default="20,100,500,2000")
    args = parser.parse_args(argv)
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002, async_mode="disabled")
        result = asyncio.run(measure([args.pyinstrument], args.calls, profiler))
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    else:
        result = asyncio.run(measure([int(s) for s in args.sizes.split(",")], args.calls))
    for size, stages in result.items():
        print(f"{size:>5} resources: " + ", ".join(f"{k} {v}" for k, v in stages.items()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
