"""The event-loop lag probe: how late a timer fires is how long the loop could run nothing else.

Every ``interval`` the probe schedules its next run with ``call_at`` and, when it runs, records how late it
is (never less than 0) in the :data:`~turms.observability.metrics.LOOP_LAG` histogram and keeps the
:data:`~turms.observability.metrics.LOOP_LAG_MAX` gauge at the worst lag of the last minute. A blocked or
stopped loop (a slow callback, a long GC pause, SIGSTOP) shows up at the first run after it resumes. The
cost is one timer per interval per worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import Gauge, Histogram

from turms.observability import metrics

#: The maximum gauge covers the current and the previous window of this length.
WINDOW_S = 60.0


class LagProbe:
    def __init__(
        self,
        interval_s: float,
        *,
        histogram: Histogram | None = None,
        gauge: Gauge | None = None,
        window_s: float = WINDOW_S,
        on_lag: Callable[[float], None] | None = None,
    ) -> None:
        self.interval_s = interval_s
        self.window_s = window_s
        self.histogram = histogram if histogram is not None else metrics.LOOP_LAG
        self.gauge = gauge if gauge is not None else metrics.LOOP_LAG_MAX
        self.on_lag = on_lag
        self.last_lag = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0
        self._window_started = 0.0
        self._window_max = 0.0
        self._previous_max = 0.0

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        now = self._loop.time()
        self._window_started = now
        self._schedule(now)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self, now: float) -> None:
        assert self._loop is not None
        self._due = now + self.interval_s
        self._handle = self._loop.call_at(self._due, self._run)

    def _run(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        self.record(max(0.0, now - self._due), now)
        self._schedule(now)

    def record(self, lag: float, now: float) -> None:
        """Account one measurement taken at loop time ``now``."""
        self.last_lag = lag
        self.histogram.observe(lag)
        if now - self._window_started >= self.window_s:
            self._previous_max = self._window_max
            self._window_max = 0.0
            self._window_started = now
        self._window_max = max(self._window_max, lag)
        self.gauge.set(max(self._window_max, self._previous_max))
        if self.on_lag is not None:
            self.on_lag(lag)
