"""Cluster membership: which worker instances are alive, and which nodes (hosts) make up the cluster.

Every worker process gets a unique *instance id* for its lifetime (a replaced worker gets a new one), beats
into a Redis sorted set scored by the Redis clock, and registers its node record with a TTL. Session entries
name the instance that holds them, so entries of a crashed worker are recognisably stale as soon as its
heartbeats stop, without anyone cleaning up after it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis.asyncio as aioredis

from turms.cluster.keys import Keys
from turms.cluster.scripts import Script

log = logging.getLogger("turms.cluster.membership")

_HEARTBEAT = Script("worker_heartbeat.lua")
_LIVE = Script("live_workers.lua")


def new_instance_id() -> str:
    return secrets.token_hex(6)


@dataclass
class Membership:
    redis: aioredis.Redis
    keys: Keys
    node_id: str
    instance_id: str = field(default_factory=new_instance_id)
    heartbeat_interval_s: float = 2.0
    #: An instance silent for longer than this is dead.
    liveness_window_ms: int = 10_000
    node_info: dict[str, Any] = field(default_factory=dict)
    on_pruned: Callable[[list[str]], Awaitable[None]] | None = None
    _task: asyncio.Task[None] | None = None
    _live: frozenset[str] = frozenset()
    _live_at: float = 0.0
    #: The read of the live set in flight, and when it started: callers that a read started since their
    #: ``max_age_s`` would satisfy wait for it instead of sending one more.
    _reading: tuple[float, asyncio.Future[frozenset[str]]] | None = None

    @property
    def info(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_ms": int(time.time() * 1000),
            **self.node_info,
        }

    async def beat(self) -> list[str]:
        pruned: list[bytes] = await _HEARTBEAT(
            self.redis,
            keys=[self.keys.workers, self.keys.worker_infos, self.keys.settings_applied],
            args=[self.instance_id, self.liveness_window_ms, orjson.dumps(self.info)],
        )
        ttl_s = max(1, int(self.liveness_window_ms / 1000))
        await self.redis.set(self.keys.node(self.node_id), orjson.dumps(self.info), ex=ttl_s)
        return [p.decode() for p in pruned]

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.create_task(self._run(), name="membership-heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval_s)
            try:
                pruned = await self.beat()
            except (aioredis.RedisError, OSError) as e:
                log.warning("worker heartbeat to Redis failed: %s", e)
                continue
            if pruned:
                log.info("pruned dead worker instances %s", pruned)
                if self.on_pruned is not None:
                    await self.on_pruned(pruned)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._reading is not None:
            read = self._reading[1]
            read.cancel()
            await asyncio.gather(read, return_exceptions=True)  # its done callback forgets it
        try:
            await self.redis.zrem(self.keys.workers, self.instance_id)
            await self.redis.hdel(self.keys.worker_infos, self.instance_id)
            await self.redis.hdel(self.keys.settings_applied, self.instance_id)
        except (aioredis.RedisError, OSError):
            pass  # our entry will age out of the liveness window

    async def live_instances(self, max_age_s: float = 1.0) -> frozenset[str]:
        """The live worker instances, read at most ``max_age_s`` before the call (0: read after it).

        One read at a time serves every caller it is fresh enough for: under load, hundreds of pushes a
        second ask while a read is in flight, and each used to send its own (512 a second in a 1:1 run).
        """
        now = time.monotonic()
        if now - self._live_at <= max_age_s:
            return self._live
        reading = self._reading
        if reading is None or now - reading[0] > max_age_s:
            reading = (now, asyncio.ensure_future(self._read_live(now)))
            reading[1].add_done_callback(self._read_done)
            self._reading = reading
        return await asyncio.shield(reading[1])

    async def _read_live(self, started: float) -> frozenset[str]:
        members = await _LIVE(self.redis, keys=[self.keys.workers], args=[self.liveness_window_ms])
        live = frozenset(m.decode() if isinstance(m, bytes) else str(m) for m in members)
        if started >= self._live_at:
            self._live, self._live_at = live, started
        return live

    def _read_done(self, read: asyncio.Future[frozenset[str]]) -> None:
        if self._reading is not None and self._reading[1] is read:
            self._reading = None
        if not read.cancelled():
            read.exception()  # seen: its callers may all have been cancelled meanwhile

    async def nodes(self) -> list[dict[str, Any]]:
        """Every node with a fresh record: the cluster's members."""
        out = []
        async for key in self.redis.scan_iter(match=self.keys.node_pattern, count=1000):
            raw = await self.redis.get(key)
            if raw:
                out.append(orjson.loads(raw))
        return sorted(out, key=lambda n: str(n.get("node_id")))
