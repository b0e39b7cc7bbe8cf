"""Two commits of the service against each other and the baseline, alternately, in one run.

    python -m bench.compare BEFORE AFTER [--size 100] [--rounds 5] [--seconds 5] [--concurrency 32]
    python -m bench.compare c84372c HEAD

Each git ref is checked out into a temporary ``git worktree add --detach`` (removed on exit) and
served by ONE uvicorn worker (``cds-service --workers 1``, default settings, its own SQLite file),
next to the parse-only baseline (bench/baseline_app.py). All three servers run for the whole
measurement; each round loads them one after another (before, after, baseline; the order turns each
round), so a noisy neighbour on this shared machine hits all three alike. Reported per app: median
req/s, p50 latency and server CPU ms per request over the rounds, and each as a ratio to the baseline
of the same round (median over rounds).

Both commits run with THIS interpreter and its installed packages (the checkout goes first on
PYTHONPATH): they must share their dependencies. Each worktree's ``cds_service.__file__`` is checked
to lie inside the worktree before anything is measured.

Load: wrk when installed (installed from Debian when missing and root), else the Python loop.
Reports: bench/results/compare.md and compare.json (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
import orjson

from bench import data, load, servers
from bench.report import machine_info

ROOT = servers.ROOT
PATH = "/cds-services/bone-health-patient-view"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


@contextmanager
def checkout(ref: str, parent: Path) -> Iterator[tuple[str, Path]]:
    """``ref`` checked out (detached) in a temporary git worktree under ``parent``; removed on exit."""
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    path = parent / commit[:12]
    if not path.exists():
        _git("worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield commit, path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


def check_source(path: Path) -> str:
    """The ``cds_service`` this interpreter imports with ``path`` first on PYTHONPATH: must be the worktree's."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run([sys.executable, "-c", "import cds_service; print(cds_service.__file__)"],
                         cwd=path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(out).resolve().is_relative_to(path.resolve()):
        raise RuntimeError(f"{path}: cds_service imported from {out}, not from the worktree")
    return out


def _cards(url: str, body: bytes) -> list[str]:
    """The indicator and summary of each card one call answers (to see both commits agree)."""
    response = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=30)
    response.raise_for_status()
    return sorted(f"{c['indicator']}: {c['summary']}" for c in response.json()["cards"])


