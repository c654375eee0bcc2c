"""Group types, managed by admins: the service functions the admin API calls.

The default type (id 0, Turms's defaults) always exists: ``register`` creates it when the domain starts,
and any read of it re-creates it if an admin deleted it (as Turms does).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group import access
from turms.service.group.model import (
    DEFAULT_GROUP_TYPE,
    DEFAULT_GROUP_TYPE_ID,
    GROUP,
    GROUP_TYPE,
    GroupType,
    InvitationStrategy,
    JoinStrategy,
    UpdateStrategy,
)
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import Store

__all__ = ["create_type", "delete_types", "ensure_default_type", "get_type", "query_types", "update_type"]

ensure_default_type = access.ensure_default_type
get_type = access.find_type


def _validate(t: GroupType) -> None:
    if not t.name or any(c.isspace() for c in t.name):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "a group type name must be non-empty without whitespace")
    if t.size_limit < 1:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the group size limit must be >= 1")


async def create_type(
    store: Store,
    type_id: int,
    name: str,
    *,
    size_limit: int = DEFAULT_GROUP_TYPE.size_limit,
    invitation_strategy: InvitationStrategy = DEFAULT_GROUP_TYPE.invitation_strategy,
    join_strategy: JoinStrategy = DEFAULT_GROUP_TYPE.join_strategy,
    group_info_update_strategy: UpdateStrategy = DEFAULT_GROUP_TYPE.group_info_update_strategy,
    member_info_update_strategy: UpdateStrategy = DEFAULT_GROUP_TYPE.member_info_update_strategy,
    guest_speakable: bool = DEFAULT_GROUP_TYPE.guest_speakable,
    self_info_updatable: bool = DEFAULT_GROUP_TYPE.self_info_updatable,
    enable_read_receipt: bool = DEFAULT_GROUP_TYPE.enable_read_receipt,
    message_editable: bool = DEFAULT_GROUP_TYPE.message_editable,
) -> GroupType:
    """Add a type (the caller allocates ``type_id``); ``RECORD_CONTAINS_DUPLICATE_KEY`` if it exists."""
    group_type = GroupType(
        type_id,
        name,
        size_limit,
        InvitationStrategy(invitation_strategy),
        JoinStrategy(join_strategy),
        UpdateStrategy(group_info_update_strategy),
        UpdateStrategy(member_info_update_strategy),
        guest_speakable,
        self_info_updatable,
        enable_read_receipt,
        message_editable,
    )
    _validate(group_type)
    try:
        await store.insert_one(GROUP_TYPE, group_type.to_doc())
    except DuplicateKeyError:
        raise TurmsError(Code.RECORD_CONTAINS_DUPLICATE_KEY, f"group type {type_id} exists") from None
    return group_type


async def update_type(store: Store, type_id: int, **changes: Any) -> GroupType:
    """Change fields of a type (keyword names as in :class:`GroupType`); ``RESOURCE_NOT_FOUND`` if absent."""
    current = await get_type(store, type_id)
    if current is None:
        raise TurmsError(Code.RESOURCE_NOT_FOUND, f"no group type {type_id}")
    unknown = set(changes) - set(GroupType.__dataclass_fields__) | ({"id"} & set(changes))
    if unknown:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"unknown or immutable fields: {sorted(unknown)}")
    try:
        updated = replace(current, **changes)
        updated = GroupType.from_doc(updated.to_doc())  # coerce strategies to their enums
    except (TypeError, ValueError) as e:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, str(e)) from None
    _validate(updated)
    doc = updated.to_doc()
    del doc["_id"]
    await store.update_one(GROUP_TYPE, {"_id": type_id}, {"$set": doc}, upsert=type_id == DEFAULT_GROUP_TYPE_ID)
    return updated


async def delete_types(store: Store, type_ids: list[int]) -> int:
    """Delete types no group uses; the default type cannot be deleted. Returns the number deleted."""
    if DEFAULT_GROUP_TYPE_ID in type_ids:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the default group type cannot be deleted")
    if await store.count(GROUP, {"tid": {"$in": type_ids}, "dd": None}, limit=1):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "a group of one of these types exists")
    return await store.delete_many(GROUP_TYPE, {"_id": {"$in": type_ids}})


async def query_types(store: Store, *, skip: int = 0, limit: int = 0) -> list[GroupType]:
    await ensure_default_type(store)
    docs = await store.find(GROUP_TYPE, {}, sort=[("_id", 1)], skip=skip, limit=limit)
    return [GroupType.from_doc(d) for d in docs]
