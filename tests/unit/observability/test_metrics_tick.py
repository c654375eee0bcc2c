"""Hot-path metric updates gathered per loop tick: the same totals and buckets as direct updates, written once
per tick, applied at once outside an event loop."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, Counter, Histogram

from turms.observability import tick

BUCKETS = (0.001, 0.01, 0.1, 1.0)
VALUES = [0.0005, 0.001, 0.002, 0.01, 0.05, 0.5, 1.0, 3.0, 0.0]


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for m in registry.collect()
        for s in m.samples
        if not s.name.endswith("_created")
    }


def _metrics() -> tuple[CollectorRegistry, Counter, Histogram]:
    registry = CollectorRegistry()
    counter = Counter("c", "c", ["k"], registry=registry)
    histogram = Histogram("h", "h", ["k"], buckets=BUCKETS, registry=registry)
    return registry, counter, histogram


async def test_a_tick_of_updates_equals_the_direct_updates_and_is_written_once() -> None:
    direct, c1, h1 = _metrics()
    for v in VALUES:
        c1.labels("a").inc()
        c1.labels("b").inc(2)
        h1.labels("a").observe(v)

    batched, c2, h2 = _metrics()
    writes = 0
    child = h2.labels("a")
    real_inc = child._sum.inc  # type: ignore[attr-defined]

    def counting_inc(amount: float) -> None:
        nonlocal writes
        writes += 1
        real_inc(amount)

    child._sum.inc = counting_inc  # type: ignore[attr-defined]
    for v in VALUES:
        tick.inc(c2.labels("a"))
        tick.inc(c2.labels("b"), 2)
        tick.observe(child, v)
    assert _samples(batched)[("c_total", (("k", "a"),))] == 0  # not yet: at the end of the tick
    await asyncio.sleep(0)
    assert _samples(batched) == _samples(direct)
    assert writes == 1  # one write of the sum for the whole tick


def test_outside_an_event_loop_updates_apply_at_once() -> None:
    registry, counter, histogram = _metrics()
    tick.inc(counter.labels("x"), 3)
    tick.observe(histogram.labels("x"), 0.05)
    samples = _samples(registry)
    assert samples[("c_total", (("k", "x"),))] == 3
    assert samples[("h_count", (("k", "x"),))] == 1


async def test_flush_applies_what_is_pending_now() -> None:
    registry, counter, _ = _metrics()
    tick.inc(counter.labels("y"))
    tick.flush()
    assert _samples(registry)[("c_total", (("k", "y"),))] == 1
    await asyncio.sleep(0)  # the scheduled flush finds nothing left
    assert _samples(registry)[("c_total", (("k", "y"),))] == 1
