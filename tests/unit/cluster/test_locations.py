"""The per-worker cache of session locations: hits, TTL, change events (own and other workers'), lookups
overtaken by a change, eviction; and, on a real Redis, that pushes follow sessions that move between workers."""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
from test_sessions_registry import EACH, Collector, D, _wait, entry

from turms.cluster.bus import RoutingBus
from turms.cluster.keys import Keys
from turms.cluster.locations import SESSIONS_CHANGED_EVENT, SessionLocations
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionRegistry

from testlib import ManualClock


class Registry:
    """A lookup that answers from a dict, counts its calls and can be held."""

    def __init__(self) -> None:
        self.where: dict[int, list[str]] = {}
        self.calls: list[list[int]] = []
        self.hold: asyncio.Event | None = None

    async def __call__(self, ids: list[int]) -> dict[int, list[str]]:
        self.calls.append(ids)
        answer = {uid: list(self.where.get(uid, [])) for uid in ids}
        if self.hold is not None:
            await self.hold.wait()
        return answer


class Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.handlers: dict[str, Any] = {}

    async def broadcast(self, kind: str, body: dict[str, Any]) -> None:
        self.sent.append((kind, body))

    def on_event(self, kind: str, handler: Any) -> None:
        self.handlers[kind] = handler

    def on_lost(self, handler: Any) -> None:
        self.lost = handler


def cache(reg: Registry, clock: ManualClock, ttl: float = 10.0, max_users: int = 100) -> SessionLocations[str]:
    return SessionLocations(reg, ttl_s=lambda: ttl, max_users=lambda: max_users, monotonic=clock)


async def test_hits_until_the_ttl_offline_users_included() -> None:
    reg, clock = Registry(), ManualClock()
    reg.where = {1: ["w1"]}
    c = cache(reg, clock)
    assert await c.get([1, 2]) == {1: ["w1"], 2: []}
    reg.where = {1: ["w2"], 2: ["w2"]}
    assert await c.get([2, 1, 2]) == {1: ["w1"], 2: []}  # both cached, the offline one too
    assert reg.calls == [[1, 2]] and c.hits == 2
    clock.t += 10.5
    assert await c.get([1, 2]) == {1: ["w2"], 2: ["w2"]}
    assert reg.calls == [[1, 2], [1, 2]]


async def test_a_change_here_is_dropped_and_announced_once_per_tick() -> None:
    reg, clock, events = Registry(), ManualClock(), Events()
    c = cache(reg, clock)
    c.attach(events)
    reg.where = {1: ["w1"], 2: ["w1"]}
    await c.get([1, 2])
    reg.where = {1: ["w2"], 2: []}
    c.changed([1])
    c.changed([2, 1])
    assert await c.get([1, 2]) == {1: ["w2"], 2: []}  # dropped at once, here
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert events.sent == [(SESSIONS_CHANGED_EVENT, {"u": [1, 2]})]


async def test_another_workers_change_event_drops_the_users() -> None:
    reg, clock, events = Registry(), ManualClock(), Events()
    c = cache(reg, clock)
    c.attach(events)
    reg.where = {1: ["w1"], 2: ["w1"]}
    await c.get([1, 2])
    reg.where = {1: ["w2"], 2: ["w2"]}
    await events.handlers[SESSIONS_CHANGED_EVENT]({"k": SESSIONS_CHANGED_EVENT, "u": [1]})
    assert await c.get([1, 2]) == {1: ["w2"], 2: ["w1"]}


async def test_a_lookup_overtaken_by_a_change_is_answered_but_not_kept() -> None:
    reg, clock = Registry(), ManualClock()
    c = cache(reg, clock)
    reg.where = {1: ["w1"]}
    reg.hold = asyncio.Event()
    pending = asyncio.create_task(c.get([1]))
    await asyncio.sleep(0)
    c.forget([1])  # the user moved while the registry was being read
    reg.hold.set()
    assert await pending == {1: ["w1"]}
    reg.hold = None
    reg.where = {1: ["w2"]}
    assert await c.get([1]) == {1: ["w2"]}
    assert len(reg.calls) == 2


