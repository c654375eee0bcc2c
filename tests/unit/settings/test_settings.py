"""The settings registry and loader: precedence, validation, unknown keys, generated documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from turms.cli import documented_registry, generated_documents
from turms.settings import REGISTRY, SettingsError, gateway, load_settings, server
from turms.settings.registry import Registry, Setting, at_least
from turms.settings.render import render_markdown, render_toml

ROOT = Path(__file__).resolve().parents[3]


def test_defaults() -> None:
    s = load_settings(None, env={})
    assert s.get(gateway.TCP_PORT) == 11510
    assert s.get(gateway.WS_PORT) == 10510
    assert s.get(gateway.MAX_FRAME_BYTES) == 16384
    assert s.source("gateway.tcp.port") == "default"


def test_precedence_file_then_env_then_flags(tmp_path: Path) -> None:
    conf = tmp_path / "t.toml"
    conf.write_text("[gateway.tcp]\nport = 1000\nhost = '127.0.0.2'\n[server]\nworkers = 3\n")
    s = load_settings(conf, env={"TURMS_GATEWAY_TCP_PORT": "2000"}, flags=[("server.workers", "5")])
    assert s.get(gateway.TCP_PORT) == 2000
    assert s.get(gateway.TCP_HOST) == "127.0.0.2"
    assert s.get(server.WORKERS) == 5
    assert s.source("gateway.tcp.port") == "env TURMS_GATEWAY_TCP_PORT"
    assert s.source("server.workers") == "command line"
    assert s.source("gateway.tcp.host") == str(conf)


def test_dotted_keys_in_toml(tmp_path: Path) -> None:
    conf = tmp_path / "t.toml"
    conf.write_text('"gateway.tcp.port" = 1234\n[gateway]\n"session.login_timeout_s" = 2.5\n')
    s = load_settings(conf, env={})
    assert s.get(gateway.TCP_PORT) == 1234
    assert s.get(gateway.LOGIN_TIMEOUT_S) == 2.5


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[gateway.tcp]\nprot = 1\n", "gateway.tcp.prot"),
        ("[gatewy]\nx = 1\n", "gatewy"),
        ("[gateway.tcp.port]\nx = 1\n", "gateway.tcp.port"),
        ("[gateway.tcp]\nport = 'abc'\n", "gateway.tcp.port"),
        ("[gateway.tcp]\nport = 70000\n", "gateway.tcp.port"),
        ("[gateway.tcp]\nenabled = 1\n", "gateway.tcp.enabled"),
        ("[log]\nformat = 'xml'\n", "log.format"),
    ],
)
def test_bad_file_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    conf = tmp_path / "t.toml"
    conf.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_settings(conf, env={})
    assert info.value.key == key
    assert key in str(info.value)


def test_bad_env_and_flags() -> None:
    with pytest.raises(SettingsError, match="TURMS_GATEWAY_TCP_PROT"):
        load_settings(None, env={"TURMS_GATEWAY_TCP_PROT": "1"})
    with pytest.raises(SettingsError, match=r"gateway\.tcp\.port"):
        load_settings(None, env={"TURMS_GATEWAY_TCP_PORT": "x"})
    with pytest.raises(SettingsError, match=r"server\.workerz"):
        load_settings(None, env={}, flags=[("server.workerz", "1")])
    # Test-harness variables are not settings and are ignored.
    load_settings(None, env={"TURMS_TEST_MONGO_URI": "mongodb://x", "PATH": "/bin"})


def test_booleans_and_lists_from_text() -> None:
    reg = Registry()
    flag = reg.add(Setting("a.flag", bool, False, "d"))
    assert flag.coerce("yes", from_text=True) is True
    assert flag.coerce("off", from_text=True) is False
    with pytest.raises(SettingsError):
        flag.coerce("maybe", from_text=True)
    items = reg.add(Setting("a.items", list, [1], "d", item_type=int))
    assert items.coerce("1, 2,3", from_text=True) == [1, 2, 3]
    with pytest.raises(SettingsError):
        items.coerce([1, "2"])


def test_registry_rejects_bad_declarations() -> None:
    reg = Registry()
    reg.add(Setting("a.b", int, 1, "d"))
    with pytest.raises(ValueError, match="twice"):
        reg.add(Setting("a.b", int, 1, "d"))
    with pytest.raises(ValueError, match="not a section"):
        reg.add(Setting("a.b.c", int, 1, "d"))
    with pytest.raises(SettingsError):
        reg.add(Setting("a.c", int, 0, "d", validator=at_least(1)))


def test_every_setting_is_documented() -> None:
    for s in REGISTRY:
        assert s.description.strip(), s.key
        assert s.key in render_markdown()


def test_live_settings_apply_and_non_live_refused() -> None:
    s = load_settings(None, env={})
    applied = s.apply_live({"gateway.session.login_timeout_s": 3})
    assert applied == {"gateway.session.login_timeout_s": 3.0}
    assert s.get(gateway.LOGIN_TIMEOUT_S) == 3.0
    with pytest.raises(SettingsError, match="not a live setting"):
        s.apply_live({"gateway.tcp.port": 1})
    # A bad batch changes nothing.
    with pytest.raises(SettingsError):
        s.apply_live({"gateway.session.login_timeout_s": 5, "gateway.session.heartbeat_timeout_s": -1})
    assert s.get(gateway.LOGIN_TIMEOUT_S) == 3.0


def test_secrets_are_redacted() -> None:
    s = load_settings(None, env={"TURMS_REDIS_URL": "redis://:hunter2@h/0"})
    assert "hunter2" not in repr(s.as_dict())
    assert s.as_dict(redact=False)["redis.url"] == "redis://:hunter2@h/0"


def test_generated_documents_are_committed_and_current() -> None:
    # The core settings and the in-box plugins' (turms config docs --write).
    for path, text in generated_documents().items():
        assert (ROOT / path).read_text() == text, path
    for s in REGISTRY:
        assert s.key in (ROOT / "docs/configuration.md").read_text(), s.key


def test_generated_toml_loads_to_the_defaults(tmp_path: Path) -> None:
    # Uncommenting every line of the generated file yields a valid configuration equal to the defaults.
    registry = documented_registry()
    setting_line = re.compile(r"^# [a-z_0-9]+ = ")
    lines = [ln[2:] if setting_line.match(ln) else ln for ln in render_toml(registry).splitlines()]
    conf = tmp_path / "all.toml"
    conf.write_text("\n".join(ln for ln in lines if not ln.startswith("#")) + "\n")
    loaded = load_settings(conf, env={}, registry=registry)
    assert loaded.as_dict() == load_settings(None, env={}, registry=registry).as_dict()
    assert any(key.startswith("plugins.webhook.") for key in loaded.as_dict())


def test_an_extended_registry_keeps_its_sections_and_checks_collisions() -> None:
    """How the plugin loader builds a process's registry (``Registry.extended``); the base is never changed."""
    base = Registry()
    base.add(Setting("a.b.c", int, 1, "d"))
    ext = base.extended([Setting("p.q.r", int, 1, "d")], replace=[Setting("a.b.c", int, 2, "new")])
    assert ext.is_section("a.b") and ext.is_section("p.q") and ext.get("a.b.c").default == 2
    assert base.get("a.b.c").default == 1 and "p.q.r" not in base and not base.is_section("p")
    with pytest.raises(ValueError, match="collides"):
        base.extended([Setting("a.b_c", int, 1, "d")])  # TURMS_A_B_C is a.b.c's already
    with pytest.raises(ValueError, match="is a setting, not a section"):
        base.extended([Setting("a.b.c.d", int, 1, "d")])
    with pytest.raises(ValueError, match="is a section already"):
        base.extended([Setting("a.b", int, 1, "d")])
    with pytest.raises(ValueError, match="nothing to replace"):
        base.extended(replace=[Setting("x.y", int, 1, "d")])
    with pytest.raises(SettingsError):
        base.extended(replace=[Setting("a.b.c", int, 0, "d", validator=at_least(1))])


def test_gc_thresholds_are_three_positive_integers_or_python_defaults() -> None:
    assert load_settings(None, env={}).get(server.GC_THRESHOLDS) == [50_000, 20, 100]
    assert load_settings(None, env={"TURMS_SERVER_GC_THRESHOLDS": ""}).get(server.GC_THRESHOLDS) == []
    got = load_settings(None, env={}, flags=[("server.gc_thresholds", "700,10,10")]).get(server.GC_THRESHOLDS)
    assert got == [700, 10, 10]
    for bad in ("0,10,10", "700,10", "700,10,10,10"):
        with pytest.raises(SettingsError, match=r"server\.gc_thresholds"):
            load_settings(None, env={}, flags=[("server.gc_thresholds", bad)])
