"""The group, group member and group blocklist request kinds through a real 2-worker server: for each, the
response code, the stored state (read from the store) and exactly who received which push under Turms's
default notification settings. Sessions sit on both workers, so pushes cross the routing bus. The enrollment
kinds (invitations, join requests, questions) are in test_groups_enrollment.py."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import pytest
from groups_support import (
    BY_QUESTION,
    BY_REQUEST,
    DIRECT,
    LIMITED_ROLE,
    NO_CONTENT,
    OK,
    UP_TO_DATE,
    Cast,
    add_members,
    call,
    code_of,
    member_roles,
    ms,
    ok,
    start_server,
)

from turms.client.group import GroupService
from turms.protocol.status import ResponseStatusCode as Code
from turms.storage.port import Store

from integration_support import Server
from session_support import shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(10_000)

OWNER, MANAGER, MEMBER = 0, 1, 2
ACCEPT_ACTION = 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("groups"))


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with shared_store(server.data_dir / "turms.sqlite3") as s:
        yield s


@pytest.fixture
async def cast(server: Server) -> AsyncIterator[Cast]:
    c = Cast(server, _ids)
    try:
        yield c
    finally:
        await c.close()


async def test_create_query_update_transfer_delete_group(cast: Cast, store: Store) -> None:
    owner = await cast.user("owner", worker=0)
    await cast.user("owner_phone", worker=1, uid=owner.id, device=3)
    manager = await cast.user("manager", worker=1)
    member = await cast.user("member", worker=0)
    outsider = await cast.user("outsider", worker=1)

    # CreateGroupRequest: the group and its owner are stored; only the creator's other session is told.
    gid = (await ok(owner, "create_group_request", name="team", intro="hi", min_score=2)).long
    doc = await store.find_one("group", {"_id": gid})
    assert doc is not None
    assert (doc["tid"], doc["cid"], doc["oid"], doc["n"], doc["intro"], doc["ms"], doc["ac"]) == (
        0,
        owner.id,
        owner.id,
        "team",
        "hi",
        2,
        True,
    )
    assert doc.get("dd") is None
    assert await member_roles(store, gid) == {owner.id: OWNER}
    await cast.pushes(owner_phone=["create_group_request"])
    await add_members(store, gid, {manager.id: MANAGER, member.id: MEMBER})  # setup, not under test

    # QueryGroupsRequest: anyone may read groups; unknown ids are skipped; 1002 when unchanged.
    code, data = await call(outsider, "query_groups_request", group_ids=[gid, 424242])
    (g,) = data.groups_with_version.groups
    assert code == OK
    assert (g.id, g.name, g.intro, g.owner_id, g.creator_id, g.type_id, g.active) == (
        gid,
        "team",
        "hi",
        owner.id,
        owner.id,
        0,
        True,
    )
    assert (g.creation_date, g.last_updated_date) == (ms(doc["cd"]), ms(doc["lud"]))
    assert (
        await code_of(outsider, "query_groups_request", group_ids=[gid], last_updated_date=g.last_updated_date)
        == UP_TO_DATE
    )
    assert await code_of(outsider, "query_groups_request", group_ids=[424242]) == NO_CONTENT

    # QueryJoinedGroupIds/InfosRequest: the ids the store holds for the requester, with a version.
    other_gid = (await ok(owner, "create_group_request", name="second")).long
    await cast.pushes(owner_phone=["create_group_request"])
    stored = sorted(int(d["_id"]["gid"]) for d in await store.find("groupMember", {"_id.uid": owner.id}))
    assert stored == sorted([gid, other_gid])
    code, data = await call(owner, "query_joined_group_ids_request")
    assert (code, sorted(data.longs_with_version.longs)) == (OK, stored)
    version = data.longs_with_version.last_updated_date
    assert version == ms((await store.find_one("userVersion", {"_id": owner.id}))["jg"])
    assert await code_of(owner, "query_joined_group_ids_request", last_updated_date=version) == UP_TO_DATE
    code, data = await call(owner, "query_joined_group_ids_request", last_updated_date=version - 1)
    assert (code, sorted(data.longs_with_version.longs)) == (OK, stored)
    code, data = await call(member, "query_joined_group_ids_request")
    assert (code, list(data.longs_with_version.longs)) == (OK, [gid])
    assert await code_of(outsider, "query_joined_group_ids_request") == NO_CONTENT
    code, data = await call(owner, "query_joined_group_infos_request")
    assert code == OK and sorted(x.id for x in data.groups_with_version.groups) == stored
    infos_version = data.groups_with_version.last_updated_date
    assert await code_of(owner, "query_joined_group_infos_request", last_updated_date=infos_version) == UP_TO_DATE
    assert await code_of(outsider, "query_joined_group_infos_request") == NO_CONTENT

    # UpdateGroupRequest (info): owners and managers only; every member is told, the requester's other
    # sessions too, never the requesting session.
    for who in (member, outsider):
        assert (
            await code_of(who, "update_group_request", group_id=gid, name="x")
            == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO
        )
    await cast.pushes()
    await ok(manager, "update_group_request", group_id=gid, name="team2", announcement="news", min_score=3)
    doc = await store.find_one("group", {"_id": gid})
    assert doc is not None and (doc["n"], doc["annt"], doc["ms"], doc["intro"]) == ("team2", "news", 3, "hi")
    assert doc["lud"] > doc["cd"]
    update = ["update_group_request"]
    await cast.pushes(owner=update, owner_phone=update, member=update)
    mute_end = ms(doc["lud"]) + 3_600_000
    await ok(owner, "update_group_request", group_id=gid, mute_end_date=mute_end)
    assert ms((await store.find_one("group", {"_id": gid}))["med"]) == mute_end
    await cast.pushes(owner_phone=update, manager=update, member=update)
    (g,) = (await ok(outsider, "query_groups_request", group_ids=[gid])).groups_with_version.groups
    assert (g.name, g.announcement, g.mute_end_date) == ("team2", "news", mute_end)

    # UpdateGroupRequest (transfer): the successor owns the group, the old owner stays a member.
    assert (
        await code_of(manager, "update_group_request", group_id=gid, successor_id=member.id)
        == Code.NOT_GROUP_OWNER_TO_TRANSFER_GROUP
    )
    assert (
        await code_of(owner, "update_group_request", group_id=gid, successor_id=outsider.id)
        == Code.GROUP_SUCCESSOR_NOT_GROUP_MEMBER
    )
    await cast.pushes()
    await ok(owner, "update_group_request", group_id=gid, successor_id=manager.id)
    assert await member_roles(store, gid) == {owner.id: MEMBER, manager.id: OWNER, member.id: MEMBER}
    assert (await store.find_one("group", {"_id": gid}))["oid"] == manager.id
    await cast.pushes(owner_phone=update, manager=update, member=update)

    # DeleteGroupRequest: the owner only; logical by default (the document stays, marked deleted), the
    # members go; every former member is told.
    assert await code_of(owner, "delete_group_request", group_id=gid) == Code.NOT_GROUP_OWNER_TO_DELETE_GROUP
    await cast.pushes()
    await ok(manager, "delete_group_request", group_id=gid)
    doc = await store.find_one("group", {"_id": gid})
    assert doc is not None and doc["dd"] is not None and doc["n"] == "team2"
    assert await member_roles(store, gid) == {}
    assert await store.find_one("groupVersion", {"_id": gid}) is None
    deleted = ["delete_group_request"]
    await cast.pushes(owner=deleted, owner_phone=deleted, member=deleted)
    assert await code_of(outsider, "query_groups_request", group_ids=[gid]) == NO_CONTENT
    assert await code_of(member, "query_joined_group_ids_request") == NO_CONTENT
    code, data = await call(owner, "query_joined_group_ids_request", last_updated_date=version)
    assert (code, list(data.longs_with_version.longs)) == (OK, [other_gid])  # the deletion is news


async def test_group_creation_quota_per_user_role(cast: Cast, store: Store) -> None:
    """``userRole`` LIMITED_ROLE: at most 2 owned groups, 1 of them of type DIRECT; BY_REQUEST not allowed."""
    user = await cast.user("user", worker=0)
    await cast.user("phone", worker=1, uid=user.id, device=3)
    await store.insert_one("user", {"_id": user.id, "pgid": LIMITED_ROLE, "act": True})

    async def owned() -> int:
        return await store.count("group", {"oid": user.id, "dd": None})

    created = []
    for type_id, code in (
        (BY_REQUEST, Code.NO_PERMISSION_TO_CREATE_GROUP_WITH_GROUP_TYPE),
        (99, Code.CREATE_GROUP_WITH_NONEXISTENT_GROUP_TYPE),
        (DIRECT, Code.OK),
        (DIRECT, Code.MAX_OWNED_GROUPS_REACHED),  # the per-type limit
        (0, Code.OK),
        (0, Code.MAX_OWNED_GROUPS_REACHED),  # the overall limit
    ):
        before = await owned()
        got, data = await call(user, "create_group_request", name="g", type_id=type_id)
        assert got == code, (type_id, got)
        assert await owned() == before + (got == OK)
        if got == OK:
            created.append(data.long)
    assert await owned() == 2
    await cast.pushes(phone=["create_group_request"] * 2)
    # A deleted group no longer counts.
    await ok(user, "delete_group_request", group_id=created[0])
    await cast.pushes(phone=["delete_group_request"])
    await ok(user, "create_group_request", name="again", type_id=DIRECT)
    await cast.pushes(phone=["create_group_request"])
    # An inactive user creates nothing.
    await store.update_one("user", {"_id": user.id}, {"$set": {"act": False, "pgid": 0}})
    assert await code_of(user, "create_group_request", name="g") == Code.NOT_ACTIVE_USER_TO_CREATE_GROUP
    assert await owned() == 2
    await cast.pushes()


async def test_add_update_remove_quit_and_transfer_members(cast: Cast, store: Store) -> None:
    owner = await cast.user("owner", worker=0)
    await cast.user("owner_phone", worker=1, uid=owner.id, device=3)
    manager = await cast.user("manager", worker=1)
    member = await cast.user("member", worker=0)
    newbie = await cast.user("newbie", worker=1)
    joiner = await cast.user("joiner", worker=0)
    outsider = await cast.user("outsider", worker=1)
    gid = (await ok(owner, "create_group_request", name="direct", type_id=DIRECT)).long  # at most 5 members
    await cast.pushes(owner_phone=["create_group_request"])
    added, updated, removed = (
        ["create_group_members_request"],
        ["update_group_member_request"],
        ["delete_group_members_request"],
    )
    far = 4_102_444_800_000  # 2100-01-01

    # CreateGroupMembersRequest: the added users, the other members and the requester's other sessions.
    await ok(owner, "create_group_members_request", group_id=gid, user_ids=[manager.id], role=MANAGER)
    await cast.pushes(owner_phone=added, manager=added)
    await ok(
        manager,
        "create_group_members_request",
        group_id=gid,
        user_ids=[member.id, newbie.id],
        name="n",
        mute_end_date=far,
    )
    docs = {int(d["_id"]["uid"]): d for d in await store.find("groupMember", {"_id.gid": gid})}
    assert {uid: d["role"] for uid, d in docs.items()} == {
        owner.id: OWNER,
        manager.id: MANAGER,
        member.id: MEMBER,
        newbie.id: MEMBER,
    }
    assert (docs[newbie.id]["n"], ms(docs[newbie.id]["med"])) == ("n", far)
    await cast.pushes(owner=added, owner_phone=added, member=added, newbie=added)
    relayed = newbie.last("create_group_members_request")
    assert relayed.requester_id == manager.id
    assert list(relayed.relayed_request.create_group_members_request.user_ids) == [member.id, newbie.id]
    # Joining by oneself (the type's join strategy is MEMBERSHIP_REQUEST): the other members are told.
    await ok(joiner, "create_group_members_request", group_id=gid, user_ids=[joiner.id])
    await cast.pushes(owner=added, owner_phone=added, manager=added, member=added, newbie=added)
    for who, fields, code in (
        (member, {"user_ids": [outsider.id]}, Code.NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_GROUP_MEMBER),
        (manager, {"user_ids": [outsider.id], "role": MANAGER}, Code.NOT_GROUP_OWNER_TO_ADD_GROUP_MANAGER),
        (owner, {"user_ids": [member.id]}, Code.RECORD_CONTAINS_DUPLICATE_KEY),
        (owner, {"user_ids": [outsider.id]}, Code.ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED),  # 5 already
        (outsider, {"user_ids": [outsider.id]}, Code.ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED),
    ):
        assert await code_of(who, "create_group_members_request", group_id=gid, **fields) == code
    assert len(await member_roles(store, gid)) == 5
    await cast.pushes()

    # QueryGroupMembersRequest: members only; roles and infos as stored; 1002 when unchanged.
    code, data = await call(member, "query_group_members_request", group_id=gid)
    listed = data.group_members_with_version
    assert code == OK and {m.user_id: m.role for m in listed.group_members} == await member_roles(store, gid)
    assert listed.last_updated_date == ms((await store.find_one("groupVersion", {"_id": gid}))["mbr"])
    assert (
        await call(member, "query_group_members_request", group_id=gid, last_updated_date=listed.last_updated_date)
    )[0] == UP_TO_DATE
    (one,) = (
        await ok(owner, "query_group_members_request", group_id=gid, member_ids=[newbie.id])
    ).group_members_with_version.group_members
    assert (one.user_id, one.name, one.mute_end_date, one.join_date) == (
        newbie.id,
        "n",
        far,
        ms(docs[newbie.id]["jd"]),
    )
    assert (
        await code_of(outsider, "query_group_members_request", group_id=gid)
        == Code.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO
    )

    # UpdateGroupMemberRequest: by default only the requester's other sessions are told (Turms's
    # group-member-info-updated defaults notify neither the updated member nor the others).
    for who, fields, code in (
        (member, {"member_id": newbie.id, "role": MANAGER}, Code.NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_ROLE),
        (
            member,
            {"member_id": manager.id, "mute_end_date": far},
            Code.MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER,
        ),
        (member, {"member_id": newbie.id, "name": "x"}, Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_MEMBER_INFO),
        (owner, {"member_id": newbie.id, "role": OWNER}, Code.ILLEGAL_ARGUMENT),
        (owner, {"member_id": outsider.id, "role": MANAGER}, Code.UPDATE_INFO_OF_NONEXISTENT_GROUP_MEMBER),
    ):
        assert await code_of(who, "update_group_member_request", group_id=gid, **fields) == code
    assert (await store.find_one("groupMember", {"_id": {"gid": gid, "uid": newbie.id}}))["n"] == "n"
    await cast.pushes()
    await ok(owner, "update_group_member_request", group_id=gid, member_id=newbie.id, role=MANAGER)
    await cast.pushes(owner_phone=updated)
    await ok(manager, "update_group_member_request", group_id=gid, member_id=member.id, mute_end_date=far)
    await ok(member, "update_group_member_request", group_id=gid, member_id=member.id, name="me")  # self info
    await cast.pushes()
    doc = await store.find_one("groupMember", {"_id": {"gid": gid, "uid": member.id}})
    assert doc is not None and (doc["n"], ms(doc["med"])) == ("me", far)
    assert (await member_roles(store, gid))[newbie.id] == MANAGER

    # DeleteGroupMembersRequest: removal by an owner or manager (of lower roles only) and quitting; the
    # removed users, the remaining members and the requester's other sessions are told.
    for who, fields, code in (
        (member, {"member_ids": [joiner.id]}, Code.NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER),
        (manager, {"member_ids": [newbie.id]}, Code.NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER),
        (manager, {"member_ids": [owner.id]}, Code.NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER),
        (owner, {"member_ids": [owner.id]}, Code.GROUP_OWNER_QUIT_WITHOUT_SPECIFYING_SUCCESSOR),
        (
            owner,
            {"member_ids": [owner.id], "successor_id": outsider.id, "quit_after_transfer": True},
            Code.GROUP_SUCCESSOR_NOT_GROUP_MEMBER,
        ),
        (manager, {"member_ids": [manager.id], "successor_id": member.id}, Code.NOT_GROUP_OWNER_TO_TRANSFER_GROUP),
    ):
        assert await code_of(who, "delete_group_members_request", group_id=gid, **fields) == code
    assert len(await member_roles(store, gid)) == 5
    await cast.pushes()
    await ok(manager, "delete_group_members_request", group_id=gid, member_ids=[member.id])
    assert member.id not in await member_roles(store, gid)
    await cast.pushes(owner=removed, owner_phone=removed, newbie=removed, joiner=removed, member=removed)
    await ok(joiner, "delete_group_members_request", group_id=gid, member_ids=[joiner.id])  # quits
    assert await member_roles(store, gid) == {owner.id: OWNER, manager.id: MANAGER, newbie.id: MANAGER}
    await cast.pushes(owner=removed, owner_phone=removed, manager=removed, newbie=removed)
    assert await code_of(joiner, "query_joined_group_ids_request") == NO_CONTENT
    # The owner hands over and stays (nobody left the group: nobody is told, as in Turms).
    await ok(owner, "delete_group_members_request", group_id=gid, member_ids=[owner.id], successor_id=manager.id)
    assert await member_roles(store, gid) == {owner.id: MEMBER, manager.id: OWNER, newbie.id: MANAGER}
    assert (await store.find_one("group", {"_id": gid}))["oid"] == manager.id
    await cast.pushes()
    # The new owner hands over and quits.
    await ok(
        manager,
        "delete_group_members_request",
        group_id=gid,
        member_ids=[manager.id],
        successor_id=newbie.id,
        quit_after_transfer=True,
    )
    assert await member_roles(store, gid) == {owner.id: MEMBER, newbie.id: OWNER}
    assert (await store.find_one("group", {"_id": gid}))["oid"] == newbie.id
    await cast.pushes(owner=removed, owner_phone=removed, newbie=removed)
    code, data = await call(owner, "query_group_members_request", group_id=gid)
    assert {m.user_id: m.role for m in data.group_members_with_version.group_members} == {
        owner.id: MEMBER,
        newbie.id: OWNER,
    }


async def test_block_unblock_and_query_blocked_users(cast: Cast, store: Store) -> None:
    owner = await cast.user("owner", worker=0)
    await cast.user("owner_phone", worker=1, uid=owner.id, device=3)
    manager = await cast.user("manager", worker=1)
    await cast.user("manager_phone", worker=0, uid=manager.id, device=3)
    member = await cast.user("member", worker=0)
    bystander = await cast.user("bystander", worker=1)
    stranger = await cast.user("stranger", worker=0)
    gid = (await ok(owner, "create_group_request", name="bl", type_id=DIRECT)).long
    await add_members(store, gid, {manager.id: MANAGER, member.id: MEMBER, bystander.id: MEMBER})
    await cast.drain()
    blocked_push, unblocked_push = ["create_group_blocked_user_request"], ["delete_group_blocked_user_request"]

    # CreateGroupBlockedUserRequest: owners and managers block (and so remove) members of lower roles, or
    # non-members. By default only the requester's other sessions are told.
    for who, target, code in (
        (member, bystander, Code.NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_BLOCKED_USER),
        (manager, owner, Code.NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER),
        (manager, manager, Code.ILLEGAL_ARGUMENT),
    ):
        assert await code_of(who, "create_group_blocked_user_request", group_id=gid, user_id=target.id) == code
    assert await store.count("groupBlockedUser", {"_id.gid": gid}) == 0
    await cast.pushes()
    await ok(manager, "create_group_blocked_user_request", group_id=gid, user_id=member.id)
    doc = await store.find_one("groupBlockedUser", {"_id": {"gid": gid, "uid": member.id}})
    assert doc is not None and doc["rid"] == manager.id
    assert await member_roles(store, gid) == {owner.id: OWNER, manager.id: MANAGER, bystander.id: MEMBER}
    await cast.pushes(manager_phone=blocked_push)
    await ok(owner, "create_group_blocked_user_request", group_id=gid, user_id=stranger.id)
    await cast.pushes(owner_phone=blocked_push)
    assert (
        await code_of(owner, "create_group_blocked_user_request", group_id=gid, user_id=stranger.id)
        == Code.RECORD_CONTAINS_DUPLICATE_KEY
    )
    # Blocked users can neither join nor be added.
    assert (
        await code_of(member, "create_group_members_request", group_id=gid, user_ids=[member.id])
        == Code.ADD_BLOCKED_USER_TO_GROUP
    )
    assert (
        await code_of(owner, "create_group_members_request", group_id=gid, user_ids=[stranger.id])
        == Code.ADD_BLOCKED_USER_TO_GROUP
    )
    await cast.pushes()

    # QueryGroupBlockedUserIds/InfosRequest: the stored blocklist, with its version; 1002 when unchanged.
    stored = sorted(int(d["_id"]["uid"]) for d in await store.find("groupBlockedUser", {"_id.gid": gid}))
    assert stored == sorted([member.id, stranger.id])
    code, data = await call(stranger, "query_group_blocked_user_ids_request", group_id=gid)
    assert (code, sorted(data.longs_with_version.longs)) == (OK, stored)
    version = data.longs_with_version.last_updated_date
    assert version == ms((await store.find_one("groupVersion", {"_id": gid}))["bl"])
    assert (
        await code_of(stranger, "query_group_blocked_user_ids_request", group_id=gid, last_updated_date=version)
        == UP_TO_DATE
    )
    code, data = await call(owner, "query_group_blocked_user_infos_request", group_id=gid)
    assert (code, sorted(u.id for u in data.user_infos_with_version.user_infos)) == (OK, stored)
    assert (
        await code_of(owner, "query_group_blocked_user_infos_request", group_id=gid, last_updated_date=version)
        == UP_TO_DATE
    )

    # DeleteGroupBlockedUserRequest: owners and managers; unblocking a user who is not blocked changes
    # nothing and tells nobody.
    assert (
        await code_of(bystander, "delete_group_blocked_user_request", group_id=gid, user_id=member.id)
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_BLOCKED_USER
    )
    await ok(manager, "delete_group_blocked_user_request", group_id=gid, user_id=member.id)
    assert await store.find_one("groupBlockedUser", {"_id": {"gid": gid, "uid": member.id}}) is None
    await cast.pushes(manager_phone=unblocked_push)
    await ok(manager, "delete_group_blocked_user_request", group_id=gid, user_id=bystander.id)
    await cast.pushes()
    code, data = await call(owner, "query_group_blocked_user_ids_request", group_id=gid)
    assert (code, list(data.longs_with_version.longs)) == (OK, [stranger.id])
    await ok(owner, "delete_group_blocked_user_request", group_id=gid, user_id=stranger.id)
    await cast.pushes(owner_phone=unblocked_push)
    assert await code_of(owner, "query_group_blocked_user_ids_request", group_id=gid) == NO_CONTENT
    # Unblocked, the member may join again.
    await ok(member, "create_group_members_request", group_id=gid, user_ids=[member.id])
    added = ["create_group_members_request"]
    await cast.pushes(owner=added, owner_phone=added, manager=added, manager_phone=added, bystander=added)


async def test_the_sdk_group_service_speaks_every_kind(cast: Cast, store: Store) -> None:
    """The typed client (``turms.client.group.GroupService``) over the same server: one call per method, each
    answer read back as the tests above read the raw responses."""
    owner = await cast.user("owner", worker=0)
    manager = await cast.user("manager", worker=1)
    user = await cast.user("user", worker=0)
    o, m, u = (GroupService(s.client) for s in (owner, manager, user))
    gid = await o.create_group("sdk", intro="i", type_id=DIRECT)
    await o.add_members(gid, [manager.id], role=MANAGER)
    await o.update_group(gid, announcement="a")
    (g,) = await u.query_groups([gid]) or []
    assert (g.id, g.announcement) == (gid, "a")
    assert await u.query_groups([gid], last_updated_date=g.last_updated_date) is None  # 1002
    await u.join_group(gid, user.id)
    assert await u.query_joined_group_ids() == [gid]
    assert [x.id for x in await u.query_joined_groups() or []] == [gid]
    await m.update_member(gid, user.id, name="u")
    members = await u.query_members(gid) or []
    assert {(x.user_id, x.role) for x in members} == {(owner.id, OWNER), (manager.id, MANAGER), (user.id, MEMBER)}
    await m.block_user(gid, user.id)
    assert await o.query_blocked_user_ids(gid) == [user.id]
    assert [x.id for x in await o.query_blocked_user_infos(gid) or []] == [user.id]
    await m.unblock_user(gid, user.id)
    await o.transfer_ownership(gid, manager.id, quit_after=True)
    assert await member_roles(store, gid) == {manager.id: OWNER}
    await m.remove_members(gid, [])  # nothing to remove
    await m.delete_group(gid)
    assert await u.query_groups([gid]) == []  # 1001
    # Enrollment.
    invited = await o.create_group("inv")
    inv = await o.invite(invited, user.id, "hi")
    assert [x.id for x in await u.query_invitations() or []] == [inv]
    await o.recall_invitation(inv)
    inv2 = await o.invite(invited, user.id)
    await u.reply_invitation(inv2, ACCEPT_ACTION)
    assert user.id in await member_roles(store, invited)
    assert [x.id for x in await o.query_invitations(group_id=invited) or []] == [inv2, inv]
    requested = await o.create_group("req", type_id=BY_REQUEST)
    rid = await u.request_to_join(requested, "me")
    await u.recall_join_request(rid)
    rid2 = await u.request_to_join(requested)
    assert [x.id for x in await o.query_join_requests(group_id=requested) or []] == [rid2, rid]
    await o.reply_join_request(rid2, ACCEPT_ACTION, reason="ok")
    assert user.id in await member_roles(store, requested)
    quiz = await o.create_group("quiz", type_id=BY_QUESTION, min_score=1)
    q1, q2 = await o.add_questions(quiz, [("a?", ["a"], 1), ("b?", ["b"], 1)])
    await o.update_question(q1, answers=["a", "A"])
    await o.delete_questions(quiz, [q2])
    (q,) = await o.query_questions(quiz, with_answers=True) or []
    assert (q.id, list(q.answers)) == (q1, ["a", "A"])
    result = await u.answer_questions({q1: "A"})
    assert (result.score, result.joined) == (1, True)
    await cast.drain()
