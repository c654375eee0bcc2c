"""Settings of files (Turms's "storage service"): which backend holds them, and the limits of each resource type.

Keys follow Turms's ``turms.service.storage.*`` (user and group profile pictures, message attachments), plus the
backends: ``local`` (the server's own data directory, served over HTTP on the client WebSocket listener) and
``s3`` (any S3-compatible object store). Not to be confused with ``storage.*``, the database settings.
"""

from __future__ import annotations

from typing import Any

from turms.settings.loader import Settings, value_or_file
from turms.settings.registry import Setting, at_least, between, setting

_S = "service.storage."
_WEEK_S = 7 * 24 * 3600

BACKENDS = ("auto", "none", "local", "s3")
BACKEND = setting(
    _S + "backend",
    str,
    "auto",
    "Where files (profile pictures, message attachments) are kept. `local`: in `service.storage.local.dir`, "
    "uploaded and downloaded through the client WebSocket listener with HMAC-signed, expiring URLs (one host, "
    "or hosts sharing that directory). `s3`: an S3-compatible object store, with presigned URLs. `none`: every "
    "storage request answers STORAGE_NOT_IMPLEMENTED (6000), as Turms without a storage plugin. `auto`: `local` "
    "on the embedded default (SQLite store), `none` with MongoDB (a cluster of hosts needs a shared store: set "
    "`s3`).",
    choices=BACKENDS,
)

# -- local ---------------------------------------------------------------------------------------------------

LOCAL_DIR = setting(
    _S + "local.dir",
    str,
    "",
    "Directory of the local backend's files. Empty: `files` in the data directory.",
    path=True,
)
LOCAL_PUBLIC_URL = setting(
    _S + "local.public_url",
    str,
    "",
    "The base URL clients use to reach the local backend (its routes are under `/files` on the client "
    "WebSocket listener), e.g. `https://chat.example.com:10510`. Empty: `http://<gateway.websocket.host>:"
    "<gateway.websocket.port>` (127.0.0.1 when the host is a wildcard), which only local clients can reach.",
    validator=lambda v: None if not v or v.startswith(("http://", "https://")) else "must be an http(s) URL",
)
LOCAL_SECRET = setting(
    _S + "local.secret",
    str,
    "",
    "Key (at least 32 characters) of the HMAC that signs the local backend's upload policies and download URLs; "
    "every worker and host serving the same directory needs the same one. Empty (and no "
    "`service.storage.local.secret_file`): a random key is created once in the files directory.",
    secret=True,
    validator=lambda v: None if not v or len(v) >= 32 else "must be at least 32 characters",
)
LOCAL_SECRET_FILE = setting(
    _S + "local.secret_file",
    str,
    "",
    "Read `service.storage.local.secret` from this file instead (it wins).",
    path=True,
)
LOCAL_MAX_CONCURRENT_UPLOADS = setting(
    _S + "local.max_concurrent_uploads",
    int,
    32,
    "Uploads one worker receives at once; more are answered 503 (SlowDown) so that slow uploaders cannot hold "
    "every file descriptor.",
    validator=between(1, 100_000),
)

# -- S3 ------------------------------------------------------------------------------------------------------

S3_ENDPOINT = setting(
    _S + "s3.endpoint",
    str,
    "",
    "URL of the S3-compatible service the server talks to, e.g. `http://minio:9000`. Empty: AWS S3 in "
    "`service.storage.s3.region`.",
    validator=lambda v: None if not v or v.startswith(("http://", "https://")) else "must be an http(s) URL",
)
S3_PUBLIC_ENDPOINT = setting(
    _S + "s3.public_endpoint",
    str,
    "",
    "URL clients use to reach the object store (presigned and public URLs are made for it). Empty: "
    "`service.storage.s3.endpoint`.",
    validator=lambda v: None if not v or v.startswith(("http://", "https://")) else "must be an http(s) URL",
)
S3_REGION = setting(_S + "s3.region", str, "us-east-1", "Region of the buckets (and of the signatures).")
S3_ACCESS_KEY = setting(_S + "s3.access_key", str, "", "Access key id.", secret=True)
S3_ACCESS_KEY_FILE = setting(
    _S + "s3.access_key_file",
    str,
    "",
    "Read `service.storage.s3.access_key` from this file instead (it wins).",
    path=True,
)
S3_SECRET_KEY = setting(_S + "s3.secret_key", str, "", "Secret access key.", secret=True)
S3_SECRET_KEY_FILE = setting(
    _S + "s3.secret_key_file",
    str,
    "",
    "Read `service.storage.s3.secret_key` from this file instead (it wins), e.g. a systemd credential.",
    path=True,
)
S3_BUCKET_PREFIX = setting(
    _S + "s3.bucket_prefix",
    str,
    "",
    "Prefix of the three bucket names (Turms's `user-profile-picture`, `group-profile-picture`, "
    "`message-attachment`); bucket names are global on AWS, so a deployment there needs one.",
    validator=lambda v: None if all(c.islower() or c.isdigit() or c in ".-" for c in v) else "lowercase, digits, . -",
)
S3_PATH_STYLE = setting(
    _S + "s3.path_style",
    bool,
    True,
    "Address buckets as `endpoint/bucket/key` (MinIO and most S3-compatible services) rather than "
    "`bucket.endpoint/key`.",
)
S3_CREATE_BUCKETS = setting(
    _S + "s3.create_buckets",
    bool,
    True,
    "Create missing buckets at start, profile-picture buckets readable by anyone (as Turms's MinIO plugin).",
)
S3_TIMEOUT_S = setting(
    _S + "s3.timeout_s",
    float,
    10.0,
    "Connect and read timeout of each request to the object store.",
    validator=at_least(0.1),
)

