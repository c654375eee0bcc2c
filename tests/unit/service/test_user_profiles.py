"""Profiles, user settings, user lifecycle and roles at service level (real SQLite store, FakeClock)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from user_world import World, world

from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service import accounts
from turms.service.user import users

A, B, C = 301, 302, 303
ALL, ALL_EXCEPT_BLOCKED, FRIENDS = 0, 1, 2


async def make_users(w: World, *ids: int, **fields: Any) -> None:
    for uid in ids:
        await users.create_user(w.store, w.s.settings, uid, None, w.clock.now(), name=f"u{uid}", **fields)


async def profile_ids(w: World, requester: int, *ids: int) -> list[int]:
    r = await w.call(requester, "query_user_profiles_request", user_ids=list(ids))
    assert r.code == Code.OK, (r.code, r.reason)
    return [u.id for u in r.data.user_infos_with_version.user_infos]


async def test_access_strategies_are_enforced(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await make_users(w, A, B, C)
        await w.ok(A, "update_user_request", profile_access_strategy=ALL_EXCEPT_BLOCKED)
        await w.ok(A, "create_relationship_request", user_id=B, blocked=True)
        assert await w.code(B, "query_user_profiles_request", user_ids=[A]) == Code.BLOCKED_USER_TO_QUERY_USER_PROFILE
        assert await profile_ids(w, B, A, C) == [C]  # several ids: hidden ones are left out
        assert await profile_ids(w, C, A) == [A]
        assert await profile_ids(w, A, A) == [A]
        # The block is read on every query: unblocking shows the profile at once.
        await w.ok(A, "update_relationship_request", user_id=B, blocked=False)
        assert await profile_ids(w, B, A) == [A]
        # FRIENDS: only users the owner has an unblocked relationship with.
        await w.ok(A, "update_user_request", profile_access_strategy=FRIENDS)
        assert await profile_ids(w, B, A) == [A]
        assert await w.code(C, "query_user_profiles_request", user_ids=[A]) == Code.NOT_FRIEND_TO_QUERY_USER_PROFILE
        await w.ok(A, "update_relationship_request", user_id=B, blocked=True)
        assert await w.code(B, "query_user_profiles_request", user_ids=[A]) == Code.NOT_FRIEND_TO_QUERY_USER_PROFILE
        # ALL: even blocked users see it (Turms).
        await w.ok(A, "update_user_request", profile_access_strategy=ALL)
        assert await profile_ids(w, B, A) == [A]


async def test_update_user_validates_and_versions(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await make_users(w, A)
        assert await w.code(B, "update_user_request", name="ghost") == Code.UPDATE_INFO_OF_NONEXISTENT_USER
        r = await w.call(A, "query_user_profiles_request", user_ids=[A])
        (info,) = r.data.user_infos_with_version.user_infos
        assert info.name == f"u{A}" and info.active and info.registration_date == w.clock.now_ms()
        version = info.last_updated_date
        assert await w.code(A, "query_user_profiles_request", user_ids=[A], last_updated_date=version) == (
            Code.ALREADY_UP_TO_DATE
        )
        w.clock.advance(2)
        w.notes.clear()
        await w.ok(A, "update_user_request", name="Alice", intro="hello", profile_picture="p.png")
        assert w.notes.audiences() == [("update_user_request", {A})]  # other devices only, by default
        r = await w.call(A, "query_user_profiles_request", user_ids=[A], last_updated_date=version)
        (info,) = r.data.user_infos_with_version.user_infos
        assert (info.name, info.intro, info.profile_picture) == ("Alice", "hello", "p.png")
        assert info.last_updated_date == version + 2000
        assert await w.code(A, "update_user_request", name="x" * 21) == Code.ILLEGAL_ARGUMENT
        assert await w.code(A, "update_user_request", intro="x" * 101) == Code.ILLEGAL_ARGUMENT
        assert await w.code(A, "update_user_request", profile_access_strategy=9) == Code.ILLEGAL_ARGUMENT
        attrs = {"color": model_common_pb2.Value(string_value="red")}
        assert await w.code(A, "update_user_request", user_defined_attributes=attrs) == Code.ILLEGAL_ARGUMENT
        assert await w.code(A, "update_user_request", password="x" * 17) == Code.ILLEGAL_ARGUMENT
        # A password change works for login and is never relayed.
        w.notes.clear()
        await w.ok(A, "update_user_request", password="n3w-pass")
        assert (await accounts.check_password(w.store, A, "n3w-pass")).code is None
        ((_, _, relayed, _),) = w.notes.sent
        assert not relayed.update_user_request.HasField("password")


async def test_related_users_told_of_profile_changes_when_enabled(tmp_path: Path) -> None:
    settings = {
        "service.notification.user_info_updated.notify_non_blocked_related_users": "true",
        "service.user.info.user_defined_attributes": "color",
    }
    async with world(tmp_path, settings) as w:
        await make_users(w, A)
        await w.ok(A, "create_relationship_request", user_id=B)
        await w.ok(A, "create_relationship_request", user_id=C, blocked=True)
        w.notes.clear()
        attrs = {"color": model_common_pb2.Value(string_value="red")}
        await w.ok(A, "update_user_request", user_defined_attributes=attrs)
        assert w.notes.audiences() == [("update_user_request", {A, B})]
        r = await w.call(A, "query_user_profiles_request", user_ids=[A])
        assert r.data.user_infos_with_version.user_infos[0].user_defined_attributes["color"].string_value == "red"


async def test_search_by_exact_name(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await make_users(w, A, B)
        await w.ok(B, "update_user_request", name=f"u{A}", profile_access_strategy=FRIENDS)
        r = await w.call(C, "query_user_profiles_request", name=f"u{A}")
        assert [u.id for u in r.data.user_infos_with_version.user_infos] == [A]  # B is hidden from C
        assert await w.code(C, "query_user_profiles_request") == Code.ILLEGAL_ARGUMENT
        too_many = list(range(1, 102))
        assert await w.code(C, "query_user_profiles_request", user_ids=too_many) == Code.REQUESTED_RECORDS_TOO_MANY


async def test_user_settings(tmp_path: Path) -> None:
    settings = {"service.user.settings.allowed": "theme:string,volume:int32,locale:string:immutable:undeletable"}
    async with world(tmp_path, settings) as w:
        assert await w.code(A, "query_user_settings_request") == Code.NO_CONTENT
        values = {
            "theme": model_common_pb2.Value(string_value="dark"),
            "volume": model_common_pb2.Value(int32_value=7),
            "locale": model_common_pb2.Value(string_value="fr"),
        }
        await w.ok(A, "update_user_settings_request", settings=values)
        assert w.notes.audiences() == [("update_user_settings_request", {A})]
        r = await w.call(A, "query_user_settings_request")
        got = r.data.user_settings
        assert {k: v.WhichOneof("kind") for k, v in got.settings.items()} == {
            "theme": "string_value",
            "volume": "int32_value",
            "locale": "string_value",
        }
        assert got.settings["volume"].int32_value == 7 and got.last_updated_date == w.clock.now_ms()
        start = got.last_updated_date + 1
        assert await w.code(A, "query_user_settings_request", last_updated_date_start=start) == Code.ALREADY_UP_TO_DATE
        r = await w.call(A, "query_user_settings_request", names=["theme"])
        assert list(r.data.user_settings.settings) == ["theme"]
        wrong_type = {"volume": model_common_pb2.Value(string_value="loud")}
        assert await w.code(A, "update_user_settings_request", settings=wrong_type) == Code.ILLEGAL_ARGUMENT
        unknown = {"nope": model_common_pb2.Value(bool_value=True)}
        assert await w.code(A, "update_user_settings_request", settings=unknown) == Code.ILLEGAL_ARGUMENT
        immutable = {"locale": model_common_pb2.Value(string_value="de")}
        assert await w.code(A, "update_user_settings_request", settings=immutable) == Code.ILLEGAL_ARGUMENT
        assert await w.code(A, "delete_user_settings_request", names=["locale"]) == Code.ILLEGAL_ARGUMENT
        assert await w.code(A, "delete_user_settings_request", names=["nope"]) == Code.ILLEGAL_ARGUMENT
        w.notes.clear()
        await w.ok(A, "delete_user_settings_request", names=["theme"])
        assert w.notes.audiences() == [("delete_user_settings_request", {A})]
        await w.ok(A, "delete_user_settings_request")  # every deletable one
        doc = await w.store.find_one("userSettings", {"_id": A})
        assert doc is not None and doc["s"] == {"locale": "fr"}
        w.set("service.user.settings.ignore_unknown_settings_on_upsert", True)
        await w.ok(A, "update_user_settings_request", settings=unknown)


async def test_lifecycle_and_roles(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        now = w.clock.now()
        await users.create_user(w.store, w.s.settings, A, "pw", now, name="a")
        with pytest.raises(TurmsError) as e:
            await users.create_user(w.store, w.s.settings, A, "pw", now)
        assert e.value.code == Code.RECORD_CONTAINS_DUPLICATE_KEY
        with pytest.raises(TurmsError) as e:
            await users.create_user(w.store, w.s.settings, B, None, now, role_id=9)
        assert e.value.code == Code.ILLEGAL_ARGUMENT
        assert await w.store.count("userRelationshipGroup", {"_id.oid": A, "_id.gidx": 0}) == 1
        # Deactivation: login refused with 2012; activation restores it.
        assert await users.set_active(w.store, [A], False, now) == 1
        assert (await accounts.check_password(w.store, A, "pw")).code == Code.LOGGING_IN_USER_NOT_ACTIVE
        assert await users.set_active(w.store, [A], True, now) == 1
        assert (await accounts.check_password(w.store, A, "pw")).code is None
        # Logical deletion (the default): login refused, profile gone, document kept.
        await users.create_user(w.store, w.s.settings, B, None, now)
        await w.ok(B, "create_relationship_request", user_id=A)
        assert await users.delete_users(w.store, w.s.settings, [A], now + timedelta(seconds=1)) == 1
        assert (await accounts.check_password(w.store, A, "pw")).code == Code.LOGIN_AUTHENTICATION_FAILED
        assert await profile_ids(w, B, A) == []
        assert await w.store.count("user", {"_id": A}) == 1
        # Physical deletion removes the user and both directions of their relationships.
        assert await users.delete_users(w.store, w.s.settings, [A], now, logically=False) == 1
        assert await w.store.count("user", {"_id": A}) == 0
        assert await w.store.count("userRelationship", {"_id.rid": A}) == 0
        assert await w.store.count("userRelationshipGroupMember", {"_id.ruid": A}) == 0
        # Roles: the shape the group domain reads.
        role = await users.create_role(w.store, 5, "vip", creatable_group_type_ids=[0, 3], owned_group_limit=10)
        assert role == {"_id": 5, "n": "vip", "cgtid": [0, 3], "ogl": 10, "oglegt": 2**31 - 1, "gtl": {}}
        assert await users.update_role(w.store, 5, group_type_limits={3: 2})
        assert not await users.update_role(w.store, 6, name="x")
        await users.create_user(w.store, w.s.settings, C, None, now, role_id=5)
        assert (await users.role_of_user(w.store, C))["gtl"] == {"3": 2}
        assert (await users.role_of_user(w.store, 999))["_id"] == 0
        assert await users.update_role(w.store, 0, owned_group_limit=3)
        assert [r["_id"] for r in await users.query_roles(w.store)] == [0, 5]
        assert (await users.query_roles(w.store, [0]))[0]["ogl"] == 3
        assert await users.delete_roles(w.store, [0, 5]) == 1
