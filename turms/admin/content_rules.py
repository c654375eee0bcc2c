"""Value domains and invariants of the content resources' admin writes (:mod:`turms.admin.content`).

The generic CRUD routes write stored records directly, and they once took any 64-bit number for an enum
field: ``POST /groups/members`` stored role 99 (every later remove, mute, update or invite on that group failed
with 1200, as ``Role(99)`` raised) and a second OWNER. Admin writes now stay inside the values client writes
are held to:

* enum fields (member roles, request statuses, group-type strategies) take only their enum's numbers, in the
  bodies and the published schema;
* user-defined attributes are scalars or lists of scalars, what the store keeps of a client's ``Value``s;
* records name groups and group types that exist (users need not have a record, as with client writes: under
  ``gateway.auth.type = none`` a user exists by logging in);
* a group has exactly one owner, and it changes only by a transfer (``PUT /groups/owner``): never by a role in
  a member record, an ``ownerId`` in a group update, or deleting the owner's membership of a live group.
"""

from __future__ import annotations

import enum
from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.crud import Rules
from turms.admin.messages import message_services
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, bad_request
from turms.admin.validation import int64, obj
from turms.service.group import access
from turms.service.group.groups import transfer_ownership
from turms.service.group.model import (
    GROUP_MEMBER,
    InvitationStrategy,
    JoinStrategy,
    RequestStatus,
    Role,
    UpdateStrategy,
)

#: Attributes one record may hold, and the longest text in one.
MAX_ATTRIBUTES = 64
MAX_ATTRIBUTE_TEXT = 4096


def enum_schema(values: type[enum.IntEnum], *, exclude: tuple[enum.IntEnum, ...] = ()) -> dict[str, Any]:
    members = [m for m in values if m not in exclude]
    return {
        "type": "integer",
        "enum": [int(m) for m in members],
        "description": ", ".join(f"{int(m)} {m.name}" for m in members),
    }


ROLE = enum_schema(Role)
#: A role an admin may write: any but OWNER, which only a transfer gives.
WRITABLE_ROLE = {
    **enum_schema(Role, exclude=(Role.OWNER,)),
    "description": enum_schema(Role, exclude=(Role.OWNER,))["description"] + " (OWNER only by PUT /groups/owner)",
}
REQUEST_STATUS = enum_schema(RequestStatus)
INVITATION_STRATEGY = enum_schema(InvitationStrategy)
JOIN_STRATEGY = enum_schema(JoinStrategy)
UPDATE_STRATEGY = enum_schema(UpdateStrategy)
NON_NEGATIVE = int64(0)
POSITIVE = int64(1)


def attributes_schema(max_depth: int) -> dict[str, Any]:
    """A map of user-defined attributes: scalars, or lists of them nested at most ``max_depth`` deep."""
    scalar: dict[str, Any] = {"type": ["boolean", "integer", "number", "string"], "maxLength": MAX_ATTRIBUTE_TEXT}
    value = scalar
    for _ in range(max_depth - 1):
        value = {
            "type": ["boolean", "integer", "number", "string", "array"],
            "maxLength": MAX_ATTRIBUTE_TEXT,
            "items": value,
            "maxItems": 256,
        }
    return {"type": "object", "additionalProperties": value, "maxProperties": MAX_ATTRIBUTES}


#: User-defined attributes as the store keeps them from clients: scalars, or lists of scalars (the store port
#: has no lists of lists, so a client's deeper ``Value`` is refused when stored).
ATTRIBUTES = attributes_schema(2)


# -- checks ---------------------------------------------------------------------------------------------------


async def _live_group(deps: AdminDeps, group_id: int) -> dict[str, Any]:
    group = await access.find_group(deps.store, group_id)
    if group is None or group.get("dd") is not None:
        raise bad_request(f"group {group_id} does not exist")
    return group


async def _type_exists(deps: AdminDeps, type_id: int) -> None:
    if await access.find_type(deps.store, type_id) is None:
        raise bad_request(f"group type {type_id} does not exist")


def group_rules(deps: AdminDeps) -> Rules:
    async def create(call: Call, doc: dict[str, Any], flt: dict[str, Any]) -> None:
        if "oid" not in doc:
            raise bad_request("ownerId: a group needs an owner")
        doc.setdefault("cid", doc["oid"])
        doc.setdefault("tid", 0)
        await _type_exists(deps, doc["tid"])
        doc.setdefault("lud", deps.clock.now())

    async def created(call: Call, doc: dict[str, Any]) -> None:
        if "oid" not in doc:
            return  # after an update (given its filter): nothing follows
        now = deps.clock.now()
        await deps.store.insert_one(
            GROUP_MEMBER, {"_id": access.member_key(doc["_id"], doc["oid"]), "role": int(Role.OWNER), "jd": now}
        )
        await access.touch_group_version(deps.store, doc["_id"], now, "mbr")
        await access.touch_user_versions(deps.store, [doc["oid"]], now, access.JOINED_GROUPS)
        await message_services(deps).group_members.changed([doc["_id"]])

    async def update(call: Call, changes: dict[str, Any], flt: dict[str, Any]) -> None:
        if "tid" in changes:
            await _type_exists(deps, changes["tid"])
        changes["lud"] = deps.clock.now()

    return Rules(create=create, update=update, after_write=created)


