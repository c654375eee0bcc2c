"""May a user send a message to a group? The group-side rules the messaging domain applies.

Order (Turms's): a member is refused when the group is muted (5005), inactive or deleted (5004), or the
member is muted (5008); a guest (a non-member, or a member with a GUEST/ANONYMOUS_GUEST role — Turms
applies ``guest_speakable`` to non-members only) is refused unless the type makes guests speakable
(5009), then for a muted (5005) or inactive group (5004), or when blocked (5003). A missing group is 5006.
"""

from __future__ import annotations

from datetime import datetime

from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group import access
from turms.service.group.model import Role, in_future, is_active_group
from turms.storage.port import Store


async def send_message_code(store: Store, group_id: int, sender_id: int, now: datetime) -> Code:
    """``OK`` or the code refusing ``sender_id``'s message to ``group_id`` at ``now``."""
    group = await access.find_group(store, group_id)
    if group is None:
        return Code.SEND_MESSAGE_TO_NONEXISTENT_GROUP
    member = await access.find_member(store, group_id, sender_id)
    role = None if member is None else Role(int(member.get("role", Role.MEMBER)))
    if role is not None and role < Role.GUEST:
        if in_future(group.get("med"), now):
            return Code.SEND_MESSAGE_TO_MUTED_GROUP
        if not is_active_group(group):
            return Code.SEND_MESSAGE_TO_INACTIVE_GROUP
        assert member is not None
        if in_future(member.get("med"), now):
            return Code.MUTED_GROUP_MEMBER_SEND_MESSAGE
        return Code.OK
    if not is_active_group(group):
        return Code.SEND_MESSAGE_TO_INACTIVE_GROUP
    group_type = await access.find_type(store, int(group.get("tid", 0)))
    if group_type is None or not group_type.guest_speakable:
        return Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE
    if in_future(group.get("med"), now):
        return Code.SEND_MESSAGE_TO_MUTED_GROUP
    if member is not None and in_future(member.get("med"), now):
        return Code.MUTED_GROUP_MEMBER_SEND_MESSAGE
    if await access.is_blocked(store, group_id, sender_id):
        return Code.BLOCKED_USER_SEND_GROUP_MESSAGE
    return Code.OK
