"""Rooms on a LiveKit server, through its server API (the ``livekit-api`` package): the only module that imports
LiveKit's library, imported only by a worker that starts the livekit plugin.

Rooms are named after their meeting id (as Turms's LiveKit plugin names them); ``create`` passes the meeting's
expiry as the room's empty timeout (LiveKit closes a room that stays empty that long) and
``plugins.livekit.max_participants``. A token is signed with the API key's secret: identity = the user id,
permission to join (publish and subscribe) that one room and nothing else, valid for
``plugins.livekit.access_token_ttl_s`` (Turms's plugin issues tokens without an identity, which LiveKit refuses to
join with). Every API error, transport failure or timeout is a :class:`~turms.plugins.api.ProviderError`.

Operators should set ``room.auto_create: false`` in LiveKit's configuration, so that only this server opens rooms
and a token cannot reopen a room after the meeting was cancelled.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from livekit import api

from turms.plugins.api import ProviderError, RoomSpec, room_name

#: LiveKit's error code for a room that does not exist.
NOT_FOUND = "not_found"


class Rooms:
    """One LiveKit server's (or cluster's) room API, with the key that signs calls and tokens."""

    def __init__(self, url: str, api_key: str, api_secret: str, *, timeout_s: float) -> None:
        self._key = api_key
        self._secret = api_secret
        self._api = api.LiveKitAPI(
            url, api_key, api_secret, timeout=aiohttp.ClientTimeout(total=timeout_s), failover=False
        )

    async def close(self) -> None:
        await self._api.aclose()

    async def create(self, room: RoomSpec, *, max_participants: int) -> None:
        request = api.CreateRoomRequest(
            name=room_name(room.meeting_id), empty_timeout=room.empty_timeout_s, max_participants=max_participants
        )
        try:
            await self._api.room.create_room(request)
        except (TimeoutError, api.ServerError, aiohttp.ClientError) as e:
            raise ProviderError(f"LiveKit CreateRoom failed: {e}") from e

    async def exists(self, meeting_id: int) -> bool:
        name = room_name(meeting_id)
        try:
            found = await self._api.room.list_rooms(api.ListRoomsRequest(names=[name]))
        except (TimeoutError, api.ServerError, aiohttp.ClientError) as e:
            raise ProviderError(f"LiveKit ListRooms failed: {e}") from e
        return any(r.name == name for r in found.rooms)

    async def delete(self, meeting_id: int) -> None:
        try:
            await self._api.room.delete_room(api.DeleteRoomRequest(room=room_name(meeting_id)))
        except api.ServerError as e:
            if e.code != NOT_FOUND:
                raise ProviderError(f"LiveKit DeleteRoom failed: {e}") from e
        except (TimeoutError, aiohttp.ClientError) as e:
            raise ProviderError(f"LiveKit DeleteRoom failed: {e}") from e

    def token(self, meeting_id: int, user_id: int, *, ttl_s: int) -> str:
        """An access token that lets ``user_id`` join the meeting's room, and nothing else."""
        grants = api.VideoGrants(room_join=True, room=room_name(meeting_id), can_publish=True, can_subscribe=True)
        token = api.AccessToken(self._key, self._secret).with_identity(str(user_id))
        return token.with_ttl(timedelta(seconds=ttl_s)).with_grants(grants).to_jwt()
