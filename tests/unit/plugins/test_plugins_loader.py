"""Plugin discovery: the in-box plugins, installed packages' entry points (real ``.dist-info`` directories on
``sys.path``), broken declarations, the plugins' settings in the registry, and re-import on a reload."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from turms.cli import main
from turms.plugins import loader
from turms.plugins.api import PluginSetting, PluginSpec
from turms.plugins.loader import Catalog, catalog_of, discover
from turms.plugins.points import AUTHENTICATE, HANDLE_REQUEST, OFFLINE_RECIPIENTS
from turms.settings import SettingsError, load_settings

Install = Callable[..., Path]

PLUGIN_SOURCE = """
from turms.plugins.api import PluginSetting, PluginSpec

class Plugin:
    def __init__(self, ctx):
        self.ctx = ctx

    async def handle_request(self, request):
        return None

    def answer(self):
        return {answer!r}

PLUGIN = PluginSpec(
    name={name!r},
    plugin=Plugin,
    description="a test plugin",
    settings=(PluginSetting("level", int, 3, "How much.", validator=lambda v: None if v > 0 else "must be > 0"),),
)
"""


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Write a distribution (``<package>/__init__.py`` and its ``.dist-info`` with the entry point) into a
    directory on ``sys.path``, as ``pip install --target`` would; forget its modules afterwards."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    packages: set[str] = set()

    def write(
        dist: str,
        version: str,
        *,
        package: str,
        source: str,
        entry: str | None = None,
        name: str = "fake",
    ) -> Path:
        packages.add(package)
        stem = dist.replace("-", "_")  # as pip names the directory (the name ends at the first dash)
        for old in site.glob(f"{stem}-*.dist-info"):
            for f in old.iterdir():
                f.unlink()
            old.rmdir()
        (site / package).mkdir(exist_ok=True)
        (site / package / "__init__.py").write_text(source)
        info = site / f"{stem}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[turms.plugins]\n{name} = {entry or package + ':PLUGIN'}\n")
        return site

    yield write
    for module in [m for m in sys.modules if m.split(".", 1)[0] in packages]:
        del sys.modules[module]


def test_in_box_webhook_is_always_found_with_its_settings() -> None:
    catalog = discover(installed=False)
    webhook = catalog.plugins["webhook"]
    assert webhook.builtin and webhook.distribution == "turms-server"
    assert [p.method for p in webhook.points] == ["on_offline_recipients", "on_online_status_change", "on_admin_action"]
    registry = catalog.registry()
    assert registry.get("plugins.webhook.url").default == ""
    assert registry.get("plugins.webhook.secret").secret
    assert registry.get("plugins.webhook.url").env_var == "TURMS_PLUGINS_WEBHOOK_URL"
    settings = load_settings(None, env={"TURMS_PLUGINS_WEBHOOK_MAX_ATTEMPTS": "3"}, registry=registry)
    assert settings["plugins.webhook.max_attempts"] == 3
    with pytest.raises(SettingsError, match=r"plugins\.webhook\.url: .* is not an http"):
        load_settings(None, env={}, flags=[("plugins.webhook.url", "ftp://x")], registry=registry)
    with pytest.raises(SettingsError, match=r"plugins\.webhook\.events: 'sms' is not one of"):
        load_settings(None, env={}, flags=[("plugins.webhook.events", "offline_push,sms")], registry=registry)
    # A plugin's path setting is made absolute like the server's own.
    flags = [("plugins.webhook.secret_file", "keys/webhook")]
    assert (
        load_settings(None, env={}, flags=flags, registry=registry, base_dir="/srv/turms")[
            "plugins.webhook.secret_file"
        ]
        == "/srv/turms/keys/webhook"
    )


def test_enabled_names_only_plugins_that_loaded() -> None:
    registry = discover(installed=False).registry()
    assert load_settings(None, env={}, flags=[("plugins.enabled", "webhook")], registry=registry)[
        "plugins.enabled"
    ] == ["webhook"]
    with pytest.raises(SettingsError, match="no installed plugin is named 'nope' \\(installed: livekit, webhook\\)"):
        load_settings(None, env={}, flags=[("plugins.enabled", "nope")], registry=registry)
    with pytest.raises(SettingsError, match="listed twice"):
        load_settings(None, env={}, flags=[("plugins.enabled", "webhook,webhook")], registry=registry)
    # The core registry (without a catalog) checks the names' shape only.
    with pytest.raises(SettingsError, match="is not a plugin name"):
        load_settings(None, env={}, flags=[("plugins.enabled", "Bad-Name")])


def test_an_installed_package_is_found_with_its_version_and_settings(install: Install) -> None:
    install("acme-turms", "1.2.3", package="acme_plugin", source=PLUGIN_SOURCE.format(name="fake", answer=1))
    catalog = discover()
    fake = catalog.plugins["fake"]
    assert (fake.version, fake.distribution, fake.builtin) == ("1.2.3", "acme-turms", False)
    assert fake.points == (HANDLE_REQUEST,)
    assert fake.package == "acme_plugin"
    registry = catalog.registry()
    settings = load_settings(
        None, env={}, flags=[("plugins.enabled", "fake,webhook"), ("plugins.fake.level", "7")], registry=registry
    )
    assert settings["plugins.fake.level"] == 7 and settings["plugins.enabled"] == ["fake", "webhook"]
    with pytest.raises(SettingsError, match=r"plugins\.fake\.level: must be > 0"):
        load_settings(None, env={"TURMS_PLUGINS_FAKE_LEVEL": "0"}, registry=registry)


@pytest.mark.parametrize(
    ("source", "entry", "reason"),
    [
        ("raise RuntimeError('boom')", None, "importing acme_plugin:PLUGIN failed: RuntimeError: boom"),
        ("PLUGIN = 42", None, "is a int, not a turms.plugins.api.PluginSpec"),
        (PLUGIN_SOURCE.format(name="other", answer=1), None, "the entry point is named 'fake' but its spec 'other'"),
        (
            PLUGIN_SOURCE.format(name="fake", answer=1).replace("async def handle_request", "def handle_request"),
            None,
            "Plugin.handle_request must be an async def",
        ),
        (
            "from turms.plugins.api import PluginSpec\nPLUGIN = PluginSpec('fake', plugin=len)",
            None,
            "PluginSpec.plugin must be a class",
        ),
        (
            "from turms.plugins.api import PluginSetting as S, PluginSpec\n"
            "class P: pass\nPLUGIN = PluginSpec('fake', P, settings=(S('Bad Key', int, 1, 'd'),))",
            None,
            "bad setting declaration",
        ),
        (
            "from turms.plugins.api import PluginSetting as S, PluginSpec\n"
            "class P: pass\nPLUGIN = PluginSpec('fake', P, settings=(S('n', int, 0, 'd', validator=lambda v: 'no'),))",
            None,
            "bad setting declaration: plugins.fake.n: no",
        ),
    ],
)
def test_a_broken_declaration_is_reported_not_loaded(
    install: Install, source: str, entry: str | None, reason: str
) -> None:
    install("acme-turms", "1.0", package="acme_plugin", source=source, entry=entry)
    catalog = discover()
    assert "fake" not in catalog.plugins
    assert reason in catalog.broken["fake"].error
    with pytest.raises(SettingsError, match="the plugin 'fake' cannot be loaded"):
        load_settings(None, env={}, flags=[("plugins.enabled", "fake")], registry=catalog.registry())
    # Everything else still loads.
    assert "webhook" in catalog.plugins


def test_two_packages_declaring_one_name_run_neither(install: Install) -> None:
    install("acme-one", "1.0", package="acme_one", source=PLUGIN_SOURCE.format(name="fake", answer=1))
    install("acme-two", "2.0", package="acme_two", source=PLUGIN_SOURCE.format(name="fake", answer=2))
    catalog = discover()
    assert "fake" not in catalog.plugins
    assert catalog.broken["fake"].error == "declared twice (by acme-one and acme-two)"


def test_a_reload_imports_the_changed_package_and_the_old_catalog_keeps_the_old_code(install: Install) -> None:
    install("acme-turms", "1.0", package="acme_plugin", source=PLUGIN_SOURCE.format(name="fake", answer="one"))
    first = discover()
    install("acme-turms", "2.0", package="acme_plugin", source=PLUGIN_SOURCE.format(name="fake", answer="two"))
    # Without forgetting, Python would hand back the module it imported already.
    assert discover().plugins["fake"].spec.plugin(None).answer() == "one"
    second = discover(previous=first)
    assert second.plugins["fake"].version == "2.0"
    assert second.plugins["fake"].spec.plugin(None).answer() == "two"
    assert first.plugins["fake"].spec.plugin(None).answer() == "one"  # a reload that fails keeps running this


def test_catalog_of_checks_specs_like_discovery() -> None:
    class Good:
        async def authenticate(self, attempt: object) -> None:
            return None

    class Bad:
        def on_offline_recipients(self, message: object) -> None:
            return None

    catalog = catalog_of(
        PluginSpec("good", Good, settings=(PluginSetting("x", str, "", "d"),)),
        PluginSpec("bad", Bad),
        PluginSpec("enabled", Good),
    )
    assert catalog.plugins["good"].points == (AUTHENTICATE,)
    assert catalog.plugins["good"].settings["x"].key == "plugins.good.x"
    assert "must be an async def" in catalog.broken["bad"].error
    assert "not a usable plugin name" in catalog.broken["enabled"].error
    assert OFFLINE_RECIPIENTS not in catalog.plugins["good"].points


def test_config_show_and_docs_know_installed_plugins(install: Install, capsys: pytest.CaptureFixture[str]) -> None:
    install("acme-turms", "1.0", package="acme_plugin", source=PLUGIN_SOURCE.format(name="fake", answer=1))
    assert main(["config", "show", "--set", "plugins.enabled=fake", "--set", "plugins.fake.level=9"]) == 0
    out = capsys.readouterr().out
    assert "plugins.fake.level = 9  # command line" in out
    assert "plugins.enabled = ['fake']  # command line" in out
    assert "plugins.webhook.url = ''  # default" in out
    assert main(["config", "check", "--set", "plugins.enabled=missing"]) == 2
    assert "no installed plugin is named 'missing'" in capsys.readouterr().err
    assert main(["config", "docs", "--installed-plugins"]) == 0
    docs = capsys.readouterr().out
    assert "`plugins.fake.level`" in docs and "`TURMS_PLUGINS_FAKE_LEVEL`" in docs
    # The committed documents describe the in-box plugins only, whatever is installed here.
    assert main(["config", "docs"]) == 0
    assert "plugins.fake.level" not in capsys.readouterr().out
    assert main(["config", "docs", "--installed-plugins", "--check"]) == 2


def test_current_is_discovered_once() -> None:
    loader._CURRENT.clear()
    first = loader.current()
    assert isinstance(first, Catalog) and loader.current() is first
