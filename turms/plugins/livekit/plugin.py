"""The livekit plugin's class: its configuration, checked when it is constructed, and the four methods of the
conference provider point, which :mod:`.server` carries out on the LiveKit server.

A configuration that cannot work (no URL, no API key, no secret or one shorter than LiveKit accepts, an unreadable
secret file) is a ``ValueError`` naming the setting: the plugin is then *failed* on every worker (``GET /plugins``
shows the reason) and serves nothing, so meetings answer 8000 until it is fixed and the plugin enabled again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from turms.plugins.api import JoinGrant, PluginContext, RoomSpec

if TYPE_CHECKING:
    from turms.plugins.livekit.server import Rooms

#: LiveKit refuses API secrets shorter than this.
MIN_SECRET_LENGTH = 32


def read_secret(ctx: PluginContext) -> str:
    """``api_secret_file``'s content when it is set, else ``api_secret``; at least :data:`MIN_SECRET_LENGTH`."""
    path = ctx.setting("api_secret_file")
    if path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"plugins.livekit.api_secret_file: cannot read {path}: {e}") from None
        where = "plugins.livekit.api_secret_file"
    else:
        secret = str(ctx.setting("api_secret"))
        where = "plugins.livekit.api_secret"
    if not secret:
        raise ValueError("plugins.livekit.api_secret (or api_secret_file) must be set: LiveKit signs with it")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"{where}: the LiveKit API secret must be at least {MIN_SECRET_LENGTH} characters")
    return secret


def client_url_of(api_url: str) -> str:
    """Where clients connect when no client URL is configured: the API URL with its WebSocket scheme."""
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if api_url.startswith(http):
            return ws + api_url.removeprefix(http)
    return api_url


class LiveKit:
    def __init__(self, ctx: PluginContext) -> None:
        self.ctx = ctx
        url = str(ctx.setting("url"))
        if not url.startswith(("http://", "https://")):
            raise ValueError("plugins.livekit.url: the LiveKit API URL (http:// or https://) is required")
        key = str(ctx.setting("api_key"))
        if not key:
            raise ValueError("plugins.livekit.api_key: the LiveKit API key is required")
        self.url = url
        self.key = key
        self.secret = read_secret(ctx)
        self.client_url = ctx.setting("client_url") or client_url_of(url)
        self._rooms: Rooms | None = None

    async def start(self) -> None:
        # LiveKit's SDK is imported here, in a worker that runs the plugin: the supervisor imports this module to
        # read the spec and needs none of it. Its client owns an aiohttp session, which belongs to this loop.
        from turms.plugins.livekit.server import Rooms

        self._rooms = Rooms(self.url, self.key, self.secret, timeout_s=self.ctx.setting("request_timeout_s"))

    async def stop(self) -> None:
        if self._rooms is not None:
            rooms, self._rooms = self._rooms, None
            await rooms.close()

    @property
    def rooms(self) -> Rooms:
        if self._rooms is None:
            raise RuntimeError("the livekit plugin is not started")
        return self._rooms

    # -- the conference provider point -------------------------------------------------------------------

    async def create_room(self, room: RoomSpec) -> None:
        await self.rooms.create(room, max_participants=self.ctx.setting("max_participants"))

    async def room_exists(self, meeting_id: int) -> bool:
        return await self.rooms.exists(meeting_id)

    async def delete_room(self, meeting_id: int) -> None:
        await self.rooms.delete(meeting_id)

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        token = self.rooms.token(meeting_id, user_id, ttl_s=self.ctx.setting("access_token_ttl_s"))
        return JoinGrant(token, self.client_url)
