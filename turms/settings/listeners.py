"""The listeners a worker serves, derived from the settings: one list that the worker binds and that the
supervisor claims at start (so a new listener is added in one place)."""

from __future__ import annotations

from turms.settings import admin, gateway, health
from turms.settings.loader import Settings


def configured_listeners(settings: Settings) -> list[tuple[str, str, int]]:
    """The enabled listeners as (name, host, port), in the order they are bound."""
    candidates = (
        ("client TCP", gateway.TCP_ENABLED, gateway.TCP_HOST, gateway.TCP_PORT),
        ("client WebSocket", gateway.WS_ENABLED, gateway.WS_HOST, gateway.WS_PORT),
        ("admin HTTP", admin.HTTP_ENABLED, admin.HTTP_HOST, admin.HTTP_PORT),
        ("health HTTP", health.HTTP_ENABLED, health.HTTP_HOST, health.HTTP_PORT),
    )
    return [(name, settings.get(host), settings.get(port)) for name, on, host, port in candidates if settings.get(on)]
