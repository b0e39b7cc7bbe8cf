"""deploy/grafana: the dashboard is Grafana JSON whose every query uses metrics the service exports."""

from __future__ import annotations

import json
import re

from prometheus_client import REGISTRY

import cds_service.metrics.registry  # noqa: F401  (registers the metrics)
from tests.api.conftest import ROOT

DASHBOARD = ROOT / "deploy" / "grafana" / "cds-service-dashboard.json"


def exported_names() -> set[str]:
    names = set()
    for collector in list(REGISTRY._collector_to_names):  # the metrics this process registered
        for metric in collector.describe() if hasattr(collector, "describe") else ():
            names.add(metric.name)
            for suffix in ("_total", "_count", "_sum", "_bucket", "_created"):
                names.add(metric.name + suffix)
    return names


def test_every_query_uses_an_exported_metric():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 8
    used = {name for expr in exprs for name in re.findall(r"\b(cds_[a-z_]+)\b", expr)}
    assert used and used <= exported_names(), used - exported_names()
    for family in ("cds_call_duration_seconds", "cds_fhir_fetch_duration_seconds", "cds_cards", "cds_feedback", "cds_auth_rejections"):
        assert any(name.startswith(family) for name in used), family
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
