"""Retention: expired messages deleted batch by batch on the injected clock, by one lease holder at a time
(the lease on a real Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import redis.asyncio as aioredis

from turms.cluster.lease import RedisLease
from turms.service.message.retention import purge_once

from message_world import world
from testlib import ManualClock

A, B = 11, 22


async def test_zero_keeps_messages_forever(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.send(A, to=B)
        w.clock.advance(10 * 365 * 86400)
        assert await purge_once(w.s) == 0
        assert len(await w.messages()) == 1


async def test_expired_messages_are_deleted_in_batches(tmp_path: Path, redis_client: aioredis.Redis) -> None:
    settings = {"service.message.retention_period_h": "1", "service.message.retention_batch_size": "3"}
    async with world(tmp_path, settings) as w:
        for _ in range(7):
            await w.send(A, to=B)
        w.clock.advance(1800)
        await w.send(B, to=A, text="young")
        w.clock.advance(1801)  # the first seven are now older than an hour, the last is not
        lease = RedisLease(redis_client, "t:lease:retention", ttl_s=5)
        rival = RedisLease(redis_client, "t:lease:retention", ttl_s=5)
        assert await rival.acquire()
        assert await purge_once(w.s, lease) == 0  # someone else holds the lease: nothing happens
        await rival.release()
        assert await purge_once(w.s, lease) == 7
        assert [d["txt"] for d in await w.messages()] == ["young"]
        assert await lease.holder() == lease.token
        # Sequence ids continue above the deleted ones.
        await w.send(A, to=B)
        assert [d["sqid"] for d in await w.messages()] == [8, 9]


async def test_lease_is_exclusive_renewable_and_fenced(redis_client: aioredis.Redis) -> None:
    clock = ManualClock()
    a = RedisLease(redis_client, "t:lease:x", ttl_s=0.3, safety_margin_s=0.05, monotonic=clock)
    b = RedisLease(redis_client, "t:lease:x", ttl_s=0.3, safety_margin_s=0.05)
    results = await asyncio.gather(a.acquire(), b.acquire())
    assert sorted(results) == [False, True]
    holder, other = (a, b) if results[0] else (b, a)
    assert await holder.acquire()  # renewal by the owner
    assert not await other.acquire()
    # The local fence: once the TTL minus the margin has passed without a renewal, the holder stops.
    if holder is a:
        clock.t += 0.26
        assert not a.held
    await asyncio.sleep(0.35)  # the key lapses in Redis
    assert await other.acquire() and other.held
    assert not await holder.acquire()
    await other.release()
    assert await other.holder() is None
