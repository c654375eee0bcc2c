"""The cluster services on a real 3-master Redis Cluster and on a Sentinel-managed master/replica pair.

One cluster and one Sentinel group per module (tests/redis_topologies.py); every test uses the same client
factory (``turms.cluster.connection.connect``) the server does, with the URL alone naming the topology.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence

import pytest
import redis
import redis.asyncio as aioredis
from redis.crc import key_slot
from redis_topologies import RedisCluster, SentinelGroup, redis_cluster, sentinel_group

from turms.clock import FakeClock
from turms.cluster.blocklist import RedisBlocklist
from turms.cluster.bus import RoutingBus
from turms.cluster.connection import connect, parse_target
from turms.cluster.geo import RedisGeoIndex
from turms.cluster.keys import Keys
from turms.cluster.lease import RedisLease
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionEntry, SessionRegistry
from turms.cluster.worker_id import WorkerIdLease
from turms.gateway.login_policy import DeviceType, LoginConflictStrategy, LoginPolicy, SimultaneousLoginStrategy
from turms.security.blocklist import BlockTarget, LocalBlocklist
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(60)

KEYS = Keys()
D = DeviceType
EACH = LoginPolicy(
    SimultaneousLoginStrategy.ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE,
    LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES,
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    with redis_cluster(tmp_path_factory.mktemp("cluster")) as c:
        yield c


@pytest.fixture(scope="module")
def sentinels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelGroup]:
    with sentinel_group(tmp_path_factory.mktemp("sentinel"), peers=False) as g:
        yield g


@pytest.fixture
async def on_cluster(cluster: RedisCluster) -> AsyncIterator[aioredis.Redis]:
    client = connect(cluster.url)
    try:
        yield client
    finally:
        await client.aclose()
        cluster.flush()


class Sessions:
    """The bus's view of one worker's local sessions: what it was asked to deliver, close and resync."""

    def __init__(self) -> None:
        self.delivered: list[tuple[list[int], bytes]] = []
        self.closed: list[str] = []
        self.resyncs = 0

    def deliver_local(self, user_ids: Sequence[int], payload: bytes, exclude: str | None, trace: str | None) -> int:
        self.delivered.append((list(user_ids), payload))
        return len(user_ids)

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        self.closed.extend(session_ids)
        return len(session_ids)

    def resync_all(self) -> None:
        self.resyncs += 1


class Node:
    """One worker's cluster services, as the worker builds them (turms.worker.components)."""

    def __init__(self, url: str) -> None:
        self.redis = connect(url)
        self.subscriber = connect(url, pubsub=True)
        self.membership = Membership(self.redis, KEYS, "node")
        self.registry = SessionRegistry(self.redis, KEYS, self.membership)
        self.local = Sessions()
        self.bus = RoutingBus(self.redis, self.subscriber, KEYS, self.membership.instance_id, self.registry, self.local)

    async def start(self) -> Node:
        await self.membership.start()  # beats every 2 s, as in a worker
        await self.bus.start()
        return self

    async def stop(self) -> None:
        await self.bus.stop()
        await self.registry.batcher.close()
        await self.membership.stop()
        await self.subscriber.aclose()
        await self.redis.aclose()


@contextlib.asynccontextmanager
async def nodes(url: str, n: int = 2) -> AsyncIterator[list[Node]]:
    started = [await Node(url).start() for _ in range(n)]
    try:
        yield started
    finally:
        for node in started:
            await node.stop()


async def eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not within {within} s"
        await asyncio.sleep(0.01)


