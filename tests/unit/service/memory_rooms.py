"""An in-memory conference provider plugin for the meeting domain's service-level tests.

It stands for the external media server behind the conference provider point (as ``message_world.Recorder``
stands for the routing bus behind the Notifier port), and runs as a plugin through the real plugin host, hooks and
budget guard (:func:`spec`); the livekit plugin itself is tested against a real LiveKit server in
tests/integration/test_conference_livekit.py. It keeps LiveKit's semantics the domain relies on: creating an open
room changes nothing, deleting a missing room succeeds, a room can close by itself (``expire``).
"""

from __future__ import annotations

import asyncio

from turms.plugins.api import JoinGrant, PluginContext, PluginSpec, ProviderError, RoomSpec


class MemoryRooms:
    def __init__(self, url: str = "wss://media.test") -> None:
        self.url = url
        self.rooms: dict[int, RoomSpec] = {}
        self.created: list[int] = []
        self.deleted: list[int] = []
        self.grants: list[tuple[int, int]] = []
        #: When set, every call fails as an unreachable server would.
        self.down = False
        #: When set, every call hangs as a server that never answers would (until the budget ends it).
        self.hung = False
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def _check(self) -> None:
        if self.hung:
            await asyncio.Event().wait()
        if self.down:
            raise ProviderError("the media server is unreachable")

    async def create_room(self, room: RoomSpec) -> None:
        await self._check()
        if room.meeting_id not in self.rooms:
            self.rooms[room.meeting_id] = room
            self.created.append(room.meeting_id)

    async def room_exists(self, meeting_id: int) -> bool:
        await self._check()
        return meeting_id in self.rooms

    async def delete_room(self, meeting_id: int) -> None:
        await self._check()
        self.rooms.pop(meeting_id, None)
        self.deleted.append(meeting_id)

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        await self._check()
        self.grants.append((meeting_id, user_id))
        return JoinGrant(f"token-{meeting_id}-{user_id}", self.url)

    def expire(self, meeting_id: int) -> None:
        """The room closes by itself (it stayed empty for its timeout)."""
        del self.rooms[meeting_id]


def spec(rooms: MemoryRooms, name: str = "memory") -> PluginSpec:
    """A plugin spec whose every construction yields ``rooms`` itself (the test holds it: it inspects the rooms and
    takes the server down)."""

    class Plugin(MemoryRooms):
        def __new__(cls, ctx: PluginContext) -> MemoryRooms:
            return rooms  # not a Plugin, so __init__ is not run again

    return PluginSpec(name, Plugin)