def _ratio(values: list[float], bases: list[float]) -> float:
    return round(statistics.median(v / b for v, b in zip(values, bases) if b), 3)


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per app: medians over rounds, and ratios to the baseline of the same round (median over rounds)."""
    base = runs["baseline"]
    out: dict[str, Any] = {}
    for name, rows in runs.items():
        rps = [r["rps"] for r in rows]
        p50 = [r["p50_ms"] for r in rows]
        cpu = [r["cpu_ms_per_request"] for r in rows]
        out[name] = {
            "rps": load.summarise(rps), "p50_ms": load.summarise(p50), "cpu_ms_per_request": load.summarise(cpu),
            "errors": sum(r["errors"] for r in rows),
            "rps_ratio": _ratio(rps, [b["rps"] for b in base]),
            "p50_ratio": _ratio(p50, [b["p50_ms"] for b in base]),
            "cpu_ratio": _ratio(cpu, [b["cpu_ms_per_request"] for b in base]),
        }
    return out


def measure(before: str, after: str, *, size: int, rounds: int, seconds: float, concurrency: int,
            use_wrk: bool) -> dict[str, Any]:
    body = orjson.dumps(data.patient_view_request(size))
    report: dict[str, Any] = {"machine": machine_info(), "load_tool": "wrk" if use_wrk else "python",
                              "size": size, "body_kb": len(body) // 1024, "rounds": rounds, "seconds": seconds,
                              "concurrency": concurrency, "workers": 1}
    with ExitStack() as stack:
        parent = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-compare-")))
        urls: dict[str, str] = {}
        apps: dict[str, servers.Server] = {}
        for name, ref in (("before", before), ("after", after)):
            commit, path = stack.enter_context(checkout(ref, parent))
            report[name] = {"ref": ref, "commit": commit, "subject": _git("log", "-1", "--format=%s", commit),
                            "cds_service": check_source(path)}
            apps[name] = stack.enter_context(servers.start("service", workers=1, source=path))
            urls[name] = apps[name].base_url + PATH
            report[name]["startup_s"] = round(apps[name].startup_s, 2)
            report[name]["cards"] = _cards(urls[name], body)
        apps["baseline"] = stack.enter_context(servers.start("baseline", workers=1))
        urls["baseline"] = apps["baseline"].base_url + "/cds-services/x"
        report["same_cards"] = report["before"]["cards"] == report["after"]["cards"]
        for name in apps:  # warm-up: first-call costs are start-up costs
            load.run_python(urls[name], body, concurrency=2, seconds=1, max_requests=30)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in apps}
        order = ["before", "after", "baseline"]
        for i in range(rounds):
            for name in order[i % 3:] + order[:i % 3]:
                cpu_before = apps[name].cpu_seconds()
                run = load.run_load(urls[name], body, concurrency=concurrency, seconds=seconds, use_wrk=use_wrk).as_dict()
                run["cpu_ms_per_request"] = round((apps[name].cpu_seconds() - cpu_before) * 1000
                                                  / max(run["requests"], 1), 3)
                runs[name].append(run)
                print(f"round {i + 1}/{rounds} {name:8} {run['rps']:8.1f} req/s  p50 {run['p50_ms']:7.2f} ms  "
                      f"CPU {run['cpu_ms_per_request']:6.2f} ms/req  errors {run['errors']}", flush=True)
    report["runs"] = runs
    report["summary"] = summarise(runs)
    s = report["summary"]
    report["after_vs_before_rps"] = round(s["after"]["rps_ratio"] / s["before"]["rps_ratio"], 3)
    return report


def markdown(report: dict[str, Any]) -> str:
    s, m = report["summary"], report["machine"]
    lines = [
        "# Before/after comparison", "",
        f"{m['date']}; {m['cpu']} ({m['cores']} cores); Python {m['python']}; load {report['load_tool']}, "
        f"concurrency {report['concurrency']}, {report['rounds']} rounds of {report['seconds']} s each, alternated; "
        f"one worker per app; patient-view with {report['size']} resources ({report['body_kb']} KB).", "",
        *(f"- {n}: `{report[n]['ref']}` = {report[n]['commit'][:10]} {report[n]['subject'][:90]}"
          for n in ("before", "after")),
        f"- same cards from both: {report['same_cards']}", "",
        "| app | req/s | spread | p50 ms | server CPU ms/req | req/s ÷ baseline | p50 ÷ baseline "
        "| CPU ÷ baseline | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("before", "after", "baseline"):
        r = s[name]
        lines.append(f"| {name} | {r['rps']['median']:.0f} | {r['rps']['spread_pct']}% | {r['p50_ms']['median']:.2f} | "
                     f"{r['cpu_ms_per_request']['median']:.2f} | {r['rps_ratio']} | {r['p50_ratio']} | "
                     f"{r['cpu_ratio']} | {r['errors']} |")
    lines += ["", f"Throughput after ÷ before (as ratios to the baseline): {report['after_vs_before_rps']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", help="git ref of the commit before the change")
    parser.add_argument("after", help="git ref of the commit after it")
    parser.add_argument("--size", type=int, default=100, help="prefetch resources (default 100)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load loop even if wrk is there")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    use_wrk = not args.no_wrk and load.ensure_wrk()
    t0 = time.perf_counter()
    report = measure(args.before, args.after, size=args.size, rounds=args.rounds, seconds=args.seconds,
                     concurrency=args.concurrency, use_wrk=use_wrk)
    report["elapsed_s"] = round(time.perf_counter() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    (args.out / "compare.md").write_text(text)
    (args.out / "compare.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    print(text)
    print(f"report: {args.out / 'compare.md'} and {args.out / 'compare.json'}")
    errors = sum(r["errors"] for r in report["summary"].values())
    return 0 if errors == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
