"""Run the benchmark scenarios and write a report (markdown and JSON).

    python -m bench                 # full run, report in bench/results/
    python -m bench --smoke         # seconds-long run that only proves the bench works (used by tests)
    python -m bench --scaling-only  # only the scaling curve, 1k-8k resources in process (about a minute)

Every HTTP figure is reported next to a baseline measured in the same run (this machine is shared and
noisy): a bare ASGI app served by the same server the same way, that reads the same body, parses it
with orjson and returns a fixed small response.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import data, fhir_server, load, scaling, servers
from bench.core import rules_core
from bench.report import machine_info, write_report


def _post_path(service_base: str) -> str:
    return f"{service_base}/cds-services/bone-health-patient-view"


def _http_scenario(sizes: list[int], concurrencies: list[int], *, seconds: float, repeats: int, workers: int,
                   use_wrk: bool) -> dict[str, Any]:
    """patient-view over HTTP, service vs baseline, per prefetch size and concurrency."""
    results: dict[str, Any] = {}
    bodies = {n: orjson.dumps(data.patient_view_request(n)) for n in sizes}
    for kind in ("baseline", "service"):
        with servers.start(kind, workers=workers) as server:
            url = _post_path(server.base_url) if kind == "service" else f"{server.base_url}/cds-services/x"
            for n in sizes:
                # warm-up (first-call costs are start-up costs, not per-request costs)
                load.run_python(url, bodies[n], concurrency=2, seconds=0.5, max_requests=20)
                for c in concurrencies:
                    runs = []
                    for _ in range(repeats):
                        cpu_before = server.cpu_seconds()
                        run = load.run_load(url, bodies[n], concurrency=c, seconds=seconds, use_wrk=use_wrk).as_dict()
                        # server CPU per request: less sensitive to a noisy neighbour than latency
                        run["cpu_ms_per_request"] = round(
                            (server.cpu_seconds() - cpu_before) * 1000 / max(run["requests"], 1), 3)
                        runs.append(run)
                    results.setdefault(f"{n}", {}).setdefault(f"c{c}", {})[kind] = {
                        "runs": runs,
                        "rps": load.summarise([r["rps"] for r in runs]),
                        "p50_ms": load.summarise([r["p50_ms"] for r in runs]),
                        "p95_ms": load.summarise([r["p95_ms"] for r in runs]),
                        "p99_ms": load.summarise([r["p99_ms"] for r in runs]),
                        "cpu_ms_per_request": load.summarise([r["cpu_ms_per_request"] for r in runs]),
                        "errors": sum(r["errors"] for r in runs),
                        "bytes": len(bodies[n]),
                    }
    return results


def _one_round_trip(base_url: str, samples: int) -> list[float]:
    times = []
    with httpx.Client() as client:
        client.get(f"{base_url}/Observation?patient=x")
        for _ in range(samples):
            t0 = time.perf_counter()
            client.get(f"{base_url}/Observation?patient=x")
            times.append((time.perf_counter() - t0) * 1000)
    return times


def _fallback_scenario(*, samples: int, delay_s: float, missing: tuple[str, ...]) -> dict[str, Any]:
    """Missing prefetch keys fetched from a loopback FHIR server that adds ``delay_s`` per request."""
    request = data.patient_view_request(100)
    with fhir_server.serve(request["prefetch"], delay_s=delay_s) as fhir_base, servers.start("service", workers=1) as server:
        for key in missing:
            request["prefetch"].pop(key, None)
        request["fhirServer"] = fhir_base
        body = orjson.dumps(request)
        url = _post_path(server.base_url)
        latencies = []
        errors = 0
        statuses: dict[str, int] = {}
        with httpx.Client(timeout=10) as client:
            client.post(url, content=body, headers={"Content-Type": "application/json"})
            for _ in range(samples):
                t0 = time.perf_counter()
                response = client.post(url, content=body, headers={"Content-Type": "application/json"})
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += response.status_code != 200
                statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        round_trip = _one_round_trip(fhir_base, samples)
    return {
        "missing_keys": list(missing),
        "delay_ms": delay_s * 1000,
        "latency_ms": load.summarise(latencies),
        "one_round_trip_ms": load.summarise(round_trip),
        "errors": errors,
        "statuses": statuses,
    }


def _startup_memory_scenario(*, starts: int, requests: int, workers: int, use_wrk: bool,
                             warm_up_requests: int) -> dict[str, Any]:
    """Start-up time, and worker RSS after start, after a warm-up under the same load, and after
    ``requests`` more. Growth is counted from the warm-up: the first seconds at concurrency 32 raise
    the allocator's high-water mark (32 requests in flight) and fill bounded caches (SQLite's page
    cache, value-set memos) once; a leak is what keeps growing after that."""
    startup = []
    for _ in range(starts):
        with servers.start("service", workers=workers) as server:
            startup.append(server.startup_s)
    body = orjson.dumps(data.patient_view_request(100))
    errors = 0
    error_kinds: dict[str, int] = {}

    def send(url: str, count: int) -> int:
        nonlocal errors
        sent = 0
        while sent < count:
            if use_wrk:
                result = load.run_wrk(url, body, concurrency=32, seconds=5)
            else:
                result = load.run_python(url, body, concurrency=16, seconds=30, max_requests=count - sent)
            sent += result.requests
            errors += result.errors
            for kind, n in result.error_kinds.items():
                error_kinds[kind] = error_kinds.get(kind, 0) + n
        return sent

    with servers.start("service", workers=workers) as server:
        url = _post_path(server.base_url)
        load.run_python(url, body, concurrency=2, seconds=1, max_requests=50)
        rss_start = server.worker_rss_mb()
        warmed = send(url, warm_up_requests)
        rss_warm = server.worker_rss_mb()
        sent = send(url, requests)
        rss_end = server.worker_rss_mb()
    growth = [round((e - w) / w * 100, 1) for w, e in zip(rss_warm, rss_end)] if rss_warm else []
    return {
        "startup_s": load.summarise(startup),
        "rss_mb_after_start": rss_start,
        "warm_up_requests": warmed,
        "rss_mb_after_warm_up": rss_warm,
        "rss_mb_after_requests": rss_end,
        "requests": sent,
        "rss_growth_pct": growth,
        "errors": errors,
        "error_kinds": error_kinds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a seconds-long run that checks the bench works")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load loop even if wrk is there")
    parser.add_argument("--scaling-only", action="store_true",
                        help="only the scaling curve (1k-8k resources in process; about a minute)")
    parser.add_argument("--scaling-calls", type=int, default=3, help="calls per size in the scaling curve (median)")
    args = parser.parse_args(argv)

    if args.smoke:
        use_wrk = False
        sizes, concurrencies, seconds, repeats = [20], [1, 4], 0.5, 1
        fallback_samples, starts, memory_requests, core_iterations = 3, 1, 100, 5
        warm_up_requests = 50
    else:
        use_wrk = not args.no_wrk and load.ensure_wrk()
        sizes, concurrencies, seconds, repeats = [20, 100, 500, 2000], [1, 32], args.seconds, args.repeats
        fallback_samples, starts, memory_requests, core_iterations = 30, 3, 20_000, 200
        warm_up_requests = 1_000

    if args.scaling_only:
        result = asyncio.run(scaling.measure(scaling.SIZES, args.scaling_calls))
        print(scaling.format_rows(result))
        return 0
    scaling_sizes = (100, 200) if args.smoke else scaling.SIZES
    report: dict[str, Any] = {"machine": machine_info(), "mode": "smoke" if args.smoke else "full",
                              "load_tool": "wrk" if use_wrk else "python", "workers": args.workers,
                              "service_log_level": os.environ.get("CDS_LOG_LEVEL", "INFO (default)")}
    t0 = time.perf_counter()
    report["rules_core"] = asyncio.run(rules_core(iterations=core_iterations))
    report["scaling"] = asyncio.run(scaling.measure(scaling_sizes, 1 if args.smoke else args.scaling_calls))
    report["patient_view"] = _http_scenario(sizes, concurrencies, seconds=seconds, repeats=repeats,
                                            workers=args.workers, use_wrk=use_wrk)
    report["fhir_fallback"] = _fallback_scenario(
        samples=fallback_samples, delay_s=0.05,
        missing=("conditions", "medicationRequests", "vitaminD", "kidney"))
    report["startup_memory"] = _startup_memory_scenario(starts=starts, requests=memory_requests,
                                                        workers=args.workers, use_wrk=use_wrk,
                                                        warm_up_requests=warm_up_requests)
    report["elapsed_s"] = round(time.perf_counter() - t0, 1)
    paths = write_report(report, args.out)
    print(paths["markdown"].read_text())
    print(f"report: {paths['markdown']} and {paths['json']}")
    return 0 if report["targets_summary"]["errors"] == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

