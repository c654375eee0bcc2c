"""Storage of one-sided relationships and relationship-group membership, shared by every handler.

A relationship is one document per direction in ``userRelationship`` (``_id = {oid, rid}``); ``bd`` set means
the owner blocked the related user. The handlers here read blocks from the store on every check; the send check
of private messages reads them through the worker's cache (``turms.service.relationship.cache``), which every
write here must tell (``services.relationships.changed``).

Every relationship belongs to at least one of its owner's relationship groups; group 0 is the default group,
which always exists (it is created on first use).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.service.user import versions
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import Store

RELATIONSHIP = "userRelationship"
GROUP = "userRelationshipGroup"
GROUP_MEMBER = "userRelationshipGroupMember"
DEFAULT_GROUP_INDEX = 0

#: Version fields that change when a relationship is created or deleted.
RELATIONSHIP_VERSIONS = (versions.RELATIONSHIPS, versions.RELATIONSHIP_GROUP_MEMBERS)
#: Version fields read by relationship queries (which may filter by group).
RELATIONSHIP_QUERY_VERSIONS = RELATIONSHIP_VERSIONS


def relationship_key(owner_id: int, related_user_id: int) -> dict[str, int]:
    return {"oid": owner_id, "rid": related_user_id}


def group_key(owner_id: int, index: int) -> dict[str, int]:
    return {"oid": owner_id, "gidx": index}


def member_key(owner_id: int, index: int, related_user_id: int) -> dict[str, int]:
    return {"oid": owner_id, "gidx": index, "ruid": related_user_id}


def _rel_filter(owner_id: int, related_user_id: int) -> dict[str, Any]:
    return {"_id.oid": owner_id, "_id.rid": related_user_id}


# Reads ------------------------------------------------------------------------------------------------


async def find_relationship(store: Store, owner_id: int, related_user_id: int) -> dict[str, Any] | None:
    return await store.find_one(RELATIONSHIP, _rel_filter(owner_id, related_user_id))


async def is_blocked(store: Store, owner_id: int, related_user_id: int) -> bool:
    """Whether ``owner_id`` has blocked ``related_user_id`` (read from the store: no stale window)."""
    doc = await store.find_one(RELATIONSHIP, _rel_filter(owner_id, related_user_id), projection={"bd": 1})
    return doc is not None and doc.get("bd") is not None


async def has_relationship_and_not_blocked(store: Store, owner_id: int, related_user_id: int) -> bool:
    doc = await store.find_one(RELATIONSHIP, _rel_filter(owner_id, related_user_id), projection={"bd": 1})
    return doc is not None and doc.get("bd") is None


async def related_user_ids(
    store: Store, owner_id: int, *, blocked: bool | None = None, group_indexes: Iterable[int] | None = None
) -> list[int]:
    """The related users of ``owner_id``, optionally only (un)blocked ones and members of some groups."""
    flt: dict[str, Any] = {"_id.oid": owner_id}
    if blocked is True:
        flt["bd"] = {"$exists": True}
    elif blocked is False:
        flt["bd"] = {"$exists": False}
    ids = [int(d["_id"]["rid"]) for d in await store.find(RELATIONSHIP, flt, projection={"_id": 1})]
    if group_indexes is not None:
        members = set(await group_member_ids(store, owner_id, group_indexes))
        ids = [i for i in ids if i in members]
    return sorted(ids)


async def group_member_ids(store: Store, owner_id: int, indexes: Iterable[int]) -> list[int]:
    wanted = sorted(set(indexes))
    if not wanted:
        return []
    docs = await store.find(GROUP_MEMBER, {"_id.oid": owner_id, "_id.gidx": {"$in": wanted}}, projection={"_id": 1})
    return sorted({int(d["_id"]["ruid"]) for d in docs})


async def member_group_indexes(store: Store, owner_id: int, related_user_id: int) -> list[int]:
    docs = await store.find(GROUP_MEMBER, {"_id.oid": owner_id, "_id.ruid": related_user_id}, projection={"_id": 1})
    return sorted(int(d["_id"]["gidx"]) for d in docs)


async def group_exists(store: Store, owner_id: int, index: int) -> bool:
    if index == DEFAULT_GROUP_INDEX:
        return True
    return await store.find_one(GROUP, {"_id.oid": owner_id, "_id.gidx": index}, projection={"_id": 1}) is not None


async def ensure_default_group(store: Store, owner_id: int, now: datetime) -> None:
    # Read first: the group exists almost always, and a read costs no write transaction.
    key = group_key(owner_id, DEFAULT_GROUP_INDEX)
    if await store.find_one(GROUP, {"_id.oid": owner_id, "_id.gidx": DEFAULT_GROUP_INDEX}, projection={"_id": 1}):
        return
    await store.update_one(
        GROUP,
        {"_id": key},
        {"$setOnInsert": {"n": "", "cd": now}},
        upsert=True,
    )


# Writes -----------------------------------------------------------------------------------------------


async def upsert_relationship(
    store: Store,
    owner_id: int,
    related_user_id: int,
    now: datetime,
    *,
    name: str | None = None,
    note: str | None = None,
    blocked: bool | None = None,
    create_only: bool = False,
) -> bool:
    """Create or update ``owner_id``'s relationship; True when it was created.

    ``blocked`` None leaves the block as it is (Turms's upsert clears it; leaving it is what a client that
    only renames a contact expects). With ``create_only`` an existing relationship answers
    ``CREATE_EXISTING_RELATIONSHIP``.
    """
    if owner_id == related_user_id:
        code = ResponseStatusCode.CANNOT_BLOCK_ONESELF if blocked else ResponseStatusCode.ILLEGAL_ARGUMENT
        raise TurmsError(code, "a user cannot have a relationship with themself")
    if create_only:
        doc: dict[str, Any] = {"_id": relationship_key(owner_id, related_user_id), "ed": now}
        if name is not None:
            doc["n"] = name
        if note is not None:
            doc["nt"] = note
        if blocked:
            doc["bd"] = now
        try:
            await store.insert_one(RELATIONSHIP, doc)
        except DuplicateKeyError:
            raise TurmsError(ResponseStatusCode.CREATE_EXISTING_RELATIONSHIP) from None
        return True
    update: dict[str, dict[str, Any]] = {"$setOnInsert": {"ed": now}}
    to_set: dict[str, Any] = {}
    if name is not None:
        to_set["n"] = name
    if note is not None:
        to_set["nt"] = note
    if to_set:
        update["$set"] = to_set
    if blocked is True:
        # $min keeps the date of an earlier block and sets it when there is none.
        update["$min"] = {"bd": now}
    elif blocked is False:
        update["$unset"] = {"bd": ""}
    result = await store.update_one(
        RELATIONSHIP, {"_id": relationship_key(owner_id, related_user_id)}, update, upsert=True
    )
    return result.upserted_id is not None


async def ensure_group(store: Store, owner_id: int, index: int, now: datetime) -> bool:
    """Create ``owner_id``'s relationship group ``index`` (empty name) unless it exists; True when created.

    Turms records a relationship under any group index a client names, existing or not; the group then exists
    for the client, so we store it too and it appears in QueryRelationshipGroupsRequest (Turms, which stores no
    group document there, lists only the groups created explicitly).
    """
    if index == DEFAULT_GROUP_INDEX:
        await ensure_default_group(store, owner_id, now)
        return False
    if await group_exists(store, owner_id, index):
        return False
    result = await store.update_one(
        GROUP, {"_id": group_key(owner_id, index)}, {"$setOnInsert": {"n": "", "cd": now}}, upsert=True
    )
    return result.upserted_id is not None


async def add_member(store: Store, owner_id: int, related_user_id: int, index: int, now: datetime) -> bool:
    """Put the related user in group ``index`` (created when it does not exist yet); True when newly added.

    A group created here bumps the owner's relationship-groups version, so clients syncing groups see it.
    """
    if await ensure_group(store, owner_id, index, now):
        await versions.bump(store, [owner_id], [versions.RELATIONSHIP_GROUPS], now)
    result = await store.update_one(
        GROUP_MEMBER,
        {"_id": member_key(owner_id, index, related_user_id)},
        {"$setOnInsert": {"jd": now}},
        upsert=True,
    )
    return result.upserted_id is not None


async def remove_member(store: Store, owner_id: int, related_user_id: int, index: int) -> bool:
    return await store.delete_one(GROUP_MEMBER, {"_id": member_key(owner_id, index, related_user_id)}) > 0


async def move_member(
    store: Store, owner_id: int, related_user_id: int, from_index: int, to_index: int, now: datetime
) -> None:
    """Add to ``to_index`` first, then leave ``from_index``, so the user is never in no group at all."""
    await add_member(store, owner_id, related_user_id, to_index, now)
    if from_index != to_index:
        await remove_member(store, owner_id, related_user_id, from_index)


async def delete_relationship(
    store: Store, owner_id: int, related_user_id: int, group_index: int | None, now: datetime
) -> bool:
    """Turms's one-sided deletion; True when the relationship itself was deleted.

    With ``group_index`` the related user only leaves that group, and the relationship goes when no group
    holds them any more.
    """
    if group_index is not None:
        if not await remove_member(store, owner_id, related_user_id, group_index):
            return False
        if await member_group_indexes(store, owner_id, related_user_id):
            await versions.bump(store, [owner_id], [versions.RELATIONSHIP_GROUP_MEMBERS], now)
            return False
    else:
        await store.delete_many(GROUP_MEMBER, {"_id.oid": owner_id, "_id.ruid": related_user_id})
    deleted = await store.delete_one(RELATIONSHIP, {"_id": relationship_key(owner_id, related_user_id)}) > 0
    if deleted or group_index is not None:
        await versions.bump(store, [owner_id], RELATIONSHIP_VERSIONS, now)
    return deleted


async def friend(store: Store, user_one: int, user_two: int, now: datetime) -> tuple[int | None, int | None]:
    """Make two users friends (both directions, unblocked, in the default group when new there).

    Returns, for each side, the group index the other user was newly added to, or None.
    """
    added: list[int | None] = []
    for owner, related in ((user_one, user_two), (user_two, user_one)):
        await upsert_relationship(store, owner, related, now, blocked=False)
        indexes = await member_group_indexes(store, owner, related)
        if indexes:
            added.append(None)
        else:
            await add_member(store, owner, related, DEFAULT_GROUP_INDEX, now)
            added.append(DEFAULT_GROUP_INDEX)
    await versions.bump(store, [user_one, user_two], RELATIONSHIP_VERSIONS, now)
    return added[0], added[1]


async def delete_all_of(store: Store, user_ids: Iterable[int]) -> None:
    """Remove every relationship, group and membership owned by ``user_ids`` (physical user deletion)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    await store.delete_many(GROUP_MEMBER, {"_id.oid": {"$in": ids}})
    await store.delete_many(GROUP, {"_id.oid": {"$in": ids}})
    await store.delete_many(RELATIONSHIP, {"_id.oid": {"$in": ids}})
