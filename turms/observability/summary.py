"""A compact JSON view of this host's metrics, for the admin console's dashboard (``GET /metrics/summary``).

The same samples ``/metrics`` exposes (every process of the host, merged in multiprocess mode), reduced to the
totals a dashboard draws: counters stay cumulative, so a reader computes rates from two snapshots and their
``time`` (a counter that went down means the host restarted: that interval has no rate). The request latency
histogram is summed over request types and returned as cumulative buckets, from which a reader derives
quantiles of an interval. Reading the per-process files is file I/O: call :func:`snapshot` off the event loop.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from turms.observability import metrics, multiprocess


def _samples() -> list[tuple[str, dict[str, str], float]]:
    directory = multiprocess.directory()
    registry: CollectorRegistry = REGISTRY
    if directory is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return [(s.name, dict(s.labels), float(s.value)) for family in registry.collect() for s in family.samples]


def _is_success(code: str) -> bool:
    return code.isdigit() and 1000 <= int(code) < 1100


def _is_server_error(code: str) -> bool:
    return code.isdigit() and 1200 <= int(code) < 1300


#: The counters every snapshot carries (0 when nothing was counted yet).
COUNTERS = (
    "messagesSent",
    "loginsOk",
    "loginsFailed",
    "requests",
    "requestsRefused",
    "requestsFailed",
    "notificationsDelivered",
    "redisErrors",
    "storeErrors",
    "rateLimited",
    "workerBootFailures",
    "connections",
    "sessions",
    "usersOnline",
)


def snapshot() -> dict[str, Any]:
    """This host's totals now (see the module docstring)."""
    totals: dict[str, float] = dict.fromkeys(COUNTERS, 0.0)
    restarts: dict[str, float] = defaultdict(float)
    workers: dict[str, float] = {}
    # Every bound from the start, so two snapshots always have the same buckets (none before a first request).
    buckets: dict[float, float] = dict.fromkeys((*metrics.REQUEST_BUCKETS, math.inf), 0.0)
    lag_max = 0.0
    for name, labels, value in _samples():
        if name == "turms_business_message_sent_total":
            totals["messagesSent"] += value
        elif name == "turms_gateway_logins_total":
            totals["loginsOk" if labels.get("outcome") == "ok" else "loginsFailed"] += value
        elif name == "turms_client_requests_total":
            code = labels.get("code", "")
            totals["requests"] += value
            if _is_server_error(code):
                totals["requestsFailed"] += value
            elif not _is_success(code):
                totals["requestsRefused"] += value
        elif name == "turms_client_request_duration_seconds_bucket":
            bound = float(labels["le"])
            buckets[bound] = buckets.get(bound, 0.0) + value
        elif name == "turms_notifications_delivered_total":
            totals["notificationsDelivered"] += value
        elif name == "turms_redis_command_errors_total":
            totals["redisErrors"] += value
        elif name == "turms_store_operation_errors_total":
            totals["storeErrors"] += value
        elif name == "turms_rate_limit_refusals_total":
            totals["rateLimited"] += value
        elif name == "turms_worker_restarts_total":
            restarts[labels.get("cause", "")] += value
        elif name == "turms_worker_boot_failures_total":
            totals["workerBootFailures"] += value
        elif name == "turms_workers":
            workers[labels.get("state", "")] = max(value, workers.get(labels.get("state", ""), 0.0))
        elif name == "turms_gateway_connections":
            totals["connections"] += value
        elif name == "turms_gateway_sessions":
            totals["sessions"] += value
        elif name == "turms_business_user_online":
            totals["usersOnline"] += value
        elif name == "turms_event_loop_lag_max_seconds":
            lag_max = max(lag_max, value)
    bounds = sorted(buckets)
    return {
        "time": int(time.time() * 1000),
        **{k: int(v) for k, v in totals.items()},
        "workerRestarts": {cause: int(n) for cause, n in sorted(restarts.items())},
        "workers": {state: int(n) for state, n in sorted(workers.items())},
        "loopLagMaxSeconds": lag_max,
        "latency": {
            "le": [b if math.isfinite(b) else None for b in bounds],
            "cumulative": [int(buckets[b]) for b in bounds],
        },
    }
