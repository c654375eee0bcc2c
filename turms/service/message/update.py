"""UpdateMessageRequest: edit by the sender, or recall (``recall_date`` set) within the recall window (an
admin, through the admin API, recalls any message at any time).

A recall marks the message (``rd``; queries then return it without content) and creates a RECALL system
message in the same conversation — ``records[0]`` = the type byte 1, ``records[1]`` = the recalled id as 8
big-endian bytes — with its own sequence id. Both the relayed UpdateMessageRequest (what Turms clients
expect) and the system message (what keeps sequence-syncing clients complete) are pushed to the recipients
and the sender's other sessions. An edit changes ``txt``/``rec`` and ``md``; it keeps the sequence id, so
clients learn about it from the push or by querying the message again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from turms.clock import datetime_to_ms
from turms.errors import TurmsError
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SystemMessageType
from turms.security.antispam import TextType, check_text
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.message import policy
from turms.service.message.create import deliver, push_payload, store_message, validate_content
from turms.service.message.model import MESSAGE
from turms.service.push import relayed, stored_relay
from turms.settings import message as message_settings

log = logging.getLogger("turms.service.message")


async def handle_update(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    if body.message_id <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "message_id must be positive")
    if body.HasField("recall_date"):
        return await _recall(services, req, body)
    if not body.HasField("text") and not body.records:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "nothing to update")
    return await _edit(services, req, body)


async def _message(services: Services, message_id: int) -> dict[str, Any] | None:
    doc = await services.store.find_one(MESSAGE, {"_id": message_id})
    return None if doc is None or doc.get("tomb") else doc


async def _edit(services: Services, req: ServiceRequest, body: Any) -> Response:
    s = services.settings
    if not s.get(message_settings.ALLOW_EDIT_BY_SENDER):
        raise TurmsError(Code.UPDATING_MESSAGE_BY_SENDER_IS_DISABLED)
    text = body.text if body.HasField("text") else None
    records = list(body.records)
    validate_content(services, text, records)
    if text is not None:
        text = check_text(services.moderator, TextType.MESSAGE_TEXT, text)
    doc = await _message(services, body.message_id)
    if doc is None or doc.get("sid") != req.requester.user_id or doc.get("sm") or "rd" in doc:
        # Turms answers "not the sender" for a message that is not (or no longer) the requester's to edit.
        raise TurmsError(Code.NOT_SENDER_TO_UPDATE_MESSAGE)
    if doc.get("gm"):
        group = await policy.find_group(services.store, doc["tid"])
        if group is None:
            raise TurmsError(Code.UPDATE_MESSAGE_OF_NONEXISTENT_GROUP)
        if not group.messages_editable:
            raise TurmsError(Code.UPDATING_GROUP_MESSAGE_BY_SENDER_IS_DISABLED)
    changes: dict[str, Any] = {"md": req.now}
    if text is not None:
        changes["txt"] = text
    if records:
        changes["rec"] = records
    await services.store.update_one(MESSAGE, {"_id": doc["_id"]}, {"$set": changes})
    if s.get(message_settings.NOTIFY_ON_UPDATE):
        relay: dict[str, Any] = {"message_id": body.message_id}
        if text is not None:
            relay["text"] = text  # as stored (antispam may have masked it)
        if records:
            relay["records"] = records
        payload = relayed(stored_relay(req.request, relay), req.requester.user_id, datetime_to_ms(req.now))
        await deliver(services, req, payload, is_group=bool(doc.get("gm")), target_id=doc["tid"], sender_id=doc["sid"])
    return OK


async def _recall(services: Services, req: ServiceRequest, body: Any) -> Response:
    s = services.settings
    if not s.get(message_settings.ALLOW_RECALL):
        raise TurmsError(Code.RECALLING_MESSAGE_IS_DISABLED)
    doc = await _message(services, body.message_id)
    if doc is None:
        raise TurmsError(Code.RECALL_NONEXISTENT_MESSAGE)
    # An admin (the admin API's recall) may recall any message at any time, as Turms's admin API can; a user only
    # their own, not a system message, within the window.
    if not req.requester.is_admin:
        if doc.get("sid") != req.requester.user_id or doc.get("sm"):
            raise TurmsError(Code.NOT_SENDER_TO_RECALL_MESSAGE)
        window = timedelta(seconds=s.get(message_settings.RECALL_WINDOW_S))
        if req.now - doc["dyd"] > window:
            raise TurmsError(Code.MESSAGE_RECALL_TIMEOUT)
    is_group = bool(doc.get("gm"))
    if is_group and await policy.find_group(services.store, doc["tid"]) is None:
        raise TurmsError(Code.RECALL_MESSAGE_OF_NONEXISTENT_GROUP)
    if "rd" in doc:
        return OK  # recalled already: the system message exists, nothing more to do
    # Only the first recall wins the update; a concurrent second one does not create a second notice.
    result = await services.store.update_one(
        MESSAGE, {"_id": doc["_id"], "rd": {"$exists": False}}, {"$set": {"rd": req.now}}
    )
    if result.modified == 0:
        return OK
    records = [SystemMessageType.RECALL.as_record(), doc["_id"].to_bytes(8, "big", signed=True)]
    stored = await store_message(
        services,
        message_id=services.ids.next_id(),
        sender_id=doc["sid"],
        target_id=doc["tid"],
        is_group=is_group,
        is_system=True,
        now=req.now,
        records=records,
        reference_id=doc["_id"],
    )
    if s.get(message_settings.NOTIFY_ON_UPDATE):
        update_payload = relayed(req.request, req.requester.user_id, datetime_to_ms(req.now))
        await deliver(services, req, update_payload, is_group=is_group, target_id=doc["tid"], sender_id=doc["sid"])
    system = turms_request_pb2.TurmsRequest()
    cm = system.create_message_request
    cm.is_system_message = True
    if is_group:
        cm.group_id = doc["tid"]
    else:
        cm.recipient_id = doc["tid"]
    cm.records.extend(records)
    await deliver(
        services,
        req,
        push_payload(_as_request(req, system), cm, stored),
        is_group=is_group,
        target_id=doc["tid"],
        sender_id=doc["sid"],
    )
    return OK


def _as_request(req: ServiceRequest, request: Any) -> ServiceRequest:
    return ServiceRequest(req.requester, req.request_id, request, "create_message_request", req.now, req.trace_id)
