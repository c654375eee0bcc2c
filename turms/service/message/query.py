"""QueryMessagesRequest: by ids, by conversation, by date range, by sequence range, and with totals.

* ``ids``: those messages the requester may read (its private conversations, its groups).
* ``from_ids`` names conversations: peers when ``are_group_messages`` is false, groups when true, either when
  unset. A private conversation holds both directions, so a sender always reads its own messages (Turms
  cannot without ``use-conversation-id``). Reading a group needs membership (5300).
* no ``from_ids``: every conversation of the requester.
* ``delivery_date_start``/``end`` (inclusive), ``are_system_messages``, ``descending``, ``max_count`` (capped
  by ``service.message.query.max_count``).
* the :data:`~turms.service.message.model.SEQ_RANGE_TAG` attribute selects a sequence range of exactly one
  conversation, ordered by sequence id; tombstones then appear, marked, so a syncing client sees no hole
  (a number a dead writer left without a message is filled first: ``turms.service.message.holes``). A range
  that starts at or below the conversation's purge mark (retention) is answered from above it, led by a purge
  marker (:data:`~turms.service.message.model.PURGED_TAG`).
* ``with_total``: per conversation, the unread count (messages from others after the requester's read
  date) and its latest N messages (``service.message.query.messages_per_conversation_with_total``).
* the :data:`~turms.service.message.model.REACTIONS_SINCE_TAG` attribute selects the messages of exactly one
  conversation whose reactions changed at or after a date, oldest change first, each marked with the date of its
  last change (:data:`~turms.service.message.model.REACTIONS_CHANGED_TAG`): how a client that was away learns
  the reactions made meanwhile on messages it already has.

Every message answered carries its reactions (``reaction_groups``) as the requester sees them
(:func:`~turms.service.message.model.reaction_groups`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from turms.clock import datetime_to_ms, ms_to_datetime
from turms.errors import TurmsError
from turms.protocol.pb import model_message_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import Response, ServiceRequest
from turms.service.context import Services
from turms.service.message import holes, policy, retention
from turms.service.message.model import (
    MESSAGE,
    REACTIONS_CHANGED_TAG,
    REACTIONS_SINCE_TAG,
    SEQ_RANGE_TAG,
    find_tagged,
    group_conversation_id,
    int_arg,
    private_conversation_id,
    purge_marker,
    tagged,
    to_proto,
)
from turms.settings import message as message_settings
from turms.storage.port import Filter

PRIVATE_CONVERSATION = "privateConversation"
GROUP_CONVERSATION = "groupConversation"


class Conversation:
    __slots__ = ("cid", "is_group", "peer")

    def __init__(self, is_group: bool, peer: int, requester: int) -> None:
        self.is_group = is_group
        self.peer = peer
        self.cid = group_conversation_id(peer) if is_group else private_conversation_id(requester, peer)


async def _named_conversations(services: Services, requester: int, body: Any) -> list[Conversation]:
    kind = body.are_group_messages if body.HasField("are_group_messages") else None
    out: list[Conversation] = []
    for peer in dict.fromkeys(body.from_ids):
        if kind is not True:
            out.append(Conversation(False, peer, requester))
        if kind is not False:
            if await policy.is_member(services.store, peer, requester):
                out.append(Conversation(True, peer, requester))
            elif kind is True:
                raise TurmsError(Code.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MESSAGES)
    return out


def _date_filter(body: Any) -> dict[str, datetime]:
    cond: dict[str, datetime] = {}
    if body.HasField("delivery_date_start"):
        cond["$gte"] = ms_to_datetime(body.delivery_date_start)
    if body.HasField("delivery_date_end"):
        cond["$lte"] = ms_to_datetime(body.delivery_date_end)
    return cond


def _data(
    services: Services, viewer: int, messages: list[dict[str, Any]], mark_tombstones: bool, purged: int | None = None
) -> Any:
    data = turms_notification_pb2.TurmsNotification.Data()
    data.messages.SetInParent()
    if purged is not None:
        data.messages.messages.append(purge_marker(purged))
    listed = services.settings.get(message_settings.REACTION_USERS_LISTED)
    data.messages.messages.extend(
        to_proto(d, mark_tombstones=mark_tombstones, viewer=viewer, listed_users=listed) for d in messages
    )
    return data


async def _by_ids(services: Services, requester: int, body: Any, max_count: int) -> Response:
    ids = list(dict.fromkeys(body.ids))
    if len(ids) > services.settings.get(message_settings.QUERY_MAX_COUNT):
        raise TurmsError(Code.REQUESTED_RECORDS_TOO_MANY)
    docs = await services.store.find(MESSAGE, {"_id": {"$in": ids}, "tomb": {"$ne": True}})
    allowed: dict[int, bool] = {}
    visible = []
    for d in docs:
        if d.get("gm"):
            gid = d["tid"]
            if gid not in allowed:
                allowed[gid] = await policy.is_member(services.store, gid, requester)
            if not allowed[gid]:
                continue
        elif requester not in (d.get("sid"), d.get("tid")):
            continue
        visible.append(d)
    visible.sort(key=lambda d: (d["dyd"], d["_id"]), reverse=bool(body.descending))
    visible = visible[:max_count]
    if not visible:
        return Response(Code.NO_CONTENT)
    return Response(Code.OK, data=_data(services, requester, visible, False))


def _seq_range(req: ServiceRequest) -> tuple[int, int] | None:
    args = find_tagged(req.request.custom_attributes, SEQ_RANGE_TAG)
    if args is None:
        return None
    start, end = int_arg(args, 0), int_arg(args, 1)
    if start is None or start < 0 or (end is not None and end < 0) or len(args) > 2:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the sequence range is [tag, int64 from, int64 to]")
    return start, end or 0


async def _all_conversations(services: Services, requester: int, dates: dict[str, datetime]) -> list[Conversation]:
    """Every conversation of the requester with messages (in the date range, if any)."""
    limit = services.settings.get(message_settings.WITH_TOTAL_MAX_CONVERSATIONS)
    flt: dict[str, Any] = {"gm": False, "$or": [{"sid": requester}, {"tid": requester}]}
    if dates:
        flt["dyd"] = dates
    out: dict[bytes, Conversation] = {}
    for d in await services.store.find(MESSAGE, flt, projection={"sid": 1, "tid": 1}):
        peer = d["tid"] if d.get("sid") == requester else d["sid"]
        c = Conversation(False, peer, requester)
        out.setdefault(c.cid, c)
        if len(out) >= limit:
            break
    for gid in await policy.joined_group_ids(services.store, requester):
        if len(out) >= limit:
            break
        c = Conversation(True, gid, requester)
        out[c.cid] = c
    return list(out.values())


async def _read_date(services: Services, requester: int, c: Conversation) -> datetime | None:
    if c.is_group:
        doc = await services.store.find_one(GROUP_CONVERSATION, {"_id": c.peer})
        value = (doc or {}).get("mr", {}).get(str(requester))
    else:
        doc = await services.store.find_one(PRIVATE_CONVERSATION, {"_id.oid": requester, "_id.tid": c.peer})
        value = (doc or {}).get("rd")
    return value if isinstance(value, datetime) else None


async def _with_total(
    services: Services, requester: int, body: Any, conversations: list[Conversation], base: dict[str, Any]
) -> Response:
    per = services.settings.get(message_settings.WITH_TOTAL_MESSAGES)
    data = turms_notification_pb2.TurmsNotification.Data()
    data.messages_with_total_list.SetInParent()
    for c in conversations:
        flt = {**base, "cid": c.cid}
        latest = await services.store.find(MESSAGE, flt, sort=[("sqid", -1)], limit=per) if per else []
        read = await _read_date(services, requester, c)
        unread_filter: dict[str, Any] = {**flt, "sid": {"$ne": requester}}
        if read is not None:
            unread_filter["dyd"] = {**unread_filter.get("dyd", {}), "$gt": read}
        total = await services.store.count(MESSAGE, unread_filter)
        if not latest and not total:
            continue
        if not body.descending:
            latest.reverse()
        item = model_message_pb2.MessagesWithTotal(total=total, is_group_message=c.is_group, from_id=c.peer)
        listed = services.settings.get(message_settings.REACTION_USERS_LISTED)
        item.messages.extend(to_proto(d, viewer=requester, listed_users=listed) for d in latest)
        data.messages_with_total_list.messages_with_total_list.append(item)
    if not data.messages_with_total_list.messages_with_total_list:
        return Response(Code.NO_CONTENT)
    return Response(Code.OK, data=data)


async def handle_query(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    s = services.settings
    requester = req.requester.user_id
    if body.HasField("max_count"):
        if body.max_count <= 0:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "max_count must be positive")
        max_count = min(body.max_count, s.get(message_settings.QUERY_MAX_COUNT))
    else:
        max_count = s.get(message_settings.QUERY_DEFAULT_COUNT)
    if body.ids:
        return await _by_ids(services, requester, body, max_count)

    seq = _seq_range(req)
    reactions_since = _reactions_since(req)
    if seq is not None and reactions_since is not None:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "ask for a sequence range or for reaction changes, not both")
    dates = _date_filter(body)
    base: dict[str, Any] = {"tomb": {"$ne": True}}
    if dates:
        base["dyd"] = dates
    if body.HasField("are_system_messages"):
        base["sm"] = body.are_system_messages

    if body.from_ids:
        conversations = await _named_conversations(services, requester, body)
    elif seq is not None:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "a sequence range needs one conversation in from_ids")
    elif reactions_since is not None:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "reaction changes are asked for one conversation in from_ids")
    else:
        conversations = await _all_conversations(services, requester, dates)

    if body.with_total:
        return await _with_total(services, requester, body, conversations, base)
    if not conversations:
        return Response(Code.NO_CONTENT)
    if reactions_since is not None:
        return await _reaction_changes(services, requester, conversations, reactions_since, max_count)

    direction = -1 if body.descending else 1
    flt: Filter
    purged: int | None = None
    if seq is not None:
        if len(conversations) != 1:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "a sequence range needs exactly one conversation")
        start, end = seq
        cid = conversations[0].cid
        bounds: dict[str, int] = {"$gte": start}
        if end:
            bounds["$lte"] = end
        # Tombstones are returned (marked) so that a client syncing by sequence sees every number.
        flt = {k: v for k, v in base.items() if k != "tomb"}
        whole = not flt  # the whole range (no date or kind filter): every number is accounted for
        flt = {**flt, "cid": cid, "sqid": bounds}
        docs = await services.store.find(MESSAGE, flt, sort=[("sqid", direction)], limit=max_count)
        ascending = direction == 1
        if whole and ascending and (not docs or docs[0]["sqid"] > start):
            # The bottom of the range is missing: deleted by retention, up to the purge mark?
            mark_seq = await retention.purged_through(services, cid)
            if mark_seq is not None and mark_seq >= start:
                purged, start = mark_seq, mark_seq + 1
                bounds["$gte"] = start
                docs = [] if end and start > end else await _find(services, flt, direction, max_count)
        if whole and docs:
            found = holes.missing_numbers(docs, start, ascending)
            if found:
                await holes.repair(services, cid, found)
                docs = await _find(services, flt, direction, max_count)
        mark = True
    else:
        cids = [c.cid for c in conversations]
        flt = {**base, "cid": cids[0] if len(cids) == 1 else {"$in": cids}}
        sort = [("sqid", direction)] if len(cids) == 1 else [("dyd", direction), ("_id", direction)]
        docs = await services.store.find(MESSAGE, flt, sort=sort, limit=max_count)
        mark = False
    if not docs and purged is None:
        return Response(Code.NO_CONTENT)
    return Response(Code.OK, data=_data(services, requester, docs, mark, purged))


def _reactions_since(req: ServiceRequest) -> datetime | None:
    args = find_tagged(req.request.custom_attributes, REACTIONS_SINCE_TAG)
    if args is None:
        return None
    since = int_arg(args, 0)
    if since is None or since < 0 or len(args) != 1:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "reaction changes are asked as [tag, int64 since ms]")
    return ms_to_datetime(since)


async def _reaction_changes(
    services: Services, requester: int, conversations: list[Conversation], since: datetime, max_count: int
) -> Response:
    """The conversation's messages whose reactions changed at or after ``since``, oldest change first; each is
    whole (content and reactions) and marked with the date of its change, so the client pages by that date."""
    if len(conversations) != 1:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "reaction changes are asked for exactly one conversation")
    flt = {"cid": conversations[0].cid, "rxd": {"$gte": since}, "tomb": {"$ne": True}}
    docs = await services.store.find(MESSAGE, flt, sort=[("rxd", 1), ("_id", 1)], limit=max_count)
    if not docs:
        return Response(Code.NO_CONTENT)
    data = _data(services, requester, docs, False)
    for m, d in zip(data.messages.messages, docs, strict=True):
        m.custom_attributes.append(tagged(REACTIONS_CHANGED_TAG, datetime_to_ms(d["rxd"])))
    return Response(Code.OK, data=data)


async def _find(services: Services, flt: Filter, direction: int, max_count: int) -> list[dict[str, Any]]:
    return await services.store.find(MESSAGE, flt, sort=[("sqid", direction)], limit=max_count)
