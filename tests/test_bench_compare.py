"""bench.compare: a ref is served from its own temporary worktree, and ratios are taken per round.

No server is started here (the comparison itself takes minutes); only the parts that decide what is
measured: the checkout and import check, and the per-round ratios.
"""

from __future__ import annotations

import subprocess

from bench.compare import ROOT, check_source, checkout, summarise


def test_a_ref_is_checked_out_and_imported_from_its_worktree_then_removed(tmp_path):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    with checkout("HEAD", tmp_path) as (commit, path):
        assert commit == head and path.is_dir()
        imported = check_source(path)
        assert imported.startswith(str(path)) and imported.endswith("cds_service/__init__.py")
    assert not path.exists()
    listed = subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert str(path) not in listed


def _run(rps: float, p50: float, cpu: float) -> dict:
    return {"rps": rps, "p50_ms": p50, "cpu_ms_per_request": cpu, "errors": 0}


def test_ratios_are_to_the_baseline_of_the_same_round():
    # round 2 is slowed down for everyone (a noisy neighbour): the ratios do not move
    runs = {
        "before": [_run(100, 10, 4), _run(50, 20, 8), _run(100, 10, 4)],
        "after": [_run(200, 5, 2), _run(100, 10, 4), _run(200, 5, 2)],
        "baseline": [_run(500, 2, 1), _run(250, 4, 2), _run(500, 2, 1)],
    }
    s = summarise(runs)
    assert s["before"]["rps_ratio"] == 0.2 and s["after"]["rps_ratio"] == 0.4
    assert s["after"]["p50_ratio"] == 2.5 and s["after"]["cpu_ratio"] == 2.0
    assert s["baseline"]["rps_ratio"] == 1.0
    assert s["before"]["rps"]["median"] == 100
