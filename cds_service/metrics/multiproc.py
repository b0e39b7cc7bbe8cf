"""``PROMETHEUS_MULTIPROC_DIR``: where worker processes keep their metric files.

With several workers each process writes its own files there and ``/metrics`` adds them up; the
directory must be writable and emptied at start (stale files from an earlier run would be counted
again). On Kubernetes it is an ``emptyDir`` volume. With one worker and no directory set, metrics
stay in the process.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


class MetricsDirError(Exception):
    """The multi-process directory cannot be used (one line, naming the variable)."""


def prepare_multiprocess(workers: int) -> Path | None:
    """Before workers start: check and empty the configured directory, or make one for several workers.

    Must run before ``prometheus_client`` is first imported in this process (it is in workers,
    which start fresh).
    """
    configured = os.environ.get(ENV)
    if not configured:
        if workers <= 1:
            return None
        configured = tempfile.mkdtemp(prefix="cds-metrics-")
        os.environ[ENV] = configured
    path = Path(configured)
    try:
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        probe = path / ".writable"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise MetricsDirError(
            f"configuration error: {ENV}={configured!r}: not a writable directory ({exc.strerror}); "
            "give a writable folder (an emptyDir volume on Kubernetes)"
        ) from None
    return path
