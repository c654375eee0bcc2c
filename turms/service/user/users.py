"""User lifecycle and roles, as the admin API needs them: create, update, delete (logically or not),
activate and deactivate users; create, update, delete and query user roles with their group-creation quotas.

Closing the sessions of deleted or deactivated users (close status 700) is the caller's part: this module
talks to the store only. Login already refuses deleted (2011) and inactive (2012) users.

``userRole`` documents: ``n`` name, ``cgtid`` group type ids the role may create, ``ogl`` owned-group limit,
``oglegt`` owned-group limit for each group type, ``gtl`` per-type limits (type id as a string → limit). The
group domain reads them (``turms.service.group.access``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from turms.errors import TurmsError
from turms.observability import metrics
from turms.protocol.status import ResponseStatusCode
from turms.security.passwords import hash_password_async
from turms.service import accounts
from turms.service.relationship import relations
from turms.service.user import versions
from turms.service.user.profiles import _STRATEGIES, USER
from turms.service.user.user_settings import USER_SETTINGS
from turms.settings import Settings
from turms.settings import user as us
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import Store

USER_ROLE = "userRole"
DEFAULT_USER_ROLE_ID = 0
#: Turms's "no limit" (``Integer.MAX_VALUE``).
NO_LIMIT = 2**31 - 1
#: Turms's ``GroupConst.DEFAULT_GROUP_TYPE_ID``.
DEFAULT_GROUP_TYPE_ID = 0
DEFAULT_ROLE: dict[str, Any] = {
    "_id": DEFAULT_USER_ROLE_ID,
    "n": "DEFAULT",
    "cgtid": [DEFAULT_GROUP_TYPE_ID],
    "ogl": NO_LIMIT,
    "oglegt": NO_LIMIT,
    "gtl": {},
}


def _illegal(reason: str) -> TurmsError:
    return TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, reason)


def _check_profile(
    settings: Settings,
    *,
    name: str | None = None,
    intro: str | None = None,
    profile_picture: str | None = None,
    profile_access: int | None = None,
) -> None:
    for value, limit, what in (
        (name, settings.get(us.MAX_NAME_LENGTH), "name"),
        (intro, settings.get(us.MAX_INTRO_LENGTH), "intro"),
        (profile_picture, settings.get(us.MAX_PROFILE_PICTURE_LENGTH), "profile picture"),
    ):
        if value is not None and len(value) > limit:
            raise _illegal(f"the {what} is longer than {limit}")
    if profile_access is not None and profile_access not in _STRATEGIES:
        raise _illegal("unknown profile access strategy")


async def _check_role(store: Store, role_id: int | None) -> None:
    if (
        role_id is not None
        and role_id != DEFAULT_USER_ROLE_ID
        and await store.find_one(USER_ROLE, {"_id": role_id}, projection={"_id": 1}) is None
    ):
        raise _illegal(f"the user role {role_id} does not exist")


async def create_user(
    store: Store,
    settings: Settings,
    user_id: int,
    password: str | None,
    now: datetime,
    *,
    name: str = "",
    intro: str = "",
    profile_picture: str = "",
    profile_access: int = 0,
    role_id: int = DEFAULT_USER_ROLE_ID,
    active: bool | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate and insert a user with its default relationship group; the admin API's entry point.

    ``active`` None takes ``service.user.activate_user_when_added``. Raises ILLEGAL_ARGUMENT for bad fields
    and RECORD_CONTAINS_DUPLICATE_KEY when the id is taken.
    """
    if user_id <= 0:
        raise _illegal("the user id must be positive")
    _check_profile(settings, name=name, intro=intro, profile_picture=profile_picture, profile_access=profile_access)
    await _check_role(store, role_id)
    now = versions.ms_floor(now)
    doc = await accounts.create_user(
        store,
        user_id,
        password,
        now,
        name=name,
        intro=intro,
        profile_picture=profile_picture,
        profile_access=profile_access,
        role_id=role_id,
        active=settings.get(us.ACTIVATE_USER_WHEN_ADDED) if active is None else active,
        attributes=dict(attributes or {}),
    )
    metrics.USERS_REGISTERED.inc()
    return doc


