"""``POST /messages``: send a message as the server (a system message) or on behalf of a user.

The message goes through the message service exactly as a client's CreateMessageRequest does
(:func:`turms.service.message.create.handle_create`): the same validation and limits, the same dense
per-conversation sequence id allocated with the insert, the ack only after the write is durable, then the same
push (the relayed CreateMessageRequest with the message id, delivery date and sequence id) to the other party or
the group's members and to the sender's online devices, through the routing bus. The request is made with
``Requester.is_admin`` set, which is what allows system messages.

Turms's body (``CreateMessageDTO``) and query (``send``, default true):

* ``isGroupMessage`` and ``targetId`` (the recipient or the group) are required.
* ``isSystemMessage``: a system message needs no relationship or membership check, and its ``senderId`` may be
  left out (stored and pushed as sender 0, Turms's admin requester id). Any other message is sent on behalf of
  ``senderId`` (required) and is checked like that user's own send: blocked, muted, not a member … answer the
  Turms code of the refusal.
* ``text`` and/or ``records`` (base64), ``burnAfter`` (s), ``preMessageId``, ``senderIp`` (stored when IPv4).
* ``referenceId`` forwards (clones the text and records of) that message, which the sender must have sent or
  received (else 5011); ``text`` and ``records`` are then ignored, as in the client protocol.
* ``send=false`` stores the message without pushing it.

Not supported: Turms's ``id`` (choose the message id) and ``senderDeviceType`` (a session to skip; an admin
send has none, so every online device of the sender gets the push when
``service.message.send_message_to_other_sender_online_devices`` is on). The delivery date is always server
time, as for client sends. The text is not run through the antispam filter, which screens what clients send.
Refusals that Turms maps to HTTP 510 ("turned off", e.g. messages to oneself) are answered 403 here: they refuse
the request, the server did not fail.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.permissions import AdminPermission
from turms.admin.routes import ApiError, Call, Param, Route, bad_request
from turms.admin.validation import array, int64, obj, string
from turms.clock import ms_to_datetime
from turms.cluster.adapters import BusNotifier, RegistryPresence
from turms.errors import TurmsError
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import Requester, ServiceRequest
from turms.service.context import Services
from turms.service.message.create import handle_create
from turms.service.message.model import MESSAGE_TAG, find_tagged, int_arg

TAG = "messages"
#: Turms's ``AdminConst.ADMIN_REQUESTER_ID``: the sender of a system message sent without a ``senderId``.
ADMIN_SENDER_ID = 0
INT32_MAX = 2**31 - 1
BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"

BODY = obj(
    {
        "isGroupMessage": {"type": "boolean", "description": "True: `targetId` is a group; false: a user."},
        "isSystemMessage": {
            "type": "boolean",
            "description": "A system message (default false): no relationship or membership check.",
        },
        "targetId": int64(1, description="The recipient's user id, or the group id."),
        "senderId": int64(
            1, description="The user the message is sent on behalf of. Required unless `isSystemMessage`."
        ),
        "senderIp": {
            **string(2, 45, description="Stored with the message when it is an IPv4 address."),
            "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}],
        },
        "text": string(0, 65536, description="At most `service.message.max_text_length` characters."),
        "records": array(
            string(0, 1 << 24, contentEncoding="base64", pattern=BASE64),
            max_items=1000,
            description="Binary records, base64 (at most `service.message.max_records` of them).",
        ),
        "burnAfter": int64(0, INT32_MAX, description="Seconds after reading that clients delete the message."),
        "referenceId": int64(1, description="Forward (clone) this message, which the sender sent or received."),
        "preMessageId": int64(description="The id of the message before this one, as the sender saw it."),
    },
    ("isGroupMessage", "targetId"),
)
# The rules the handler enforces beyond the validated keywords, stated for the document's readers and generators
# (``anyOf``, ``const``, ``format`` and ``pattern`` are documentation to :mod:`turms.admin.validation`).
BODY["allOf"] = [
    {
        "anyOf": [
            {"required": ["senderId"]},
            {"required": ["isSystemMessage"], "properties": {"isSystemMessage": {"const": True}}},
        ]
    },
    {
        "anyOf": [
            {"required": ["text"]},
            {"required": ["records"], "properties": {"records": {"minItems": 1}}},
            {"required": ["referenceId"]},
        ]
    },
]
BODY["examples"] = [
    {"isGroupMessage": False, "isSystemMessage": True, "targetId": 1, "text": "Maintenance tonight at 02:00 UTC."},
    {"isGroupMessage": True, "senderId": 1, "targetId": 2, "text": "Posted on behalf of user 1."},
]
RESULT = obj(
    {
        "id": int64(1),
        "sequenceId": {"type": "integer", "minimum": 1},
        "deliveryDate": {"type": "string", "format": "date-time"},
    },
    ("id", "sequenceId", "deliveryDate"),
)


def message_services(deps: AdminDeps) -> Services:
    """The worker's domain services, or (an admin API built without them, as in unit tests) services over the
    admin API's own store, settings, ids and bus.

    Those have no cluster events (the bus keeps one handler per event, the worker's), so their group member
    cache gets no invalidations: :func:`routes` reads the members from the store for each send then.
    """
    if deps.services is not None:
        return deps.services
    return Services(
        settings=deps.settings,
        store=deps.store,
        clock=deps.clock,
        ids=deps.ids,
        notifier=BusNotifier(deps.bus),
        presence=RegistryPresence(deps.registry),
    )


def _records(values: list[str]) -> list[bytes]:
    out = []
    for i, text in enumerate(values):
        try:
            out.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise bad_request(f"records[{i}]: not valid base64") from None
    return out


def create_request(body: dict[str, Any]) -> Any:
    """The client-protocol ``TurmsRequest`` (a CreateMessageRequest) equivalent to the admin's body."""
    req = turms_request_pb2.TurmsRequest(request_id=0)  # Turms's ADMIN_REQUEST_ID
    msg = req.create_message_request
    msg.SetInParent()
    if body.get("isSystemMessage"):
        msg.is_system_message = True
    if body["isGroupMessage"]:
        msg.group_id = body["targetId"]
    else:
        msg.recipient_id = body["targetId"]
    if "text" in body:
        msg.text = body["text"]
    msg.records.extend(_records(body.get("records", [])))
    if "burnAfter" in body:
        msg.burn_after = body["burnAfter"]
    if "preMessageId" in body:
        msg.pre_message_id = body["preMessageId"]
    if "referenceId" in body:
        msg.message_id = body["referenceId"]  # the client protocol's "forward this message"
    return req


def routes(deps: AdminDeps) -> list[Route]:
    services = message_services(deps)

    async def send_message(call: Call) -> dict[str, Any]:
        body = call.body
        is_system = bool(body.get("isSystemMessage", False))
        if "senderId" in body:
            sender = body["senderId"]
        elif is_system:
            sender = ADMIN_SENDER_ID
        else:
            raise bad_request("senderId is required unless isSystemMessage is true")
        ip = body.get("senderIp", "")
        if ip:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise bad_request("senderIp: not an IP address") from None
        if "text" not in body and not body.get("records") and "referenceId" not in body:
            raise bad_request("a message needs text or records (or a referenceId to forward)")
        request = create_request(body)
        req = ServiceRequest(
            requester=Requester(user_id=sender, device_type=0, session_id="", ip=ip, is_admin=True),
            request_id=0,
            request=request,
            kind="create_message_request",
            now=deps.clock.now(),
            trace_id=call.trace_id,
        )
        if body["isGroupMessage"] and services.events is None:
            # Read the members from the store: this cache gets no invalidations from the rest of the cluster.
            services.group_members.forget([body["targetId"]])
        try:
            response = await handle_create(services, req, push=call.query["send"])
        except TurmsError as e:
            if e.code.http_status == 510:
                # Turms's "turned off" refusals (e.g. messages to oneself): this request is refused, the server
                # did not fail.
                raise ApiError(e.code, e.reason, http_status=403) from None
            raise
        if response.code != Code.OK:
            raise TurmsError(response.code, response.reason)
        args = find_tagged(response.custom_attributes, MESSAGE_TAG) or []
        sequence_id, delivery_ms = int_arg(args, 0), int_arg(args, 1)
        assert sequence_id is not None and delivery_ms is not None, "the ack carries the sequence id and date"
        message_id = int(response.data.long)
        call.targets.append(message_id)
        return {
            "id": message_id,
            "sequenceId": sequence_id,
            "deliveryDate": ms_to_datetime(delivery_ms).isoformat(timespec="milliseconds"),
        }

    return [
        Route(
            "POST",
            "/messages",
            AdminPermission.MESSAGE_CREATE,
            "Send a message: a system message, or one on behalf of a user (checked like that user's send). "
            "Stored with the conversation's next sequence id, then pushed to the recipients.",
            send_message,
            TAG,
            params=(
                Param(
                    "send",
                    "bool",
                    "Push the message to the recipients (default true); false only stores it.",
                    default=True,
                ),
            ),
            body=BODY,
            response=RESULT,
            target_param=None,
        )
    ]
