"""CreateMessageRequest: validate, check, store once with a dense sequence id, ack, then push.

Delivery contract (docs/protocol.md, docs/reliability.md): the message is inserted with
``insert_with_sequence`` (the conversation's next ``sqid`` allocated atomically with the insert); the ack (code
1000, ``data.long`` = message id, and the :data:`~turms.service.message.model.MESSAGE_TAG` attribute with the
sequence id and delivery date) is built only after that write returned, i.e. is durable; the push to the
recipients and the sender's other sessions follows. Pushes are best-effort: clients recover anything missed by
pulling from their last sequence id.

Idempotency (a retried send carrying the same key returns the original ack):

1. the first attempt *claims* the key by inserting ``messageIdempotency`` ``{_id: {sid, dev, cmid}}`` with a
   freshly allocated message id ``mid`` (a unique insert: exactly one claim per key), in the same store call as
   the message itself (``insert_with_sequence(..., claim=...)``: one write per send; on SQLite one transaction,
   so a claim is never stored without its message);
2. an attempt whose claim is refused (the key is taken) reads the claim and then the message by the claimed
   ``mid`` (point reads) and answers the original ack;
3. if the claim has no message yet (an attempt still running on another worker, or one that died between
   the two writes on MongoDB), the attempt creates the message under that same ``mid``. The message ``_id`` is
   unique, so at most one insert can ever succeed: a concurrent second attempt gets a duplicate key and
   answers the winner's ack.

A claim whose message was never created (its worker died, the store failed) never blocks: the next retry
simply creates the message under the claimed id. Claims expire 24 h after creation (TTL on ``cd``); a key
reused after that creates a new message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from turms.clock import datetime_to_ms
from turms.errors import TurmsError
from turms.plugins.api import MessageContent, OfflineMessage, Refuse
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType, check_text
from turms.service.api import Response, ServiceRequest
from turms.service.context import Services
from turms.service.message import policy
from turms.service.message.model import (
    IDEMPOTENCY,
    IDEMPOTENCY_TAG,
    MESSAGE,
    MESSAGE_TAG,
    conversation_id,
    find_tagged,
    ip_to_int,
    sequence_key,
    tagged,
    tombstone,
    without_tag,
)
from turms.service.push import relayed
from turms.settings import message as message_settings
from turms.storage.errors import DuplicateKeyError

log = logging.getLogger("turms.service.message")


#: A success response whose ``custom_attributes`` carry the sequence id and delivery date of the stored
#: message, as :data:`MESSAGE_TAG`.
MessageAck = Response


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored message: what the ack and the pushes need."""

    message_id: int
    sequence_id: int
    delivery_date: datetime
    doc: dict[str, Any]


def ack(message_id: int, sequence_id: int, delivery_date: datetime) -> MessageAck:
    data = turms_notification_pb2.TurmsNotification.Data(long=message_id)
    return MessageAck(
        Code.OK,
        None,
        data,
        custom_attributes=(tagged(MESSAGE_TAG, sequence_id, datetime_to_ms(delivery_date)),),
    )


def idempotency_key(req: ServiceRequest, max_length: int) -> str | None:
    args = find_tagged(req.request.custom_attributes, IDEMPOTENCY_TAG)
    if args is None:
        return None
    if len(args) != 1 or args[0].WhichOneof("kind") != "string_value":
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the idempotency key must be one string")
    key = str(args[0].string_value)
    if not 1 <= len(key) <= max_length or not key.isprintable():
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the idempotency key must be 1-{max_length} printable characters")
    return key


def validate_content(services: Services, text: str | None, records: list[bytes]) -> None:
    s = services.settings
    if text is not None and len(text) > s.get(message_settings.MAX_TEXT_LENGTH):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the text is too long")
    if len(records) > s.get(message_settings.MAX_RECORDS):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "too many records")
    if sum(len(r) for r in records) > s.get(message_settings.MAX_RECORDS_BYTES):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the records are too large")


