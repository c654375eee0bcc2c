"""Message-attachment records: creation with a quota reservation, shares, settling, deletion, listing.

Usage and quotas. Each user's ``storageUsage`` document counts the attachments they have stored and the bytes
charged for them. An upload is charged *before* its form is handed out, by one conditional ``$inc`` that only
matches while the user stays within the quota, so concurrent uploads on any worker cannot overrun it; it is
charged its maximum size (``max_size_bytes``) until the object's real size is known. The size becomes known when
the object is *settled*: at once on the local backend (which receives the upload), and on S3 the first time the
attachment's download URL is asked for, or when a reservation fails and the user's pending uploads whose forms
have expired are checked. A pending upload whose form expired without an object is removed and its charge given
back. A worker that dies between the charge and the record leaves the user charged for one upload too many:
usage may overcount, never undercount, so a quota is never exceeded.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.resource.model import ATTACHMENT, GROUP_TARGET, PENDING, SHARE, STORED, USAGE, USER_TARGET
from turms.service.resource.port import ObjectStore, ObjectStoreError, ResourceType, StoredObject
from turms.settings import Settings
from turms.settings import files as fs
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import ReturnDocument, Store

log = logging.getLogger("turms.files")

#: Pending uploads checked when a reservation fails, oldest first.
SETTLE_BATCH = 64
#: Most attachments one listing returns (newest first).
MAX_LISTED = 1000
#: How long after its form expired a pending upload is still given to arrive (an upload that started in time
#: may finish later) before a missing object means it never will.
SETTLE_GRACE = timedelta(seconds=60)
_ATT = ResourceType.MESSAGE_ATTACHMENT


def share_key(attachment_id: int, target: int, target_id: int) -> dict[str, int]:
    return {"aid": attachment_id, "t": target, "tid": target_id}


class Attachments:
    def __init__(self, store: Store, settings: Settings, backend: ObjectStore) -> None:
        self.store = store
        self.settings = settings
        self.backend = backend

    def _item(self, name: str) -> Any:
        return self.settings.get(fs.ITEMS[_ATT.setting_key][name])

    # -- quotas ---------------------------------------------------------------------------------------------

    async def quota(self, user_id: int) -> tuple[int, int]:
        """(most attachments, most bytes) for ``user_id``: their own quota, else the defaults; 0 is no limit."""
        doc = await self.store.find_one(USAGE, {"_id": user_id}, projection={"qc": 1, "qb": 1}) or {}
        count = doc.get("qc", self.settings.get(fs.QUOTA_MAX_COUNT))
        size = doc.get("qb", self.settings.get(fs.QUOTA_MAX_BYTES))
        return int(count), int(size)

    async def usage(self, user_id: int) -> tuple[int, int]:
        doc = await self.store.find_one(USAGE, {"_id": user_id}, projection={"c": 1, "b": 1}) or {}
        return int(doc.get("c", 0)), int(doc.get("b", 0))

    async def _charge(self, user_id: int, size: int) -> bool:
        max_count, max_bytes = await self.quota(user_id)
        if max_bytes and size > max_bytes:
            return False
        await self.store.update_one(USAGE, {"_id": user_id}, {"$setOnInsert": {"c": 0, "b": 0}}, upsert=True)
        flt: dict[str, Any] = {"_id": user_id}
        if max_count:
            flt["c"] = {"$lte": max_count - 1}
        if max_bytes:
            flt["b"] = {"$lte": max_bytes - size}
        done = await self.store.find_one_and_update(
            USAGE, flt, {"$inc": {"c": 1, "b": size}}, return_document=ReturnDocument.AFTER, projection={"_id": 1}
        )
        return done is not None

    async def _refund(self, user_id: int, count: int, size: int) -> None:
        if count or size:
            await self.store.update_one(USAGE, {"_id": user_id}, {"$inc": {"c": -count, "b": -size}})

    async def reserve(self, user_id: int, size: int, now: datetime) -> None:
        """Charge one upload of ``size`` bytes to ``user_id``, or raise REQUESTED_RECORDS_TOO_MANY (1104)."""
        if await self._charge(user_id, size):
            return
        await self.settle_expired(user_id, now)
        if await self._charge(user_id, size):
            return
        max_count, max_bytes = await self.quota(user_id)
        count, used = await self.usage(user_id)
        raise TurmsError(
            Code.REQUESTED_RECORDS_TOO_MANY,
            f"the message attachment quota is reached: {count} of {max_count or 'unlimited'} attachments, "
            f"{used} of {max_bytes or 'unlimited'} bytes, and this upload may take {size}",
        )

    # -- records --------------------------------------------------------------------------------------------

    async def create(
        self,
        attachment_id: int,
        uploader_id: int,
        name: str,
        media_type: str,
        now: datetime,
        target: tuple[int, int] | None,
    ) -> None:
        """Charge, then store the record and its first share: ``(USER_TARGET | GROUP_TARGET, id)``, the
        conversation it was uploaded to, or None."""
        size = int(self._item("max_size_bytes"))
        await self.reserve(uploader_id, size, now)
        doc = {"_id": attachment_id, "n": name, "mt": media_type, "uid": uploader_id, "cd": now, "sz": size}
        doc["st"] = PENDING
        try:
            await self.store.insert_one(ATTACHMENT, doc)
        except BaseException:
            await self._refund(uploader_id, 1, size)
            raise
        if target is not None:
            await self.share(doc, target[0], target[1], now)

    async def find(self, attachment_id: int) -> dict[str, Any] | None:
        return await self.store.find_one(ATTACHMENT, {"_id": attachment_id})

    async def share(self, doc: dict[str, Any], target: int, target_id: int, now: datetime) -> bool:
        """Share ``doc`` with a user or group; False when it already was."""
        share = {"_id": share_key(int(doc["_id"]), target, target_id), "uid": int(doc["uid"]), "acd": doc["cd"]}
        try:
            await self.store.insert_one(SHARE, share)
        except DuplicateKeyError:
            return False
        return True

    async def unshare(self, attachment_id: int, target: int, target_id: int) -> bool:
        return await self.store.delete_one(SHARE, {"_id": share_key(attachment_id, target, target_id)}) > 0

    async def shared_with(self, attachment_id: int) -> tuple[list[int], list[int]]:
        """(user ids, group ids) the attachment is shared with."""
        docs = await self.store.find(SHARE, {"_id.aid": attachment_id}, projection={"_id": 1})
        users = sorted(int(d["_id"]["tid"]) for d in docs if d["_id"]["t"] == USER_TARGET)
        groups = sorted(int(d["_id"]["tid"]) for d in docs if d["_id"]["t"] == GROUP_TARGET)
        return users, groups

    async def delete(self, doc: dict[str, Any]) -> None:
        """Remove the object, then the shares and the record, then give the charge back."""
        attachment_id = int(doc["_id"])
        await self.backend.delete(_ATT, str(attachment_id))
        await self.store.delete_many(SHARE, {"_id.aid": attachment_id})
        if await self.store.delete_one(ATTACHMENT, {"_id": attachment_id}):
            await self._refund(int(doc["uid"]), 1, int(doc.get("sz", 0)))

    # -- settling -------------------------------------------------------------------------------------------

    async def stored(self, key: str, obj: StoredObject) -> None:
        """The local backend received the object: record its real size (and refund the rest of the charge)."""
        if not key.isdigit():
            return
        await self._mark_stored(int(key), obj)

    async def _mark_stored(self, attachment_id: int, obj: StoredObject) -> dict[str, Any] | None:
        before = await self.store.find_one_and_update(
            ATTACHMENT,
            {"_id": attachment_id},
            {"$set": {"st": STORED, "sz": obj.size}},
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            return None
        # The difference from what was charged: the reservation on the first settling, the size change of a
        # re-upload under the same form afterwards.
        await self._refund(int(before["uid"]), 0, int(before.get("sz", 0)) - obj.size)
        before.update(st=STORED, sz=obj.size)
        return before

    async def settle(self, doc: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """Bring a pending record up to date with the backend: stored (with its size), still pending, or (its form
        expired without an object) removed, in which case None is returned."""
        if doc.get("st") == STORED:
            return doc
        try:
            obj = await self.backend.stat(_ATT, str(doc["_id"]))
        except ObjectStoreError as e:
            log.warning("cannot check attachment %s: %s", doc["_id"], e)
            return doc
        if obj is not None:
            return await self._mark_stored(int(doc["_id"]), obj)
        deadline = doc["cd"] + timedelta(seconds=int(self._item("upload_url_expire_after_s"))) + SETTLE_GRACE
        if now <= deadline:
            return doc
        await self.store.delete_many(SHARE, {"_id.aid": int(doc["_id"])})
        if await self.store.delete_one(ATTACHMENT, {"_id": doc["_id"], "st": PENDING}):
            await self._refund(int(doc["uid"]), 1, int(doc.get("sz", 0)))
        return None

    async def settle_expired(self, user_id: int, now: datetime) -> None:
        """Settle ``user_id``'s pending uploads whose forms have expired (the oldest :data:`SETTLE_BATCH`)."""
        expiry = timedelta(seconds=int(self._item("upload_url_expire_after_s"))) + SETTLE_GRACE
        docs = await self.store.find(
            ATTACHMENT,
            {"uid": user_id, "st": PENDING, "cd": {"$lt": now - expiry}},
            sort=[("cd", 1)],
            limit=SETTLE_BATCH,
        )
        for doc in docs:
            await self.settle(doc, now)

    # -- listing --------------------------------------------------------------------------------------------

    async def _listed(self, flt: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
        """Matching records whose objects are stored, newest first. Pending ones are settled first (one check
        each; there are only the uploads of the last minutes): an upload that has not arrived is not listed."""
        docs = await self.store.find(ATTACHMENT, flt, sort=[("cd", -1), ("_id", -1)], limit=MAX_LISTED)
        out = []
        for doc in docs:
            settled = await self.settle(doc, now) if doc.get("st") != STORED else doc
            if settled is not None and settled.get("st") == STORED:
                out.append(settled)
        return out

    async def uploaded_by(self, user_id: int, date_range: dict[str, datetime], now: datetime) -> list[dict[str, Any]]:
        flt: dict[str, Any] = {"uid": user_id}
        if date_range:
            flt["cd"] = date_range
        return await self._listed(flt, now)

    async def shared(self, flt: dict[str, Any], date_range: dict[str, datetime], now: datetime) -> list[dict[str, Any]]:
        """The attachments of the shares matching ``flt`` (and created in ``date_range``)."""
        if date_range:
            flt = {**flt, "acd": date_range}
        shares = await self.store.find(SHARE, flt, projection={"_id": 1}, sort=[("acd", -1)], limit=MAX_LISTED)
        ids = sorted({int(s["_id"]["aid"]) for s in shares})
        return await self._listed({"_id": {"$in": ids}}, now) if ids else []
