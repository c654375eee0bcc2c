"""The in-box livekit plugin without a LiveKit server: found in-box as the conference provider with its settings,
its configuration checked when it starts (a plugin that cannot work is *failed* with the reason and serves
nothing), LiveKit's library imported only by a worker that starts it, and the tokens it grants. Against a real
LiveKit server: tests/integration/test_conference_livekit.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from turms.plugins.api import JoinGrant
from turms.plugins.host import FAILED, RUNNING
from turms.plugins.livekit import PLUGIN
from turms.plugins.livekit.plugin import LiveKit, client_url_of
from turms.plugins.loader import discover
from turms.plugins.points import CONFERENCE
from turms.plugins.testing import context, running
from turms.settings import SettingsError, load_settings

SECRET = "s" * 32
GOOD = {"url": "http://127.0.0.1:7880", "api_key": "k", "api_secret": SECRET}


def test_in_box_as_the_conference_provider_with_its_settings() -> None:
    catalog = discover(installed=False)
    livekit = catalog.plugins["livekit"]
    assert livekit.builtin and livekit.points == (CONFERENCE,)
    assert CONFERENCE.methods == ("create_room", "room_exists", "delete_room", "grant")
    registry = catalog.registry()
    assert registry.get("plugins.livekit.api_secret").secret and registry.get("plugins.livekit.api_secret_file").path
    assert registry.get("plugins.livekit.url").env_var == "TURMS_PLUGINS_LIVEKIT_URL"
    with pytest.raises(SettingsError, match=r"plugins\.livekit\.url: .* is not an http"):
        load_settings(None, env={}, flags=[("plugins.livekit.url", "127.0.0.1:7880")], registry=registry)
    assert "service.conference.provider" not in registry


def test_a_configuration_that_cannot_work_is_refused_naming_the_setting(tmp_path: Path) -> None:
    for bad, named in (
        ({**GOOD, "url": ""}, "plugins.livekit.url"),
        ({**GOOD, "api_key": ""}, "plugins.livekit.api_key"),
        ({**GOOD, "api_secret": ""}, "plugins.livekit.api_secret"),
        ({**GOOD, "api_secret": "short"}, "plugins.livekit.api_secret"),
        ({**GOOD, "api_secret_file": str(tmp_path / "missing")}, "plugins.livekit.api_secret_file"),
    ):
        with pytest.raises(ValueError, match=named.replace(".", r"\.")):
            LiveKit(context(PLUGIN, bad))
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    from_file = LiveKit(context(PLUGIN, {**GOOD, "api_secret": "", "api_secret_file": str(secret_file)}))
    assert from_file.secret == SECRET
    secret_file.write_text("short\n")
    with pytest.raises(ValueError, match=r"plugins\.livekit\.api_secret_file: .* at least 32"):
        LiveKit(context(PLUGIN, {**GOOD, "api_secret_file": str(secret_file)}))


async def test_a_plugin_that_cannot_work_is_failed_and_serves_nothing() -> None:
    async with running(PLUGIN, settings={"plugins.livekit.api_key": "k"}) as (hooks, host):
        state = host.states()["livekit"]
        assert state["state"] == FAILED and "plugins.livekit.url" in state["error"]
        assert hooks.provider(CONFERENCE) is None  # the meeting requests answer 8000
    good = {f"plugins.livekit.{k}": v for k, v in GOOD.items()}
    async with running(PLUGIN, settings=good) as (hooks, host):
        assert host.states()["livekit"]["state"] == RUNNING
        impl = hooks.provider(CONFERENCE)
        assert impl is not None and impl.plugin == "livekit"
        # A grant is signed locally (no call to LiveKit): a JWT for that one room, the user as its identity.
        grant = await hooks.serve(impl, "grant", 123456789, 42, expect=(JoinGrant,))
        claims = jwt.decode(grant.access_token, SECRET, algorithms=["HS256"])
        assert claims["sub"] == "42" and claims["video"]["room"] == "123456789" and claims["video"]["roomJoin"]
        assert grant.url == "ws://127.0.0.1:7880"


def test_livekit_is_imported_only_by_a_worker_that_starts_the_plugin() -> None:
    """The supervisor discovers the in-box plugins (importing their specs) before it claims its ports."""
    code = (
        "import sys\n"
        "from turms.plugins.loader import discover\n"
        "assert 'livekit' in discover(installed=False).plugins\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('livekit', 'aiohttp')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_client_url_defaults_to_the_api_url_with_a_websocket_scheme() -> None:
    assert client_url_of("http://127.0.0.1:7880") == "ws://127.0.0.1:7880"
    assert client_url_of("https://media.example.com") == "wss://media.example.com"
