"""Conference provider implementations, and the factory that picks one from ``service.conference.provider``.

Each implementation is the only module that imports its media server's library (``livekit`` is imported only
when the LiveKit provider is configured).
"""

from __future__ import annotations

from turms.service.conference.provider import ConferenceProvider
from turms.settings import Settings, SettingsError, value_or_file
from turms.settings import conference as conf

#: LiveKit refuses API secrets shorter than this.
LIVEKIT_MIN_SECRET_LENGTH = 32


def build_provider(settings: Settings) -> ConferenceProvider | None:
    """The configured provider (not started), or None when none is. A configuration that cannot work raises
    :class:`~turms.settings.SettingsError` naming the setting, so the worker fails to boot with that cause."""
    name = settings.get(conf.PROVIDER)
    if not name:
        return None
    if name == "livekit":
        url = settings.get(conf.LIVEKIT_URL)
        if not url.startswith(("http://", "https://")):
            raise SettingsError(conf.LIVEKIT_URL.key, "the LiveKit API URL (http:// or https://) is required")
        key = settings.get(conf.LIVEKIT_API_KEY)
        if not key:
            raise SettingsError(conf.LIVEKIT_API_KEY.key, "the LiveKit API key is required")
        secret = value_or_file(settings, conf.LIVEKIT_API_SECRET, conf.LIVEKIT_API_SECRET_FILE)
        if len(secret) < LIVEKIT_MIN_SECRET_LENGTH:
            raise SettingsError(
                conf.LIVEKIT_API_SECRET.key,
                f"the LiveKit API secret must be at least {LIVEKIT_MIN_SECRET_LENGTH} characters",
            )
        from turms.service.conference.providers.livekit import LiveKitProvider

        return LiveKitProvider(settings, url=url, api_key=key, api_secret=secret)
    raise SettingsError(conf.PROVIDER.key, f"unknown conference provider {name!r}")
