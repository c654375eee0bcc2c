"""The conference provider port: what the meeting domain asks of the media server that hosts its rooms.

Turms delegates the media side of a meeting to a ``ConferenceServiceProvider`` plugin (its reference one drives
LiveKit) and keeps the meeting itself (who, when, password, cancellation) in its own database; so do we. A
provider names each room after its meeting id (LiveKit keys rooms by name, and meeting ids are unique), creates
and deletes rooms, tells whether a room is still open, and grants one user the right to join one room.

Every method may raise :class:`ProviderError` (the provider refused, failed, or did not answer within its own
timeout); the domain answers SERVER_UNAVAILABLE (1201) then, after undoing what the request had changed. With no
provider configured (``service.conference.provider`` empty) the requests that need one are answered
CONFERENCE_NOT_IMPLEMENTED (8000), as Turms does without a conference plugin.

Implementations: :mod:`turms.service.conference.providers.livekit`. May import only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class ProviderError(Exception):
    """The provider failed, refused or timed out; nothing it was asked to do can be assumed done."""


@dataclass(frozen=True, slots=True)
class RoomSpec:
    """A room to open for a meeting."""

    meeting_id: int
    #: A room nobody is in closes after this long (the meeting's expiry).
    empty_timeout_s: int
    #: A group's meeting (else one with a user).
    is_group: bool


@dataclass(frozen=True, slots=True)
class JoinGrant:
    """What a participant needs to join a meeting's room."""

    #: The credential the media server checks (for LiveKit, a JWT naming the room and the user).
    access_token: str
    #: Where clients connect with it; "" when the provider does not know.
    url: str = ""


def room_name(meeting_id: int) -> str:
    """The room of a meeting: its id in decimal (what Turms's LiveKit plugin uses too)."""
    return str(meeting_id)


@runtime_checkable
class ConferenceProvider(Protocol):
    @property
    def name(self) -> str:
        """A short name for logs and metrics, e.g. ``"livekit"``."""
        ...

    async def start(self) -> None:
        """Prepare (open connections); called once in the worker's event loop before the first request."""
        ...

    async def close(self) -> None: ...

    async def create_room(self, room: RoomSpec) -> None:
        """Open the meeting's room. Idempotent: an open room of that name is left as it is."""
        ...

    async def room_exists(self, meeting_id: int) -> bool:
        """Whether the meeting's room is open now (it closes when deleted, or when empty for its timeout)."""
        ...

    async def delete_room(self, meeting_id: int) -> None:
        """Close the meeting's room, disconnecting whoever is in it. Idempotent: no room is success."""
        ...

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        """Let ``user_id`` join the meeting's room (as that identity)."""
        ...
