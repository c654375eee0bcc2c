"""``/users`` and ``/users/registrations`` in process: the user service's checks, the deletion and activation
settings, the cascade of a physical deletion, and registration behind its setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from turms.service.user import users
from turms.settings import user as us

from admin_support import AdminEnv, admin_env, call

A, B = 501, 502


@pytest.fixture
async def env(tmp_path: Path, redis_url: str) -> Any:
    async with admin_env(tmp_path, redis_url) as e:
        yield e


async def stored(env: AdminEnv, collection: str, flt: dict[str, Any]) -> int:
    return await env.deps.store.count(collection, flt)


async def befriend(env: AdminEnv, one: int, two: int) -> None:
    """What an accepted friend request leaves: both relationships in the default groups, and versions."""
    from turms.service.relationship import relations

    await relations.friend(env.deps.store, one, two, env.clock.now())


async def test_create_applies_the_user_service_checks(env: AdminEnv) -> None:
    status, body = await call(env, "POST", "/users", json={"id": A, "name": "x" * 21})
    assert (status, body["code"]) == (400, 1102) and "name" in body["reason"]
    status, body = await call(env, "POST", "/users", json={"id": A, "roleId": 77})
    assert (status, body["code"]) == (400, 1102) and "role" in body["reason"]
    assert await stored(env, "user", {"_id": A}) == 0
    # No isActive: service.user.activate_user_when_added decides (live).
    env.deps.settings.apply_live({us.ACTIVATE_USER_WHEN_ADDED.key: False})
    status, body = await call(env, "POST", "/users", json={"id": A, "password": "pw", "name": "alice"})
    assert status == 200, body
    assert body["data"]["isActive"] is False and body["data"]["name"] == "alice"
    assert await stored(env, "userRelationshipGroup", {"_id.oid": A, "_id.gidx": 0}) == 1
    status, body = await call(env, "POST", "/users", json={"id": A})
    assert (status, body["code"]) == (409, 1103)


async def test_update_validates_and_deactivation_counts(env: AdminEnv) -> None:
    for uid in (A, B):
        assert (await call(env, "POST", "/users", json={"id": uid, "name": "n"}))[0] == 200
    status, body = await call(env, "PUT", f"/users?ids={A}", json={"name": "x" * 21})
    assert (status, body["code"]) == (400, 1102)
    status, body = await call(env, "PUT", f"/users?ids={A}", json={"roleId": 77})
    assert (status, body["code"]) == (400, 1102)
    await users.create_role(env.deps.store, 77, "vip")
    status, body = await call(env, "PUT", f"/users?ids={A},{B}", json={"roleId": 77, "isActive": False})
    assert status == 200 and body["data"]["updatedCount"] == 2, body
    docs = await env.deps.store.find("user", {"_id": {"$in": [A, B]}})
    assert [(d["pgid"], d["act"]) for d in docs] == [(77, False), (77, False)]


async def test_delete_follows_the_setting_and_a_physical_one_cascades(env: AdminEnv) -> None:
    store = env.deps.store
    for uid in (A, B):
        assert (await call(env, "POST", "/users", json={"id": uid}))[0] == 200
    await befriend(env, A, B)
    await store.insert_one("userSettings", {"_id": A, "s": {"theme": "dark"}, "lud": env.clock.now()})
    assert await stored(env, "userVersion", {"_id": A}) == 1
    # No deleteLogically and the default setting (true): a logical deletion, everything kept.
    status, body = await call(env, "DELETE", f"/users?ids={A}")
    assert status == 200 and body["data"]["deletedCount"] == 1
    doc = await store.find_one("user", {"_id": A})
    assert doc is not None and doc.get("dd") is not None
    assert await stored(env, "userRelationship", {"_id.oid": A}) == 1
    # The live setting off: the same call deletes physically, with what the user owns.
    env.deps.settings.apply_live({us.DELETE_USER_LOGICALLY.key: False})
    status, body = await call(env, "DELETE", f"/users?ids={A}")
    assert status == 200 and body["data"]["deletedCount"] == 1
    for collection, flt in (
        ("user", {"_id": A}),
        ("userRelationship", {"_id.oid": A}),
        ("userRelationship", {"_id.rid": A}),
        ("userRelationshipGroup", {"_id.oid": A}),
        ("userRelationshipGroupMember", {"_id.oid": A}),
        ("userRelationshipGroupMember", {"_id.ruid": A}),
        ("userSettings", {"_id": A}),
        ("userVersion", {"_id": A}),
    ):
        assert await stored(env, collection, flt) == 0, (collection, flt)
    assert await stored(env, "user", {"_id": B}) == 1
    assert await stored(env, "userRelationshipGroup", {"_id.oid": B}) == 1
    # An explicit deleteLogically wins over the setting.
    status, body = await call(env, "DELETE", f"/users?ids={B}&deleteLogically=true")
    assert status == 200 and await stored(env, "user", {"_id": B}) == 1


async def test_registration_is_off_by_default_and_then_creates_plain_users(env: AdminEnv) -> None:
    store = env.deps.store
    status, body = await call(env, "POST", "/users/registrations", json={"id": A, "password": "pw"})
    assert (status, body["code"]) == (403, 1300) and "registration" in body["reason"]
    assert await stored(env, "user", {"_id": A}) == 0
    env.deps.settings.apply_live({us.REGISTRATION_ENABLED.key: True})
    # A registration cannot choose a role or the active flag.
    for extra in ({"roleId": 0}, {"isActive": True}):
        status, body = await call(env, "POST", "/users/registrations", json={"id": A, **extra})
        assert (status, body["code"]) == (400, 1102), extra
    status, body = await call(env, "POST", "/users/registrations", json={"id": A, "name": "x" * 21})
    assert (status, body["code"]) == (400, 1102)
    status, body = await call(
        env,
        "POST",
        "/users/registrations",
        json={"id": A, "password": "pw", "name": "alice", "profileAccessStrategy": "FRIENDS"},
    )
    assert status == 200, body
    assert body["data"]["id"] == A and body["data"]["profileAccessStrategy"] == "FRIENDS"
    doc = await store.find_one("user", {"_id": A})
    assert doc is not None and (doc["n"], doc["pgid"], doc["act"]) == ("alice", 0, True)
    assert (await call(env, "POST", "/users/registrations", json={"id": A}))[0] == 409
    # Without an id the server picks one; activation follows service.user.activate_user_when_added.
    env.deps.settings.apply_live({us.ACTIVATE_USER_WHEN_ADDED.key: False})
    status, body = await call(env, "POST", "/users/registrations")
    assert status == 200 and body["data"]["id"] > 0 and body["data"]["isActive"] is False
    # Turned off again (live): refused at once.
    env.deps.settings.apply_live({us.REGISTRATION_ENABLED.key: False})
    assert (await call(env, "POST", "/users/registrations", json={"id": B}))[0] == 403
    assert await stored(env, "user", {"_id": B}) == 0
