"""The per-worker cache of group member ids (push audiences): TTL, invalidation here and on other workers, no
stale value cached by a read that raced an invalidation, bounded size. Real SQLite store; two caches share an
in-process event hub as two workers share the routing bus."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from turms.service.group.member_cache import MemberIdsCache
from turms.settings import load_settings

from message_world import world
from testlib import ManualClock

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Hub:
    """Cluster events delivered to every registered cache, like the routing bus's broadcast. ``failing``
    publishes fail (Redis unreachable from the publisher); :meth:`lose` is a lost subscription, now back."""

    def __init__(self) -> None:
        self.handlers: list[Handler] = []
        self.lost_handlers: list[Callable[[], None]] = []
        self.sent: list[dict[str, Any]] = []
        self.failing = 0

    def on_event(self, kind: str, handler: Handler) -> None:
        self.handlers.append(handler)

    def on_lost(self, handler: Callable[[], None]) -> None:
        self.lost_handlers.append(handler)

    def lose(self) -> None:
        for h in self.lost_handlers:
            h()

    async def broadcast(self, kind: str, body: dict[str, Any]) -> None:
        if self.failing:
            self.failing -= 1
            raise ConnectionError("Redis unreachable")
        self.sent.append(body)
        for h in self.handlers:
            await h(body)


async def test_cached_until_the_ttl_or_a_change_anywhere(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.group.member_ids_cache_ttl_s": "5"}) as w:
        hub, clock = Hub(), ManualClock(0.0)
        here = MemberIdsCache(w.store, w.s.settings, hub, clock)
        there = MemberIdsCache(w.store, w.s.settings, hub, clock)
        await w.add_member(1, 10)
        assert await here.get(1) == await there.get(1) == [10]
        await w.add_member(1, 11)  # behind the caches' backs (a direct store write)
        assert await here.get(1) == [10]
        clock.t = 5.1
        assert sorted(await here.get(1)) == [10, 11]  # the TTL bounds it
        await w.add_member(1, 12)
        await there.changed([1])  # a change through the services on the other worker
        assert hub.sent == [{"g": [1]}]
        assert sorted(await here.get(1)) == [10, 11, 12]


async def test_a_read_that_raced_an_invalidation_is_not_cached(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        cache = MemberIdsCache(w.store, w.s.settings)
        await w.add_member(2, 20)
        real = w.store.find
        entered, release = asyncio.Event(), asyncio.Event()

        async def slow_find(*args: Any, **kwargs: Any) -> Any:
            docs = await real(*args, **kwargs)
            entered.set()
            await release.wait()
            return docs

        w.store.find = slow_find  # type: ignore[method-assign]
        stale = asyncio.create_task(cache.get(2))
        await entered.wait()
        await w.add_member(2, 21)
        cache.forget([2])  # the change lands while the read is in flight
        release.set()
        assert await stale == [20]  # that caller gets what it read…
        w.store.find = real  # type: ignore[method-assign]
        assert sorted(await cache.get(2)) == [20, 21]  # …but it was not kept


async def test_bounded_and_off_when_the_ttl_is_zero(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.group.member_ids_cache_max_groups": "2"}) as w:
        cache = MemberIdsCache(w.store, w.s.settings)
        for gid in (1, 2, 3):
            await w.add_member(gid, gid * 10)
            await cache.get(gid)
        assert list(cache._entries) == [2, 3]
        off = load_settings(None, env={}, flags=[("service.group.member_ids_cache_ttl_s", "0")])
        uncached = MemberIdsCache(w.store, off)
        assert await uncached.get(1) == [10]
        await w.add_member(1, 11)
        assert sorted(await uncached.get(1)) == [10, 11]
        assert uncached._entries == {}


async def test_a_lost_subscription_or_a_change_of_unknown_groups_drops_every_group(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        hub = Hub()
        here = MemberIdsCache(w.store, w.s.settings, hub)
        there = MemberIdsCache(w.store, w.s.settings, hub)
        for gid in (1, 2):
            await w.add_member(gid, gid * 10)
            await here.get(gid)
            await there.get(gid)
        hub.lose()  # events may have been missed while the subscription was down
        assert here._entries == {} and there._entries == {}
        await here.get(1)
        await there.get(1)
        await here.changed(None)  # an admin write by user ids: any group may have changed
        assert hub.sent == [{"all": True}]
        assert here._entries == {} and there._entries == {}


async def test_an_announcement_that_failed_is_retried_in_the_background(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.group.member_ids_cache_ttl_s": "60"}) as w:
        hub = Hub()
        here = MemberIdsCache(w.store, w.s.settings, hub)
        there = MemberIdsCache(w.store, w.s.settings, hub)
        await w.add_member(3, 30)
        assert await there.get(3) == [30]
        await w.add_member(3, 31)
        hub.failing = 2  # the first attempt and one retry fail
        await here.changed([3])  # returns after the first attempt: the change is not held up
        assert hub.sent == [] and 3 in there._entries

        async def announced() -> None:
            while not hub.sent:  # noqa: ASYNC110
                await asyncio.sleep(0.01)

        await asyncio.wait_for(announced(), 5)
        assert hub.sent == [{"g": [3]}]
        assert sorted(await there.get(3)) == [30, 31]


async def test_bounded_by_the_member_ids_held_in_all(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.group.member_ids_cache_max_ids": "5"}) as w:
        cache = MemberIdsCache(w.store, w.s.settings)
        for gid, size in ((1, 2), (2, 2), (3, 3)):
            for uid in range(size):
                await w.add_member(gid, gid * 10 + uid)
            await cache.get(gid)
        assert list(cache._entries) == [2, 3] and cache._ids == 5  # group 1 went first
        for uid in range(6):
            await w.add_member(4, 40 + uid)
        assert len(await cache.get(4)) == 6  # answered, but larger than the whole cache: not kept
        assert list(cache._entries) == [2, 3] and cache._ids == 5
        cache.forget([2])
        assert cache._ids == 3
        cache.clear()
        assert cache._ids == 0 and cache._entries == {}
