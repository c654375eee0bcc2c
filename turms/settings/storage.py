"""Settings of the store: which engine, and how to reach it."""

from __future__ import annotations

from turms.settings.loader import Settings, value_or_file
from turms.settings.registry import at_least, between, setting

MONGO_URI = setting(
    "storage.mongo.uri",
    str,
    "",
    "MongoDB URI. Empty (and no `storage.mongo.uri_file`): the embedded SQLite store in the data directory is used.",
    secret=True,
)
MONGO_URI_FILE = setting(
    "storage.mongo.uri_file",
    str,
    "",
    "Read the MongoDB URI from this file instead of `storage.mongo.uri` (it wins), e.g. the systemd "
    "credential `%d/mongo-uri`. An unreadable or empty file is a configuration error.",
    path=True,
)
SQLITE_PATH = setting(
    "storage.sqlite.path",
    str,
    "",
    "SQLite database file. Empty: `turms.sqlite3` in the data directory.",
    path=True,
)

# -- MongoDB -----------------------------------------------------------------------------------------------

MONGO_DATABASE = setting(
    "storage.mongo.database",
    str,
    "turms",
    "Database name used when the URI names none.",
)
MONGO_WRITE_CONCERN = setting(
    "storage.mongo.write_concern",
    str,
    "majority",
    "Write concern `w` of every write: `majority` (acked = durable on a majority) or a node count.",
    validator=lambda v: (
        None if v == "majority" or (v.isdigit() and int(v) >= 1) else "must be `majority` or a positive integer"
    ),
)
MONGO_JOURNAL = setting(
    "storage.mongo.journal",
    bool,
    True,
    "Writes are acknowledged only once journaled (`j: true`).",
)
MONGO_READ_CONCERN = setting(
    "storage.mongo.read_concern",
    str,
    "majority",
    "Read concern of every read: `majority` reads only what a majority has written (a message seen is never "
    "rolled back by a failover), `local` the primary's latest.",
    choices=("majority", "local"),
)
READ_PREFERENCES = ("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest")
MONGO_READ_PREFERENCE = setting(
    "storage.mongo.read_preference",
    str,
    "primary",
    "Read preference of every collection group that does not set its own.",
    choices=READ_PREFERENCES,
)
MONGO_SERVER_SELECTION_TIMEOUT_MS = setting(
    "storage.mongo.server_selection_timeout_ms",
    int,
    10_000,
    "How long an operation waits for a suitable server before failing with SERVER_UNAVAILABLE.",
    validator=between(100, 600_000),
)
MONGO_MAX_POOL_SIZE = setting(
    "storage.mongo.max_pool_size",
    int,
    100,
    "Connections per MongoDB server per worker process.",
    validator=between(1, 10_000),
)

#: Turms's URI groups: each collection belongs to one (see turms.storage.schema), and each group may use its
#: own deployment and read preference.
MONGO_GROUPS = ("admin", "user", "group", "conversation", "message", "conference")
MONGO_GROUP_URIS = {
    group: setting(
        f"storage.mongo.{group}.uri",
        str,
        "",
        f"MongoDB URI for the `{group}` collections. Empty: `storage.mongo.uri`.",
        secret=True,
    )
    for group in MONGO_GROUPS
}
MONGO_GROUP_URI_FILES = {
    group: setting(
        f"storage.mongo.{group}.uri_file",
        str,
        "",
        f"Read `storage.mongo.{group}.uri` from this file instead (it wins), e.g. `%d/mongo-{group}-uri`.",
        path=True,
    )
    for group in MONGO_GROUPS
}
MONGO_GROUP_READ_PREFERENCES = {
    group: setting(
        f"storage.mongo.{group}.read_preference",
        str,
        "",
        f"Read preference for the `{group}` collections. Empty: `storage.mongo.read_preference`.",
        choices=("", *READ_PREFERENCES),
    )
    for group in MONGO_GROUPS
}

# -- SQLite ------------------------------------------------------------------------------------------------

SQLITE_SYNCHRONOUS = setting(
    "storage.sqlite.synchronous",
    str,
    "FULL",
    "SQLite `synchronous` pragma. FULL: an acknowledged write survives power loss. NORMAL (WAL): it survives "
    "a crash of the process but may be lost on power loss.",
    choices=("FULL", "NORMAL"),
)
SQLITE_BUSY_TIMEOUT_MS = setting(
    "storage.sqlite.busy_timeout_ms",
    int,
    5_000,
    "How long one attempt to take the write lock waits while another process holds it.",
    validator=between(1, 600_000),
)
SQLITE_LOCK_TIMEOUT_S = setting(
    "storage.sqlite.lock_timeout_s",
    float,
    30.0,
    "How long a write keeps retrying a locked database before failing with SERVER_UNAVAILABLE.",
    validator=at_least(0.1),
)
SQLITE_GROUP_COMMIT = setting(
    "storage.sqlite.group_commit",
    bool,
    True,
    "Commit the writes that arrive together in one transaction (each in its own savepoint).",
)
SQLITE_MAX_BATCH = setting(
    "storage.sqlite.max_batch",
    int,
    256,
    "Most writes committed in one group-commit transaction.",
    validator=between(1, 100_000),
)
SQLITE_READERS = setting(
    "storage.sqlite.readers",
    int,
    2,
    "Reader threads (each with its own connection) per worker process.",
    validator=between(1, 64),
)

# -- both --------------------------------------------------------------------------------------------------

TTL_PURGE_INTERVAL_S = setting(
    "storage.ttl_purge_interval_s",
    float,
    60.0,
    "How often expired documents (TTL indexes) are deleted; 0 disables the periodic purge.",
    validator=at_least(0.0),
)


def mongo_configured(settings: Settings) -> bool:
    """Whether MongoDB is the store: ``storage.mongo.uri`` or ``storage.mongo.uri_file`` is set. Reads no file."""
    return bool(settings.get(MONGO_URI) or settings.get(MONGO_URI_FILE))


def mongo_uri(settings: Settings) -> str:
    """The MongoDB URI in effect: the content of ``storage.mongo.uri_file`` if set, else ``storage.mongo.uri``
    (empty: SQLite). Raises :class:`~turms.settings.SettingsError` if the file cannot be read or is empty."""
    return value_or_file(settings, MONGO_URI, MONGO_URI_FILE)


def mongo_group_uris(settings: Settings) -> dict[str, str]:
    """Each URI group's own MongoDB URI in effect (file wins), empty where the group uses the main URI."""
    return {g: value_or_file(settings, MONGO_GROUP_URIS[g], MONGO_GROUP_URI_FILES[g]) for g in MONGO_GROUPS}
