"""The provider factory: none by default, LiveKit only with a usable configuration (a clear error naming the
setting otherwise, so a worker fails to boot with that cause); the LiveKit provider's client URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from turms.service.conference.provider import ConferenceProvider
from turms.service.conference.providers import build_provider
from turms.service.conference.providers.livekit import LiveKitProvider, client_url_of
from turms.settings import Settings, SettingsError, load_settings

SECRET = "s" * 32


def settings(**values: str) -> Settings:
    flags = [(f"service.conference.{k.replace('__', '.')}", v) for k, v in values.items()]
    return load_settings(None, env={}, flags=flags)


def test_no_provider_by_default() -> None:
    assert build_provider(load_settings(None, env={})) is None


def test_livekit_needs_a_url_a_key_and_a_long_secret(tmp_path: Path) -> None:
    good = {"provider": "livekit", "livekit__url": "http://127.0.0.1:7880", "livekit__api_key": "k"}
    for bad, key in (
        ({**good, "livekit__url": ""}, "service.conference.livekit.url"),
        ({**good, "livekit__url": "127.0.0.1:7880"}, "service.conference.livekit.url"),
        ({**good, "livekit__api_key": ""}, "service.conference.livekit.api_key"),
        (good, "service.conference.livekit.api_secret"),
        ({**good, "livekit__api_secret": "short"}, "service.conference.livekit.api_secret"),
    ):
        with pytest.raises(SettingsError) as e:
            build_provider(settings(**bad))
        assert e.value.key == key
    provider = build_provider(settings(**good, livekit__api_secret=SECRET))
    assert isinstance(provider, LiveKitProvider) and isinstance(provider, ConferenceProvider)
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    from_file = build_provider(settings(**good, livekit__api_secret_file=str(secret_file)))
    assert isinstance(from_file, LiveKitProvider)


def test_the_client_url_defaults_to_the_api_url_with_a_websocket_scheme() -> None:
    assert client_url_of("http://127.0.0.1:7880") == "ws://127.0.0.1:7880"
    assert client_url_of("https://media.example.com") == "wss://media.example.com"
