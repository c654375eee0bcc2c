"""The cluster-wide blocklist in Redis: the reference copy, a change log, and each worker's sync.

Keys (prefix ``redis.key_prefix``):

* ``{blocklist}:ip`` and ``{blocklist}:user``: sorted sets, member = the IP or user id, score = expiry (epoch ms);
* ``{blocklist}:log``: a stream of changes (``t`` target, ``o`` ``b``lock/``u``nblock/``c``lear, ``i`` JSON
  list of ids, ``e`` expiry ms), capped at ``security.blocklist.max_log_entries``.

A change is written to its sorted set and appended to the log in one MULTI, then announced on the broadcast
channel. The announcement carries nothing but a nudge: every worker then reads the log from its cursor and
applies the entries in log order, so a worker sees exactly the sequence of changes whether it was nudged,
missed a nudge (pub/sub is at-most-once) and caught up at its periodic check, or started late. A worker whose
cursor entry was trimmed away reloads both sorted sets (a full sync), as does every worker at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
import redis.asyncio as aioredis

from turms.clock import Clock
from turms.cluster.bus import RoutingBus
from turms.cluster.keys import Keys
from turms.security.blocklist import BlockTarget, LocalBlocklist
from turms.settings import Settings
from turms.settings import security as sec

log = logging.getLogger("turms.cluster.blocklist")

EVENT = "blocklist"
#: Entries read from the log per round trip.
BATCH = 1000


class BlocklistKeys:
    def __init__(self, prefix: str) -> None:
        keys = Keys(prefix)  # one hash tag: the MULTIs below touch a sorted set and the log together
        self.ip = keys.blocklist_ips
        self.user = keys.blocklist_users
        self.log = keys.blocklist_log

    def of(self, target: BlockTarget) -> str:
        return self.ip if target is BlockTarget.IP else self.user


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBlocklist:
    """The :class:`~turms.security.blocklist.BlocklistBackend` over Redis, and this worker's sync loop."""

    def __init__(
        self,
        redis: aioredis.Redis,
        bus: RoutingBus,
        local: LocalBlocklist,
        settings: Settings,
        clock: Clock,
        *,
        prefix: str = "turms:",
    ) -> None:
        self.redis = redis
        self.bus = bus
        self.local = local
        self.settings = settings
        self.clock = clock
        self.keys = BlocklistKeys(prefix)
        #: The id of the last log entry applied here.
        self.cursor = "0-0"
        self.full_syncs = 0
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # Writing (BlocklistBackend) ---------------------------------------------------------------------

    async def block(self, target: BlockTarget, ids: list[str] | list[int], expiry_ms: int) -> None:
        members = {str(i): expiry_ms for i in ids}
        await self._write(
            target, "b", [str(i) for i in ids], expiry_ms, lambda p: p.zadd(self.keys.of(target), members)
        )

    async def unblock(self, target: BlockTarget, ids: list[str] | list[int] | None) -> None:
        key = self.keys.of(target)
        if ids is None:
            await self._write(target, "c", [], 0, lambda p: p.delete(key))
        elif ids:
            await self._write(target, "u", [str(i) for i in ids], 0, lambda p: p.zrem(key, *[str(i) for i in ids]))

    async def _write(self, target: BlockTarget, op: str, ids: list[str], expiry_ms: int, change: Any) -> None:
        fields: dict[Any, Any] = {"t": target.value, "o": op, "i": orjson.dumps(ids), "e": expiry_ms}
        async with self.redis.pipeline(transaction=True) as pipe:
            change(pipe)
            pipe.xadd(self.keys.log, fields, maxlen=self.settings.get(sec.MAX_LOG_ENTRIES), approximate=True)
            await pipe.execute()
        await self.bus.broadcast(EVENT, {})

    async def query(self, target: BlockTarget, ids: list[str] | list[int] | None, now_ms: int) -> dict[str, int]:
        key = self.keys.of(target)
        if ids is None:
            rows: list[Any] = await self.redis.zrangebyscore(key, f"({now_ms}", "+inf", withscores=True)
            return {_text(m): int(score) for m, score in rows}
        if not ids:
            return {}
        scores = await self.redis.zmscore(key, [str(i) for i in ids])
        found: dict[str, int] = {}
        for i, score in zip(ids, scores, strict=True):
            if score is not None and float(score) > now_ms:
                found[str(i)] = int(float(score))
        return found

    # Syncing ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.full_sync()
        self.bus.on_event(EVENT, self._on_event)
        self.bus.on_resubscribed.append(self._nudge)
        self._task = asyncio.create_task(self._run(), name="blocklist-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _on_event(self, body: dict[str, Any]) -> None:
        self._wakeup.set()

    async def _nudge(self) -> None:
        self._wakeup.set()

    async def _run(self) -> None:
        cleanup_every = 6
        rounds = 0
        while True:
            interval = self.settings.get(sec.SYNC_INTERVAL_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), interval)
            self._wakeup.clear()
            try:
                await self.catch_up()
                rounds += 1
                if rounds % cleanup_every == 0:
                    await self.evict_expired()
            except (aioredis.RedisError, OSError) as e:
                log.warning("blocklist sync failed: %s", e)

    async def full_sync(self) -> None:
        """Reload both sorted sets, and set the cursor to the log's last entry read in the same MULTI."""
        async with self._lock:
            if await self.redis.xlen(self.keys.log) == 0:
                # An anchor entry, so a worker that is up to date always finds its cursor entry in the log.
                await self.redis.xadd(self.keys.log, {"o": "start"}, maxlen=self.settings.get(sec.MAX_LOG_ENTRIES))
            now_ms = self.clock.now_ms()
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xrevrange(self.keys.log, "+", "-", count=1)
                pipe.zrangebyscore(self.keys.ip, f"({now_ms}", "+inf", withscores=True)
                pipe.zrangebyscore(self.keys.user, f"({now_ms}", "+inf", withscores=True)
                last, ips, users = await pipe.execute()
            self.cursor = _text(last[0][0]) if last else "0-0"
            self.local.replace(
                {_text(m): int(s) for m, s in ips},
                {int(_text(m)): int(s) for m, s in users},
                now_ms,
            )
            self.full_syncs += 1

    async def catch_up(self) -> int:
        """Apply the log entries after the cursor, in order; return how many were applied."""
        applied = 0
        gap = False
        async with self._lock:
            while True:
                entries = await self.redis.xrange(self.keys.log, self.cursor, "+", count=BATCH + 1)
                if not entries or _text(entries[0][0]) != self.cursor:
                    # The cursor entry is gone: trimmed away (this worker is far behind) or Redis lost the log.
                    gap = True
                    break
                fresh = entries[1:]
                now_ms = self.clock.now_ms()
                for entry_id, fields in fresh:
                    self._apply({_text(k): v for k, v in (fields or {}).items()}, now_ms)
                    self.cursor = _text(entry_id)
                    applied += 1
                if len(fresh) < BATCH:
                    break
        if gap:
            log.warning("blocklist log no longer holds this worker's cursor %s; reloading it", self.cursor)
            await self.full_sync()
        return applied

    def _apply(self, fields: dict[str, Any], now_ms: int) -> None:
        op = _text(fields.get("o", b""))
        if op == "start":
            return
        try:
            target = BlockTarget(_text(fields["t"]))
            ids = orjson.loads(fields.get("i", b"[]"))
        except (KeyError, ValueError):
            log.warning("ignoring a malformed blocklist log entry: %r", fields)
            return
        if op == "b":
            self.local.block(target, ids, int(fields.get("e", 0)), now_ms)
        elif op == "u":
            self.local.unblock(target, ids)
        elif op == "c":
            if target is BlockTarget.IP:
                self.local.ips.clear()
            else:
                self.local.users.clear()

    async def evict_expired(self) -> None:
        """Drop expired blocks from Redis (any worker may; it is idempotent) and from the local view."""
        now_ms = self.clock.now_ms()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(self.keys.ip, "-inf", now_ms)
            pipe.zremrangebyscore(self.keys.user, "-inf", now_ms)
            await pipe.execute()
        self.local.evict_expired(now_ms)


__all__ = ["EVENT", "BlocklistKeys", "RedisBlocklist"]
