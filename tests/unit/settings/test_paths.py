"""Path settings are made absolute once, at load, against the directory the server was started in: a
relative ``server.data_dir`` (the default ``./data``) must mean the same files to the supervisor, its workers
and the redis-server it starts, which changes into its own directory before it binds its socket."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from turms.plugins.loader import discover
from turms.settings import load_settings
from turms.supervisor.embedded_redis import EmbeddedRedis

#: Every setting that names a file or directory (a new one must be declared with ``path=True``).
PATH_KEYS = {
    "server.data_dir",
    "server.pid_file",
    "log.dir",
    "metrics.multiprocess_dir",
    "storage.sqlite.path",
    "security.antispam.dictionary_path",
    "admin.root.password_file",
    "admin.auth.jwt.key_file",
    "gateway.auth.jwt.key_file",
    "redis.url_file",
    "redis.embedded.binary",
    "storage.mongo.uri_file",
    "plugins.livekit.api_secret_file",
    "plugins.webhook.secret_file",
    "service.storage.local.dir",
    "service.storage.local.secret_file",
    "service.storage.s3.access_key_file",
    "service.storage.s3.secret_key_file",
    "tls.cert_file",
    "tls.key_file",
}


def test_every_file_or_directory_setting_is_a_path_setting() -> None:
    """Every setting of the server and of its in-box plugins."""
    registry = discover(installed=False).registry()
    declared = {s.key for s in registry if s.path}
    group_files = {s.key for s in registry if s.key.startswith("storage.mongo.") and s.key.endswith(".uri_file")}
    assert declared == PATH_KEYS | group_files
    for s in registry:
        if s.value_type is str and s.key.rsplit(".", 1)[-1].endswith(("_file", "_dir", "_path")):
            assert s.path, s.key


def test_the_default_data_dir_is_absolute_against_the_start_directory(tmp_path: Path) -> None:
    s = load_settings(None, env={}, base_dir=str(tmp_path))
    assert s["server.data_dir"] == str(tmp_path / "data")
    assert s["storage.sqlite.path"] == ""  # empty stays empty: "in the data directory"


def test_relative_values_from_every_source_are_resolved_once(tmp_path: Path) -> None:
    (tmp_path / "turms.toml").write_text('[log]\ndir = "logs"\n')
    s = load_settings(
        tmp_path / "turms.toml",
        env={"TURMS_SERVER_PID_FILE": "run/turms.pid"},
        flags=[("server.data_dir", "../var/turms"), ("admin.root.password_file", "/etc/turms/pw")],
        base_dir=str(tmp_path / "start"),
    )
    assert s["log.dir"] == str(tmp_path / "start" / "logs")  # the start directory, not the file's
    assert s["server.pid_file"] == str(tmp_path / "start" / "run" / "turms.pid")
    assert s["server.data_dir"] == str(tmp_path / "var" / "turms")
    assert s["admin.root.password_file"] == "/etc/turms/pw"


def test_home_is_expanded_and_a_bare_program_name_is_left_to_path(tmp_path: Path) -> None:
    s = load_settings(
        None,
        env={},
        flags=[("server.data_dir", "~/turms-data"), ("redis.embedded.binary", "redis-server")],
        base_dir=str(tmp_path),
    )
    assert s["server.data_dir"] == os.path.expanduser("~/turms-data")
    assert s["redis.embedded.binary"] == "redis-server"
    s = load_settings(None, env={}, flags=[("redis.embedded.binary", "bin/redis-server")], base_dir=str(tmp_path))
    assert s["redis.embedded.binary"] == str(tmp_path / "bin" / "redis-server")


def test_overrides_and_live_changes_resolve_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(None, env={})
    assert s.with_overrides({"server.pid_file": "a.pid"})["server.pid_file"] == str(tmp_path / "a.pid")
    s.apply_live({"security.antispam.dictionary_path": "words.txt"})
    assert s["security.antispam.dictionary_path"] == str(tmp_path / "words.txt")


def test_the_embedded_redis_starts_in_a_relative_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first wave's bug: redis-server got `dir data/redis` and `unixsocket data/redis/redis.sock`, changed
    into the first and looked for data/redis/data/redis/redis.sock."""
    monkeypatch.chdir(tmp_path)
    server = EmbeddedRedis(Path("data") / "redis")
    server.start()
    try:
        assert server.url == f"unix://{tmp_path}/data/redis/redis.sock"
        import redis as syncredis

        client = syncredis.Redis.from_url(server.url)
        try:
            assert client.ping()
        finally:
            client.close()
    finally:
        server.stop()
