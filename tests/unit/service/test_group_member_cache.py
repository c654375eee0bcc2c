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
    """Cluster events delivered to every registered cache, like the routing bus's broadcast."""

    def __init__(self) -> None:
        self.handlers: list[Handler] = []
        self.sent: list[dict[str, Any]] = []

    def on_event(self, kind: str, handler: Handler) -> None:
        self.handlers.append(handler)

    async def broadcast(self, kind: str, body: dict[str, Any]) -> None:
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
