"""An in-memory conference provider for the meeting domain's service-level tests.

It stands for the external media server behind the provider port (as ``message_world.Recorder`` stands for the
routing bus behind the Notifier port); the LiveKit provider itself is tested against a real LiveKit server in
tests/integration/test_conference_livekit.py. It keeps LiveKit's semantics the domain relies on: creating an open
room changes nothing, deleting a missing room succeeds, a room can close by itself (``expire``).
"""

from __future__ import annotations

from turms.service.conference.provider import JoinGrant, ProviderError, RoomSpec


class MemoryRooms:
    def __init__(self, url: str = "wss://media.test") -> None:
        self.url = url
        self.rooms: dict[int, RoomSpec] = {}
        self.created: list[int] = []
        self.deleted: list[int] = []
        self.grants: list[tuple[int, int]] = []
        #: When set, every call fails as an unreachable server would.
        self.down = False
        self.started = False

    @property
    def name(self) -> str:
        return "memory"

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.started = False

    def _check(self) -> None:
        if self.down:
            raise ProviderError("the media server is unreachable")

    async def create_room(self, room: RoomSpec) -> None:
        self._check()
        if room.meeting_id not in self.rooms:
            self.rooms[room.meeting_id] = room
            self.created.append(room.meeting_id)

    async def room_exists(self, meeting_id: int) -> bool:
        self._check()
        return meeting_id in self.rooms

    async def delete_room(self, meeting_id: int) -> None:
        self._check()
        self.rooms.pop(meeting_id, None)
        self.deleted.append(meeting_id)

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        self._check()
        self.grants.append((meeting_id, user_id))
        return JoinGrant(f"token-{meeting_id}-{user_id}", self.url)

    def expire(self, meeting_id: int) -> None:
        """The room closes by itself (it stayed empty for its timeout)."""
        del self.rooms[meeting_id]
