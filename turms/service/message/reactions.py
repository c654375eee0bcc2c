"""Reactions: CreateMessageReactionsRequest and DeleteMessageReactionsRequest (beyond Turms, whose server refuses
both kinds as unpublished).

A reaction is a (user, type) pair on a message; a type is a non-negative int32 the clients agree on (an emoji's
index, say). Adding a pair that exists, or removing one that does not, changes nothing and succeeds: both
requests are idempotent, so a client retries them freely.

Who may react: the participants of the message's conversation. For a private message, its sender or recipient,
unless the other one has blocked the requester (BLOCKED_USER_SEND_PRIVATE_MESSAGE, 5002). For a group message, a
member whom the group's rules let speak now: the codes of :func:`~turms.service.message.policy.check_group_send`
(muted group 5005, muted member 5008, inactive group 5004, guests of a type without guest speech 5009, ...). A
message that does not exist, is a tombstone, was recalled or that the requester cannot read is
RESOURCE_NOT_FOUND (1302) alike, so nothing is learned about messages one cannot read. Limits
(``service.message.reaction.*``): distinct types on a message, and types per user on a message; a change that
would pass one is ILLEGAL_ARGUMENT and changes nothing.

Storage: the message document itself holds its reactions (``rx``: type as a string -> user ids in reaction
order), the date of the last change (``rxd``, never moving backwards) and a version (``rxv``). A change reads the
message, computes the new map and the limits in full, and writes it with a compare-and-set on the version: one
atomic single-document write on both adapters, so a count can never disagree with the users it counts. A writer
that loses the race reads again and retries (at most :data:`MAX_ATTEMPTS` times, then SERVER_UNAVAILABLE, which
clients retry).

Answers and pushes (docs/protocol.md, "Reactions"): the ack and the relayed request carry
:data:`~turms.service.message.model.REACTION_TAG` (when, and the message's conversation) and
:data:`~turms.service.message.model.REACTION_COUNTS_TAG` (every type's count after the change); the relayed
request names only the types that changed. A change is pushed to the conversation's participants
(``notify_participants``) and to the requester's other devices (``notify_requester_other_online_sessions``); a
request that changed nothing pushes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from turms.clock import datetime_to_ms
from turms.errors import TurmsError
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import Response, ServiceRequest
from turms.service.context import Services
from turms.service.message import policy
from turms.service.message.model import (
    MESSAGE,
    REACTION_COUNTS_TAG,
    REACTION_TAG,
    reaction_types,
    tagged,
    without_tag,
)
from turms.service.push import relayed
from turms.settings import message as message_settings

log = logging.getLogger("turms.service.message")

#: Compare-and-set attempts of one change before it is answered SERVER_UNAVAILABLE (a hot message).
MAX_ATTEMPTS = 16
INT32_MAX = 2**31 - 1
_NOT_FOUND = "no such message"


@dataclass(frozen=True, slots=True)
class Change:
    """The outcome of a reaction change: the message as stored after it, and what changed."""

    doc: dict[str, Any]
    #: (user id, type) pairs added or removed.
    changed: tuple[tuple[int, int], ...]

    @property
    def date(self) -> datetime | None:
        value = self.doc.get("rxd")
        return value if isinstance(value, datetime) else None


def counts(doc: dict[str, Any]) -> dict[int, int]:
    return {rtype: len(users) for rtype, users in sorted(reaction_types(doc).items())}


def attributes(doc: dict[str, Any]) -> tuple[Any, Any]:
    """:data:`REACTION_TAG` and :data:`REACTION_COUNTS_TAG` of the message as it is stored."""
    date = doc.get("rxd")
    date_ms = datetime_to_ms(date) if isinstance(date, datetime) else 0
    group_id = doc["tid"] if doc.get("gm") else 0
    where = tagged(REACTION_TAG, date_ms, group_id, int(doc.get("sid", 0)), int(doc.get("tid", 0)))
    pairs: list[int | str] = []
    for rtype, count in counts(doc).items():
        pairs += [rtype, count]
    return where, tagged(REACTION_COUNTS_TAG, *pairs)


def _types(body: Any, most: int) -> list[int]:
    types = list(dict.fromkeys(body.reaction_types))
    if not types:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "name at least one reaction type")
    if any(not 0 <= t <= INT32_MAX for t in types):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "reaction types are non-negative")
    if len(types) > most:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"at most {most} reaction types per request")
    return types


async def readable_message(services: Services, requester: int, message_id: int) -> dict[str, Any]:
    """The message, if it exists and ``requester`` takes part in its conversation; else RESOURCE_NOT_FOUND."""
    doc = await services.store.find_one(MESSAGE, {"_id": message_id})
    if doc is None or doc.get("tomb") or "rd" in doc:
        raise TurmsError(Code.RESOURCE_NOT_FOUND, _NOT_FOUND)
    if doc.get("gm"):
        if not await policy.is_member(services.store, doc["tid"], requester):
            raise TurmsError(Code.RESOURCE_NOT_FOUND, _NOT_FOUND)
    elif requester not in (doc.get("sid"), doc.get("tid")):
        raise TurmsError(Code.RESOURCE_NOT_FOUND, _NOT_FOUND)
    return doc


async def check_may_react(services: Services, requester: int, doc: dict[str, Any], now: datetime) -> None:
    """Raise the code that refuses ``requester`` changing its reactions on ``doc`` (a message it can read)."""
    if doc.get("gm"):
        await policy.check_group_send(services.store, requester, doc["tid"], now)
        return
    other = doc.get("tid") if doc.get("sid") == requester else doc.get("sid")
    if other and other != requester and await policy.is_blocked_by(services.store, other, requester):
        raise TurmsError(Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE, "the other user has blocked you")


def _edit(
    rx: dict[int, list[int]], user_ids: list[int] | None, types: list[int] | None, add: bool
) -> list[tuple[int, int]]:
    """Apply the change to ``rx`` in place; the (user, type) pairs that changed. Adding needs ``user_ids``
    (one user) and ``types``; removing with None removes every user or type."""
    changed: list[tuple[int, int]] = []
    if add:
        assert user_ids is not None and types is not None
        for uid in user_ids:
            for t in types:
                users = rx.setdefault(t, [])
                if uid not in users:
                    users.append(uid)
                    changed.append((uid, t))
        return changed
    for t in list(rx) if types is None else types:
        present = rx.get(t)
        if not present:
            continue
        keep = [] if user_ids is None else [u for u in present if u not in user_ids]
        changed += [(u, t) for u in present if u not in keep]
        if keep:
            rx[t] = keep
        else:
            del rx[t]
    return changed


def _check_limits(settings: Any, rx: dict[int, list[int]], user_id: int) -> None:
    most_types = settings.get(message_settings.REACTION_MAX_TYPES_PER_MESSAGE)
    if len(rx) > most_types:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"a message carries at most {most_types} reaction types")
    most_own = settings.get(message_settings.REACTION_MAX_PER_USER_PER_MESSAGE)
    if sum(1 for users in rx.values() if user_id in users) > most_own:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"at most {most_own} reactions per user on a message")


async def apply(
    services: Services,
    doc: dict[str, Any],
    now: datetime,
    *,
    add: bool,
    user_ids: list[int] | None,
    types: list[int] | None,
) -> Change:
    """Add (one user's) or remove reactions on the message ``doc`` (as read), compare-and-set on its version,
    re-reading on a lost race. Limits are checked for additions only: a removal never makes things worse."""
    store = services.store
    for _ in range(MAX_ATTEMPTS):
        rx = reaction_types(doc)
        changed = _edit(rx, user_ids, types, add)
        if not changed:
            return Change(doc, ())
        if add:
            assert user_ids is not None and len(user_ids) == 1
            _check_limits(services.settings, rx, user_ids[0])
        version = doc.get("rxv")
        flt: dict[str, Any] = {"_id": doc["_id"], "rxv": version if version is not None else {"$exists": False}}
        previous = doc.get("rxd")
        date = max(now, previous) if isinstance(previous, datetime) else now
        stored_rx = {str(t): users for t, users in rx.items()}
        update: dict[str, dict[str, Any]] = {"$set": {"rx": stored_rx, "rxd": date}, "$inc": {"rxv": 1}}
        result = await store.update_one(MESSAGE, flt, update)
        if result.modified == 1:
            after = {**doc, "rx": stored_rx, "rxd": date, "rxv": (version or 0) + 1}
            return Change(after, tuple(changed))
        fresh = await store.find_one(MESSAGE, {"_id": doc["_id"]})
        if fresh is None or fresh.get("tomb") or "rd" in fresh:
            raise TurmsError(Code.RESOURCE_NOT_FOUND, _NOT_FOUND)
        doc = fresh
    raise TurmsError(Code.SERVER_UNAVAILABLE, "the message's reactions are changing too fast; retry")


async def participants(services: Services, doc: dict[str, Any]) -> set[int]:
    if doc.get("gm"):
        return set(await services.group_members.get(doc["tid"]))
    return {u for u in (doc.get("sid"), doc.get("tid")) if u}


async def push(
    services: Services,
    doc: dict[str, Any],
    relay: Any,
    *,
    requester_id: int,
    now: datetime,
    exclude_session: str | None,
    trace_id: str,
    to_requester: bool,
) -> None:
    """Relay ``relay`` (a TurmsRequest) with the message's reaction attributes to its conversation's
    participants, per the notification settings; ``to_requester`` reaches the requester's other devices."""
    s = services.settings
    recipients = await participants(services, doc) if s.get(message_settings.REACTION_NOTIFY) else set()
    recipients.discard(requester_id)
    if to_requester:
        recipients.add(requester_id)
    if not recipients:
        return
    relay.custom_attributes.extend(attributes(doc))
    threshold = s.get(message_settings.BROADCAST_MEMBER_THRESHOLD)
    try:
        await services.notifier.notify(
            recipients,
            relayed(relay, requester_id, datetime_to_ms(now)),
            exclude_session=exclude_session,
            trace_id=trace_id,
            broadcast=bool(doc.get("gm")) and len(recipients) > threshold,
        )
    except Exception as e:
        # Stored and acked: clients learn the change by querying (REACTIONS_SINCE_TAG). Never fail the request.
        log.warning("pushing a reaction change to %d users failed: %s: %s", len(recipients), type(e).__name__, e)


async def handle(services: Services, req: ServiceRequest, *, add: bool) -> Response:
    s = services.settings
    if not s.get(message_settings.REACTIONS_ENABLED):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "reactions are turned off")
    body = req.body
    if body.message_id <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "message_id must be positive")
    most = s.get(
        message_settings.REACTION_MAX_PER_USER_PER_MESSAGE if add else message_settings.REACTION_MAX_TYPES_PER_MESSAGE
    )
    types = _types(body, most)
    requester = req.requester.user_id
    doc = await readable_message(services, requester, body.message_id)
    await check_may_react(services, requester, doc, req.now)
    change = await apply(services, doc, req.now, add=add, user_ids=[requester], types=types)
    if change.changed:
        relay = turms_request_pb2.TurmsRequest()
        # The client's own attributes travel on; ours are the server's to set (a client cannot forge counts).
        theirs = without_tag(without_tag(req.request.custom_attributes, REACTION_TAG), REACTION_COUNTS_TAG)
        relay.custom_attributes.extend(theirs)
        out = relay.create_message_reactions_request if add else relay.delete_message_reactions_request
        out.message_id = body.message_id
        out.reaction_types.extend(t for _, t in change.changed)
        await push(
            services,
            change.doc,
            relay,
            requester_id=requester,
            now=req.now,
            exclude_session=req.requester.session_id,
            trace_id=req.trace_id,
            to_requester=s.get(message_settings.REACTION_NOTIFY_OWN_DEVICES),
        )
    return Response(Code.OK, custom_attributes=attributes(change.doc))


async def remove(
    services: Services,
    message_id: int,
    *,
    user_ids: list[int] | None,
    types: list[int] | None,
    now: datetime,
    trace_id: str = "",
) -> int:
    """Remove reactions as an operator (the admin API): those of ``user_ids`` (None: everyone's) of ``types``
    (None: every type). Each affected user's removal is pushed as if that user had sent the request, to every
    participant and every device of that user. Returns how many (user, type) pairs were removed."""
    doc = await services.store.find_one(MESSAGE, {"_id": message_id})
    if doc is None or doc.get("tomb") or "rd" in doc:
        return 0
    change = await apply(services, doc, now, add=False, user_ids=user_ids, types=types)
    by_user: dict[int, list[int]] = {}
    for uid, t in change.changed:
        by_user.setdefault(uid, []).append(t)
    for uid, removed in by_user.items():
        relay = turms_request_pb2.TurmsRequest()
        relay.delete_message_reactions_request.message_id = message_id
        relay.delete_message_reactions_request.reaction_types.extend(removed)
        await push(
            services,
            change.doc,
            relay,
            requester_id=uid,
            now=now,
            exclude_session=None,
            trace_id=trace_id,
            to_requester=True,
        )
    return len(change.changed)
