"""The start-up banner: what it tells for each kind of deployment, and that it is a block of lines for a
person and one record for a machine."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from turms.observability import logging as observability_logging
from turms.settings import load_settings
from turms.supervisor import banner


def _settings(tmp_path: Path, *flags: tuple[str, str]):  # type: ignore[no-untyped-def]
    return load_settings(None, env={}, flags=list(flags), base_dir=str(tmp_path))


def test_plain_embedded_default(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "admin-root-password").write_text("pw\n")
    facts = banner.gather(s, workers=2, embedded=None, demo=False)
    text = banner.render(facts)
    assert f"data dir          {tmp_path}/data" in text
    assert f"store             SQLite {tmp_path}/data/turms.sqlite3" in text
    assert f"files             local, in {tmp_path}/data/files, served at http://127.0.0.1:10510/files" in text
    assert "client TCP        0.0.0.0:11510" in text
    assert "admin HTTP        http://127.0.0.1:8510/ (bound to 127.0.0.1)" in text
    assert "admin console     http://127.0.0.1:8510/console/ (log in with an admin account)" in text
    assert "admin console" not in banner.render(
        banner.gather(_settings(tmp_path, ("admin.console.enabled", "false")), workers=2, embedded=None, demo=False)
    )
    assert f"password in {tmp_path}/data/admin-root-password" in text
    assert "pw" not in text.replace("password", "")  # the secret itself never appears
    curl = [c for c in facts.try_next if c.startswith("curl ")]
    assert len(curl) == 2 and "http://127.0.0.1:8510/users" in curl[0]
    assert any("turms.client.chat --user 1 --password secret1 --to 2" in c for c in facts.try_next)


def test_demo_mongo_external_redis_and_other_ports(tmp_path: Path) -> None:
    s = _settings(
        tmp_path,
        ("storage.mongo.uri", "mongodb://u:hunter2@db:27017/turms"),
        ("gateway.tcp.port", "12000"),
        ("admin.root.password_file", "creds/root"),
        ("health.http.enabled", "true"),
    )
    facts = banner.gather(s, workers=4, embedded=None, demo=True)
    text = banner.render(facts)
    assert "hunter2" not in text
    assert "store             MongoDB (from storage.mongo.uri)" in text
    assert "files             off (service.storage.backend)" in text
    assert "redis             external (from redis.url)" in text
    assert f"password in {tmp_path}/creds/root (admin.root.password_file)" in text
    assert "with the demo dataset" in text
    assert "is serving with the demo dataset: 4 workers" in text
    assert "health HTTP       http://127.0.0.1:8511/health (bound to 0.0.0.0)" in text
    assert any("turms.client.chat --port 12000 --user 1 --password 123 --to 2" in c for c in facts.try_next)


def test_a_machine_gets_one_json_record(tmp_path: Path) -> None:
    s = _settings(tmp_path, ("log.format", "json"))
    stream = io.StringIO()
    observability_logging.setup(s, stream=stream)
    try:
        facts = banner.gather(s, workers=2, embedded=None, demo=False)
        banner.announce(facts, s, stream)
        lines = stream.getvalue().splitlines()
        assert len(lines) == 1
        record = json.loads(lines[0])
        assert record["msg"].startswith("turms-server ") and record["data_dir"] == f"{tmp_path}/data"
    finally:
        logging.getLogger().handlers.clear()


def test_auto_is_text_only_on_a_terminal(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    assert not observability_logging.is_human(s, io.StringIO())

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert observability_logging.is_human(s, Tty())
    assert not observability_logging.is_human(_settings(tmp_path, ("log.dir", "logs")), Tty())
    assert not observability_logging.is_human(_settings(tmp_path, ("log.format", "json")), Tty())
