"""Meetings for :class:`~turms.client.TurmsClient`: Turms's five conference requests.

A meeting is with one user or one group. Its creator's server stores it and pushes an invitation, a system
message whose records are the MEETING_INVITATION type byte and the ``Meeting`` model
(:func:`meeting_invitation` reads it back from a delivered message). An invitee accepts with the password (when
the meeting has one) and receives an access token for the meeting's media room, and where to connect with it
(:class:`MeetingAccess`). Non-success codes raise :class:`~turms.client.ResponseError` (8000 when the server
has no conference provider; the 8xxx codes of docs/protocol.md otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from turms.client.client import TurmsClient
from turms.client.message import ChatMessage, tag_args
from turms.protocol.pb import constant_pb2, model_conference_pb2, request_conference_pb2
from turms.protocol.requests import to_enum

CONFERENCE_URL_TAG = "turms:conference_url"
#: The first record of a meeting invitation (``SystemMessageType.MEETING_INVITATION``).
MEETING_INVITATION_RECORD = b"\x02"


@dataclass(frozen=True, slots=True)
class MeetingAccess:
    """What an accepted invitation gives: the token the media server checks, and where to use it."""

    access_token: str
    #: The media server's URL for clients; None when the server did not say.
    url: str | None


def meeting_invitation(message: ChatMessage) -> Any | None:
    """The ``Meeting`` model a delivered meeting-invitation system message carries, or None for any other
    message."""
    records = message.records
    if not message.is_system_message or len(records) < 2 or records[0] != MEETING_INVITATION_RECORD:
        return None
    return model_conference_pb2.Meeting.FromString(records[1])


def _opt(message: Any, **fields: Any) -> Any:
    for name, value in fields.items():
        if value is not None:
            setattr(message, name, value)
    return message


class ConferenceService:
    def __init__(self, client: TurmsClient) -> None:
        self.client = client

    async def create_meeting(
        self,
        *,
        user_id: int | None = None,
        group_id: int | None = None,
        name: str | None = None,
        intro: str | None = None,
        password: str | None = None,
        start_date: int | None = None,
    ) -> int:
        """Create a meeting with ``user_id`` or in ``group_id``; its id. ``start_date`` (epoch ms) schedules it."""
        m = _opt(
            request_conference_pb2.CreateMeetingRequest(),
            user_id=user_id,
            group_id=group_id,
            name=name,
            intro=intro,
            password=password,
            start_date=start_date,
        )
        return int((await self.client.request("create_meeting_request", m)).data.long)

    async def cancel_meeting(self, meeting_id: int) -> None:
        """Cancel a meeting one created (its room closes; its participants are told)."""
        await self.client.request("delete_meeting_request", request_conference_pb2.DeleteMeetingRequest(id=meeting_id))

    async def update_meeting(
        self, meeting_id: int, *, name: str | None = None, intro: str | None = None, password: str | None = None
    ) -> None:
        m = _opt(request_conference_pb2.UpdateMeetingRequest(id=meeting_id), name=name, intro=intro, password=password)
        await self.client.request("update_meeting_request", m)

    async def query_meetings(
        self,
        *,
        ids: Iterable[int] = (),
        creator_ids: Iterable[int] = (),
        user_ids: Iterable[int] = (),
        group_ids: Iterable[int] = (),
        creation_date_start: int | None = None,
        creation_date_end: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        """``Meeting`` models the server lets this user see (an empty list for none)."""
        m = _opt(
            request_conference_pb2.QueryMeetingsRequest(
                ids=list(ids), creator_ids=list(creator_ids), user_ids=list(user_ids), group_ids=list(group_ids)
            ),
            creation_date_start=creation_date_start,
            creation_date_end=creation_date_end,
            skip=skip,
            limit=limit,
        )
        n = await self.client.request("query_meetings_request", m)
        return list(n.data.meetings.meetings) if n.HasField("data") else []

    async def _reply(self, meeting_id: int, action: int, password: str | None) -> Any:
        m = request_conference_pb2.UpdateMeetingInvitationRequest(
            meeting_id=meeting_id, response_action=to_enum(constant_pb2.ResponseAction, action)
        )
        if password is not None:
            m.password = password
        return await self.client.request("update_meeting_invitation_request", m)

    async def accept_meeting_invitation(self, meeting_id: int, password: str | None = None) -> MeetingAccess:
        """Join a meeting one was invited to (or created): the access token to its room."""
        n = await self._reply(meeting_id, constant_pb2.ResponseAction.ACCEPT, password)
        args = tag_args(n.custom_attributes, CONFERENCE_URL_TAG)
        url = args[0].string_value if args and args[0].WhichOneof("kind") == "string_value" else None
        return MeetingAccess(n.data.string, url)

    async def decline_meeting_invitation(self, meeting_id: int, password: str | None = None) -> None:
        await self._reply(meeting_id, constant_pb2.ResponseAction.DECLINE, password)
