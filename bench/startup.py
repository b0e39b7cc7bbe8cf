"""Start-up time: a fresh interpreter importing the app and running its lifespan start (knowledge
loaded and validated against FHIR R4B, database, warm-up), as a worker does before it serves.

    python -m bench.startup            # median of 5 fresh processes

Every process starts on the same SQLite file, created (and migrated) by one process first: a worker
(re)starting on an existing database is the usual start. Wall time and the process's CPU time are
both reported; on this shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile

CHILD = """
import time, sys; t0 = time.perf_counter(); c0 = time.process_time()
import asyncio
from cds_service.app import create_app
from cds_service.config import Settings
async def main():
    app = create_app(Settings(database_url=f"sqlite:///{sys.argv[1]}/s.db", log_level="WARNING"))
    async with app.router.lifespan_context(app):
        print(round(time.perf_counter() - t0, 3), round(time.process_time() - c0, 3))
asyncio.run(main())
"""


def main(runs: int = 5) -> None:
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", CHILD, tmp], capture_output=True, text=True, check=True)  # creates the database
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", CHILD, tmp], capture_output=True, text=True, check=True)
            wall, cpu = out.stdout.strip().splitlines()[-1].split()
            walls.append(float(wall))
            cpus.append(float(cpu))
    print(f"start-up (import + lifespan): median {statistics.median(walls):.2f} s, max {max(walls):.2f} s wall; "
          f"CPU median {statistics.median(cpus):.2f} s over {runs} processes")


if __name__ == "__main__":
    main()
