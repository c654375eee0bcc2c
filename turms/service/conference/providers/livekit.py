"""The LiveKit provider: meeting rooms on a LiveKit server, through its server API (the ``livekit-api`` package).

The only module that imports LiveKit's library. Rooms are named after their meeting id (as Turms's LiveKit plugin
names them); ``create_room`` passes the meeting's expiry as the room's empty timeout (LiveKit closes a room that
stays empty that long) and ``service.conference.livekit.max_participants``. A grant is an access token signed
with the API key's secret: identity = the user id, permission to join (publish and subscribe) that one room and
nothing else, valid for ``service.conference.livekit.access_token_ttl_s`` (Turms's plugin issues tokens without
an identity, which LiveKit refuses to join with). Every API error, transport failure or timeout is a
:class:`~turms.service.conference.provider.ProviderError`.

Operators should set ``room.auto_create: false`` in LiveKit's configuration, so that only this server opens rooms
and a token cannot reopen a room after the meeting was cancelled.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from livekit import api
from livekit.api.room_service import RoomService

from turms.service.conference.provider import JoinGrant, ProviderError, RoomSpec, room_name
from turms.settings import Settings
from turms.settings import conference as conf

#: LiveKit's error code for a room that does not exist.
NOT_FOUND = "not_found"


def client_url_of(api_url: str) -> str:
    """Where clients connect when no client URL is configured: the API URL with its WebSocket scheme."""
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if api_url.startswith(http):
            return ws + api_url.removeprefix(http)
    return api_url


class LiveKitProvider:
    """A :class:`~turms.service.conference.provider.ConferenceProvider` over one LiveKit server (or cluster)."""

    def __init__(self, settings: Settings, *, url: str, api_key: str, api_secret: str) -> None:
        self._settings = settings
        self._url = url
        self._key = api_key
        self._secret = api_secret
        self._client_url = settings.get(conf.LIVEKIT_CLIENT_URL) or client_url_of(url)
        self._timeout_s = settings.get(conf.LIVEKIT_REQUEST_TIMEOUT_S)
        self._api: api.LiveKitAPI | None = None

    @property
    def name(self) -> str:
        return "livekit"

    async def start(self) -> None:
        # The API client owns an aiohttp session, which belongs to the running loop: made here, not at import.
        self._api = api.LiveKitAPI(
            self._url,
            self._key,
            self._secret,
            timeout=aiohttp.ClientTimeout(total=self._timeout_s),
            failover=False,
        )

    async def close(self) -> None:
        if self._api is not None:
            await self._api.aclose()
            self._api = None

    @property
    def _rooms(self) -> RoomService:
        if self._api is None:
            raise ProviderError("the LiveKit provider is not started")
        return self._api.room

    async def create_room(self, room: RoomSpec) -> None:
        request = api.CreateRoomRequest(
            name=room_name(room.meeting_id),
            empty_timeout=room.empty_timeout_s,
            max_participants=self._settings.get(conf.LIVEKIT_MAX_PARTICIPANTS),
        )
        try:
            await self._rooms.create_room(request)
        except (TimeoutError, api.ServerError, aiohttp.ClientError) as e:
            raise ProviderError(f"LiveKit CreateRoom failed: {e}") from e

    async def room_exists(self, meeting_id: int) -> bool:
        try:
            found = await self._rooms.list_rooms(api.ListRoomsRequest(names=[room_name(meeting_id)]))
        except (TimeoutError, api.ServerError, aiohttp.ClientError) as e:
            raise ProviderError(f"LiveKit ListRooms failed: {e}") from e
        return any(r.name == room_name(meeting_id) for r in found.rooms)

    async def delete_room(self, meeting_id: int) -> None:
        try:
            await self._rooms.delete_room(api.DeleteRoomRequest(room=room_name(meeting_id)))
        except api.ServerError as e:
            if e.code != NOT_FOUND:
                raise ProviderError(f"LiveKit DeleteRoom failed: {e}") from e
        except (TimeoutError, aiohttp.ClientError) as e:
            raise ProviderError(f"LiveKit DeleteRoom failed: {e}") from e

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        ttl = timedelta(seconds=self._settings.get(conf.LIVEKIT_TOKEN_TTL_S))
        grants = api.VideoGrants(room_join=True, room=room_name(meeting_id), can_publish=True, can_subscribe=True)
        token = api.AccessToken(self._key, self._secret).with_identity(str(user_id)).with_ttl(ttl).with_grants(grants)
        return JoinGrant(token.to_jwt(), self._client_url)
