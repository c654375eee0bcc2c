"""Thin I/O between sockets and the gateway: client TCP (an ``asyncio.Protocol`` with write coalescing),
client WebSocket (aiohttp), SO_REUSEPORT listening sockets, and the accept gate of the HTTP listeners
(admission and a handshake deadline before aiohttp reads a request).

Transports only frame and unframe bytes and enforce size limits; every decision (what to answer, when to
close) is the gateway's.

May import: the standard library, ``aiohttp``, ``turms.protocol`` (framing), ``turms.errors``,
``turms.gateway``, ``turms.settings``. Never ``turms.worker`` or ``turms.supervisor``.
"""

from __future__ import annotations

from turms.transport.gate import AcceptGate, GatedSockSite
from turms.transport.listeners import ListenerError, bind_reuseport, start_listening, sweep_accept
from turms.transport.tcp import TcpConnection, tcp_protocol_factory
from turms.transport.websocket import WebSocketEndpoint

__all__ = [
    "AcceptGate",
    "GatedSockSite",
    "ListenerError",
    "TcpConnection",
    "WebSocketEndpoint",
    "bind_reuseport",
    "start_listening",
    "sweep_accept",
    "tcp_protocol_factory",
]
