"""Which files backend a configuration gets (`service.storage.backend`, `auto` resolved) and the base URL the local
backend hands to clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from turms.clock import FakeClock
from turms.service.resource.backends import chosen_backend, local_public_url, open_backend
from turms.service.resource.backends.local import LocalObjectStore
from turms.service.resource.backends.s3 import S3ObjectStore
from turms.settings import Settings, SettingsError, load_settings


def settings(tmp_path: Path, **flags: str) -> Settings:
    return load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path)), *flags.items()])


def test_auto_is_local_on_the_embedded_default_and_none_with_mongodb(tmp_path: Path) -> None:
    assert chosen_backend(settings(tmp_path)) == "local"
    assert chosen_backend(settings(tmp_path, **{"storage.mongo.uri": "mongodb://db:27017/"})) == "none"
    assert chosen_backend(settings(tmp_path, **{"gateway.websocket.enabled": "false"})) == "none"
    mongo_s3 = settings(tmp_path, **{"storage.mongo.uri": "mongodb://db:27017/", "service.storage.backend": "s3"})
    assert chosen_backend(mongo_s3) == "s3"


def test_open_backend(tmp_path: Path) -> None:
    local = open_backend(settings(tmp_path), FakeClock())
    assert local is not None and isinstance(local.store, LocalObjectStore) and local.mount is not None
    assert (tmp_path / "files" / ".hmac-key").is_file()  # created once, shared by the workers
    s3 = open_backend(settings(tmp_path, **{"service.storage.backend": "s3"}), FakeClock())
    assert s3 is not None and isinstance(s3.store, S3ObjectStore) and s3.mount is None
    assert open_backend(settings(tmp_path, **{"service.storage.backend": "none"}), FakeClock()) is None
    off = settings(tmp_path, **{"service.storage.backend": "local", "gateway.websocket.enabled": "false"})
    with pytest.raises(SettingsError, match="WebSocket"):
        open_backend(off, FakeClock())


@pytest.mark.parametrize(
    ("flags", "url"),
    [
        ({}, "http://127.0.0.1:10510"),
        ({"gateway.websocket.host": "::", "gateway.websocket.port": "9"}, "http://[::1]:9"),
        ({"gateway.websocket.host": "10.1.2.3"}, "http://10.1.2.3:10510"),
        ({"gateway.websocket.host": "chat.local"}, "http://chat.local:10510"),
        ({"service.storage.local.public_url": "https://files.example.com"}, "https://files.example.com"),
    ],
)
def test_local_public_url(tmp_path: Path, flags: dict[str, str], url: str) -> None:
    assert local_public_url(settings(tmp_path, **flags)) == url