async def store_message(
    services: Services,
    *,
    message_id: int,
    sender_id: int,
    target_id: int,
    is_group: bool,
    is_system: bool,
    now: datetime,
    text: str | None = None,
    records: list[bytes] | None = None,
    sender_ip: str = "",
    burn_after: int | None = None,
    reference_id: int | None = None,
    pre_message_id: int | None = None,
    claim: dict[str, Any] | None = None,
) -> Stored:
    """Insert one message with the conversation's next sequence id; returns once the write is durable.

    ``claim``: the idempotency record inserted with it (:class:`DuplicateKeyError` if the key is taken)."""
    cid = conversation_id(is_group, sender_id, target_id)
    doc: dict[str, Any] = {
        "_id": message_id,
        "cid": cid,
        "gm": is_group,
        "sm": is_system,
        "dyd": now,
        "sid": sender_id,
        "tid": target_id,
    }
    if text is not None:
        doc["txt"] = text
    if records:
        doc["rec"] = list(records)
    ip = ip_to_int(sender_ip) if sender_ip else None
    if ip is not None:
        doc["sip"] = ip
    if burn_after is not None:
        doc["bf"] = burn_after
    if reference_id is not None:
        doc["rid"] = reference_id
    if pre_message_id is not None:
        doc["pmid"] = pre_message_id
    # Only MongoDB writes the tombstone (when its insert fails after the counter moved); it keeps the
    # sequence dense and is skipped by readers.
    seq = await services.store.insert_with_sequence(
        MESSAGE,
        doc,
        counter_key=sequence_key(cid),
        field="sqid",
        tombstone=tombstone(services.ids.next_id(), cid, now),
        claim=None if claim is None else (IDEMPOTENCY, claim),
    )
    doc["sqid"] = seq
    return Stored(message_id, seq, now, doc)


def push_payload(req: ServiceRequest, body: Any, stored: Stored) -> bytes:
    """The relayed CreateMessageRequest as Turms sends it (``message_id`` and ``delivery_date`` filled in),
    without the sender's idempotency key, with :data:`MESSAGE_TAG` (sequence id, delivery date)."""
    relay = turms_request_pb2.TurmsRequest()
    # The client's own attributes travel on; a forged sequence id (a client's turms:message) does not.
    relay.custom_attributes.extend(
        without_tag(without_tag(req.request.custom_attributes, IDEMPOTENCY_TAG), MESSAGE_TAG)
    )
    relay.custom_attributes.append(tagged(MESSAGE_TAG, stored.sequence_id, datetime_to_ms(stored.delivery_date)))
    relay.create_message_request.CopyFrom(body)
    relay.create_message_request.message_id = stored.message_id
    relay.create_message_request.delivery_date = datetime_to_ms(stored.delivery_date)
    return relayed(relay, req.requester.user_id, datetime_to_ms(req.now))


async def deliver(
    services: Services, req: ServiceRequest, payload: bytes, *, is_group: bool, target_id: int, sender_id: int
) -> set[int]:
    """Push ``payload`` to the conversation's other party or members and the sender's other sessions; return the
    users it was pushed to (the sender among them when its other sessions are told)."""
    s = services.settings
    own = s.get(message_settings.SEND_TO_OTHER_SENDER_DEVICES)
    if is_group:
        members = set(await services.group_members.get(target_id))
    else:
        members = {target_id}
    if own:
        members.add(sender_id)
    else:
        members.discard(sender_id)
    if not members:
        return members
    threshold = s.get(message_settings.BROADCAST_MEMBER_THRESHOLD)
    try:
        await services.notifier.notify(
            members,
            payload,
            exclude_session=req.requester.session_id,
            trace_id=req.trace_id,
            broadcast=is_group and len(members) > threshold,
        )
    except Exception as e:
        # The message is stored and acked: recipients will pull it. A push failure must not fail the send.
        # No traceback: under overload (Redis pool exhausted) formatting one per message cost a quarter of
        # the worker's CPU (py-spy, docs/benchmarks.md) and deepened the overload.
        log.warning("pushing message to %d users failed: %s: %s", len(members), type(e).__name__, e)
    return members


async def check_with_plugins(
    services: Services,
    *,
    sender_id: int,
    target_id: int,
    is_group: bool,
    text: str | None,
    records: list[bytes],
    message_id: int | None = None,
) -> str | None:
    """The plugins' ``check_message`` (after antispam): the text to store, or :class:`TurmsError` for a refusal
    (SERVER_UNAVAILABLE when a checker failed: content checks fail closed)."""
    verdict = await services.plugins.check_message(
        MessageContent(sender_id, target_id, is_group, text, tuple(records), message_id)
    )
    if verdict is None:
        return text
    if isinstance(verdict, Refuse):
        code = Code.from_code(int(verdict.code))
        if code is None or code.is_success:  # a refusal refuses
            code = Code.MESSAGE_IS_ILLEGAL
        raise TurmsError(code, verdict.reason)
    validate_content(services, verdict.text, records)
    return verdict.text


