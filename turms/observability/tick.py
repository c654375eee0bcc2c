"""Hot-path metric updates gathered per event-loop tick and written once per tick.

In multiprocess mode every ``inc`` or ``observe`` of prometheus-client takes a lock, asks the kernel for the
process id (a fork check) and writes the process's mmaped file; a histogram observation is two of those. A
sent message made about ten such writes (request counter, latency histogram, messages sent, store and Redis
latencies, deliveries): 8-9 % of a worker's CPU in the 1:1 benchmark (py-spy, docs/benchmarks.md). Here they
are added up in plain dicts and applied at the end of the loop tick (``call_soon``): one write per metric
child per tick, however many requests the tick answered.

Nothing is lost or reordered: a scrape sees every update made before the tick it runs in, and another worker's
updates up to that worker's current tick (well under a millisecond of staleness, far less than a scrape
interval). Outside a running event loop (the supervisor, tests) updates are applied at once.
:func:`flush` applies what is pending now (before a scrape, at shutdown).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from typing import Any

#: Counter or gauge children → amount to add; histogram children → observed values.
_counts: dict[Any, float] = {}
_observations: dict[Any, list[float]] = {}
_scheduled = False


def inc(child: Any, amount: float = 1.0) -> None:
    """``child.inc(amount)`` at the end of this loop tick."""
    if _scheduled or _schedule():
        _counts[child] = _counts.get(child, 0.0) + amount
    else:
        child.inc(amount)


def observe(child: Any, value: float) -> None:
    """``child.observe(value)`` (a histogram child) at the end of this loop tick."""
    if _scheduled or _schedule():
        values = _observations.get(child)
        if values is None:
            _observations[child] = [value]
        else:
            values.append(value)
    else:
        child.observe(value)


def _schedule() -> bool:
    global _scheduled  # noqa: PLW0603 - one batch per process (per event loop: one per worker)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    loop.call_soon(flush)
    _scheduled = True
    return True


def flush() -> None:
    """Apply every pending update now."""
    global _scheduled  # noqa: PLW0603
    _scheduled = False
    if _counts:
        counts = list(_counts.items())
        _counts.clear()
        for child, amount in counts:
            child.inc(amount)
    if _observations:
        observations = list(_observations.items())
        _observations.clear()
        for child, values in observations:
            observe_many(child, values)


def observe_many(child: Any, values: list[float]) -> None:
    """What ``child.observe(v)`` for each value does, in one write per bucket and one for the sum."""
    bounds = getattr(child, "_upper_bounds", None)
    buckets = getattr(child, "_buckets", None)
    total = getattr(child, "_sum", None)
    if bounds is None or buckets is None or total is None or len(values) == 1:
        # Not the prometheus-client layout this relies on (or nothing to save): observe one by one.
        for v in values:
            child.observe(v)
        return
    counts: dict[int, int] = {}
    for v in values:
        i = bisect_left(bounds, v)  # the first bucket whose upper bound is >= v (the last is +Inf)
        counts[i] = counts.get(i, 0) + 1
    total.inc(sum(values))
    for i, n in counts.items():
        buckets[i].inc(n)
