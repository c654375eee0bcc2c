"""Connection attacks: slowloris on every listener, a blocked IP's connections, malformed HTTP requests.

The target's workers have 1,024 file descriptors each, as in the review: 1,100 one-byte WebSocket connections
then made TCP logins, WebSocket upgrades and the admin ``/health`` fail. While each attack holds its
connections open, an honest client logs in over TCP and over WebSocket and ``/health`` answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import aiohttp
import pytest

from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import SessionCloseStatus

from hostile_support import (
    HANDSHAKE_TIMEOUT_S,
    HONEST,
    HONEST_BOUND_S,
    LOGIN_TIMEOUT_S,
    PASSWORDS,
    Target,
    admin,
    honest_served,
    new_source,
)
from integration_support import parse_notification

pytestmark = pytest.mark.slow

#: The per-IP cap on connections that have not logged in (the default), per worker.
UNAUTHENTICATED_CAP = 256
ADMIN_CAP = 128


async def open_connections(port: int, count: int, source: str, first_bytes: bytes) -> list[socket.socket]:
    """``count`` connections from ``source``, each sent ``first_bytes`` and then nothing (slowloris)."""
    loop = asyncio.get_running_loop()
    socks: list[socket.socket] = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.bind((source, 0))
        try:
            await loop.sock_connect(s, ("127.0.0.1", port))
            await loop.sock_sendall(s, first_bytes)
        except OSError:
            pass  # reset at accept already
        socks.append(s)
    return socks


def drain(s: socket.socket) -> tuple[bool, bytes]:
    """(whether the server still holds ``s`` open, what it sent): reads without blocking until nothing is left."""
    received = b""
    while True:
        try:
            data = s.recv(65536)
        except BlockingIOError:
            return True, received  # nothing more now, and no end: still open
        except OSError:
            return False, received  # reset
        if not data:
            return False, received  # closed
        received += data


async def still_open(socks: list[socket.socket]) -> int:
    """How many of ``socks`` the server has neither closed nor reset."""
    await asyncio.sleep(0.2)  # let resets and closes in flight arrive
    return sum(1 for s in socks if drain(s)[0])


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        with contextlib.suppress(OSError):
            s.close()


async def honest_websocket(target: Target) -> float:
    started = time.monotonic()
    req = turms_request_pb2.TurmsRequest(request_id=1)
    login = req.create_session_request
    login.version, login.user_id, login.password, login.device_type = 1, HONEST, PASSWORDS[HONEST], 4
    async with aiohttp.ClientSession() as http, http.ws_connect(f"ws://127.0.0.1:{target.ws}/") as ws:
        await ws.send_bytes(req.SerializeToString())
        msg = await ws.receive(timeout=HONEST_BOUND_S)
        assert msg.type is aiohttp.WSMsgType.BINARY and parse_notification(msg.data).code == 1000
    return time.monotonic() - started


async def everything_still_served(target: Target, what: str) -> None:
    await honest_served(target, f"TCP login during {what}")
    assert await honest_websocket(target) < HONEST_BOUND_S, f"WebSocket login during {what}"
    status, body = await admin(target, "GET", "/health", headers={})
    assert status == 200 and body["ready"] is True, (what, body)


async def test_1200_one_byte_websocket_connections_from_one_ip(target: Target) -> None:
    """HIGH 3: they stayed open for an hour (aiohttp's keep-alive) and starved the worker of descriptors."""
    socks = await open_connections(target.ws, 1200, new_source(), b"G")
    try:
        held = await still_open(socks)
        # Admitted: at most the cap per worker, counted from accept; the rest were reset at once.
        assert held <= 2 * UNAUTHENTICATED_CAP, held
        await everything_still_served(target, "a WebSocket slowloris")
        await asyncio.sleep(HANDSHAKE_TIMEOUT_S + 0.5)
        assert await still_open(socks) == 0  # no upgrade within the handshake timeout: all reset
    finally:
        close_all(socks)


async def test_600_one_byte_tcp_connections_from_one_ip(target: Target) -> None:
    """Held before: the cap at accept and the login deadline from accept."""
    socks = await open_connections(target.tcp, 600, new_source(), b"\x05")
    try:
        assert await still_open(socks) <= 2 * UNAUTHENTICATED_CAP
        await everything_still_served(target, "a TCP slowloris")
        await asyncio.sleep(LOGIN_TIMEOUT_S + 1.0)
        fates = [drain(s) for s in socks]
        assert not any(held for held, _ in fates)
        # Those admitted were told LOGIN_TIMEOUT (111) before the close; the others were reset at accept.
        told = [parse_notification(data[1:]).close_status for _, data in fates if data]
        assert told and set(told) == {SessionCloseStatus.LOGIN_TIMEOUT}, told[:5]
    finally:
        close_all(socks)


async def test_400_slow_connections_to_the_admin_port_from_one_ip(target: Target) -> None:
    socks = await open_connections(target.server.admin_port, 400, new_source(), b"GET /hea")
    try:
        assert await still_open(socks) <= 2 * ADMIN_CAP
        await everything_still_served(target, "an admin slowloris")
        await asyncio.sleep(HANDSHAKE_TIMEOUT_S + 0.5)
        assert await still_open(socks) == 0
    finally:
        close_all(socks)


async def test_a_blocked_ip_holds_no_connection_on_any_listener(target: Target) -> None:
    """HIGH 3: an IP already blocked still held 50 WebSocket connections."""
    source = new_source()
    status, body = await admin(
        target, "POST", "/blocked-clients/ips", {"ids": [source], "blockDurationMillis": 600_000}
    )
    assert status == 200, body
    await asyncio.sleep(1.0)  # every worker applies a block within 1 s
    try:
        for port in (target.ws, target.tcp, target.server.admin_port):
            socks = await open_connections(port, 50, source, b"G")
            try:
                assert await still_open(socks) == 0, port
            finally:
                close_all(socks)
    finally:
        await admin(target, "DELETE", f"/blocked-clients/ips?ids={source}")


async def test_malformed_http_requests_log_a_line_at_most_not_a_traceback_each(target: Target) -> None:
    """LOW: each malformed header logged an ERROR traceback that anyone could repeat."""
    before = target.server.log()
    source = new_source()
    for port in (target.ws, target.server.admin_port):
        for _ in range(40):
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
            try:
                writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: \x01\r\n\r\n")
                answer = await asyncio.wait_for(reader.read(100), 5)
                assert answer.split(b" ")[1] == b"400", answer
            finally:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
    await asyncio.sleep(0.5)
    new = target.server.log()[len(before) :]
    assert "Traceback" not in new and "Error handling request" not in new, new[-2000:]
    lines = [line for line in new.splitlines() if "malformed HTTP request" in line]
    # One line per worker per 10 s at most (two workers, two listeners sharing the logger).
    assert 1 <= len(lines) <= 4, lines


async def test_websocket_frame_limits_hold(target: Target) -> None:
    """Held before: a message over the frame limit closes the connection (1009) before it is buffered whole, and
    text messages are a protocol error."""
    async with aiohttp.ClientSession() as http:
        url = f"ws://127.0.0.1:{target.ws}/"
        async with http.ws_connect(url, autoping=False) as ws:
            await ws.send_bytes(b"\x00" * (16 * 1024 + 1))
            msg = await ws.receive(timeout=5)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            assert ws.close_code == 1009
        async with http.ws_connect(url, autoping=False) as ws:
            await ws.send_str("hello")
            closed = None
            while closed is None:
                msg = await ws.receive(timeout=5)
                if msg.type is aiohttp.WSMsgType.BINARY:
                    closed = parse_notification(msg.data).close_status
            assert closed == SessionCloseStatus.ILLEGAL_REQUEST
