"""The same server on a Redis Cluster (3 masters) and on a Sentinel-managed master/replica pair.

``turms serve`` with two workers and nothing but ``redis.url`` naming the topology: a message crosses workers
(a push routed over the bus: sharded pub/sub on the cluster), a second login displaces the first across
workers (the registry's conflict script and a kick), a block closes a session wherever it is (the
blocklist's MULTI and log), a live setting reaches every worker, and on Sentinel a failover moves the server to
the new master: every session is told to resync, and messages flow again. The topologies run in the same
module, one after the other (one start each).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import pytest
from redis_topologies import SentinelGroup, redis_cluster, sentinel_group
from user_rel_support import connect as connect_on_worker

from turms.client.message import ChatMessage, MessageService
from turms.clock import SystemClock
from turms.cluster.blocklist import RedisBlocklist
from turms.cluster.bus import RoutingBus
from turms.cluster.connection import connect
from turms.cluster.keys import Keys
from turms.gateway.local import RESYNC_MARKER
from turms.protocol.status import SessionCloseStatus
from turms.security.blocklist import BlocklistService, LocalBlocklist
from turms.settings import load_settings

from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, server_store
from session_support import set_live_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

_users = itertools.count(5000)


class NoSessions:
    def deliver_local(self, user_ids: Sequence[int], payload: bytes, exclude: str | None, trace: str | None) -> int:
        return 0

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        return 0

    def resync_all(self) -> None:
        pass


@pytest.fixture(scope="module", params=["cluster", "sentinel"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Any]]:
    tmp = tmp_path_factory.mktemp(request.param)
    topology = (
        redis_cluster(tmp / "redis") if request.param == "cluster" else sentinel_group(tmp / "redis", peers=False)
    )
    with topology as redis:
        server_dir = tmp / "server"
        server_dir.mkdir()
        server = Server(server_dir, workers=2, settings={**SERVER_SETTINGS, "redis.url": redis.url})
        with running(server):
            asyncio.run(server.wait_ready(within=30))
            yield server, redis


async def until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def two_workers(server: Server) -> AsyncIterator[tuple[Any, Any]]:
    """Two users, each logged in on a different worker."""
    pids = sorted(server.worker_pids())
    assert len(pids) == 2
    a = await connect_on_worker(server.tcp_port, next(_users), on_worker=pids[0])
    b = await connect_on_worker(server.tcp_port, next(_users), on_worker=pids[1])
    try:
        yield a, b
    finally:
        await a.client.close()
        await b.client.close()


async def exchange(a: Any, b: Any, text: str) -> None:
    """``a`` sends ``b`` a message and ``b`` gets it as a push."""
    inbox: list[ChatMessage] = []
    MessageService(b.client, b.id).on_message(inbox.append)
    await MessageService(a.client, a.id).send_private(b.id, text)
    await until(lambda: [m.text for m in inbox] == [text], 5, f"{text!r} pushed across workers")


async def test_messages_cross_workers_and_logins_displace_across_workers(deployment: tuple[Server, Any]) -> None:
    server, _ = deployment
    async with two_workers(server) as (a, b):
        await exchange(a, b, "hello over the bus")
        # b logs in again on a's worker with the same device type: the first session is kicked on its worker.
        closed: list[int] = []
        b.client.on_disconnected(lambda e: closed.append(int(e.close_status or 0)))
        second = await connect_on_worker(server.tcp_port, b.id, on_worker=a.pid)
        try:
            await until(lambda: closed == [SessionCloseStatus.DISCONNECTED_BY_OTHER_DEVICE], 5, "the kick")
        finally:
            await second.client.close()


async def test_a_block_closes_the_session_and_live_settings_reach_every_worker(
    deployment: tuple[Server, Any],
) -> None:
    server, redis_deployment = deployment
    url = redis_deployment.url
    settings = load_settings(None, env={})
    client = connect(url)
    bus = RoutingBus(client, client, Keys(), "test-admin", None, NoSessions())  # type: ignore[arg-type]
    local = LocalBlocklist()
    blocklist = BlocklistService(
        settings, SystemClock(), local, RedisBlocklist(client, bus, local, settings, SystemClock())
    )
    try:
        async with two_workers(server) as (_, b):
            closed: list[int] = []
            b.client.on_disconnected(lambda e: closed.append(int(e.close_status or 0)))
            await blocklist.block_user_ids([b.id], 60)
            await until(lambda: closed == [SessionCloseStatus.USER_IS_BLOCKED], 5, "the blocked user's session closed")
            await blocklist.unblock_user_ids([b.id])
        async with server_store(server.data_dir) as store:
            await set_live_settings(store, url, {"gateway.session.heartbeat_timeout_s": 170})
    finally:
        await client.aclose()


@pytest.mark.parametrize("deployment", ["sentinel"], indirect=True)
async def test_a_failover_moves_the_server_to_the_new_master(deployment: tuple[Server, Any]) -> None:
    server, group = deployment
    assert isinstance(group, SentinelGroup)
    async with two_workers(server) as (a, b):
        hints: list[Any] = []
        for member in (a, b):
            member.client.on_notification(
                lambda n: (
                    hints.append(n)
                    if n.custom_attributes and n.custom_attributes[0].string_value == RESYNC_MARKER
                    else None
                )
            )
        old = group.failover()
        group.demote(old)
        # Each worker's subscription drops with the old master, comes back on the new one, and its sessions are
        # told to resync (as after a Redis restart).
        await until(lambda: len(hints) >= 2, 20, "resync hints to both sessions")
        await exchange(a, b, "after the failover")
        assert group.master_port() != old
        assert "re-subscribed to Redis after a loss" in server.log()
