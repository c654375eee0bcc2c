"""The database URIs from credential files (systemd ``LoadCredential=``): ``redis.url_file``,
``storage.mongo.uri_file`` and the URI groups' own. The rule is the JWT key files': a file setting wins over
the plain one; an unreadable or empty file is a configuration error naming the file setting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from turms.settings import REGISTRY, Settings, SettingsError, load_settings, redis, storage, value_or_file
from turms.settings.registry import Registry, Setting
from turms.storage.factory import open_store
from turms.supervisor import EXIT_CONFIG, serve
from turms.supervisor.arbiter import check_secret_files

REDIS = "redis://:hunter2@10.0.0.5:6379/0"
MONGO = "mongodb://turms:hunter2@10.0.0.11:27017/turms?replicaSet=rs0"


def _credential(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o400)
    return str(path)


def test_every_secret_setting_has_a_file_setting_that_is_not_secret() -> None:
    for s in REGISTRY:
        if s.secret:
            file_setting = REGISTRY.get(f"{s.key}_file")
            assert file_setting.value_type is str and file_setting.default == ""
            assert not file_setting.secret  # a path, shown by `turms config show`


def test_no_file_means_the_plain_settings() -> None:
    s = load_settings(None, env={"TURMS_REDIS_URL": REDIS, "TURMS_STORAGE_MONGO_URI": MONGO})
    assert redis.url(s) == REDIS
    assert storage.mongo_uri(s) == MONGO
    assert storage.mongo_group_uris(s) == dict.fromkeys(storage.MONGO_GROUPS, "")
    assert redis.url(load_settings(None, env={})) == ""
    assert not storage.mongo_configured(load_settings(None, env={}))


def test_files_are_read_trimmed_and_win_over_the_plain_settings(tmp_path: Path) -> None:
    env = {
        "TURMS_REDIS_URL": "redis://stale:6379/0",
        "TURMS_REDIS_URL_FILE": _credential(tmp_path, "redis-url", f"{REDIS}\n"),
        "TURMS_STORAGE_MONGO_URI": "mongodb://stale/turms",
        "TURMS_STORAGE_MONGO_URI_FILE": _credential(tmp_path, "mongo-uri", f"  {MONGO}\r\n"),
        "TURMS_STORAGE_MONGO_MESSAGE_URI_FILE": _credential(tmp_path, "mongo-message-uri", "mongodb://m/t\n"),
        "TURMS_STORAGE_MONGO_USER_URI": "mongodb://u/t",
    }
    s = load_settings(None, env=env)
    assert redis.url(s) == REDIS
    assert storage.mongo_uri(s) == MONGO
    groups = storage.mongo_group_uris(s)
    assert groups["message"] == "mongodb://m/t"
    assert groups["user"] == "mongodb://u/t"
    assert groups["group"] == ""
    assert storage.mongo_configured(s)
    check_secret_files(s)
    # The file names are not secrets, the values they stand for are never shown.
    shown = repr(s.as_dict())
    assert "hunter2" not in shown and "redis-url" in shown


def test_a_uri_file_alone_selects_mongodb(tmp_path: Path) -> None:
    flags = [
        ("storage.mongo.uri_file", _credential(tmp_path, "m", f"{MONGO}\n")),
        ("storage.mongo.message.uri_file", _credential(tmp_path, "g", "mongodb://m/t\n")),
    ]
    s = load_settings(None, env={}, flags=flags)
    assert storage.mongo_configured(s)
    store = open_store(s)  # builds the adapter only; nothing connects before start()
    assert type(store).__name__ == "MongoStore"
    # What the adapter will connect to is the files' content.
    assert vars(store)["_uri"] == MONGO
    assert vars(store)["_group_uris"] == {"message": "mongodb://m/t"}
    from turms.demo.run import production_reason

    # No demo dataset on a MongoDB configured through a file either.
    assert (production_reason(s) or "").startswith("storage.mongo.uri_file is set")


@pytest.mark.parametrize(
    ("key", "content", "problem"),
    [
        ("redis.url_file", None, "cannot read"),
        ("redis.url_file", " \n", "is empty"),
        ("storage.mongo.uri_file", None, "cannot read"),
        ("storage.mongo.uri_file", "\n", "is empty"),
        ("storage.mongo.conversation.uri_file", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_an_unreadable_or_empty_file_is_a_configuration_error(
    tmp_path: Path, key: str, content: str | bytes | None, problem: str
) -> None:
    path = tmp_path / "credential"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    flags = [(key, str(path))]
    if key.startswith("storage.mongo.") and key != "storage.mongo.uri_file":
        flags.append(("storage.mongo.uri", MONGO))
    s = load_settings(None, env={}, flags=flags)
    with pytest.raises(SettingsError) as info:
        check_secret_files(s)
    assert info.value.key == key
    assert problem in str(info.value) and str(path) in str(info.value)


def test_an_invalid_content_is_refused_without_showing_it(tmp_path: Path) -> None:
    registry = Registry()
    value = registry.add(
        Setting("x.uri", str, "", "d", validator=lambda v: None if v in ("", "mongodb://h/t") else f"bad: {v}")
    )
    file = registry.add(Setting("x.uri_file", str, "", "d"))
    path = _credential(tmp_path, "x", "http://admin:hunter2@h/\n")
    with pytest.raises(SettingsError) as info:
        value_or_file(Settings({"x.uri_file": path}, registry), value, file)
    assert info.value.key == "x.uri_file"
    assert "not a valid `x.uri`" in str(info.value) and "hunter2" not in str(info.value)
    good = _credential(tmp_path, "y", "mongodb://h/t\n")
    assert value_or_file(Settings({"x.uri_file": good}, registry), value, file) == "mongodb://h/t"


def test_serve_exits_with_the_configuration_error_code_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("TURMS_"):
            monkeypatch.delenv(name)
    missing = tmp_path / "credentials" / "mongo-uri"
    flags = [("server.data_dir", str(tmp_path / "data")), ("storage.mongo.uri_file", str(missing))]
    assert serve(None, flags) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "configuration error" in err and "storage.mongo.uri_file" in err and str(missing) in err
    assert not (tmp_path / "data").exists()  # nothing was started: no lock, no Redis, no worker
