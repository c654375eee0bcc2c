"""Admission at accept, and a handshake deadline, for the listeners aiohttp serves (client WebSocket, admin HTTP).

aiohttp hands a connection to our code only once a complete HTTP request has arrived; until then its only
bound is its keep-alive timeout (an hour). So a client could open connections and send one byte each: 1,200
of them from one IP held a worker's file descriptors until TCP logins, WebSocket upgrades and the admin
``/health`` all failed, and an IP already on the blocklist still held 50. The TCP transport decides at
accept (:meth:`turms.security.guard.AbuseGuard.admit`) and its login deadline runs from accept; this module
gives the HTTP listeners the same:

* at accept, before aiohttp sees a byte, an :class:`Admission` decides: a blocked IP or one over its
  per-IP cap is reset at once, without a reply;
* an admitted connection must finish its handshake within ``security.connections.handshake_timeout_s``
  (the WebSocket upgrade; the first complete request on the admin port), or it is reset.

The gate wraps aiohttp's protocol in a thin forwarding protocol (:class:`GatedSockSite` serves a runner through
it), so it works whatever aiohttp does inside, at the cost of one extra call per read.

On a listener that serves TLS (:mod:`turms.transport.tls`) the event loop's TLS layer runs first, bounded by the
same handshake timeout, and the gate sees the connection when the TLS handshake is done: admission and the
deadline of the upgrade or first request start then, so a connection is reset at most twice the timeout after
its accept, and a refused address costs one TLS handshake. (Running the handshake inside the gate, with
``loop.start_tls`` after admission, fails on uvloop: its transport hands the ClientHello to the gated protocol
although reading was paused in ``connection_made``, and the handshake never starts.)
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast

from aiohttp import web

log = logging.getLogger("turms.transport.gate")


class Admission(Protocol):
    """Who may connect to one listener (:mod:`turms.security.guard` implements it)."""

    def admit(self, address: str) -> str | None:
        """None to refuse a connection from ``address`` (the socket's peer host); else the key under which it
        is counted until :meth:`release`."""
        ...

    def release(self, key: str) -> None: ...


class _Pending:
    __slots__ = ("ip", "timer")

    def __init__(self, ip: str, timer: asyncio.TimerHandle | None) -> None:
        self.ip = ip
        self.timer = timer


class AcceptGate:
    """Admission and the handshake deadline of one listener.

    ``release_at_handshake``: the admission's count ends when the handshake completes (a WebSocket becomes a
    gateway session, which the gateway counts from then on) rather than when the connection closes.
    """

    def __init__(
        self,
        name: str,
        admission: Admission,
        handshake_timeout_s: Callable[[], float],
        *,
        release_at_handshake: bool,
        on_timeout: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.admission = admission
        self.handshake_timeout_s = handshake_timeout_s
        self.release_at_handshake = release_at_handshake
        self.on_timeout = on_timeout
        #: Connections counted by the admission (and, until their handshake, under a deadline).
        self._open: dict[asyncio.BaseTransport, _Pending] = {}
        self.refused = 0
        self.timed_out = 0

    def __len__(self) -> int:
        return len(self._open)

    def protocol_factory(self, inner: Callable[[], Any]) -> Callable[[], asyncio.Protocol]:
        """``inner`` (aiohttp's ``web.Server``), each connection gated."""

        def factory() -> asyncio.Protocol:
            return _GatedProtocol(self, inner())

        return factory

    # -- events ---------------------------------------------------------------------------------------------

    def _made(self, transport: asyncio.BaseTransport) -> bool:
        peer = transport.get_extra_info("peername")
        if not (isinstance(peer, tuple) and peer):
            return True  # not an IP socket (a Unix socket in tests): nothing to count
        ip = self.admission.admit(str(peer[0]))
        if ip is None:
            self.refused += 1
            return False
        timeout = self.handshake_timeout_s()
        timer = asyncio.get_running_loop().call_later(timeout, self._expire, transport) if timeout > 0 else None
        self._open[transport] = _Pending(ip, timer)
        return True

    def _lost(self, transport: asyncio.BaseTransport) -> None:
        pending = self._open.pop(transport, None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
        self.admission.release(pending.ip)

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        pending = self._open.get(transport)
        if pending is None or pending.timer is None:
            return
        pending.timer = None
        self.timed_out += 1
        if self.on_timeout is not None:
            self.on_timeout()
        log.debug("%s: no handshake from %s within the timeout; reset", self.name, pending.ip)
        cast(asyncio.Transport, transport).abort()  # connection_lost follows and releases the count

    def handshake_done(self, transport: asyncio.BaseTransport | None) -> None:
        """The connection completed its handshake: its deadline no longer applies."""
        if transport is None:
            return
        pending = self._open.get(transport)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
            pending.timer = None
        if self.release_at_handshake:
            del self._open[transport]
            self.admission.release(pending.ip)

    def middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        """An aiohttp middleware that ends the deadline when a complete request arrives (the admin port)."""

        @web.middleware
        async def handshake(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            self.handshake_done(request.transport)
            return await handler(request)

        return handshake


class _GatedProtocol(asyncio.Protocol):
    """Forwards every transport event to aiohttp's protocol once the gate admitted the connection."""

    __slots__ = ("_admitted", "_gate", "_inner", "_transport")

    def __init__(self, gate: AcceptGate, inner: Any) -> None:
        self._gate = gate
        self._inner = inner
        self._admitted = False
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        if not self._gate._made(transport):
            cast(asyncio.Transport, transport).abort()
            return
        self._admitted = True
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._admitted:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._admitted:
            result: bool | None = self._inner.eof_received()
            return result
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._gate._lost(self._transport)
        if self._admitted:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._admitted:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._admitted:
            self._inner.resume_writing()


class GatedSockSite(web.SockSite):
    """aiohttp's :class:`~aiohttp.web.SockSite` whose connections pass through an :class:`AcceptGate`."""

    __slots__ = ("_gate", "_ssl_handshake_timeout")

    def __init__(
        self,
        runner: web.BaseRunner,
        sock: Any,
        gate: AcceptGate,
        *,
        backlog: int = 128,
        ssl_context: ssl.SSLContext | None = None,
        ssl_handshake_timeout: float | None = None,
    ) -> None:
        super().__init__(runner, sock, backlog=backlog, ssl_context=ssl_context)
        self._gate = gate
        self._ssl_handshake_timeout = ssl_handshake_timeout

    async def start(self) -> None:
        # SockSite.start, with the gated factory in place of the runner's server (aiohttp's own attributes).
        self._runner._reg_site(self)
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self._gate.protocol_factory(server),
            sock=self._sock,
            ssl=self._ssl_context,
            backlog=self._backlog,
            ssl_handshake_timeout=self._ssl_handshake_timeout if self._ssl_context is not None else None,
        )
