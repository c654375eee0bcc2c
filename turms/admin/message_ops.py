"""One conversation's messages (``GET /conversations/messages``) and recalls (``POST /messages/recalls``).

``GET /messages`` filters messages by sender and target, which cannot name one private conversation (its
messages go both ways); this route takes the two users, or the group, and pages the conversation newest first
by sequence id (tombstones left out).

A recall goes through the message service exactly as a client's recall (UpdateMessageRequest with
``recall_date``, :func:`turms.service.message.update.handle_update`), made as an admin: the message is marked
recalled (queries return it without content), a RECALL system message takes the next sequence id of the
conversation, and both the relayed update and that system message are pushed to the recipients. Unlike a user,
an admin may recall any message (a system message too) at any time; ``service.message.allow_recall`` still
applies. Each id succeeds or fails on its own; the answer lists both.
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.messages import ADMIN_SENDER_ID, message_services
from turms.admin.paging import page_result, page_schema, page_window
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, bad_request, paging_params
from turms.admin.validation import int64, obj
from turms.clock import datetime_to_ms
from turms.errors import TurmsError
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import Requester, ServiceRequest
from turms.service.message.model import MESSAGE, group_conversation_id, private_conversation_id
from turms.service.message.update import handle_update

TAG = "messages"

MESSAGE_RECORD = obj(
    {
        "id": int64(),
        "sequenceId": {"type": "integer"},
        "isGroupMessage": {"type": "boolean"},
        "isSystemMessage": {"type": "boolean"},
        "senderId": int64(),
        "targetId": int64(),
        "text": {"type": "string"},
        "recordCount": {"type": "integer"},
        "deliveryDate": {"type": "string", "format": "date-time"},
        "modificationDate": {"type": "string", "format": "date-time"},
        "recallDate": {"type": "string", "format": "date-time"},
        "referenceId": int64(),
    },
    ("id", "isGroupMessage", "senderId", "targetId", "deliveryDate"),
)
RECALL_RESULT = obj(
    {
        "recalledIds": {"type": "array", "items": int64()},
        "failures": {
            "type": "array",
            "items": obj(
                {"id": int64(), "code": {"type": "integer"}, "reason": {"type": "string"}}, ("id", "code", "reason")
            ),
        },
    },
    ("recalledIds", "failures"),
)


def message_json(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": doc["_id"],
        "isGroupMessage": bool(doc.get("gm")),
        "isSystemMessage": bool(doc.get("sm")),
        "senderId": doc.get("sid", 0),
        "targetId": doc.get("tid", 0),
        "deliveryDate": doc["dyd"],
        "recordCount": len(doc.get("rec") or ()),
    }
    for name, short in (
        ("sequenceId", "sqid"),
        ("text", "txt"),
        ("modificationDate", "md"),
        ("recallDate", "rd"),
        ("referenceId", "rid"),
    ):
        if doc.get(short) is not None:
            out[name] = doc[short]
    return out


def routes(deps: AdminDeps) -> list[Route]:
    store, settings = deps.store, deps.settings
    services = message_services(deps)

    async def conversation(call: Call) -> dict[str, Any]:
        q = call.query
        users: list[int] | None = q.get("userIds")
        group: int | None = q.get("groupId")
        if (users is None) == (group is None):
            raise bad_request("name either userIds (the two users of a private conversation) or groupId")
        if users is not None:
            if len(users) != 2:
                raise bad_request("userIds: a private conversation has exactly two (different) users")
            cid = private_conversation_id(users[0], users[1])
        else:
            assert group is not None
            cid = group_conversation_id(group)
        flt = {"cid": cid, "tomb": {"$ne": True}}
        skip, limit = page_window(call, settings)
        docs = await store.find(MESSAGE, flt, sort=[("sqid", -1)], skip=skip, limit=limit)
        return page_result(await store.count(MESSAGE, flt), [message_json(d) for d in docs])

    async def recall_one(call: Call, message_id: int) -> None:
        request = turms_request_pb2.TurmsRequest(request_id=0)  # Turms's ADMIN_REQUEST_ID
        update = request.update_message_request
        update.message_id = message_id
        now = deps.clock.now()
        update.recall_date = datetime_to_ms(now)
        if services.events is None:
            # Read group members from the store: this cache gets no invalidations from the rest of the cluster.
            doc = await store.find_one(MESSAGE, {"_id": message_id}, projection={"gm": 1, "tid": 1})
            if doc is not None and doc.get("gm"):
                services.group_members.forget([doc["tid"]])
        req = ServiceRequest(
            requester=Requester(user_id=ADMIN_SENDER_ID, device_type=0, session_id="", is_admin=True),
            request_id=0,
            request=request,
            kind="update_message_request",
            now=now,
            trace_id=call.trace_id,
        )
        response = await handle_update(services, req)
        if response.code != Code.OK:
            raise TurmsError(response.code, response.reason)

    async def recall(call: Call) -> dict[str, Any]:
        recalled: list[int] = []
        failures: list[dict[str, Any]] = []
        for message_id in call.query["ids"]:
            try:
                await recall_one(call, message_id)
            except TurmsError as e:
                failures.append({"id": message_id, "code": int(e.code), "reason": e.reason or e.code.meaning})
            else:
                recalled.append(message_id)
        return {"recalledIds": recalled, "failures": failures}

    return [
        Route(
            "GET",
            "/conversations/messages",
            AdminPermission.MESSAGE_QUERY,
            "The messages of one conversation, newest first: a private one (`userIds`, its two users) or a "
            "group's (`groupId`).",
            conversation,
            TAG,
            params=(
                Param("userIds", "int[]", "The two users of a private conversation."),
                Param("groupId", "int", "The group of a group conversation."),
                *paging_params(),
            ),
            response=page_schema(MESSAGE_RECORD),
        ),
        Route(
            "POST",
            "/messages/recalls",
            AdminPermission.MESSAGE_UPDATE,
            "Recall messages as an admin (any message, at any time), through the message service: each is "
            "marked recalled, a RECALL system message is stored in its conversation, and both are pushed.",
            recall,
            TAG,
            params=(Param("ids", "int[]", "Ids of the messages to recall.", required=True),),
            response=RECALL_RESULT,
        ),
    ]
