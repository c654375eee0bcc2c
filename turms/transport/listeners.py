"""Listening sockets shared by all workers of a host through ``SO_REUSEPORT``.

Every worker binds its own socket to the same address; the kernel spreads incoming connections across
them. When one worker closes its socket (drain, reload), connections already queued on that socket are
reset unless ``net.ipv4.tcp_migrate_req=1`` (Linux >= 5.14) lets the kernel move them to a sibling. To
keep that window small without the sysctl, a draining worker stops its server, then accepts whatever is
still queued (:func:`sweep_accept`) and hands those connections to the gateway, which tells them
``SERVER_CLOSED`` instead of letting the kernel reset them. See docs/architecture.md.
"""

from __future__ import annotations

import errno
import os
import socket


class ListenerError(Exception):
    """A listener could not be bound; the message names the address and port (for the boot failure)."""

    def __init__(self, errno_: int, message: str) -> None:
        super().__init__(message)
        self.errno = errno_


def bind_reuseport(what: str, host: str, port: int) -> socket.socket:
    """A non-blocking TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (and ``SO_REUSEADDR``).

    Bound, not listening: a taken port fails here, at once, but the kernel hands this socket no connection
    until :func:`start_listening` (a worker listens only once it can serve; connections queued on a socket
    whose worker is still booting wait unanswered, and their clients time out and log in elsewhere).
    """
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_ADDRCONFIG
        )
    except socket.gaierror as e:
        raise ListenerError(errno.EADDRNOTAVAIL, f"cannot resolve {what} host {host!r}: {e}") from None
    family, socktype, proto, _, addr = infos[0]
    sock = socket.socket(family, socktype, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(addr)
        sock.setblocking(False)
    except OSError as e:
        sock.close()
        cause = os.strerror(e.errno) if e.errno else str(e)
        if e.errno == errno.EADDRINUSE:
            cause += " (by a process that did not set SO_REUSEPORT, or another user's)"
        raise ListenerError(e.errno or 0, f"cannot bind the {what} listener to {host}:{port}: {cause}") from None
    return sock


def start_listening(what: str, sock: socket.socket, backlog: int) -> None:
    """Join the ``SO_REUSEPORT`` group: from now on the kernel queues new connections on ``sock`` too."""
    try:
        sock.listen(backlog)
    except OSError as e:
        host, port = sock.getsockname()[:2]
        cause = os.strerror(e.errno) if e.errno else str(e)
        raise ListenerError(e.errno or 0, f"cannot listen on the {what} listener at {host}:{port}: {cause}") from None


def sweep_accept(sock: socket.socket, limit: int = 65536) -> list[socket.socket]:
    """Accept every connection already queued on the non-blocking listening ``sock``."""
    accepted: list[socket.socket] = []
    while len(accepted) < limit:
        try:
            conn, _ = sock.accept()
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            break
        conn.setblocking(False)
        accepted.append(conn)
    return accepted
