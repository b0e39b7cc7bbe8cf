"""The benchmark cannot rot: its smoke run (Python load loop, no wrk) works end to end.

It starts the real service and the baseline as servers on loopback, so it takes about 20 s. No
figure is judged here (CI machines are noisy): only that every scenario produced numbers, the
report files were written and no request failed.
"""

from __future__ import annotations

import json

from bench.run import main


def test_smoke_run_writes_a_complete_report_without_errors(tmp_path, capsys):
    status = main(["--smoke", "--out", str(tmp_path)])
    printed = capsys.readouterr().out  # the report

    report = json.loads((tmp_path / "report.json").read_text())
    markdown = (tmp_path / "report.md").read_text()
    assert report["mode"] == "smoke" and report["load_tool"] == "python"
    assert "## Targets" in markdown and "| start-up to /readyz" in markdown

    core = report["rules_core"]
    assert core["patients"] > 0 and core["median_us"] > 0 and core["max_us"] >= core["median_us"]

    assert set(report["scaling"]) == {"patient-view", "order-sign"}
    assert all(row["ms"] > 0 for rows in report["scaling"].values() for row in rows)
    assert "## Scaling" in markdown

    assert report["patient_view"], "no patient-view runs"
    for size, by_concurrency in report["patient_view"].items():
        for concurrency, by_app in by_concurrency.items():
            assert set(by_app) == {"baseline", "service"}, (size, concurrency)
            for app, result in by_app.items():
                assert result["errors"] == 0, (size, concurrency, app, result["runs"])
                assert result["rps"]["median"] > 0 and result["p50_ms"]["median"] > 0, (size, concurrency, app)
                assert all(run["requests"] > 0 for run in result["runs"]), (size, concurrency, app)

    fallback = report["fhir_fallback"]
    assert fallback["errors"] == 0 and fallback["latency_ms"]["median"] > fallback["delay_ms"]
    assert fallback["one_round_trip_ms"]["median"] >= fallback["delay_ms"]

    memory = report["startup_memory"]
    assert memory["errors"] == 0 and memory["requests"] > 0 and memory["startup_s"]["median"] > 0
    assert memory["rss_mb_after_start"] and memory["rss_mb_after_requests"]

    assert report["targets_summary"]["errors"] == 0, printed
    assert status == 0, printed
    assert {t["result"] for t in report["targets"]} <= {"pass", "FAIL", "n/a"}
