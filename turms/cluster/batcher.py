"""Redis commands issued during one event-loop tick leave together, in one pipeline.

Every push used to send its own pipeline (the recipients' registry hashes) and then its own publish: two
round trips and two connections from the worker's pool per message. Under load the pool (64 connections) ran
dry, pushes waited 5 s for a connection and failed (docs/benchmarks.md). Coalesced, all the pushes of a tick
share one round trip and one connection.

A caller that is cancelled while waiting does not cancel the pipeline: the other callers of its tick still
get their answers, and the connection goes back to the pool whole.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis


class TickBatcher:
    def __init__(self, redis: aioredis.Redis, max_batch: int = 2000) -> None:
        self.redis = redis
        self.max_batch = max_batch
        self._pending: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]] = []
        self._running: set[asyncio.Task[None]] = set()
        #: Pipelines sent and commands in them (for tests and metrics).
        self.pipelines = 0
        self.commands = 0

    def call(self, command: str, *args: Any) -> asyncio.Future[Any]:
        """Queue ``command`` (a redis-py method name, e.g. ``"hgetall"``); the future gets its reply."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending.append((command, args, fut))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        elif len(self._pending) >= self.max_batch:
            self._flush()
        return fut

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _send(self, batch: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        self.pipelines += 1
        self.commands += len(batch)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for command, args, _ in batch:
                    getattr(pipe, command)(*args)
                replies = await pipe.execute(raise_on_error=False)
        except BaseException as e:
            for _, _, fut in batch:
                if not fut.done():
                    fut.set_exception(e if isinstance(e, Exception) else ConnectionError("the batch was cancelled"))
                    fut.exception()  # retrieved here: a caller that gave up must not leave a warning behind
            if not isinstance(e, Exception):
                raise
            return
        for (_, _, fut), reply in zip(batch, replies, strict=True):
            if fut.done():
                continue
            if isinstance(reply, Exception):
                fut.set_exception(reply)
                fut.exception()
            else:
                fut.set_result(reply)

    async def close(self) -> None:
        """Send what is queued and wait for the pipelines in flight."""
        self._flush()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
