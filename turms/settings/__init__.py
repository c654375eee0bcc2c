"""Settings: one declarative registry of every setting, and its loader.

Each section module (``server``, ``gateway``, ``storage`` …) declares its settings at import time; importing
this package imports them all, so the registry is complete. May import only the standard library and
``turms.settings.*``.
"""

from __future__ import annotations

from turms.settings import admin, auth, gateway, group, log, redis, server, storage
from turms.settings.loader import Settings, load_settings, parse_flag
from turms.settings.registry import REGISTRY, Setting, SettingsError, list_setting, setting

__all__ = [
    "REGISTRY",
    "Setting",
    "Settings",
    "SettingsError",
    "admin",
    "auth",
    "gateway",
    "group",
    "list_setting",
    "load_settings",
    "log",
    "parse_flag",
    "redis",
    "server",
    "setting",
    "storage",
]
