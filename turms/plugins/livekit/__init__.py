"""The in-box ``livekit`` plugin: meeting rooms on a LiveKit server, the conference provider of the meeting domain.

It implements the conference provider point (:class:`turms.plugins.api.ConferenceProvider`): it opens a room
named after the meeting id when a meeting starts, closes it when the meeting is cancelled, tells whether it is
still open, and hands each participant who accepts an invitation an access token for that one room. Enable it with
``plugins.enabled = ["livekit"]`` and set ``plugins.livekit.url``, ``api_key`` and ``api_secret`` (or
``api_secret_file``); disabled, the meeting requests that need a provider answer CONFERENCE_NOT_IMPLEMENTED (8000).

Uses only the public plugin API (:mod:`turms.plugins.api`) and LiveKit's server SDK (``livekit-api``), which only
:mod:`.server` imports, and only in a worker that starts the plugin: this module and :mod:`.plugin` are what the
supervisor imports to read the spec.
"""

from __future__ import annotations

from turms.plugins.api import PluginSetting, PluginSpec, at_least, between, http_url
from turms.plugins.livekit.plugin import LiveKit

SETTINGS = (
    PluginSetting(
        "url",
        str,
        "",
        "The LiveKit server's API URL the server calls to create and delete rooms (http:// or https://), e.g. "
        "`http://127.0.0.1:7880`; required.",
        validator=http_url,
    ),
    PluginSetting(
        "client_url",
        str,
        "",
        "The URL clients connect to with their access token (e.g. `wss://media.example.com`), sent with each token "
        "(docs/protocol.md, `turms:conference_url`). Empty: `url` with its scheme made `ws://` or `wss://`.",
    ),
    PluginSetting(
        "api_key",
        str,
        "",
        "The LiveKit API key (its `keys:` entry) that signs the server's API calls and the clients' tokens; required.",
    ),
    PluginSetting(
        "api_secret",
        str,
        "",
        "The secret of `api_key` (at least 32 characters, as LiveKit requires); required unless `api_secret_file` "
        "is set.",
        secret=True,
    ),
    PluginSetting(
        "api_secret_file",
        str,
        "",
        "Read the API secret from this file instead (it wins), e.g. a systemd credential.",
        path=True,
    ),
    PluginSetting(
        "access_token_ttl_s",
        int,
        600,
        "How long an access token handed to an invitee who accepted may be used to join the room.",
        validator=between(10, 86_400),
        live=True,
    ),
    PluginSetting(
        "max_participants",
        int,
        0,
        "Most participants in one room (0: LiveKit's limit).",
        validator=at_least(0),
        live=True,
    ),
    PluginSetting(
        "request_timeout_s",
        float,
        5.0,
        "Timeout of one call to the LiveKit API; a meeting request whose call fails or times out is answered "
        "SERVER_UNAVAILABLE (1201) and changes nothing. Keep it below `plugins.budget.conference_ms`.",
        validator=between(0.1, 60),
    ),
)

PLUGIN = PluginSpec(
    name="livekit",
    plugin=LiveKit,
    description="Meeting rooms and their access tokens on a LiveKit server (the conference provider).",
    settings=SETTINGS,
)
