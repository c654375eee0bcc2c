"""The local backend: files in a directory, served by the server itself with HMAC-signed, expiring URLs.

It speaks S3's browser-upload protocol so that one client helper serves both backends: the upload form is a URL
(``<public url>/files/<bucket>``) and fields — ``key``, ``policy`` (base64url JSON: bucket, key, expiry, content
type rule, size bounds) and ``x-turms-signature`` (HMAC-SHA256 of the policy) — that the client posts as
``multipart/form-data`` with ``Content-Type`` and, last, ``file``. The handler checks the signature and every
condition *before* it writes a byte, streams the file to a temporary file with the size bound enforced as it
reads, syncs it, and renames it into place (a reader never sees half an object; a re-upload of a profile picture
replaces it atomically). Downloads of attachments need ``expires`` and ``signature`` (HMAC of bucket, key and
expiry); profile pictures are public, as in Turms's MinIO plugin.

The routes are mounted on the client WebSocket listener's aiohttp application (docs/architecture.md says why),
so every worker serves them; the directory is shared by the workers of a host. Objects are
``<dir>/<bucket>/<key>`` with the declared content type beside them in ``<key>.type``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import BodyPartReader, web

from turms.clock import Clock
from turms.service.resource.port import (
    ObjectStoreError,
    ResourceType,
    StoredHook,
    StoredObject,
    UploadForm,
    UploadPolicy,
)

log = logging.getLogger("turms.files")

ROUTE_PREFIX = "/files"
SIGNATURE_FIELD = "x-turms-signature"
_KEY_RE = re.compile(r"^[0-9A-Za-z_-]{1,128}$")
_BUCKETS = {t.bucket: t for t in ResourceType}
_KEY_FILE = ".hmac-key"
_TMP = ".tmp"
#: Form fields before the file: how many, and how long each may be (the policy is the longest, ~300 bytes).
_MAX_FIELDS = 16
_MAX_FIELD_BYTES = 8192
_CHUNK = 256 * 1024
_OCTET_STREAM = "application/octet-stream"


def _error(status: int, code: str, message: str) -> web.Response:
    """An S3-style XML error, so S3 tooling reads our refusals as it reads the object store's."""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return web.Response(
        status=status, text=body, content_type="application/xml", headers={"Access-Control-Allow-Origin": "*"}
    )


def load_or_create_key(root: Path, configured: str) -> bytes:
    """The HMAC key: the configured one, else the one in ``<root>/.hmac-key``, created once (atomically, so
    workers starting together agree on one)."""
    if configured:
        return configured.encode()
    path = root / _KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes().strip()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_hex(32).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another worker got there first: then theirs is the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()


