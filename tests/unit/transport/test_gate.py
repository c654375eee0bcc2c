"""The accept gate of the HTTP listeners on real loopback sockets: admission before aiohttp reads a byte, and
the handshake deadline (issue 22: one-byte connections held a worker's descriptors for an hour)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from turms.transport.gate import AcceptGate, GatedSockSite

pytestmark = pytest.mark.timeout(20)


class CountingAdmission:
    """Admits up to ``cap`` connections per address; refuses ``banned``."""

    def __init__(self, cap: int, banned: frozenset[str] = frozenset()) -> None:
        self.cap = cap
        self.banned = banned
        self.open: dict[str, int] = {}

    def admit(self, address: str) -> str | None:
        if address in self.banned or self.open.get(address, 0) >= self.cap:
            return None
        self.open[address] = self.open.get(address, 0) + 1
        return address

    def release(self, key: str) -> None:
        self.open[key] -= 1


@contextlib.asynccontextmanager
async def serving(gate: AcceptGate, *, websocket: bool) -> AsyncIterator[int]:
    async def ws_handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        gate.handshake_done(request.transport)
        async for _ in ws:
            pass
        return ws

    async def plain(request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok")

    app = web.Application(middlewares=[] if websocket else [gate.middleware()])
    app.router.add_get("/", ws_handler if websocket else plain)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    site = GatedSockSite(runner, sock, gate)
    await site.start()
    try:
        yield sock.getsockname()[1]
    finally:
        await runner.cleanup()


async def reset_or_closed(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1024), within) == b""
    except ConnectionResetError:
        return True


async def test_a_refused_address_is_reset_before_aiohttp_sees_it() -> None:
    admission = CountingAdmission(cap=2, banned=frozenset({"127.0.0.3"}))
    gate = AcceptGate("test", admission, lambda: 5.0, release_at_handshake=False)
    async with serving(gate, websocket=False) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.3", 0))
        assert await reset_or_closed(reader, 2)
        writer.close()
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        third_reader, third = await asyncio.open_connection("127.0.0.1", port)
        assert await reset_or_closed(third_reader, 2)  # over the cap
        third.close()
        assert gate.refused == 2 and admission.open["127.0.0.1"] == 2
        for _, w in held:
            w.close()
        await asyncio.sleep(0.2)
        assert admission.open["127.0.0.1"] == 0  # released when they closed


async def test_no_complete_request_within_the_deadline_is_reset_a_request_in_time_is_served() -> None:
    timeouts: list[None] = []
    admission = CountingAdmission(cap=100)
    gate = AcceptGate(
        "test", admission, lambda: 0.3, release_at_handshake=False, on_timeout=lambda: timeouts.append(None)
    )
    async with serving(gate, websocket=False) as port:
        slow_reader, slow = await asyncio.open_connection("127.0.0.1", port)
        slow.write(b"G")  # one byte, then nothing: slowloris
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as resp:
                assert resp.status == 200 and await resp.text() == "ok"
            await asyncio.sleep(0.5)
            assert await reset_or_closed(slow_reader, 1)
            # The kept-alive connection of the served request is past its handshake: still usable.
            async with http.get(f"http://127.0.0.1:{port}/") as resp:
                assert resp.status == 200
        assert len(timeouts) == 1 and gate.timed_out == 1
        slow.close()


async def test_a_websocket_is_released_at_its_upgrade_and_outlives_the_deadline() -> None:
    admission = CountingAdmission(cap=100)
    gate = AcceptGate("test", admission, lambda: 0.3, release_at_handshake=True)
    async with serving(gate, websocket=True) as port, aiohttp.ClientSession() as http:
        async with http.ws_connect(f"http://127.0.0.1:{port}/") as ws:
            assert admission.open["127.0.0.1"] == 0  # the gateway counts it from here
            await asyncio.sleep(0.5)
            await ws.send_bytes(b"still here")
            assert not ws.closed
        pending_reader, pending = await asyncio.open_connection("127.0.0.1", port)
        pending.write(b"GET / HTTP/1.1\r\n")  # an upgrade that never completes
        await asyncio.sleep(0.05)
        assert admission.open["127.0.0.1"] == 1
        assert await reset_or_closed(pending_reader, 2)
        await asyncio.sleep(0.05)
        assert admission.open["127.0.0.1"] == 0
        pending.close()
