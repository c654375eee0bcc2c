"""Users: ``/users`` (create with a password, query, update, delete) and ``/users/registrations`` (the app
backend registers its users, when ``service.user.registration.enabled`` allows it).

Every write goes through the user service (:mod:`turms.service.user.users`), so the admin API applies the same
rules as the rest of the server: name, intro and picture lengths from ``service.user.info.*``, an existing role,
``service.user.activate_user_when_added`` when no ``isActive`` is given, and ``service.user.delete_user_logically``
when no ``deleteLogically`` is given; a physical deletion also removes what the users own (relationships in both
directions, relationship groups, settings, versions …). An account made here logs in exactly like one made by
any other path. Deactivating or deleting users closes their sessions everywhere with
``USER_IS_DELETED_OR_INACTIVATED`` (700), as Turms does.
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.messages import message_services
from turms.admin.paging import DELETE_RESULT, UPDATE_RESULT, in_filter, page_result, page_schema, page_window
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, forbidden, paging_params
from turms.admin.validation import int64, obj, string
from turms.protocol.status import SessionCloseStatus
from turms.service.user import users as user_service
from turms.service.user.profiles import USER
from turms.settings import user as us

P = AdminPermission
TAG = "users"
PROFILE_ACCESS = ("ALL", "ALL_EXCEPT_BLOCKED_USERS", "FRIENDS")
#: What an app backend needs to register users. There is no narrower permission: Turms's USER_CREATE is the
#: closest, and a backend account should hold it alone.
REGISTER_PERMISSION = P.USER_CREATE

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
#: What a registration may set: a user's own profile, never its role or whether it is active.
REGISTRATION_FIELDS = ("password", "name", "intro", "profilePicture", "profileAccessStrategy", "userDefinedAttributes")
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

    async def create_from(call: Call, b: dict[str, Any], *, role_id: int, active: bool | None) -> dict[str, Any]:
        user_id = b.get("id") or deps.ids.next_id()
        call.targets.append(user_id)
        doc = await user_service.create_user(
            store,
            settings,
            user_id,
            b.get("password"),
            deps.clock.now(),
            name=b.get("name", ""),
            intro=b.get("intro", ""),
            profile_picture=b.get("profilePicture", ""),
            profile_access=PROFILE_ACCESS.index(b.get("profileAccessStrategy", "ALL")),
            role_id=role_id,
            active=active,
            attributes=b.get("userDefinedAttributes"),
        )
        return user_json(doc)

    async def create(call: Call) -> dict[str, Any]:
        b = call.body or {}
        return await create_from(call, b, role_id=b.get("roleId", 0), active=b.get("isActive"))

    async def register(call: Call) -> dict[str, Any]:
        # Read per call: the setting is live, so turning registration off takes effect at once.
        if not settings.get(us.REGISTRATION_ENABLED):
            raise forbidden("user registration is turned off (service.user.registration.enabled)")
        return await create_from(call, call.body or {}, role_id=user_service.DEFAULT_USER_ROLE_ID, active=None)

    async def query(call: Call) -> dict[str, Any]:
        q = call.query
        flt: dict[str, Any] = {}
        in_filter(flt, "_id", q.get("ids"))
        in_filter(flt, "n", q.get("names"))
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
        pas = b.get("profileAccessStrategy")
        updated = await user_service.update_users(
            store,
            settings,
            ids,
            deps.clock.now(),
            password=b.get("password"),
            name=b.get("name"),
            intro=b.get("intro"),
            profile_picture=b.get("profilePicture"),
            profile_access=None if pas is None else PROFILE_ACCESS.index(pas),
            role_id=b.get("roleId"),
            active=b.get("isActive"),
            attributes=b.get("userDefinedAttributes"),
        )
        if b.get("isActive") is False:
            await close_sessions(ids, SessionCloseStatus.USER_IS_DELETED_OR_INACTIVATED, "deactivated by an admin")
        return {"updatedCount": updated}

    async def delete(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        # Absent: ``service.user.delete_user_logically`` decides (read by the service at the call).
        logically: bool | None = call.query.get("deleteLogically")
        deleted = await user_service.delete_users(store, settings, ids, deps.clock.now(), logically=logically)
        # A physical deletion removes relationships of and with these users: the send check's cache forgets them.
        await message_services(deps).relationships.changed(None)
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
                Param("names", "str[]", "Users with exactly these names."),
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
            "Delete users and close their sessions (700). A physical deletion also removes their relationships "
            "(both directions), relationship groups, settings, versions and friend requests.",
            delete,
            TAG,
            params=(
                ids_required,
                Param(
                    "deleteLogically",
                    "bool",
                    "Only mark the users deleted; absent: the setting `service.user.delete_user_logically` "
                    "(default true).",
                ),
            ),
            response=DELETE_RESULT,
        ),
        Route(
            "POST",
            "/users/registrations",
            REGISTER_PERMISSION,
            "Register a user for the app backend (only when `service.user.registration.enabled`; else 403): "
            "the same checks as `POST /users`, the default role, active as `service.user.activate_user_when_added`.",
            register,
            TAG,
            body=obj({"id": int64(1), **{k: EDITABLE[k] for k in REGISTRATION_FIELDS}}),
            body_required=False,
            response=USER_RECORD,
        ),
    ]
