"""Process CPU, memory and open files, sampled periodically by each process of the host.

In multiprocess mode ``/metrics`` is built from files, not from the process answering, so each process
writes its own figures: CPU time as a counter (incremented by what was used since the last sample, so a
replaced worker's CPU stays in the total and ``rate()`` is the host's CPU use), memory and descriptors as
per-pid live gauges that vanish with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psutil

from turms.observability import metrics

log = logging.getLogger("turms.observability")


class ProcessSampler:
    def __init__(self, role: str) -> None:
        self.role = role
        self._process = psutil.Process()
        self._cpu_seen = 0.0
        self._cpu = metrics.PROCESS_CPU.labels(role)
        self._memory = metrics.PROCESS_MEMORY.labels(role)
        self._fds = metrics.PROCESS_FDS.labels(role)
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        """Take one sample now (synchronous: the supervisor calls it from its loop)."""
        try:
            with self._process.oneshot():
                times = self._process.cpu_times()
                rss = self._process.memory_info().rss
                fds = self._process.num_fds()
        except psutil.Error as e:
            log.debug("process sample failed: %s", e)
            return
        used = times.user + times.system
        if used > self._cpu_seen:
            self._cpu.inc(used - self._cpu_seen)
            self._cpu_seen = used
        self._memory.set(rss)
        self._fds.set(fds)

    def start(self, interval_s: float) -> None:
        """Sample every ``interval_s`` on the running loop until :meth:`stop`."""
        self.sample()
        self._task = asyncio.get_running_loop().create_task(self._run(interval_s), name="process-metrics")

    async def _run(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            self.sample()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
