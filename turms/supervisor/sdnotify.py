"""``sd_notify`` without libsystemd: one datagram per state change to ``$NOTIFY_SOCKET``.

systemd's protocol is a newline-separated list of ``KEY=VALUE`` assignments sent as one datagram to the Unix
socket named by ``$NOTIFY_SOCKET``; a leading ``@`` names a socket in the abstract namespace. With no
``$NOTIFY_SOCKET`` (not started by systemd with ``Type=notify``) every call is a no-op. Failures are logged
and swallowed: readiness reporting must never take the server down.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger("turms.supervisor")


def _address(raw: str) -> str | bytes:
    if raw.startswith("@"):
        # Abstract namespace: the name starts with a NUL byte instead of "@".
        return b"\0" + raw[1:].encode()
    return raw


def notify(*assignments: str) -> bool:
    """Send ``assignments`` (``"READY=1"``, ``"STATUS=..."``) as one datagram; ``True`` if sent."""
    raw = os.environ.get("NOTIFY_SOCKET", "")
    if not raw or not assignments:
        return False
    if not (raw.startswith("/") or raw.startswith("@")):
        log.warning("NOTIFY_SOCKET=%r is neither a path nor an abstract socket name; not notifying", raw)
        return False
    message = "\n".join(assignments).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message, _address(raw))
    except OSError as e:
        log.warning("sd_notify to %s failed: %s", raw, e)
        return False
    return True


def ready(status: str = "") -> bool:
    return notify("READY=1", *([f"STATUS={status}"] if status else []))


def reloading(status: str = "") -> bool:
    # Type=notify-reload requires MONOTONIC_USEC with RELOADING=1 (systemd >= 253); older versions ignore it.
    usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    return notify("RELOADING=1", f"MONOTONIC_USEC={usec}", *([f"STATUS={status}"] if status else []))


def stopping(status: str = "") -> bool:
    return notify("STOPPING=1", *([f"STATUS={status}"] if status else []))


def status(text: str) -> bool:
    return notify(f"STATUS={text}")


def extend_timeout(seconds: float, status_text: str = "") -> bool:
    """Ask systemd for ``seconds`` more before it fails a start (or reload) in progress (systemd >= 236)."""
    usec = max(1, int(seconds * 1_000_000))
    return notify(f"EXTEND_TIMEOUT_USEC={usec}", *([f"STATUS={status_text}"] if status_text else []))
