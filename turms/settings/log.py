"""Settings of logging."""

from __future__ import annotations

from turms.settings.registry import setting

LEVEL = setting(
    "log.level",
    str,
    "INFO",
    "Level of the application log.",
    choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
)
FORMAT = setting(
    "log.format",
    str,
    "json",
    "`json` for JSON lines (journald, log shippers) or `text` for a terminal.",
    choices=("json", "text"),
)
