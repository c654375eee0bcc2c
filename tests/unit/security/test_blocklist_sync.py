"""The cluster blocklist on a real Redis: two workers' syncs, the change log, catch-up, full sync."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import redis.asyncio as aioredis

from turms.clock import FakeClock
from turms.cluster.blocklist import RedisBlocklist
from turms.cluster.bus import RoutingBus
from turms.cluster.connection import connect
from turms.cluster.keys import Keys
from turms.security.blocklist import BlocklistService, LocalBlocklist
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(30)


class NoSessions:
    def deliver_local(self, user_ids: Sequence[int], payload: bytes, exclude: str | None, trace: str | None) -> int:
        return 0

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        return 0

    def resync_all(self) -> None:
        pass


class Worker:
    def __init__(self, url: str, name: str, clock: FakeClock, **flags: str) -> None:
        self.settings = load_settings(None, env={}, flags=list(flags.items()))
        self.redis = connect(url)
        self.subscriber = connect(url, pubsub=True)
        self.bus = RoutingBus(self.redis, self.subscriber, Keys(), name, None, NoSessions())  # type: ignore[arg-type]
        self.local = LocalBlocklist()
        self.blocked_users: list[int] = []
        self.local.on_user_blocked.append(self.blocked_users.append)
        self.sync = RedisBlocklist(self.redis, self.bus, self.local, self.settings, clock)
        self.service = BlocklistService(self.settings, clock, self.local, self.sync)

    async def start(self) -> None:
        await self.bus.start()
        await self.sync.start()

    async def stop(self) -> None:
        await self.sync.stop()
        await self.bus.stop()
        await self.subscriber.aclose()
        await self.redis.aclose()


async def eventually(check: Any, within: float = 1.0) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within:.1f} s")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


@pytest.fixture
async def pair(redis_url: str) -> AsyncIterator[tuple[Worker, Worker, FakeClock]]:
    clock = FakeClock()
    a, b = Worker(redis_url, "a", clock), Worker(redis_url, "b", clock)
    await a.start()
    await b.start()
    try:
        yield a, b, clock
    finally:
        await a.stop()
        await b.stop()


async def test_a_block_reaches_the_other_worker_within_one_second(pair: tuple[Worker, Worker, FakeClock]) -> None:
    a, b, clock = pair
    await a.service.block_user_ids([7, 8], 60)
    await a.service.block_ips(["203.0.113.5"], 60)
    assert a.local.is_user_blocked(7, clock.now_ms())  # the writer applies it at once
    took = await eventually(lambda: b.local.is_ip_blocked("203.0.113.5", clock.now_ms()))
    assert took < 1.0
    assert b.blocked_users == [7, 8]
    assert {x.id for x in await b.service.query_blocked_user_ids()} == {7, 8}
    assert [x.id for x in await b.service.query_blocked_user_ids([8, 9])] == [8]
    await b.service.unblock_user_ids([7])
    await eventually(lambda: not a.local.is_user_blocked(7, clock.now_ms()))
    await a.service.unblock_ips()  # all
    await eventually(lambda: not b.local.ips)
    clock.advance(61)
    assert not b.local.is_user_blocked(8, clock.now_ms())  # expired
    assert await b.service.query_blocked_user_ids() == []


async def test_a_missed_announcement_is_caught_up_from_the_log(pair: tuple[Worker, Worker, FakeClock]) -> None:
    a, b, _ = pair
    await b.sync.stop()  # b hears nothing
    b.bus._handlers.pop("blocklist")
    await a.service.block_user_ids([1], 60)
    await a.service.unblock_user_ids([1])
    await a.service.block_user_ids([2], 60)
    await asyncio.sleep(0.05)
    assert not b.local.users
    assert await b.sync.catch_up() == 3  # applied in log order: 1 was blocked then unblocked
    assert set(b.local.users) == {2} and b.blocked_users == [1, 2]
    assert await b.sync.catch_up() == 0


async def test_a_worker_behind_a_trimmed_log_reloads_everything(redis_url: str) -> None:
    clock = FakeClock()
    a = Worker(redis_url, "a", clock, **{"security.blocklist.max_log_entries": "10"})
    b = Worker(redis_url, "b", clock)
    await a.start()
    await b.start()
    try:
        await b.sync.stop()
        b.bus._handlers.pop("blocklist")
        for uid in range(300):  # far more than the log keeps (MAXLEN ~ trims in whole nodes of 100)
            await a.service.block_user_ids([uid], 60)
        redis = aioredis.Redis.from_url(redis_url)
        assert await redis.xlen(Keys().blocklist_log) < 300
        await redis.aclose()
        syncs = b.sync.full_syncs
        await b.sync.catch_up()
        assert b.sync.full_syncs == syncs + 1
        assert set(b.local.users) == set(range(300))
    finally:
        await a.stop()
        await b.stop()
