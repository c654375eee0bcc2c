"""Settings of the Prometheus metrics served at ``/metrics`` on the admin port."""

from __future__ import annotations

from turms.settings.registry import between, setting

ENABLED = setting(
    "metrics.enabled",
    bool,
    True,
    "Collect metrics from every process of the host and serve them at `/metrics` on the admin port.",
)
MULTIPROCESS_DIR = setting(
    "metrics.multiprocess_dir",
    str,
    "",
    "Directory of the per-process metric files the workers write and `/metrics` merges (its `*.db` files "
    "are deleted at start). Empty: `<server.data_dir>/metrics`. A tmpfs such as `/run/turms` saves disk "
    "writes.",
    path=True,
)
LOOP_LAG_INTERVAL_MS = setting(
    "metrics.loop_lag_interval_ms",
    int,
    100,
    "How often each worker measures its event-loop lag (how late a timer fires).",
    validator=between(10, 60_000),
)
PROCESS_INTERVAL_S = setting(
    "metrics.process_interval_s",
    float,
    5.0,
    "How often each process samples its CPU time, memory and open files.",
    validator=between(0.1, 3600),
)
