"""Targets (pass/fail) and the markdown / JSON report."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

_PACKAGES = ("fastapi", "starlette", "uvicorn", "pydantic", "fhir.resources", "httpx", "orjson", "sqlalchemy", "pyjwt")


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    wrk = ""
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        pass
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "packages": versions, "wrk": wrk,
    }


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def evaluate_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = []

    def add(name: str, value: Any, limit: str, ok: bool | None) -> None:
        targets.append({"target": name, "value": value, "limit": limit,
                        "result": "n/a" if ok is None else ("pass" if ok else "FAIL")})

    core = report["rules_core"]
    worst = core.get("max_us")
    add("rules core: median per golden patient (worst patient)", f"{worst} µs", "<= 1000 µs",
        None if worst is None else worst <= 1000)
    add("rules core: median over golden patients", f"{core.get('median_us')} µs", "report", None)

    for hook, rows in report.get("scaling", {}).items():
        ratios = [r["ratio"] for r in rows if r["ratio"]]
        if ratios:
            add(f"{hook}: CPU time ratio per doubling of resources ({rows[0]['resources']}-{rows[-1]['resources']})",
                " / ".join(f"{r:.2f}" for r in ratios), "<= 2.5 (linear: 2)", max(ratios) <= 2.5)

    pv = report["patient_view"]
    if "100" in pv and "c32" in pv["100"]:
        s, b = pv["100"]["c32"]["service"], pv["100"]["c32"]["baseline"]
        ratio = s["rps"]["median"] / b["rps"]["median"] if b["rps"]["median"] else 0
        add("patient-view 100 resources, c32: throughput vs baseline", f"{ratio:.0%}", ">= 50%", ratio >= 0.5)
    if "100" in pv and "c1" in pv["100"]:
        s, b = pv["100"]["c1"]["service"], pv["100"]["c1"]["baseline"]
        ratio = s["p50_ms"]["median"] / b["p50_ms"]["median"] if b["p50_ms"]["median"] else 0
        add("patient-view 100 resources, c1: median latency vs baseline", f"{ratio:.2f}x", "<= 2x", ratio <= 2)
    points = [(int(n), pv[n]["c1"]["service"]["p50_ms"]["median"]) for n in pv if "c1" in pv[n]]
    base_points = [(int(n), pv[n]["c1"]["baseline"]["p50_ms"]["median"]) for n in pv if "c1" in pv[n]]
    if len(points) >= 2:
        report["per_resource_us"] = {"service": round(_slope(points) * 1000, 2),
                                     "baseline": round(_slope(base_points) * 1000, 2)}
        add("per-resource cost at c1 (service / baseline)",
            f"{report['per_resource_us']['service']} / {report['per_resource_us']['baseline']} µs", "report", None)
    if "2000" in pv and "c1" in pv["2000"]:
        p50 = pv["2000"]["c1"]["service"]["p50_ms"]["median"]
        add("patient-view 2000 resources, c1: median latency", f"{p50:.1f} ms", "< 100 ms", p50 < 100)

    fb = report["fhir_fallback"]
    rt = fb["one_round_trip_ms"]["median"]
    ratio = fb["latency_ms"]["median"] / rt if rt else 0
    add(f"FHIR fallback, {len(fb['missing_keys'])} missing keys: latency vs one round trip", f"{ratio:.2f}x",
        "<= 1.5x", ratio <= 1.5)

    sm = report["startup_memory"]
    add("start-up to /readyz (median)", f"{sm['startup_s']['median']:.2f} s", "< 3 s", sm["startup_s"]["median"] < 3)
    rss = sm["rss_mb_after_requests"] or [0]
    add("RSS per worker after the requests (max)", f"{max(rss):.0f} MB", "< 200 MB", max(rss) < 200)
    growth = sm["rss_growth_pct"] or [0]
    add(f"RSS growth over {sm['requests']} requests after a warm-up of {sm.get('warm_up_requests', 0)} (max)",
        f"{max(growth):.1f}%", "< 5%", max(growth) < 5)

    errors = sm["errors"] + fb["errors"] + sum(
        pv[n][c][k]["errors"] for n in pv for c in pv[n] for k in pv[n][c])
    add("errors in all load runs", errors, "0", errors == 0)
    report["targets_summary"] = {"errors": errors,
                                 "failed": [t["target"] for t in targets if t["result"] == "FAIL"]}
    return targets


def _markdown(report: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark report ({report['mode']})", "",
        f"{m['date']} · {m['cpu']} · {m['cores']} cores · Python {m['python']} · load: {report['load_tool']}"
        f" · {report['workers']} workers · service log level {report.get('service_log_level', '?')}", "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()), "",
        "## Targets", "", "| target | value | limit | result |", "|---|---|---|---|",
        *(f"| {t['target']} | {t['value']} | {t['limit']} | {t['result']} |" for t in targets), "",
        "## patient-view over HTTP (median of repeats; spread = (max-min)/median)", "",
        "Server CPU ms/req: CPU time of the worker processes per answered request (less sensitive to a"
        " noisy neighbour than latency).", "",
        "| resources | body KB | conc. | app | req/s | spread | p50 ms | p95 ms | p99 ms | server CPU ms/req | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    pv = report["patient_view"]
    for n in sorted(pv, key=int):
        for c in sorted(pv[n], key=lambda k: int(k[1:])):
            for kind in ("baseline", "service"):
                r = pv[n][c][kind]
                lines.append(
                    f"| {n} | {r['bytes'] // 1024} | {c[1:]} | {kind} | {r['rps']['median']:.0f} | "
                    f"{r['rps']['spread_pct']}% | {r['p50_ms']['median']:.2f} | {r['p95_ms']['median']:.2f} | "
                    f"{r['p99_ms']['median']:.2f} | {r.get('cpu_ms_per_request', {}).get('median', 0):.2f} | "
                    f"{r['errors']} |")
    core = report["rules_core"]
    fb = report["fhir_fallback"]
    sm = report["startup_memory"]
    lines += [
        "", "## Rules core (facts to cards, in-process)", "",
        f"{core['patients']} golden patients, {core['iterations']} iterations each (round-robin): median"
        f" {core['median_us']} µs, worst patient {core['max_us']} µs (slowest: {', '.join(core.get('slowest', []))}).", "",
        "## Scaling (in process, the whole ASGI app, body limit raised; median per size)", "",
        "| hook | " + " | ".join(f"{r['resources']} resources" for r in next(iter(report.get("scaling", {}).values()), [])) + " |",
        "|---|" + "---|" * len(next(iter(report.get("scaling", {}).values()), [])),
        *(f"| {hook} | " + " | ".join(f"{r['cpu_ms']} ms CPU" + (f" (x{r['ratio']})" if r["ratio"] else "") for r in rows) + " |"
          for hook, rows in report.get("scaling", {}).items()),
        "",
        "## FHIR fallback", "",
        f"Missing keys {', '.join(fb['missing_keys'])}; the FHIR server adds {fb['delay_ms']:.0f} ms per request. "
        f"Call latency median {fb['latency_ms']['median']:.1f} ms (min {fb['latency_ms']['min']:.1f}, max "
        f"{fb['latency_ms']['max']:.1f}) vs one round trip {fb['one_round_trip_ms']['median']:.1f} ms.", "",
        "## Start-up and memory", "",
        f"Start-up to /readyz: median {sm['startup_s']['median']:.2f} s (min {sm['startup_s']['min']:.2f}, max "
        f"{sm['startup_s']['max']:.2f}). RSS per worker after start {sm['rss_mb_after_start']} MB, after a warm-up"
        f" of {sm.get('warm_up_requests', 0)} requests at the same load {sm.get('rss_mb_after_warm_up')} MB, after"
        f" {sm['requests']} more {sm['rss_mb_after_requests']} MB (growth from the warm-up {sm['rss_growth_pct']} %).",
        "",
        f"Total bench time {report['elapsed_s']} s.",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out: Path) -> dict[str, Path]:
    targets = evaluate_targets(report)
    report["targets"] = targets
    out.mkdir(parents=True, exist_ok=True)
    md = out / "report.md"
    js = out / "report.json"
    md.write_text(_markdown(report, targets))
    js.write_text(json.dumps(report, indent=2, sort_keys=True))
    return {"markdown": md, "json": js}
