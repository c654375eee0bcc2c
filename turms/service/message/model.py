"""The message domain's vocabulary: conversation ids, stored shapes, the wire extensions, doc → proto.

Stored shapes (``turms.storage.schema``, Turms's short names):

* ``message``: ``_id`` id, ``cid`` conversation id (16 bytes for private: min(user ids), max(user ids) as
  big-endian int64s, so both parties query one conversation; 8 bytes for a group: the group id), ``gm`` group
  message, ``sm`` system message, ``dyd`` delivery date (server time), ``md`` modification date, ``rd``
  recall date, ``txt``, ``rec`` records, ``sid`` sender, ``sip`` sender IPv4 as an int, ``tid`` target (the
  recipient or the group), ``bf`` burn after (s), ``rid`` reference (forwarded or recalled message),
  ``sqid`` the dense per-conversation sequence id, ``pmid`` pre-message id, ``tomb`` tombstone.
* ``messageIdempotency``: ``_id`` = ``{sid, dev, cmid}`` (sender, device type, client key), ``mid`` the message
  id fixed by the first claim, ``sqid`` and ``dyd`` once the message is stored, ``cd`` claim date (24 h TTL).

Wire extensions (all in ``custom_attributes``, ignored by Turms clients; see docs/protocol.md): a *tagged
attribute* is a ``Value`` whose ``list_value`` starts with a string tag, followed by its arguments.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from turms.clock import datetime_to_ms
from turms.protocol.pb import model_common_pb2, model_message_pb2

MESSAGE = "message"
IDEMPOTENCY = "messageIdempotency"
USER = "user"
RELATIONSHIP = "userRelationship"
GROUP = "group"
GROUP_TYPE = "groupType"
GROUP_MEMBER = "groupMember"
GROUP_BLOCKED_USER = "groupBlockedUser"
MESSAGE_PURGE = "messagePurge"

#: ``TurmsRequest.custom_attributes`` of a CreateMessageRequest: ``[tag, string key]``.
IDEMPOTENCY_TAG = "turms:idempotency_key"
#: ``TurmsRequest.custom_attributes`` of a QueryMessagesRequest: ``[tag, int64 from, int64 to]`` (inclusive;
#: ``to`` 0 = no upper bound). Needs exactly one conversation in ``from_ids``.
SEQ_RANGE_TAG = "turms:seq_range"
#: On an ack (``TurmsNotification.custom_attributes``) and on a relayed CreateMessageRequest
#: (``relayed_request.custom_attributes``): ``[tag, int64 sequence id, int64 delivery date ms]``.
MESSAGE_TAG = "turms:message"
#: On a queried ``Message.custom_attributes``: ``[tag]`` marks a tombstone (a sequence id with no message).
TOMBSTONE_TAG = "turms:tombstone"
#: On a queried ``Message.custom_attributes``: ``[tag, int64 recall date ms]`` marks a recalled message.
RECALLED_TAG = "turms:recalled"
#: On a queried ``Message.custom_attributes`` (sequence ranges only): ``[tag]`` marks a *purge marker*, a
#: ``Message`` with only a ``sequence_id``: retention deleted every number up to it, and the answer starts above.
PURGED_TAG = "turms:purged"
#: ``TurmsRequest.custom_attributes`` of a QueryMessagesRequest: ``[tag, int64 since ms]`` asks for the messages of
#: exactly one conversation (``from_ids``) whose reactions changed at or after ``since``, oldest change first.
REACTIONS_SINCE_TAG = "turms:reactions_since"
#: On a ``Message`` answering :data:`REACTIONS_SINCE_TAG`: ``[tag, int64 date ms]`` of its last reaction change.
REACTIONS_CHANGED_TAG = "turms:reactions_changed"
#: On a ``MessageReactionGroup.custom_attributes``: ``[tag]``: the requester is among the users who reacted so.
OWN_REACTION_TAG = "turms:own_reaction"
#: On the ack of a reaction request and on its relayed request: ``[tag, int64 date ms, int64 group id (0:
#: private), int64 message sender id, int64 message recipient id]``: when the change was stored, and where the
#: message is.
REACTION_TAG = "turms:reaction"
#: Beside :data:`REACTION_TAG`: ``[tag, (int32 type, int32 count)...]``: every reaction type of the message after
#: the change, with its count (a type whose last reaction was removed is absent).
REACTION_COUNTS_TAG = "turms:reaction_counts"

Value = model_common_pb2.Value


def private_conversation_id(a: int, b: int) -> bytes:
    lo, hi = (a, b) if a <= b else (b, a)
    return lo.to_bytes(8, "big", signed=True) + hi.to_bytes(8, "big", signed=True)


def group_conversation_id(group_id: int) -> bytes:
    return group_id.to_bytes(8, "big", signed=True)


def tombstone(message_id: int, cid: bytes, delivery_date: datetime, sequence_id: int | None = None) -> dict[str, Any]:
    """A stored sequence id without a message (skipped by readers, returned marked to syncing clients)."""
    doc: dict[str, Any] = {"_id": message_id, "cid": cid, "dyd": delivery_date, "tomb": True}
    if sequence_id is not None:
        doc["sqid"] = sequence_id
    return doc


def conversation_id(is_group: bool, sender_id: int, target_id: int) -> bytes:
    return group_conversation_id(target_id) if is_group else private_conversation_id(sender_id, target_id)


def sequence_key(cid: bytes) -> str:
    """The ``sequenceCounter`` key of a conversation's message sequence."""
    return "msg:" + cid.hex()


