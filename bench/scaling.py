"""How the cost of one call grows with its size: 1k, 2k, 4k and 8k resources, in process.

    python -m bench.scaling                      # the curve, 3 calls per size (median)
    python -m bench.scaling --sizes 500,1000 --calls 1

Run in process through the whole ASGI app (body reading, validation, facts, rules, cards, JSON), with
the body limit raised: 8k resources (about 10 MB) are over the 5 MiB default. Two shapes: patient-view
with ``n`` resources in prefetch (a quarter supplement orders, each its own product, so dose totals
see every one), and order-sign with ``n`` draft orders. Linear cost shows as a ratio near 2 for each
doubling; quadratic cost as a ratio near 4. Ratios are of CPU time (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from typing import Any

import httpx
import orjson

from bench import data

SIZES = (1000, 2000, 4000, 8000)
HOOKS = {"patient-view": "bone-health-patient-view", "order-sign": "bone-health-order-sign"}


async def _median_ms(client: httpx.AsyncClient, url: str, body: bytes, calls: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds per call (CPU: this process, all threads; less sensitive to
    a busy neighbour on a shared machine than wall time)."""
    walls, cpus = [], []
    for _ in range(calls):
        t0, c0 = time.perf_counter(), time.process_time()
        response = await client.post(url, content=body, headers={"Content-Type": "application/json"})
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}: {response.text[:300]}")
    return statistics.median(walls), statistics.median(cpus)


async def measure(sizes: tuple[int, ...] = SIZES, calls: int = 3) -> dict[str, Any]:
    """``{hook: [{resources, body_mb, ms, cpu_ms, ratio}]}``; ``ratio``: CPU ms over the previous size's."""
    from cds_service.app import create_app
    from cds_service.config import Settings
    from cds_service.runtime import tune_gc

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/s.db", log_level="WARNING",
                            max_body_bytes=64 * 1024 * 1024)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            threshold = gc.get_threshold()
            tune_gc()  # the collector as in a serving worker
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost", timeout=600) as client:
                for hook, service in HOOKS.items():
                    url = f"/cds-services/{service}"
                    await _median_ms(client, url, orjson.dumps(data.scaling_request(50, hook)), 2)  # warm-up
                    rows: list[dict[str, Any]] = []
                    for size in sizes:
                        body = orjson.dumps(data.scaling_request(size, hook))
                        wall, cpu = await _median_ms(client, url, body, calls)
                        previous = rows[-1]["cpu_ms"] if rows else None
                        rows.append({"resources": size, "body_mb": round(len(body) / 2**20, 2), "ms": round(wall, 1),
                                     "cpu_ms": round(cpu, 1), "ratio": round(cpu / previous, 2) if previous else None})
                    out[hook] = rows
            gc.unfreeze()
            gc.set_threshold(*threshold)
    return out


def format_rows(result: dict[str, Any]) -> str:
    lines = []
    for hook, rows in result.items():
        cells = ", ".join(
            f"{r['resources']}: {r['cpu_ms']} ms CPU, {r['ms']} ms wall" + (f" (CPU x{r['ratio']})" if r["ratio"] else "")
            for r in rows)
        lines.append(f"{hook}: {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(tuple(int(s) for s in args.sizes.split(",")), args.calls))
    print(format_rows(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