async def test_clear_and_eviction_and_off() -> None:
    reg, clock = Registry(), ManualClock()
    c = cache(reg, clock, max_users=2)
    await c.get([1, 2, 3])
    assert await c.get([2, 3]) and len(reg.calls) == 1
    await c.get([1])  # 1 was evicted first
    assert reg.calls[-1] == [1]
    c.clear()
    await c.get([1])
    assert len(reg.calls) == 3
    off = cache(reg, clock, ttl=0)
    await off.get([1])
    await off.get([1])
    assert off.hits == 0 and off.misses == 2


async def test_pushes_follow_a_session_that_moves_between_workers(redis_url: str) -> None:
    """Two workers with the cache on: a recipient's move (logout here, login there) reaches the sender's cache
    through the change event, so the next push goes to the new worker; an offline user who logs in gets the
    next push too."""
    keys = Keys("loc:")
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(4)]
    try:
        ma, mb = Membership(clients[0], keys, "a"), Membership(clients[0], keys, "b")
        await ma.beat()
        await mb.beat()
        ca, cb = Collector(), Collector()
        regs = [
            SessionRegistry(clients[i], keys, m, locations_ttl_s=lambda: 60.0, locations_max_users=lambda: 100)
            for i, m in ((0, ma), (2, mb))
        ]
        bus_a = RoutingBus(clients[0], clients[1], keys, ma.instance_id, regs[0], ca)
        bus_b = RoutingBus(clients[2], clients[3], keys, mb.instance_id, regs[1], cb)
        for reg, bus in zip(regs, (bus_a, bus_b), strict=True):
            reg.locations.attach(bus)
            await bus.start()
        await regs[1].register(7, entry(mb, D.DESKTOP, "b7"), 0, EACH)
        await bus_a.deliver([7, 8], b"one")
        await _wait(cb, lambda: cb.delivered)
        assert cb.delivered == [([7], b"one", None)]
        assert regs[0].locations.misses == 2
        # User 7 moves from worker b to worker a; user 8 logs in on worker b.
        await regs[1].unregister(7, entry(mb, D.DESKTOP, "b7"))
        await regs[0].register(7, entry(ma, D.DESKTOP, "a7"), 0, EACH)
        await regs[1].register(8, entry(mb, D.DESKTOP, "b8"), 0, EACH)

        async def announced() -> None:
            # Polled: the change events arrive through Redis on the bus's own task.
            while 7 in regs[0].locations._entries or 8 in regs[0].locations._entries:  # noqa: ASYNC110
                await asyncio.sleep(0.005)

        await asyncio.wait_for(announced(), 5)
        await bus_a.deliver([7, 8], b"two")
        await _wait(cb, lambda: len(cb.delivered) == 2)
        assert cb.delivered[1] == ([8], b"two", None)
        assert ca.delivered == [([7], b"two", None)]
        await bus_a.deliver([7, 8], b"three")  # now from the cache
        assert regs[0].locations.hits == 2
        await _wait(cb, lambda: len(cb.delivered) == 3)
        assert ca.delivered[-1] == ([7], b"three", None)
        for reg, bus in zip(regs, (bus_a, bus_b), strict=True):
            await reg.locations.close()
            await bus.stop()
    finally:
        for c in clients:
            await c.aclose()


async def test_a_lost_subscription_drops_the_whole_cache(redis_url: str) -> None:
    """Change events published while the bus was not subscribed never arrive: once it subscribes again, every
    entry is dropped (and a lookup in flight is not kept)."""
    keys = Keys("loc-lost:")
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    try:
        m = Membership(clients[0], keys, "a")
        await m.beat()
        reg = SessionRegistry(clients[0], keys, m, locations_ttl_s=lambda: 60.0, locations_max_users=lambda: 100)
        bus = RoutingBus(clients[0], clients[1], keys, m.instance_id, reg, Collector())
        reg.locations.attach(bus)
        await bus.start()
        await reg.locations.get([7, 8])  # offline users: cached too
        assert set(reg.locations._entries) == {7, 8}
        assert await clients[0].client_kill_filter(_type="pubsub") >= 1

        async def resubscribed() -> None:
            while bus.subscriptions < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.01)

        await asyncio.wait_for(resubscribed(), 10)
        assert reg.locations._entries == {}
        await reg.locations.close()
        await bus.stop()
    finally:
        for c in clients:
            await c.aclose()