def member_rules(deps: AdminDeps) -> Rules:
    async def create(call: Call, doc: dict[str, Any], flt: dict[str, Any]) -> None:
        await _live_group(deps, doc["_id"]["gid"])
        doc.setdefault("role", int(Role.MEMBER))

    async def update(call: Call, changes: dict[str, Any], flt: dict[str, Any]) -> None:
        if "role" in changes and await deps.store.count(GROUP_MEMBER, {**flt, "role": int(Role.OWNER)}, limit=1):
            raise bad_request("the owner's role changes only by a transfer (PUT /groups/owner)")

    async def delete(call: Call, changes: dict[str, Any], flt: dict[str, Any]) -> None:
        for owner in await deps.store.find(GROUP_MEMBER, {**flt, "role": int(Role.OWNER)}, projection={"_id": 1}):
            group = await access.find_group(deps.store, owner["_id"]["gid"])
            if group is not None and group.get("dd") is None:
                raise bad_request(
                    f"user {owner['_id']['uid']} owns group {owner['_id']['gid']}: transfer it first "
                    "(PUT /groups/owner), or delete the group"
                )

    async def changed(call: Call, doc_or_filter: dict[str, Any]) -> None:
        # The member-id caches of the groups named (by a created record, or a groupIds filter); a change named
        # by userIds alone may touch any group, so every group's entry is dropped.
        key = doc_or_filter.get("_id")
        selected = doc_or_filter.get("_id.gid")
        groups: list[int] | None = None
        if isinstance(key, dict):
            groups = [key["gid"]]
        elif isinstance(selected, dict):
            groups = list(selected["$in"])
        await message_services(deps).group_members.changed(groups)

    return Rules(create=create, update=update, delete=delete, after_write=changed)


def relationship_rules(deps: AdminDeps) -> Rules:
    async def changed(call: Call, doc_or_filter: dict[str, Any]) -> None:
        # The send check's relationship cache: the owners named (a created record, or an ownerIds filter), else
        # every entry (a change selected by relatedUserIds alone).
        key = doc_or_filter.get("_id")
        selected = doc_or_filter.get("_id.oid")
        owners: list[int] | None = None
        if isinstance(key, dict) and "oid" in key:
            owners = [key["oid"]]
        elif isinstance(selected, dict) and "$in" in selected:
            owners = list(selected["$in"])
        elif isinstance(selected, int):
            owners = [selected]
        await message_services(deps).relationships.changed(owners)

    return Rules(after_write=changed)


def blocked_user_rules(deps: AdminDeps) -> Rules:
    async def create(call: Call, doc: dict[str, Any], flt: dict[str, Any]) -> None:
        await _live_group(deps, doc["_id"]["gid"])

    return Rules(create=create)


# -- ownership transfer ---------------------------------------------------------------------------------------


def transfer_route(deps: AdminDeps) -> Route:
    async def transfer(call: Call) -> dict[str, Any]:
        services = message_services(deps)
        successor = call.body["successorId"]
        transferred = 0
        for gid in call.query["ids"]:
            group = await _live_group(deps, gid)
            owners = await deps.store.find(
                GROUP_MEMBER, {"_id.gid": gid, "role": int(Role.OWNER)}, projection={"_id": 1}
            )
            owner = int(owners[0]["_id"]["uid"]) if owners else int(group.get("oid", 0))
            if owner == successor:
                continue
            # The domain's own transfer, with the current owner as the requester: the successor must be a member,
            # within its group quota; the old owner becomes a member or (quitAfterTransfer) leaves.
            if await transfer_ownership(
                services, owner, gid, successor, bool(call.body.get("quitAfterTransfer", False)), deps.clock.now()
            ):
                transferred += 1
        return {"updatedCount": transferred}

    return Route(
        "PUT",
        "/groups/owner",
        AdminPermission.GROUP_UPDATE,
        "Transfer the ownership of groups to one of their members (the only way a group's owner changes).",
        transfer,
        "groups",
        params=(Param("ids", "int[]", "The groups.", required=True, example=[1]),),
        body={
            **obj({"successorId": int64(1), "quitAfterTransfer": {"type": "boolean"}}, ("successorId",)),
            "examples": [{"successorId": 2}],
        },
        response=obj({"updatedCount": {"type": "integer"}}, ("updatedCount",)),
    )
