"""Admins, admin roles and permissions: ``/admins``, ``/admins/roles``, ``/admins/permissions``.

Rank rules (see :mod:`turms.admin.rbac`): a caller creates, changes and deletes only admins and roles ranked
strictly below its own, hands out only such roles, grants only permissions it holds, cannot change its own
roles, and nobody can change or delete the ROOT role or the root admin.
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.paging import DELETE_RESULT, UPDATE_RESULT, in_filter, page_result, page_schema, page_window
from turms.admin.permissions import (
    AUTHENTICATED,
    ROOT_ADMIN_ID,
    ROOT_RANK,
    ROOT_ROLE_ID,
    AdminPermission,
)
from turms.admin.rbac import ADMIN, ADMIN_ROLE, ROOT_ROLE, Role, load_roles, principal_of, role_from_doc
from turms.admin.routes import Call, Param, Route, bad_request, forbidden, paging_params
from turms.admin.validation import array, int64, obj, string
from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.security.passwords import hash_password_async
from turms.storage.errors import DuplicateKeyError

P = AdminPermission
TAG_ADMINS = "admins"
TAG_ROLES = "admin roles"
PERMISSION_NAMES = [p.value for p in AdminPermission]

LOGIN_NAME = string(1, 32, description="No whitespace.")
PASSWORD = string(1, 128)
ADMIN_NAME = string(0, 32)
ROLE_IDS = array(int64(1), 32, minItems=1, uniqueItems=True)
PERMISSIONS = array({"type": "string", "enum": PERMISSION_NAMES}, len(PERMISSION_NAMES), uniqueItems=True)
RANK = int64(0, ROOT_RANK - 1, description="Higher ranks manage lower ones; ROOT is 2147483647.")

ADMIN_RECORD = obj(
    {
        "id": int64(),
        "loginName": {"type": "string"},
        "name": {"type": "string"},
        "roleIds": {"type": "array", "items": int64()},
        "registrationDate": {"type": "string", "format": "date-time"},
    },
    ("id", "loginName", "roleIds"),
)
ROLE_RECORD = obj(
    {
        "id": int64(),
        "name": {"type": "string"},
        "permissions": {"type": "array", "items": {"type": "string"}},
        "rank": {"type": "integer"},
    },
    ("id", "name", "permissions", "rank"),
)


def admin_json(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": doc["_id"],
        "loginName": doc.get("ln", ""),
        "name": doc.get("n", ""),
        "roleIds": list(doc.get("rid") or []),
    }
    if doc.get("rd") is not None:
        out["registrationDate"] = doc["rd"]
    return out


def _check_login_name(name: str) -> None:
    if any(c.isspace() for c in name):
        raise bad_request("loginName must not contain whitespace")


def routes(deps: AdminDeps) -> list[Route]:
    store, settings = deps.store, deps.settings

    async def roles_rank(role_ids: list[int]) -> int:
        if ROOT_ROLE_ID in role_ids:
            raise forbidden("the ROOT role cannot be assigned")
        found = await load_roles(store, role_ids)
        missing = [r for r in role_ids if r not in found]
        if missing:
            raise bad_request(f"unknown role ids: {missing}")
        return max(r.rank for r in found.values())

    async def require_outranks_admins(call: Call, ids: list[int]) -> None:
        if ROOT_ADMIN_ID in ids:
            raise forbidden("the root admin cannot be changed or deleted through the API")
        for doc in await store.find(ADMIN, {"_id": {"$in": ids}}):
            target = await principal_of(store, doc)
            call.admin.require_outranks_rank(target.rank, "admins")

    # -- admins ------------------------------------------------------------------------------------

    async def check_login(call: Call) -> None:
        return None

    async def create_admin(call: Call) -> dict[str, Any]:
        body = call.body
        _check_login_name(body["loginName"])
        call.admin.require_outranks_rank(await roles_rank(body["roleIds"]), "roles")
        doc = {
            "_id": deps.ids.next_id(),
            "ln": body["loginName"],
            "pw": (await hash_password_async(body["password"])).encode(),
            "n": body.get("name", ""),
            "rid": body["roleIds"],
            "rd": deps.clock.now(),
        }
        call.targets.append(doc["_id"])
        try:
            await store.insert_one(ADMIN, doc)
        except DuplicateKeyError:
            raise TurmsError(ResponseStatusCode.RECORD_CONTAINS_DUPLICATE_KEY, "the login name is taken") from None
        return admin_json(doc)

    async def query_admins(call: Call) -> dict[str, Any]:
        flt: dict[str, Any] = {}
        in_filter(flt, "_id", call.query.get("ids"))
        in_filter(flt, "ln", call.query.get("loginNames"))
        if call.query.get("roleIds"):
            flt["$or"] = [{"rid": r} for r in call.query["roleIds"]]
        skip, limit = page_window(call, settings)
        docs = await store.find(ADMIN, flt, projection={"pw": 0}, sort=[("_id", 1)], skip=skip, limit=limit)
        return page_result(await store.count(ADMIN, flt), [admin_json(d) for d in docs])

    async def update_admins(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        body = call.body
        if ROOT_ADMIN_ID in ids:
            # Not even by itself: the root's password is configuration (admin.root.password or password_file,
            # applied at the next start or reload), so a stolen root session cannot lock the operator out.
            raise forbidden(
                "the root admin cannot be changed through the API; set admin.root.password_file (or "
                "admin.root.password) and reload"
            )
        only_self = ids == [call.admin.admin_id]
        if "roleIds" in body and call.admin.admin_id in ids:
            raise forbidden("an admin cannot change its own roles")
        if not only_self:
            await require_outranks_admins(call, ids)
        update: dict[str, Any] = {}
        if "roleIds" in body:
            call.admin.require_outranks_rank(await roles_rank(body["roleIds"]), "roles")
            update["rid"] = body["roleIds"]
        if "name" in body:
            update["n"] = body["name"]
        if "password" in body:
            update["pw"] = (await hash_password_async(body["password"])).encode()
        result = await store.update_many(ADMIN, {"_id": {"$in": ids}}, {"$set": update})
        return {"updatedCount": result.modified}

    async def delete_admins(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        await require_outranks_admins(call, ids)
        return {"deletedCount": await store.delete_many(ADMIN, {"_id": {"$in": ids}})}

    # -- roles -------------------------------------------------------------------------------------

    def check_grant(call: Call, body: dict[str, Any]) -> None:
        if "rank" in body:
            call.admin.require_outranks_rank(body["rank"], "roles")
        if "permissions" in body:
            call.admin.require_permissions(AdminPermission(p) for p in body["permissions"])

    async def require_outranks_roles(call: Call, ids: list[int]) -> None:
        if ROOT_ROLE_ID in ids:
            raise forbidden("the ROOT role is immutable")
        for role in (await load_roles(store, ids)).values():
            call.admin.require_outranks_rank(role.rank, "roles")

    async def create_role(call: Call) -> dict[str, Any]:
        body = call.body
        check_grant(call, body)
        role_id = body.get("id") or deps.ids.next_id()
        doc = {
            "_id": role_id,
            "n": body["name"],
            "perm": sorted(set(body["permissions"])),
            "rank": body["rank"],
            "cd": deps.clock.now(),
        }
        call.targets.append(role_id)
        try:
            await store.insert_one(ADMIN_ROLE, doc)
        except DuplicateKeyError:
            raise TurmsError(ResponseStatusCode.RECORD_CONTAINS_DUPLICATE_KEY, f"role {role_id} exists") from None
        return role_from_doc(doc).to_json()

    def root_matches(call: Call) -> bool:
        q = call.query
        return (
            (not q.get("ids") or ROOT_ROLE_ID in q["ids"])
            and (not q.get("names") or ROOT_ROLE.name in q["names"])
            and (not q.get("ranks") or ROOT_ROLE.rank in q["ranks"])
        )  # ROOT holds every permission, so includedPermissions always matches it

    async def query_roles(call: Call) -> dict[str, Any]:
        flt: dict[str, Any] = {}
        in_filter(flt, "_id", call.query.get("ids"))
        in_filter(flt, "n", call.query.get("names"))
        in_filter(flt, "rank", call.query.get("ranks"))
        if call.query.get("includedPermissions"):
            flt["$and"] = [{"perm": p} for p in call.query["includedPermissions"]]
        skip, limit = page_window(call, settings)
        records: list[Role] = []
        with_root = root_matches(call)
        if with_root:
            # The built-in ROOT role is listed first, as if stored.
            if skip == 0:
                records.append(ROOT_ROLE)
                limit -= 1
            else:
                skip -= 1
        if limit > 0:
            docs = await store.find(ADMIN_ROLE, flt, sort=[("_id", 1)], skip=skip, limit=limit)
            records.extend(role_from_doc(d) for d in docs)
        total = await store.count(ADMIN_ROLE, flt) + (1 if with_root else 0)
        return page_result(total, [r.to_json() for r in records])

    async def update_roles(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        await require_outranks_roles(call, ids)
        check_grant(call, call.body)
        update: dict[str, Any] = {}
        if "name" in call.body:
            update["n"] = call.body["name"]
        if "permissions" in call.body:
            update["perm"] = sorted(set(call.body["permissions"]))
        if "rank" in call.body:
            update["rank"] = call.body["rank"]
        result = await store.update_many(ADMIN_ROLE, {"_id": {"$in": ids}}, {"$set": update})
        return {"updatedCount": result.modified}

    async def delete_roles(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        await require_outranks_roles(call, ids)
        return {"deletedCount": await store.delete_many(ADMIN_ROLE, {"_id": {"$in": ids}})}

    async def query_permissions(call: Call) -> list[str]:
        return PERMISSION_NAMES

    ids_required = Param("ids", "int[]", "Ids of the records to act on.", required=True)
    return [
        Route(
            "HEAD",
            "/admins",
            AUTHENTICATED,
            "Check the caller's credentials (200 or 401).",
            check_login,
            TAG_ADMINS,
            target_param=None,
        ),
        Route(
            "POST",
            "/admins",
            P.ADMIN_CREATE,
            "Create an admin with roles ranked below the caller's.",
            create_admin,
            TAG_ADMINS,
            body=obj(
                {"loginName": LOGIN_NAME, "password": PASSWORD, "name": ADMIN_NAME, "roleIds": ROLE_IDS},
                ("loginName", "password", "roleIds"),
            ),
            response=ADMIN_RECORD,
        ),
        Route(
            "GET",
            "/admins",
            P.ADMIN_QUERY,
            "Query admins (never their password hashes).",
            query_admins,
            TAG_ADMINS,
            params=(Param("ids", "int[]"), Param("loginNames", "str[]"), Param("roleIds", "int[]"), *paging_params()),
            response=page_schema(ADMIN_RECORD),
        ),
        Route(
            "PUT",
            "/admins",
            P.ADMIN_UPDATE,
            "Update admins ranked below the caller (or the caller itself).",
            update_admins,
            TAG_ADMINS,
            params=(ids_required,),
            body={**obj({"password": PASSWORD, "name": ADMIN_NAME, "roleIds": ROLE_IDS}), "minProperties": 1},
            response=UPDATE_RESULT,
        ),
        Route(
            "DELETE",
            "/admins",
            P.ADMIN_DELETE,
            "Delete admins ranked below the caller.",
            delete_admins,
            TAG_ADMINS,
            params=(ids_required,),
            response=DELETE_RESULT,
        ),
        Route(
            "POST",
            "/admins/roles",
            P.ADMIN_ROLE_CREATE,
            "Create a role ranked below the caller, with permissions the caller holds.",
            create_role,
            TAG_ROLES,
            body=obj(
                {"id": int64(1), "name": string(1, 32), "permissions": {**PERMISSIONS, "minItems": 1}, "rank": RANK},
                ("name", "permissions", "rank"),
            ),
            response=ROLE_RECORD,
        ),
        Route(
            "GET",
            "/admins/roles",
            P.ADMIN_ROLE_QUERY,
            "Query roles (the built-in ROOT role included).",
            query_roles,
            TAG_ROLES,
            params=(
                Param("ids", "int[]"),
                Param("names", "str[]"),
                Param("includedPermissions", "str[]", enum=tuple(PERMISSION_NAMES)),
                Param("ranks", "int[]", minimum=0, maximum=ROOT_RANK),
                *paging_params(),
            ),
            response=page_schema(ROLE_RECORD),
        ),
        Route(
            "PUT",
            "/admins/roles",
            P.ADMIN_ROLE_UPDATE,
            "Update roles ranked below the caller's.",
            update_roles,
            TAG_ROLES,
            params=(ids_required,),
            body={**obj({"name": string(1, 32), "permissions": PERMISSIONS, "rank": RANK}), "minProperties": 1},
            response=UPDATE_RESULT,
        ),
        Route(
            "DELETE",
            "/admins/roles",
            P.ADMIN_ROLE_DELETE,
            "Delete roles ranked below the caller's.",
            delete_roles,
            TAG_ROLES,
            params=(ids_required,),
            response=DELETE_RESULT,
        ),
        Route(
            "GET",
            "/admins/permissions",
            P.ADMIN_ROLE_QUERY,
            "Every admin permission.",
            query_permissions,
            TAG_ROLES,
            response={"type": "array", "items": {"type": "string", "enum": PERMISSION_NAMES}},
        ),
    ]
