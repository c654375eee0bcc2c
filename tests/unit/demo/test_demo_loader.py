"""Loading the demo dataset into a real SQLite store: its records, idempotency, refusals and clearing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from turms.admin.permissions import ROOT_ADMIN_ID, AdminPermission
from turms.clock import FakeClock
from turms.demo import dataset as d
from turms.demo.loader import DemoRefused, inspect, load
from turms.security.passwords import verify_password
from turms.service import accounts
from turms.service.group import group_types
from turms.service.message.model import group_conversation_id, private_conversation_id, sequence_key
from turms.settings import Settings, load_settings
from turms.storage.factory import open_store
from turms.storage.port import Store
from turms.storage.schema import SCHEMA

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def settings_for(tmp_path: Path, **values: str) -> Settings:
    return load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path)), *values.items()])


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(settings_for(tmp_path))
    await s.start()
    try:
        yield s
    finally:
        await s.close()


async def snapshot(store: Store) -> dict[str, int]:
    return {c.name: await store.count(c.name) for c in SCHEMA}


async def test_the_default_dataset_has_turms_shape(tmp_path: Path, store: Store) -> None:
    result = await load(store, settings_for(tmp_path), FakeClock())
    assert result.loaded and result.user_count == 1000 and not result.cleared

    # Users 1..1000: password 123 (one shared hash), Turms's profile, dates epoch + id days.
    assert await store.count("user") == 1000
    u2: dict[str, Any] = await store.find_one("user", {"_id": 2}) or {}
    assert (u2["n"], u2["intro"], u2["pp"], u2["pas"], u2["pgid"], u2["act"]) == (
        "my-name",
        "my-intro",
        "my-avatar-id",
        0,
        0,
        True,
    )
    assert u2["rd"] == u2["lud"] == EPOCH + timedelta(days=2) and u2["uda"] == {"k1": 1, "k2": "v2"}
    assert verify_password("123", u2["pw"].decode()) and not verify_password("1234", u2["pw"].decode())
    assert (await accounts.check_password(store, 1000, "123")).code is None
    assert await store.count("userRelationshipGroup", {"_id.gidx": 0, "n": ""}) == 1000
    assert await store.count("userVersion") == 1000

    # User 1 and users 2..100 are friends both ways, in each other's group 0.
    assert await store.count("userRelationship") == 2 * 99
    for owner, related in ((1, 2), (2, 1), (1, 100), (100, 1)):
        rel = await store.find_one("userRelationship", {"_id.oid": owner, "_id.rid": related})
        assert rel is not None and rel["ed"] == EPOCH and "bd" not in rel
        assert await store.count("userRelationshipGroupMember", {"_id.oid": owner, "_id.ruid": related}) == 1
    assert await store.find_one("userRelationship", {"_id.oid": 1, "_id.rid": 101}) is None

    # Friend requests from user 1 to users 101..201, pending.
    requests = await store.find("userFriendRequest", {}, sort=[("_id", 1)])
    assert [r["rtid"] for r in requests] == list(range(101, 202))
    assert {(r["rrid"], r["stat"], r["cnt"], r["cd"]) for r in requests} == {(1, 0, "test-request", EPOCH)}

    # The user role and the group types.
    role = await store.find_one("userRole", {"_id": 1})
    assert role == {"_id": 1, "n": "my-role", "cgtid": [1], "ogl": 10, "oglegt": 10, "gtl": {"1": 1, "2": 1}}
    test_type = await group_types.get_type(store, 1)
    assert test_type is not None and test_type.name == "test" and test_type.size_limit == 1000
    assert (test_type.invitation_strategy.name, test_type.join_strategy.name) == ("ALL", "MEMBERSHIP_REQUEST")
    assert test_type.group_info_update_strategy.name == "OWNER_MANAGER"
    assert test_type.member_info_update_strategy.name == "OWNER_MANAGER_MEMBER"
    assert test_type.guest_speakable and test_type.self_info_updatable
    assert test_type.enable_read_receipt and test_type.message_editable
    assert await group_types.get_type(store, 0) is not None

    # Group 1 and its members, blocklist, invitations, join requests and question.
    group = await store.find_one("group", {"_id": 1})
    assert group is not None
    assert (group["n"], group["intro"], group["annt"], group["tid"], group["cid"], group["oid"], group["ms"]) == (
        "Turms Developers Group",
        "This is a group for the developers who are interested in Turms",
        "nope",
        0,
        1,
        1,
        0,
    )
    members = await store.find("groupMember", {"_id.gid": 1}, sort=[("_id.uid", 1)])
    assert [m["_id"]["uid"] for m in members] == list(range(1, 101))
    assert [m["role"] for m in members[:2]] == [0, 2]  # OWNER, then MEMBER
    assert [m["_id"]["uid"] for m in members if "med" in m] == list(range(51, 101))
    assert members[-1]["med"] == d.FAR_FUTURE
    blocked = await store.find("groupBlockedUser", {"_id.gid": 1})
    assert sorted(b["_id"]["uid"] for b in blocked) == list(range(901, 1001))
    invitations = await store.find("groupInvitation", {"gid": 1}, sort=[("_id", 1)])
    assert [i["ieid"] for i in invitations] == list(range(801, 901))
    assert invitations[0]["cd"] == EPOCH + timedelta(days=801) and invitations[0]["stat"] == 0
    join_requests = await store.find("groupJoinRequest", {"gid": 1}, sort=[("_id", 1)])
    assert [j["rqid"] for j in join_requests] == list(range(701, 801))
    question = await store.find_one("groupJoinQuestion", {"gid": 1})
    assert question is not None and (question["q"], question["ans"], question["score"]) == (
        "test-question",
        ["a", "b", "c"],
        20,
    )

    # Admins: guest (GUEST role: every *_QUERY and *_CREATE) and my-login-name:1..10 (ADMIN: everything).
    guest = await store.find_one("admin", {"ln": "guest"})
    assert guest is not None and guest["_id"] == 1 and guest["rid"] == [2]
    assert verify_password("guest", guest["pw"].decode())
    admins = await store.find("admin", {"ln": {"$ne": "guest"}}, sort=[("_id", 1)])
    assert [a["ln"] for a in admins] == [f"my-login-name:{i}" for i in range(1, 11)]
    assert verify_password("123", admins[0]["pw"].decode())
    guest_role = await store.find_one("adminRole", {"_id": 2})
    assert guest_role is not None and "USER_DELETE" not in guest_role["perm"]
    assert {"USER_QUERY", "USER_CREATE", "MESSAGE_QUERY"} <= set(guest_role["perm"])
    admin_role = await store.find_one("adminRole", {"_id": 1})
    assert admin_role is not None and len(admin_role["perm"]) == len(AdminPermission)


async def test_messages_have_dense_sequence_ids_in_delivery_order(tmp_path: Path, store: Store) -> None:
    await load(store, settings_for(tmp_path, **{"demo.user_count": "100"}), FakeClock())
    assert await store.count("message") == 300
    group = await store.find("message", {"cid": group_conversation_id(1)}, sort=[("sqid", 1)])
    assert [m["sqid"] for m in group] == list(range(1, 101))
    assert [m["dyd"] for m in group] == sorted(m["dyd"] for m in group)
    assert {(m["sid"], m["tid"], m["gm"], m["bf"]) for m in group} == {(1, 1, True, 30)}
    total = 0
    for target in range(2, 11):
        cid = private_conversation_id(1, target)
        msgs = await store.find("message", {"cid": cid}, sort=[("sqid", 1)])
        total += len(msgs)
        assert [m["sqid"] for m in msgs] == list(range(1, len(msgs) + 1))
        # Each round: user 1 writes, the target answers; both at epoch + round hours.
        assert [m["sid"] for m in msgs] == [1, target] * (len(msgs) // 2)
        assert [m["dyd"] for m in msgs] == sorted(m["dyd"] for m in msgs)
        # The message service continues the same counter: the next message gets the next number.
        counter = await store.find_one("sequenceCounter", {"_id": sequence_key(cid)})
        assert counter is not None and counter["seq"] == len(msgs)
        # IPv4 senders (even rounds) are stored; IPv6 ones are not (the schema keeps IPv4 only).
        assert all(("sip" in m) == (m["dyd"].hour % 2 == 0) for m in msgs)
    assert total == 200
    convs = await store.find("privateConversation", {"_id.oid": 1})
    assert sorted(c["_id"]["tid"] for c in convs) == list(range(2, 11)) and {c["rd"] for c in convs} == {EPOCH}
    gconv = await store.find_one("groupConversation", {"_id": 1})
    assert gconv is not None and gconv["mr"] == {str(u): EPOCH for u in range(1, 11)}


async def test_loading_twice_changes_nothing(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path, **{"demo.user_count": "100"})
    await load(store, settings, FakeClock())
    before = await snapshot(store)
    again = await load(store, settings, FakeClock())
    assert not again.loaded and again.counts == {}
    assert await snapshot(store) == before
    assert (await inspect(store)).kind == "demo"


async def test_a_store_with_other_data_is_refused_then_cleared_on_request(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path, **{"demo.user_count": "100"})
    # What a server creates for itself at start does not count as data.
    await store.insert_one("admin", {"_id": ROOT_ADMIN_ID, "ln": "turms", "rid": [0]})
    await group_types.ensure_default_type(store)
    assert (await inspect(store)).kind == "empty"
    await accounts.create_user(store, 4242, None, EPOCH)
    with pytest.raises(DemoRefused, match=r"not empty \(data in: user, userRelationshipGroup\).*--clear"):
        await load(store, settings, FakeClock())
    assert await store.count("user") == 1 and await store.count("message") == 0

    result = await load(store, settings, FakeClock(), clear_first=True)
    assert result.loaded and result.cleared
    assert await store.find_one("user", {"_id": 4242}) is None and await store.count("user") == 100
    root = await store.find_one("admin", {"_id": ROOT_ADMIN_ID})
    assert root is not None and root["ln"] == "turms"  # a clear keeps the root admin


async def test_an_unfinished_or_differently_sized_load_is_refused(tmp_path: Path, store: Store) -> None:
    await load(store, settings_for(tmp_path, **{"demo.user_count": "100"}), FakeClock())
    with pytest.raises(DemoRefused, match="demo dataset for 100 users, not 200"):
        await load(store, settings_for(tmp_path, **{"demo.user_count": "200"}), FakeClock())
    await store.update_one("clusterSettings", {"_id": "demo"}, {"$set": {"s.state": "loading"}})
    with pytest.raises(DemoRefused, match="did not finish"):
        await load(store, settings_for(tmp_path, **{"demo.user_count": "100"}), FakeClock())
    result = await load(store, settings_for(tmp_path, **{"demo.user_count": "200"}), FakeClock(), clear_first=True)
    assert result.loaded and await store.count("user") == 200