@functools.lru_cache(maxsize=65_536)
def ip_to_int(ip: str) -> int | None:
    """The sender IP as stored in ``sip`` (an int64 column): IPv4 only, IPv6 is not kept. Cached: parsing the
    address of every message was 6 % of a worker's CPU in the 1:1 benchmark, and a session sends from one."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address):
        mapped = addr.ipv4_mapped
        if mapped is None:
            return None
        addr = mapped
    return int(addr)


# Tagged attributes -----------------------------------------------------------------------------------------


def tagged(tag: str, *args: int | str) -> Any:
    v = Value()
    items = v.list_value
    # Built in place: ``append(Value(...))`` built each item and then copied it, twice the time (two calls per
    # message).
    items.add(string_value=tag)
    for a in args:
        if isinstance(a, str):
            items.add(string_value=a)
        else:
            items.add(int64_value=a)
    return v


def find_tagged(attributes: Iterable[Any], tag: str) -> list[Any] | None:
    """The arguments of the first attribute tagged ``tag`` (a list of ``Value``), or None."""
    for v in attributes:
        items = v.list_value
        if items and items[0].WhichOneof("kind") == "string_value" and items[0].string_value == tag:
            return list(items[1:])
    return None


def without_tag(attributes: Iterable[Any], tag: str) -> list[Any]:
    out = []
    for v in attributes:
        items = v.list_value
        if items and items[0].WhichOneof("kind") == "string_value" and items[0].string_value == tag:
            continue
        out.append(v)
    return out


def int_arg(args: Sequence[Any], i: int) -> int | None:
    if i >= len(args):
        return None
    kind = args[i].WhichOneof("kind")
    if kind == "int64_value":
        return int(args[i].int64_value)
    if kind == "int32_value":
        return int(args[i].int32_value)
    return None


# Documents → protobuf ---------------------------------------------------------------------------------------


def purge_marker(sequence_id: int) -> Any:
    """The :data:`PURGED_TAG` entry of a sequence-range answer: numbers up to ``sequence_id`` are gone."""
    m = model_message_pb2.Message(sequence_id=sequence_id)
    m.custom_attributes.append(tagged(PURGED_TAG))
    return m


def reaction_types(doc: dict[str, Any]) -> dict[int, list[int]]:
    """The message's reactions: type -> ids of the users who reacted so, in reaction order."""
    out: dict[int, list[int]] = {}
    for key, users in (doc.get("rx") or {}).items():
        if users:
            out[int(key)] = list(users)
    return out


def reaction_groups(doc: dict[str, Any], viewer: int | None, listed: int) -> list[Any]:
    """Turms's ``MessageReactionGroup`` list of a stored message, by type: the exact count, up to ``listed`` of
    the users (``viewer`` first when it reacted) and :data:`OWN_REACTION_TAG` on the viewer's own types."""
    groups = []
    for rtype, users in sorted(reaction_types(doc).items()):
        g = model_message_pb2.MessageReactionGroup(reaction_type=rtype, reaction_count=len(users))
        own = viewer is not None and viewer in users
        named = ([viewer] if own else []) + [u for u in users if u != viewer]
        for uid in named[:listed]:
            g.user_infos.add(id=uid)
        if own:
            g.custom_attributes.append(tagged(OWN_REACTION_TAG))
        groups.append(g)
    return groups


def to_proto(
    doc: dict[str, Any], *, mark_tombstones: bool = False, viewer: int | None = None, listed_users: int = 10
) -> Any:
    """A stored message as Turms's ``Message`` model, with its reactions as ``viewer`` sees them.

    A recalled message keeps its place in the sequence but loses its content (marked :data:`RECALLED_TAG`) and
    its reactions.
    """
    m = model_message_pb2.Message(id=doc["_id"], sequence_id=doc["sqid"])
    if doc.get("tomb"):
        if mark_tombstones:
            m.custom_attributes.append(tagged(TOMBSTONE_TAG))
        m.delivery_date = datetime_to_ms(doc["dyd"])
        return m
    m.delivery_date = datetime_to_ms(doc["dyd"])
    if "md" in doc:
        m.modification_date = datetime_to_ms(doc["md"])
    if "sid" in doc:
        m.sender_id = doc["sid"]
    if doc.get("gm"):
        m.group_id = doc["tid"]
    elif "tid" in doc:
        m.recipient_id = doc["tid"]
    m.is_system_message = bool(doc.get("sm", False))
    if "pmid" in doc:
        m.pre_message_id = doc["pmid"]
    if "rd" in doc:
        m.custom_attributes.append(tagged(RECALLED_TAG, datetime_to_ms(doc["rd"])))
        return m
    if "txt" in doc:
        m.text = doc["txt"]
    m.records.extend(doc.get("rec", ()))
    if doc.get("rx"):
        m.reaction_groups.extend(reaction_groups(doc, viewer, listed_users))
    return m
