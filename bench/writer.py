"""Throughput of calls that issue cards: what writing the issued-card record before answering costs.

    python -m bench.writer                       # 3 runs of 8 s at concurrency 16, one worker
    python -m bench.writer --seconds 3 --repeats 1

The service runs as a server (the README's command, SQLite) and answers a patient-view that gives
cards; every answered call has its issued-card records written (the writer's group commit: the
records of calls that arrive while a commit runs go into the next one together). Reported: calls
per second, latency, rows per commit, and that every answered card is on record after shutdown.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench import data, load, servers


def measure(*, seconds: float, repeats: int, concurrency: int, workers: int) -> dict[str, Any]:
    body = orjson.dumps(data.patient_view_request(20))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp, "writer.db")
        with servers.start("service", workers=workers, env={"CDS_DATABASE_URL": f"sqlite:///{db}",
                                                             "CDS_LOG_LEVEL": "WARNING"}) as server:
            url = f"{server.base_url}/cds-services/bone-health-patient-view"
            load.run_python(url, body, concurrency=2, seconds=0.5, max_requests=20)  # warm-up
            for _ in range(repeats):
                result = load.run_python(url, body, concurrency=concurrency, seconds=seconds)
                runs.append(result.as_dict())
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT COUNT(*) FROM issued_cards").fetchone()[0]
    answered = sum(r["requests"] - r["errors"] for r in runs) + 20
    return {
        "concurrency": concurrency, "workers": workers, "seconds": seconds,
        "rps": load.summarise([r["rps"] for r in runs]),
        "p50_ms": load.summarise([r["p50_ms"] for r in runs]),
        "p99_ms": load.summarise([r["p99_ms"] for r in runs]),
        "errors": sum(r["errors"] for r in runs),
        "answered_calls": answered,
        "issued_card_rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.writer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    result = measure(seconds=args.seconds, repeats=args.repeats, concurrency=args.concurrency, workers=args.workers)
    print(json.dumps(result, indent=2))
    rps = result["rps"]
    print(f"{rps['median']:.0f} calls/s (min {rps['min']:.0f}, max {rps['max']:.0f}), p50 "
          f"{result['p50_ms']['median']:.1f} ms, p99 {result['p99_ms']['median']:.1f} ms; "
          f"{result['issued_card_rows']} issued-card rows for {result['answered_calls']} answered calls")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
