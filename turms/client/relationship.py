"""Typed relationship requests for :class:`~turms.client.TurmsClient`: friend requests, relationships
(contacts and blocks) and relationship groups.

Each method sends one request and returns the useful part of the response; non-success codes raise
:class:`~turms.client.ResponseError`. Queries return ``None`` when the server answers ALREADY_UP_TO_DATE
(1002) and an empty list for NO_CONTENT (1001).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from turms.client.client import TurmsClient
from turms.protocol.pb import constant_pb2, request_relationship_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode

_UP_TO_DATE = int(ResponseStatusCode.ALREADY_UP_TO_DATE)
ACCEPT, DECLINE, IGNORE = (
    constant_pb2.ResponseAction.ACCEPT,
    constant_pb2.ResponseAction.DECLINE,
    constant_pb2.ResponseAction.IGNORE,
)


def _opt(message: Any, **fields: Any) -> Any:
    for name, v in fields.items():
        if v is not None:
            setattr(message, name, v)
    return message


class RelationshipService:
    def __init__(self, client: TurmsClient) -> None:
        self.client = client

    async def _query(self, kind: str, message: Any) -> Any:
        response = await self.client.request(kind, message)
        return None if int(response.code) == _UP_TO_DATE else response

    # Friend requests --------------------------------------------------------------------------------

    async def send_friend_request(self, recipient_id: int, content: str = "") -> int:
        """The new request's id."""
        m = request_relationship_pb2.CreateFriendRequestRequest(recipient_id=recipient_id, content=content)
        return int((await self.client.request("create_friend_request_request", m)).data.long)

    async def recall_friend_request(self, request_id: int) -> None:
        await self.client.request(
            "delete_friend_request_request", request_relationship_pb2.DeleteFriendRequestRequest(request_id=request_id)
        )

    async def reply_friend_request(self, request_id: int, action: int, *, reason: str | None = None) -> None:
        """``action`` is ACCEPT, DECLINE or IGNORE (``ResponseAction``)."""
        m = _opt(
            request_relationship_pb2.UpdateFriendRequestRequest(
                request_id=request_id, response_action=to_enum(constant_pb2.ResponseAction, action, strict=False)
            ),
            reason=reason,
        )
        await self.client.request("update_friend_request_request", m)

    async def query_friend_requests(self, *, sent: bool, last_updated_date: int | None = None) -> list[Any] | None:
        m = _opt(
            request_relationship_pb2.QueryFriendRequestsRequest(are_sent_by_me=sent),
            last_updated_date=last_updated_date,
        )
        response = await self._query("query_friend_requests_request", m)
        return None if response is None else list(response.data.user_friend_requests_with_version.user_friend_requests)

    # Relationships ----------------------------------------------------------------------------------

    async def create_relationship(
        self, user_id: int, *, blocked: bool = False, group_index: int | None = None, name: str | None = None
    ) -> None:
        m = _opt(
            request_relationship_pb2.CreateRelationshipRequest(user_id=user_id, blocked=blocked),
            group_index=group_index,
            name=name,
        )
        await self.client.request("create_relationship_request", m)

    async def update_relationship(
        self,
        user_id: int,
        *,
        blocked: bool | None = None,
        new_group_index: int | None = None,
        delete_group_index: int | None = None,
        name: str | None = None,
        note: str | None = None,
    ) -> None:
        m = _opt(
            request_relationship_pb2.UpdateRelationshipRequest(user_id=user_id),
            blocked=blocked,
            new_group_index=new_group_index,
            delete_group_index=delete_group_index,
            name=name,
            note=note,
        )
        await self.client.request("update_relationship_request", m)

    async def block(self, user_id: int) -> None:
        await self.update_relationship(user_id, blocked=True)

    async def unblock(self, user_id: int) -> None:
        await self.update_relationship(user_id, blocked=False)

    async def delete_relationship(self, user_id: int, *, group_index: int | None = None) -> None:
        m = _opt(request_relationship_pb2.DeleteRelationshipRequest(user_id=user_id), group_index=group_index)
        await self.client.request("delete_relationship_request", m)

    async def query_relationships(
        self,
        user_ids: Iterable[int] = (),
        *,
        blocked: bool | None = None,
        group_indexes: Iterable[int] = (),
        last_updated_date: int | None = None,
    ) -> list[Any] | None:
        m = _opt(
            request_relationship_pb2.QueryRelationshipsRequest(
                user_ids=list(user_ids), group_indexes=list(group_indexes)
            ),
            blocked=blocked,
            last_updated_date=last_updated_date,
        )
        response = await self._query("query_relationships_request", m)
        return None if response is None else list(response.data.user_relationships_with_version.user_relationships)

    async def query_related_user_ids(
        self, *, blocked: bool | None = None, group_indexes: Iterable[int] = (), last_updated_date: int | None = None
    ) -> list[int] | None:
        m = _opt(
            request_relationship_pb2.QueryRelatedUserIdsRequest(group_indexes=list(group_indexes)),
            blocked=blocked,
            last_updated_date=last_updated_date,
        )
        response = await self._query("query_related_user_ids_request", m)
        return None if response is None else [int(i) for i in response.data.longs_with_version.longs]

    # Relationship groups ----------------------------------------------------------------------------

    async def create_group(self, name: str) -> int:
        """The new group's index."""
        m = request_relationship_pb2.CreateRelationshipGroupRequest(name=name)
        return int((await self.client.request("create_relationship_group_request", m)).data.long)

    async def rename_group(self, group_index: int, new_name: str) -> None:
        m = request_relationship_pb2.UpdateRelationshipGroupRequest(group_index=group_index, new_name=new_name)
        await self.client.request("update_relationship_group_request", m)

    async def delete_group(self, group_index: int, *, target_group_index: int | None = None) -> None:
        m = _opt(
            request_relationship_pb2.DeleteRelationshipGroupRequest(group_index=group_index),
            target_group_index=target_group_index,
        )
        await self.client.request("delete_relationship_group_request", m)

    async def query_groups(self, *, last_updated_date: int | None = None) -> list[tuple[int, str]] | None:
        """(index, name) pairs."""
        m = _opt(request_relationship_pb2.QueryRelationshipGroupsRequest(), last_updated_date=last_updated_date)
        response = await self._query("query_relationship_groups_request", m)
        if response is None:
            return None
        return [(g.index, g.name) for g in response.data.user_relationship_groups_with_version.user_relationship_groups]

    async def move_to_group(self, user_id: int, from_index: int, to_index: int) -> None:
        await self.update_relationship(user_id, new_group_index=to_index, delete_group_index=from_index)
