"""Who may upload, read and manage files: read-only checks of the relationship and group collections.

The users/relationships and groups domains own those collections; like the message domain's ``policy``, this
module only reads them through the store port and the schema's field names:

* ``userRelationship`` ``{_id: {oid, rid}}``: ``oid`` has a relationship with ``rid``; ``bd`` set = blocked;
* ``group``: ``dd`` set = deleted;
* ``groupMember`` ``{_id: {gid, uid}}``: ``role`` (0 owner, 1 manager).

Turms's rules (its MinIO plugin): a private-conversation attachment needs the other user to have a relationship
with the uploader that is not a block (``hasRelationshipAndNotBlocked(userId, requesterId)``); a group one needs
membership; a group picture needs the owner or a manager.
"""

from __future__ import annotations

from collections.abc import Iterable

from turms.service.resource.model import GROUP, GROUP_MEMBER, RELATIONSHIP
from turms.storage.port import Store

OWNER = 0
MANAGER = 1


async def related_and_not_blocked(store: Store, owner_id: int, related_id: int) -> bool:
    """Whether ``owner_id`` has a relationship with ``related_id`` that is not a block."""
    doc = await store.find_one(RELATIONSHIP, {"_id.oid": owner_id, "_id.rid": related_id}, projection={"bd": 1})
    return doc is not None and doc.get("bd") is None


async def is_member(store: Store, group_id: int, user_id: int) -> bool:
    doc = await store.find_one(GROUP_MEMBER, {"_id.gid": group_id, "_id.uid": user_id}, projection={"_id": 1})
    return doc is not None


async def member_of_any(store: Store, group_ids: Iterable[int], user_id: int) -> bool:
    ids = sorted(set(group_ids))
    if not ids:
        return False
    doc = await store.find_one(GROUP_MEMBER, {"_id.gid": {"$in": ids}, "_id.uid": user_id}, projection={"_id": 1})
    return doc is not None


async def managed_among(store: Store, group_ids: Iterable[int], user_id: int) -> list[int]:
    """The groups among ``group_ids`` where ``user_id`` is the owner or a manager."""
    ids = sorted(set(group_ids))
    if not ids:
        return []
    docs = await store.find(
        GROUP_MEMBER,
        {"_id.gid": {"$in": ids}, "_id.uid": user_id, "role": {"$in": [OWNER, MANAGER]}},
        projection={"_id": 1},
    )
    return sorted(int(d["_id"]["gid"]) for d in docs)


async def group_exists(store: Store, group_id: int) -> bool:
    doc = await store.find_one(GROUP, {"_id": group_id}, projection={"dd": 1})
    return doc is not None and doc.get("dd") is None
