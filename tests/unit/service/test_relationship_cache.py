"""The per-worker cache of the relationship a private send checks: a block through the services applies to the
next message on every worker, a write around the services within the TTL, a read that raced an invalidation is
not kept, TTL 0 reads the store. Real SQLite store; caches share an in-process event hub as workers share the
routing bus."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from test_group_member_cache import Hub

from turms.protocol.status import ResponseStatusCode as Code
from turms.service import relationship
from turms.service.relationship.cache import RelationshipCache

from message_world import world
from testlib import ManualClock

A, B = 1, 2


async def test_a_block_applies_on_every_worker_and_a_write_around_the_services_within_the_ttl(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.relationship_cache_ttl_s": "5"}) as w:
        hub, clock = Hub(), ManualClock(0.0)
        here = RelationshipCache(w.store, w.s.settings, hub, clock)
        there = RelationshipCache(w.store, w.s.settings, hub, clock)
        assert await here.get(B, A) is None and await there.get(B, A) is None
        key = {"_id": {"oid": B, "rid": A}}
        await w.store.insert_one("userRelationship", {**key, "bd": w.clock.now()})  # behind the caches' backs
        assert await here.get(B, A) is None
        clock.t = 5.1
        assert "bd" in (await here.get(B, A) or {})  # the TTL bounds it
        await w.store.update_one("userRelationship", key, {"$unset": {"bd": True}})
        await there.changed([B])  # an unblock through the services on the other worker
        assert hub.sent == [{"o": [B]}]
        assert await here.get(B, A) == {}
        await here.changed(None)  # owners unknown (an admin write by filter): everything goes
        assert hub.sent[-1] == {"all": True}
        assert here.hits == 1


async def test_a_read_that_raced_an_invalidation_is_not_kept(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        cache = RelationshipCache(w.store, w.s.settings)
        real = w.store.find
        entered, release = asyncio.Event(), asyncio.Event()

        async def slow_find(*args: Any, **kwargs: Any) -> Any:
            docs = await real(*args, **kwargs)
            entered.set()
            await release.wait()
            return docs

        w.store.find = slow_find  # type: ignore[method-assign]
        stale = asyncio.create_task(cache.get(B, A))
        await entered.wait()
        await w.store.insert_one("userRelationship", {"_id": {"oid": B, "rid": A}, "bd": w.clock.now()})
        cache.forget([B])  # the block lands while the read is in flight
        release.set()
        assert await stale is None  # that caller gets what it read…
        w.store.find = real  # type: ignore[method-assign]
        assert "bd" in (await cache.get(B, A) or {})  # …but it was not kept


async def test_blocking_through_the_service_refuses_the_next_message(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        relationship.register(w.router, w.s)
        assert (await w.send(A, to=B)).code == Code.OK  # caches "no relationship"
        assert (await w.ok(B, "create_relationship_request", user_id=A, blocked=True)).code == Code.OK
        assert (await w.send(A, to=B)).code == Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE
        assert (await w.ok(B, "update_relationship_request", user_id=A, blocked=False)).code == Code.OK
        assert (await w.send(A, to=B)).code == Code.OK


async def test_off_when_the_ttl_is_zero(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.relationship_cache_ttl_s": "0"}) as w:
        cache = RelationshipCache(w.store, w.s.settings)
        assert await cache.get(B, A) is None
        await w.store.insert_one("userRelationship", {"_id": {"oid": B, "rid": A}, "bd": w.clock.now()})
        assert "bd" in (await cache.get(B, A) or {})
        assert cache.hits == 0


async def test_a_lost_subscription_drops_every_relationship(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        hub = Hub()
        cache = RelationshipCache(w.store, w.s.settings, hub)
        assert await cache.get(B, A) is None
        await w.store.insert_one("userRelationship", {"_id": {"oid": B, "rid": A}, "bd": w.clock.now()})
        hub.lose()  # the block's event may have been published while this worker was not subscribed
        assert "bd" in (await cache.get(B, A) or {})