# -- resource types ------------------------------------------------------------------------------------------

#: Turms's resource types, as in its bucket names: (settings key part, default allowed content type).
RESOURCE_TYPES = {
    "user_profile_picture": "image/*",
    "group_profile_picture": "image/*",
    "message_attachment": "*/*",
}


def _media_range(v: Any) -> str | None:
    kind, sep, sub = str(v).partition("/")
    if not sep or not kind or not sub or (kind == "*" and sub != "*") or any(c.isspace() for c in str(v)):
        return "must be a media range: `type/subtype`, `type/*` or `*/*`"
    return None


def _item(kind: str, default_type: str) -> dict[str, Setting[Any]]:
    p = f"{_S}{kind}."
    return {
        "allowed_content_type": setting(
            p + "allowed_content_type",
            str,
            default_type,
            "Content types a client may upload: `type/subtype`, `type/*` or `*/*`.",
            validator=_media_range,
            live=True,
        ),
        "min_size_bytes": setting(
            p + "min_size_bytes", int, 0, "Smallest upload accepted; 0: no minimum.", validator=at_least(0), live=True
        ),
        "max_size_bytes": setting(
            p + "max_size_bytes",
            int,
            1024 * 1024,
            "Largest upload accepted (enforced by the upload policy); 0: no maximum (S3's own 5 GiB for one POST).",
            validator=at_least(0),
            live=True,
        ),
        "download_url_expire_after_s": setting(
            p + "download_url_expire_after_s",
            int,
            300,
            "How long a signed download URL stays valid.",
            validator=between(1, _WEEK_S),
            live=True,
        ),
        "upload_url_expire_after_s": setting(
            p + "upload_url_expire_after_s",
            int,
            300,
            "How long upload information (the signed policy) stays valid.",
            validator=between(1, _WEEK_S),
            live=True,
        ),
    }


ITEMS: dict[str, dict[str, Setting[Any]]] = {kind: _item(kind, ct) for kind, ct in RESOURCE_TYPES.items()}

QUOTA_MAX_COUNT = setting(
    _S + "message_attachment.quota.max_count",
    int,
    0,
    "Default quota: most message attachments one user may have stored; 0: no limit. The admin API sets "
    "per-user quotas (`/storage/quotas`).",
    validator=at_least(0),
    live=True,
)
QUOTA_MAX_BYTES = setting(
    _S + "message_attachment.quota.max_bytes",
    int,
    0,
    "Default quota: most bytes of message attachments one user may have stored (an upload counts its "
    "`max_size_bytes` until its real size is known); 0: no limit.",
    validator=at_least(0),
    live=True,
)
MAX_NAME_LENGTH = setting(
    _S + "message_attachment.max_name_length",
    int,
    255,
    "Longest attachment name accepted, in characters.",
    validator=between(1, 4096),
    live=True,
)


def local_secret(settings: Settings) -> str:
    """The local backend's HMAC key in effect (the file wins); empty when a generated one is to be used."""
    return value_or_file(settings, LOCAL_SECRET, LOCAL_SECRET_FILE)


def s3_access_key(settings: Settings) -> str:
    return value_or_file(settings, S3_ACCESS_KEY, S3_ACCESS_KEY_FILE)


def s3_secret_key(settings: Settings) -> str:
    return value_or_file(settings, S3_SECRET_KEY, S3_SECRET_KEY_FILE)
