"""Thin I/O between sockets and the gateway: client TCP (an ``asyncio.Protocol`` with write coalescing),
client WebSocket (aiohttp), and SO_REUSEPORT listening sockets.

Transports only frame and unframe bytes and enforce size limits; every decision (what to answer, when to
close) is the gateway's.

May import: the standard library, ``aiohttp``, ``turms.protocol`` (framing), ``turms.errors``,
``turms.gateway``, ``turms.settings``. Never ``turms.worker`` or ``turms.supervisor``.
"""

from __future__ import annotations

from turms.transport.listeners import ListenerError, bind_reuseport, start_listening, sweep_accept
from turms.transport.tcp import TcpConnection, tcp_protocol_factory
from turms.transport.websocket import WebSocketEndpoint

__all__ = [
    "ListenerError",
    "TcpConnection",
    "WebSocketEndpoint",
    "bind_reuseport",
    "start_listening",
    "sweep_accept",
    "tcp_protocol_factory",
]
