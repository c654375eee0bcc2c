"""Files (``/storage/...``): message attachments (list, delete), profile pictures (delete) and per-user quotas.

Deletions go through the files domain (``turms.service.resource.attachments``), as a client's would: the object
goes from the backend, then the shares and the record, and the uploader's usage is given back. A quota is a
user's own limit on attachments (count, bytes; 0 = none), overriding the defaults
``service.storage.message_attachment.quota.*``; deleting it returns the user to the defaults. Usage is what the
domain has charged (docs/files.md: an upload counts its maximum size until its real size is known).
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.paging import DELETE_RESULT, UPDATE_RESULT, page_result, page_schema, page_window
from turms.admin.permissions import AdminPermission
from turms.admin.routes import ApiError, Call, Param, Route, bad_request, paging_params
from turms.admin.validation import int64, obj
from turms.clock import datetime_to_ms
from turms.protocol.status import ResponseStatusCode
from turms.service.resource.attachments import Attachments
from turms.service.resource.model import ATTACHMENT, GROUP_TARGET, SHARE, STORED, USAGE, USER_TARGET
from turms.service.resource.port import ObjectStore, ObjectStoreError, ResourceType

P = AdminPermission
TAG = "storage"
ATTACHMENT_RECORD = obj(
    {
        "id": int64(),
        "name": {"type": "string"},
        "mediaType": {"type": "string"},
        "uploaderId": int64(),
        "creationDate": int64(0),
        "size": int64(0),
        "stored": {"type": "boolean"},
        "sharedWithUserIds": {"type": "array", "items": int64()},
        "sharedWithGroupIds": {"type": "array", "items": int64()},
    },
    ("id", "uploaderId", "creationDate", "size", "stored", "sharedWithUserIds", "sharedWithGroupIds"),
)
QUOTA_RECORD = obj(
    {
        "userId": int64(),
        "maxCount": int64(0),
        "maxBytes": int64(0),
        "custom": {"type": "boolean", "description": "The user's own quota (else the defaults)."},
        "count": int64(),
        "bytes": int64(),
    },
    ("userId", "maxCount", "maxBytes", "custom", "count", "bytes"),
)
QUOTA_BODY = obj(
    {
        "maxCount": int64(0, description="Most attachments stored; 0: no limit."),
        "maxBytes": int64(0, description="Most bytes stored; 0: no limit."),
    },
)
QUOTA_BODY["minProperties"] = 1
QUOTA_BODY["examples"] = [{"maxCount": 100, "maxBytes": 104857600}]
DELETED_PICTURES = obj({"deletedCount": int64(0)}, ("deletedCount",))


def routes(deps: AdminDeps) -> list[Route]:
    store, settings = deps.store, deps.settings

    def backend() -> ObjectStore:
        if deps.files is None:
            raise ApiError(ResponseStatusCode.STORAGE_NOT_IMPLEMENTED, "no files backend is configured")
        return deps.files

    async def attachments_json(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [int(d["_id"]) for d in docs]
        shares = await store.find(SHARE, {"_id.aid": {"$in": ids}}, projection={"_id": 1}) if ids else []
        out = []
        for d in docs:
            mine = [s["_id"] for s in shares if s["_id"]["aid"] == d["_id"]]
            record: dict[str, Any] = {
                "id": int(d["_id"]),
                "uploaderId": int(d["uid"]),
                "creationDate": datetime_to_ms(d["cd"]),
                "size": int(d.get("sz", 0)),
                "stored": d.get("st") == STORED,
                "sharedWithUserIds": sorted(int(k["tid"]) for k in mine if k["t"] == USER_TARGET),
                "sharedWithGroupIds": sorted(int(k["tid"]) for k in mine if k["t"] == GROUP_TARGET),
            }
            if d.get("n") is not None:
                record["name"] = d["n"]
            if d.get("mt") is not None:
                record["mediaType"] = d["mt"]
            out.append(record)
        return out

    async def query_attachments(call: Call) -> dict[str, Any]:
        flt: dict[str, Any] = {}
        if call.query.get("ids"):
            flt["_id"] = {"$in": call.query["ids"]}
        if call.query.get("uploaderIds"):
            flt["uid"] = {"$in": call.query["uploaderIds"]}
        dates = {}
        if "creationDateStart" in call.query:
            dates["$gte"] = call.query["creationDateStart"]
        if "creationDateEnd" in call.query:
            dates["$lte"] = call.query["creationDateEnd"]
        if dates:
            flt["cd"] = dates
        skip, limit = page_window(call, settings)
        total = await store.count(ATTACHMENT, flt)
        docs = await store.find(ATTACHMENT, flt, sort=[("cd", -1), ("_id", -1)], skip=skip, limit=limit)
        return page_result(total, await attachments_json(docs))

    async def delete_attachments(call: Call) -> dict[str, Any]:
        docs = await store.find(ATTACHMENT, {"_id": {"$in": call.query["ids"]}})
        if not docs:
            return {"deletedCount": 0}
        attachments = Attachments(store, settings, backend())
        for doc in docs:
            try:
                await attachments.delete(doc)
            except ObjectStoreError as e:
                raise ApiError(ResponseStatusCode.SERVER_UNAVAILABLE, f"the file store failed: {e}") from None
        return {"deletedCount": len(docs)}

    async def delete_pictures(call: Call) -> dict[str, Any]:
        user_ids: list[int] = call.query.get("userIds") or []
        group_ids: list[int] = call.query.get("groupIds") or []
        if not user_ids and not group_ids:
            raise bad_request("name userIds or groupIds")
        files = backend()
        deleted = 0
        try:
            pictures = ((ResourceType.USER_PROFILE_PICTURE, user_ids), (ResourceType.GROUP_PROFILE_PICTURE, group_ids))
            for type, ids in pictures:
                for i in ids:
                    if await files.stat(type, str(i)) is not None:
                        await files.delete(type, str(i))
                        deleted += 1
        except ObjectStoreError as e:
            raise ApiError(ResponseStatusCode.SERVER_UNAVAILABLE, f"the file store failed: {e}") from None
        call.targets.extend(user_ids + [-g for g in group_ids])
        return {"deletedCount": deleted}

    async def query_quotas(call: Call) -> list[dict[str, Any]]:
        attachments = Attachments(store, settings, backend()) if deps.files is not None else None
        out = []
        for uid in call.query["userIds"]:
            doc = await store.find_one(USAGE, {"_id": uid}) or {}
            if attachments is not None:
                max_count, max_bytes = await attachments.quota(uid)
            else:
                max_count, max_bytes = int(doc.get("qc", 0)), int(doc.get("qb", 0))
            out.append(
                {
                    "userId": uid,
                    "maxCount": max_count,
                    "maxBytes": max_bytes,
                    "custom": "qc" in doc or "qb" in doc,
                    "count": int(doc.get("c", 0)),
                    "bytes": int(doc.get("b", 0)),
                }
            )
        return out

    async def update_quotas(call: Call) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "maxCount" in call.body:
            changes["qc"] = call.body["maxCount"]
        if "maxBytes" in call.body:
            changes["qb"] = call.body["maxBytes"]
        update = {"$set": changes, "$setOnInsert": {"c": 0, "b": 0}}
        updated = 0
        for uid in call.query["userIds"]:
            result = await store.update_one(USAGE, {"_id": uid}, update, upsert=True)
            updated += 1 if result.modified or result.upserted_id is not None else 0
        return {"updatedCount": updated}

    async def delete_quotas(call: Call) -> dict[str, Any]:
        result = await store.update_many(
            USAGE, {"_id": {"$in": call.query["userIds"]}}, {"$unset": {"qc": "", "qb": ""}}
        )
        return {"deletedCount": result.modified}

    ids = Param("ids", "int[]", "Attachment ids.", minimum=1)
    user_ids = Param("userIds", "int[]", "User ids.", required=True, minimum=1)
    return [
        Route(
            "GET",
            "/storage/attachments",
            P.STORAGE_RESOURCE_QUERY,
            "Message attachments, newest first, with whom each is shared.",
            query_attachments,
            TAG,
            params=(
                ids,
                Param("uploaderIds", "int[]", "Uploaders.", minimum=1),
                Param("creationDateStart", "date", "Created at or after."),
                Param("creationDateEnd", "date", "Created at or before."),
                *paging_params(),
            ),
            response=page_schema(ATTACHMENT_RECORD),
        ),
        Route(
            "DELETE",
            "/storage/attachments",
            P.STORAGE_RESOURCE_DELETE,
            "Delete message attachments: the stored object, the record and its shares; the usage is given back.",
            delete_attachments,
            TAG,
            params=(Param("ids", "int[]", "Attachment ids.", required=True, minimum=1),),
            response=DELETE_RESULT,
        ),
        Route(
            "DELETE",
            "/storage/profile-pictures",
            P.STORAGE_RESOURCE_DELETE,
            "Delete users' and groups' profile pictures.",
            delete_pictures,
            TAG,
            params=(
                Param("userIds", "int[]", "Users whose picture goes.", minimum=1),
                Param("groupIds", "int[]", "Groups whose picture goes.", minimum=1),
            ),
            response=DELETED_PICTURES,
            target_param=None,
        ),
        Route(
            "GET",
            "/storage/quotas",
            P.STORAGE_QUOTA_QUERY,
            "Users' attachment quotas (their own or the defaults) and usage.",
            query_quotas,
            TAG,
            params=(user_ids,),
            response={"type": "array", "items": QUOTA_RECORD},
        ),
        Route(
            "PUT",
            "/storage/quotas",
            P.STORAGE_QUOTA_UPDATE,
            "Set users' own attachment quotas (0: no limit).",
            update_quotas,
            TAG,
            params=(user_ids,),
            body=QUOTA_BODY,
            response=UPDATE_RESULT,
            target_param="userIds",
        ),
        Route(
            "DELETE",
            "/storage/quotas",
            P.STORAGE_QUOTA_UPDATE,
            "Return users to the default attachment quotas.",
            delete_quotas,
            TAG,
            params=(user_ids,),
            response=DELETE_RESULT,
            target_param="userIds",
        ),
    ]
