"""Settings of TLS on the listeners: one certificate and key shared by the listeners that serve TLS.

TLS may end at a load balancer in front of the hosts instead (docs/operations.md); these settings are for
TLS on the hosts themselves.
"""

from __future__ import annotations

from turms.settings.loader import Settings
from turms.settings.registry import setting

CERT_FILE = setting(
    "tls.cert_file",
    str,
    "",
    "PEM certificate chain (the server's certificate first, then the intermediates) of the listeners that "
    "serve TLS. Reread on SIGUSR1 without closing any connection, and by the new workers of a SIGHUP reload.",
    path=True,
)
KEY_FILE = setting(
    "tls.key_file",
    str,
    "",
    "PEM private key of `tls.cert_file` (unencrypted; keep it readable by the server's user only, e.g. a "
    "systemd credential).",
    path=True,
)
MIN_VERSION = setting("tls.min_version", str, "1.2", "Oldest TLS version accepted.", choices=("1.2", "1.3"))
CLIENT_TCP = setting("tls.client_tcp", bool, False, "Serve TLS on the client TCP listener (`gateway.tcp.*`).")
CLIENT_WEBSOCKET = setting(
    "tls.client_websocket", bool, False, "Serve TLS (wss://) on the client WebSocket listener (`gateway.websocket.*`)."
)
ADMIN_HTTP = setting("tls.admin_http", bool, False, "Serve HTTPS on the admin HTTP listener (`admin.http.*`).")

#: Listener name (turms.settings.listeners) → its TLS switch.
_SWITCHES = {"client TCP": CLIENT_TCP, "client WebSocket": CLIENT_WEBSOCKET, "admin HTTP": ADMIN_HTTP}


def serves_tls(settings: Settings, listener: str) -> bool:
    """Whether the listener named ``listener`` (as in :func:`configured_listeners`) serves TLS."""
    switch = _SWITCHES.get(listener)
    return switch is not None and bool(settings.get(switch))


def any_tls(settings: Settings) -> bool:
    return any(settings.get(s) for s in _SWITCHES.values())
