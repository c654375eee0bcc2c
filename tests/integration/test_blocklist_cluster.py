"""The blocklist across hosts: two `turms serve` trees sharing one Redis and one SQLite file.

Blocks are written with the blocklist service functions (what the admin API calls) from the test process,
against the hosts' Redis, i.e. as host 1's admin endpoint would; host 2's workers must apply them within 1 s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence

import pytest

from turms.clock import SystemClock
from turms.cluster.blocklist import RedisBlocklist
from turms.cluster.bus import RoutingBus
from turms.cluster.connection import connect
from turms.cluster.keys import Keys
from turms.gateway.login_policy import DeviceType
from turms.security.blocklist import BlocklistService, LocalBlocklist
from turms.settings import load_settings
from turms.supervisor.embedded_redis import EmbeddedRedis

from integration_support import Server, TcpClient, running
from session_support import host, login

pytestmark = pytest.mark.slow


class NoSessions:
    def deliver_local(self, user_ids: Sequence[int], payload: bytes, exclude: str | None, trace: str | None) -> int:
        return 0

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        return 0

    def resync_all(self) -> None:
        pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_server: EmbeddedRedis) -> Iterator[tuple[Server, Server]]:
    tmp = tmp_path_factory.mktemp("blocklist")
    sqlite = tmp / "shared.sqlite3"
    auth = {"gateway.auth.type": "none"}
    h1 = host(tmp, "h1", redis_server.url, sqlite, settings=auth)
    h2 = host(tmp, "h2", redis_server.url, sqlite, settings=auth)
    with running(h1), running(h2):

        async def ready() -> None:
            await asyncio.gather(h1.wait_ready(), h2.wait_ready())

        asyncio.run(ready())
        yield h1, h2


@pytest.fixture
async def blocklist(redis_server: EmbeddedRedis) -> AsyncIterator[BlocklistService]:
    settings = load_settings(None, env={})
    redis = connect(redis_server.url)
    bus = RoutingBus(redis, redis, Keys(), "test-admin", None, NoSessions())  # type: ignore[arg-type]
    local = LocalBlocklist()
    service = BlocklistService(
        settings, SystemClock(), local, RedisBlocklist(redis, bus, local, settings, SystemClock())
    )
    try:
        yield service
    finally:
        await service.unblock_ips()
        await service.unblock_user_ids()
        await redis.aclose()


async def dropped(c: TcpClient) -> bool:
    """Closed without a reply (EOF, or a reset since the server aborts the socket)."""
    try:
        return await c.recv(within=2) is None
    except ConnectionResetError:
        return True


async def test_a_user_blocked_on_host_1_is_disconnected_on_host_2_within_1_s(
    cluster: tuple[Server, Server], blocklist: BlocklistService
) -> None:
    _, h2 = cluster
    client, _ = await login(h2.tcp_port, 4242, DeviceType.ANDROID)
    bystander, _ = await login(h2.tcp_port, 4243, DeviceType.ANDROID)
    started = time.monotonic()
    await blocklist.block_user_ids([4242], 60)
    await asyncio.wait_for(client.closed.wait(), 1.0)
    assert time.monotonic() - started < 1.0
    assert client.close_status == 701
    assert not bystander.closed.is_set()
    # Logging in again is refused (2011, then close status 701) on either host.
    # The worker that held the session applied the block first; every other worker does within the same
    # 1 s bound. A login that lands on a worker in between is still closed with 701 straight after.
    while True:
        again, code = await login(h2.tcp_port, 4242, DeviceType.ANDROID, expect_ok=False)
        await asyncio.wait_for(again.closed.wait(), 2.0)
        assert again.close_status == 701
        if code == 2011:
            break
        assert time.monotonic() - started < 1.0, "a worker still accepted the blocked user after 1 s"
        await again.close()
    await blocklist.unblock_user_ids([4242])
    await asyncio.sleep(0.2)
    back, code = await login(h2.tcp_port, 4242, DeviceType.ANDROID)
    assert code == 1000
    for c in (again, back, bystander, client):
        await c.close()


async def test_a_blocked_ip_is_dropped_at_accept_on_every_host_then_unblocked(
    cluster: tuple[Server, Server], blocklist: BlocklistService
) -> None:
    h1, h2 = cluster
    connected, _ = await login(h1.tcp_port, 4300, DeviceType.DESKTOP)
    started = time.monotonic()
    await blocklist.block_ips(["127.0.0.1"], 60)
    await asyncio.wait_for(connected.closed.wait(), 1.0)
    assert connected.close_status == 701
    # The worker that held the session applied the block first; every other worker must within 1 s.
    for port in (h1.tcp_port, h2.tcp_port):
        for _ in range(4):  # reach both workers of the host
            while True:
                c = await TcpClient.connect(port)
                c.send_raw(b"\x00")
                refused = await dropped(c)
                await c.close()
                if refused:
                    break
                assert time.monotonic() - started < 1.0, "a worker still accepted the blocked IP after 1 s"
    await blocklist.unblock_ips(["127.0.0.1"])
    await asyncio.sleep(0.2)
    c = await TcpClient.connect(h2.tcp_port)
    c.send_raw(b"\x00")
    assert await c.recv(within=2) == b""
    await c.close()
    await connected.close()
