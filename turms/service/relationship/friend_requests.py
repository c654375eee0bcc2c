"""Friend requests: create, recall, answer (ACCEPT / DECLINE / IGNORE), query, expiry and the re-send rule.

A request is ``userFriendRequest`` (``rrid`` requester, ``rtid`` recipient, ``stat`` a ``RequestStatus``).
Expiry is computed, not stored: a PENDING request whose creation date is at least
``service.user.friend_request.friend_request_expire_after_s`` old is EXPIRED, can no longer be answered or
recalled, and is reported as EXPIRED. Every time rule reads ``ServiceRequest.now`` (the injected clock).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import constant_pb2, model_user_pb2, request_relationship_pb2, turms_notification_pb2
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode
from turms.security.antispam import TextType, check_text
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.push import push, stored_relay
from turms.service.relationship import relations
from turms.service.user import versions
from turms.settings import relationship as rs
from turms.storage.port import ReturnDocument

FRIEND_REQUEST = "userFriendRequest"

S = constant_pb2.RequestStatus
PENDING, ACCEPTED, DECLINED, IGNORED, EXPIRED, CANCELED = (
    S.PENDING,
    S.ACCEPTED,
    S.DECLINED,
    S.IGNORED,
    S.EXPIRED,
    S.CANCELED,
)
_ACTION_TO_STATUS = {
    constant_pb2.ResponseAction.ACCEPT: ACCEPTED,
    constant_pb2.ResponseAction.DECLINE: DECLINED,
    constant_pb2.ResponseAction.IGNORE: IGNORED,
}
#: A query returns at most this many requests (the newest), so one user cannot make a reply unbounded.
MAX_LISTED = 1000


def to_proto(doc: dict[str, Any], expire_after_s: int, now: datetime) -> Any:
    created: datetime = doc["cd"]
    expires = created + timedelta(seconds=expire_after_s)
    status = int(doc.get("stat", PENDING))
    if status == PENDING and expires <= now:
        status = EXPIRED
    out = model_user_pb2.UserFriendRequest(
        id=int(doc["_id"]),
        creation_date=versions.to_ms(created),
        content=str(doc.get("cnt", "")),
        request_status=to_enum(constant_pb2.RequestStatus, status, strict=False),
        expiration_date=versions.to_ms(expires),
        requester_id=int(doc["rrid"]),
        recipient_id=int(doc["rtid"]),
    )
    if doc.get("rsn") is not None:
        out.reason = str(doc["rsn"])
    return out


class FriendRequests:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _expiry_cutoff(self, now: datetime) -> datetime:
        """Pending requests created at or before this instant have expired."""
        return now - timedelta(seconds=self.s.settings.get(rs.FRIEND_REQUEST_EXPIRE_AFTER_S))

    def _live_pending(self, now: datetime) -> dict[str, Any]:
        return {"stat": int(PENDING), "cd": {"$gt": self._expiry_cutoff(now)}}

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        requester, recipient = req.requester.user_id, body.recipient_id
        now = versions.ms_floor(req.now)
        if recipient <= 0 or recipient == requester:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "the recipient must be another user")
        limit = self.s.settings.get(rs.FRIEND_REQUEST_MAX_CONTENT_LENGTH)
        if len(body.content) > limit:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"the content is longer than {limit}")
        if await relations.is_blocked(self.store, recipient, requester):
            raise TurmsError(ResponseStatusCode.BLOCKED_USER_TO_SEND_FRIEND_REQUEST)
        pair = {"rtid": recipient, "rrid": requester}
        if self.s.settings.get(rs.ALLOW_RESEND_AFTER_DECLINED):
            existing = {**pair, **self._live_pending(now)}
        else:
            # A pending request (expired or not), or one declined, ignored or expired, blocks a new one.
            # An accepted or recalled one does not: relationships can be deleted and built again.
            existing = {**pair, "stat": {"$in": [int(PENDING), int(DECLINED), int(IGNORED), int(EXPIRED)]}}
        if await self.store.count(FRIEND_REQUEST, existing, limit=1):
            raise TurmsError(ResponseStatusCode.CREATE_EXISTING_FRIEND_REQUEST)
        request_id = self.s.ids.next_id()
        content = check_text(self.s.moderator, TextType.FRIEND_REQUEST_CONTENT, body.content)
        await self.store.insert_one(
            FRIEND_REQUEST,
            {
                "_id": request_id,
                "cnt": content,
                "stat": int(PENDING),
                "cd": now,
                "rrid": requester,
                "rtid": recipient,
            },
        )
        await versions.bump(self.store, [recipient], [versions.RECEIVED_FRIEND_REQUESTS], now)
        await versions.bump(self.store, [requester], [versions.SENT_FRIEND_REQUESTS], now)
        await push(
            self.s.notifier,
            req,
            [recipient] if self.s.settings.get(rs.FR_CREATED_RECIPIENT) else [],
            request=stored_relay(req.request, {"recipient_id": recipient, "content": content}),
            include_own_other_sessions=self.s.settings.get(rs.FR_CREATED_OWN),
        )
        return Response(data=turms_notification_pb2.TurmsNotification.Data(long=request_id))

    async def recall(self, req: ServiceRequest) -> Response:
        """DeleteFriendRequestRequest: the sender cancels a pending request."""
        if not self.s.settings.get(rs.ALLOW_RECALL_BY_SENDER):
            raise TurmsError(ResponseStatusCode.RECALLING_FRIEND_REQUEST_IS_DISABLED)
        request_id = req.body.request_id
        now = versions.ms_floor(req.now)
        doc = await self.store.find_one(FRIEND_REQUEST, {"_id": request_id})
        # Someone else's request answers the same as a missing one: its existence is not revealed.
        if doc is None or doc["rrid"] != req.requester.user_id:
            raise TurmsError(ResponseStatusCode.NOT_SENDER_TO_RECALL_FRIEND_REQUEST)
        self._check_pending(doc, now, ResponseStatusCode.RECALL_NON_PENDING_FRIEND_REQUEST)
        updated = await self.store.find_one_and_update(
            FRIEND_REQUEST,
            {"_id": request_id, **self._live_pending(now)},
            {"$set": {"stat": int(CANCELED), "adr": now}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise TurmsError(ResponseStatusCode.RECALL_NON_PENDING_FRIEND_REQUEST, "the request was answered meanwhile")
        await versions.bump(self.store, [int(doc["rtid"])], [versions.RECEIVED_FRIEND_REQUESTS], now)
        await versions.bump(self.store, [int(doc["rrid"])], [versions.SENT_FRIEND_REQUESTS], now)
        await push(
            self.s.notifier,
            req,
            [int(doc["rtid"])] if self.s.settings.get(rs.FR_RECALLED_RECIPIENT) else [],
            include_own_other_sessions=self.s.settings.get(rs.FR_RECALLED_OWN),
        )
        return OK

    def _check_pending(self, doc: dict[str, Any], now: datetime, code: ResponseStatusCode) -> None:
        status = int(doc.get("stat", PENDING))
        if status == PENDING and doc["cd"] <= self._expiry_cutoff(now):
            status = EXPIRED
        if status != PENDING:
            raise TurmsError(code, f"the request is {constant_pb2.RequestStatus.Name(status)}")

    async def reply(self, req: ServiceRequest) -> Response:
        """UpdateFriendRequestRequest: the recipient accepts, declines or ignores."""
        body = req.body
        replier = req.requester.user_id
        now = versions.ms_floor(req.now)
        new_status = _ACTION_TO_STATUS.get(body.response_action)
        if new_status is None:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "unknown response action")
        reason = body.reason if body.HasField("reason") else None
        limit = self.s.settings.get(rs.FRIEND_REQUEST_MAX_REASON_LENGTH)
        if reason is not None and len(reason) > limit:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"the reason is longer than {limit}")
        if reason is not None:
            reason = check_text(self.s.moderator, TextType.FRIEND_REQUEST_REASON, reason)
        doc = await self.store.find_one(FRIEND_REQUEST, {"_id": body.request_id})
        if doc is None or doc["rtid"] != replier:
            raise TurmsError(ResponseStatusCode.NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST)
        self._check_pending(doc, now, ResponseStatusCode.UPDATE_NON_PENDING_FRIEND_REQUEST)
        to_set: dict[str, Any] = {"stat": int(new_status), "adr": now}
        if reason is not None:
            to_set["rsn"] = reason
        # The status changes only if still pending and unexpired, so a concurrent recall or reply loses.
        updated = await self.store.find_one_and_update(
            FRIEND_REQUEST, {"_id": body.request_id, **self._live_pending(now)}, {"$set": to_set}
        )
        if updated is None:
            raise TurmsError(ResponseStatusCode.UPDATE_NON_PENDING_FRIEND_REQUEST, "the request changed meanwhile")
        sender = int(doc["rrid"])
        await versions.bump(self.store, [replier], [versions.RECEIVED_FRIEND_REQUESTS], now)
        await versions.bump(self.store, [sender], [versions.SENT_FRIEND_REQUESTS], now)
        added_for_sender: int | None = None
        added_for_replier: int | None = None
        if new_status == ACCEPTED:
            added_for_sender, added_for_replier = await relations.friend(self.store, sender, replier, now)
            await self.s.relationships.changed([sender, replier])
        settings = self.s.settings
        relay: dict[str, Any] = {"request_id": body.request_id, "response_action": body.response_action}
        if reason is not None:
            relay["reason"] = reason  # as stored (antispam may have masked it)
        await push(
            self.s.notifier,
            req,
            [sender] if settings.get(rs.FR_REPLIED_SENDER) else [],
            request=stored_relay(req.request, relay),
            include_own_other_sessions=settings.get(rs.FR_REPLIED_OWN),
        )
        if settings.get(rs.MEMBER_ADDED_NEW_MEMBER):
            # Turms's shape: each side is told of its new relationship as a relayed CreateRelationshipRequest.
            if added_for_sender is not None:
                await push(self.s.notifier, req, [sender], request=_create_relationship(sender, added_for_sender))
            if added_for_replier is not None:
                await push(
                    self.s.notifier,
                    req,
                    [],
                    request=_create_relationship(replier, added_for_replier),
                    include_own_other_sessions=settings.get(rs.MEMBER_ADDED_OWN),
                )
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        user = req.requester.user_id
        sent = body.are_sent_by_me
        field = versions.SENT_FRIEND_REQUESTS if sent else versions.RECEIVED_FRIEND_REQUESTS
        last = versions.optional_ms(body, "last_updated_date")
        version = await versions.check_version(self.store, user, last, field)
        docs = await self.store.find(
            FRIEND_REQUEST, {"rrid" if sent else "rtid": user}, sort=[("cd", -1)], limit=MAX_LISTED
        )
        if not docs:
            return Response(ResponseStatusCode.NO_CONTENT)
        expire_after = self.s.settings.get(rs.FRIEND_REQUEST_EXPIRE_AFTER_S)
        now = versions.ms_floor(req.now)
        result = model_user_pb2.UserFriendRequestsWithVersion()
        for doc in docs:
            result.user_friend_requests.append(to_proto(doc, expire_after, now))
        if version is not None:
            result.last_updated_date = versions.to_ms(version)
        return Response(data=turms_notification_pb2.TurmsNotification.Data(user_friend_requests_with_version=result))


def _create_relationship(user_id: int, group_index: int) -> TurmsRequest:
    request = TurmsRequest()
    request.create_relationship_request.CopyFrom(
        request_relationship_pb2.CreateRelationshipRequest(user_id=user_id, group_index=group_index)
    )
    return request
