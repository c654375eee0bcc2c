"""Claiming the listeners' ports for one server, before its first worker binds them.

``SO_REUSEPORT`` lets any process of the same user join a port's group, so without this a second, unrelated
``turms serve`` would start on the same ports and the kernel would split clients and admin calls between two
clusters.
"""

from __future__ import annotations

import errno
import os
import socket


class PortClaimError(Exception):
    """A port is not ours to serve; the message names it."""

    def __init__(self, errno_: int, message: str) -> None:
        super().__init__(message)
        self.errno = errno_


#: Prefix of the abstract Unix socket that marks a TCP port as a turms server's (Linux; per network namespace).
PORT_LOCK_PREFIX = "\0turms-server/tcp/"


def claim_ports(listeners: list[tuple[str, str, int]]) -> list[socket.socket]:
    """Make sure no other server listens on the ports of ``listeners`` (name, host, port) and mark them ours.

    ``SO_REUSEPORT`` lets any process of the same user join a port's group, so a second, unrelated ``turms
    serve`` would start on the same ports and the kernel would split clients between two clusters. The
    supervisor calls this once, before its first workers: for each port it binds an abstract Unix socket named
    after the port (held until the supervisor exits, and gone with it even after ``kill -9``; its workers
    inherit it, so they and a reload's new generation still share the port), then tries a plain bind without
    ``SO_REUSEPORT``, which fails while anyone listens there. Returns the held sockets; raises
    :class:`PortClaimError` naming the port. Port 0 (pick a free one) is not checked.
    """
    seen: dict[int, str] = {}
    for what, _, port in listeners:
        if port and port in seen:
            raise PortClaimError(errno.EINVAL, f"the {seen[port]} and {what} listeners are both set to port {port}")
        seen[port] = what
    held: list[socket.socket] = []
    try:
        for what, host, port in listeners:
            if not port:
                continue
            if hasattr(socket, "AF_UNIX") and os.uname().sysname == "Linux":
                lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    lock.bind(f"{PORT_LOCK_PREFIX}{port}")
                except OSError as e:
                    lock.close()
                    if e.errno == errno.EADDRINUSE:
                        raise PortClaimError(
                            e.errno, f"port {port} ({what}) is taken by another turms server on this host"
                        ) from None
                    raise
                held.append(lock)
            _probe(what, host, port)
    except BaseException:
        for sock in held:
            sock.close()
        raise
    return held


def _probe(what: str, host: str, port: int) -> None:
    """Bind ``host:port`` without ``SO_REUSEPORT`` and let go: fails while any socket listens on the port."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_ADDRCONFIG
        )
    except socket.gaierror as e:
        raise PortClaimError(errno.EADDRNOTAVAIL, f"cannot resolve {what} host {host!r}: {e}") from None
    family, socktype, proto, _, addr = infos[0]
    with socket.socket(family, socktype, proto) as probe:
        # SO_REUSEADDR: connections of an earlier run still in TIME_WAIT are no conflict; a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        try:
            probe.bind(addr)
        except OSError as e:
            cause = os.strerror(e.errno) if e.errno else str(e)
            if e.errno == errno.EADDRINUSE:
                cause = "another process listens there"
            raise PortClaimError(e.errno or 0, f"port {port} ({what}, {host}:{port}) is not free: {cause}") from None