async def _offline_push(services: Services, req: ServiceRequest, stored: Stored, recipients: frozenset[int]) -> None:
    """Tell the ``on_offline_recipients`` plugins which recipients of a stored message had no session (run in
    the background: the presence lookup and the plugins never delay the ack)."""
    statuses = await services.presence.statuses(recipients)
    offline = frozenset(uid for uid in recipients if statuses.get(uid, (None, []))[0] is None)
    if not offline:
        return
    doc = stored.doc
    text = doc.get("txt")
    message = OfflineMessage(
        message_id=stored.message_id,
        sequence_id=stored.sequence_id,
        sender_id=doc["sid"],
        target_id=doc["tid"],
        is_group=bool(doc["gm"]),
        is_system=bool(doc["sm"]),
        delivery_date_ms=datetime_to_ms(stored.delivery_date),
        text=text,
        record_count=len(doc.get("rec", ())),
        recipient_ids=recipients,
        offline_recipient_ids=offline,
        trace_id=req.trace_id,
    )
    await services.plugins.deliver(services.plugins.offline_handlers, message)


async def _lookup_ack(services: Services, message_id: int) -> MessageAck | None:
    doc = await services.store.find_one(MESSAGE, {"_id": message_id}, projection={"sqid": 1, "dyd": 1})
    return None if doc is None else ack(message_id, doc["sqid"], doc["dyd"])


async def _claimed(services: Services, key_id: dict[str, Any]) -> tuple[int, MessageAck | None]:
    """The key is taken: (the message id its claim fixed, the original ack if that message is stored)."""
    claim = await services.store.find_one(IDEMPOTENCY, {"_id": key_id})
    if claim is None or "mid" not in claim:
        # Purged between our insert and read (TTL); or a foreign record: refuse rather than guess.
        raise TurmsError(Code.SERVER_UNAVAILABLE, "the idempotency record changed; retry")
    return claim["mid"], await _lookup_ack(services, claim["mid"])


async def handle_create(
    services: Services, req: ServiceRequest, *, push: bool = True, defer_push: bool = False
) -> Response:
    """Validate, check, store and ack a CreateMessageRequest, then push it (unless ``push`` is false: the admin
    API's ``send=false`` stores a message without notifying anyone).

    ``defer_push``: return the ack with the push as its :attr:`~turms.service.api.Response.after_sent`, for the
    caller to run once the ack is written (the gateway: the sender's ack does not wait for the fan-out).
    Otherwise the push is done before this returns."""
    body = req.body
    s = services.settings
    sender = req.requester.user_id
    if body.HasField("is_system_message") and body.is_system_message and not req.requester.is_admin:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "users cannot send system messages")
    is_system = bool(body.is_system_message) and req.requester.is_admin
    is_group = body.HasField("group_id")
    if is_group and body.HasField("recipient_id"):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "set either group_id or recipient_id")
    if not is_group and not body.HasField("recipient_id"):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the recipient_id must be set for private messages")
    target = body.group_id if is_group else body.recipient_id
    if target <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the target id must be positive")
    if body.HasField("burn_after") and body.burn_after < 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "burn_after must not be negative")
    if body.HasField("delivery_date"):
        skew = timedelta(seconds=s.get(message_settings.MAX_DELIVERY_DATE_SKEW_S))
        if body.delivery_date > datetime_to_ms(req.now + skew):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the delivery date must not be in the future")

    forwarded: dict[str, Any] | None = None
    if body.HasField("message_id"):
        forwarded = await _forwardable(services, sender, body.message_id)
        text = forwarded.get("txt")
        records = list(forwarded.get("rec", ()))
    else:
        text = body.text if body.HasField("text") else None
        records = list(body.records)
        if text is None and not records:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "a message needs text or records")
        validate_content(services, text, records)
        if text is not None:
            # Rejects (5010), masks, or silently drops (OK, nothing stored) per the antispam settings.
            text = check_text(services.moderator, TextType.MESSAGE_TEXT, text)

    key = idempotency_key(req, s.get(message_settings.IDEMPOTENCY_KEY_MAX_LENGTH))

    def send() -> Awaitable[Response]:
        return _send(
            services,
            req,
            body,
            sender=sender,
            target=target,
            is_group=is_group,
            is_system=is_system,
            text=text,
            records=records,
            forwarded=forwarded,
            key=key,
            push=push,
            defer_push=defer_push,
        )

    if key is None:
        return await send()
    # A retry of an attempt still running here waits for its ack (see turms.service.single_flight).
    return await services.sends_in_flight.run((sender, req.requester.device_type, key), send)