class LocalObjectStore:
    name = "local"

    def __init__(
        self, root: Path, public_url: str, key: bytes, clock: Clock, *, max_concurrent_uploads: int = 32
    ) -> None:
        self.root = root
        self.base = public_url.rstrip("/") + ROUTE_PREFIX
        self._key = key
        self.clock = clock
        self.max_concurrent_uploads = max_concurrent_uploads
        self._uploads = 0
        self.on_stored: StoredHook | None = None

    # -- the port ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        def make_dirs() -> None:
            for t in ResourceType:
                (self.root / t.bucket / _TMP).mkdir(parents=True, exist_ok=True, mode=0o700)

        await asyncio.to_thread(make_dirs)

    async def close(self) -> None:
        return None

    def _sign(self, *parts: str) -> str:
        return hmac.new(self._key, "\n".join(parts).encode(), hashlib.sha256).hexdigest()

    def _now_s(self) -> int:
        return int(self.clock.now().timestamp())

    async def upload_form(self, policy: UploadPolicy) -> UploadForm:
        doc = {
            "bucket": policy.type.bucket,
            "key": policy.key,
            "exp": self._now_s() + policy.expires_in_s,
            "ct": ["starts-with" if policy.content_type.prefix else "eq", policy.content_type.value],
            "min": policy.min_bytes,
            "max": policy.max_bytes,
        }
        encoded = base64.urlsafe_b64encode(orjson.dumps(doc)).decode()
        fields = {"key": policy.key, "policy": encoded, SIGNATURE_FIELD: self._sign("upload", encoded)}
        if not policy.content_type.prefix:
            fields["Content-Type"] = policy.content_type.value
        return UploadForm(f"{self.base}/{policy.type.bucket}", fields)

    async def download_url(self, type: ResourceType, key: str, expires_in_s: int) -> str:
        expires = self._now_s() + expires_in_s
        signature = self._sign("download", type.bucket, key, str(expires))
        return f"{self.base}/{type.bucket}/{quote(key)}?expires={expires}&signature={signature}"

    async def public_url(self, type: ResourceType, key: str) -> str:
        return f"{self.base}/{type.bucket}/{quote(key)}"

    def _path(self, type: ResourceType, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise ObjectStoreError(f"illegal object key {key!r}")
        return self.root / type.bucket / key

    async def stat(self, type: ResourceType, key: str) -> StoredObject | None:
        path = self._path(type, key)

        def read() -> StoredObject | None:
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                return None
            return StoredObject(size, _read_type(path))

        return await asyncio.to_thread(read)

    async def delete(self, type: ResourceType, key: str) -> None:
        path = self._path(type, key)

        def remove() -> None:
            for p in (path, path.with_name(path.name + ".type")):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()

        await asyncio.to_thread(remove)

    # -- HTTP ----------------------------------------------------------------------------------------------

    def mount(self, app: web.Application) -> None:
        """Add the upload and download routes to ``app`` (the client WebSocket listener's)."""
        app.router.add_post(ROUTE_PREFIX + "/{bucket}", self.handle_upload)
        app.router.add_get(ROUTE_PREFIX + "/{bucket}/{key}", self.handle_download)

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        type = _BUCKETS.get(request.match_info["bucket"])
        key = request.match_info["key"]
        if type is None or not _KEY_RE.match(key):
            return _error(404, "NoSuchKey", "no such object")
        headers = {
            "X-Content-Type-Options": "nosniff",
            # User content on the server's origin: never rendered as an active document.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Access-Control-Allow-Origin": "*",
        }
        if type.public:
            headers["Cache-Control"] = "public, no-cache"
        else:
            expires, signature = request.query.get("expires", ""), request.query.get("signature", "")
            if not expires.isdigit() or not hmac.compare_digest(
                signature, self._sign("download", type.bucket, key, expires)
            ):
                return _error(403, "AccessDenied", "missing or wrong signature")
            remaining = int(expires) - self._now_s()
            if remaining <= 0:
                return _error(403, "AccessDenied", "request has expired")
            headers["Cache-Control"] = f"private, max-age={remaining}"
        path = self.root / type.bucket / key
        content_type = await asyncio.to_thread(_read_type, path)
        if not await asyncio.to_thread(path.is_file):
            return _error(404, "NoSuchKey", "no such object")
        headers["Content-Type"] = content_type
        return web.FileResponse(path, headers=headers)

    async def handle_upload(self, request: web.Request) -> web.StreamResponse:
        type = _BUCKETS.get(request.match_info["bucket"])
        if type is None:
            return _error(404, "NoSuchBucket", "no such bucket")
        if self._uploads >= self.max_concurrent_uploads:
            return _error(503, "SlowDown", "too many uploads at once; retry later")
        self._uploads += 1
        try:
            return await self._upload(request, type)
        finally:
            self._uploads -= 1

    async def _upload(self, request: web.Request, type: ResourceType) -> web.StreamResponse:
        try:
            reader = await request.multipart()
        except (AssertionError, ValueError, KeyError):  # aiohttp asserts on a non-multipart body
            return _error(400, "MalformedPOSTRequest", "the body must be multipart/form-data")
        fields: dict[str, str] = {}
        while True:
            part = await reader.next()
            if part is None:
                return _error(400, "InvalidArgument", "no file part")
            if not isinstance(part, BodyPartReader):
                return _error(400, "MalformedPOSTRequest", "nested multipart is not accepted")
            name = part.name or ""
            if name == "file":
                break
            if len(fields) >= _MAX_FIELDS:
                return _error(400, "MalformedPOSTRequest", "too many form fields")
            value = await _read_field(part)
            if value is None:
                return _error(400, "MalformedPOSTRequest", f"form field {name[:40]!r} is too long or not UTF-8")
            fields[name.lower()] = value
        policy = self._verified_policy(type, fields)
        if isinstance(policy, web.Response):
            return policy
        key, content_type, min_bytes, max_bytes = policy
        target = self.root / type.bucket / key
        try:
            size = await self._receive(part, target, content_type, max_bytes)
        except _TooLarge:
            return _error(400, "EntityTooLarge", f"the file is larger than {max_bytes} bytes")
        except OSError as e:
            log.error("storing %s/%s failed: %s", type.bucket, key, e)
            return _error(500, "InternalError", "the file could not be stored")
        if size < min_bytes:
            await self.delete(type, key)
            return _error(400, "EntityTooSmall", f"the file is smaller than {min_bytes} bytes")
        if self.on_stored is not None:
            try:
                await self.on_stored(type, key, StoredObject(size, content_type))
            except Exception:
                # The object is stored; the record catches up when it is next read (the domain settles lazily).
                log.exception("recording the upload of %s/%s failed", type.bucket, key)
        return web.Response(status=204, headers={"Access-Control-Allow-Origin": "*"})

    def _verified_policy(self, type: ResourceType, fields: dict[str, str]) -> tuple[str, str, int, int] | web.Response:
        encoded, signature = fields.get("policy", ""), fields.get(SIGNATURE_FIELD, "")
        if not encoded or not hmac.compare_digest(signature, self._sign("upload", encoded)):
            return _error(403, "AccessDenied", "missing or wrong policy signature")
        try:
            doc: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(encoded.encode()))
            op, value = doc["ct"]
            bucket, key, exp = str(doc["bucket"]), str(doc["key"]), int(doc["exp"])
            min_bytes, max_bytes = int(doc["min"]), int(doc["max"])
        except (ValueError, KeyError, TypeError):
            return _error(400, "InvalidPolicyDocument", "unreadable policy")
        if exp <= self._now_s():
            return _error(403, "AccessDenied", "the policy has expired")
        if bucket != type.bucket or fields.get("key") != key or not _KEY_RE.match(key):
            return _error(403, "AccessDenied", "the policy does not cover this bucket and key")
        content_type = fields.get("content-type")
        if content_type is None:
            if op != "starts-with" or value:
                return _error(403, "AccessDenied", "the policy requires a Content-Type field")
            content_type = _OCTET_STREAM
        if not (content_type.startswith(value) if op == "starts-with" else content_type == value):
            return _error(403, "AccessDenied", f"Content-Type {content_type[:80]!r} is not allowed by the policy")
        if len(content_type) > 255 or not content_type.isprintable():
            return _error(400, "InvalidArgument", "illegal Content-Type")
        return key, content_type, min_bytes, max_bytes

    async def _receive(self, part: BodyPartReader, target: Path, content_type: str, max_bytes: int) -> int:
        tmp_dir = target.parent / _TMP
        token = secrets.token_hex(8)
        data_tmp, type_tmp = tmp_dir / f"{target.name}.{token}", tmp_dir / f"{target.name}.{token}.type"
        f = await asyncio.to_thread(open, data_tmp, "wb")
        size = 0
        try:
            try:
                while chunk := await part.read_chunk(_CHUNK):
                    size += len(chunk)
                    if max_bytes and size > max_bytes:
                        raise _TooLarge
                    await asyncio.to_thread(f.write, chunk)
                await asyncio.to_thread(_sync_close, f)
            finally:
                if not f.closed:
                    f.close()
            await asyncio.to_thread(_install, data_tmp, type_tmp, target, content_type)
        except BaseException:
            for p in (data_tmp, type_tmp):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            raise
        return size


class _TooLarge(Exception):
    pass


async def _read_field(part: BodyPartReader) -> str | None:
    data = bytearray()
    while chunk := await part.read_chunk(_MAX_FIELD_BYTES):
        data += chunk
        if len(data) > _MAX_FIELD_BYTES:
            return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def _read_type(path: Path) -> str:
    try:
        return path.with_name(path.name + ".type").read_text().strip() or _OCTET_STREAM
    except (FileNotFoundError, UnicodeDecodeError):
        return _OCTET_STREAM


def _sync_close(f: Any) -> None:
    f.flush()
    os.fsync(f.fileno())
    f.close()


def _install(data_tmp: Path, type_tmp: Path, target: Path, content_type: str) -> None:
    """Put the object in place: its type first, then the data by one rename, then sync the directory."""
    with type_tmp.open("w") as t:
        t.write(content_type)
        t.flush()
        os.fsync(t.fileno())
    os.replace(type_tmp, target.with_name(target.name + ".type"))
    os.replace(data_tmp, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
