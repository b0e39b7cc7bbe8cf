"""Start-up time: a fresh interpreter importing the app and running its lifespan start (knowledge
loaded and validated against FHIR R4B, database, warm-up), as a worker does before it serves.

    python -m bench.startup            # median of 5 fresh processes
"""

from __future__ import annotations

import statistics
import subprocess
import sys

CHILD = """
import time; t0 = time.perf_counter()
import asyncio, tempfile
from cds_service.app import create_app
from cds_service.config import Settings
async def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(database_url=f"sqlite:///{tmp}/s.db", log_level="WARNING"))
        async with app.router.lifespan_context(app):
            print(round(time.perf_counter() - t0, 3))
asyncio.run(main())
"""


def main(runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"start-up (import + lifespan): median {statistics.median(times):.2f} s, max {max(times):.2f} s over {runs} processes")


if __name__ == "__main__":
    main()
