"""Client TCP: varint32-framed protobuf over an ``asyncio.Protocol`` (callbacks, no task per connection).

Writes are coalesced: :meth:`TcpConnection.send` appends the framed payload to a per-connection list and
marks the connection in the worker's :class:`Outbox`, which flushes every connection written to during one
loop turn from one ``loop.call_soon`` callback, so everything a connection is sent during one loop turn
leaves in one ``write`` (one syscall). A group push hands the same payload object to hundreds of connections
in a row; the outbox frames it once for all of them. The bytes queued here plus the transport's own buffer
are bounded by ``gateway.client_api.max_outbound_bytes``; a client that does not read is disconnected as a
slow consumer.

Closing is a lingering close: flush, half-close (FIN) so the close notification is not lost to a reset
caused by unread input, discard further input, and close when the peer closes or after
:data:`LINGER_S`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import cast

from turms.errors import ProtocolError
from turms.gateway import ClientSession, Gateway
from turms.protocol.framing import FrameDecoder, encode_frame

log = logging.getLogger("turms.transport")

#: How long a closed connection waits for the peer to close after our FIN before it is reset.
LINGER_S = 5.0


class Outbox:
    """The flushing shared by the TCP connections of one event loop.

    One callback per loop turn flushes every connection written to during the turn (a group push writes to
    thousands: a callback each was a handle the cyclic garbage collector tracks, thousands per message, and kept
    the collector running), and the frame of the payload sent last is kept, so the same payload object sent to
    many connections is framed once.
    """

    __slots__ = ("_dirty", "_frame", "_loop", "_payload")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[TcpConnection] = []
        self._payload: bytes | None = None
        self._frame = b""

    def frame(self, payload: bytes) -> bytes:
        if payload is not self._payload:  # identity: bytes are immutable, and the reference keeps it alive
            self._payload = payload
            self._frame = encode_frame(payload)
        return self._frame

    def mark(self, conn: TcpConnection) -> None:
        if not self._dirty:
            self._loop.call_soon(self._flush_all)
        self._dirty.append(conn)

    def _flush_all(self) -> None:
        dirty, self._dirty = self._dirty, []
        self._payload = None  # do not keep the last push alive past the turn
        for conn in dirty:
            try:
                conn.flush()
            except Exception:  # one broken transport must not keep the others' data queued
                log.exception("flushing %s failed", conn.remote)


class TcpConnection(asyncio.Protocol):
    """One client TCP connection; the gateway's :class:`~turms.gateway.Connection` for it."""

    transport_name = "tcp"

    __slots__ = (
        "_closed",
        "_closing",
        "_decoder",
        "_flush_scheduled",
        "_held",
        "_linger",
        "_loop",
        "_outbox",
        "_paused",
        "_pending",
        "_pending_bytes",
        "gateway",
        "max_outbound_bytes",
        "remote",
        "session",
        "transport",
    )

    def __init__(
        self,
        gateway: Gateway,
        loop: asyncio.AbstractEventLoop,
        *,
        max_frame_bytes: int,
        max_outbound_bytes: int,
        outbox: Outbox | None = None,
    ) -> None:
        """``outbox``: shared by the loop's connections (:func:`tcp_protocol_factory`); a connection made
        alone gets its own."""
        self.gateway = gateway
        self._loop = loop
        self._outbox = outbox if outbox is not None else Outbox(loop)
        self._decoder = FrameDecoder(max_frame_bytes)
        self.max_outbound_bytes = max_outbound_bytes
        self.remote = "?"
        self.transport: asyncio.Transport | None = None
        self.session: ClientSession | None = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._flush_scheduled = False
        self._closing = False
        self._closed = False
        self._linger: asyncio.TimerHandle | None = None
        #: Frames read but not yet handed to the gateway (it paused us in the middle of a read).
        self._held: list[bytes] | None = None
        self._paused = False

    @property
    def closing(self) -> bool:
        return self._closing or self._closed

    # -- asyncio.Protocol -------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.remote = f"{peer[0]}:{peer[1]}"
            if not self.gateway.guard.admit(peer[0]):
                # A blocked IP, or too many connections from it awaiting login: dropped without a reply.
                self._closed = True
                self.transport.abort()
                return
        self.session = self.gateway.connection_made(self)

    def data_received(self, data: bytes) -> None:
        session = self.session
        if self._closing or session is None:
            return  # lingering close: input is discarded
        try:
            frames = self._decoder.feed(data)
        except ProtocolError as e:
            self.gateway.protocol_error(session, e)
            return
        if not frames:
            return
        self._held = frames if self._held is None else self._held + frames
        self._feed(session)

    def _feed(self, session: ClientSession) -> None:
        """Hand held frames to the gateway until none is left, or it paused us (backpressure)."""
        held, self._held = self._held, None
        if held is None:
            return
        for i, frame in enumerate(held):
            if self._paused:
                self._held = held[i:]  # handed over on resume_reading
                return
            self.gateway.frame_received(session, frame)
            if self.closing:  # the frame made the gateway close us: ignore the rest
                return

    def eof_received(self) -> bool | None:
        return False  # the peer is done: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._pending.clear()
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        if self.session is not None:
            self.gateway.connection_lost(self.session)

    # -- Connection -------------------------------------------------------------------------------------

    def send(self, payload: bytes) -> bool:
        transport = self.transport
        if self._closing or self._closed or transport is None:
            return False
        frame = self._outbox.frame(payload)
        self._pending.append(frame)
        self._pending_bytes += len(frame)
        if self._pending_bytes + transport.get_write_buffer_size() > self.max_outbound_bytes:
            log.warning(
                "disconnecting slow consumer %s: more than %d bytes queued",
                self.remote,
                self.max_outbound_bytes,
            )
            self.abort()
            return False
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._outbox.mark(self)
        return True

    def flush(self) -> None:
        """Write what was queued (the outbox calls it once per loop turn)."""
        self._flush_scheduled = False
        pending = self._pending
        if not pending or self._closed or self.transport is None:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._pending_bytes = 0
        self.transport.write(data)

    def close(self, ws_code: int = 1000) -> None:
        transport = self.transport
        if self._closing or self._closed or transport is None:
            return
        self.flush()
        self._closing = True
        if transport.can_write_eof():
            transport.write_eof()  # sent after the buffered data
            self._linger = self._loop.call_later(LINGER_S, self.abort)
        else:  # pragma: no cover - TCP transports can always half-close
            transport.close()

    def pause_reading(self) -> None:
        self._paused = True
        if self.transport is not None and not self._closed and self.transport.is_reading():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        self._paused = False
        if self.session is not None and not self.closing:
            self._feed(self.session)  # frames of the last read that arrived after the pause
        if self._paused or self.transport is None or self.closing or self.transport.is_reading():
            return
        self.transport.resume_reading()

    def abort(self) -> None:
        self._closing = True
        self._pending.clear()
        if self.transport is not None and not self._closed:
            self.transport.abort()


def tcp_protocol_factory(
    gateway: Gateway, loop: asyncio.AbstractEventLoop, *, max_frame_bytes: int, max_outbound_bytes: int
) -> Callable[[], TcpConnection]:
    outbox = Outbox(loop)

    def factory() -> TcpConnection:
        return TcpConnection(
            gateway, loop, max_frame_bytes=max_frame_bytes, max_outbound_bytes=max_outbound_bytes, outbox=outbox
        )

    return factory
