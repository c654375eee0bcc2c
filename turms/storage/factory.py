"""Choosing and building the store from the settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from turms.settings import Settings
from turms.settings import server as server_settings
from turms.settings import storage as s
from turms.storage.port import Store
from turms.storage.schema import SCHEMA, Schema


def sqlite_path(settings: Settings) -> Path:
    """``storage.sqlite.path``, or ``turms.sqlite3`` in the data directory."""
    configured = settings.get(s.SQLITE_PATH)
    if configured:
        return Path(configured)
    return Path(settings.get(server_settings.DATA_DIR)) / "turms.sqlite3"


def open_store(settings: Settings, *, schema: Schema = SCHEMA, clock: Callable[[], datetime] | None = None) -> Store:
    """MongoDB when ``storage.mongo.uri`` (or ``storage.mongo.uri_file``) is set, else the embedded SQLite file.
    Call ``start()`` next. A URI file that cannot be read raises :class:`~turms.settings.SettingsError`."""
    uri = s.mongo_uri(settings)
    if uri:
        from turms.storage.mongo import MongoStore, utc_now

        return MongoStore(
            uri,
            database=settings.get(s.MONGO_DATABASE),
            schema=schema,
            clock=clock or utc_now,
            group_uris=s.mongo_group_uris(settings),
            read_preference=settings.get(s.MONGO_READ_PREFERENCE),
            group_read_preferences={g: settings.get(x) for g, x in s.MONGO_GROUP_READ_PREFERENCES.items()},
            write_concern=settings.get(s.MONGO_WRITE_CONCERN),
            journal=settings.get(s.MONGO_JOURNAL),
            read_concern=settings.get(s.MONGO_READ_CONCERN),
            server_selection_timeout_ms=settings.get(s.MONGO_SERVER_SELECTION_TIMEOUT_MS),
            max_pool_size=settings.get(s.MONGO_MAX_POOL_SIZE),
            ttl_purge_interval_s=settings.get(s.TTL_PURGE_INTERVAL_S),
        )
    from turms.storage.sqlite import SqliteStore
    from turms.storage.sqlite import utc_now as sqlite_now

    return SqliteStore(
        sqlite_path(settings),
        schema=schema,
        clock=clock or sqlite_now,
        synchronous=settings.get(s.SQLITE_SYNCHRONOUS),
        busy_timeout_ms=settings.get(s.SQLITE_BUSY_TIMEOUT_MS),
        lock_timeout_s=settings.get(s.SQLITE_LOCK_TIMEOUT_S),
        group_commit=settings.get(s.SQLITE_GROUP_COMMIT),
        max_batch=settings.get(s.SQLITE_MAX_BATCH),
        readers=settings.get(s.SQLITE_READERS),
        ttl_purge_interval_s=settings.get(s.TTL_PURGE_INTERVAL_S),
    )
