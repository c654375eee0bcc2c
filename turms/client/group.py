"""Typed group requests for :class:`~turms.client.TurmsClient`: groups, members, blocklist, enrollment.

Each method sends one request and returns the useful part of the response (an id, a list of models, a
bool); non-success codes raise :class:`~turms.client.ResponseError`. Queries return ``None`` when the
server answers ALREADY_UP_TO_DATE (1002) and an empty list for NO_CONTENT (1001).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from turms.client.client import TurmsClient
from turms.protocol.pb import constant_pb2, model_group_pb2, request_group_enrollment_pb2, request_group_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode

_UP_TO_DATE = int(ResponseStatusCode.ALREADY_UP_TO_DATE)


def _opt(message: Any, **fields: Any) -> Any:
    for name, value in fields.items():
        if value is not None:
            setattr(message, name, value)
    return message


class GroupService:
    def __init__(self, client: TurmsClient) -> None:
        self.client = client

    async def _send(self, kind: str, message: Any) -> Any:
        return await self.client.request(kind, message)

    # Groups ---------------------------------------------------------------------------------------

    async def create_group(
        self,
        name: str,
        *,
        intro: str | None = None,
        announcement: str | None = None,
        min_score: int | None = None,
        type_id: int | None = None,
        mute_end_date: int | None = None,
    ) -> int:
        m = _opt(
            request_group_pb2.CreateGroupRequest(name=name),
            intro=intro,
            announcement=announcement,
            min_score=min_score,
            type_id=type_id,
            mute_end_date=mute_end_date,
        )
        return int((await self._send("create_group_request", m)).data.long)

    async def delete_group(self, group_id: int) -> None:
        await self._send("delete_group_request", request_group_pb2.DeleteGroupRequest(group_id=group_id))

    async def update_group(
        self,
        group_id: int,
        *,
        name: str | None = None,
        intro: str | None = None,
        announcement: str | None = None,
        min_score: int | None = None,
        type_id: int | None = None,
        mute_end_date: int | None = None,
        successor_id: int | None = None,
        quit_after_transfer: bool | None = None,
    ) -> None:
        m = _opt(
            request_group_pb2.UpdateGroupRequest(group_id=group_id),
            name=name,
            intro=intro,
            announcement=announcement,
            min_score=min_score,
            type_id=type_id,
            mute_end_date=mute_end_date,
            successor_id=successor_id,
            quit_after_transfer=quit_after_transfer,
        )
        await self._send("update_group_request", m)

    async def transfer_ownership(self, group_id: int, successor_id: int, *, quit_after: bool = False) -> None:
        await self.update_group(group_id, successor_id=successor_id, quit_after_transfer=quit_after)

    async def query_groups(
        self, group_ids: Iterable[int], *, last_updated_date: int | None = None
    ) -> list[model_group_pb2.Group] | None:
        m = _opt(request_group_pb2.QueryGroupsRequest(group_ids=list(group_ids)), last_updated_date=last_updated_date)
        n = await self._send("query_groups_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.groups_with_version.groups)

    async def query_joined_group_ids(self, *, last_updated_date: int | None = None) -> list[int] | None:
        m = _opt(request_group_pb2.QueryJoinedGroupIdsRequest(), last_updated_date=last_updated_date)
        n = await self._send("query_joined_group_ids_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.longs_with_version.longs)

    async def query_joined_groups(self, *, last_updated_date: int | None = None) -> list[model_group_pb2.Group] | None:
        m = _opt(request_group_pb2.QueryJoinedGroupInfosRequest(), last_updated_date=last_updated_date)
        n = await self._send("query_joined_group_infos_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.groups_with_version.groups)

    # Members --------------------------------------------------------------------------------------

    async def add_members(
        self,
        group_id: int,
        user_ids: Iterable[int],
        *,
        role: int | None = None,
        name: str | None = None,
        mute_end_date: int | None = None,
    ) -> None:
        m = _opt(
            request_group_pb2.CreateGroupMembersRequest(group_id=group_id, user_ids=list(user_ids)),
            name=name,
            mute_end_date=mute_end_date,
        )
        if role is not None:
            m.role = to_enum(constant_pb2.GroupMemberRole, role)
        await self._send("create_group_members_request", m)

    async def join_group(self, group_id: int, user_id: int) -> None:
        """Join a MEMBERSHIP_REQUEST group directly (``user_id`` is the caller's own id)."""
        await self.add_members(group_id, [user_id])

    async def remove_members(
        self,
        group_id: int,
        member_ids: Iterable[int],
        *,
        successor_id: int | None = None,
        quit_after_transfer: bool | None = None,
    ) -> None:
        m = _opt(
            request_group_pb2.DeleteGroupMembersRequest(group_id=group_id, member_ids=list(member_ids)),
            successor_id=successor_id,
            quit_after_transfer=quit_after_transfer,
        )
        await self._send("delete_group_members_request", m)

    async def update_member(
        self,
        group_id: int,
        member_id: int,
        *,
        name: str | None = None,
        role: int | None = None,
        mute_end_date: int | None = None,
    ) -> None:
        m = _opt(
            request_group_pb2.UpdateGroupMemberRequest(group_id=group_id, member_id=member_id),
            name=name,
            mute_end_date=mute_end_date,
        )
        if role is not None:
            m.role = to_enum(constant_pb2.GroupMemberRole, role)
        await self._send("update_group_member_request", m)

    async def query_members(
        self,
        group_id: int,
        *,
        member_ids: Iterable[int] = (),
        with_status: bool = False,
        last_updated_date: int | None = None,
    ) -> list[model_group_pb2.GroupMember] | None:
        m = _opt(
            request_group_pb2.QueryGroupMembersRequest(
                group_id=group_id, member_ids=list(member_ids), with_status=with_status
            ),
            last_updated_date=last_updated_date,
        )
        n = await self._send("query_group_members_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.group_members_with_version.group_members)

    # Blocklist ------------------------------------------------------------------------------------

    async def block_user(self, group_id: int, user_id: int) -> None:
        m = request_group_pb2.CreateGroupBlockedUserRequest(group_id=group_id, user_id=user_id)
        await self._send("create_group_blocked_user_request", m)

    async def unblock_user(self, group_id: int, user_id: int) -> None:
        m = request_group_pb2.DeleteGroupBlockedUserRequest(group_id=group_id, user_id=user_id)
        await self._send("delete_group_blocked_user_request", m)

    async def query_blocked_user_ids(self, group_id: int, *, last_updated_date: int | None = None) -> list[int] | None:
        m = _opt(
            request_group_pb2.QueryGroupBlockedUserIdsRequest(group_id=group_id), last_updated_date=last_updated_date
        )
        n = await self._send("query_group_blocked_user_ids_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.longs_with_version.longs)

    async def query_blocked_user_infos(
        self, group_id: int, *, last_updated_date: int | None = None
    ) -> list[Any] | None:
        m = _opt(
            request_group_pb2.QueryGroupBlockedUserInfosRequest(group_id=group_id), last_updated_date=last_updated_date
        )
        n = await self._send("query_group_blocked_user_infos_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.user_infos_with_version.user_infos)

    # Invitations ----------------------------------------------------------------------------------

    async def invite(self, group_id: int, invitee_id: int, content: str = "") -> int:
        m = request_group_enrollment_pb2.CreateGroupInvitationRequest(
            group_id=group_id, invitee_id=invitee_id, content=content
        )
        return int((await self._send("create_group_invitation_request", m)).data.long)

    async def reply_invitation(self, invitation_id: int, action: int, reason: str | None = None) -> None:
        m = _opt(request_group_enrollment_pb2.UpdateGroupInvitationRequest(invitation_id=invitation_id), reason=reason)
        m.response_action = to_enum(constant_pb2.ResponseAction, action)
        await self._send("update_group_invitation_request", m)

    async def recall_invitation(self, invitation_id: int) -> None:
        m = request_group_enrollment_pb2.DeleteGroupInvitationRequest(invitation_id=invitation_id)
        await self._send("delete_group_invitation_request", m)

    async def query_invitations(
        self, *, group_id: int | None = None, sent_by_me: bool | None = None, last_updated_date: int | None = None
    ) -> list[model_group_pb2.GroupInvitation] | None:
        m = _opt(
            request_group_enrollment_pb2.QueryGroupInvitationsRequest(),
            group_id=group_id,
            are_sent_by_me=sent_by_me,
            last_updated_date=last_updated_date,
        )
        n = await self._send("query_group_invitations_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.group_invitations_with_version.group_invitations)

    # Join requests --------------------------------------------------------------------------------

    async def request_to_join(self, group_id: int, content: str = "") -> int:
        m = request_group_enrollment_pb2.CreateGroupJoinRequestRequest(group_id=group_id, content=content)
        return int((await self._send("create_group_join_request_request", m)).data.long)

    async def reply_join_request(self, request_id: int, action: int, reason: str | None = None) -> None:
        m = _opt(request_group_enrollment_pb2.UpdateGroupJoinRequestRequest(request_id=request_id), reason=reason)
        m.response_action = to_enum(constant_pb2.ResponseAction, action)
        await self._send("update_group_join_request_request", m)

    async def recall_join_request(self, request_id: int) -> None:
        m = request_group_enrollment_pb2.DeleteGroupJoinRequestRequest(request_id=request_id)
        await self._send("delete_group_join_request_request", m)

    async def query_join_requests(
        self, *, group_id: int | None = None, last_updated_date: int | None = None
    ) -> list[model_group_pb2.GroupJoinRequest] | None:
        m = _opt(
            request_group_enrollment_pb2.QueryGroupJoinRequestsRequest(),
            group_id=group_id,
            last_updated_date=last_updated_date,
        )
        n = await self._send("query_group_join_requests_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.group_join_requests_with_version.group_join_requests)

    # Join questions -------------------------------------------------------------------------------

    async def add_questions(self, group_id: int, questions: Iterable[tuple[str, Iterable[str], int]]) -> list[int]:
        m = request_group_enrollment_pb2.CreateGroupJoinQuestionsRequest(group_id=group_id)
        for text, answers, score in questions:
            m.questions.append(model_group_pb2.GroupJoinQuestion(question=text, answers=list(answers), score=score))
        return list((await self._send("create_group_join_questions_request", m)).data.longs_with_version.longs)

    async def delete_questions(self, group_id: int, question_ids: Iterable[int]) -> None:
        m = request_group_enrollment_pb2.DeleteGroupJoinQuestionsRequest(
            group_id=group_id, question_ids=list(question_ids)
        )
        await self._send("delete_group_join_questions_request", m)

    async def update_question(
        self,
        question_id: int,
        *,
        question: str | None = None,
        answers: Iterable[str] = (),
        score: int | None = None,
    ) -> None:
        m = _opt(
            request_group_enrollment_pb2.UpdateGroupJoinQuestionRequest(question_id=question_id, answers=list(answers)),
            question=question,
            score=score,
        )
        await self._send("update_group_join_question_request", m)

    async def query_questions(
        self, group_id: int, *, with_answers: bool = False, last_updated_date: int | None = None
    ) -> list[model_group_pb2.GroupJoinQuestion] | None:
        m = _opt(
            request_group_enrollment_pb2.QueryGroupJoinQuestionsRequest(group_id=group_id, with_answers=with_answers),
            last_updated_date=last_updated_date,
        )
        n = await self._send("query_group_join_questions_request", m)
        return None if n.code == _UP_TO_DATE else list(n.data.group_join_questions_with_version.group_join_questions)

    async def answer_questions(self, answers: Mapping[int, str]) -> model_group_pb2.GroupJoinQuestionsAnswerResult:
        m = request_group_enrollment_pb2.CheckGroupJoinQuestionsAnswersRequest()
        m.question_id_to_answer.update(answers)
        n = await self._send("check_group_join_questions_answers_request", m)
        return n.data.group_join_question_answer_result  # type: ignore[no-any-return]
