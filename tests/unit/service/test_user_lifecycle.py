"""The user lifecycle the admin API calls (create, update, delete physically or logically) and who is told of
an online-status change, at service level (real SQLite store, FakeClock)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from user_world import World, world

from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service import accounts
from turms.service.user import users

A, B, C, D = 401, 402, 403, 404
BUSY, AWAY = 3, 5


async def make_users(w: World, *ids: int) -> None:
    for uid in ids:
        await users.create_user(w.store, w.s.settings, uid, "pw", w.clock.now(), name=f"u{uid}")


async def befriend(w: World, sender: int, recipient: int) -> None:
    r = await w.call(sender, "create_friend_request_request", recipient_id=recipient)
    assert r.code == Code.OK, (r.code, r.reason)
    await w.ok(recipient, "update_friend_request_request", request_id=int(r.data.long), response_action=0)


async def owned_by(w: World, uid: int) -> dict[str, int]:
    """How many documents of each user-side collection belong to (or name) ``uid``."""
    return {
        "user": await w.store.count("user", {"_id": uid}),
        "relationships": await w.store.count("userRelationship", {"_id.oid": uid}),
        "relationships to": await w.store.count("userRelationship", {"_id.rid": uid}),
        "groups": await w.store.count("userRelationshipGroup", {"_id.oid": uid}),
        "group members": await w.store.count("userRelationshipGroupMember", {"_id.oid": uid}),
        "in others' groups": await w.store.count("userRelationshipGroupMember", {"_id.ruid": uid}),
        "settings": await w.store.count("userSettings", {"_id": uid}),
        "version": await w.store.count("userVersion", {"_id": uid}),
        "friend requests sent": await w.store.count("userFriendRequest", {"rrid": uid}),
        "friend requests received": await w.store.count("userFriendRequest", {"rtid": uid}),
        "private conversations": await w.store.count("privateConversation", {"_id.oid": uid}),
        "conversation settings": await w.store.count("conversationSettings", {"_id.oid": uid}),
    }


async def give_a_user_everything(w: World) -> None:
    """A: a friend (B, in A's group "work"), a pending request to C, one from D, settings, conversations."""
    await make_users(w, A, B, C, D)
    await befriend(w, A, B)
    work = int((await w.ok(A, "create_relationship_group_request", name="work")).data.long)
    await w.ok(A, "update_relationship_request", user_id=B, new_group_index=work)
    await w.ok(B, "create_relationship_group_request", name="close")
    await w.ok(A, "create_friend_request_request", recipient_id=C)
    await w.ok(D, "create_friend_request_request", recipient_id=A)
    w.set("service.user.settings.allowed", ["theme:string"])
    await w.ok(A, "update_user_settings_request", settings={"theme": model_common_pb2.Value(string_value="dark")})
    now = w.clock.now()
    await w.store.insert_one("privateConversation", {"_id": {"oid": A, "tid": B}, "rd": now})
    await w.store.insert_one("conversationSettings", {"_id": {"oid": A, "tid": B}, "s": {}, "lud": now})


async def test_physical_deletion_removes_what_the_user_owns(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await give_a_user_everything(w)
        before = await owned_by(w, A)
        assert all(n >= 1 for n in before.values()), before
        b_version = await w.store.find_one("userVersion", {"_id": B})
        assert b_version is not None
        w.clock.advance(5)
        assert await users.delete_users(w.store, w.s.settings, [A], w.clock.now(), logically=False) == 1
        assert await owned_by(w, A) == dict.fromkeys(before, 0)
        # The others keep their own data; their lists changed, so their versions moved on.
        assert await w.store.count("user", {"_id": {"$in": [B, C, D]}}) == 3
        assert await w.store.count("userRelationshipGroup", {"_id.oid": B}) == 2  # default and "close"
        assert await w.store.count("userRelationshipGroupMember", {"_id.oid": B}) == 0
        after = {d["_id"]: d for d in await w.store.find("userVersion", {"_id": {"$in": [B, C, D]}})}
        assert after[B]["r"] > b_version["r"] and after[B]["rgm"] > b_version["rgm"]
        assert after[C]["rfr"] == after[D]["sfr"] == after[B]["r"]  # the deletion's time
        r = await w.call(B, "query_relationships_request", last_updated_date=int(b_version["r"].timestamp() * 1000))
        assert r.code == Code.NO_CONTENT  # changed (not 1002), and nothing is left
        r = await w.call(C, "query_friend_requests_request", are_sent_by_me=False)
        assert r.code == Code.NO_CONTENT


async def test_deletion_follows_the_setting_when_not_told(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await give_a_user_everything(w)
        now = w.clock.now()
        # Default (service.user.delete_user_logically = true): only marked deleted, nothing else goes.
        assert await users.delete_users(w.store, w.s.settings, [A], now) == 1
        kept = await owned_by(w, A)
        assert kept["user"] == 1 and kept["relationships"] == 1 and kept["settings"] == 1
        doc = await w.store.find_one("user", {"_id": A})
        assert doc is not None and doc["dd"] is not None
        assert (await accounts.check_password(w.store, A, "pw")).code == Code.LOGIN_AUTHENTICATION_FAILED
        # The live setting off: a deletion without `logically` is physical (even of a logically deleted user).
        w.set("service.user.delete_user_logically", False)
        assert await users.delete_users(w.store, w.s.settings, [A, B], now) == 2
        assert await owned_by(w, A) == dict.fromkeys(kept, 0)
        assert await w.store.count("user", {"_id": B}) == 0
        # An explicit choice wins over the setting.
        assert await users.delete_users(w.store, w.s.settings, [C], now, logically=True) == 1
        assert await w.store.count("user", {"_id": C}) == 1


async def test_update_users_validates_like_creation(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await make_users(w, A, B)
        now = w.clock.now() + timedelta(seconds=1)
        for fields in ({"name": "x" * 21}, {"intro": "x" * 101}, {"profile_access": 7}, {"role_id": 9}):
            with pytest.raises(TurmsError) as e:
                await users.update_users(w.store, w.s.settings, [A], now, **fields)  # type: ignore[arg-type]
            assert e.value.code == Code.ILLEGAL_ARGUMENT, fields
        assert (await w.store.find_one("user", {"_id": A}) or {})["n"] == f"u{A}"
        await users.create_role(w.store, 9, "vip")
        changed = await users.update_users(
            w.store, w.s.settings, [A, B, 999], now, name="x" * 20, role_id=9, password="new-pw", active=False
        )
        assert changed == 2
        doc = await w.store.find_one("user", {"_id": A})
        assert doc is not None and (doc["n"], doc["pgid"], doc["act"]) == ("x" * 20, 9, False)
        assert (await accounts.check_password(w.store, A, "new-pw")).code == Code.LOGGING_IN_USER_NOT_ACTIVE
        assert await users.update_users(w.store, w.s.settings, [A], now) == 0  # nothing to change
        await users.delete_users(w.store, w.s.settings, [B], now)
        assert await users.update_users(w.store, w.s.settings, [B], now, name="ghost") == 0  # deleted users stay


async def test_create_user_checks_and_activation_setting(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        now = w.clock.now()
        for fields in ({"name": "x" * 21}, {"profile_picture": "x" * 101}, {"role_id": 3}):
            with pytest.raises(TurmsError) as e:
                await users.create_user(w.store, w.s.settings, A, None, now, **fields)  # type: ignore[arg-type]
            assert e.value.code == Code.ILLEGAL_ARGUMENT, fields
        assert await w.store.count("user") == 0
        w.set("service.user.activate_user_when_added", False)
        assert (await users.create_user(w.store, w.s.settings, A, None, now))["act"] is False
        assert (await users.create_user(w.store, w.s.settings, B, None, now, active=True))["act"] is True


async def test_online_status_change_audience_follows_the_settings(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await make_users(w, A, B, C, D)
        await befriend(w, A, B)
        await w.ok(A, "create_relationship_request", user_id=C, blocked=True)
        await befriend(w, D, A)
        await w.ok(A, "delete_relationship_request", user_id=D)  # D still relates to A; A no longer to D
        w.notes.clear()
        # Turms's defaults: the requester's other devices only (never the requesting session).
        await w.ok(A, "update_user_online_status_request", user_status=BUSY)
        assert w.notes.audiences() == [("update_user_online_status_request", {A})]
        assert w.notes.sent[0][3] == f"s{A}:0"
        assert w.notes.sent[0][2].update_user_online_status_request.user_status == BUSY
        w.notes.clear()
        w.set("service.notification.user_online_status_updated.notify_non_blocked_related_users", True)
        await w.ok(A, "update_user_online_status_request", user_status=AWAY)
        assert w.notes.audiences() == [("update_user_online_status_request", {A, B})]  # not blocked C, not D
        w.notes.clear()
        w.set("service.notification.user_online_status_updated.notify_requester_other_online_sessions", False)
        await w.ok(A, "update_user_online_status_request", user_status=BUSY)
        assert w.notes.audiences() == [("update_user_online_status_request", {B})]
        w.notes.clear()
        assert await w.code(A, "update_user_online_status_request", user_status=99) == Code.ILLEGAL_ARGUMENT
        assert w.notes.audiences() == []


async def test_users_registered_and_deleted_are_counted(tmp_path: Path) -> None:
    """The business counters Turms has: every user created, and every user deleted (either way), once."""
    from turms.observability import metrics

    def counts() -> tuple[float, float]:
        return metrics.USERS_REGISTERED._value.get(), metrics.USERS_DELETED._value.get()

    async with world(tmp_path) as w:
        registered, deleted = counts()
        await make_users(w, A, B, C)
        assert counts() == (registered + 3, deleted)
        assert await users.delete_users(w.store, w.s.settings, [A, B], w.clock.now(), logically=True) == 2
        # Deleting the logically deleted again changes nothing, and counts nothing.
        await users.delete_users(w.store, w.s.settings, [A], w.clock.now(), logically=True)
        assert counts() == (registered + 3, deleted + 2)
        await users.delete_users(w.store, w.s.settings, [C, 999], w.clock.now(), logically=False)
        assert counts() == (registered + 3, deleted + 3)
