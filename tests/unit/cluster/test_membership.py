"""Reading the live worker set: one read in flight serves every caller it is fresh enough for (real Redis)."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from turms.cluster.keys import Keys
from turms.cluster.membership import Membership

from testlib import free_port

KEYS = Keys("tm:")


async def live_reads(redis_client: aioredis.Redis) -> int:
    """How many times the server has run a script so far (the live-set read is the only one these tests run)."""
    stats = await redis_client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0)) + int(stats.get("cmdstat_eval", {}).get("calls", 0))


async def beating(redis_client: aioredis.Redis) -> Membership:
    m = Membership(redis_client, KEYS, "node-a", liveness_window_ms=60_000)
    await m.beat()
    await m.live_instances(max_age_s=0)  # loads the script into this server: later reads are one call each
    m._live_at = 0.0  # and stale again
    return m


async def test_callers_during_a_read_share_it(redis_client: aioredis.Redis) -> None:
    """Under load, hundreds of pushes ask for the live set while one read is in flight: they wait for that read
    instead of sending one each (a 1:1 run sent 512 a second where two were meant)."""
    m = await beating(redis_client)
    before = await live_reads(redis_client)
    results = await asyncio.gather(*(m.live_instances() for _ in range(200)))
    assert await live_reads(redis_client) - before == 1
    assert all(r == frozenset({m.instance_id}) for r in results)
    # Fresh now: served from memory.
    assert await m.live_instances() == frozenset({m.instance_id})
    assert await live_reads(redis_client) - before == 1


async def test_a_caller_that_wants_a_fresh_read_does_not_take_an_older_one(redis_client: aioredis.Redis) -> None:
    """``max_age_s=0`` (the admin API, a session entry naming an instance not seen yet) means a read that
    starts after the call: it does not join one already in flight."""
    m = await beating(redis_client)
    other = "another-instance"
    before = await live_reads(redis_client)
    first = asyncio.ensure_future(m.live_instances())
    await asyncio.sleep(0)  # the first read is in flight, and has not seen `other`
    seconds, micros = await redis_client.time()
    await redis_client.zadd(KEYS.workers, {other: seconds * 1000 + micros // 1000})  # a beat, without a script
    fresh = await m.live_instances(max_age_s=0)
    assert other in fresh
    await first
    assert await live_reads(redis_client) - before == 2
    # The newer read is the one kept, whichever finished last.
    assert other in await m.live_instances()
    assert await live_reads(redis_client) - before == 2


async def test_a_cancelled_caller_leaves_the_shared_read_to_the_others(redis_client: aioredis.Redis) -> None:
    m = await beating(redis_client)
    before = await live_reads(redis_client)
    impatient = asyncio.ensure_future(m.live_instances())
    patient = asyncio.ensure_future(m.live_instances())
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient == frozenset({m.instance_id})
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await live_reads(redis_client) - before == 1


async def test_a_failed_read_fails_its_callers_and_the_next_call_reads_again() -> None:
    client = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    try:
        m = Membership(client, KEYS, "node-a")
        outcomes = await asyncio.gather(*(m.live_instances() for _ in range(5)), return_exceptions=True)
        assert all(isinstance(o, aioredis.ConnectionError) for o in outcomes), outcomes
        assert m._reading is None
        with pytest.raises(aioredis.ConnectionError):
            await m.live_instances()
    finally:
        await client.aclose()


async def test_stop_cancels_a_read_in_flight(redis_client: aioredis.Redis) -> None:
    m = await beating(redis_client)
    pending = asyncio.ensure_future(m.live_instances())
    await asyncio.sleep(0)
    assert m._reading is not None
    await m.stop()
    assert m._reading is None
    with pytest.raises(asyncio.CancelledError):
        await pending
