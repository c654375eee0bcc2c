"""Conversations: read positions (read receipts), typing status, and deletion.

Stored shapes: ``privateConversation`` ``{_id: {oid, tid}, rd}`` (when ``oid`` last read its conversation
with ``tid``) and ``groupConversation`` ``{_id: gid, mr: {"<uid>": date}}``. A read date only moves forward
(``$max``), so a late or replayed update never moves a receipt back.

* ``QueryConversationsRequest``: ``user_ids`` → private conversations between the requester and each user,
  both directions (the peer's read date is the read receipt; the requester's own syncs its devices);
  ``group_ids`` → the member → read date map of each group the requester belongs to.
* ``UpdateConversationRequest``: records the requester's read date (server time by default) and pushes it
  (relayed request) to the requester's other sessions and the group's members, or the other party when they
  share a conversation (a message either way) and it has not blocked the requester.
* ``UpdateTypingStatusRequest``: relayed to the other party or the members; never stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from turms.clock import datetime_to_ms, ms_to_datetime
from turms.errors import TurmsError
from turms.protocol.pb import model_conversation_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.message import policy
from turms.service.message.model import MESSAGE, conversation_id
from turms.service.push import push, relayed
from turms.settings import conversation as conversation_settings
from turms.settings import message as message_settings
from turms.storage.port import Store

PRIVATE_CONVERSATION = "privateConversation"
GROUP_CONVERSATION = "groupConversation"

log = logging.getLogger("turms.service.conversation")


async def handle_query(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    requester = req.requester.user_id
    if not body.user_ids and not body.group_ids:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "name user_ids or group_ids")
    data = turms_notification_pb2.TurmsNotification.Data()
    data.conversations.SetInParent()
    user_ids = list(dict.fromkeys(body.user_ids))
    if user_ids:
        docs = await services.store.find(
            PRIVATE_CONVERSATION,
            {
                "$or": [
                    {"_id.oid": requester, "_id.tid": {"$in": user_ids}},
                    {"_id.oid": {"$in": user_ids}, "_id.tid": requester},
                ]
            },
        )
        for d in docs:
            if "rd" not in d:
                continue
            data.conversations.private_conversations.add(
                owner_id=d["_id"]["oid"], target_id=d["_id"]["tid"], read_date=datetime_to_ms(d["rd"])
            )
    for gid in dict.fromkeys(body.group_ids):
        if not await policy.is_member(services.store, gid, requester):
            continue
        doc = await services.store.find_one(GROUP_CONVERSATION, {"_id": gid})
        if doc is None:
            continue
        conv = model_conversation_pb2.GroupConversation(group_id=gid)
        for uid, date in (doc.get("mr") or {}).items():
            conv.member_id_to_read_date[int(uid)] = datetime_to_ms(date)
        data.conversations.group_conversations.append(conv)
    if not data.conversations.private_conversations and not data.conversations.group_conversations:
        return Response(Code.NO_CONTENT)
    return Response(Code.OK, data=data)


async def handle_update(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    s = services.settings
    requester = req.requester.user_id
    if body.HasField("user_id") == body.HasField("group_id"):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "set exactly one of user_id and group_id")
    if not s.get(conversation_settings.READ_RECEIPT_ENABLED):
        raise TurmsError(Code.UPDATING_READ_DATE_IS_DISABLED)
    if s.get(conversation_settings.READ_RECEIPT_USE_SERVER_TIME):
        read_date = req.now
    else:
        if body.read_date <= 0 or body.read_date > datetime_to_ms(req.now):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the read date must be in the past")
        read_date = ms_to_datetime(body.read_date)
    notify = s.get(conversation_settings.READ_RECEIPT_NOTIFY)
    if body.HasField("group_id"):
        gid = body.group_id
        group = await policy.find_group(services.store, gid)
        if group is None:
            raise TurmsError(Code.UPDATING_READ_DATE_OF_NONEXISTENT_GROUP_CONVERSATION)
        if not group.read_receipts:
            raise TurmsError(Code.UPDATING_READ_DATE_IS_DISABLED_BY_GROUP)
        if not await policy.is_member(services.store, gid, requester):
            raise TurmsError(Code.NOT_GROUP_MEMBER_TO_UPDATE_READ_DATE_OF_GROUP_CONVERSATION)
        await services.store.update_one(
            GROUP_CONVERSATION, {"_id": gid}, {"$max": {f"mr.{requester}": read_date}}, upsert=True
        )
        if notify:
            members = await services.group_members.get(gid)
            if len(members) <= s.get(conversation_settings.READ_RECEIPT_GROUP_NOTIFY_MAX_MEMBERS):
                await _push(services, req, members)
            else:
                await _push(services, req, [])
        return OK
    peer = body.user_id
    if peer <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "user_id must be positive")
    await services.store.update_one(
        PRIVATE_CONVERSATION,
        {"_id": {"oid": requester, "tid": peer}},
        {"$max": {"rd": read_date}},
        upsert=True,
    )
    if notify:
        # The read date is the requester's own record, stored whatever the peer thinks of it (it syncs the
        # requester's devices). The peer is told only inside a conversation they share, and not when it has
        # blocked the requester: a read receipt must not be a way to push to any user id at will.
        await _push(services, req, [peer] if await _receipt_reaches(services, requester, peer) else [])
    return OK


async def _receipt_reaches(services: Services, requester: int, peer: int) -> bool:
    """Whether ``peer`` hears of ``requester``'s read date: they share a conversation (a message either way) and
    ``peer`` has not blocked ``requester``."""
    if await policy.is_blocked_by(services.store, peer, requester):
        return False
    cid = conversation_id(False, requester, peer)
    return await services.store.count(MESSAGE, {"cid": cid}, limit=1) > 0


async def _push(services: Services, req: ServiceRequest, recipients: Iterable[int]) -> None:
    try:
        await push(services.notifier, req, recipients, include_own_other_sessions=True)
    except Exception:
        log.warning("pushing a conversation update failed", exc_info=True)


async def handle_typing(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    s = services.settings
    requester = req.requester.user_id
    if not s.get(conversation_settings.TYPING_STATUS_ENABLED):
        raise TurmsError(Code.UPDATING_TYPING_STATUS_IS_DISABLED)
    if body.to_id <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "to_id must be positive")
    if body.is_group_message:
        if not await policy.is_member(services.store, body.to_id, requester):
            raise TurmsError(Code.NOT_GROUP_MEMBER_TO_SEND_TYPING_STATUS)
        members = await services.group_members.get(body.to_id)
        threshold = s.get(message_settings.BROADCAST_MEMBER_THRESHOLD)
        targets = set(members) - {requester}
        if targets:
            payload = relayed(req.request, requester, datetime_to_ms(req.now))
            try:
                await services.notifier.notify(
                    targets, payload, trace_id=req.trace_id, broadcast=len(targets) > threshold
                )
            except Exception:
                log.warning("pushing a typing status failed", exc_info=True)
        return OK
    peer = body.to_id
    rel = await policy.relationship(services.store, peer, requester)
    if rel is not None and "bd" in rel:
        raise TurmsError(Code.NOT_FRIEND_TO_SEND_TYPING_STATUS)
    if rel is None and not s.get(message_settings.ALLOW_SEND_TO_STRANGER):
        raise TurmsError(Code.NOT_FRIEND_TO_SEND_TYPING_STATUS)
    try:
        await push(services.notifier, req, [peer])
    except Exception:
        log.warning("pushing a typing status failed", exc_info=True)
    return OK


async def delete_conversations(store: Store, *, user_ids: Iterable[int] = (), group_ids: Iterable[int] = ()) -> int:
    """Delete the read positions of users (both directions) and of whole groups; the number deleted.

    There is no client request for it in Turms's protocol: the admin API and the user and group domains
    call this when users or groups are deleted.
    """
    users = list(dict.fromkeys(user_ids))
    groups = list(dict.fromkeys(group_ids))
    deleted = 0
    if users:
        deleted += await store.delete_many(
            PRIVATE_CONVERSATION, {"$or": [{"_id.oid": {"$in": users}}, {"_id.tid": {"$in": users}}]}
        )
    if groups:
        deleted += await store.delete_many(GROUP_CONVERSATION, {"_id": {"$in": groups}})
    return deleted
