"""Backends of the files domain behind :class:`~turms.service.resource.port.ObjectStore`: the server's own directory
(``local``) and any S3-compatible object store (``s3``). The only place that imports the S3 driver (aiobotocore)
and the only part of the files domain that serves HTTP (aiohttp).

May import: ``turms.service.resource.port``, ``turms.settings``, ``turms.clock``, the drivers. The worker wiring
calls :func:`open_backend`; the domain never imports this package.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from turms.clock import Clock
from turms.service.resource.port import ObjectStore
from turms.settings import Settings, SettingsError, server
from turms.settings import files as fs
from turms.settings import gateway as gw
from turms.settings import storage as storage_settings

log = logging.getLogger("turms.files")


@dataclass
class OpenedBackend:
    store: ObjectStore
    #: Adds the routes this backend serves itself to the client WebSocket listener's application; None for S3.
    mount: Callable[[web.Application], None] | None = None


def chosen_backend(settings: Settings) -> str:
    """``local``, ``s3`` or ``none``: ``service.storage.backend`` with ``auto`` resolved."""
    choice = settings.get(fs.BACKEND)
    if choice == "auto":
        if storage_settings.mongo_configured(settings) or not settings.get(gw.WS_ENABLED):
            return "none"
        return "local"
    return choice


def local_public_url(settings: Settings) -> str:
    configured = settings.get(fs.LOCAL_PUBLIC_URL)
    if configured:
        return configured
    host = settings.get(gw.WS_HOST) or "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"http://{host}:{settings.get(gw.WS_PORT)}"
    if address.is_unspecified:
        host = "127.0.0.1" if address.version == 4 else "::1"
    return (
        f"http://{host}:{settings.get(gw.WS_PORT)}"
        if address.version == 4
        else f"http://[{host}]:{settings.get(gw.WS_PORT)}"
    )


def open_backend(settings: Settings, clock: Clock) -> OpenedBackend | None:
    """The configured backend (not started), or None when files are off (``none``: 6000 to every request)."""
    choice = chosen_backend(settings)
    if choice == "none":
        return None
    if choice == "local":
        if not settings.get(gw.WS_ENABLED):
            raise SettingsError(
                fs.BACKEND.key,
                "the local backend is served on the client WebSocket listener, "
                "which gateway.websocket.enabled turns off",
            )
        from turms.service.resource.backends.local import LocalObjectStore, load_or_create_key

        root = Path(settings.get(fs.LOCAL_DIR) or Path(settings.get(server.DATA_DIR)) / "files")
        key = load_or_create_key(root, fs.local_secret(settings))
        local = LocalObjectStore(
            root,
            local_public_url(settings),
            key,
            clock,
            max_concurrent_uploads=settings.get(fs.LOCAL_MAX_CONCURRENT_UPLOADS),
        )
        return OpenedBackend(local, local.mount)
    from turms.service.resource.backends.s3 import S3ObjectStore

    s3 = S3ObjectStore(
        endpoint=settings.get(fs.S3_ENDPOINT),
        public_endpoint=settings.get(fs.S3_PUBLIC_ENDPOINT),
        region=settings.get(fs.S3_REGION),
        access_key=fs.s3_access_key(settings),
        secret_key=fs.s3_secret_key(settings),
        bucket_prefix=settings.get(fs.S3_BUCKET_PREFIX),
        path_style=settings.get(fs.S3_PATH_STYLE),
        create_buckets=settings.get(fs.S3_CREATE_BUCKETS),
        timeout_s=settings.get(fs.S3_TIMEOUT_S),
    )
    return OpenedBackend(s3)
