"""The event-loop lag probe on a real loop, the process sampler, the store timing proxy and ``/metrics`` on a
real aiohttp server. (The admin app's X-Request-ID middleware: ``test_observability_trace.py``.)"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.parser import text_string_to_metric_families

from turms.observability import http, tick
from turms.observability.instrument import timed
from turms.observability.lag import LagProbe
from turms.observability.process import ProcessSampler

from testlib import free_port

pytestmark = pytest.mark.timeout(30)


def _probe(registry: CollectorRegistry, interval_s: float = 0.02, window_s: float = 60.0) -> LagProbe:
    return LagProbe(
        interval_s,
        histogram=Histogram("lag", "lag", registry=registry, buckets=(0.01, 0.05, 0.1, 1.0)),
        gauge=Gauge("lag_max", "max", registry=registry),
        window_s=window_s,
    )


async def test_lag_rises_when_the_loop_is_blocked_for_200_ms() -> None:
    registry = CollectorRegistry()
    probe = _probe(registry)
    probe.start()
    await asyncio.sleep(0.1)
    assert (registry.get_sample_value("lag_max") or 0) < 0.1
    time.sleep(0.2)  # noqa: ASYNC251 - blocks the event loop on purpose
    await asyncio.sleep(0.05)
    probe.stop()
    assert (registry.get_sample_value("lag_max") or 0) >= 0.15
    slow = registry.get_sample_value("lag_count", {}) or 0
    fast = registry.get_sample_value("lag_bucket", {"le": "0.1"}) or 0
    assert slow - fast >= 1  # one measurement above 100 ms


def test_lag_max_covers_the_current_and_previous_window() -> None:
    registry = CollectorRegistry()
    probe = _probe(registry, window_s=10.0)
    probe.record(0.5, now=1.0)
    probe.record(0.001, now=12.0)  # new window: the previous one's 0.5 still shows
    assert registry.get_sample_value("lag_max") == 0.5
    probe.record(0.002, now=23.0)  # two windows later it is gone
    assert registry.get_sample_value("lag_max") == 0.002


def test_process_sampler_writes_cpu_memory_and_fds() -> None:
    sampler = ProcessSampler("test-role")
    sum(i * i for i in range(200_000))
    sampler.sample()
    from prometheus_client import REGISTRY

    assert (REGISTRY.get_sample_value("turms_process_resident_memory_bytes", {"role": "test-role"}) or 0) > 1e6
    assert (REGISTRY.get_sample_value("turms_process_open_fds", {"role": "test-role"}) or 0) >= 3
    assert (REGISTRY.get_sample_value("turms_process_cpu_seconds_total", {"role": "test-role"}) or 0) > 0


class FakeStore:
    engine = "fake"

    def __init__(self) -> None:
        self.calls = 0

    async def find_one(self, collection: str, filter: dict[str, Any]) -> dict[str, Any] | None:
        self.calls += 1
        await asyncio.sleep(0.01)
        return {"_id": filter["_id"]}

    async def insert_one(self, collection: str, doc: dict[str, Any]) -> None:
        raise KeyError("duplicate")


async def test_timed_proxy_times_coroutine_methods_and_counts_errors() -> None:
    registry = CollectorRegistry()
    durations = Histogram("op", "op", ["operation"], registry=registry)
    errors = Counter("op_errors", "e", ["operation", "error"], registry=registry)
    store = FakeStore()
    proxy = timed(store, durations=durations, errors=errors)
    assert proxy.engine == "fake"
    assert await proxy.find_one("c", {"_id": 1}) == {"_id": 1}
    assert await proxy.find_one("c", {"_id": 2}) == {"_id": 2}
    with pytest.raises(KeyError):
        await proxy.insert_one("c", {})
    assert store.calls == 2
    tick.flush()  # durations are written at the end of the loop tick (turms.observability.tick)
    assert registry.get_sample_value("op_count", {"operation": "find_one"}) == 2
    assert (registry.get_sample_value("op_sum", {"operation": "find_one"}) or 0) >= 0.02
    assert registry.get_sample_value("op_errors_total", {"operation": "insert_one", "error": "KeyError"}) == 1


async def test_metrics_route() -> None:
    app = web.Application()
    app.router.add_get("/metrics", http.metrics_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        async with aiohttp.ClientSession() as client, client.get(f"http://127.0.0.1:{port}/metrics") as r:
            assert r.status == 200
            names = {f.name for f in text_string_to_metric_families(await r.text())}
            assert "turms_client_requests" in names and "turms_gateway_connections" in names
            assert {"turms_rate_limit_refusals", "turms_blocks", "turms_blocked_connections_refused"} <= names
    finally:
        await runner.cleanup()
