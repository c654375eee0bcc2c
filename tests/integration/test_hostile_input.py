"""Hostile input against a real server: every abuse gets its defined answer, memory stays bounded, and the
worker keeps serving a well-behaved client (connecting from another loopback address, 127.0.0.2).

One worker, so every connection reaches the worker whose RSS is measured. Bound: the worker's RSS grows by less
than 64 MiB over the whole module (500 connections, a 20,000-request flood, oversize frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator

import psutil
import pytest

from turms.protocol.framing import encode_frame, encode_varint32
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

from integration_support import Server, TcpClient, parse_notification, request_bytes, running

pytestmark = pytest.mark.slow

MAX_FRAME = 16384
RSS_BOUND_BYTES = 64 * 1024 * 1024
UNAUTHENTICATED_CAP = 100
CLOSE_ILLEGAL = int(SessionCloseStatus.ILLEGAL_REQUEST)


class Served:
    def __init__(self, server: Server, worker: psutil.Process) -> None:
        self.server = server
        self.worker = worker
        self.rss_start = worker.memory_info().rss


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = {
        "gateway.auth.type": "none",
        "gateway.session.login_timeout_s": "3",
        "security.connections.max_unauthenticated_per_ip": str(UNAUTHENTICATED_CAP),
        # Turms's per-IP bucket, stated explicitly so a permissive test-harness default cannot hide it.
        "security.rate_limit.ip.enabled": "true",
        "security.rate_limit.ip.capacity": "50",
        "security.rate_limit.ip.initial_tokens": "50",
        "security.rate_limit.ip.refill_interval_ms": "1000",
    }
    server = Server(tmp_path_factory.mktemp("hostile"), workers=1, settings=settings)
    with running(server):
        asyncio.run(server.wait_ready())
        (pid,) = server.worker_pids()
        yield Served(server, psutil.Process(pid))


@contextlib.asynccontextmanager
async def tcp(port: int, source: str = "127.0.0.1") -> AsyncIterator[TcpClient]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 2)
    client = TcpClient(reader, writer)
    try:
        yield client
    finally:
        await client.close()


async def closed_with(client: TcpClient) -> int:
    """The close status of the notification before EOF."""
    payload = await client.recv(within=3)
    assert payload is not None, "closed without a notification"
    n = parse_notification(payload)
    assert await client.recv(within=3) is None, "not closed after the close notification"
    return int(n.close_status)


async def answer(client: TcpClient, payload: bytes) -> tuple[int, int]:
    client.send(payload)
    reply = await client.recv(within=3)
    assert reply is not None
    n = parse_notification(reply)
    return int(n.request_id), int(n.code)


async def still_serving(client: TcpClient) -> None:
    client.send_raw(b"\x00")
    assert await client.recv(within=2) == b""


async def test_a_2_to_the_31_length_prefix_closes_with_illegal_request(served: Served) -> None:
    async with tcp(served.server.tcp_port) as c:
        c.send_raw(encode_varint32(2**31))
        assert await closed_with(c) == CLOSE_ILLEGAL


async def test_a_6_byte_varint_closes_with_illegal_request(served: Served) -> None:
    async with tcp(served.server.tcp_port) as c:
        c.send_raw(b"\xff\xff\xff\xff\xff\x01")
        assert await closed_with(c) == CLOSE_ILLEGAL


async def test_a_frame_of_exactly_the_limit_is_read_and_one_byte_over_closes(served: Served) -> None:
    async with tcp(served.server.tcp_port) as c:
        # A frame of exactly the limit (garbage inside): read whole, answered INVALID_REQUEST, kept open.
        assert await answer(c, b"\xff" * MAX_FRAME) == (-1, int(ResponseStatusCode.INVALID_REQUEST))
        await still_serving(c)
    async with tcp(served.server.tcp_port) as c:
        c.send_raw(encode_varint32(MAX_FRAME + 1) + b"\x00" * 100)
        assert await closed_with(c) == CLOSE_ILLEGAL


async def test_garbage_protobuf_unknown_kind_and_requests_before_login(served: Served) -> None:
    async with tcp(served.server.tcp_port) as c:
        assert await answer(c, b"\xff\xff\xff\xff") == (-1, int(ResponseStatusCode.INVALID_REQUEST))
        # request_id 5 (field 1) and an unknown field 2047 (varint 1): a valid frame of no known kind.
        unknown = b"\x08\x05" + b"\xf8\x7f\x01"
        assert await answer(c, unknown) == (5, int(ResponseStatusCode.INVALID_REQUEST))
        assert await answer(c, request_bytes(6)) == (6, int(ResponseStatusCode.SEND_REQUEST_FROM_NONEXISTENT_SESSION))
        await still_serving(c)


async def login(c: TcpClient, user_id: int) -> None:
    rid, code = await answer(c, request_bytes(1, "create_session_request", version=1, user_id=user_id, device_type=0))
    assert (rid, code) == (1, 1000)
    # Drain the UserSession notification that follows a login.
    await c.recv(within=2)


async def test_a_flood_of_10000_requests_per_second_is_throttled_and_others_are_served(served: Served) -> None:
    port = served.server.tcp_port
    rate, seconds = 10_000, 2.0
    async with tcp(port) as flooder, tcp(port, source="127.0.0.2") as good:
        await login(flooder, 70001)
        await login(good, 70002)
        codes: list[int] = []

        async def read_flood() -> None:
            while len(codes) < total:
                payload = await flooder.recv(within=10)
                assert payload is not None
                codes.append(int(parse_notification(payload).code))

        total = int(rate * seconds)
        reader = asyncio.create_task(read_flood())
        latencies: list[float] = []

        async def well_behaved() -> None:
            for i in range(10):
                started = time.monotonic()
                good.send(request_bytes(100 + i, "query_user_online_statuses_request"))
                reply = await good.recv(within=2)
                assert reply is not None and parse_notification(reply).request_id == 100 + i
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(seconds / 10)

        good_task = asyncio.create_task(well_behaved())
        started = time.monotonic()
        sent = 0
        batch = rate // 100  # 100 writes per second
        while sent < total:
            flooder.send_raw(b"".join(encode_frame(request_bytes(sent + i + 10)) for i in range(batch)))
            sent += batch
            await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))
        await asyncio.wait_for(reader, 20)
        await good_task
    too_frequent = codes.count(int(ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT))
    # The bucket: 50 up front, one more per second; everything else is refused with 1101.
    assert total - too_frequent <= 50 + int(time.monotonic() - started) + 2
    assert too_frequent >= total - 60
    assert max(latencies) < 1.0, latencies


async def test_500_connections_that_never_log_in(served: Served) -> None:
    port = served.server.tcp_port
    clients = []
    for _ in range(500):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        clients.append(TcpClient(reader, writer))
    async with tcp(port, source="127.0.0.2") as good:
        await login(good, 70003)

        async def fate(c: TcpClient) -> int | None:
            """The close status sent, or None when dropped at accept without a reply."""
            try:
                payload = await c.recv(within=10)
            except ConnectionResetError:
                return None  # dropped at accept (the server aborts the socket)
            if payload is None:
                return None
            n = parse_notification(payload)
            return int(n.close_status)

        fates = await asyncio.gather(*(fate(c) for c in clients))
        await still_serving(good)
    for c in clients:
        await c.close()
    refused = fates.count(None)
    timed_out = fates.count(int(SessionCloseStatus.LOGIN_TIMEOUT))
    # At most the cap wait for login (then LOGIN_TIMEOUT, 111); the others are dropped at accept.
    assert timed_out + refused == 500
    assert timed_out <= UNAUTHENTICATED_CAP
    assert refused >= 500 - UNAUTHENTICATED_CAP


async def test_zz_memory_stays_bounded_and_the_worker_still_serves(served: Served) -> None:
    # Named to run last in the module: everything above has hit the same worker.
    async with tcp(served.server.tcp_port) as c:
        await still_serving(c)
    grown = served.worker.memory_info().rss - served.rss_start
    print(f"worker RSS: {served.rss_start / 2**20:.1f} MiB at start, grew by {grown / 2**20:.1f} MiB")
    assert grown < RSS_BOUND_BYTES, f"worker RSS grew by {grown / 2**20:.1f} MiB"
    assert served.worker.is_running()
