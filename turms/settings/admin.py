"""Settings of the admin HTTP API."""

from __future__ import annotations

from turms.settings.registry import port, setting

HTTP_ENABLED = setting("admin.http.enabled", bool, True, "Serve the admin HTTP API (health, metrics, admin).")
HTTP_HOST = setting(
    "admin.http.host",
    str,
    "127.0.0.1",
    "Address the admin HTTP listener binds. Loopback by default: expose it deliberately.",
)
HTTP_PORT = setting("admin.http.port", int, 8510, "Admin HTTP port (Turms's default).", validator=port)
