"""Reads and small writes shared by the group handlers: groups, types, roles, members, blocklist, versions.

Everything goes through the store port; nothing here decides permissions (see ``permissions``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group.model import (
    DEFAULT_GROUP_TYPE,
    DEFAULT_GROUP_TYPE_ID,
    DEFAULT_USER_ROLE_ID,
    GROUP,
    GROUP_BLOCKED_USER,
    GROUP_MEMBER,
    GROUP_TYPE,
    GROUP_VERSION,
    NO_LIMIT,
    USER,
    USER_ROLE,
    USER_VERSION,
    GroupType,
    Role,
    is_active_group,
)
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import Store, UpdateOne

#: ``userVersion`` fields written by this domain.
JOINED_GROUPS = "jg"
SENT_INVITATIONS = "sgi"
RECEIVED_INVITATIONS = "rgi"
SENT_JOIN_REQUESTS = "gjr"


def member_key(group_id: int, user_id: int) -> dict[str, int]:
    return {"gid": group_id, "uid": user_id}


# Group types -------------------------------------------------------------------------------------------


async def ensure_default_type(store: Store) -> None:
    """Create the default group type unless it exists (idempotent; safe to race with other workers)."""
    if await store.find_one(GROUP_TYPE, {"_id": DEFAULT_GROUP_TYPE_ID}, projection={"_id": 1}) is not None:
        return
    with contextlib.suppress(DuplicateKeyError):  # another worker created it first
        await store.insert_one(GROUP_TYPE, DEFAULT_GROUP_TYPE.to_doc())


async def find_type(store: Store, type_id: int) -> GroupType | None:
    doc = await store.find_one(GROUP_TYPE, {"_id": type_id})
    if doc is None:
        if type_id == DEFAULT_GROUP_TYPE_ID:
            # The default type must always exist (Turms re-creates it when deleted).
            await ensure_default_type(store)
            return DEFAULT_GROUP_TYPE
        return None
    return GroupType.from_doc(doc)


# Groups ------------------------------------------------------------------------------------------------


async def find_group(store: Store, group_id: int) -> dict[str, Any] | None:
    return await store.find_one(GROUP, {"_id": group_id})


async def active_group_and_type(store: Store, group_id: int) -> tuple[dict[str, Any], GroupType] | None:
    """The group and its type when the group exists, is active and not deleted; else None."""
    group = await find_group(store, group_id)
    if not is_active_group(group):
        return None
    assert group is not None
    group_type = await find_type(store, int(group.get("tid", DEFAULT_GROUP_TYPE_ID)))
    if group_type is None:
        raise TurmsError(Code.SERVER_INTERNAL_ERROR, f"the type of group {group_id} does not exist")
    return group, group_type


# Members -----------------------------------------------------------------------------------------------


async def member_role(store: Store, group_id: int, user_id: int) -> Role | None:
    doc = await store.find_one(GROUP_MEMBER, {"_id": member_key(group_id, user_id)}, projection={"role": 1})
    if doc is None:
        return None
    return Role(int(doc.get("role", Role.MEMBER)))


async def find_member(store: Store, group_id: int, user_id: int) -> dict[str, Any] | None:
    return await store.find_one(GROUP_MEMBER, {"_id": member_key(group_id, user_id)})


async def member_ids(store: Store, group_id: int) -> list[int]:
    docs = await store.find(GROUP_MEMBER, {"_id.gid": group_id}, projection={"_id": 1})
    return [int(d["_id"]["uid"]) for d in docs]


async def owner_and_manager_ids(store: Store, group_id: int) -> list[int]:
    docs = await store.find(
        GROUP_MEMBER,
        {"_id.gid": group_id, "role": {"$in": [int(Role.OWNER), int(Role.MANAGER)]}},
        projection={"_id": 1},
    )
    return [int(d["_id"]["uid"]) for d in docs]


async def count_members(store: Store, group_id: int) -> int:
    return await store.count(GROUP_MEMBER, {"_id.gid": group_id})


async def existing_members(store: Store, group_id: int, user_ids: Iterable[int]) -> list[int]:
    ids = list(user_ids)
    if not ids:
        return []
    docs = await store.find(GROUP_MEMBER, {"_id.gid": group_id, "_id.uid": {"$in": ids}}, projection={"_id": 1})
    return [int(d["_id"]["uid"]) for d in docs]


async def joined_group_ids(store: Store, user_id: int) -> list[int]:
    docs = await store.find(GROUP_MEMBER, {"_id.uid": user_id}, projection={"_id": 1})
    return [int(d["_id"]["gid"]) for d in docs]


# Blocklist ---------------------------------------------------------------------------------------------


async def is_blocked(store: Store, group_id: int, user_id: int) -> bool:
    doc = await store.find_one(GROUP_BLOCKED_USER, {"_id": member_key(group_id, user_id)}, projection={"_id": 1})
    return doc is not None


async def blocked_among(store: Store, group_id: int, user_ids: Iterable[int]) -> list[int]:
    ids = list(user_ids)
    if not ids:
        return []
    docs = await store.find(GROUP_BLOCKED_USER, {"_id.gid": group_id, "_id.uid": {"$in": ids}}, projection={"_id": 1})
    return sorted(int(d["_id"]["uid"]) for d in docs)


# Users and roles ---------------------------------------------------------------------------------------


async def user_role(store: Store, user_id: int) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The user document (None when unknown, e.g. with ``gateway.auth.type = none``) and its role.

    The role is the ``userRole`` document of ``user.pgid``; the default role (id 0) falls back to Turms's
    built-in one (may create groups of the default type, no quotas) when no document stores it.
    """
    user = await store.find_one(USER, {"_id": user_id}, projection={"pgid": 1, "act": 1, "dd": 1})
    role_id = int(user.get("pgid", DEFAULT_USER_ROLE_ID)) if user is not None else DEFAULT_USER_ROLE_ID
    role = await store.find_one(USER_ROLE, {"_id": role_id})
    if role is None:
        if role_id != DEFAULT_USER_ROLE_ID:
            raise TurmsError(Code.SERVER_INTERNAL_ERROR, f"the role {role_id} of user {user_id} does not exist")
        role = {"_id": DEFAULT_USER_ROLE_ID, "cgtid": [DEFAULT_GROUP_TYPE_ID], "ogl": NO_LIMIT, "oglegt": NO_LIMIT}
    return user, role


