"""Client-side transports: TCP (varint32 frames) and WebSocket (one binary message per frame)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl as ssl_module
from typing import TYPE_CHECKING, Protocol

from turms.protocol.framing import FrameDecoder, encode_frame

if TYPE_CHECKING:
    import aiohttp


class TransportClosed(ConnectionError):
    pass


class ClientTransport(Protocol):
    async def send(self, payload: bytes) -> None: ...

    async def recv(self) -> bytes:
        """The next payload (``b""`` is a heartbeat); raises :class:`TransportClosed` at the end."""
        ...

    async def close(self) -> None: ...


class TcpTransport:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_frame_bytes: int) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = FrameDecoder(max_frame_bytes)
        self._pending: list[bytes] = []

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        *,
        max_frame_bytes: int = 1 << 24,
        local_addr: str | None = None,
        ssl: ssl_module.SSLContext | None = None,
    ) -> TcpTransport:
        reader, writer = await asyncio.open_connection(
            host, port, local_addr=(local_addr, 0) if local_addr else None, ssl=ssl
        )
        return cls(reader, writer, max_frame_bytes)

    async def send(self, payload: bytes) -> None:
        if self._writer.is_closing():
            raise TransportClosed("connection closed")
        self._writer.write(encode_frame(payload))
        await self._writer.drain()

    async def recv(self) -> bytes:
        while not self._pending:
            data = await self._reader.read(65536)
            if not data:
                raise TransportClosed("connection closed by the server")
            self._pending.extend(self._decoder.feed(data))
        return self._pending.pop(0)

    async def close(self) -> None:
        """Close after flushing what is buffered; a peer that has not taken it within :data:`CLOSE_WAIT_S` (a
        dead one) gets the connection reset instead of holding the close for TCP's retransmission timeout."""
        self._writer.close()
        try:
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self._writer.wait_closed()
        except TimeoutError:
            self._writer.transport.abort()
        except (OSError, asyncio.CancelledError):
            pass


#: How long closing a connection waits for it to be closed (a TLS close takes a round trip; a TCP close waits for
#: the buffered data to be taken).
CLOSE_WAIT_S = 1.0
CLOSE_POLL_S = 0.005


class WebSocketTransport:
    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._session = session
        self._ws = ws
        #: The WebSocket close code the server sent, once closed.
        self.close_code: int | None = None

    @classmethod
    async def open(
        cls, url: str, *, max_frame_bytes: int = 1 << 24, ssl: ssl_module.SSLContext | None = None
    ) -> WebSocketTransport:
        import aiohttp  # only WebSocket users need aiohttp

        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(
                url, max_msg_size=max_frame_bytes, autoping=True, compress=0, ssl=ssl if ssl is not None else True
            )
        except aiohttp.ClientError as e:  # refused, or the handshake was answered with an HTTP error
            await session.close()
            raise TransportClosed(f"WebSocket connection to {url} failed: {e}") from e
        except BaseException:
            await session.close()
            raise
        return cls(session, ws)

    async def send(self, payload: bytes) -> None:
        if self._ws.closed:
            raise TransportClosed("connection closed")
        try:
            await self._ws.send_bytes(payload)
        except (ConnectionError, RuntimeError) as e:
            raise TransportClosed(str(e)) from None

    async def recv(self) -> bytes:
        import aiohttp

        while True:
            msg = await self._ws.receive()
            if msg.type == aiohttp.WSMsgType.BINARY:
                data: bytes = msg.data
                return data
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                self.close_code = self._ws.close_code
                raise TransportClosed(f"closed by the server (code {self._ws.close_code})")
            if msg.type == aiohttp.WSMsgType.ERROR:
                raise TransportClosed(f"WebSocket error: {self._ws.exception()}")
            # Text frames are not part of the protocol; ignore them.

    async def close(self) -> None:
        sock = self._ws.get_extra_info("socket")
        with contextlib.suppress(Exception):
            await self._ws.close()
        await self._session.close()
        # aiohttp closes the connection without waiting; over TLS the close runs on (close_notify) after
        # session.close() returns. Wait for the socket to be closed, so a caller that stops its loop next
        # leaves no transport behind.
        for _ in range(int(CLOSE_WAIT_S / CLOSE_POLL_S)):
            if sock is None or sock.fileno() == -1:
                break
            await asyncio.sleep(CLOSE_POLL_S)
