"""Client sessions, independent of the transport: the connection table, login deadline, heartbeat idle
timeout, heartbeat answers, request dispatch to a pluggable :class:`RequestHandler`, and the graceful drain.

Transports (``turms.transport``) wrap a socket in a :class:`Connection` and feed it complete frames; this
package decides what to answer and when to close. It never touches sockets, Redis or the store directly.

May import: the standard library, ``turms.protocol``, ``turms.settings``, ``turms.errors``, ``turms.plugins`` (the
authentication, request and online-status points) and, through the handler, ``turms.service``/``turms.cluster``/
``turms.security``. Never ``turms.transport``,
``turms.worker`` or ``turms.supervisor``.
"""

from __future__ import annotations

from turms.gateway.connection import ClientSession, Connection
from turms.gateway.gateway import Gateway
from turms.gateway.handler import RequestHandler, UnavailableHandler

__all__ = [
    "ClientSession",
    "Connection",
    "Gateway",
    "RequestHandler",
    "UnavailableHandler",
]
