"""Process settings for a serving worker, applied once its start-up is done.

A hook call parses its request into thousands of small dicts and lists (about 6,000 for a
100-resource prefetch) that reference counting frees when the call ends. With CPython's default
collector settings they trigger several young-generation collections per call, and every few
calls a full collection that walks everything start-up loaded (modules, models, the knowledge):
about 10-15% of a worker's CPU and most of the tail latency in the benchmark (``bench/``).
"""

from __future__ import annotations

import gc

# Young collections once this many more container objects are alive than at the last one
# (CPython's default: 700). Garbage cycles, which are rare here, wait a little longer.
GEN0_THRESHOLD = 20_000


def tune_gc() -> None:
    """Collect once, move everything alive to the permanent generation, collect young objects less often."""
    gc.collect()
    gc.freeze()  # start-up objects are never scanned again (they live as long as the worker)
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
