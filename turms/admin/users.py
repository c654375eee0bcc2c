"""Users: ``/users`` (create with a password, query, update, delete).

Creation goes through :func:`turms.service.accounts.create_user`, so an account made here logs in exactly like
one made by any other path. Deactivating or deleting users closes their sessions everywhere with
``USER_IS_DELETED_OR_INACTIVATED`` (700), as Turms does. Deletion is logical by default (``deletionDate`` is
set; logins then fail), as Turms's ``user.delete-user-logically`` default.
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.paging import DELETE_RESULT, UPDATE_RESULT, in_filter, page_result, page_schema, page_window
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, paging_params
from turms.admin.validation import int64, obj, string
from turms.protocol.status import SessionCloseStatus
from turms.security.passwords import hash_password_async
from turms.service.accounts import USER, create_user

P = AdminPermission
TAG = "users"
PROFILE_ACCESS = ("ALL", "ALL_EXCEPT_BLOCKED_USERS", "FRIENDS")

USER_RECORD = obj(
    {
        "id": int64(),
        "name": {"type": "string"},
        "intro": {"type": "string"},
        "profilePicture": {"type": "string"},
        "profileAccessStrategy": {"type": "string", "enum": [*PROFILE_ACCESS, "UNKNOWN"]},
        "roleId": int64(),
        "registrationDate": {"type": "string", "format": "date-time"},
        "deletionDate": {"type": "string", "format": "date-time"},
        "lastUpdatedDate": {"type": "string", "format": "date-time"},
        "isActive": {"type": "boolean"},
        "userDefinedAttributes": {"type": "object"},
    },
    ("id",),
)
EDITABLE = {
    "password": string(1, 128),
    "name": string(0, 64),
    "intro": string(0, 512),
    "profilePicture": string(0, 2048),
    "profileAccessStrategy": {"type": "string", "enum": list(PROFILE_ACCESS)},
    "roleId": int64(0),
    "isActive": {"type": "boolean"},
    "userDefinedAttributes": {
        "type": "object",
        "maxProperties": 64,
        "additionalProperties": {"type": ["string", "integer", "boolean"]},
    },
}
_FIELDS = {
    "name": "n",
    "intro": "intro",
    "profilePicture": "pp",
    "roleId": "pgid",
    "isActive": "act",
    "userDefinedAttributes": "uda",
}


def user_json(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": doc["_id"]}
    for name, short in _FIELDS.items():
        if doc.get(short) is not None:
            out[name] = doc[short]
    pas = doc.get("pas")
    if isinstance(pas, int):
        out["profileAccessStrategy"] = PROFILE_ACCESS[pas] if 0 <= pas < len(PROFILE_ACCESS) else "UNKNOWN"
    for name, short in (("registrationDate", "rd"), ("deletionDate", "dd"), ("lastUpdatedDate", "lud")):
        if doc.get(short) is not None:
            out[name] = doc[short]
    return out


def routes(deps: AdminDeps) -> list[Route]:
    store, settings = deps.store, deps.settings

    async def close_sessions(user_ids: list[int], status: SessionCloseStatus, reason: str) -> None:
        sessions = await deps.registry.sessions_of(user_ids)
        entries = [e for es in sessions.values() for e in es]
        if entries:
            await deps.bus.kick(entries, int(status), reason)

    async def create(call: Call) -> dict[str, Any]:
        b = call.body or {}
        user_id = b.get("id") or deps.ids.next_id()
        call.targets.append(user_id)
        doc = await create_user(
            store,
            user_id,
            b.get("password"),
            deps.clock.now(),
            name=b.get("name", ""),
            intro=b.get("intro", ""),
            profile_picture=b.get("profilePicture", ""),
            profile_access=PROFILE_ACCESS.index(b.get("profileAccessStrategy", "ALL")),
            role_id=b.get("roleId", 0),
            active=b.get("isActive", True),
            attributes=b.get("userDefinedAttributes"),
        )
        return user_json(doc)

    async def query(call: Call) -> dict[str, Any]:
        q = call.query
        flt: dict[str, Any] = {}
        in_filter(flt, "_id", q.get("ids"))
        if "isActive" in q:
            flt["act"] = q["isActive"]
        if not q.get("includeDeleted"):
            flt["dd"] = None
        dates: dict[str, Any] = {}
        if "registrationDateStart" in q:
            dates["$gte"] = q["registrationDateStart"]
        if "registrationDateEnd" in q:
            dates["$lt"] = q["registrationDateEnd"]
        if dates:
            flt["rd"] = dates
        skip, limit = page_window(call, settings)
        docs = await store.find(USER, flt, projection={"pw": 0}, sort=[("_id", 1)], skip=skip, limit=limit)
        return page_result(await store.count(USER, flt), [user_json(d) for d in docs])

    async def update(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        b = call.body
        update: dict[str, Any] = {"lud": deps.clock.now()}
        for name, short in _FIELDS.items():
            if name in b:
                update[short] = b[name]
        if "profileAccessStrategy" in b:
            update["pas"] = PROFILE_ACCESS.index(b["profileAccessStrategy"])
        if "password" in b:
            update["pw"] = (await hash_password_async(b["password"])).encode()
        result = await store.update_many(USER, {"_id": {"$in": ids}, "dd": None}, {"$set": update})
        if b.get("isActive") is False:
            await close_sessions(ids, SessionCloseStatus.USER_IS_DELETED_OR_INACTIVATED, "deactivated by an admin")
        return {"updatedCount": result.modified}

    async def delete(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        if call.query.get("deleteLogically", True):
            now = deps.clock.now()
            result = await store.update_many(USER, {"_id": {"$in": ids}, "dd": None}, {"$set": {"dd": now, "lud": now}})
            deleted = result.modified
        else:
            deleted = await store.delete_many(USER, {"_id": {"$in": ids}})
        await close_sessions(ids, SessionCloseStatus.USER_IS_DELETED_OR_INACTIVATED, "deleted by an admin")
        return {"deletedCount": deleted}

    ids_required = Param("ids", "int[]", "Ids of the users to act on.", required=True)
    return [
        Route(
            "POST",
            "/users",
            P.USER_CREATE,
            "Create a user (with a password for password logins).",
            create,
            TAG,
            body=obj({"id": int64(1), **EDITABLE}),
            body_required=False,
            response=USER_RECORD,
        ),
        Route(
            "GET",
            "/users",
            P.USER_QUERY,
            "Query users.",
            query,
            TAG,
            params=(
                Param("ids", "int[]"),
                Param("isActive", "bool"),
                Param("registrationDateStart", "date"),
                Param("registrationDateEnd", "date"),
                Param("includeDeleted", "bool", "Also list logically deleted users."),
                *paging_params(),
            ),
            response=page_schema(USER_RECORD),
        ),
        Route(
            "PUT",
            "/users",
            P.USER_UPDATE,
            "Update users; `isActive: false` also closes their sessions (700).",
            update,
            TAG,
            params=(ids_required,),
            body={**obj(EDITABLE), "minProperties": 1},
            response=UPDATE_RESULT,
        ),
        Route(
            "DELETE",
            "/users",
            P.USER_DELETE,
            "Delete users (logically by default) and close their sessions.",
            delete,
            TAG,
            params=(ids_required, Param("deleteLogically", "bool", default=True)),
            response=DELETE_RESULT,
        ),
    ]
