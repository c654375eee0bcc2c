"""The Redis session registry, membership and routing bus, against a real redis-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from turms.cluster.bus import RoutingBus
from turms.cluster.connection import connect
from turms.cluster.keys import Keys
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionEntry, SessionRegistry
from turms.gateway.login_policy import (
    DeviceType,
    LoginConflictStrategy,
    LoginPolicy,
    SimultaneousLoginStrategy,
)
from turms.supervisor.embedded_redis import EmbeddedRedis

from testlib import free_port

KEYS = Keys("t:")
D = DeviceType
EACH = LoginPolicy(
    SimultaneousLoginStrategy.ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE,
    LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES,
)


def entry(m: Membership, device: DeviceType, sid: str) -> SessionEntry:
    return SessionEntry(device, m.instance_id, sid, 1)


@pytest.fixture
async def membership(redis_client: aioredis.Redis) -> AsyncIterator[Membership]:
    m = Membership(redis_client, KEYS, "node-a")
    await m.beat()
    yield m


async def test_register_and_conflicts(redis_client: aioredis.Redis, membership: Membership) -> None:
    reg = SessionRegistry(redis_client, KEYS, membership)
    first = await reg.register(1, entry(membership, D.DESKTOP, "s1"), 0, EACH)
    assert first.accepted and first.conflicts == ()
    # Another device type coexists under "one of each type".
    assert (await reg.register(1, entry(membership, D.ANDROID, "s2"), 0, EACH)).accepted
    # The same device type displaces the logged-in one.
    third = await reg.register(1, entry(membership, D.DESKTOP, "s3"), 0, EACH)
    assert third.accepted
    assert [c.session_id for c in third.conflicts] == ["s1"]
    assert {e.session_id for e in await reg.sessions(1)} == {"s2", "s3"}
    # Rejecting strategy: the new login is refused and nothing changes.
    reject = LoginPolicy(EACH.strategy, LoginConflictStrategy.DISCONNECT_LOGGING_IN_DEVICE)
    refused = await reg.register(1, entry(membership, D.DESKTOP, "s4"), 0, reject)
    assert not refused.accepted
    assert [c.session_id for c in refused.conflicts] == ["s3"]
    assert {e.session_id for e in await reg.sessions(1)} == {"s2", "s3"}


async def test_a_slow_login_never_displaces_a_later_one(redis_client: aioredis.Redis, membership: Membership) -> None:
    """A login that started before the registered session's (the same client, reconnected while its first
    login was still being checked) is refused instead of closing the newer session."""
    reg = SessionRegistry(redis_client, KEYS, membership)
    newer = SessionEntry(D.DESKTOP, membership.instance_id, "new", 2_000)
    assert (await reg.register(7, newer, 0, EACH)).accepted
    stale = await reg.register(7, SessionEntry(D.DESKTOP, membership.instance_id, "old", 1_000), 0, EACH)
    assert not stale.accepted and stale.superseded
    assert [c.session_id for c in stale.conflicts] == ["new"]
    assert {e.session_id for e in await reg.sessions(7)} == {"new"}
    # Started later (or at the same millisecond): it displaces as before.
    later = await reg.register(7, SessionEntry(D.DESKTOP, membership.instance_id, "later", 2_000), 0, EACH)
    assert later.accepted and not later.superseded
    assert {e.session_id for e in await reg.sessions(7)} == {"later"}


async def test_unregister_only_removes_own_entry(redis_client: aioredis.Redis, membership: Membership) -> None:
    reg = SessionRegistry(redis_client, KEYS, membership)
    old = entry(membership, D.IOS, "old")
    new = entry(membership, D.IOS, "new")
    await reg.register(7, old, 0, EACH)
    await reg.register(7, new, 0, EACH)
    assert await reg.unregister(7, old) == (False, False)
    assert [e.session_id for e in await reg.sessions(7)] == ["new"]
    assert await reg.unregister(7, new) == (True, True)
    assert await redis_client.exists(KEYS.session(7)) == 0


async def test_undoing_a_login_gives_back_what_it_displaced(
    redis_client: aioredis.Redis, membership: Membership
) -> None:
    """A login whose connection closed while it registered is removed and the sessions it displaced come back,
    except where their device type was taken again meanwhile."""
    ALL_ONE = LoginPolicy(
        SimultaneousLoginStrategy.ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE,
        LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES,
    )
    reg = SessionRegistry(redis_client, KEYS, membership)
    live = entry(membership, D.DESKTOP, "live")
    assert (await reg.register(8, live, 0, ALL_ONE)).accepted
    zombie = SessionEntry(D.ANDROID, membership.instance_id, "zombie", 5)
    displaced = await reg.register(8, zombie, 0, ALL_ONE)
    assert [c.session_id for c in displaced.conflicts] == ["live"]
    assert await reg.unregister(8, zombie, displaced.conflicts) == (True, False)
    assert [e.session_id for e in await reg.sessions(8)] == ["live"]
    # Undo after the displaced device type was taken again meanwhile: the newer entry stays.
    displaced = await reg.register(8, zombie, 0, ALL_ONE)
    assert [c.session_id for c in displaced.conflicts] == ["live"]
    await redis_client.hset(KEYS.session(8), str(int(D.DESKTOP)), f"{membership.instance_id}|taken|9")
    assert await reg.unregister(8, zombie, displaced.conflicts) == (True, False)
    assert [e.session_id for e in await reg.sessions(8)] == ["taken"]


async def test_dead_instance_entries_are_absent(redis_client: aioredis.Redis) -> None:
    alive = Membership(redis_client, KEYS, "n", liveness_window_ms=60_000)
    dead = Membership(redis_client, KEYS, "n", liveness_window_ms=60_000)
    await alive.beat()
    await dead.beat()
    reg = SessionRegistry(redis_client, KEYS, alive)
    await reg.register(9, entry(dead, D.DESKTOP, "ghost"), 0, EACH)
    # The dead instance stops beating; age its heartbeat past the window.
    await redis_client.zadd(KEYS.workers, {dead.instance_id: 0})
    alive._live_at = 0
    assert await reg.sessions(9) == []
    # A new login on the same device type meets no conflict.
    result = await reg.register(9, entry(alive, D.DESKTOP, "fresh"), 0, EACH)
    assert result.accepted and result.conflicts == ()
    pruned = await alive.beat()
    assert dead.instance_id in pruned


async def test_status_and_refresh(redis_client: aioredis.Redis, membership: Membership) -> None:
    reg = SessionRegistry(redis_client, KEYS, membership, ttl_s=30)
    assert not await reg.set_status(3, 3)
    assert await redis_client.exists(KEYS.session(3)) == 0
    await reg.register(3, entry(membership, D.BROWSER, "b"), 0, EACH)
    assert await reg.set_status(3, 3)
    statuses = await reg.status_of([3, 4])
    assert statuses[3][0] == 3 and statuses[4] == (None, [])
    await redis_client.expire(KEYS.session(3), 5)
    await reg.refresh([3])
    assert 25 < await redis_client.ttl(KEYS.session(3)) <= 30


@dataclass
class Collector:
    delivered: list[tuple[list[int], bytes, str | None]] = field(default_factory=list)
    closed: list[tuple[list[str], int]] = field(default_factory=list)
    resyncs: int = 0
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def deliver_local(
        self, user_ids: Sequence[int], payload: bytes, exclude_session: str | None, trace_id: str | None
    ) -> int:
        self.delivered.append((list(user_ids), payload, exclude_session))
        self.event.set()
        return len(user_ids)

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        self.closed.append((list(session_ids), close_status))
        self.event.set()
        return len(session_ids)

    def resync_all(self) -> None:
        self.resyncs += 1
        self.event.set()


async def _wait(c: Collector, predicate: object, limit_s: float = 5.0) -> None:
    async def loop() -> None:
        while not predicate():  # type: ignore[operator]
            c.event.clear()
            await c.event.wait()

    await asyncio.wait_for(loop(), limit_s)


async def test_bus_routes_to_the_holding_instance(redis_url: str) -> None:
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(4)]
    try:
        ma = Membership(clients[0], KEYS, "a")
        mb = Membership(clients[0], KEYS, "b")
        await ma.beat()
        await mb.beat()
        ca, cb = Collector(), Collector()
        bus_a = RoutingBus(clients[0], clients[1], KEYS, ma.instance_id, SessionRegistry(clients[0], KEYS, ma), ca)
        bus_b = RoutingBus(clients[2], clients[3], KEYS, mb.instance_id, SessionRegistry(clients[2], KEYS, mb), cb)
        await bus_a.start()
        await bus_b.start()
        reg = SessionRegistry(clients[0], KEYS, ma)
        await reg.register(1, entry(ma, D.DESKTOP, "a1"), 0, EACH)
        await reg.register(2, entry(mb, D.DESKTOP, "b2"), 0, EACH)
        await reg.register(2, entry(ma, D.ANDROID, "a2"), 0, EACH)
        targets = await bus_a.deliver([1, 2, 3], b"\x00payload\n\xff", exclude_session="a1")
        assert targets == 2
        await _wait(cb, lambda: cb.delivered)
        assert cb.delivered == [([2], b"\x00payload\n\xff", "a1")]
        assert sorted(ca.delivered[0][0]) == [1, 2]
        await bus_a.kick([entry(mb, D.DESKTOP, "b2")], 501)
        await _wait(cb, lambda: cb.closed)
        assert cb.closed == [(["b2"], 501)]
        got: list[dict[str, object]] = []

        async def on_settings(body: dict[str, object]) -> None:
            got.append(body)
            cb.event.set()

        bus_b.on_event("settings", on_settings)
        await bus_a.broadcast("settings", {"x": 1})
        await _wait(cb, lambda: got)
        assert got == [{"k": "settings", "x": 1}]
        await bus_a.stop()
        await bus_b.stop()
    finally:
        for c in clients:
            await c.aclose()


async def test_bus_resubscribes_after_redis_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "r", tcp_port=free_port())
    server.start()
    pub = connect(server.url)
    sub = connect(server.url, pubsub=True)
    try:
        m = Membership(pub, KEYS, "a")
        await m.beat()
        c = Collector()
        bus = RoutingBus(pub, sub, KEYS, m.instance_id, SessionRegistry(pub, KEYS, m), c)
        await bus.start()
        server.kill()
        server.start()
        await _wait(c, lambda: c.resyncs >= 1, limit_s=10)
        assert bus.subscriptions >= 2
        # Notifications flow again.
        await m.beat()
        await SessionRegistry(pub, KEYS, m).register(5, entry(m, D.DESKTOP, "s"), 0, EACH)
        await pub.publish(KEYS.worker_channel(m.instance_id), b'N{"u":[5],"x":null,"t":null}\nhi')
        await _wait(c, lambda: c.delivered)
        assert c.delivered[-1] == ([5], b"hi", None)
        await bus.stop()
    finally:
        await pub.aclose()
        await sub.aclose()
        server.stop()
