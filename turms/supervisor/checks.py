"""Configuration checks the supervisor makes before it starts anything (and again on a reload)."""

from __future__ import annotations

from turms.settings import Settings, redis, storage


def check_secret_files(settings: Settings) -> None:
    """Read every configured URI file (``redis.url_file``, ``storage.mongo.uri_file`` and the groups' own) once,
    so that an unreadable or empty one is a configuration error here rather than a worker's boot failure.
    Raises :class:`SettingsError`."""
    redis.url(settings)
    if storage.mongo_configured(settings):
        storage.mongo_uri(settings)
        storage.mongo_group_uris(settings)
