"""Who may message whom: read-only checks of the user, relationship and group collections.

The users/relationships and groups domains own those collections; this module only reads them, through the
store port and the schema's field names, so messaging does not depend on their code:

* ``userRelationship`` ``{_id: {oid, rid}}``: ``oid`` has a relationship with ``rid``; ``bd`` set = ``oid``
  blocked ``rid``;
* ``group``: ``dd`` set = deleted, ``ac`` false = inactive, ``med`` in the future = muted, ``tid`` its type;
* ``groupType``: ``gs`` guests may speak, ``err`` read receipts, ``me`` messages editable (absent type or
  field: Turms's defaults for the default type);
* ``groupMember`` ``{_id: {gid, uid}}``: ``role`` (3 = guest), ``med`` in the future = muted;
* ``groupBlockedUser`` ``{_id: {gid, uid}}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.message.model import (
    GROUP,
    GROUP_BLOCKED_USER,
    GROUP_MEMBER,
    GROUP_TYPE,
    RELATIONSHIP,
    USER,
)
from turms.settings import Settings
from turms.settings import message as message_settings
from turms.storage.port import Store

GUEST_ROLE = 3
ANONYMOUS_GUEST_ROLE = 4

#: Turms's default group type: guests may not speak, read receipts on, messages editable.
_TYPE_DEFAULTS = {"gs": False, "err": True, "me": True}


@dataclass(frozen=True, slots=True)
class GroupInfo:
    group_id: int
    doc: dict[str, Any]
    type_doc: dict[str, Any]

    def type_flag(self, name: str) -> bool:
        return bool(self.type_doc.get(name, _TYPE_DEFAULTS[name]))

    @property
    def read_receipts(self) -> bool:
        return self.type_flag("err")

    @property
    def messages_editable(self) -> bool:
        return self.type_flag("me")


def _future(value: Any, now: datetime) -> bool:
    return isinstance(value, datetime) and value > now


async def relationship(store: Store, owner_id: int, related_id: int) -> dict[str, Any] | None:
    return await store.find_one(RELATIONSHIP, {"_id.oid": owner_id, "_id.rid": related_id})


async def is_blocked_by(store: Store, owner_id: int, user_id: int) -> bool:
    """Whether ``owner_id`` has blocked ``user_id``."""
    rel = await relationship(store, owner_id, user_id)
    return rel is not None and "bd" in rel


async def check_private_send(
    store: Store,
    settings: Settings,
    sender_id: int,
    recipient_id: int,
    lookup: Callable[[int, int], Awaitable[dict[str, Any] | None]] | None = None,
) -> None:
    """Raise the Turms code that refuses ``sender_id`` messaging ``recipient_id``, if any.

    ``lookup(owner, related)``: where the relationship is read (the worker's cache,
    ``turms.service.relationship.cache``); default the store."""
    if sender_id == recipient_id:
        if not settings.get(message_settings.ALLOW_SEND_TO_ONESELF):
            raise TurmsError(Code.SENDING_MESSAGES_TO_ONESELF_IS_DISABLED)
        return
    if settings.get(message_settings.CHECK_RECIPIENT_ACTIVE):
        user = await store.find_one(USER, {"_id": recipient_id}, projection={"act": 1, "dd": 1})
        if user is None or user.get("act") is False or "dd" in user:
            raise TurmsError(Code.MESSAGE_RECIPIENT_NOT_ACTIVE)
    rel = await (lookup or partial(relationship, store))(recipient_id, sender_id)
    if settings.get(message_settings.ALLOW_SEND_TO_STRANGER):
        if rel is not None and "bd" in rel:
            raise TurmsError(Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE)
        return
    if rel is None or "bd" in rel:
        # Turms answers "not a friend" here whether the sender is a stranger or blocked.
        raise TurmsError(Code.NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE)


async def find_group(store: Store, group_id: int) -> GroupInfo | None:
    """The group (None when it does not exist or was deleted) with its type's flags."""
    doc = await store.find_one(GROUP, {"_id": group_id})
    if doc is None or "dd" in doc:
        return None
    type_doc = await store.find_one(GROUP_TYPE, {"_id": doc.get("tid", 0)}) or {}
    return GroupInfo(group_id, doc, type_doc)


async def member(store: Store, group_id: int, user_id: int) -> dict[str, Any] | None:
    return await store.find_one(GROUP_MEMBER, {"_id.gid": group_id, "_id.uid": user_id})


async def is_member(store: Store, group_id: int, user_id: int) -> bool:
    return await member(store, group_id, user_id) is not None


async def joined_group_ids(store: Store, user_id: int) -> list[int]:
    docs = await store.find(GROUP_MEMBER, {"_id.uid": user_id}, projection={"_id": 1})
    return [d["_id"]["gid"] for d in docs]


async def check_group_send(store: Store, sender_id: int, group_id: int, now: datetime) -> GroupInfo:
    """Raise the Turms code that refuses ``sender_id`` posting to ``group_id``; return the group otherwise.

    The order is Turms's (``GroupMemberService.isAllowedToSendMessage``). A member is refused, in this
    order, when the group is muted (5005), inactive or deleted (5004), or the member is muted (5008). A
    guest — a non-member or, stricter than Turms (which asks only non-members), a member with a guest role —
    is refused when the group is inactive or deleted (5004), the type does not let guests speak (5009), the
    group is muted (5005), the guest is a muted member (5008), or the guest is blocked (5003). A group that
    never existed is 5006 (Turms defines that code but answers 5004).
    """
    doc = await store.find_one(GROUP, {"_id": group_id})
    if doc is None:
        raise TurmsError(Code.SEND_MESSAGE_TO_NONEXISTENT_GROUP)
    type_doc = await store.find_one(GROUP_TYPE, {"_id": doc.get("tid", 0)}) or {}
    group = GroupInfo(group_id, doc, type_doc)
    inactive = doc.get("dd") is not None or doc.get("ac") is False
    muted = _future(doc.get("med"), now)
    m = await member(store, group_id, sender_id)
    if m is not None and m.get("role") not in (GUEST_ROLE, ANONYMOUS_GUEST_ROLE):
        if muted:
            raise TurmsError(Code.SEND_MESSAGE_TO_MUTED_GROUP)
        if inactive:
            raise TurmsError(Code.SEND_MESSAGE_TO_INACTIVE_GROUP)
        if _future(m.get("med"), now):
            raise TurmsError(Code.MUTED_GROUP_MEMBER_SEND_MESSAGE)
        return group
    if inactive:
        raise TurmsError(Code.SEND_MESSAGE_TO_INACTIVE_GROUP)
    if not group.type_flag("gs"):
        raise TurmsError(Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE)
    if muted:
        raise TurmsError(Code.SEND_MESSAGE_TO_MUTED_GROUP)
    if m is not None and _future(m.get("med"), now):
        raise TurmsError(Code.MUTED_GROUP_MEMBER_SEND_MESSAGE)
    if await store.find_one(GROUP_BLOCKED_USER, {"_id.gid": group_id, "_id.uid": sender_id}) is not None:
        raise TurmsError(Code.BLOCKED_USER_SEND_GROUP_MESSAGE)
    return group
