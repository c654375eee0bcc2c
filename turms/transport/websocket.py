"""Client WebSocket (aiohttp): one binary message per request or notification, an empty message is a
heartbeat, path ``/``.

``max_msg_size`` is the gateway's frame limit (aiohttp's default is 4 MiB) and compression is off. Outbound
messages are queued per connection and written by a short-lived pump task that exists only while there is
something to write, so an idle WebSocket costs aiohttp's handler task and nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from aiohttp import WSMsgType, web

from turms.errors import ProtocolError
from turms.gateway import Gateway
from turms.gateway.connection import WS_NORMAL
from turms.settings import Settings
from turms.settings import gateway as gw
from turms.transport.gate import AcceptGate

log = logging.getLogger("turms.transport")


class WsConnection:
    """The gateway's :class:`~turms.gateway.Connection` for one WebSocket."""

    transport_name = "ws"

    __slots__ = (
        "_close_code",
        "_closed",
        "_pump",
        "_queue",
        "_queued_bytes",
        "_readable",
        "_transport",
        "max_outbound_bytes",
        "remote",
        "ws",
    )

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        remote: str,
        max_outbound_bytes: int,
    ) -> None:
        self.ws = ws
        self.remote = remote
        self.max_outbound_bytes = max_outbound_bytes
        self._transport = transport
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._pump: asyncio.Task[None] | None = None
        self._close_code: int | None = None
        self._closed = False
        #: Cleared while the gateway has paused us (backpressure); the read loop waits on it.
        self._readable: asyncio.Event | None = None

    def send(self, payload: bytes) -> bool:
        if self._close_code is not None or self._closed:
            return False
        self._queue.append(payload)
        self._queued_bytes += len(payload)
        buffered = self._transport.get_write_buffer_size() if self._transport is not None else 0
        if self._queued_bytes + buffered > self.max_outbound_bytes:
            log.warning(
                "disconnecting slow consumer %s: more than %d bytes queued",
                self.remote,
                self.max_outbound_bytes,
            )
            self.abort()
            return False
        self._start_pump()
        return True

    def close(self, ws_code: int = WS_NORMAL) -> None:
        if self._close_code is not None or self._closed:
            return
        self._close_code = ws_code
        self._start_pump()

    def abort(self) -> None:
        self._closed = True
        self._queue.clear()
        if self._transport is not None:
            self._transport.abort()

    def pause_reading(self) -> None:
        if self._readable is None:
            self._readable = asyncio.Event()
        self._readable.clear()

    def resume_reading(self) -> None:
        if self._readable is not None:
            self._readable.set()

    async def readable(self) -> None:
        """Return once the gateway takes frames again."""
        if self._readable is not None and not self._readable.is_set():
            await self._readable.wait()

    def lost(self) -> None:
        self._closed = True
        self._queue.clear()

    def _start_pump(self) -> None:
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    async def _run_pump(self) -> None:
        try:
            while self._queue:
                payload = self._queue.popleft()
                self._queued_bytes -= len(payload)
                await self.ws.send_bytes(payload)
            if self._close_code is not None and not self._closed:
                await self.ws.close(code=self._close_code)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            # The peer went away mid-write (aiohttp raises ConnectionResetError or RuntimeError on a
            # closing socket); the handler sees the close and tells the gateway.
            self.abort()
        finally:
            self._pump = None


class WebSocketEndpoint:
    """The aiohttp application serving client WebSockets at ``/``.

    Connections were admitted at accept by the ``gate`` (:class:`~turms.transport.gate.AcceptGate`), and their
    handshake deadline ends here, once the upgrade is done: from then on the gateway's login deadline applies. A
    request that is not an upgrade is answered 400 and closed, so it cannot stay open as an idle HTTP connection.
    """

    def __init__(self, gateway: Gateway, settings: Settings, *, gate: AcceptGate, close_timeout_s: float = 3.0) -> None:
        self.gateway = gateway
        self.settings = settings
        self.close_timeout_s = close_timeout_s
        self.gate = gate

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        # Admitted (and counted) at accept; an IP blocked since then is refused before its upgrade.
        if isinstance(peer, tuple) and peer and self.gateway.guard.ip_blocked(str(peer[0])):
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=403)
        max_frame = self.settings.get(gw.MAX_FRAME_BYTES)
        ws = web.WebSocketResponse(
            max_msg_size=max_frame,
            compress=False,
            autoping=True,  # Turms uses empty messages as heartbeats; answering pings is harmless
            timeout=self.close_timeout_s,
        )
        if not ws.can_prepare(request).ok:
            response = web.Response(status=400, text="a WebSocket upgrade is expected")
            response.force_close()
            return response
        await ws.prepare(request)
        self.gate.handshake_done(request.transport)
        remote = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"
        conn = WsConnection(ws, request.transport, remote, self.settings.get(gw.MAX_OUTBOUND_BYTES))
        session = self.gateway.connection_made(conn)
        try:
            async for msg in ws:
                await conn.readable()  # paused at the in-flight limit: the next message waits, unread
                if msg.type is WSMsgType.BINARY:
                    self.gateway.frame_received(session, msg.data)
                elif msg.type is WSMsgType.TEXT:
                    self.gateway.protocol_error(session, ProtocolError("text messages are not part of the protocol"))
                elif msg.type is WSMsgType.ERROR:
                    break  # aiohttp has closed it (e.g. 1009 for an oversized message)
        finally:
            conn.lost()
            self.gateway.connection_lost(session)
        return ws
