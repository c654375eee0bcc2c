"""Joining a group on approval: invitations (sent by members, answered by the invitee) and join requests
(sent by users, answered by the owner or a manager), with recall and expiry.

A pending request expires ``expire_after_s`` after its creation (read with the injected clock): from then
on it is shown as EXPIRED and can be neither answered nor recalled; the stored status is never rewritten.
State changes are compare-and-set on ``stat == PENDING``, so two concurrent answers cannot both win.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import model_group_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.group import access, permissions
from turms.service.group.groups import check_length
from turms.service.group.members import add_members
from turms.service.group.model import GROUP_INVITATION, GROUP_JOIN_REQUEST, RequestStatus, ResponseAction, Role
from turms.service.group.notify import Audience, notify_member_joined
from turms.service.group.proto import Data, invitation_to_proto, join_request_to_proto, shown_status
from turms.service.push import stored_relay
from turms.settings import group as gs
from turms.storage.port import ReturnDocument

_ACTION_STATUS = {
    ResponseAction.ACCEPT: RequestStatus.ACCEPTED,
    ResponseAction.DECLINE: RequestStatus.DECLINED,
    ResponseAction.IGNORE: RequestStatus.IGNORED,
}


def _action(value: int) -> ResponseAction:
    try:
        return ResponseAction(value)
    except ValueError:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"unknown response action {value}") from None


async def _claim(
    services: Services,
    collection: str,
    doc_id: int,
    status: RequestStatus,
    now: datetime,
    expire_after_s: int,
    extra: dict[str, Any],
) -> dict[str, Any] | None:
    """Move a pending, unexpired request to ``status`` atomically; None if it was not (or no longer) so."""
    cutoff = now - timedelta(seconds=expire_after_s)
    return await services.store.find_one_and_update(
        collection,
        {"_id": doc_id, "stat": int(RequestStatus.PENDING), "cd": {"$gt": cutoff}},
        {"$set": {"stat": int(status), "rd": now, **extra}},
        return_document=ReturnDocument.AFTER,
    )


async def _admit(
    services: Services,
    group_id: int,
    user_id: int,
    now: datetime,
    *,
    claim: Callable[[], Awaitable[dict[str, Any] | None]],
) -> bool:
    """Check the group can take ``user_id``, run ``claim`` (the status change; raises if lost), then add.

    Returns whether the user was added (False when it already was a member).
    """
    found = await access.active_group_and_type(services.store, group_id)
    if found is None:
        raise TurmsError(Code.ADD_USER_TO_INACTIVE_GROUP)
    _, group_type = found
    if await access.member_role(services.store, group_id, user_id) is not None:
        await claim()  # the request is settled even though there is nobody to add
        return False
    if await access.is_blocked(services.store, group_id, user_id):
        raise TurmsError(Code.ADD_BLOCKED_USER_TO_GROUP)
    if await access.count_members(services.store, group_id) >= group_type.size_limit:
        raise TurmsError(Code.ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED)
    await claim()
    try:
        await add_members(services, group_id, group_type, [user_id], Role.MEMBER, now)
    except TurmsError as e:
        if e.code is Code.RECORD_CONTAINS_DUPLICATE_KEY:
            return False
        raise
    return True


async def _settle(
    services: Services,
    collection: str,
    doc_id: int,
    action: ResponseAction,
    now: datetime,
    expire_after_s: int,
    extra: dict[str, Any],
    *,
    not_pending: Code,
    group_id: int,
    joiner: int,
) -> bool:
    """Answer a pending invitation or join request: claim it (``not_pending`` when it no longer is pending),
    and on ACCEPT admit ``joiner`` first. Returns whether ``joiner`` was added to the group."""

    async def claim() -> dict[str, Any] | None:
        doc = await _claim(services, collection, doc_id, _ACTION_STATUS[action], now, expire_after_s, extra)
        if doc is None:
            raise TurmsError(not_pending)
        return doc

    if action is ResponseAction.ACCEPT:
        return await _admit(services, group_id, joiner, now, claim=claim)
    await claim()
    return False


class Invitations:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _expiry(self) -> int:
        return self.s.settings.get(gs.INVITATION_EXPIRE_AFTER_S)

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id, invitee = body.group_id, body.invitee_id
        content = check_length(
            body.content, gs.INVITATION_MAX_CONTENT_LENGTH, self.s, "content", TextType.GROUP_INVITATION_CONTENT
        )
        role = await access.member_role(self.store, group_id, uid)
        if role is None:
            raise TurmsError(Code.NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION)
        found = await access.active_group_and_type(self.store, group_id)
        if found is None:
            raise TurmsError(Code.ADD_USER_TO_INACTIVE_GROUP)
        code = permissions.invitation_code(role, found[1].invitation_strategy)
        if code is not Code.OK and code is not Code.SEND_GROUP_INVITATION_TO_GROUP_NOT_REQUIRING_USERS_APPROVAL:
            raise TurmsError(code)
        if await access.member_role(self.store, group_id, invitee) is not None:
            raise TurmsError(Code.SEND_GROUP_INVITATION_TO_GROUP_MEMBER)
        if await access.is_blocked(self.store, group_id, invitee):
            raise TurmsError(Code.SEND_GROUP_INVITATION_TO_BLOCKED_USER)
        if code is not Code.OK:
            raise TurmsError(code)
        invitation_id = self.s.ids.next_id()
        await self.store.insert_one(
            GROUP_INVITATION,
            {
                "_id": invitation_id,
                "gid": group_id,
                "irid": uid,
                "ieid": invitee,
                "cnt": content,
                "stat": int(RequestStatus.PENDING),
                "cd": req.now,
            },
        )
        await self._versions(group_id, uid, invitee, req.now)
        audience = Audience(self.s, "group_invitation_added", group_id)
        audience.add("notify_invitee", [invitee])
        await audience.add_owner_and_managers()
        await audience.add_members("notify_group_members")
        relay = {"group_id": group_id, "invitee_id": invitee, "content": content}  # the content as stored
        await audience.send(req, stored_relay(req.request, relay))
        return Response(data=Data(long=invitation_id))

    async def _versions(self, group_id: int, inviter: int, invitee: int, now: datetime) -> None:
        await access.touch_group_version(self.store, group_id, now, "invt")
        await access.touch_user_versions(self.store, [inviter], now, access.SENT_INVITATIONS)
        await access.touch_user_versions(self.store, [invitee], now, access.RECEIVED_INVITATIONS)

    async def reply(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        action = _action(body.response_action)
        reason = check_length(body.reason, gs.INVITATION_MAX_REASON_LENGTH, self.s, "reason")
        invitation = await self.store.find_one(GROUP_INVITATION, {"_id": body.invitation_id})
        if invitation is None or int(invitation["ieid"]) != uid:
            raise TurmsError(Code.NOT_INVITEE_TO_UPDATE_GROUP_INVITATION)
        status = shown_status(invitation, self._expiry(), req.now)
        if status is not RequestStatus.PENDING:
            raise TurmsError(Code.UPDATE_NON_PENDING_GROUP_INVITATION, f"the invitation is {status.name}")
        group_id = int(invitation["gid"])
        extra = {"rsn": reason} if body.HasField("reason") else {}

        joined = await _settle(
            self.s,
            GROUP_INVITATION,
            body.invitation_id,
            action,
            req.now,
            self._expiry(),
            extra,
            not_pending=Code.UPDATE_NON_PENDING_GROUP_INVITATION,
            group_id=group_id,
            joiner=uid,
        )
        await self._versions(group_id, int(invitation["irid"]), uid, req.now)
        audience = Audience(self.s, "group_invitation_replied", group_id)
        audience.add("notify_group_invitation_inviter", [int(invitation["irid"])])
        await audience.add_owner_and_managers()
        await audience.add_members("notify_group_members")
        await audience.send(req)
        if joined:
            await notify_member_joined(self.s, req, group_id, uid)
        return OK

    async def recall(self, req: ServiceRequest) -> Response:
        uid = req.requester.user_id
        by_managers = self.s.settings.get(gs.INVITATION_RECALL_BY_OWNER_AND_MANAGER)
        by_sender = self.s.settings.get(gs.INVITATION_RECALL_BY_SENDER)
        if not by_managers and not by_sender:
            raise TurmsError(Code.RECALLING_GROUP_INVITATION_IS_DISABLED)
        denied = (
            Code.NOT_GROUP_OWNER_OR_MANAGER_OR_SENDER_TO_RECALL_GROUP_INVITATION
            if by_sender
            else Code.NOT_GROUP_OWNER_OR_MANAGER_TO_RECALL_GROUP_INVITATION
        )
        invitation = await self.store.find_one(GROUP_INVITATION, {"_id": req.body.invitation_id})
        if invitation is None:
            raise TurmsError(denied)
        group_id = int(invitation["gid"])
        allowed = by_sender and int(invitation["irid"]) == uid
        if not allowed and by_managers:
            allowed = permissions.is_owner_or_manager(await access.member_role(self.store, group_id, uid))
        if not allowed:
            raise TurmsError(denied)
        status = shown_status(invitation, self._expiry(), req.now)
        if status is not RequestStatus.PENDING:
            raise TurmsError(Code.RECALL_NON_PENDING_GROUP_INVITATION, f"the invitation is {status.name}")
        if (
            await _claim(
                self.s, GROUP_INVITATION, int(invitation["_id"]), RequestStatus.CANCELED, req.now, self._expiry(), {}
            )
            is None
        ):
            raise TurmsError(Code.RECALL_NON_PENDING_GROUP_INVITATION)
        invitee = int(invitation["ieid"])
        await self._versions(group_id, int(invitation["irid"]), invitee, req.now)
        audience = Audience(self.s, "group_invitation_recalled", group_id)
        audience.add("notify_invitee", [invitee])
        await audience.add_owner_and_managers()
        await audience.add_members("notify_group_members")
        await audience.send(req)
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        lud = body.last_updated_date if body.HasField("last_updated_date") else None
        if body.HasField("group_id"):
            if not permissions.is_owner_or_manager(await access.member_role(self.store, body.group_id, uid)):
                raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_INVITATION)
            version = await access.group_version(self.store, body.group_id, "invt")
            query: dict[str, Any] = {"gid": body.group_id}
        elif body.are_sent_by_me:
            version = await access.user_version(self.store, uid, access.SENT_INVITATIONS)
            query = {"irid": uid}
        else:
            version = await access.user_version(self.store, uid, access.RECEIVED_INVITATIONS)
            query = {"ieid": uid}
        if access.up_to_date(lud, version):
            return Response(Code.ALREADY_UP_TO_DATE)
        docs = await self.store.find(GROUP_INVITATION, query, sort=[("cd", -1)])
        if not docs:
            return Response(Code.NO_CONTENT)
        result = model_group_pb2.GroupInvitationsWithVersion()
        result.group_invitations.extend(invitation_to_proto(d, self._expiry(), req.now) for d in docs)
        if version is not None:
            result.last_updated_date = int(version.timestamp() * 1000)
        return Response(data=Data(group_invitations_with_version=result))


class JoinRequests:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _expiry(self) -> int:
        return self.s.settings.get(gs.JOIN_REQUEST_EXPIRE_AFTER_S)

    async def _versions(self, group_id: int, requester: int, now: datetime) -> None:
        await access.touch_group_version(self.store, group_id, now, "jr")
        await access.touch_user_versions(self.store, [requester], now, access.SENT_JOIN_REQUESTS)

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id = body.group_id
        content = check_length(
            body.content, gs.JOIN_REQUEST_MAX_CONTENT_LENGTH, self.s, "content", TextType.GROUP_JOIN_REQUEST_CONTENT
        )
        if await access.member_role(self.store, group_id, uid) is not None:
            raise TurmsError(Code.GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST)
        if await access.is_blocked(self.store, group_id, uid):
            raise TurmsError(Code.BLOCKED_USER_SEND_GROUP_JOIN_REQUEST)
        found = await access.active_group_and_type(self.store, group_id)
        if found is None:
            raise TurmsError(Code.SEND_GROUP_JOIN_REQUEST_TO_INACTIVE_GROUP)
        code = permissions.join_request_code(found[1].join_strategy)
        if code is not Code.OK:
            raise TurmsError(code)
        request_id = self.s.ids.next_id()
        await self.store.insert_one(
            GROUP_JOIN_REQUEST,
            {
                "_id": request_id,
                "gid": group_id,
                "rqid": uid,
                "cnt": content,
                "stat": int(RequestStatus.PENDING),
                "cd": req.now,
            },
        )
        await self._versions(group_id, uid, req.now)
        audience = Audience(self.s, "group_join_request_created", group_id)
        await audience.add_owner_and_managers()
        await audience.add_members("notify_group_members")
        await audience.send(req, stored_relay(req.request, {"group_id": group_id, "content": content}))
        return Response(data=Data(long=request_id))

    async def recall(self, req: ServiceRequest) -> Response:
        uid = req.requester.user_id
        if not self.s.settings.get(gs.JOIN_REQUEST_RECALL_BY_SENDER):
            raise TurmsError(Code.RECALLING_GROUP_JOIN_REQUEST_IS_DISABLED)
        doc = await self.store.find_one(GROUP_JOIN_REQUEST, {"_id": req.body.request_id})
        if doc is None or int(doc["rqid"]) != uid:
            raise TurmsError(Code.NOT_SENDER_TO_RECALL_GROUP_JOIN_REQUEST)
        status = shown_status(doc, self._expiry(), req.now)
        if status is not RequestStatus.PENDING:
            raise TurmsError(Code.RECALL_NON_PENDING_GROUP_JOIN_REQUEST, f"the join request is {status.name}")
        if (
            await _claim(
                self.s, GROUP_JOIN_REQUEST, int(doc["_id"]), RequestStatus.CANCELED, req.now, self._expiry(), {}
            )
            is None
        ):
            raise TurmsError(Code.RECALL_NON_PENDING_GROUP_JOIN_REQUEST)
        group_id = int(doc["gid"])
        await self._versions(group_id, uid, req.now)
        audience = Audience(self.s, "group_join_request_recalled", group_id)
        await audience.add_owner_and_managers()
        await audience.add_members("notify_group_members")
        await audience.send(req)
        return OK

    async def reply(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        action = _action(body.response_action)
        reason = check_length(body.reason, gs.JOIN_REQUEST_MAX_REASON_LENGTH, self.s, "reason")
        doc = await self.store.find_one(GROUP_JOIN_REQUEST, {"_id": body.request_id})
        if doc is None:
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_JOIN_REQUEST)
        group_id, sender = int(doc["gid"]), int(doc["rqid"])
        if not permissions.is_owner_or_manager(await access.member_role(self.store, group_id, uid)):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_JOIN_REQUEST)
        status = shown_status(doc, self._expiry(), req.now)
        if status is not RequestStatus.PENDING:
            raise TurmsError(Code.UPDATE_NON_PENDING_GROUP_JOIN_REQUEST, f"the join request is {status.name}")
        extra: dict[str, Any] = {"rpid": uid}
        if body.HasField("reason"):
            extra["rsn"] = reason

        joined = await _settle(
            self.s,
            GROUP_JOIN_REQUEST,
            body.request_id,
            action,
            req.now,
            self._expiry(),
            extra,
            not_pending=Code.UPDATE_NON_PENDING_GROUP_JOIN_REQUEST,
            group_id=group_id,
            joiner=sender,
        )
        await self._versions(group_id, sender, req.now)
        audience = Audience(self.s, "group_join_request_replied", group_id)
        audience.add("notify_group_join_request_sender", [sender])
        await audience.add_owner_and_managers()
        await audience.add_members("notify_group_members")
        await audience.send(req)
        if joined:
            await notify_member_joined(self.s, req, group_id, sender)
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        lud = body.last_updated_date if body.HasField("last_updated_date") else None
        if body.HasField("group_id"):
            if not permissions.is_owner_or_manager(await access.member_role(self.store, body.group_id, uid)):
                raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_JOIN_REQUEST)
            version = await access.group_version(self.store, body.group_id, "jr")
            query: dict[str, Any] = {"gid": body.group_id}
        else:
            version = await access.user_version(self.store, uid, access.SENT_JOIN_REQUESTS)
            query = {"rqid": uid}
        if access.up_to_date(lud, version):
            return Response(Code.ALREADY_UP_TO_DATE)
        docs = await self.store.find(GROUP_JOIN_REQUEST, query, sort=[("cd", -1)])
        if not docs:
            return Response(Code.NO_CONTENT)
        result = model_group_pb2.GroupJoinRequestsWithVersion()
        result.group_join_requests.extend(join_request_to_proto(d, self._expiry(), req.now) for d in docs)
        if version is not None:
            result.last_updated_date = int(version.timestamp() * 1000)
        return Response(data=Data(group_join_requests_with_version=result))