async def _send(
    services: Services,
    req: ServiceRequest,
    body: Any,
    *,
    sender: int,
    target: int,
    is_group: bool,
    is_system: bool,
    text: str | None,
    records: list[bytes],
    forwarded: dict[str, Any] | None,
    key: str | None,
    push: bool = True,
    defer_push: bool = False,
) -> Response:
    """Check the sender may send, claim the idempotency key, store, ack, push (the validated request)."""
    s = services.settings
    if not is_system:
        if is_group:
            await policy.check_group_send(services.store, sender, target, req.now)
        else:
            await policy.check_private_send(services.store, s, sender, target, services.relationships.get)
    if forwarded is None and services.plugins.content_checkers:
        # After the sender is known to be allowed: a plugin may call out (a moderation service).
        text = await check_with_plugins(
            services, sender_id=sender, target_id=target, is_group=is_group, text=text, records=records
        )

    def store(mid: int, claim: dict[str, Any] | None) -> Awaitable[Stored]:
        return store_message(
            services,
            message_id=mid,
            sender_id=sender,
            target_id=target,
            is_group=is_group,
            is_system=is_system,
            now=req.now,
            text=text,
            records=records,
            sender_ip=req.requester.ip,
            burn_after=body.burn_after if body.HasField("burn_after") else None,
            reference_id=forwarded["_id"] if forwarded is not None else None,
            pre_message_id=body.pre_message_id if body.HasField("pre_message_id") else None,
            claim=claim,
        )

    mid = services.ids.next_id()
    if key is None:
        stored = await store(mid, None)
    else:
        key_id = {"sid": sender, "dev": req.requester.device_type, "cmid": key}
        try:
            # One write: the claim and the message together (the common case, a first attempt).
            stored = await store(mid, {"_id": key_id, "mid": mid, "cd": req.now})
        except DuplicateKeyError:
            # The key is taken: a retry. Answer the original, or store the message under the claimed id.
            mid, original = await _claimed(services, key_id)
            if original is not None:
                return original
            try:
                stored = await store(mid, None)
            except DuplicateKeyError:
                # A concurrent attempt with the same key stored the message under the claimed id first.
                original = await _lookup_ack(services, mid)
                if original is None:
                    raise
                return original

    response = ack(stored.message_id, stored.sequence_id, stored.delivery_date)
    if not push:
        return response
    relay_body = body
    # The push carries what was stored: a forwarded message's content, or the text as antispam or a plugin changed it.
    if forwarded is not None or (text is not None and text != body.text):
        relay_body = type(body)()
        relay_body.CopyFrom(body)
        if text is not None:
            relay_body.text = text
        if forwarded is not None:
            del relay_body.records[:]
            relay_body.records.extend(records)
    payload = push_payload(req, relay_body, stored)
    pushed = False

    async def push_once() -> None:
        # Once: retries that joined this attempt (turms.service.single_flight) get this same ack.
        nonlocal pushed
        if pushed:
            return
        pushed = True
        pushed_to = await deliver(services, req, payload, is_group=is_group, target_id=target, sender_id=sender)
        if services.plugins.offline_handlers:  # the recipient set is built only for plugins that want it
            recipients = frozenset(pushed_to) - {sender}
            if recipients:
                services.plugins.spawn(
                    _offline_push(services, req, stored, recipients), services.plugins.offline_handlers
                )

    if defer_push:
        response.after_sent = push_once
    else:
        await push_once()
    return response


async def _forwardable(services: Services, requester: int, message_id: int) -> dict[str, Any]:
    """The message to forward, if ``requester`` sent or received it (else 5011, as Turms)."""
    doc = await services.store.find_one(MESSAGE, {"_id": message_id})
    if doc is None or doc.get("tomb") or "rd" in doc:
        raise TurmsError(Code.NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE)
    if doc.get("sid") == requester:
        return doc
    if doc.get("gm"):
        if await policy.is_member(services.store, doc["tid"], requester):
            return doc
    elif doc.get("tid") == requester:
        return doc
    raise TurmsError(Code.NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE)