async def check_group_quota(store: Store, user_id: int, type_id: int, *, updating: bool = False) -> None:
    """Raise unless ``user_id`` may own one more group of ``type_id`` (Turms's user-role quotas)."""
    user, role = await user_role(store, user_id)
    if user is not None and (user.get("act") is False or user.get("dd") is not None):
        raise TurmsError(Code.NOT_ACTIVE_USER_TO_CREATE_GROUP)
    owned_limit = int(role.get("ogl", NO_LIMIT))
    if owned_limit < NO_LIMIT:
        owned = await store.count(GROUP, {"oid": user_id, "dd": None})
        if owned >= owned_limit:
            raise TurmsError(
                Code.MAX_OWNED_GROUPS_REACHED, f"the number of owned groups has reached the limit {owned_limit}"
            )
    if await find_type(store, type_id) is None:
        raise TurmsError(
            Code.UPDATE_GROUP_TO_NONEXISTENT_GROUP_TYPE if updating else Code.CREATE_GROUP_WITH_NONEXISTENT_GROUP_TYPE
        )
    creatable = {int(t) for t in role.get("cgtid", [])}
    if type_id not in creatable:
        ids = ", ".join(str(t) for t in sorted(creatable))
        raise TurmsError(
            Code.NO_PERMISSION_TO_UPDATE_GROUP_TO_GROUP_TYPE
            if updating
            else Code.NO_PERMISSION_TO_CREATE_GROUP_WITH_GROUP_TYPE,
            f"allowed group types: {ids}",
        )
    per_type = role.get("gtl") or {}
    type_limit = int(per_type.get(str(type_id), role.get("oglegt", NO_LIMIT)))
    if type_limit < NO_LIMIT:
        owned = await store.count(GROUP, {"oid": user_id, "tid": type_id, "dd": None})
        if owned >= type_limit:
            raise TurmsError(
                Code.MAX_OWNED_GROUPS_REACHED, f"the number of owned groups of type {type_id} has reached {type_limit}"
            )


# Versions ----------------------------------------------------------------------------------------------


async def touch_group_version(store: Store, group_id: int, now: datetime, *fields: str) -> None:
    """Record that these group-side collections (``mbr``, ``bl``, ``jr``, ``jq``, ``invt``) changed now."""
    await store.update_one(GROUP_VERSION, {"_id": group_id}, {"$set": dict.fromkeys(fields, now)}, upsert=True)


async def touch_user_versions(store: Store, user_ids: Iterable[int], now: datetime, field: str) -> None:
    """Record that ``field`` of ``userVersion`` changed now for each user (one bulk write)."""
    ops = [UpdateOne({"_id": uid}, {"$set": {field: now}}, upsert=True) for uid in set(user_ids)]
    if ops:
        await store.bulk_write(USER_VERSION, ops)


async def group_version(store: Store, group_id: int, field: str) -> datetime | None:
    doc = await store.find_one(GROUP_VERSION, {"_id": group_id}, projection={field: 1})
    value = None if doc is None else doc.get(field)
    return value if isinstance(value, datetime) else None


async def user_version(store: Store, user_id: int, field: str) -> datetime | None:
    doc = await store.find_one(USER_VERSION, {"_id": user_id}, projection={field: 1})
    value = None if doc is None else doc.get(field)
    return value if isinstance(value, datetime) else None


def up_to_date(last_updated_ms: int | None, version: datetime | None) -> bool:
    """Turms's rule: the client is up to date when its date is at or after the version (or none exists)."""
    if last_updated_ms is None:
        return False
    if version is None:
        return True
    return last_updated_ms >= int(version.timestamp() * 1000)