def test_keys_that_change_together_share_a_slot_and_users_spread() -> None:
    assert len({key_slot(k.encode()) for k in (KEYS.workers, KEYS.worker_infos, KEYS.settings_applied)}) == 1
    assert key_slot(KEYS.node("a").encode()) == key_slot(KEYS.workers.encode())
    assert len({key_slot(k.encode()) for k in (KEYS.blocklist_ips, KEYS.blocklist_users, KEYS.blocklist_log)}) == 1
    assert key_slot(KEYS.geo_locations.encode()) == key_slot(KEYS.geo_times.encode())
    assert key_slot(KEYS.worker_id_lease(7).encode()) == key_slot(KEYS.worker_id_high_water_mark(7).encode())
    # Per-user and per-worker names spread over the slots (so over the shards).
    assert len({key_slot(KEYS.session(uid).encode()) * 3 // 16384 for uid in range(100)}) == 3
    assert len({key_slot(KEYS.worker_channel(f"w{i}").encode()) * 3 // 16384 for i in range(30)}) == 3
    assert Keys.user_of_session_key(KEYS.session(12345).encode()) == 12345
    with pytest.raises(ValueError, match="braces"):
        Keys("a{b}:")


def test_urls_name_the_topology() -> None:
    sentinel = parse_target("rediss+sentinel://:secret@h1:26379,h2/svc/2?sentinel_password=s&ssl_ca_certs=/ca.pem")
    assert (sentinel.topology, sentinel.nodes, sentinel.service) == ("sentinel", (("h1", 26379), ("h2", 26379)), "svc")
    assert sentinel.options == {"password": "secret", "db": 2, "ssl": True, "ssl_ca_certs": "/ca.pem"}
    assert sentinel.sentinel_options == {"password": "s", "ssl": True, "ssl_ca_certs": "/ca.pem"}
    cluster = parse_target("redis+cluster://u:p@a:7000,b:7001")
    assert (cluster.topology, cluster.nodes, cluster.options) == (
        "cluster",
        (("a", 7000), ("b", 7001)),
        {"username": "u", "password": "p"},
    )
    assert parse_target("rediss://h:6380/0?ssl_cert_reqs=required").topology == "standalone"
    for bad in ("redis+sentinel://h:1", "redis+cluster://h:1/3", "http://h", "redis+cluster://h:x"):
        with pytest.raises(ValueError):
            parse_target(bad)


async def test_registry_conflicts_and_dead_instances_on_a_cluster(cluster: RedisCluster) -> None:
    async with nodes(cluster.url) as (a, b):
        reg = a.registry
        other = SessionEntry(D.DESKTOP, b.membership.instance_id, "on-b", 1)
        assert (await b.registry.register(1, other, 0, EACH)).accepted
        # A's login meets B's live entry (an instance A had not judged yet): displaced, reported.
        mine = SessionEntry(D.DESKTOP, a.membership.instance_id, "on-a", 2)
        result = await reg.register(1, mine, 0, EACH)
        assert result.accepted and [c.session_id for c in result.conflicts] == ["on-b"]
        assert [e.session_id for e in await reg.sessions(1)] == ["on-a"]
        # An entry of an instance that stopped beating counts as absent and is replaced without a conflict.
        ghost = SessionEntry(D.ANDROID, "dead-instance", "ghost", 1)
        await a.redis.hset(KEYS.session(1), str(int(D.ANDROID)), ghost.encode())
        fresh = await reg.register(1, SessionEntry(D.ANDROID, a.membership.instance_id, "fresh", 3), 0, EACH)
        assert fresh.accepted and fresh.conflicts == ()
        assert {e.session_id for e in await reg.sessions(1)} == {"on-a", "fresh"}
        # Many users: their hashes land on every shard, and lookups of one tick still come back in one go.
        for uid in range(100, 160):
            await reg.register(uid, SessionEntry(D.IOS, a.membership.instance_id, f"s{uid}", 1), 0, EACH)
        found = await reg.sessions_of(range(100, 160))
        assert all([e.session_id for e in found[uid]] == [f"s{uid}"] for uid in range(100, 160))
        per_node = []
        for port in cluster.ports:
            with contextlib.closing(redis.Redis(port=port)) as c:
                per_node.append(len(c.keys(KEYS.session_pattern)))
        assert sum(per_node) == 61 and all(n > 0 for n in per_node)
        statuses = await reg.status_of([1, 100, 999])
        assert statuses[999] == (None, []) and len(statuses[1][1]) == 2
        assert await reg.unregister(1, mine) == (True, False)
        assert len(await a.membership.live_instances(max_age_s=0)) == 2


async def test_bus_publishes_to_one_shard_with_sharded_pub_sub(cluster: RedisCluster) -> None:
    async with nodes(cluster.url) as (a, b):
        await b.registry.register(5, SessionEntry(D.IOS, b.membership.instance_id, "s5", 1), 0, EACH)
        before = _spublish_calls(cluster)
        assert await a.bus.deliver([5], b"payload") == 1
        await eventually(lambda: b.local.delivered == [([5], b"payload")])
        after = _spublish_calls(cluster)
        # One SPUBLISH, on the one node that owns B's channel; no classic PUBLISH anywhere.
        grew = {port for port in cluster.ports if after[port] > before[port]}
        assert len(grew) == 1 and sum(after.values()) - sum(before.values()) == 1
        owner = cluster.node_of(KEYS.worker_channel(b.membership.instance_id))
        assert grew == {owner}
        assert _publish_calls(cluster) == 0
        with contextlib.closing(redis.Redis(port=owner)) as c:
            channel = KEYS.worker_channel(b.membership.instance_id)
            assert c.execute_command("PUBSUB", "SHARDNUMSUB", channel)[1] == 1
        # Events and kicks through the broadcast channel and the worker channels.
        seen: list[str] = []

        async def on_event(body: dict[str, object]) -> None:
            seen.append(str(body["v"]))

        b.bus.on_event("test", on_event)
        a.bus.on_event("test", on_event)
        await a.bus.broadcast("test", {"v": "x"})
        await eventually(lambda: sorted(seen) == ["x", "x"])
        await a.bus.kick([SessionEntry(D.IOS, b.membership.instance_id, "s5", 1)], 501)
        await eventually(lambda: b.local.closed == ["s5"])


async def test_blocklist_lease_worker_ids_and_locations_on_a_cluster(
    cluster: RedisCluster, on_cluster: aioredis.Redis
) -> None:
    url_client = on_cluster
    clock = FakeClock()
    settings = load_settings(None, env={})
    sessions = Sessions()
    subscriber = connect(cluster.url, pubsub=True)
    bus = RoutingBus(url_client, subscriber, KEYS, "blocker", None, sessions)  # type: ignore[arg-type]
    first, second = LocalBlocklist(), LocalBlocklist()
    a = RedisBlocklist(url_client, bus, first, settings, clock)
    b = RedisBlocklist(url_client, bus, second, settings, clock)
    await bus.start()
    try:
        await a.start()
        await b.start()
        await a.block(BlockTarget.USER, [42], clock.now_ms() + 60_000)
        await b.catch_up()
        assert second.is_user_blocked(42, clock.now_ms())
        await a.unblock(BlockTarget.USER, [42])
        await b.full_sync()
        assert not second.is_user_blocked(42, clock.now_ms())
        await a.stop()
        await b.stop()
    finally:
        await bus.stop()
        await subscriber.aclose()
    lease = RedisLease(url_client, KEYS.lease("job"), ttl_s=5)
    rival = RedisLease(url_client, KEYS.lease("job"), ttl_s=5)
    assert await lease.acquire() and not await rival.acquire()
    await lease.release()
    assert await rival.acquire()
    ids = WorkerIdLease(url_client, max_worker_id=3)
    n = await ids.acquire()
    assert await ids.renew() and await url_client.get(KEYS.worker_id_lease(n)) is not None
    await ids.release()
    geo = RedisGeoIndex(url_client)
    await geo.put("7", 2.35, 48.85, now_ms=1000, expire_before_ms=0)
    found = await geo.search(2.35, 48.85, 1000, 10, updated_after_ms=0)
    assert [p.member for p in found] == ["7"]


async def test_the_master_is_followed_through_a_failover(sentinels: SentinelGroup) -> None:
    """A forced Sentinel failover: commands go to the new master, the bus re-subscribes there and tells its
    sessions to resync, as after a Redis restart.

    Until the old master is demoted (the sentinels' next look at it, up to 10 s; here the test demotes it at
    once), it still accepts writes from connections opened before; what they write there is lost when it
    becomes a replica, and its clients are disconnected then: that disconnection is what the bus sees, and the
    hooks write membership and sessions again on the new master."""
    async with nodes(sentinels.url, 1) as (a,):
        restored: list[int] = []

        async def restore() -> None:  # what the worker does (turms.worker.components): membership, registry
            await a.membership.beat()
            restored.append(1)

        a.bus.on_resubscribed.append(restore)
        await a.redis.set("before", "1")
        old = sentinels.failover()
        # The sentinels demote the old master at their next look at it (up to 10 s); the test does it now, as
        # they do: REPLICAOF, then disconnect its clients so they ask the sentinels again.
        sentinels.demote(old)
        await eventually(lambda: a.local.resyncs == 1 and restored == [1], within=20)
        # Writes reach the new master (the old one is a replica now and refuses them).
        await a.redis.set("after", "2")
        with contextlib.closing(redis.Redis(port=sentinels.master_port())) as c:
            assert c.get("after") == b"2"
        entry = SessionEntry(D.IOS, a.membership.instance_id, "s", 1)
        assert (await a.registry.register(3, entry, 0, EACH)).accepted
        await a.bus.deliver([3], b"after-failover")
        assert a.local.delivered[-1] == ([3], b"after-failover")


def _commandstats(cluster: RedisCluster, name: str) -> dict[int, int]:
    out = {}
    for port in cluster.ports:
        with contextlib.closing(redis.Redis(port=port)) as c:
            stats = c.info("commandstats").get(f"cmdstat_{name}", {})
            out[port] = int(stats.get("calls", 0))
    return out


def _spublish_calls(cluster: RedisCluster) -> dict[int, int]:
    return _commandstats(cluster, "spublish")


def _publish_calls(cluster: RedisCluster) -> int:
    return sum(_commandstats(cluster, "publish").values())