async def update_users(
    store: Store,
    settings: Settings,
    user_ids: Iterable[int],
    now: datetime,
    *,
    password: str | None = None,
    name: str | None = None,
    intro: str | None = None,
    profile_picture: str | None = None,
    profile_access: int | None = None,
    role_id: int | None = None,
    active: bool | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> int:
    """Change fields of live users (None leaves a field as it is); the number of users changed.

    The same checks as :func:`create_user` (lengths, profile access strategy, role existence). Closing the
    sessions of users deactivated here is the caller's part, as for :func:`set_active`.
    """
    ids = sorted(set(user_ids))
    _check_profile(settings, name=name, intro=intro, profile_picture=profile_picture, profile_access=profile_access)
    await _check_role(store, role_id)
    fields: dict[str, Any] = {}
    for short, value in (
        ("n", name),
        ("intro", intro),
        ("pp", profile_picture),
        ("pas", profile_access),
        ("pgid", role_id),
        ("act", active),
    ):
        if value is not None:
            fields[short] = value
    if attributes is not None:
        fields["uda"] = dict(attributes)
    if password is not None:
        fields["pw"] = (await hash_password_async(password)).encode()
    if not ids or not fields:
        return 0
    fields["lud"] = versions.ms_floor(now)
    result = await store.update_many(USER, {"_id": {"$in": ids}, "dd": None}, {"$set": fields})
    return result.modified


async def delete_users(
    store: Store, settings: Settings, user_ids: Iterable[int], now: datetime, *, logically: bool | None = None
) -> int:
    """Delete users; the number deleted. ``logically`` None takes ``service.user.delete_user_logically``.

    A logical deletion sets ``dd``: the user can no longer log in, and their profile disappears from
    queries. A physical one removes, as Turms does, the user and their relationships (both directions: others
    lose them from their lists and groups), relationship groups, user settings, private conversations (read
    dates), conversation settings and versions; and, beyond Turms, the friend requests they sent or received.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    if settings.get(us.DELETE_USER_LOGICALLY) if logically is None else logically:
        now = versions.ms_floor(now)
        result = await store.update_many(USER, {"_id": {"$in": ids}, "dd": None}, {"$set": {"dd": now, "lud": now}})
        metrics.USERS_DELETED.inc(result.modified)
        return result.modified
    # Deferred: these domains' handler modules import this package's helpers.
    from turms.service.conversation.read import PRIVATE_CONVERSATION
    from turms.service.conversation.settings import CONVERSATION_SETTINGS
    from turms.service.relationship.friend_requests import FRIEND_REQUEST

    now = versions.ms_floor(now)
    deleted = await store.delete_many(USER, {"_id": {"$in": ids}})
    metrics.USERS_DELETED.inc(deleted)
    await relations.delete_all_of(store, ids)
    # Others' relationships with the deleted users go too (and those users' lists change).
    others = {
        int(d["_id"]["oid"])
        for d in await store.find(relations.RELATIONSHIP, {"_id.rid": {"$in": ids}}, projection={"_id": 1})
    }
    await store.delete_many(relations.GROUP_MEMBER, {"_id.ruid": {"$in": ids}})
    await store.delete_many(relations.RELATIONSHIP, {"_id.rid": {"$in": ids}})
    await versions.bump(store, others, relations.RELATIONSHIP_VERSIONS, now)
    # Friend requests from or to them (Turms keeps these; a pending request of a user who no longer exists
    # could still be accepted, creating a relationship with nobody). The other sides' lists change.
    for own, other, other_version in (
        ("rrid", "rtid", versions.RECEIVED_FRIEND_REQUESTS),
        ("rtid", "rrid", versions.SENT_FRIEND_REQUESTS),
    ):
        docs = await store.find(FRIEND_REQUEST, {own: {"$in": ids}}, projection={other: 1})
        if docs:
            await store.delete_many(FRIEND_REQUEST, {own: {"$in": ids}})
            await versions.bump(store, sorted({int(d[other]) for d in docs} - set(ids)), [other_version], now)
    await store.delete_many(USER_SETTINGS, {"_id": {"$in": ids}})
    await store.delete_many(PRIVATE_CONVERSATION, {"_id.oid": {"$in": ids}})
    await store.delete_many(CONVERSATION_SETTINGS, {"_id.oid": {"$in": ids}})
    await store.delete_many(versions.USER_VERSION, {"_id": {"$in": ids}})
    return deleted


async def set_active(store: Store, user_ids: Iterable[int], active: bool, now: datetime) -> int:
    """Activate or deactivate live users; the number changed. Inactive users cannot log in (2012)."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    now = versions.ms_floor(now)
    result = await store.update_many(
        USER, {"_id": {"$in": ids}, "dd": None, "act": {"$ne": active}}, {"$set": {"act": active, "lud": now}}
    )
    return result.modified


# Roles ------------------------------------------------------------------------------------------------


def _role_fields(
    name: str | None,
    creatable_group_type_ids: Iterable[int] | None,
    owned_group_limit: int | None,
    owned_group_limit_for_each_group_type: int | None,
    group_type_limits: Mapping[int, int] | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if name is not None:
        fields["n"] = name
    if creatable_group_type_ids is not None:
        fields["cgtid"] = sorted({int(t) for t in creatable_group_type_ids})
    for key, limit in (("ogl", owned_group_limit), ("oglegt", owned_group_limit_for_each_group_type)):
        if limit is not None:
            if not 0 <= limit <= NO_LIMIT:
                raise _illegal(f"a group limit must be in [0, {NO_LIMIT}]")
            fields[key] = int(limit)
    if group_type_limits is not None:
        if any(not 0 <= v <= NO_LIMIT for v in group_type_limits.values()):
            raise _illegal(f"a group limit must be in [0, {NO_LIMIT}]")
        fields["gtl"] = {str(int(k)): int(v) for k, v in group_type_limits.items()}
    return fields


async def create_role(
    store: Store,
    role_id: int,
    name: str,
    *,
    creatable_group_type_ids: Iterable[int] = (DEFAULT_GROUP_TYPE_ID,),
    owned_group_limit: int = NO_LIMIT,
    owned_group_limit_for_each_group_type: int = NO_LIMIT,
    group_type_limits: Mapping[int, int] | None = None,
) -> dict[str, Any]:
    if role_id < 0:
        raise _illegal("the role id must not be negative")
    doc = {
        "_id": role_id,
        **_role_fields(
            name,
            creatable_group_type_ids,
            owned_group_limit,
            owned_group_limit_for_each_group_type,
            group_type_limits or {},
        ),
    }
    try:
        await store.insert_one(USER_ROLE, doc)
    except DuplicateKeyError:
        raise TurmsError(ResponseStatusCode.RECORD_CONTAINS_DUPLICATE_KEY, f"role {role_id} exists") from None
    return doc


async def update_role(
    store: Store,
    role_id: int,
    *,
    name: str | None = None,
    creatable_group_type_ids: Iterable[int] | None = None,
    owned_group_limit: int | None = None,
    owned_group_limit_for_each_group_type: int | None = None,
    group_type_limits: Mapping[int, int] | None = None,
) -> bool:
    """Change a role's fields; False when it does not exist. The default role is stored on first change."""
    fields = _role_fields(
        name, creatable_group_type_ids, owned_group_limit, owned_group_limit_for_each_group_type, group_type_limits
    )
    if not fields:
        return await store.find_one(USER_ROLE, {"_id": role_id}) is not None or role_id == DEFAULT_USER_ROLE_ID
    if role_id == DEFAULT_USER_ROLE_ID:
        defaults = {k: v for k, v in DEFAULT_ROLE.items() if k != "_id" and k not in fields}
        await store.update_one(USER_ROLE, {"_id": role_id}, {"$set": fields, "$setOnInsert": defaults}, upsert=True)
        return True
    result = await store.update_one(USER_ROLE, {"_id": role_id}, {"$set": fields})
    return result.matched > 0


async def delete_roles(store: Store, role_ids: Iterable[int]) -> int:
    """Delete roles (the default role cannot be deleted: it is what users without a role get)."""
    ids = sorted(set(role_ids) - {DEFAULT_USER_ROLE_ID})
    if not ids:
        return 0
    return await store.delete_many(USER_ROLE, {"_id": {"$in": ids}})


async def query_roles(store: Store, role_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Roles by id (all when None), the built-in default role included when it is not stored."""
    flt = {"_id": {"$in": sorted(set(role_ids))}} if role_ids is not None else {}
    docs = await store.find(USER_ROLE, flt, sort=[("_id", 1)])
    wanted_default = role_ids is None or DEFAULT_USER_ROLE_ID in set(role_ids)
    if wanted_default and not any(d["_id"] == DEFAULT_USER_ROLE_ID for d in docs):
        docs.insert(0, dict(DEFAULT_ROLE))
    return docs


async def role_of_user(store: Store, user_id: int) -> dict[str, Any]:
    """The role whose quotas apply to ``user_id`` (the default role for unknown users)."""
    user = await store.find_one(USER, {"_id": user_id}, projection={"pgid": 1})
    role_id = int(user.get("pgid", DEFAULT_USER_ROLE_ID)) if user else DEFAULT_USER_ROLE_ID
    role = await store.find_one(USER_ROLE, {"_id": role_id})
    if role is None and role_id != DEFAULT_USER_ROLE_ID:
        raise TurmsError(
            ResponseStatusCode.SERVER_INTERNAL_ERROR, f"the role {role_id} of user {user_id} does not exist"
        )
    return role if role is not None else dict(DEFAULT_ROLE)
