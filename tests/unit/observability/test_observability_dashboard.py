"""The Grafana dashboard and the Monitoring docs name only metrics that exist (they cannot drift apart)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from turms.observability import metrics

ROOT = Path(__file__).resolve().parents[3]
NAME = re.compile(r"\bturms_[a-z_]+")
SUFFIXES = ("_total", "_bucket", "_count", "_sum")


def _base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _defined() -> set[str]:
    return {m._name for m in metrics.ALL}


def test_dashboard_queries_only_defined_metrics_and_covers_them_all() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/turms-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {_base(n) for e in exprs for n in NAME.findall(e)}
    assert used <= _defined(), used - _defined()
    assert _defined() <= used, _defined() - used


def test_operations_doc_names_only_defined_metrics() -> None:
    text = (ROOT / "docs/operations.md").read_text()
    named = {_base(n) for n in NAME.findall(text)} - {"turms_server"}
    assert named and named <= _defined(), named - _defined()
