"""TickBatcher on a real Redis: the commands of one loop tick share one pipeline; each caller gets its own
reply or error; a caller that gives up does not disturb the others."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from turms.cluster.batcher import TickBatcher


async def test_one_pipeline_per_tick_each_caller_its_reply(redis_client: aioredis.Redis) -> None:
    await redis_client.hset("h:1", mapping={"a": "1"})
    await redis_client.set("s", "x")
    batcher = TickBatcher(redis_client)
    replies = await asyncio.gather(
        *(batcher.call("hgetall", f"h:{i}") for i in range(1, 51)),
        batcher.call("publish", "chan", b"payload"),
        return_exceptions=True,
    )
    assert batcher.pipelines == 1 and batcher.commands == 51
    assert replies[0] == {b"a": b"1"} and replies[1:50] == [{}] * 49
    assert replies[50] == 0  # nobody subscribed
    # A command that fails fails only its own caller.
    bad, good = await asyncio.gather(
        batcher.call("hgetall", "s"), batcher.call("hgetall", "h:1"), return_exceptions=True
    )
    assert isinstance(bad, ResponseError) and good == {b"a": b"1"}
    assert batcher.pipelines == 2
    await batcher.close()


async def test_a_caller_that_gives_up_leaves_the_others_their_replies(redis_client: aioredis.Redis) -> None:
    await redis_client.hset("h:2", mapping={"b": "2"})
    batcher = TickBatcher(redis_client)
    impatient = asyncio.ensure_future(batcher.call("hgetall", "h:2"))
    patient = batcher.call("hgetall", "h:2")
    impatient.cancel()
    assert await patient == {b"b": b"2"}
    with pytest.raises(asyncio.CancelledError):
        await impatient
    await batcher.close()


async def test_a_lost_connection_fails_every_caller_of_the_tick() -> None:
    dead = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    batcher = TickBatcher(dead)
    results = await asyncio.gather(*(batcher.call("hgetall", f"k{i}") for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, (OSError, aioredis.RedisError)) for r in results)
    await batcher.close()
    await dead.aclose()
